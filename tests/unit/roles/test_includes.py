# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""How deep the roles' dynamic includes go: each role reads as a few files, not a chain of them.

Every include_tasks and include_role is followed, the file names a template chooses among included; imports are
static, so their tasks count where they are imported.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROLES = Path(__file__).resolve().parents[3] / "roles"
MAX_DEPTH = 3
INCLUDE_TASKS = ("ansible.builtin.include_tasks", "include_tasks")
IMPORT_TASKS = ("ansible.builtin.import_tasks", "import_tasks")
INCLUDE_ROLE = ("ansible.builtin.include_role", "include_role")
IMPORT_ROLE = ("ansible.builtin.import_role", "import_role")


def tasks_of(items):
    """Every task of a task list, the tasks of its blocks included."""
    for item in items or []:
        yield item
        for section in ("block", "rescue", "always"):
            yield from tasks_of(item.get(section))


def file_names(argument, folder):
    """The task files an include or import names: a plain name, the names a template (or the role variable it names)
    chooses among, or those a template's pattern matches."""
    name = argument["file"] if isinstance(argument, dict) else argument
    variable = re.fullmatch(r"\{\{\s*(\w+)\s*\}\}", name)
    role_vars = folder.parent / "vars" / "main.yml"
    if variable and role_vars.is_file():
        name = yaml.safe_load(role_vars.read_text(encoding="utf-8")).get(variable.group(1), name)
    if "{{" not in name:
        return [folder / name]
    quoted = re.findall(r"'([\w./-]+\.yml)'", name)
    if quoted:
        return [folder / item for item in quoted]
    pattern = re.sub(r"\{\{.*?\}\}", "*", name)
    return sorted(folder.glob(pattern))


def role_file(argument):
    role = argument["name"].split(".")[-1]
    return ROLES / role / "tasks" / f"{argument.get('tasks_from', 'main')}.yml"


def depth(path, seen=()):
    """The deepest chain of dynamic includes below the task file ``path``."""
    assert path.is_file(), f"{path} is included but does not exist"
    assert path not in seen, f"{path} includes itself through {seen}"
    deepest = 0
    for task in tasks_of(yaml.safe_load(path.read_text(encoding="utf-8"))):
        for key in INCLUDE_TASKS:
            if key in task:
                deepest = max(
                    [deepest] + [1 + depth(item, seen + (path,)) for item in file_names(task[key], path.parent)]
                )
        for key in IMPORT_TASKS:
            if key in task:
                deepest = max([deepest] + [depth(item, seen + (path,)) for item in file_names(task[key], path.parent)])
        for key in INCLUDE_ROLE:
            if key in task:
                deepest = max(deepest, 1 + depth(role_file(task[key]), seen + (path,)))
        for key in IMPORT_ROLE:
            if key in task:
                deepest = max(deepest, depth(role_file(task[key]), seen + (path,)))
    return deepest


@pytest.mark.parametrize(
    "role", sorted(path.name for path in ROLES.iterdir() if (path / "tasks" / "main.yml").is_file())
)
def test_a_role_includes_at_most_three_levels_deep(role):
    assert depth(ROLES / role / "tasks" / "main.yml") <= MAX_DEPTH


def test_the_depth_counts_includes_and_not_imports(tmp_path):
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    (tasks / "main.yml").write_text("- ansible.builtin.include_tasks: a.yml\n- ansible.builtin.import_tasks: b.yml\n")
    (tasks / "a.yml").write_text("- block:\n    - ansible.builtin.include_tasks:\n        file: \"{{ 'c.yml' }}\"\n")
    (tasks / "b.yml").write_text("- ansible.builtin.debug: {}\n")
    (tasks / "c.yml").write_text("- ansible.builtin.import_tasks: b.yml\n")
    assert depth(tasks / "main.yml") == 2
