# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The release role's decisions: its variables, the artifact, the marker and the check of what was released."""

from __future__ import annotations

import hashlib
import subprocess

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils.release_settings import artifact_kind_problem
from ansible_collections.teal.bluegreen.plugins.module_utils.release_settings import artifact_problem
from ansible_collections.teal.bluegreen.plugins.module_utils.release_settings import file_sums
from ansible_collections.teal.bluegreen.plugins.module_utils.release_settings import is_archive
from ansible_collections.teal.bluegreen.plugins.module_utils.release_settings import listing_sha256
from ansible_collections.teal.bluegreen.plugins.module_utils.release_settings import marker
from ansible_collections.teal.bluegreen.plugins.module_utils.release_settings import marker_problem
from ansible_collections.teal.bluegreen.plugins.module_utils.release_settings import mismatches
from ansible_collections.teal.bluegreen.plugins.module_utils.release_settings import place_problems
from ansible_collections.teal.bluegreen.plugins.module_utils.release_settings import record
from ansible_collections.teal.bluegreen.plugins.module_utils.release_settings import release_changed
from ansible_collections.teal.bluegreen.plugins.module_utils.release_settings import release_problems
from ansible_collections.teal.bluegreen.plugins.module_utils.release_settings import report
from ansible_collections.teal.bluegreen.plugins.module_utils.release_settings import rsync_options
from ansible_collections.teal.bluegreen.plugins.module_utils.release_settings import settings_problems
from ansible_collections.teal.bluegreen.plugins.module_utils.release_settings import start_problems
from ansible_collections.teal.bluegreen.plugins.module_utils.release_settings import verify_problem


@pytest.mark.parametrize(
    "given",
    [
        {},
        {"require_file": "index.html", "owner": "www-data", "group": "www-data", "mode": "u=rwX,go=rX"},
        {"require_file": "site/.well-known/ok", "owner": 33, "group": "0", "mode": "D755,F644"},
        {"mode": "Du+rwx,Fgo-w,a=rX"},
        {"require_file": "a..b/x"},
    ],
)
def test_settings_rsync_takes_as_given(given):
    assert release_problems(**given) == []


@pytest.mark.parametrize(
    "given, expected",
    [
        ({"require_file": "/etc/passwd"}, "bluegreen_release_require_file '/etc/passwd' is not a path inside the"),
        ({"require_file": "../x"}, "bluegreen_release_require_file '../x' is not a path inside the release"),
        ({"require_file": "a/.."}, "bluegreen_release_require_file 'a/..' is not a path inside the release"),
        ({"owner": "-rf"}, "bluegreen_release_owner '-rf' is not a user name"),
        ({"owner": "web admin"}, "bluegreen_release_owner 'web admin' is not a user name"),
        ({"group": "a:b"}, "bluegreen_release_group 'a:b' is not a group name"),
        ({"mode": "755;x"}, "bluegreen_release_mode '755;x' is not in rsync's --chmod syntax"),
        ({"mode": "D75"}, "bluegreen_release_mode 'D75' is not in rsync's --chmod syntax"),
        ({"mode": ""}, "bluegreen_release_mode '' is not in rsync's --chmod syntax"),
    ],
)
def test_each_bad_setting_is_named_with_its_value(given, expected):
    found = release_problems(**given)
    assert len(found) == 1 and found[0].startswith(expected)


GOOD = {"app": "shop", "version": "2.4.1", "color": "green", "live_color": "blue", "release_dir": "/efs/shop/green"}


