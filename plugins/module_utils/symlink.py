# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pointing a symlink at a release directory in one atomic step, and the pure decisions behind it.

A web server's document root (``path``) is a symlink to ``<root>/<release>``. A switch never removes
the link: a new link is made beside it under a name no other run uses and renamed over it. rename(2)
replaces the old link in one step, so every lookup of ``path`` finds the old release or the new one.

The functions down to ``inspect`` decide from plain data; ``inspect`` and those after it touch the
filesystem. ``inspect`` describes what is at a path as ``{kind, link, uid, gid}``: ``kind`` is one of
MISSING, LINK, DIRECTORY, FILE or OTHER, ``link`` the text of a symlink (None for anything else).

A switch is ``check_input``, ``read``, ``plan``, then ``ensure_link`` and ``ensure_owner``, each of which
changes one thing (or, in check mode, only says it would); ``switch`` runs them in that order.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import secrets
import stat
from datetime import datetime
from datetime import timezone

RELEASE_PATTERN = re.compile(r"[A-Za-z0-9._-]+")
TEMP_MARKER = ".bluegreen-"
BACKUP_MARKER = ".bluegreen-backup-"

MISSING = "missing"
LINK = "link"
DIRECTORY = "directory"
FILE = "file"
OTHER = "other"

CREATE = "create"
KEEP = "keep"
REPOINT = "repoint"
MOVE_ASIDE = "move_aside"

# renameat2(2) flag and the "relative to the working directory" descriptor, from <linux/fs.h> and <fcntl.h>.
RENAME_EXCHANGE = 2
AT_FDCWD = -100


class SymlinkError(Exception):
    """Bad input, or a path in a state the switch must not touch: the module fails with this message."""


def check_release(release):
    if release in (".", ".."):
        raise SymlinkError(
            f"release {release!r} is not a valid release name: it must name a directory inside root, "
            "like 'green' or 'v2.1'"
        )
    if not RELEASE_PATTERN.fullmatch(release or ""):
        raise SymlinkError(
            f"release {release!r} is not a valid release name: use letters, digits, '.', '_' or '-' "
            "(like 'green' or 'v2.1')"
        )


def check_require_file(name):
    """``name`` must stay inside the release directory: relative, and without a '..' component."""
    if name is None:
        return
    if not name or os.path.isabs(name) or ".." in name.split("/"):
        raise SymlinkError(
            f"require_file {name!r} is not a file name inside the release: give a relative path without '..', "
            "like 'index.html' or 'public/index.html'"
        )


def check_absolute(option, value, example):
    if not os.path.isabs(value):
        raise SymlinkError(f"{option} {value!r} is not an absolute path: give it in full, like {example!r}")


def check_input(path, root, release, require_file):
    """The options, checked before anything is read; returns ``path`` normalised."""
    check_absolute("path", path, "/var/www/html")
    check_absolute("root", root, "/efs/shop")
    check_release(release)
    check_require_file(require_file)
    path = os.path.normpath(path)
    if path == os.path.dirname(path):
        raise SymlinkError(f"path {path!r} is the file system root; give the path the web server serves")
    return path


def link_text(root, release):
    """What the symlink holds: ``<root>/<release>``, absolute and without redundant separators."""
    return os.path.join(os.path.normpath(root), release)


def is_inside(resolved, resolved_root):
    """Whether the resolved path ``resolved`` lies strictly below the resolved ``resolved_root``."""
    return resolved != resolved_root and os.path.commonpath([resolved, resolved_root]) == resolved_root


def plan_switch(path, current, wanted, replace_directory):
    """What a run does to ``path``: CREATE, KEEP, REPOINT or MOVE_ASIDE; SymlinkError when it must not.

    ``current`` is what ``inspect`` found at ``path`` and ``wanted`` the link text. A link is kept only
    when its text is exactly ``wanted``; one that reaches the same directory by another spelling is
    re-pointed, so that the link always reads ``<root>/<release>``.
    """
    kind = current["kind"]
    if kind == MISSING:
        return CREATE
    if kind == LINK:
        return KEEP if current["link"] == wanted else REPOINT
    if kind == DIRECTORY:
        if replace_directory:
            return MOVE_ASIDE
        raise SymlinkError(
            f"path {path!r} is a real directory, not a symlink: set replace_directory to move it aside to "
            f"{path}{BACKUP_MARKER}<UTC time> and link {wanted!r} in its place, or move it yourself"
        )
    what = "a regular file" if kind == FILE else "neither a symlink nor a directory"
    raise SymlinkError(
        f"path {path!r} is {what}; not replacing it (remove it, or choose the path the web server serves)"
    )


