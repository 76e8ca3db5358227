# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""teal.bluegreen.efs_symlink_switch run for real against temporary directories.

The module needs no AWS, so these tests run it without the sandbox: as Ansible runs it on a host, a
Python process reading its arguments from a file. Every change runs four times (check mode, real,
check mode again, real again) and every refusal is checked to leave the disk exactly as it was.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils import symlink

ROOT = Path(__file__).resolve().parents[2]
MODULE = "ansible_collections.teal.bluegreen.plugins.modules.efs_symlink_switch"
RELEASES = ("blue", "green")


class Site:
    """A web server's document root ``www/html`` and the releases under ``efs/shop``, in a temporary directory."""

    def __init__(self, base, argsdir):
        self.base = base
        self.argsdir = argsdir
        self.www = base / "www"
        self.path = self.www / "html"
        self.root = base / "efs" / "shop"
        self.runs = 0
        for release in RELEASES:
            (self.root / release).mkdir(parents=True)
            (self.root / release / "index.html").write_text(f"{release}\n", encoding="utf-8")
        (self.root / "empty").mkdir()
        (self.root / "notes.txt").write_text("not a release\n", encoding="utf-8")
        (base / "outside").mkdir()
        (base / "outside" / "index.html").write_text("outside\n", encoding="utf-8")
        (self.root / "escape").symlink_to("../../outside")
        self.www.mkdir()

    def release(self, name):
        return str(self.root / name)

    def link(self, release):
        """Make the document root a link to ``release``, as a previous switch would have."""
        self.path.symlink_to(self.release(release))

    def served(self):
        return (self.path / "index.html").read_text(encoding="utf-8").strip()

    def snapshot(self, times=True):
        """Everything on disk under the site that a change would touch, links never followed.

        Without ``times``, directories' modification times are left out: a change that failed and cleaned
        up after itself has still added and removed a name.
        """
        entries = {}
        for directory, dirs, files in os.walk(self.base):
            for name in [".", *dirs, *files]:
                full = os.path.normpath(os.path.join(directory, name))
                info = os.lstat(full)
                link = os.readlink(full) if stat.S_ISLNK(info.st_mode) else None
                entries[os.path.relpath(full, self.base)] = (
                    info.st_mode,
                    info.st_ino,
                    info.st_mtime_ns if times or not stat.S_ISDIR(info.st_mode) else None,
                    info.st_uid,
                    info.st_gid,
                    link,
                )
        return entries

    def leftovers(self):
        """Temporary links of switches left beside the document root."""
        prefix = f".{self.path.name}{symlink.TEMP_MARKER}"
        return sorted(name for name in os.listdir(self.www) if name.startswith(prefix))

    def module(self, check=False, diff=False, **args):
        """Run the installed module once with ``args`` (path and root default to the site's)."""
        args.setdefault("path", str(self.path))
        args.setdefault("root", str(self.root))
        args.update(_ansible_check_mode=check, _ansible_diff=diff)
        self.runs += 1
        argsfile = self.argsdir / f"run-{self.runs}.json"
        argsfile.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}), encoding="utf-8")
        return run_module(argsfile)


