# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Molecule scenario extensions/molecule/codedeploy_hooks, run by `make test`.

Two Debian bookworm roots built with debootstrap (cached under ~/.cache/teal-bluegreen) and entered with chroot
receive the codedeploy_hooks role; the revision bundle that the deploy role builds for bluegreen_codedeploy is then
deployed to them as CodeDeploy's agent deploys it, against a local AWS sandbox (docs/instances.md). The scenario needs root, for debootstrap, chroot and mount:
without it the test says so and is skipped, and under CI=true it fails instead, so that CI never passes
without having run it. debootstrap itself is installed by the scenario when missing.

The scenario runs at verbosity 4 (-vvvv) with a random check secret of this test's (BLUEGREEN_MOLECULE_CHECK_SECRET),
which the scenario puts in its sandbox as a SecureString and which one instance's hooks send in their HTTP checks:
the value may appear nowhere in the output. The scenario itself looks for it in the instance's files.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SCENARIO = "codedeploy_hooks"
LOG = ROOT / "tests" / "output" / f"molecule-{SCENARIO}.log"
TIMEOUT = 3600
# Letters and digits only: the scenario writes it into an Apache expression.
CHECK_SECRET = "canaryCheckSecret" + secrets.token_hex(16)


def missing_prerequisites():
    problems = []
    if os.geteuid() != 0:
        problems.append(f"it runs as uid {os.geteuid()}, and the instances need root (debootstrap, chroot, mount)")
    if not (shutil.which("debootstrap") or Path("/usr/sbin/debootstrap").exists() or shutil.which("apt-get")):
        problems.append("debootstrap is not installed, and there is no apt-get to install it")
    if not (BIN / "molecule").exists():
        problems.append(f"molecule is not installed in {BIN}: run `make install`")
    return problems


def test_codedeploy_hooks_scenario():
    problems = missing_prerequisites()
    if problems:
        message = f"the Molecule scenario {SCENARIO} cannot run here: {'; '.join(problems)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)

    # The instances are entered as root, whose PATH on an instance (a root login, sudo's secure_path) has the sbin
    # folders, where dpkg finds ldconfig; the chroot connection hands them the PATH of this process, which a user's
    # PATH on Debian may not give.
    path = [str(BIN), *os.environ.get("PATH", "").split(os.pathsep)]
    path += [folder for folder in ("/usr/local/sbin", "/usr/sbin", "/sbin") if folder not in path]
    env = dict(
        os.environ,
        PATH=os.pathsep.join(path),
        ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".venv" / "collections"),
        ANSIBLE_FORCE_COLOR="0",
        PY_COLORS="0",
        NO_COLOR="1",
        ANSIBLE_VERBOSITY="4",
        BLUEGREEN_MOLECULE_CHECK_SECRET=CHECK_SECRET,
    )
    LOG.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with open(LOG, "w", encoding="utf-8") as log:
        done = subprocess.run(
            [str(BIN / "molecule"), "test", "--scenario-name", SCENARIO],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=TIMEOUT,
            check=False,
        )
    elapsed = time.monotonic() - started
    print(f"molecule test --scenario-name {SCENARIO}: exit {done.returncode} in {elapsed:.0f}s, log {LOG}")
    output = LOG.read_text(encoding="utf-8", errors="replace").splitlines()
    # A leak counts even in a failed run, whose output may be where it shows.
    leaks = [number for number, line in enumerate(output, 1) if CHECK_SECRET in line]
    assert not leaks, f"the check secret shows in the output of the scenario, {LOG} lines {leaks[:20]}"
    if done.returncode != 0:
        tail = "\n".join(output[-60:])
        pytest.fail(f"molecule test failed (exit {done.returncode}) after {elapsed:.0f}s; full log {LOG}\n{tail}")
    assert any("ESTABLISH LOCAL CONNECTION" in line for line in output), "not verbose enough to tell"