@pytest.mark.parametrize(
    "given, expected",
    [
        ({"app": ".."}, "bluegreen_app '..' is not a valid directory name: use letters"),
        ({"app": "shop/x", "version": "1 0"}, "bluegreen_app 'shop/x' is not a valid directory name"),
        ({"version": "../1"}, "bluegreen_artifact_version '../1' is not a valid version"),
        ({"version": "-rf"}, "bluegreen_artifact_version '-rf' is not a valid version"),
        ({"live_color": "purple"}, "bluegreen_release_live_color 'purple' is neither blue nor green"),
        (
            {"color": "blue", "release_dir": "/efs/shop/blue"},
            "blue is the live colour of shop: releasing into /efs/shop/blue would change what users are served. "
            "Release into the idle colour (green) and switch to it",
        ),
        ({"mode": "D75"}, "bluegreen_release_mode 'D75' is not in rsync's --chmod syntax"),
    ],
)
def test_each_bad_variable_is_named_first(given, expected):
    found = settings_problems(**{**GOOD, **given})
    assert len(found) == 1 and found[0].startswith(expected), found


@pytest.mark.parametrize(
    "given", [GOOD, {**GOOD, "live_color": None}, {**GOOD, "version": 2}, {"require_file": "index.html"}]
)
def test_variables_that_are_fine(given):
    assert settings_problems(**given) == []


