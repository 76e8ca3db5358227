# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The release role through playbooks/release.yml, on temporary directories standing in for EFS.

The role needs no AWS, so these tests run without the sandbox: localhost with the local connection is
both the controller and the host that mounts EFS. A release runs four times (check mode, real, check mode
again, real again), and every refusal is checked to leave every file under the EFS root as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import recap

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PLAYBOOK = ROOT / "playbooks" / "release.yml"

SITE = {
    "index.html": "<h1>shop 1.0.0</h1>\n",
    "health": "OK\n",
    "css/site.css": "body { color: teal; }\n",
    "css/Print.css": "body { color: black; }\n",
    "img/a b.txt": "a name with a space\n",
    "a-z": "sorts before a/ in C order\n",
    ".well-known/security.txt": "Contact: ops@example.com\n",
}

# What docs/efs.md promises: this, run in the release directory, prints the marker's sha256; with xargs -d
# for names with spaces.
REPRODUCE = "find . -type f ! -name .release.json | sed 's|^./||' | LC_ALL=C sort | xargs sha256sum | sha256sum"
REPRODUCE_SPACES = REPRODUCE.replace("xargs", "xargs -d '\\n'")


def write_tree(directory, files):
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return directory


def snapshot(root):
    """Every file, directory and link under ``root`` with its content (or target), mode, owner and times."""
    found = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        content = path.read_bytes() if path.is_file() and not path.is_symlink() else None
        target = os.readlink(path) if path.is_symlink() else None
        found[str(path.relative_to(root))] = (content, target, info.st_mode, info.st_uid, info.st_gid, info.st_mtime_ns)
    return found


def files_of(directory):
    """Relative path -> sha256 of the regular files under ``directory``, without the marker."""
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in directory.rglob("*")
        if path.is_file() and not path.is_symlink() and str(path.relative_to(directory)) != ".release.json"
    }


def listing_sha256(files):
    listing = "".join(f"{files[name]}  {name}\n" for name in sorted(files, key=lambda name: name.encode()))
    return hashlib.sha256(listing.encode()).hexdigest()


def live_colour(found):
    return {key: value for key, value in found.items() if key.startswith("shop/blue")}


def marker(directory):
    return json.loads((directory / ".release.json").read_text(encoding="utf-8"))


class Efs:
    """A temporary EFS root with a live blue release of ``shop`` in it, and ways to release into it."""

    def __init__(self, base):
        self.base = base
        self.root = base / "efs"
        self.app = self.root / "shop"
        self.scratch = base / "tmp"
        self.scratch.mkdir()
        # The live colour, as a previous release left it; no test may change it.
        write_tree(self.app / "blue", {"index.html": "<h1>shop 0.9.0</h1>\n", "health": "OK\n"})
        (self.app / "blue" / ".release.json").write_text('{"version": "0.9.0"}\n', encoding="utf-8")
        self.artifacts = base / "artifacts"
        self.artifacts.mkdir()

    def release(self, artifact, *args, playbook=PLAYBOOK, path=None, **overrides):
        """Run playbooks/release.yml (or ``playbook``) on localhost; ``path``, when given, is the PATH it runs with."""
        extra = {
            "ansible_python_interpreter": sys.executable,
            "bluegreen_app": "shop",
            "bluegreen_efs_root": str(self.root),
            "bluegreen_release_color": "green",
            "bluegreen_release_live_color": "blue",
            "bluegreen_artifact": str(artifact),
            "bluegreen_artifact_version": "1.0.0",
            **overrides,
        }
        env = dict(
            os.environ,
            ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
            ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".venv" / "collections"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
            # The controller's scratch directories for archives land here, where the tests can see them.
            TMPDIR=str(self.scratch),
        )
        if path is not None:
            env["PATH"] = path
        command = [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(playbook), *args]
        command += ["-e", json.dumps(extra)]
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
        done.log = done.stdout + done.stderr
        return done

    def site(self, name="site", files=None):
        return write_tree(self.artifacts / name, SITE if files is None else files)


@pytest.fixture
def efs(tmp_path):
    return Efs(tmp_path)


@pytest.fixture(scope="module")
def first_release(tmp_path_factory):
    """The EFS root after a first release of the site into green, made once by the role for the tests that start
    there; each copies it (modes and times kept) rather than releasing again."""
    template = Efs(tmp_path_factory.mktemp("first-release"))
    done = template.release(template.site())
    assert done.returncode == 0, done.log
    assert_released(template)
    return template.root


