# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The release role's decisions: its variables, the artifact, the marker, and whether the release is the artifact.

The required file is looked for inside the release, so it may not leave it; the owner, group and mode are handed to
rsync, so they must be what rsync's --chown and --chmod take. Each problem is one sentence naming the variable, its
value and what to give. The marker (.release.json) records the files of a release with their sha256 sums, and the
sha256 of their ``sha256sum`` listing in C order, which docs/efs.md shows how to reproduce on a host.
"""

from __future__ import annotations

import hashlib
import os
import re

NAME = re.compile(r"^[A-Za-z0-9._][A-Za-z0-9._-]*$")
# Comma-separated clauses, each octal or symbolic, for directories (D), files (F) or both.
CLAUSE = r"[DF]?([0-7]{3,4}|[ugoa]*[-+=][rwxXst]*)"
MODE = re.compile(rf"^{CLAUSE}(,{CLAUSE})*$")
OUTSIDE = re.compile(r"^/|(^|.*/)[.][.](/|$)")
COLORS = ("blue", "green")
MARKER = ".release.json"
ARCHIVE = re.compile(r"[.](tar[.]gz|tgz|tar|zip)$")
PLAIN = "use letters, digits, '.', '_' or '-' (like 'shop' or '2.4.1')"


def require_file_problem(require_file):
    """Why the required file is not a path inside the release, or None."""
    if require_file and OUTSIDE.match(str(require_file)):
        return (
            f"bluegreen_release_require_file '{require_file}' is not a path inside the release: give it relative to "
            "the release directory, without '..'"
        )
    return None


def release_problems(require_file=None, owner=None, group=None, mode=None):
    """Every problem with the required file, and the owner, group and mode of the released files."""
    found = [problem for problem in [require_file_problem(require_file)] if problem]
    if owner is not None and not NAME.match(str(owner)):
        found.append(f"bluegreen_release_owner '{owner}' is not a user name")
    if group is not None and not NAME.match(str(group)):
        found.append(f"bluegreen_release_group '{group}' is not a group name")
    if mode is not None and not MODE.match(str(mode)):
        found.append(
            f"bluegreen_release_mode '{mode}' is not in rsync's --chmod syntax (like 'u=rwX,go=rX' or 'D755,F644')"
        )
    return found


def settings_problems(
    require_file=None,
    owner=None,
    group=None,
    mode=None,
    app=None,
    version=None,
    color=None,
    live_color=None,
    release_dir=None,
):
    """Every problem with the role's variables, the refusal to write into the live colour's directory first."""
    if app is not None and (not NAME.match(str(app)) or str(app) in (".", "..")):
        return [f"bluegreen_app '{app}' is not a valid directory name: {PLAIN}"]
    if version is not None and not NAME.match(str(version)):
        return [f"bluegreen_artifact_version '{version}' is not a valid version: {PLAIN}"]
    if live_color is not None and live_color not in COLORS:
        return [
            f"bluegreen_release_live_color '{live_color}' is neither blue nor green (nor null, when no colour serves "
            "this content yet)"
        ]
    if color is not None and color == live_color:
        idle = [other for other in COLORS if other != color][0]
        return [
            f"{color} is the live colour of {app}: releasing into {release_dir} would change what users are served. "
            f"Release into the idle colour ({idle}) and switch to it"
        ]
    return release_problems(require_file=require_file, owner=owner, group=group, mode=mode)


def is_archive(artifact_stat, artifact):
    """Whether the artifact is to be unpacked: not a directory, and named like an archive (.tar.gz, .tgz, .tar, .zip)."""
    return not artifact_stat.get("isdir") and bool(ARCHIVE.search(str(artifact)))


def artifact_kind_problem(artifact_stat, artifact):
    """Why the artifact (``artifact_stat``, its stat on the controller) is neither a directory nor an archive, or
    None."""
    if artifact_stat.get("isdir") or (artifact_stat.get("isreg") and is_archive(artifact_stat, artifact)):
        return None
    what = (
        "is neither a directory nor an archive (.tar.gz, .tgz, .tar, .zip)"
        if artifact_stat.get("exists")
        else "does not exist on the controller"
    )
    return f"bluegreen_artifact '{artifact}' {what}; nothing changed"


def start_problems(variables, root_stat, rsync, artifact_stat):
    """Every reason not to start a release, in the order to fix them, each message ending with what to do and that
    nothing changed: the role's variables (``variables``, the keywords of settings_problems, and ``efs_root``, ``host``
    and ``artifact``, all of them in one message), then the host (place_problems), then the artifact
    (artifact_kind_problem)."""
    variables = dict(variables)
    efs_root, host, artifact = (variables.pop(name, None) for name in ("efs_root", "host", "artifact"))
    found = settings_problems(**variables)
    found = [f"{'; '.join(found)}; nothing changed"] if found else []
    found += place_problems(root_stat, rsync, efs_root, host)
    return found + [problem for problem in [artifact_kind_problem(artifact_stat, artifact)] if problem]


def rsync_options(mode=None, owner=None, group=None):
    """What rsync is given besides the copy itself: the marker left out (so that --delete keeps it), and the
    permissions (--chmod) and owner (--chown) of the released files when set."""
    options = [f"--exclude=/{MARKER}"]
    if mode is not None:
        options.append(f"--chmod={mode}")
    if owner is not None or group is not None:
        options.append(f"--chown={owner or ''}:{group or ''}")
    return options


def file_sums(found, root):
    """Relative path -> sha256 of each file an ``ansible.builtin.find`` with sha256 checksums found under ``root``."""
    return {os.path.relpath(item["path"], root): item["checksum"] for item in found.get("files", [])}


def listing_sha256(files):
    """The sha256 of the ``sha256sum`` listing ("<sum>  <path>" lines) of ``files``, in the code point order of
    their paths (C order)."""
    listing = "".join(f"{files[path]}  {path}\n" for path in sorted(files))
    return hashlib.sha256(listing.encode("utf-8")).hexdigest()


def marker(files, app, color, version):
    """What the release marker records: no time, so that the marker of a release made again is the same file."""
    return {
        "app": str(app),
        "color": color,
        "version": str(version),
        "files": dict(files),
        "sha256": listing_sha256(files),
    }


def artifact_problem(files, artifact, require_file=None):
    """Why the artifact's files are not a complete release, or None."""
    if not files:
        return f"bluegreen_artifact '{artifact}' holds no files"
    reserved = sorted(path for path in files if os.path.basename(path) == MARKER)
    if reserved:
        return f"bluegreen_artifact '{artifact}' holds {', '.join(reserved)}, a name the release marker reserves"
    if require_file and os.path.normpath(str(require_file)) not in files:
        return (
            f"bluegreen_artifact '{artifact}' has no file '{require_file}' (bluegreen_release_require_file): not "
            "releasing an incomplete artifact"
        )
    return None


