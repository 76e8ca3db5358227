# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The release role's checks of its file settings."""

from __future__ import annotations

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils.release_settings import release_problems


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
