# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The checks the release role makes of its variables before anything is copied.

The required file is looked for inside the release, so it may not leave it; the owner, group and mode are handed to
rsync, so they must be what rsync's --chown and --chmod take. Each problem is one sentence naming the variable, its
value and what to give.
"""

from __future__ import annotations

import re

NAME = re.compile(r"^[A-Za-z0-9._][A-Za-z0-9._-]*$")
# Comma-separated clauses, each octal or symbolic, for directories (D), files (F) or both.
CLAUSE = r"[DF]?([0-7]{3,4}|[ugoa]*[-+=][rwxXst]*)"
MODE = re.compile(rf"^{CLAUSE}(,{CLAUSE})*$")
OUTSIDE = re.compile(r"^/|(^|.*/)[.][.](/|$)")


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