@pytest.fixture
def released(efs, first_release):
    """``efs`` with the site released into green, as the role left it."""
    shutil.rmtree(efs.root)
    shutil.copytree(first_release, efs.root, symlinks=True)
    assert_released(efs)
    return efs


def assert_released(efs, version="1.0.0", files=None):
    green = efs.app / "green"
    expected = {name: hashlib.sha256(text.encode()).hexdigest() for name, text in (files or SITE).items()}
    assert files_of(green) == expected
    assert marker(green) == {
        "app": "shop",
        "color": "green",
        "version": version,
        "files": expected,
        "sha256": listing_sha256(expected),
    }
    # Pretty-printed, keys sorted, one trailing newline: what to_nice_json(sort_keys=true) writes.
    text = (green / ".release.json").read_text(encoding="utf-8")
    assert text == json.dumps(marker(green), indent=4, sort_keys=True) + "\n"


def test_release_a_directory_four_times(efs):
    site = efs.site()
    before = snapshot(efs.root)

    checked = efs.release(site, "--check")
    assert checked.returncode == 0, checked.log
    assert recap(checked)["changed"] > 0
    assert snapshot(efs.root) == before

    done = efs.release(site)
    assert done.returncode == 0, done.log
    assert recap(done)["changed"] > 0
    assert_released(efs)
    assert "shop 1.0.0 (7 files, sha256 " in done.stdout and "verified; it changed" in done.stdout

    released = snapshot(efs.root)
    assert live_colour(released) == live_colour(before)

    again_checked = efs.release(site, "--check")
    assert again_checked.returncode == 0, again_checked.log
    assert recap(again_checked)["changed"] == 0, again_checked.stdout
    again = efs.release(site)
    assert again.returncode == 0, again.log
    assert recap(again)["changed"] == 0, again.stdout
    assert "it was already there, nothing changed" in again.stdout
    assert snapshot(efs.root) == released


@pytest.mark.parametrize(
    "files, command",
    [({name: text for name, text in SITE.items() if " " not in name}, REPRODUCE), (SITE, REPRODUCE_SPACES)],
    ids=["plain-names", "names-with-spaces"],
)
def test_the_marker_checksum_is_reproducible_with_sha256sum(efs, files, command):
    done = efs.release(efs.site(files=files))
    assert done.returncode == 0, done.log
    green = efs.app / "green"
    printed = subprocess.run(command, shell=True, cwd=green, capture_output=True, text=True, check=True).stdout
    assert printed.split()[0] == marker(green)["sha256"]


def test_a_rendered_again_artifact_changes_nothing(released):
    """New times, same content: the same release, as the sandbox's site rendered afresh on every run."""
    efs = released
    released = snapshot(efs.root)
    again = efs.release(efs.site())
    assert again.returncode == 0, again.log
    assert recap(again)["changed"] == 0, again.stdout
    assert snapshot(efs.root) == released


def test_a_new_version_replaces_the_files_and_deletes_stale_ones(released):
    efs = released
    files = {name: text for name, text in SITE.items() if not name.startswith("css/")}
    files["index.html"] = "<h1>shop 2.0.0</h1>\n"
    files["js/app.js"] = "console.log('2.0.0');\n"
    version_two = efs.site("site-2", files)
    live = live_colour(snapshot(efs.root))

    before = snapshot(efs.root)
    checked = efs.release(version_two, "--check", bluegreen_artifact_version="2.0.0")
    assert checked.returncode == 0, checked.log
    assert recap(checked)["changed"] > 0
    assert snapshot(efs.root) == before

    done = efs.release(version_two, bluegreen_artifact_version="2.0.0")
    assert done.returncode == 0, done.log
    assert recap(done)["changed"] > 0
    assert_released(efs, "2.0.0", files)
    assert not (efs.app / "green" / "css").exists()
    assert live_colour(snapshot(efs.root)) == live

    again = efs.release(version_two, bluegreen_artifact_version="2.0.0")
    assert recap(again)["changed"] == 0, again.stdout


def make_archive(directory, files, suffix):
    path = directory / f"site{suffix}"
    source = write_tree(directory / "unpacked", files)
    if suffix == ".zip":
        with zipfile.ZipFile(path, "w") as archive:
            for name in files:
                archive.write(source / name, name)
    else:
        with tarfile.open(path, "w:gz" if suffix in (".tar.gz", ".tgz") else "w") as archive:
            for name in files:
                archive.add(source / name, name)
    shutil.rmtree(source)
    return path