def mismatches(files, written, require_file=None):
    """Each difference between the artifact's files and those found in the release directory (but its marker)."""
    written = {path: digest for path, digest in written.items() if path != MARKER}
    found = []
    for path in sorted(set(files) | set(written)):
        if path not in written:
            found.append(f"{path} (missing)")
        elif path not in files:
            found.append(f"{path} (not in the artifact)")
        elif files[path] != written[path]:
            found.append(f"{path} (sha256 {written[path]}, not {files[path]})")
    if not found and require_file and os.path.normpath(str(require_file)) not in written:
        found.append(f"'{require_file}' (bluegreen_release_require_file) is not a file there")
    return found


def verify_problem(files, written, require_file, app, version, path, host):
    """Why the files found in the release directory ``path`` after the release are not the artifact's (mismatches):
    something else writes into the directory. None when they are."""
    found = mismatches(files, written, require_file)
    if not found:
        return None
    return (
        f"the release of {app} {version} in {path} on {host} does not match the artifact: {', '.join(found)}. "
        "Something else writes into this directory; find it, then release again"
    )


def record(release_marker, marker_text, path, marker_stat, created=False, synced=(), owner=None, group=None):
    """The release as the role keeps it for its caller (the fact bluegreen_release): the version, colour and sha256
    the marker records, the directory, and whether the release changes (or would change) the host (release_changed)."""
    return {
        "version": release_marker["version"],
        "color": release_marker["color"],
        "sha256": release_marker["sha256"],
        "path": path,
        "changed": release_changed(marker_stat, marker_text, created, synced, owner, group),
    }


def release_changed(marker_stat, marker_text, created=False, synced=(), owner=None, group=None):
    """Whether the release changes (or would change) the host, from what was found there rather than from the tasks'
    changed status, which a check-only release never reports: a missing application directory, files rsync lists,
    or a marker that is not this one, in its content, mode, owner or group."""
    if created or synced or not marker_stat.get("exists"):
        return True
    if marker_stat.get("checksum") != hashlib.sha1(marker_text.encode("utf-8")).hexdigest():
        return True
    if marker_stat.get("mode") != "0644":
        return True
    if owner is not None and str(owner) not in (marker_stat.get("pw_name"), str(marker_stat.get("uid"))):
        return True
    return group is not None and str(group) not in (marker_stat.get("gr_name"), str(marker_stat.get("gid")))


def place_problems(root_stat, rsync, efs_root, host):
    """Why the host cannot take the release: the EFS mount point is missing or not a directory (``root_stat``, the
    stat of ``efs_root``), or rsync, which copies the release, is not installed there (``rsync``, the result of running
    ``rsync --version``). Each message ends with what to do, and that nothing changed."""
    found = []
    if not root_stat.get("isdir"):
        what = "is not a directory" if root_stat.get("exists") else "does not exist"
        found.append(
            f"bluegreen_efs_root '{efs_root}' {what} on {host}: EFS not mounted? Mount the file system there, or set "
            "bluegreen_efs_root to its mount point; nothing changed"
        )
    if rsync.get("rc") != 0:
        reason = rsync.get("msg") or rsync.get("stderr") or ""
        found.append(
            f"rsync is not installed on {host} ({reason}); the release copies with rsync: install it (apt-get or dnf "
            "install rsync); nothing changed"
        )
    return found


def marker_problem(found, expected, path, host):
    """Why the release marker read back from the host is not the one written: something else writes into the
    release directory. None when it is the one."""
    if found == expected:
        return None
    found = found if isinstance(found, dict) else {}

    def described(marker):
        return (
            f"{marker.get('app', '?')} {marker.get('version', '?')} ({marker.get('color', '?')}, "
            f"sha256 {marker.get('sha256', '?')})"
        )

    return (
        f"{path}/{MARKER} on {host} records {described(found)}, not {described(expected)}. Something else writes into "
        "this directory; find it, then release again"
    )


def report(release, app, files, host, dry):
    """What a release says: the version, how many files and their sha256, where it is (or would be), and whether it
    changed anything."""
    if release.get("changed"):
        outcome = "it would change" if dry else "it changed"
    else:
        outcome = "it was already there, nothing changed"
    where = f"{'would be' if dry else 'is'} in {release.get('path')} on {host}{'' if dry else ', verified'}"
    return f"{app} {release.get('version')} ({files} files, sha256 {release.get('sha256')}) {where}; {outcome}"