def owner_differs(current, uid, gid):
    """Whether the link ``current`` needs an lchown to ``uid``/``gid``; -1 leaves that id alone."""
    return (uid != -1 and current["uid"] != uid) or (gid != -1 and current["gid"] != gid)


def plan(path, current, wanted, uid, gid, replace_directory, moment):
    """What a run does to ``path``, found as ``current``, to make it a link to ``wanted`` owned by ``uid``/``gid``.

    Returns ``action`` (``plan_switch``), ``target`` (``wanted``), ``reown`` (whether a kept link needs an
    lchown; a new link is made with its owner) and ``backup`` (where a directory is moved aside, stamped with
    ``moment``; None unless it is).
    """
    action = plan_switch(path, current, wanted, replace_directory)
    return {
        "action": action,
        "target": wanted,
        "reown": action == KEEP and owner_differs(current, uid, gid),
        "backup": backup_path(path, moment) if action == MOVE_ASIDE else None,
    }


def before_target(current):
    """What ``path`` pointed at, as the diff shows it: the link text, '(directory)', or None."""
    if current["kind"] == DIRECTORY:
        return "(directory)"
    return current["link"]


def backup_path(path, moment):
    """Where a directory at ``path`` is moved aside: ``<path>.bluegreen-backup-<UTC time>``."""
    return f"{path}{BACKUP_MARKER}{moment.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}"


def temp_path(path, pid, token):
    """The name a new link gets beside ``path`` before it is renamed over it: hidden and unique to a run."""
    head, tail = os.path.split(path)
    return os.path.join(head, f".{tail}{TEMP_MARKER}{pid}-{token}")


def inspect(path):
    """What is at ``path``, without following it when it is a symlink."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return {"kind": MISSING, "link": None, "uid": None, "gid": None}
    link = None
    if stat.S_ISLNK(info.st_mode):
        kind, link = LINK, os.readlink(path)
    elif stat.S_ISDIR(info.st_mode):
        kind = DIRECTORY
    elif stat.S_ISREG(info.st_mode):
        kind = FILE
    else:
        kind = OTHER
    return {"kind": kind, "link": link, "uid": info.st_uid, "gid": info.st_gid}


def resolve_release(root, release, require_file):
    """Check the release directory ``<root>/<release>``; returns its link text and resolved path."""
    if not os.path.isdir(root):
        if os.path.lexists(root):
            raise SymlinkError(f"root {root!r} is not a directory; give the directory that holds the releases")
        raise SymlinkError(
            f"root {root!r} does not exist: mount the file system that holds the releases (EFS) or create it"
        )
    text = link_text(root, release)
    resolved_root = os.path.realpath(root)
    resolved = os.path.realpath(text)
    if not is_inside(resolved, resolved_root):
        raise SymlinkError(
            f"release {release!r} leads to {resolved!r}, outside root {root!r} ({resolved_root!r}): a release must "
            f"be a directory inside root; check what {text!r} links to"
        )
    if not os.path.isdir(resolved):
        problem = "is not a directory" if os.path.exists(resolved) else "does not exist"
        raise SymlinkError(
            f"release directory {text!r} {problem}: put release {release!r} there first, or check release and root"
        )
    if require_file is not None and not os.path.isfile(os.path.join(resolved, require_file)):
        raise SymlinkError(
            f"{require_file!r} is not a file in release directory {text!r}: not switching to an incomplete "
            "release (finish copying it, or check require_file)"
        )
    return text, resolved


def _discard(name):
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass


def _new_link(path, text, uid, gid):
    """A symlink to ``text`` beside ``path``, owned as asked; returns its name."""
    temp = temp_path(path, os.getpid(), secrets.token_hex(6))
    os.symlink(text, temp)
    if uid != -1 or gid != -1:
        try:
            os.lchown(temp, uid, gid)
        except BaseException:
            _discard(temp)
            raise
    return temp


def replace_link(path, text, uid=-1, gid=-1):
    """Make ``path`` a symlink to ``text`` in one step, whatever symlink (or nothing) was there."""
    temp = _new_link(path, text, uid, gid)
    try:
        os.rename(temp, path)
    except BaseException:
        _discard(temp)
        raise


def _exchange(first, second):
    """Swap two names in one step (renameat2 RENAME_EXCHANGE); False where the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(error, os.strerror(error), second)


