# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The release role's decisions, decided in module_utils/release_settings.py."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.teal.bluegreen.plugins.module_utils import release_settings as settings


def release_problems(require_file, owner=None, group=None, mode=None, **variables):
    """Every problem with the role's variables: the application, the version, the colours, the file settings."""
    return settings.settings_problems(require_file=require_file, owner=owner, group=group, mode=mode, **variables)


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


def release_mismatches(files, written, require_file=None):
    """Each difference between the artifact's files and the release directory's."""
    return settings.mismatches(files, written, require_file)


def release_changed(marker_stat, marker_text, created=False, synced=None, owner=None, group=None):
    """Whether the release changes the host, from what the role found there."""
    return settings.release_changed(
        marker_stat or {}, marker_text, boolean(created, strict=False), synced or [], owner, group
    )


def release_place_problems(root_stat, rsync, efs_root, host):
    """Why the host cannot take the release; see module_utils/release_settings.py."""
    return settings.place_problems(root_stat or {}, rsync or {}, efs_root, host)


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
            "release_files": release_files,
            "release_marker": release_marker,
            "release_artifact_problems": release_artifact_problems,
            "release_mismatches": release_mismatches,
            "release_changed": release_changed,
            "release_place_problems": release_place_problems,
            "release_marker_problems": release_marker_problems,
            "release_report": release_report,
        }