def run_module(argsfile):
    env = dict(os.environ, PYTHONPATH=str(ROOT / ".venv" / "collections"))
    done = subprocess.run(
        [sys.executable, "-m", MODULE, str(argsfile)],
        env=env,
        cwd=argsfile.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        return json.loads(done.stdout)
    except ValueError:
        raise AssertionError(f"no JSON from efs_symlink_switch: {done.stdout}\n{done.stderr}") from None


@pytest.fixture
def site(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "args").mkdir()
    return Site(tmp_path / "site", tmp_path / "args")


def four_times(site, **args):
    """Check mode, real, check mode again, real again; the first two must report a change, the others none.

    Returns the first check-mode result and the first real one.
    """
    before = site.snapshot()
    checked = site.module(check=True, diff=True, **args)
    assert not checked.get("failed"), checked.get("msg")
    assert checked["changed"] is True
    assert site.snapshot() == before, "check mode changed the disk"

    done = site.module(diff=True, **args)
    assert not done.get("failed"), done.get("msg")
    assert done["changed"] is True
    assert {key: done[key] for key in ("target", "previous_target", "diff")} == {
        key: checked[key] for key in ("target", "previous_target", "diff")
    }
    after = site.snapshot()
    assert after != before

    rechecked = site.module(check=True, diff=True, **args)
    assert not rechecked.get("failed"), rechecked.get("msg")
    assert rechecked["changed"] is False
    again = site.module(diff=True, **args)
    assert not again.get("failed"), again.get("msg")
    assert again["changed"] is False
    assert again["previous_target"] == again["target"] == done["target"]
    assert again["diff"]["before"] == again["diff"]["after"]
    assert "backup" not in again
    assert site.snapshot() == after, "a run with nothing to do changed the disk"
    assert site.leftovers() == []
    return checked, done


class TestSwitch:
    def test_links_a_path_that_does_not_exist(self, site):
        checked, done = four_times(site, release="green", require_file="index.html")
        assert done["target"] == site.release("green")
        assert done["previous_target"] is None
        assert done["diff"] == {
            "before": {"path": str(site.path), "target": None},
            "after": {"path": str(site.path), "target": site.release("green")},
        }
        assert os.readlink(site.path) == site.release("green")
        assert site.served() == "green"

    def test_moves_a_link_from_blue_to_green_and_back(self, site):
        site.link("blue")
        _checked, done = four_times(site, release="green", require_file="index.html")
        assert done["previous_target"] == site.release("blue")
        assert done["target"] == site.release("green")
        assert done["diff"]["before"]["target"] == site.release("blue")
        assert site.served() == "green"

        _checked, back = four_times(site, release="blue")
        assert back["previous_target"] == site.release("green")
        assert site.served() == "blue"

    def test_replaces_a_real_directory_keeping_it_as_a_backup(self, site):
        site.path.mkdir()
        (site.path / "index.html").write_text("static\n", encoding="utf-8")
        checked, done = four_times(site, release="blue", require_file="index.html", replace_directory=True)
        assert checked["backup"].startswith(f"{site.path}.bluegreen-backup-")
        assert done["backup"].startswith(f"{site.path}.bluegreen-backup-")
        assert done["previous_target"] is None
        assert done["diff"]["before"] == {"path": str(site.path), "target": "(directory)"}
        backup = Path(done["backup"])
        assert backup.is_dir() and not backup.is_symlink()
        assert (backup / "index.html").read_text(encoding="utf-8") == "static\n"
        assert os.readlink(site.path) == site.release("blue")
        assert site.served() == "blue"

    @pytest.mark.parametrize("spelling", ["{root}/green/", "{root}//green", "{root}/../shop/green", "{root}/current"])
    def test_repoints_a_link_reaching_the_release_by_another_spelling(self, site, spelling):
        (site.root / "current").symlink_to("green")
        site.path.symlink_to(spelling.format(root=site.root))
        _checked, done = four_times(site, release="green")
        assert done["previous_target"] == spelling.format(root=site.root)
        assert os.readlink(site.path) == site.release("green")

    def test_normalises_path_and_root(self, site):
        site.link("blue")
        _checked, done = four_times(site, path=f"{site.path}/", root=f"{site.root}//", release="green")
        assert done["target"] == site.release("green")
        assert done["diff"]["after"]["path"] == str(site.path)

    def test_repoints_a_dangling_link(self, site):
        site.path.symlink_to(site.release("gone"))
        _checked, done = four_times(site, release="green")
        assert done["previous_target"] == site.release("gone")
        assert site.served() == "green"

    def test_accepts_a_release_that_is_a_link_inside_root(self, site):
        (site.root / "current").symlink_to("green")
        _checked, done = four_times(site, release="current", require_file="index.html")
        assert os.readlink(site.path) == site.release("current")
        assert site.served() == "green"


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a link's owner needs root")
class TestOwner:
    def test_sets_owner_and_group_of_a_new_link(self, site):
        _checked, done = four_times(site, release="green", owner="nobody", group="65534")
        info = os.lstat(site.path)
        assert (info.st_uid, info.st_gid) == (65534, 65534)
        assert done["diff"]["before"] == {"path": str(site.path), "target": None, "owner": None, "group": None}
        assert done["diff"]["after"]["owner"] == "nobody"

    def test_changes_only_the_owner_of_a_link_already_in_place(self, site):
        site.link("green")
        inode = os.lstat(site.path).st_ino
        _checked, done = four_times(site, release="green", owner="65534")
        assert done["previous_target"] == done["target"] == site.release("green")
        assert done["diff"]["before"]["owner"] == "root"
        info = os.lstat(site.path)
        assert (info.st_uid, info.st_gid, info.st_ino) == (65534, 0, inode)
        # The release the link points at keeps its owner.
        assert os.stat(site.path).st_uid == 0


def bad_inputs():
    """(id, how to prepare the site, module arguments, what the message must say)."""
    return [
        ("traversal", "blue", {"release": "../x"}, "release '../x' is not a valid release name: use letters"),
        ("parent", "blue", {"release": ".."}, "release '..' is not a valid release name"),
        ("absolute release", "blue", {"release": "/etc"}, "release '/etc' is not a valid release name"),
        ("nested release", "blue", {"release": "green/.."}, "release 'green/..' is not a valid release name"),
        ("link out of root", "blue", {"release": "escape"}, "release 'escape' leads to '{base}/outside', outside root"),
        ("missing release", "blue", {"release": "purple"}, "release directory '{root}/purple' does not exist"),
        ("release is a file", "blue", {"release": "notes.txt"}, "'{root}/notes.txt' is not a directory"),
        (
            "missing require_file",
            "blue",
            {"release": "empty", "require_file": "index.html"},
            "'index.html' is not a file in release directory '{root}/empty': not switching to an incomplete release",
        ),
        (
            "require_file outside",
            "blue",
            {"release": "green", "require_file": "../blue/index.html"},
            "require_file '../blue/index.html' is not a file name inside the release",
        ),
        (
            "absolute require_file",
            "blue",
            {"release": "green", "require_file": "/etc/passwd"},
            "require_file '/etc/passwd' is not a file name inside the release",
        ),
        ("path is a file", "file", {"release": "green"}, "path '{path}' is a regular file; not replacing it"),
        (
            "path is a file, replace_directory",
            "file",
            {"release": "green", "replace_directory": True},
            "path '{path}' is a regular file",
        ),
        (
            "directory without replace_directory",
            "directory",
            {"release": "green"},
            "path '{path}' is a real directory, not a symlink: set replace_directory",
        ),
        (
            "root missing",
            "blue",
            {"release": "green", "root": "{base}/efs/nope"},
            "root '{base}/efs/nope' does not exist: mount",
        ),
        (
            "root is a file",
            "blue",
            {"release": "green", "root": "{root}/notes.txt"},
            "root '{root}/notes.txt' is not a directory",
        ),
        ("relative root", "blue", {"release": "green", "root": "efs/shop"}, "root 'efs/shop' is not an absolute path"),
        (
            "relative path",
            "blue",
            {"release": "green", "path": "www/html"},
            "path 'www/html' is not an absolute path: give it in full, like '/var/www/html'",
        ),
        (
            "parent missing",
            "blue",
            {"release": "green", "path": "{base}/nowhere/html"},
            "the directory '{base}/nowhere' of path '{base}/nowhere/html' does not exist",
        ),
        (
            "unknown owner",
            "blue",
            {"release": "green", "owner": "no-such-user-x"},
            "owner 'no-such-user-x' is not a user on this host",
        ),
        (
            "unknown group",
            "blue",
            {"release": "green", "group": "no-such-group-x"},
            "group 'no-such-group-x' is not a group on this host",
        ),
    ]


class TestRefusals:
    @pytest.mark.parametrize("check", [False, True], ids=["real", "check"])
    @pytest.mark.parametrize(
        "prepare, args, message", [case[1:] for case in bad_inputs()], ids=[c[0] for c in bad_inputs()]
    )
    def test_bad_input_fails_clearly_and_changes_nothing(self, site, check, prepare, args, message):
        if prepare == "file":
            site.path.write_text("a file\n", encoding="utf-8")
        elif prepare == "directory":
            site.path.mkdir()
            (site.path / "index.html").write_text("static\n", encoding="utf-8")
        else:
            site.link(prepare)
        names = {"base": site.base, "root": site.root, "path": site.path}
        args = {key: value.format(**names) if isinstance(value, str) else value for key, value in args.items()}
        before = site.snapshot()
        result = site.module(check=check, **args)
        assert result.get("failed") is True, result
        assert message.format(**names) in result["msg"]
        assert result.get("changed", False) is False
        assert site.snapshot() == before
        assert site.leftovers() == []


class TestFailedChange:
    """A change that fails half-way leaves the path as it was and no link of its own behind."""

    def test_failed_rename_removes_the_new_link(self, site, monkeypatch):
        site.link("blue")
        before = site.snapshot(times=False)

        def refuse(source, destination):
            raise PermissionError(1, "Operation not permitted", destination)

        monkeypatch.setattr(symlink.os, "rename", refuse)
        with pytest.raises(symlink.SymlinkError) as raised:
            symlink.switch(str(site.path), str(site.root), "green")
        monkeypatch.undo()
        assert str(raised.value) == (
            f"could not point '{site.path}' at '{site.release('green')}': Operation not permitted ({site.path}); "
            f"'{site.path}' was left as it was"
        )
        assert site.snapshot(times=False) == before
        assert site.leftovers() == []

    def test_failed_lchown_removes_the_new_link(self, site, monkeypatch):
        site.link("blue")
        before = site.snapshot(times=False)

        def refuse(name, uid, gid):
            raise PermissionError(1, "Operation not permitted", name)

        monkeypatch.setattr(symlink.os, "lchown", refuse)
        with pytest.raises(symlink.SymlinkError, match="Operation not permitted"):
            symlink.switch(str(site.path), str(site.root), "green", uid=65534)
        monkeypatch.undo()
        assert site.snapshot(times=False) == before
        assert site.leftovers() == []

    def test_directory_moved_aside_without_an_atomic_exchange(self, site, monkeypatch):
        """Where renameat2 cannot exchange, the directory is renamed aside and the link renamed in."""
        site.path.mkdir()
        (site.path / "index.html").write_text("static\n", encoding="utf-8")
        monkeypatch.setattr(symlink, "_exchange", lambda first, second: False)
        result = symlink.switch(str(site.path), str(site.root), "green", replace_directory=True)
        assert result["changed"] and result["action"] == symlink.MOVE_ASIDE
        assert (Path(result["backup"]) / "index.html").read_text(encoding="utf-8") == "static\n"
        assert site.served() == "green"
        assert site.leftovers() == []

    def test_backup_that_exists_already_is_refused(self, site, monkeypatch):
        site.path.mkdir()
        taken = Path(symlink.backup_path(str(site.path), symlink.datetime.now(symlink.timezone.utc)))
        taken.mkdir()
        monkeypatch.setattr(symlink, "backup_path", lambda path, moment: str(taken))
        before = site.snapshot(times=False)
        with pytest.raises(symlink.SymlinkError, match="already exists; move that away and run again"):
            symlink.switch(str(site.path), str(site.root), "green", replace_directory=True)
        assert site.snapshot(times=False) == before
        assert site.leftovers() == []

    def test_failed_move_aside_puts_the_directory_back(self, site, monkeypatch):
        site.path.mkdir()
        (site.path / "index.html").write_text("static\n", encoding="utf-8")
        before = site.snapshot(times=False)
        rename = os.rename

        def refuse_backup(source, destination):
            if ".bluegreen-backup-" in str(destination):
                raise OSError(28, "No space left on device", destination)
            return rename(source, destination)

        monkeypatch.setattr(symlink.os, "rename", refuse_backup)
        with pytest.raises(symlink.SymlinkError, match="No space left on device"):
            symlink.switch(str(site.path), str(site.root), "green", replace_directory=True)
        monkeypatch.undo()
        assert site.snapshot(times=False) == before
        assert site.leftovers() == []


def watch(path, expected, stop, seen):
    """Read ``path``/index.html until ``stop`` is set; count reads and record those that found no release."""
    while not stop.is_set():
        try:
            with open(os.path.join(path, "index.html"), encoding="utf-8") as page:
                content = page.read().strip()
        except OSError as e:
            seen["problems"].append(repr(e))
        else:
            if content not in expected:
                seen["problems"].append(f"served {content!r}")
        seen["reads"] += 1


def hammer(path, root, releases, switches):
    for number in range(switches):
        symlink.switch(path, root, releases[number % len(releases)], require_file="index.html")


class TestConcurrency:
    """Switches from several processes at once never leave the document root missing or a link behind."""

    def watched(self, site, work):
        stop, seen = threading.Event(), {"reads": 0, "problems": []}
        reader = threading.Thread(target=watch, args=(str(site.path), set(RELEASES), stop, seen))
        reader.start()
        try:
            work()
        finally:
            stop.set()
            reader.join()
        assert seen["problems"] == []
        assert seen["reads"] > 0
        assert os.readlink(site.path) in [site.release(release) for release in RELEASES]
        assert site.leftovers() == []

    def test_many_module_runs_at_once(self, site):
        """Four at a time, 24 runs of the module alternating between blue and green."""
        site.link("blue")
        files = []
        for number in range(24):
            arguments = {
                "path": str(site.path),
                "root": str(site.root),
                "release": RELEASES[number % 2],
                "require_file": "index.html",
            }
            argsfile = site.argsdir / f"concurrent-{number}.json"
            argsfile.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": arguments}), encoding="utf-8")
            files.append(argsfile)
        results = []

        def work():
            with ThreadPoolExecutor(max_workers=4) as pool:
                results.extend(pool.map(run_module, files))

        self.watched(site, work)
        assert [result.get("msg") for result in results if result.get("failed")] == []
        assert sum(result["changed"] for result in results) >= 1

    def test_hundreds_of_switches_from_four_processes(self, site):
        site.link("blue")
        context = multiprocessing.get_context("fork")
        orders = [RELEASES, RELEASES[::-1], RELEASES, RELEASES[::-1]]

        def work():
            workers = [
                context.Process(target=hammer, args=(str(site.path), str(site.root), order, 300)) for order in orders
            ]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
            assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]

        self.watched(site, work)
