# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The artifact `ansible-galaxy collection build` makes of this checkout is what users install.

The checkout is copied with a sample of every kind of local state a working tree collects (virtualenv,
sandbox state, build output, test output, caches, git metadata) planted in it, so the test holds
whether or not the tree it runs in has any of them yet.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ANSIBLE_GALAXY = Path(sys.executable).parent / "ansible-galaxy"

# Directories too large or too volatile to copy (a running sandbox keeps its state in them); each one
# gets a planted sample instead.
NOT_COPIED = {".venv", ".sandbox", "build", ".git", ".ansible", ".pytest_cache", "tests/output"}

PLANTED = [
    ".venv/pyvenv.cfg",
    ".venv/lib/python3.11/site-packages/boto3/__init__.py",
    ".sandbox/moto-state.json",
    "build/teal-bluegreen-0.0.1.tar.gz",
    ".git/HEAD",
    ".ansible/collections/ansible_collections/teal/bluegreen/galaxy.yml",
    ".pytest_cache/v/cache/lastfailed",
    "tests/output/.tmp/sanity.log",
    "tests/output/sandbox/state.json",
    "plugins/modules/__pycache__/state_info.cpython-311.pyc",
    "plugins/module_utils/stale.pyc",
    "tests/unit/__pycache__/conftest.cpython-311-pytest-9.2.0.pyc",
]

FORBIDDEN_DIRECTORIES = {".venv", ".sandbox", ".git", ".ansible", ".pytest_cache", "__pycache__"}

# Everything the artifact holds, at its top level: what users run, and the files Galaxy requires. The rest of the
# checkout is how the collection is built and tested (galaxy.yml build_ignore).
SHIPPED = {
    "MANIFEST.json",
    "FILES.json",
    "README.md",
    "execution-environment.yml",
    "awx",
    "changelogs",
    "docs",
    "inventories",
    "meta",
    "playbooks",
    "plugins",
    "roles",
}

# Test infrastructure: the tests, the local AWS sandbox with its CodeDeploy emulator and fault proxy, the Debian
# roots and the Molecule scenario, the benchmarks, the CI entry point, and the development tools' settings.
NOT_SHIPPED = {
    "tests",
    "tools",
    "extensions",
    "benchmarks",
    ".ci",
    ".ansible-lint",
    ".yamllint",
    "pyproject.toml",
    "Makefile",
    "requirements.txt",
    "constraints.txt",
    "ansible.cfg",
    # Its content ships as MANIFEST.json.
    "galaxy.yml",
}


def forbidden(member):
    """Return why the tarball member must not ship, or None."""
    parts = Path(member).parts
    if FORBIDDEN_DIRECTORIES.intersection(parts):
        return "local state directory"
    if parts[0] == "build":
        return "build output"
    if parts[:2] == ("tests", "output"):
        return "test output"
    if member.endswith((".pyc", ".pyo")):
        return "compiled Python"
    return None


def run(*command, cwd, env=None):
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{' '.join(map(str, command))} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    tree = tmp_path_factory.mktemp("checkout") / "bluegreen"
    shutil.copytree(
        ROOT,
        tree,
        symlinks=True,
        ignore=lambda directory, names: [
            name for name in names if (Path(directory) / name).relative_to(ROOT).as_posix() in NOT_COPIED
        ],
    )
    for relative in PLANTED:
        path = tree / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"local state that must not ship\n")
    return tree


