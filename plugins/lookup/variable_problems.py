# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: variable_problems
version_added: 0.1.0
short_description: What is wrong with the play's teal.bluegreen variables
description:
  - Looks at every variable of the play whose name starts with C(bluegreen_) and returns a message for each problem,
    without calling AWS; the roles and playbooks of the collection stop on them before anything is read or written.
  - A name the collection does not know (a misspelling, or C(colour) for C(color)) is named with the nearest variable
    the roles document. Variables of your own that start with C(bluegreen_) go in C(bluegreen_extra_variables).
  - A missing C(bluegreen_app) is named as required.
  - Every whole-number variable of the roles must be a whole number within its bounds, for example
    C(bluegreen_min_healthy_targets) from 1, seconds from 0, ports from 1 to 65535.
  - C(bluegreen_image_id), C(bluegreen_instance_type), C(bluegreen_launch_template_version) and C(bluegreen_user_data)
    may be unset (null), which keeps the live colour's, but not empty text (what an unset shell or CI variable gives),
    which would keep it without a word.
author:
  - Teal Ops (@teal-ops)
options:
  _terms:
    description: Not used.
    required: false
"""

EXAMPLES = r"""
- name: Stop on the first problem with the variables
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems[:1] | join }}; nothing changed"
  vars:
    problems: "{{ query('teal.bluegreen.variable_problems') }}"
"""

RETURN = r"""
_raw:
  description: One message for each problem, unknown names first; empty when there is none.
  type: list
  elements: str
"""

import functools
from pathlib import Path

import yaml

from ansible.plugins.lookup import LookupBase

from ansible_collections.teal.bluegreen.plugins.module_utils import variables as checks

COLLECTION = Path(__file__).resolve().parents[2]


@functools.lru_cache(maxsize=None)
def vocabulary():
    """(known, documented): every bluegreen_ name the collection's roles and playbooks use, and those the roles
    document in meta/argument_specs.yml."""
    known, documented = set(), set()
    for folder in ("roles", "playbooks"):
        for path in sorted((COLLECTION / folder).rglob("*")):
            if path.suffix in (".yml", ".yaml", ".j2") and path.is_file():
                known |= checks.names_in(path.read_text(encoding="utf-8"))
    for spec in sorted(COLLECTION.glob("roles/*/meta/argument_specs.yml")):
        for entry in (yaml.safe_load(spec.read_text(encoding="utf-8")) or {}).get("argument_specs", {}).values():
            documented |= set((entry or {}).get("options") or {})
    return frozenset(known | documented), frozenset(documented)


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        variables = variables or {}
        known, documented = vocabulary()
        names = [name for name in variables if name.startswith(checks.PREFIX)]
        wanted = set(checks.BOUNDS) | set(checks.REQUIRED) | set(checks.NOT_EMPTY) | {checks.EXTRA}
        values = {name: None for name in names}
        for name in names:
            if name in wanted:
                values[name] = self._templar.template(variables[name])
        for name in checks.REQUIRED:
            values.setdefault(name, None)
        return checks.problems(values, known, documented)
