# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.teal.bluegreen.plugins.module_utils import vocabulary


def failure_messages(failed_result, terms=None):
    """A failed task's messages in the role's words; see module_utils/vocabulary.py."""
    return vocabulary.failure_messages(failed_result, terms if isinstance(terms, dict) else None)


class FilterModule:
    def filters(self):
        return {"failure_messages": failure_messages}