def test_release_an_archive(efs):
    archive = make_archive(efs.artifacts, SITE, ".tar.gz")
    before = snapshot(efs.root)

    checked = efs.release(archive, "--check")
    assert checked.returncode == 0, checked.log
    assert recap(checked)["changed"] > 0
    assert snapshot(efs.root) == before
    assert list(efs.scratch.iterdir()) == []

    done = efs.release(archive)
    assert done.returncode == 0, done.log
    assert_released(efs)
    released = snapshot(efs.root)

    again = efs.release(archive)
    assert again.returncode == 0, again.log
    assert recap(again)["changed"] == 0, again.stdout
    assert snapshot(efs.root) == released
    # The archive was unpacked on the controller, and nothing of it is left there or beside the colours.
    assert list(efs.scratch.iterdir()) == []
    assert sorted(path.name for path in efs.app.iterdir()) == ["blue", "green"]


# The other kinds of archive differ only in how they are unpacked: one release each.
@pytest.mark.parametrize("suffix", [".tgz", ".tar", ".zip"])
def test_release_another_kind_of_archive(efs, suffix):
    done = efs.release(make_archive(efs.artifacts, SITE, suffix))
    assert done.returncode == 0, done.log
    assert_released(efs)
    assert list(efs.scratch.iterdir()) == []
    assert sorted(path.name for path in efs.app.iterdir()) == ["blue", "green"]


def test_a_directory_and_its_archive_make_the_same_release(released):
    efs = released
    released = snapshot(efs.root)
    archive = make_archive(efs.artifacts, SITE, ".tar.gz")
    again = efs.release(archive)
    assert again.returncode == 0, again.log
    assert recap(again)["changed"] == 0, again.stdout
    assert snapshot(efs.root) == released


def test_a_directory_named_like_an_archive_is_a_directory(efs):
    done = efs.release(efs.site("site-1.0.0.tar"))
    assert done.returncode == 0, done.log
    assert_released(efs)


def test_the_first_release_creates_the_application_directory(efs):
    shutil.rmtree(efs.app)
    done = efs.release(efs.site(), bluegreen_release_live_color=None)
    assert done.returncode == 0, done.log
    assert_released(efs)
    assert sorted(path.name for path in efs.app.iterdir()) == ["green"]


def test_permissions_are_made_readable_unless_told_otherwise(efs):
    site = efs.site()
    (site / "index.html").chmod(0o600)
    (site / "health").chmod(0o750)
    (site / "css").chmod(0o700)
    assert efs.release(site).returncode == 0
    green = efs.app / "green"
    modes = {name: (green / name).stat().st_mode & 0o7777 for name in ("index.html", "health", "css", ".release.json")}
    assert modes == {"index.html": 0o644, "health": 0o755, "css": 0o755, ".release.json": 0o644}

    kept = efs.release(site, bluegreen_release_mode=None, bluegreen_artifact_version="1.0.1")
    assert kept.returncode == 0, kept.log
    assert (green / "index.html").stat().st_mode & 0o7777 == 0o600
    assert (green / "css").stat().st_mode & 0o7777 == 0o700


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give files away")
def test_owner_and_group(efs):
    site = efs.site()
    owned = {"bluegreen_release_owner": "nobody", "bluegreen_release_group": "nogroup"}
    done = efs.release(site, **owned)
    assert done.returncode == 0, done.log
    green = efs.app / "green"
    nobody = int(subprocess.run(["id", "-u", "nobody"], capture_output=True, text=True, check=True).stdout)
    owners = {path.stat().st_uid for path in [green, *green.rglob("*")]}
    assert owners == {nobody}
    again = efs.release(site, **owned)
    assert recap(again)["changed"] == 0, again.stdout


def refused(efs, artifact, *args, path=None, **overrides):
    """Run a release that must fail; check that nothing under the EFS root changed and return its log."""
    before = snapshot(efs.root)
    done = efs.release(artifact, *args, path=path, **overrides)
    assert done.returncode != 0, done.log
    assert recap(done)["failed"] == 1
    assert snapshot(efs.root) == before
    assert "nothing changed" in done.stdout, done.stdout
    return done.stdout


def test_refuses_the_live_colours_directory(efs):
    log = refused(efs, efs.site(), bluegreen_release_color="blue", bluegreen_release_live_color="blue")
    assert f"blue is the live colour of shop: releasing into {efs.app / 'blue'}" in log
    assert "Release into the idle colour (green)" in log


