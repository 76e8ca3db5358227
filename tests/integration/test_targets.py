# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs every integration target (tests/integration/targets/*) as a playbook against the test sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
TARGETS = sorted(
    path.name
    for path in (HERE / "targets").iterdir()
    if (path / "tasks" / "main.yml").exists()
    and "disabled" not in (path / "aliases").read_text(encoding="utf-8").split()
)


@pytest.mark.parametrize("target", TARGETS)
def test_target(sandbox, target):
    env_roles = str(HERE / "targets")
    sandbox.env["ANSIBLE_ROLES_PATH"] = env_roles
    done = sandbox.playbook(HERE / "run_target.yml", extra_vars={"bluegreen_target": target})
    assert done.returncode == 0, f"target {target} failed:\n{done.stdout[-20000:]}\n{done.stderr[-5000:]}"
    assert "failed=0" in done.stdout