def move_directory_aside(path, text, backup, uid=-1, gid=-1):
    """Put a symlink to ``text`` where the directory ``path`` is, and the directory at ``backup``.

    Where renameat2 can exchange the two names, ``path`` is the directory and then the link, never
    missing; elsewhere it is missing between two renames.
    """
    if os.path.lexists(backup):
        raise SymlinkError(
            f"cannot move directory {path!r} aside: {backup!r} already exists; move that away and run again"
        )
    temp = _new_link(path, text, uid, gid)
    try:
        exchanged = _exchange(temp, path)
    except BaseException:
        _discard(temp)
        raise
    if exchanged:
        try:
            os.rename(temp, backup)
        except BaseException:
            _exchange(temp, path)
            _discard(temp)
            raise
        return
    try:
        os.rename(path, backup)
    except BaseException:
        _discard(temp)
        raise
    try:
        os.rename(temp, path)
    except BaseException:
        os.rename(backup, path)
        _discard(temp)
        raise


def read(path, root, release, require_file):
    """What a switch of the checked ``path`` decides from: ``target``, the link text of the release (checked on
    disk), and ``before``, what ``inspect`` finds at ``path``."""
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        raise SymlinkError(f"the directory {parent!r} of path {path!r} does not exist; create it first")
    text, _resolved = resolve_release(root, release, require_file)
    return {"target": text, "before": inspect(path)}


def _failed(path, text, error):
    where = f" ({error.filename})" if error.filename else ""
    return SymlinkError(f"could not point {path!r} at {text!r}: {error.strerror}{where}; {path!r} was left as it was")


def ensure_link(path, check_mode, planned, uid=-1, gid=-1):
    """``path`` is a link to the planned target, owned as asked when it is new: (changed, the link text)."""
    action, text = planned["action"], planned["target"]
    if action == KEEP:
        return False, text
    if not check_mode:
        try:
            if action == MOVE_ASIDE:
                move_directory_aside(path, text, planned["backup"], uid, gid)
            else:
                replace_link(path, text, uid, gid)
        except OSError as e:
            raise _failed(path, text, e) from None
    return True, text


def ensure_owner(path, check_mode, planned, uid=-1, gid=-1):
    """A kept link has the owner and group asked for: (changed, ``{uid, gid}`` asked for, -1 where not managed)."""
    wanted = {"uid": uid, "gid": gid}
    if not planned["reown"]:
        return False, wanted
    if not check_mode:
        try:
            os.lchown(path, uid, gid)
        except OSError as e:
            raise _failed(path, planned["target"], e) from None
    return True, wanted


def switch(path, root, release, require_file=None, uid=-1, gid=-1, replace_directory=False, check_mode=False):
    """Point ``path`` at ``<root>/<release>``; in check mode only decide. The steps efs_symlink_switch runs.

    Returns ``changed``, ``path`` (normalised), ``target``, ``previous_target``, ``backup`` (None unless a directory is moved
    aside), ``action`` and ``before`` (what ``inspect`` found). Raises SymlinkError, with ``path`` as it
    was, on bad input or a failed change.
    """
    path = check_input(path, root, release, require_file)
    seen = read(path, root, release, require_file)
    planned = plan(path, seen["before"], seen["target"], uid, gid, replace_directory, datetime.now(timezone.utc))
    linked, text = ensure_link(path, check_mode, planned, uid, gid)
    owned, _ids = ensure_owner(path, check_mode, planned, uid, gid)
    return {
        "changed": linked or owned,
        "path": path,
        "target": text,
        "previous_target": seen["before"]["link"],
        "backup": planned["backup"],
        "action": planned["action"],
        "before": seen["before"],
    }
