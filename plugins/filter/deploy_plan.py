# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.teal.bluegreen.plugins.module_utils import deploy_plan as planner
from ansible_collections.teal.bluegreen.plugins.module_utils.variables import whole_number


def deploy_plan(state, app, **options):
    """The deploy role's plan from the registered result of state_info; see module_utils/deploy_plan.py for the
    options."""
    if not isinstance(state, dict) or "colors" not in state:
        raise AnsibleFilterError("deploy_plan expects the registered result of teal.bluegreen.state_info")
    if "min_healthy_targets" in options:
        minimum = whole_number(options["min_healthy_targets"])
        if minimum is None:
            raise AnsibleFilterError(
                f"deploy_plan: min_healthy_targets {options['min_healthy_targets']!r} is not a whole number"
            )
        options["min_healthy_targets"] = minimum
    options["asg_names"] = options.get("asg_names") or {}
    options["revision_uri"] = options.get("revision_uri") or None
    return planner.plan_deploy(state, app, **options)


def deploy_variable_problems(strategy, **variables):
    """What is wrong with the deploy role's own variables; see module_utils/deploy_plan.py for the variables."""
    variables["codedeploy"] = boolean(variables.get("codedeploy") or False, strict=False)
    return planner.variable_problems(strategy, **variables)


def deploy_idle_refusal(plan, app, under_way=None):
    """Strategy codedeploy: why the idle colour's group stops the deploy, as a list of one message or none; see module_utils/deploy_plan.py."""
    return planner.idle_refusal(plan, app, under_way if isinstance(under_way, dict) else None)


def deploy_recorded(deployment, record):
    """Whether the deployment parameter already records ``record`` but for its id."""
    return planner.recorded(deployment if isinstance(deployment, dict) else None, record)


def deploy_previous_release(deployment, plan, revision_uri):
    """Strategy codedeploy: the release the live colour runs; see module_utils/deploy_plan.py."""
    return planner.previous_release(deployment if isinstance(deployment, dict) else None, plan, revision_uri)


def deploy_nothing_to_do(plan, state, app, **options):
    """Why a deploy run again has nothing to do, or an empty string; see module_utils/deploy_plan.py."""
    for name in ("clone", "release"):
        if not isinstance(options.get(name), dict):
            options[name] = None
    options["recorded"] = boolean(options.get("recorded") or False, strict=False)
    return planner.nothing_to_do(plan, state, app, **options)


def deploy_failure_outcome(plan, **options):
    """What a failed deploy left behind; see module_utils/deploy_plan.py."""
    for name in ("removed", "keep_failed", "stopped"):
        options[name] = boolean(options.get(name) or False, strict=False)
    return planner.failure_outcome(plan, **options)


def deploy_verify_failures(plan, state_read, min_healthy_targets, strategy="alb", replacement=None):
    """Why the new fleet read back from AWS fails the deploy, as a list of one message or none; see
    module_utils/deploy_plan.py."""
    if not isinstance(state_read, dict) or "colors" not in state_read:
        raise AnsibleFilterError("deploy_verify_failures expects the registered result of teal.bluegreen.state_info")
    minimum = whole_number(min_healthy_targets)
    if minimum is None:
        raise AnsibleFilterError(
            f"deploy_verify_failures: min_healthy_targets {min_healthy_targets!r} is not a whole number"
        )
    return planner.verification_failures(plan, state_read, minimum, strategy, replacement or None)


def deploy_report(plan, app, strategy="alb", check_mode=False, **found):
    """What a deploy that passed says; see module_utils/deploy_plan.py."""
    for name in ("launch_template", "deployment", "release"):
        if not isinstance(found.get(name), dict):
            found[name] = None
    if found.get("capacity") is not None:
        found["capacity"] = whole_number(found["capacity"])
    return planner.report(plan, app, strategy, boolean(check_mode or False, strict=False), **found)


def deploy_records(record, recorded, deploy_id, idle, artifact_version=None):
    """The deployment parameter's new version for deploy_lock's record option; see module_utils/deploy_plan.py."""
    return planner.records(boolean(recorded or False, strict=False), record, deploy_id, idle, artifact_version or None)


def deploy_failure_message(plan, app, phase, failed_task, failures, strategy="alb", **outcome):
    """What a failed deploy says; see module_utils/deploy_plan.py."""
    for name in ("removed", "keep_failed", "stopped"):
        outcome[name] = boolean(outcome.get(name) or False, strict=False)
    return planner.failure_message(
        plan, app, phase, failed_task or "", [str(item) for item in failures or ()], strategy, **outcome
    )


class FilterModule:
    def filters(self):
        return {
            "deploy_plan": deploy_plan,
            "deploy_variable_problems": deploy_variable_problems,
            "deploy_idle_refusal": deploy_idle_refusal,
            "deploy_recorded": deploy_recorded,
            "deploy_previous_release": deploy_previous_release,
            "deploy_nothing_to_do": deploy_nothing_to_do,
            "deploy_failure_outcome": deploy_failure_outcome,
            "deploy_verify_failures": deploy_verify_failures,
            "deploy_report": deploy_report,
            "deploy_records": deploy_records,
            "deploy_failure_message": deploy_failure_message,
        }
