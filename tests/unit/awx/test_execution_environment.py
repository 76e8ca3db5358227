# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""execution-environment.yml: `ansible-builder create` makes a build context of it, with what the jobs need.

The definition is copied beside a freshly built artifact of this checkout, at the path it names, so the test
holds whether or not `make install` has left one in build/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
COLLECTIONS = ROOT / ".venv" / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"


def run(*command, cwd):
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=dict(os.environ), capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{' '.join(map(str, command))} failed:\n{done.stdout}\n{done.stderr}"
    return done


def pins():
    lines = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    return dict(line.lower().split("==") for line in lines if "==" in line)


@pytest.fixture(scope="module")
def definition():
    return yaml.safe_load((ROOT / "execution-environment.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    """The build context ansible-builder creates, and what it printed."""
    work = tmp_path_factory.mktemp("ee")
    shutil.copy(ROOT / "execution-environment.yml", work)
    run(BIN / "ansible-galaxy", "collection", "build", "--output-path", work / "build", ROOT, cwd=ROOT)
    done = run(
        BIN / "ansible-builder",
        "create",
        "--file",
        work / "execution-environment.yml",
        "--context",
        work / "context",
        "--output-filename",
        "Containerfile",
        cwd=work,
    )
    return work / "context", done.stdout + done.stderr


def test_ansible_builder_creates_a_build_context(context):
    directory, output = context
    assert "Complete! The build context can be found at" in output, output
    assert "WARNING" not in output and "No matches" not in output, output
    containerfile = (directory / "Containerfile").read_text(encoding="utf-8")
    assert "ansible-galaxy collection install" in containerfile
    assert "/output/scripts/assemble" in containerfile


def test_the_context_installs_this_collection_and_its_dependencies(context):
    directory = context[0]
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))
    requirements = yaml.safe_load((directory / "_build" / "requirements.yml").read_text(encoding="utf-8"))
    collections = {item["name"]: item for item in requirements["collections"]}
    artifact = f"collections/{galaxy['namespace']}-{galaxy['name']}-{galaxy['version']}.tar.gz"
    assert collections[artifact]["type"] == "file", "the definition names another version than galaxy.yml's"
    # The galaxy stage installs from the copied context, /build.
    assert (directory / "_build" / artifact).is_file()
    for dependency in galaxy["dependencies"]:
        assert dependency in collections, f"{dependency} is missing"


def test_the_environment_has_the_versions_the_tests_run(context, definition):
    directory = context[0]
    pinned = pins()
    python = (directory / "_build" / "requirements.txt").read_text(encoding="utf-8").split()
    assert sorted(python) == sorted(f"{name}=={pinned[name]}" for name in ("boto3", "botocore"))
    dependencies = definition["dependencies"]
    assert dependencies["ansible_core"]["package_pip"] == f"ansible-core=={pinned['ansible-core']}"
    assert dependencies["ansible_runner"]["package_pip"] == f"ansible-runner=={pinned['ansible-runner']}"
    containerfile = (directory / "Containerfile").read_text(encoding="utf-8")
    assert re.search(rf"ansible-core=={re.escape(pinned['ansible-core'])}\b", containerfile)
    for item in dependencies["galaxy"]["collections"]:
        if item.get("type") == "file":
            continue
        namespace, name = item["name"].split(".")
        manifest = COLLECTIONS / "ansible_collections" / namespace / name / "MANIFEST.json"
        installed = json.loads(manifest.read_text(encoding="utf-8"))["collection_info"]["version"]
        assert item["version"] == installed, f"{item['name']}: {item['version']} here, {installed} in the tests"
