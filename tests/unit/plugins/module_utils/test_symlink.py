# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils import symlink
from ansible_collections.teal.bluegreen.plugins.module_utils.symlink import SymlinkError

PATH = "/var/www/html"
WANTED = "/efs/shop/green"


def found(kind, link=None, uid=0, gid=0):
    """What symlink.inspect reports for a path."""
    if kind == symlink.MISSING:
        return {"kind": kind, "link": None, "uid": None, "gid": None}
    return {"kind": kind, "link": link, "uid": uid, "gid": gid}


class TestRelease:
    @pytest.mark.parametrize("name", ["green", "blue", "v2.1", "2026-11-22_1", "...x", "a..b", "-", "_"])
    def test_accepts_plain_names(self, name):
        symlink.check_release(name)

    @pytest.mark.parametrize(
        "name", ["../x", "/etc", "green/../blue", "a/b", "", "green\n", "gr een", "grün", "~green", "$HOME"]
    )
    def test_refuses_anything_that_is_not_one_plain_name(self, name):
        with pytest.raises(SymlinkError) as raised:
            symlink.check_release(name)
        assert str(raised.value) == (
            f"release {name!r} is not a valid release name: use letters, digits, '.', '_' or '-' "
            "(like 'green' or 'v2.1')"
        )

    def test_message_names_the_bad_value(self):
        with pytest.raises(SymlinkError, match=r"^release '\.\./x' is not a valid release name"):
            symlink.check_release("../x")

    @pytest.mark.parametrize("name", [".", ".."])
    def test_refuses_the_directory_itself_and_its_parent(self, name):
        with pytest.raises(SymlinkError, match="must name a directory inside root"):
            symlink.check_release(name)

    def test_refuses_none(self):
        with pytest.raises(SymlinkError, match="not a valid release name"):
            symlink.check_release(None)


class TestRequireFile:
    @pytest.mark.parametrize("name", [None, "index.html", "public/index.html", ".well-known/health", "a..b"])
    def test_accepts_relative_names(self, name):
        symlink.check_require_file(name)

    @pytest.mark.parametrize("name", ["", "/etc/passwd", "..", "../index.html", "public/../../x", "a/.."])
    def test_refuses_names_that_leave_the_release(self, name):
        with pytest.raises(SymlinkError) as raised:
            symlink.check_require_file(name)
        assert str(raised.value).startswith(f"require_file {name!r} is not a file name inside the release")
        assert "like 'index.html'" in str(raised.value)


class TestAbsolute:
    def test_accepts_absolute_paths(self):
        symlink.check_absolute("path", "/var/www/html", "/var/www/html")

    @pytest.mark.parametrize("value", ["var/www/html", "html", "./html", ""])
    def test_refuses_relative_paths(self, value):
        with pytest.raises(SymlinkError) as raised:
            symlink.check_absolute("path", value, "/var/www/html")
        assert str(raised.value) == f"path {value!r} is not an absolute path: give it in full, like '/var/www/html'"


class TestLinkText:
    @pytest.mark.parametrize("root", ["/efs/shop", "/efs/shop/", "/efs//shop", "/efs/./shop", "/efs/x/../shop"])
    def test_is_one_canonical_spelling(self, root):
        assert symlink.link_text(root, "green") == WANTED


class TestInside:
    @pytest.mark.parametrize(
        "resolved, root",
        [("/efs/shop/green", "/efs/shop"), ("/efs/shop/a/b", "/efs/shop"), ("/efs", "/"), ("/x", "/")],
    )
    def test_below_root(self, resolved, root):
        assert symlink.is_inside(resolved, root)

    @pytest.mark.parametrize(
        "resolved, root",
        [
            ("/efs/shop", "/efs/shop"),
            ("/efs", "/efs/shop"),
            ("/etc", "/efs/shop"),
            ("/efs/shop2/green", "/efs/shop"),
            ("/efs/sho", "/efs/shop"),
            ("/", "/"),
        ],
    )
    def test_root_itself_siblings_and_parents_are_outside(self, resolved, root):
        assert not symlink.is_inside(resolved, root)


class TestPlan:
    def test_missing_path_is_created(self):
        assert symlink.plan_switch(PATH, found(symlink.MISSING), WANTED, False) == symlink.CREATE

    def test_link_with_the_wanted_text_is_kept(self):
        assert symlink.plan_switch(PATH, found(symlink.LINK, WANTED), WANTED, False) == symlink.KEEP

    @pytest.mark.parametrize("link", ["/efs/shop/blue", "/efs/shop/green/", "/efs//shop/green", "green", "/gone"])
    def test_any_other_link_text_is_repointed(self, link):
        """Also a link reaching the same directory another way: the text is made canonical."""
        assert symlink.plan_switch(PATH, found(symlink.LINK, link), WANTED, False) == symlink.REPOINT

    def test_keep_ignores_replace_directory(self):
        assert symlink.plan_switch(PATH, found(symlink.LINK, WANTED), WANTED, True) == symlink.KEEP

    def test_directory_is_moved_aside_only_when_asked(self):
        assert symlink.plan_switch(PATH, found(symlink.DIRECTORY), WANTED, True) == symlink.MOVE_ASIDE

    def test_directory_without_replace_directory_is_refused_with_the_way_out(self):
        with pytest.raises(SymlinkError) as raised:
            symlink.plan_switch(PATH, found(symlink.DIRECTORY), WANTED, False)
        assert str(raised.value) == (
            "path '/var/www/html' is a real directory, not a symlink: set replace_directory to move it aside to "
            "/var/www/html.bluegreen-backup-<UTC time> and link '/efs/shop/green' in its place, or move it yourself"
        )

    @pytest.mark.parametrize("replace_directory", [False, True])
    def test_regular_file_is_never_replaced(self, replace_directory):
        with pytest.raises(SymlinkError, match=r"^path '/var/www/html' is a regular file; not replacing it"):
            symlink.plan_switch(PATH, found(symlink.FILE), WANTED, replace_directory)

    def test_socket_or_device_is_never_replaced(self):
        with pytest.raises(SymlinkError, match="is neither a symlink nor a directory; not replacing it"):
            symlink.plan_switch(PATH, found(symlink.OTHER), WANTED, True)


