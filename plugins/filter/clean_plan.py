# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.teal.bluegreen.plugins.module_utils import clean_plan as planner
from ansible_collections.teal.bluegreen.plugins.module_utils.variables import whole_number


def clean_variable_problems(strategy):
    """Why the clean role cannot clean up after the strategy, as a list of one message or none."""
    return planner.variable_problems(strategy)


def clean_plan(
    state, app, strategy="alb", mode="delete", bake_seconds=0, discard_deployment=False, now=None, efs_root=None
):
    """The clean role's plan from the registered result of state_info; see module_utils/clean_plan.py."""
    if not isinstance(state, dict) or "colors" not in state:
        raise AnsibleFilterError("clean_plan expects the registered result of teal.bluegreen.state_info")
    if mode not in planner.MODES:
        raise AnsibleFilterError(f"clean_plan: mode {mode!r} is neither delete nor scale_to_zero")
    seconds = whole_number(bake_seconds)
    if seconds is None or seconds < 0:
        raise AnsibleFilterError(f"clean_plan: bake_seconds {bake_seconds!r} is not a whole number of seconds")
    return planner.plan_clean(
        state,
        app,
        strategy=strategy,
        mode=mode,
        bake_seconds=seconds,
        discard_deployment=boolean(discard_deployment or False, strict=False),
        now=now,
        efs_root=efs_root,
    )


def clean_changed_under_lock(state, plan, app):
    """Why the state read again under the lock stops the clean, as a list of one message or none; see module_utils/clean_plan.py."""
    return planner.changed_under_lock(state, plan, app)


def clean_report(plan, app, strategy="alb", mode="delete", deleted_versions=None):
    """What a clean that removed the old colour's fleet says; see module_utils/clean_plan.py."""
    return planner.report(plan, app, strategy, mode, list(deleted_versions or ()))


class FilterModule:
    def filters(self):
        return {
            "clean_plan": clean_plan,
            "clean_variable_problems": clean_variable_problems,
            "clean_changed_under_lock": clean_changed_under_lock,
            "clean_report": clean_report,
        }