def test_refuses_a_release_over_the_previous_one_without_the_required_file(released):
    efs = released
    files = {name: text for name, text in SITE.items() if name != "index.html"}
    log = refused(efs, efs.site("incomplete", files), bluegreen_artifact_version="2.0.0")
    assert "has no file 'index.html' (bluegreen_release_require_file)" in log
    assert marker(efs.app / "green")["version"] == "1.0.0"


def test_refuses_an_artifact_without_the_required_file_before_creating_anything(efs):
    log = refused(efs, efs.site(), bluegreen_release_require_file="public/index.php")
    assert "has no file 'public/index.php'" in log
    assert not (efs.app / "green").exists()


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"bluegreen_artifact_version": "1.0 beta"}, "bluegreen_artifact_version '1.0 beta' is not a valid version"),
        ({"bluegreen_artifact_version": "../1.0.0"}, "bluegreen_artifact_version '../1.0.0' is not a valid version"),
        ({"bluegreen_app": ".."}, "bluegreen_app '..' is not a valid directory name"),
        ({"bluegreen_app": "shop/x"}, "bluegreen_app 'shop/x' is not a valid directory name"),
        ({"bluegreen_release_live_color": "purple"}, "bluegreen_release_live_color 'purple' is neither blue nor green"),
        (
            {"bluegreen_release_require_file": "../index.html"},
            "bluegreen_release_require_file '../index.html' is not a path",
        ),
        (
            {"bluegreen_release_require_file": "/etc/passwd"},
            "bluegreen_release_require_file '/etc/passwd' is not a path",
        ),
        ({"bluegreen_release_mode": "a+rw; rm -rf"}, "bluegreen_release_mode 'a+rw; rm -rf' is not in rsync's --chmod"),
        ({"bluegreen_release_owner": "web server"}, "bluegreen_release_owner 'web server' is not a user name"),
        ({"bluegreen_release_group": "www:data"}, "bluegreen_release_group 'www:data' is not a group name"),
    ],
    ids=[
        "version-space",
        "version-path",
        "app-dotdot",
        "app-slash",
        "live-color",
        "require-up",
        "require-abs",
        "mode",
        "owner",
        "group",
    ],
)
def test_refuses_bad_input(efs, overrides, message):
    log = refused(efs, efs.site(), **overrides)
    assert message in log


def test_argument_specs_refuse_a_colour_that_is_not_one(efs):
    before = snapshot(efs.root)
    done = efs.release(efs.site(), bluegreen_release_color="purple")
    assert done.returncode != 0, done.log
    assert "value of bluegreen_release_color must be one of: blue, green, got: purple" in done.stdout
    assert snapshot(efs.root) == before


def test_refuses_a_missing_efs_root(efs):
    missing = efs.base / "not-mounted"
    log = refused(efs, efs.site(), bluegreen_efs_root=str(missing))
    assert f"bluegreen_efs_root '{missing}' does not exist on localhost: EFS not mounted?" in log
    assert not missing.exists()


def test_refuses_an_efs_root_that_is_a_file(efs):
    a_file = efs.base / "efs-file"
    a_file.write_text("", encoding="utf-8")
    log = refused(efs, efs.site(), bluegreen_efs_root=str(a_file))
    assert f"bluegreen_efs_root '{a_file}' is not a directory on localhost" in log


def test_refuses_a_host_without_rsync(efs, tmp_path):
    """The host's PATH has no rsync (here the controller is the host): named before anything is copied."""
    bare = tmp_path / "bin-without-rsync"
    bare.mkdir()
    for tool in ("sh", "env"):
        (bare / tool).symlink_to(shutil.which(tool))
    log = refused(efs, efs.site(), path=f"{BIN}:{bare}")
    assert "rsync is not installed on localhost (" in log
    assert "install it (apt-get or dnf install rsync); nothing changed" in log
    assert not (efs.app / "green").exists()


def test_refuses_a_missing_artifact(efs):
    missing = efs.artifacts / "nope"
    log = refused(efs, missing)
    assert f"bluegreen_artifact '{missing}' does not exist on the controller" in log


def test_refuses_an_artifact_that_is_not_an_archive(efs):
    odd = efs.artifacts / "site.rar"
    odd.write_bytes(b"Rar!")
    log = refused(efs, odd)
    assert f"bluegreen_artifact '{odd}' is neither a directory nor an archive" in log