class TestOwner:
    @pytest.mark.parametrize("uid, gid", [(-1, -1), (33, -1), (-1, 44), (33, 44)])
    def test_matching_or_unmanaged_ids_need_nothing(self, uid, gid):
        assert not symlink.owner_differs(found(symlink.LINK, WANTED, uid=33, gid=44), uid, gid)

    @pytest.mark.parametrize("uid, gid", [(0, -1), (-1, 0), (0, 44), (33, 0)])
    def test_any_managed_id_that_differs_needs_an_lchown(self, uid, gid):
        assert symlink.owner_differs(found(symlink.LINK, WANTED, uid=33, gid=44), uid, gid)


class TestNames:
    def test_before_target_for_the_diff(self):
        assert symlink.before_target(found(symlink.LINK, "/efs/shop/blue")) == "/efs/shop/blue"
        assert symlink.before_target(found(symlink.DIRECTORY)) == "(directory)"
        assert symlink.before_target(found(symlink.MISSING)) is None

    def test_backup_is_stamped_in_utc_to_the_second(self):
        paris = timezone(timedelta(hours=1))
        moment = datetime(2026, 11, 22, 11, 4, 0, 987, tzinfo=paris)
        assert symlink.backup_path(PATH, moment) == "/var/www/html.bluegreen-backup-20261122T100400Z"

    def test_temporary_link_is_a_hidden_sibling_unique_to_the_run(self):
        assert symlink.temp_path(PATH, 4242, "a1b2") == "/var/www/.html.bluegreen-4242-a1b2"
        assert symlink.temp_path("/srv/current", 1, "ff") == "/srv/.current.bluegreen-1-ff"


class TestCheckInput:
    def test_returns_the_path_normalised(self):
        assert symlink.check_input("/var//www/./html/", "/efs/shop", "green", "index.html") == PATH

    @pytest.mark.parametrize("path", ["/", "/..", "/./"])
    def test_refuses_the_file_system_root(self, path):
        with pytest.raises(SymlinkError) as raised:
            symlink.check_input(path, "/efs/shop", "green", None)
        assert str(raised.value) == "path '/' is the file system root; give the path the web server serves"

    @pytest.mark.parametrize(
        "args, message",
        [
            (("html", "shop", "..", "/x"), "path 'html' is not an absolute path"),
            ((PATH, "shop", "..", "/x"), "root 'shop' is not an absolute path"),
            ((PATH, "/efs/shop", "..", "/x"), "release '..' is not a valid release name"),
            ((PATH, "/efs/shop", "green", "/x"), "require_file '/x' is not a file name inside the release"),
            (("/", "/efs/shop", "green", "/x"), "require_file '/x' is not a file name inside the release"),
        ],
    )
    def test_names_the_first_bad_option(self, args, message):
        with pytest.raises(SymlinkError) as raised:
            symlink.check_input(*args)
        assert str(raised.value).startswith(message)


class TestPlanRun:
    MOMENT = datetime(2026, 11, 22, 10, 4, 0, tzinfo=timezone.utc)

    def plan(self, current, uid=-1, gid=-1, replace_directory=False):
        return symlink.plan(PATH, current, WANTED, uid, gid, replace_directory, self.MOMENT)

    def test_kept_link_with_its_owner_needs_nothing(self):
        assert self.plan(found(symlink.LINK, WANTED, uid=33, gid=44), uid=33, gid=44) == {
            "action": symlink.KEEP,
            "target": WANTED,
            "reown": False,
            "backup": None,
        }

    def test_kept_link_with_another_owner_is_reowned(self):
        planned = self.plan(found(symlink.LINK, WANTED, uid=0, gid=44), uid=33)
        assert (planned["action"], planned["reown"]) == (symlink.KEEP, True)

    @pytest.mark.parametrize(
        "current, action",
        [(found(symlink.MISSING), symlink.CREATE), (found(symlink.LINK, "/efs/shop/blue"), symlink.REPOINT)],
    )
    def test_new_link_is_made_with_its_owner_not_reowned(self, current, action):
        assert self.plan(current, uid=33, gid=44) == {
            "action": action,
            "target": WANTED,
            "reown": False,
            "backup": None,
        }

    def test_directory_moved_aside_gets_a_backup_stamped_with_the_moment(self):
        assert self.plan(found(symlink.DIRECTORY), uid=33, replace_directory=True) == {
            "action": symlink.MOVE_ASIDE,
            "target": WANTED,
            "reown": False,
            "backup": "/var/www/html.bluegreen-backup-20261122T100400Z",
        }

    def test_refusals_are_plan_switch_s(self):
        with pytest.raises(SymlinkError, match="is a real directory, not a symlink"):
            self.plan(found(symlink.DIRECTORY))
