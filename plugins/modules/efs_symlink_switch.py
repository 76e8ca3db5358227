#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: efs_symlink_switch
version_added: 0.1.0
short_description: Atomically point a web server's document root symlink at a release directory
description:
  - Runs on an instance. Makes O(path), for example C(/var/www/html), a symlink to C(<root>/<release>),
    for example C(/efs/shop/green), so that the web server serves that release.
  - The switch is atomic. A new symlink is created beside O(path) under a hidden name unique to the run,
    C(.<name>.bluegreen-<pid>-<random>), and renamed over O(path) with the C(rename) system call, which replaces the old
    link in one step. The link is never removed and re-created, so no request finds the document root
    missing, and switches run at the same time by other processes cannot break it. When anything fails, the
    new link is removed and O(path) is left as it was.
  - The symlink holds the absolute path C(<root>/<release>). A link that already holds exactly that text is
    left alone (no change). A link that reaches the same directory by another spelling, for example
    C(/efs/shop/green/) or a path through another symlink, is re-pointed (a change), so the link always reads
    the same after a run.
  - Before anything changes, O(root) must be a directory, the release must be a directory that resolves
    inside O(root) (a symlink inside O(root) that leads out of it is refused), and O(require_file) must be a
    file in it.
  - When O(path) does not exist it is created; its directory must exist. When O(path) is a real directory, as
    on the first run on an instance that served files from it, it is moved aside to
    C(<path>.bluegreen-backup-<UTC time>) only with O(replace_directory=true). On Linux with glibc the link
    and the directory trade places in one C(renameat2) call with C(RENAME_EXCHANGE), so this first switch is atomic
    too. A regular file at O(path) is never replaced.
author:
  - Teal Ops (@teal-ops)
options:
  path:
    description:
      - Absolute path of the symlink the web server serves, for example its C(DocumentRoot).
    type: path
    required: true
  root:
    description:
      - Absolute path of the directory that holds one directory per release, typically on the application's
        EFS file system.
    type: path
    required: true
  release:
    description:
      - Name of the release directory inside O(root) to point O(path) at, for example V(green) or V(v2.1).
      - Letters, digits, C(.), C(_) and C(-) only, and neither V(.) nor V(..).
    type: str
    required: true
  require_file:
    description:
      - A file that must exist in the release directory before the link moves to it, as a path relative to
        that directory without C(..), for example V(index.html) or V(public/health.txt).
      - Guards against switching to a release whose copy has not finished.
    type: str
  owner:
    description:
      - Owner of the symlink itself (set with C(lchown)), as a user name or number; the release is not touched.
      - Matters to a web server that follows symlinks only when their owner matches the target's, such as
        Apache with C(Options SymLinksIfOwnerMatch).
      - When omitted, the owner is not managed; a link created or re-pointed by the run belongs to the user the
        module runs as, since re-pointing replaces the link.
    type: str
  group:
    description:
      - Group of the symlink itself, as a group name or number; like O(owner).
    type: str
  replace_directory:
    description:
      - When O(path) is a real directory, move it aside to C(<path>.bluegreen-backup-<UTC time>) and put the
        link in its place. Without it, a directory at O(path) makes the module fail and change nothing.
      - Nothing is ever deleted; remove the backup once the switch is proven.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Runs every check and predicts the result, including the backup name; changes nothing on disk.
  diff_mode:
    support: full
    details:
      - Shows C(path) and C(target) before and after, and the link's C(owner) and C(group) when O(owner) or
        O(group) is set. The C(target) before is the link text, the text "(directory)" when O(path) was a real
        directory, or null when it did not exist.
  platform:
    support: full
    platforms: posix
    details: The switch of a directory at O(path) is atomic on Linux with glibc; elsewhere it takes two renames.
notes:
  - Runs where the document root is, usually with C(become), and needs no AWS credentials; the EFS file system
    must already be mounted at or above O(root).
  - A run killed between creating its link and renaming it leaves a C(.<name>.bluegreen-<pid>-<random>) link
    beside O(path); it is not served and can be deleted.
  - The web server must follow symlinks in the document root's path, for example Apache with
    C(Options FollowSymLinks) on a C(<Directory>) above O(path).
seealso:
  - name: rename(2)
    description: The system call that replaces the link in one step.
    link: https://man7.org/linux/man-pages/man2/rename.2.html
