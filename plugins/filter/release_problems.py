# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.teal.bluegreen.plugins.module_utils.release_settings import release_problems as problems


def release_problems(require_file, owner=None, group=None, mode=None):
    """Every problem with the release role's file settings; see module_utils/release_settings.py."""
    return problems(require_file=require_file, owner=owner, group=group, mode=mode)


class FilterModule:
    def filters(self):
        return {"release_problems": release_problems}