def test_the_listing_sha256_is_what_sha256sum_prints_in_the_release_directory(tmp_path):
    contents = {"index.html": "a\n", "Z.css": "b\n", "a-z": "c\n", "a/b": "d\n", "img/a b.txt": "e\n"}
    for name, text in contents.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    printed = subprocess.run(
        "find . -type f | sed 's|^./||' | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum",
        shell=True,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[0]
    found = {"files": [{"path": str(tmp_path / name), "checksum": sha256(text)} for name, text in contents.items()]}
    files = file_sums(found, str(tmp_path))
    assert set(files) == set(contents)
    assert listing_sha256(files) == printed
    assert marker(files, "shop", "green", 2) == {
        "app": "shop",
        "color": "green",
        "version": "2",
        "files": files,
        "sha256": printed,
    }


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize(
    "files, require_file, expected",
    [
        ({}, None, "bluegreen_artifact '/a' holds no files"),
        ({"index.html": "1", "docs/.release.json": "2"}, None, "holds docs/.release.json, a name the release marker"),
        ({".release.json": "2", "index.html": "1"}, "index.html", "holds .release.json, a name the release marker"),
        ({"health": "1"}, "index.html", "bluegreen_artifact '/a' has no file 'index.html' (bluegreen_release_require"),
        ({"index.html": "1"}, "./index.html", None),
        ({"x.release.json": "1"}, None, None),
    ],
)
def test_artifact_problem(files, require_file, expected):
    found = artifact_problem(files, "/a", require_file)
    assert found == expected if expected is None else expected in found, found


@pytest.mark.parametrize(
    "written, require_file, expected",
    [
        ({"a": "1", "b": "2", ".release.json": "9"}, "a", []),
        ({"a": "1"}, None, ["b (missing)"]),
        ({"a": "1", "b": "3", "c": "4"}, None, ["b (sha256 3, not 2)", "c (not in the artifact)"]),
        ({"a": "1", "b": "2"}, "index.html", ["'index.html' (bluegreen_release_require_file) is not a file there"]),
    ],
)
def test_mismatches(written, require_file, expected):
    assert mismatches({"a": "1", "b": "2"}, written, require_file) == expected


TEXT = '{"app": "shop"}\n'
SAME = {
    "exists": True,
    "checksum": hashlib.sha1(TEXT.encode()).hexdigest(),
    "mode": "0644",
    "pw_name": "www-data",
    "uid": 33,
    "gr_name": "www-data",
    "gid": 33,
}


@pytest.mark.parametrize(
    "stat, options, expected",
    [
        (SAME, {}, False),
        (SAME, {"owner": "www-data", "group": 33}, False),
        (SAME, {"created": True}, True),
        (SAME, {"synced": ["<f+++++++++ index.html"]}, True),
        ({"exists": False}, {}, True),
        ({**SAME, "checksum": "0" * 40}, {}, True),
        ({**SAME, "mode": "0600"}, {}, True),
        (SAME, {"owner": "root"}, True),
        (SAME, {"group": "root"}, True),
    ],
)
def test_release_changed(stat, options, expected):
    assert release_changed(stat, TEXT, **options) is expected


MOUNTED = {"exists": True, "isdir": True}
RSYNC = {"rc": 0, "stdout": "rsync  version 3.2.7  protocol version 31"}
NO_RSYNC = {"rc": 2, "msg": "[Errno 2] No such file or directory: b'rsync'"}


@pytest.mark.parametrize(
    "root, rsync, expected",
    [
        (MOUNTED, RSYNC, []),
        (
            {"exists": False},
            RSYNC,
            [
                "bluegreen_efs_root '/mnt/efs' does not exist on web1: EFS not mounted? Mount the file system there, or set "
                "bluegreen_efs_root to its mount point; nothing changed"
            ],
        ),
        (
            {"exists": True, "isdir": False},
            RSYNC,
            [
                "bluegreen_efs_root '/mnt/efs' is not a directory on web1: EFS not mounted? Mount the file system there, or "
                "set bluegreen_efs_root to its mount point; nothing changed"
            ],
        ),
        (
            MOUNTED,
            NO_RSYNC,
            [
                "rsync is not installed on web1 ([Errno 2] No such file or directory: b'rsync'); the release copies with "
                "rsync: install it (apt-get or dnf install rsync); nothing changed"
            ],
        ),
        (
            MOUNTED,
            {"rc": 127, "stderr": "sh: rsync: not found"},
            [
                "rsync is not installed on web1 (sh: rsync: not found); the release copies with rsync: install it (apt-get "
                "or dnf install rsync); nothing changed"
            ],
        ),
    ],
    ids=["ready", "no mount point", "a file", "no rsync", "no rsync, said on stderr"],
)
def test_the_host_needs_the_mount_point_and_rsync(root, rsync, expected):
    assert place_problems(root, rsync, "/mnt/efs", "web1") == expected


def test_the_mount_point_is_named_before_rsync():
    found = place_problems({"exists": False}, NO_RSYNC, "/mnt/efs", "web1")
    assert [problem.split(" ")[0] for problem in found] == ["bluegreen_efs_root", "rsync"]


def test_a_marker_read_back_that_is_not_the_one_written_is_named():
    written = {"app": "shop", "version": "2.0", "color": "green", "sha256": "ab12", "files": {}}
    assert marker_problem(dict(written), written, "/mnt/efs/shop/green", "web1") is None
    other = dict(written, version="1.9", sha256="cd34")
    assert marker_problem(other, written, "/mnt/efs/shop/green", "web1") == (
        "/mnt/efs/shop/green/.release.json on web1 records shop 1.9 (green, sha256 cd34), not shop 2.0 (green, sha256 "
        "ab12). Something else writes into this directory; find it, then release again"
    )
    assert marker_problem([], written, "/d", "web1").startswith("/d/.release.json on web1 records ? ? (?, sha256 ?)")


@pytest.mark.parametrize(
    "changed, dry, expected",
    [
        (True, False, "is in /mnt/efs/shop/green on web1, verified; it changed"),
        (False, False, "is in /mnt/efs/shop/green on web1, verified; it was already there, nothing changed"),
        (True, True, "would be in /mnt/efs/shop/green on web1; it would change"),
        (False, True, "would be in /mnt/efs/shop/green on web1; it was already there, nothing changed"),
    ],
    ids=["changed", "already there", "would change", "would be there already"],
)
def test_the_report_of_a_release(changed, dry, expected):
    release = {"version": "2.0", "sha256": "ab12", "path": "/mnt/efs/shop/green", "changed": changed}
    assert report(release, "shop", 7, "web1", dry) == f"shop 2.0 (7 files, sha256 ab12) {expected}"


@pytest.mark.parametrize(
    "stat, artifact, archive, expected",
    [
        ({"exists": True, "isdir": True}, "/build/site", False, None),
        ({"exists": True, "isdir": True}, "/build/site.zip", False, None),
        ({"exists": True, "isreg": True}, "/build/site.tar.gz", True, None),
        ({"exists": True, "isreg": True}, "/build/site.tgz", True, None),
        ({"exists": True, "isreg": True}, "/build/site.tar", True, None),
        (
            {"exists": True, "isreg": True},
            "/build/site.rar",
            False,
            "bluegreen_artifact '/build/site.rar' is neither a directory nor an archive (.tar.gz, .tgz, .tar, .zip); "
            "nothing changed",
        ),
        (
            {"exists": False},
            "/build/site.zip",
            True,
            "bluegreen_artifact '/build/site.zip' does not exist on the controller; nothing changed",
        ),
    ],
    ids=["directory", "directory named like an archive", "tar.gz", "tgz", "tar", "other file", "missing"],
)
def test_the_artifact_is_a_directory_or_an_archive(stat, artifact, archive, expected):
    assert is_archive(stat, artifact) is archive
    assert artifact_kind_problem(stat, artifact) == expected


GOOD_START = {"app": "shop", "version": "2.0", "color": "green", "live_color": "blue", "efs_root": "/mnt/efs"}


@pytest.mark.parametrize(
    "variables, root, rsync, artifact, expected",
    [
        ({}, MOUNTED, RSYNC, {"exists": True, "isdir": True}, []),
        (
            {"owner": "a b", "mode": "777x"},
            {"exists": False},
            NO_RSYNC,
            {"exists": False},
            [
                "bluegreen_release_owner 'a b' is not a user name; bluegreen_release_mode '777x' is not in rsync's "
                "--chmod syntax (like 'u=rwX,go=rX' or 'D755,F644'); nothing changed",
                "bluegreen_efs_root '/mnt/efs' does not exist on web1",
                "rsync is not installed on web1",
                "bluegreen_artifact '/a' does not exist on the controller",
            ],
        ),
        ({}, MOUNTED, NO_RSYNC, {"exists": False}, ["rsync is not installed", "bluegreen_artifact '/a' does not"]),
        ({}, MOUNTED, RSYNC, {"exists": False}, ["bluegreen_artifact '/a' does not exist on the controller"]),
    ],
    ids=["ready", "everything wrong, the variables first", "the host before the artifact", "the artifact"],
)
def test_the_reasons_not_to_start_come_in_the_order_to_fix_them(variables, root, rsync, artifact, expected):
    given = dict(GOOD_START, host="web1", artifact="/a", **variables)
    found = start_problems(given, root, rsync, artifact)
    assert len(found) == len(expected), found
    for message, start in zip(found, expected):
        assert message.startswith(start), message


@pytest.mark.parametrize(
    "mode, owner, group, expected",
    [
        (None, None, None, ["--exclude=/.release.json"]),
        ("u=rwX,go=rX", None, None, ["--exclude=/.release.json", "--chmod=u=rwX,go=rX"]),
        (None, "www-data", None, ["--exclude=/.release.json", "--chown=www-data:"]),
        (None, None, 33, ["--exclude=/.release.json", "--chown=:33"]),
        ("D755,F644", "web", "web", ["--exclude=/.release.json", "--chmod=D755,F644", "--chown=web:web"]),
    ],
)
def test_rsync_options(mode, owner, group, expected):
    assert rsync_options(mode, owner, group) == expected


def test_what_was_released_is_checked_against_the_artifact():
    files = {"a": "1", "b": "2"}
    assert verify_problem(files, dict(files, **{".release.json": "9"}), None, "shop", "2.0", "/d", "web1") is None
    assert verify_problem(files, {"a": "1"}, None, "shop", "2.0", "/d", "web1") == (
        "the release of shop 2.0 in /d on web1 does not match the artifact: b (missing). Something else writes into "
        "this directory; find it, then release again"
    )


def test_the_release_kept_for_the_caller():
    kept = marker({"index.html": "1"}, "shop", "green", 2.0)
    found = record(kept, TEXT, "/mnt/efs/shop/green", SAME)
    assert found == {
        "version": "2.0",
        "color": "green",
        "sha256": kept["sha256"],
        "path": "/mnt/efs/shop/green",
        "changed": False,
    }
    assert record(kept, TEXT, "/mnt/efs/shop/green", {"exists": False})["changed"] is True