"""

EXAMPLES = r"""
- name: Serve the green release of shop
  teal.bluegreen.efs_symlink_switch:
    path: /var/www/html
    root: /efs/shop
    release: green
    require_file: index.html
  become: true
  register: docroot

- name: Say which release was served before
  ansible.builtin.debug:
    msg: "/var/www/html moved from {{ docroot.previous_target | default('nothing', true) }} to {{ docroot.target }}"

- name: Replace the document root directory of a freshly built instance by a link to blue, keeping a backup
  teal.bluegreen.efs_symlink_switch:
    path: /var/www/html
    root: /efs/shop
    release: blue
    require_file: index.html
    replace_directory: true
  become: true

- name: Serve release v2.1, with a link owned like the files for SymLinksIfOwnerMatch
  teal.bluegreen.efs_symlink_switch:
    path: /srv/shop/current
    root: /efs/shop/releases
    release: v2.1
    require_file: public/index.php
    owner: www-data
    group: www-data
  become: true

- name: Show what switching the web fleet to green would do, without doing it
  teal.bluegreen.efs_symlink_switch:
    path: /var/www/html
    root: /efs/shop
    release: green
  check_mode: true
  diff: true
"""

RETURN = r"""
target:
  description: The link text of O(path) after the run, C(<root>/<release>).
  returned: always
  type: str
  sample: /efs/shop/green
previous_target:
  description: The link text of O(path) before the run; null when O(path) did not exist or was a directory.
  returned: always
  type: str
  sample: /efs/shop/blue
backup:
  description: Where the directory that was at O(path) was moved (the name it would get, in check mode).
  returned: when a directory at O(path) was moved aside
  type: str
  sample: /var/www/html.bluegreen-backup-20261122T100400Z
"""

import grp
import pwd
from datetime import datetime
from datetime import timezone

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.teal.bluegreen.plugins.module_utils import symlink


def user_id(owner):
    if owner is None:
        return -1
    try:
        return pwd.getpwnam(owner).pw_uid
    except KeyError:
        if owner.isdigit():
            return int(owner)
    raise symlink.SymlinkError(f"owner {owner!r} is not a user on this host: give an existing user name or a uid")


def group_id(group):
    if group is None:
        return -1
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        if group.isdigit():
            return int(group)
    raise symlink.SymlinkError(f"group {group!r} is not a group on this host: give an existing group name or a gid")


def user_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def group_name(gid):
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def check_input(params):
    """The options, checked: the normalised path and the link's owner and group as ids (-1 where not managed)."""
    uid, gid = user_id(params["owner"]), group_id(params["group"])
    path = symlink.check_input(params["path"], params["root"], params["release"], params["require_file"])
    return path, uid, gid


def report(module, path, before, target, backup, ids):
    """The module's result, with its diff."""
    result = {"target": target, "previous_target": before["link"]}
    if backup:
        result["backup"] = backup
    if module._diff:
        diff_before = {"path": path, "target": symlink.before_target(before)}
        diff_after = {"path": path, "target": target}
        for option, key, name in (("owner", "uid", user_name), ("group", "gid", group_name)):
            if module.params[option] is not None:
                diff_before[option] = name(before[key]) if before["kind"] == symlink.LINK else None
                diff_after[option] = name(ids[key])
        result["diff"] = {"before": diff_before, "after": diff_after}
    return result


def do(module):
    params = module.params
    path, uid, gid = check_input(params)
    seen = symlink.read(path, params["root"], params["release"], params["require_file"])
    planned = symlink.plan(
        path, seen["before"], seen["target"], uid, gid, params["replace_directory"], datetime.now(timezone.utc)
    )
    linked, target = symlink.ensure_link(path, module.check_mode, planned, uid, gid)
    owned, ids = symlink.ensure_owner(path, module.check_mode, planned, uid, gid)
    result = report(module, path, seen["before"], target, planned["backup"], ids)
    module.exit_json(changed=linked or owned, **result)


def main():
    argument_spec = dict(
        path=dict(type="path", required=True),
        root=dict(type="path", required=True),
        release=dict(type="str", required=True),
        require_file=dict(type="str"),
        owner=dict(type="str"),
        group=dict(type="str"),
        replace_directory=dict(type="bool", default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)

    try:
        do(module)
    except symlink.SymlinkError as e:
        module.fail_json(msg=str(e))


if __name__ == "__main__":
    main()
