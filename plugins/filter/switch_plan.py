# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.teal.bluegreen.plugins.module_utils import switch_plan as planner


def switch_plan(
    state,
    app,
    operation="switch",
    strategy="alb",
    target_color=None,
    deployment_id=None,
    repair=False,
    steps=(100,),
    verify_url=None,
    verify_status=200,
    verify_body=None,
    verifications=(),
    bake_seconds=0,
    target_groups=None,
    run_id=None,
    artifact_version=None,
    alarms=(),
    metric_checks=None,
    post_switch_bake_seconds=None,
    metric_inconclusive=None,
    load_balancers=None,
    webhooks=(),
    sns_topic_arn=None,
):
    """The switch role's plan from the registered result of state_info; see module_utils/switch_plan.py."""
    if not isinstance(state, dict) or "layers" not in state or "colors" not in state:
        raise AnsibleFilterError("switch_plan expects the registered result of teal.bluegreen.state_info")
    if operation not in planner.OPERATIONS:
        raise AnsibleFilterError(f"switch_plan: operation {operation!r} is neither switch nor rollback")
    return planner.plan_switch(
        state,
        app,
        operation=operation,
        strategy=strategy,
        target_color=target_color or None,
        deployment_id=deployment_id or None,
        repair=boolean(repair or False, strict=False),
        steps=[int(step) for step in steps],
        checks=planner.http_checks(verify_url, verify_status, verify_body, verifications),
        bake_seconds=int(bake_seconds or 0),
        target_groups=target_groups or None,
        run_id=None if run_id is None else str(run_id),
        artifact_version=artifact_version or None,
        gated=dict(
            alarms=[str(name) for name in alarms or ()],
            metric_checks=dict(metric_checks or {}),
            post_switch_bake_seconds=None if post_switch_bake_seconds is None else int(post_switch_bake_seconds),
            inconclusive=metric_inconclusive or None,
            load_balancers=dict(load_balancers or {}),
        ),
        notify=bool(webhooks or sns_topic_arn),
    )


def switch_variable_problems(
    strategy,
    target_color,
    canary_steps,
    metric_checks=None,
    load_balancers=None,
    bake_seconds=0,
    post_switch_bake_seconds=None,
    metric_inconclusive=None,
):
    """What is wrong with the switch role's own variables; see module_utils/switch_plan.py."""
    return planner.variable_problems(
        strategy,
        target_color,
        canary_steps,
        metric_checks=metric_checks,
        load_balancers=load_balancers if isinstance(load_balancers, dict) else None,
        bake_seconds=int(bake_seconds or 0),
        post_switch_bake_seconds=None if post_switch_bake_seconds is None else int(post_switch_bake_seconds),
        inconclusive=metric_inconclusive or None,
    )


def switch_verify_failures(plan, strategy, percent, **given):
    """What a step's verification found wrong; see module_utils/switch_plan.py for what is given."""
    for name in ("state_read", "moved", "planned_state"):
        given[name] = given.get(name) if isinstance(given.get(name), dict) else None
    for name in ("final", "check_mode"):
        given[name] = boolean(given.get(name) or False, strict=False)
    if "min_healthy_targets" in given:
        given["min_healthy_targets"] = int(given["min_healthy_targets"])
    return planner.verification_failures(plan, strategy, int(percent), **given)


def switch_failure_message(
    plan, app, operation, phase, failed_task, failures, moved_back, live_parameter, instances=False
):
    """The message of a switch that failed and moved the traffic back; see module_utils/switch_plan.py."""
    return planner.failure_message(
        plan,
        app,
        operation,
        phase,
        failed_task or "",
        [str(failure) for failure in failures or ()],
        boolean(moved_back or False, strict=False),
        live_parameter,
        boolean(instances or False, strict=False),
    )


def switch_report(plan, app, live_parameter, check_mode=False, instances=None, description=None):
    """The message of a switch whose every step passed; see module_utils/switch_plan.py."""
    return planner.report(
        plan,
        app,
        live_parameter,
        boolean(check_mode or False, strict=False),
        None if instances is None else int(instances),
        description,
    )


def switch_check_failures(responses):
    """What the HTTP checks of a verification found wrong; see module_utils/switch_plan.py."""
    if not isinstance(responses, list) or not all(isinstance(item, dict) for item in responses):
        raise AnsibleFilterError(
            "switch_check_failures expects the results of ansible.builtin.uri looped over the checks"
        )
    return planner.check_failures(responses)


def switch_redeploy_records(plan, record, redeployed, operation):
    """The deployment record of a rollback that deployed the previous release again; see module_utils/switch_plan.py."""
    if not isinstance(redeployed, dict):
        raise AnsibleFilterError("switch_redeploy_records expects the result of teal.bluegreen.codedeploy_deployment")
    return planner.redeploy_records(plan, record or {}, redeployed, operation)


def switch_efs_failures(instances):
    """Strategy efs: what failed on the instances and the controller, from their facts; see module_utils/switch_plan.py."""
    if not isinstance(instances, (list, tuple)) or not all(isinstance(item, Mapping) for item in instances):
        raise AnsibleFilterError("switch_efs_failures expects the play's hosts' variables (map('extract', hostvars))")
    return planner.efs_failures(instances)


def switch_gate_failures(result, inconclusive):
    """What a release gate's verdict fails the step with; see module_utils/switch_plan.py."""
    if not isinstance(result, Mapping):
        raise AnsibleFilterError("switch_gate_failures expects the result of teal.bluegreen.release_gate")
    if inconclusive not in planner.INCONCLUSIVE:
        raise AnsibleFilterError(f"switch_gate_failures: inconclusive {inconclusive!r} is neither pass nor fail")
    return planner.gate_failures(dict(result), inconclusive)


def switch_event(plan, app, step_index=None, verdict=None, reasons=None):
    """What release_notify tells of a phase of the switch; see module_utils/switch_plan.py."""
    if isinstance(reasons, str):
        reasons = [reasons] if reasons else []
    return planner.event(plan, app, step_index=step_index, verdict=verdict or None, reasons=reasons or ())


def switch_records(plan, outcome, reason=None):
    """What the release of the lock records for how the steps ended, with why the traffic went back; see
    module_utils/switch_plan.py."""
    if outcome not in planner.OUTCOMES:
        raise AnsibleFilterError(f"switch_records: outcome {outcome!r} is none of {', '.join(planner.OUTCOMES)}")
    return planner.records_because(plan, outcome, str(reason) if reason else None)


class FilterModule:
    def filters(self):
        return {
            "switch_plan": switch_plan,
            "switch_variable_problems": switch_variable_problems,
            "switch_verify_failures": switch_verify_failures,
            "switch_failure_message": switch_failure_message,
            "switch_report": switch_report,
            "switch_check_failures": switch_check_failures,
            "switch_efs_failures": switch_efs_failures,
            "switch_redeploy_records": switch_redeploy_records,
            "switch_gate_failures": switch_gate_failures,
            "switch_records": switch_records,
            "switch_event": switch_event,
        }
