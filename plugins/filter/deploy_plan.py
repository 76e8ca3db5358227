# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import inspect

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.teal.bluegreen.plugins.module_utils import deploy_plan as planner
from ansible_collections.teal.bluegreen.plugins.module_utils.variables import whole_number

# What the deploy role's tasks registered, as its bluegreen_deploy_found passes them: unset steps are none.
FOUND = ("clone", "deployment", "release")


def _settings(settings, function, name):
    """The role's variables (the mapping bluegreen_deploy_settings, without the ``bluegreen_`` prefix) that
    ``function`` takes; the mapping holds those of both deploy_plan and deploy_variable_problems."""
    if not isinstance(settings, dict):
        raise AnsibleFilterError(f"{name} expects the deploy role's variables as a mapping, got {settings!r}")
    taken = inspect.signature(function).parameters
    return {key: value for key, value in settings.items() if key in taken and key != "state"}


def _found(found):
    found = found if isinstance(found, dict) else {}
    return {name: found.get(name) if isinstance(found.get(name), dict) else None for name in FOUND}


def _flags(values, *names):
    for name in names:
        if name in values:
            values[name] = boolean(values[name] or False, strict=False)
    return values


def deploy_plan(state, settings):
    """The deploy role's plan from the registered result of state_info and the role's variables; see
    module_utils/deploy_plan.py for the variables."""
    if not isinstance(state, dict) or "colors" not in state:
        raise AnsibleFilterError("deploy_plan expects the registered result of teal.bluegreen.state_info")
    options = _flags(_settings(settings, planner.plan_deploy, "deploy_plan"), "codedeploy", "keep_failed")
    if not options.get("app"):
        raise AnsibleFilterError("deploy_plan needs the application, app, among the variables")
    if "min_healthy_targets" in options:
        minimum = whole_number(options["min_healthy_targets"])
        if minimum is None:
            raise AnsibleFilterError(
                f"deploy_plan: min_healthy_targets {options['min_healthy_targets']!r} is not a whole number"
            )
        options["min_healthy_targets"] = minimum
    options["asg_names"] = options.get("asg_names") or {}
    return planner.plan_deploy(state, **options)


def deploy_variable_problems(settings):
    """What is wrong with the deploy role's own variables; see module_utils/deploy_plan.py for the variables."""
    options = _flags(_settings(settings, planner.variable_problems, "deploy_variable_problems"), "codedeploy")
    return planner.variable_problems(**options)


def deploy_idle_refusal(plan, under_way=None):
    """Strategy codedeploy: why the idle colour's group stops the deploy, as a list of one message or none; see
    module_utils/deploy_plan.py."""
    return planner.idle_refusal(plan, under_way if isinstance(under_way, dict) else None)


def deploy_nothing_to_do(plan, state, found=None):
    """Why a deploy run again has nothing to do, or an empty string; see module_utils/deploy_plan.py."""
    found = _found(found)
    return planner.nothing_to_do(plan, state, clone=found["clone"], release=found["release"])


def deploy_failure_outcome(plan, removed=False, stopped=False):
    """What a failed deploy left behind; see module_utils/deploy_plan.py."""
    return planner.failure_outcome(plan, **_flags({"removed": removed, "stopped": stopped}, "removed", "stopped"))


def deploy_verify_failures(plan, state_read, found=None):
    """Why the new fleet read back from AWS fails the deploy, as a list of one message or none; see
    module_utils/deploy_plan.py."""
    if not isinstance(state_read, dict) or "colors" not in state_read:
        raise AnsibleFilterError("deploy_verify_failures expects the registered result of teal.bluegreen.state_info")
    return planner.verification_failures(plan, state_read, _found(found)["deployment"])


def deploy_report(plan, check_mode=False, found=None):
    """What a deploy that passed says; see module_utils/deploy_plan.py."""
    return planner.report(plan, boolean(check_mode or False, strict=False), **_found(found))


def deploy_records(plan, last, deploy_id, found=None):
    """The deployment parameter's new version for deploy_lock's record option; see module_utils/deploy_plan.py."""
    return planner.records(plan, last if isinstance(last, dict) else None, deploy_id, **_found(found))


def deploy_failure_message(plan, phase, failed_task, failures, removed=False, stopped=False):
    """What a failed deploy says; see module_utils/deploy_plan.py."""
    outcome = _flags({"removed": removed, "stopped": stopped}, "removed", "stopped")
    return planner.failure_message(plan, phase, failed_task or "", [str(item) for item in failures or ()], **outcome)


def deploy_revision_files(hooks_dir, content=None, content_destination=None):
    """The appspec's files of a CodeDeploy revision; see module_utils/deploy_plan.py."""
    return planner.revision_files(hooks_dir, content, content_destination)


class FilterModule:
    def filters(self):
        return {
            "deploy_plan": deploy_plan,
            "deploy_variable_problems": deploy_variable_problems,
            "deploy_idle_refusal": deploy_idle_refusal,
            "deploy_nothing_to_do": deploy_nothing_to_do,
            "deploy_failure_outcome": deploy_failure_outcome,
            "deploy_verify_failures": deploy_verify_failures,
            "deploy_report": deploy_report,
            "deploy_records": deploy_records,
            "deploy_failure_message": deploy_failure_message,
            "deploy_revision_files": deploy_revision_files,
        }