def test_refuses_an_artifact_with_a_marker_of_its_own(efs):
    site = efs.site(files={**SITE, "docs/.release.json": "{}\n"})
    log = refused(efs, site)
    assert "holds docs/.release.json, a name the release marker reserves" in log


def test_refuses_an_empty_artifact(efs):
    empty = efs.artifacts / "empty"
    empty.mkdir()
    log = refused(efs, empty)
    assert f"bluegreen_artifact '{empty}' holds no files" in log


def test_a_release_that_does_not_verify_fails_naming_the_file(efs, tmp_path):
    """Something else writes into the directory while rsync runs: here a wrapper around rsync, after it."""
    wrapper = tmp_path / "rsync-then-tamper"
    wrapper.write_text(
        '#!/bin/sh\nrsync "$@" || exit\nfor dest; do :; done\necho tampered > "$dest/index.html"\n', encoding="utf-8"
    )
    wrapper.chmod(0o755)
    done = efs.release(efs.site(), ansible_rsync_path=str(wrapper))
    assert done.returncode != 0, done.log
    green = efs.app / "green"
    tampered = hashlib.sha256(b"tampered\n").hexdigest()
    expected = hashlib.sha256(SITE["index.html"].encode()).hexdigest()
    assert f"does not match the artifact: index.html (sha256 {tampered}, not {expected})" in done.stdout
    assert not (green / ".release.json").exists()


def test_the_release_fact(efs, tmp_path):
    """What a caller such as the deploy role reads after including the role."""
    playbook = tmp_path / "caller.yml"
    playbook.write_text(
        "- hosts: localhost\n"
        "  gather_facts: false\n"
        "  tasks:\n"
        "    - ansible.builtin.include_role:\n"
        "        name: teal.bluegreen.release\n"
        "    - ansible.builtin.copy:\n"
        "        content: '{{ bluegreen_release | to_json }}'\n"
        f"        dest: {tmp_path / 'fact.json'}\n"
        "        mode: '0644'\n"
        "      check_mode: false\n",
        encoding="utf-8",
    )
    done = efs.release(efs.site(), playbook=playbook)
    assert done.returncode == 0, done.log
    fact = json.loads((tmp_path / "fact.json").read_text(encoding="utf-8"))
    again = efs.release(efs.site(), playbook=playbook)
    assert again.returncode == 0, again.log
    fact_again = json.loads((tmp_path / "fact.json").read_text(encoding="utf-8"))
    green = efs.app / "green"
    expected = {"version": "1.0.0", "color": "green", "sha256": marker(green)["sha256"], "path": str(green)}
    assert fact == {**expected, "changed": True}
    assert fact_again == {**expected, "changed": False}


def caller_of(tmp_path):
    """A playbook that includes the role only checking, as the deploy role does, and keeps its fact."""
    playbook = tmp_path / "probe.yml"
    playbook.write_text(
        "- hosts: localhost\n"
        "  gather_facts: false\n"
        "  tasks:\n"
        "    - ansible.builtin.include_role:\n"
        "        name: teal.bluegreen.release\n"
        "      vars:\n"
        "        bluegreen_release_check_only: true\n"
        "    - ansible.builtin.copy:\n"
        "        content: '{{ bluegreen_release | to_json }}'\n"
        f"        dest: {tmp_path / 'fact.json'}\n"
        "        mode: '0644'\n"
        "      check_mode: false\n"
        "      changed_when: false\n",
        encoding="utf-8",
    )
    return playbook


@pytest.mark.parametrize(
    "released_before, overrides, changes",
    [
        (False, {}, True),
        (True, {}, False),
        (True, {"bluegreen_artifact_version": "1.0.1"}, True),
        (True, {"bluegreen_release_mode": "D755,F600"}, True),
    ],
    ids=["first-release", "released-already", "only-the-marker-differs", "only-permissions-differ"],
)
def test_a_check_only_release_predicts_without_reporting_changed(
    request, tmp_path, released_before, overrides, changes
):
    """bluegreen_release_check_only is a prediction: its fact says what would change, no task says changed."""
    efs = request.getfixturevalue("released" if released_before else "efs")
    found = snapshot(efs.root)
    probed = efs.release(efs.site(), playbook=caller_of(tmp_path), **overrides)
    assert probed.returncode == 0, probed.log
    assert recap(probed)["changed"] == 0, probed.stdout
    assert json.loads((tmp_path / "fact.json").read_text(encoding="utf-8"))["changed"] is changes
    assert snapshot(efs.root) == found