@pytest.fixture(scope="module")
def galaxy(source):
    return yaml.safe_load((source / "galaxy.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def tarball(source, galaxy, tmp_path_factory):
    output = tmp_path_factory.mktemp("dist")
    run(ANSIBLE_GALAXY, "collection", "build", "--output-path", output, source, cwd=source)
    built = sorted(output.glob("*.tar.gz"))
    expected = output / f"{galaxy['namespace']}-{galaxy['name']}-{galaxy['version']}.tar.gz"
    assert built == [expected]
    return expected


@pytest.fixture(scope="module")
def members(tarball):
    with tarfile.open(tarball) as archive:
        return {member.name: member for member in archive.getmembers()}


def test_tarball_has_the_files_galaxy_requires(members, galaxy):
    for required in ("MANIFEST.json", "FILES.json", galaxy["readme"], "meta/runtime.yml"):
        assert required in members, f"{required} missing from the artifact"


def test_tarball_has_every_module_and_module_util(members, source):
    shipped = [
        path.relative_to(source).as_posix()
        for path in sorted((source / "plugins").rglob("*.py"))
        if "__pycache__" not in path.parts
    ]
    assert any(path.startswith("plugins/modules/") for path in shipped), "the checkout has no module"
    missing = [path for path in shipped if path not in members]
    assert not missing, f"plugins missing from the artifact: {missing}"


def test_manifest_names_the_collection(tarball, galaxy):
    with tarfile.open(tarball) as archive:
        manifest = json.load(archive.extractfile("MANIFEST.json"))
    info = manifest["collection_info"]
    assert (info["namespace"], info["name"], info["version"]) == (
        galaxy["namespace"],
        galaxy["name"],
        galaxy["version"],
    )
    assert info["dependencies"] == galaxy["dependencies"]


def test_files_json_lists_every_file(tarball, members):
    with tarfile.open(tarball) as archive:
        listed = {entry["name"] for entry in json.load(archive.extractfile("FILES.json"))["files"]}
    files = {name for name, member in members.items() if member.isfile()} - {"MANIFEST.json", "FILES.json"}
    assert files <= listed, f"files not listed in FILES.json: {sorted(files - listed)}"


def test_tarball_has_no_local_state(members):
    # The planted files prove the exclusions apply; anything else matching would leak the same way.
    leaked = {name: forbidden(name) for name in members if forbidden(name)}
    assert not leaked, f"local state in the artifact: {leaked}"


def test_tarball_installs(tarball, galaxy, tmp_path):
    collections = tmp_path / "collections"
    # Only the target path is configured, so a copy installed anywhere else (~/.ansible/collections, the
    # checkout's .venv/collections) cannot turn the install into "already installed, nothing to do".
    env = {name: value for name, value in os.environ.items() if not name.startswith("ANSIBLE_")}
    env["ANSIBLE_COLLECTIONS_PATH"] = str(collections)
    done = run(ANSIBLE_GALAXY, "collection", "install", "--no-deps", "-p", collections, tarball, cwd=tmp_path, env=env)
    assert "Nothing to do" not in done.stdout, done.stdout
    installed = collections / "ansible_collections" / galaxy["namespace"] / galaxy["name"]
    manifest = json.loads((installed / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["collection_info"]["version"] == galaxy["version"]
    assert list((installed / "plugins" / "modules").glob("*.py")), "no module installed"


def test_tarball_holds_what_users_run_and_no_test_infrastructure(members, source):
    top = {name.split("/", 1)[0] for name in members}
    assert top == SHIPPED, f"unexpected: {sorted(top - SHIPPED)}, missing: {sorted(SHIPPED - top)}"
    # Every top-level entry of the checkout is either shipped or named as not shipped, so that a new folder is a
    # decision, not an accident.
    checkout = {path.name for path in source.iterdir()} - FORBIDDEN_DIRECTORIES - {"build", ".gitignore"}
    undecided = checkout - SHIPPED - NOT_SHIPPED
    assert not undecided, f"neither shipped nor left out on purpose: {sorted(undecided)}"


def test_tarball_has_every_file_of_what_it_ships(members, source):
    for folder in sorted(SHIPPED):
        path = source / folder
        files = [path] if path.is_file() else [item for item in path.rglob("*") if item.is_file()]
        names = [item.relative_to(source).as_posix() for item in files]
        missing = [name for name in names if not forbidden(name) and name not in members]
        assert not missing, f"missing from the artifact: {missing}"
