# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The release role's decisions, decided in module_utils/release_settings.py."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.teal.bluegreen.plugins.module_utils import release_settings as settings


def release_problems(require_file, root_stat=None, rsync=None, artifact_stat=None, **variables):
    """Every reason not to start the release: the role's variables, the host, the artifact."""
    return settings.start_problems(
        dict(variables, require_file=require_file), root_stat or {}, rsync or {}, artifact_stat or {}
    )


def release_is_archive(artifact_stat, artifact):
    """Whether the artifact is an archive to unpack, from its stat on the controller."""
    return settings.is_archive(artifact_stat or {}, artifact)


def release_rsync_options(mode=None, owner=None, group=None):
    """What rsync is given besides the copy itself; see module_utils/release_settings.py."""
    return settings.rsync_options(mode, owner, group)


def release_files(found, root):
    """Relative path -> sha256 of the files of an ansible.builtin.find result (with sha256 checksums) under root."""
    if not isinstance(found, dict) or not all("checksum" in item for item in found.get("files", [])):
        raise AnsibleFilterError("release_files expects the result of ansible.builtin.find with get_checksum: true")
    return settings.file_sums(found, str(root))


def release_marker(files, app, color, version):
    """What the release marker records for ``files``."""
    return settings.marker(files, app, color, version)


def release_artifact_problems(files, artifact, require_file=None):
    """Why the artifact's files are not a complete release, as a list of one sentence or none."""
    return [problem for problem in [settings.artifact_problem(files, artifact, require_file)] if problem]


def release_verify_problems(files, written, require_file, app, version, path, host):
    """Why the release directory's files are not the artifact's, as a list of one message or none."""
    return [
        problem
        for problem in [settings.verify_problem(files, written, require_file, app, version, path, host)]
        if problem
    ]


def release_record(marker, marker_text, path, marker_stat, created=False, synced=None, owner=None, group=None):
    """The release as the role keeps it for its caller, with whether it changes the host."""
    return settings.record(
        marker, marker_text, path, marker_stat or {}, boolean(created, strict=False), synced or [], owner, group
    )


def release_marker_problems(found, expected, path, host):
    """Why the marker read back is not the one written, as a list of one message or none."""
    return [problem for problem in [settings.marker_problem(found, expected, path, host)] if problem]


def release_report(release, app, files, host, dry=False):
    """What a release says; see module_utils/release_settings.py."""
    return settings.report(release, app, len(files or ()), host, boolean(dry or False, strict=False))


class FilterModule:
    def filters(self):
        return {
            "release_problems": release_problems,
            "release_is_archive": release_is_archive,
            "release_rsync_options": release_rsync_options,
            "release_files": release_files,
            "release_marker": release_marker,
            "release_artifact_problems": release_artifact_problems,
            "release_verify_problems": release_verify_problems,
            "release_record": release_record,
            "release_marker_problems": release_marker_problems,
            "release_report": release_report,
        }
