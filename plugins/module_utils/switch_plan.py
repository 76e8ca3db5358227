# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The switch role's plan: where production traffic goes, in which steps, and the reasons not to start.

Pure functions of the state M(teal.bluegreen.state_info) read and of the role's variables; the switch role calls
them through the ``switch_plan`` filter, so that nothing here costs a task.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from ansible_collections.teal.bluegreen.plugins.module_utils.gate import threshold_problems
from ansible_collections.teal.bluegreen.plugins.module_utils.variables import whole_number
from ansible_collections.teal.bluegreen.plugins.module_utils.vocabulary import in_role_terms

COLORS = ("blue", "green")
OPERATIONS = ("switch", "rollback")
# The strategies whose target colour must have a fleet of its own: an Auto Scaling group with capacity. With efs the
# instances are the play's hosts, and with codedeploy CodeDeploy's deployment decides (see codedeploy_move).
FLEET_STRATEGIES = ("alb", "route53")


def other_color(color):
    return next((item for item in COLORS if item != color), None) if color in COLORS else None


def traffic_layer(strategy):
    """The state_info layer that carries the traffic, and so the shares of each step."""
    return strategy if strategy in ("route53", "efs", "codedeploy") else "alb"


def same_run_color(ssm, operation, deployment_id):
    """The colour a run with this deployment id already moved to, from the newest entry of the live parameter's
    history, so that a re-run goes where the first run went."""
    if not deployment_id:
        return None
    pattern = re.compile(f"^{re.escape(operation)} {re.escape(str(deployment_id))}:")
    newest = (ssm.get("history") or [])[:1]
    return next((entry.get("value") for entry in newest if pattern.search(entry.get("description") or "")), None)


def _moment(value):
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _written_by(lock, entry, operation):
    """Whether the live parameter's history ``entry`` was written by the run of ``operation`` that took ``lock``."""
    taken, written = _moment(lock.get("since")), _moment(entry.get("last_modified"))
    if taken is None or written is None or written < taken:
        return False
    return (entry.get("description") or "").startswith(f"{operation} ")


def interrupted_run_color(state, operation):
    """The colour a run of the same operation had already recorded as live when it died holding the lock.

    The lock is held (its holder is taken over with bluegreen_force_unlock, or is this run's owner) by a run of
    ``operation``, and the newest version of the live parameter was written by a run of ``operation`` after that lock
    was taken (both dated by SSM): that run moved the traffic and recorded it, and died before it released the lock.
    Running the operation again finishes it, rather than starting another: a rollback run again would otherwise roll
    the rollback back.
    """
    lock = state.get("lock") or {}
    if not lock.get("valid") or lock.get("operation") != operation:
        return None
    newest = (state.get("layers", {}).get("ssm", {}).get("history") or [])[:1]
    if not newest or not _written_by(lock, newest[0], operation):
        return None
    return newest[0].get("value") if newest[0].get("value") in COLORS else None


def undone_switch_color(state, operation):
    """The colour a rollback goes back to when a switch died holding the lock before it recorded anything: the one the
    live parameter still names, which was live before that switch began. (Once the switch has recorded its colour,
    the colour live before it is the previous one of the history, as after any switch.)"""
    lock = state.get("lock") or {}
    if operation != "rollback" or not lock.get("valid") or lock.get("operation") != "switch":
        return None
    ssm = state.get("layers", {}).get("ssm", {})
    newest = (ssm.get("history") or [])[:1]
    if newest and _written_by(lock, newest[0], "switch"):
        return None
    return ssm.get("live_color") if ssm.get("live_color") in COLORS else None


def rolled_back_color(ssm):
    """The colour the last rollback restored, when the newest version of the live parameter is a rollback's: a rollback
    then stays there (nothing to do) rather than rolling the rollback back onto the release it left. Going forward
    again is a switch, which goes to the colour the deploy role last deployed to."""
    newest = (ssm.get("history") or [])[:1]
    if newest and (newest[0].get("description") or "").startswith("rollback ") and newest[0].get("value") in COLORS:
        return newest[0]["value"]
    return None


def from_color(state, target_color):
    """The colour production traffic moves away from. The traffic layer is the ground truth; without a colour there
    (an even split), the live parameter still names the colour that was live before the interrupted switch."""
    ssm = state.get("layers", {}).get("ssm", {})
    return state.get("live_color") or ssm.get("live_color") or other_color(target_color)


def to_color(state, operation, target_color=None, deployment_id=None, repair=False):
    """The colour that takes the traffic.

    A given target colour wins. A repair without one keeps production on the colour the traffic layer sends all of
    it to, and only moves the other layers there. A re-run with the same deployment id goes where the first run went,
    and so does a run of the operation that died holding the lock once it had recorded the live colour
    (interrupted_run_color); a rollback after a switch that died before it recorded anything goes back to the colour
    the live parameter names (undone_switch_color). A switch goes to the colour the deploy role last deployed to, so
    that a finished switch run again finds nothing to do instead of toggling back; a rollback goes to the colour that
    was live before, and right after a rollback stays where it is (rolled_back_color). Without a deployment record,
    a switch goes to the idle colour, and without a history, a rollback too.
    """
    ssm = state.get("layers", {}).get("ssm", {})
    if target_color:
        return target_color
    if repair and state.get("live_color") in COLORS:
        return state["live_color"]
    repeated = (
        same_run_color(ssm, operation, deployment_id)
        or interrupted_run_color(state, operation)
        or undone_switch_color(state, operation)
    )
    if repeated:
        return repeated
    deployed = state.get("deployment") or {}
    if operation == "switch" and deployed.get("valid"):
        return deployed.get("color")
    if operation == "rollback" and "history" in ssm:
        return rolled_back_color(ssm) or ssm.get("previous_color")
    return other_color(from_color(state, target_color))


def http_checks(verify_url=None, verify_status=200, verify_body=None, verifications=()):
    """The HTTP checks after each step: the one of bluegreen_verify_url, then the others."""
    first = [{"url": verify_url, "status": verify_status, "body": verify_body}] if verify_url else []
    return first + list(verifications or [])


def codedeploy_move(state, to, source=None):
    """Strategy codedeploy: the recorded deployment and which way CodeDeploy moves the traffic.

    Forward, to the copy that deployment made, CodeDeploy reroutes it; back, to the original instances while they
    wait for their termination, CodeDeploy rolls the deployment back; back once the clean has ended them, the release
    they ran is deployed again and then rerouted to (``redeploy``, from the revision recorded as the previous one, on a
    copy of ``source``'s group, the live colour's).
    """
    record = state.get("deployment") or {}
    originals = (state.get("colors", {}).get(to) or {}).get("auto_scaling_group")
    redeploy = bool(to != record.get("color") and not originals and record.get("codedeploy_previous_revision"))
    return {
        "deployment_id": record.get("codedeploy_deployment_id"),
        "forward": to == record.get("color"),
        "originals": originals,
        "redeploy": redeploy,
        "revision": revision_location(record["codedeploy_previous_revision"]) if redeploy else None,
        "source": (state.get("colors", {}).get(source) or {}).get("auto_scaling_group"),
    }


def revision_location(uri):
    """The bucket, key and bundle type of a revision recorded as ``s3://bucket/key.ext``."""
    bucket, key = uri[len("s3://") :].split("/", 1)
    return {"bucket": bucket, "key": key, "bundle_type": key.rsplit(".", 1)[-1]}


def redeploy_records(plan, record, redeployed, operation):
    """The deployment record of a rollback that had CodeDeploy deploy the previous release again (``redeployed``, the
    result of codedeploy_deployment): the new deployment becomes the one of ``plan["to"]``, and the release it
    replaced (``record``, the deployment read) the previous one. In the form deploy_lock's record option takes."""
    version = record.get("previous_artifact_version")
    run_id = plan["run_id"]
    value = {
        "id": run_id,
        "color": plan["to"],
        "auto_scaling_group": redeployed.get("replacement_auto_scaling_group"),
        "source": plan["codedeploy"].get("source"),
        "artifact_version": version,
        "codedeploy_revision": record.get("codedeploy_previous_revision"),
        "codedeploy_deployment_id": redeployed.get("deployment_id"),
        "previous_artifact_version": record.get("artifact_version"),
        "codedeploy_previous_revision": record.get("codedeploy_revision"),
    }
    description = f"{operation} {run_id}: {plan['to']}{f' (artifact {version})' if version else ''}"
    return [{"name": "deployment", "value": json.dumps(value, sort_keys=True), "description": description}]


# How a switch's steps ended: still under way (or failed, and the way back failed too), every step passed, or the
# traffic went back to the previous colour.
OUTCOMES = ("moving", "moved", "reverted")


def records(plan, outcome, operation, run_id, artifact_version=None):
    """What the run records as it releases the lock, in the form deploy_lock's record option takes: the new live
    colour when every step passed (``outcome`` moved), the previous one when the traffic went back to it (reverted),
    and nothing when the way back failed too, since where the traffic stands is then not known."""
    if outcome == "moved":
        version = f" (artifact {artifact_version})" if artifact_version else ""
        return [{"name": "live", "value": plan["to"], "description": f"{operation} {run_id}: {plan['to']}{version}"}]
    if outcome == "reverted":
        description = f"{operation} {run_id} failed: back to {plan['from']}"
        return [{"name": "live", "value": plan["from"], "description": description}]
    return []


# The longest description an SSM parameter takes (PutParameter's Description).
DESCRIPTION_LIMIT = 1024


def records_because(plan, outcome, reason=None):
    """The plan's ``records`` for ``outcome``, the description of the live colour's record saying why the traffic went
    back (``reason``: the gate, the value and the threshold, or the check that failed), so that the live parameter's
    history keeps it."""
    found = [dict(record) for record in plan["records"][outcome]]
    if reason and outcome == "reverted":
        for record in found:
            record["description"] = f"{record['description']}: {reason}"[:DESCRIPTION_LIMIT]
            # The live parameter already names the previous colour unless the run had recorded the new one: written
            # anyway, so that its history keeps why the traffic went back.
            record["always"] = True
    return found


def event(plan, app, step_index=None, verdict=None, reasons=()):
    """What teal.bluegreen.release_notify tells the webhooks and SNS of a phase of the switch (its ``event`` option):
    the colours, the run's id, and for a step (``step_index``, counted from 0 as the role's loop counts) its share and
    number counted from 1, with the gates' ``verdict`` and ``reasons``."""
    found = {
        "app": app,
        "from_color": plan["from"],
        "to_color": plan["to"],
        "steps": len(plan["steps"]),
        "deployment_id": plan.get("run_id"),
        "reasons": [str(reason) for reason in reasons or ()],
    }
    if step_index is not None:
        found.update(step=plan["steps"][int(step_index)], step_index=int(step_index) + 1)
    if verdict:
        found["verdict"] = verdict
    return found


def gate_failures(result, inconclusive):
    """What a release gate's verdict (teal.bluegreen.release_gate's result) fails the step with: its reasons when the
    verdict is fail, or inconclusive and ``inconclusive`` is fail; nothing otherwise."""
    verdict = (result or {}).get("verdict")
    if verdict == "pass" or (verdict == "inconclusive" and inconclusive == "pass"):
        return []
    reasons = list((result or {}).get("reasons") or []) or [f"the release gate's verdict is {verdict}"]
    if verdict == "inconclusive":
        return [f"inconclusive, which bluegreen_metric_inconclusive makes a failure: {'; '.join(reasons)}"]
    return reasons


def alarm_refusals(state, plan):
    """The release gates' alarms (bluegreen_alarms) that refuse the switch before anything moves, from the state read
    (state_info's ``alarms``): one in ALARM, since the release would be judged by an alarm that already fires, and a
    name no alarm has."""
    states = {entry["name"]: entry for entry in state.get("alarms") or []}
    found = []
    for name in plan["gates"]["alarms"]:
        entry = states.get(name) or {}
        if entry.get("state") == "ALARM":
            found.append(
                f"alarm {name} is in ALARM ({entry.get('reason') or 'no reason given'}), before anything moved; "
                f"nothing changed. Switch once it is back to OK, or leave it out of bluegreen_alarms"
            )
        elif not entry.get("state"):
            found.append(
                f"alarm {name} of bluegreen_alarms does not exist (no metric or composite alarm has that name in this "
                "account and region); nothing changed. Correct the name in bluegreen_alarms"
            )
    return found


def refusals(state, plan, app, strategy):
    """The reasons not to start, most fundamental first; empty when the switch may go ahead."""
    found = []
    parameters = state.get("parameters") or {}
    if plan["from"] not in COLORS:
        found.append(
            f"cannot tell which colour of {app} is live ({'; '.join(state.get('reasons') or [])}); nothing changed. "
            "Set bluegreen_target_color (and bluegreen_repair=true) to say where the traffic goes"
        )
        return found
    if plan["to"] not in COLORS:
        found.append(
            f"{parameters.get('live')} has never named a colour other than {plan['from']}, so there is nothing to "
            "roll back to; nothing changed"
        )
        return found
    if plan["done"]:
        return found
    found.extend(alarm_refusals(state, plan))
    if strategy in FLEET_STRATEGIES:
        fleet = state.get("colors", {}).get(plan["to"]) or {}
        if not fleet.get("auto_scaling_group"):
            found.append(
                f"{plan['to']} has no Auto Scaling group of {app} (none is tagged bluegreen:app={app}, "
                f"bluegreen:color={plan['to']}), so no fleet would take the traffic; nothing changed. Deploy to "
                f"{plan['to']} with the teal.bluegreen.deploy playbook first"
            )
        elif fleet.get("deleting"):
            found.append(
                f"{plan['to']}'s Auto Scaling group {fleet['auto_scaling_group']} is being deleted (its instances "
                "drain and terminate), so no fleet would take the traffic; nothing changed. Once it is gone, deploy to "
                f"{plan['to']} with the teal.bluegreen.deploy playbook"
            )
        elif not fleet.get("desired_capacity"):
            found.append(
                f"{plan['to']}'s Auto Scaling group {fleet['auto_scaling_group']} has a desired capacity of 0, so no "
                f"fleet would take the traffic; nothing changed. Deploy to {plan['to']} with the teal.bluegreen.deploy "
                "playbook first"
            )
    if (
        strategy == "route53"
        and not found
        and not (state.get("colors", {}).get(plan["to"]) or {}).get("target_group_arn")
    ):
        found.append(
            f"{plan['to']} has no target group of {app} (none is tagged bluegreen:app={app}, bluegreen:color="
            f"{plan['to']}), so the health of the targets behind its load balancer cannot be checked before the live "
            f"names move; nothing changed. Tag the target group behind {plan['to']}'s load balancer so, or name it in "
            "bluegreen_target_groups"
        )
    if strategy == "codedeploy":
        move = plan["codedeploy"]
        if not move["deployment_id"]:
            found.append(
                f"{parameters.get('deployment')} records no CodeDeploy deployment, so CodeDeploy has nothing to move "
                "the traffic with; deploy with the teal.bluegreen.deploy playbook first; nothing changed"
            )
        elif not (move["forward"] or move["originals"] or move["redeploy"]):
            found.append(
                f"the original instances of CodeDeploy deployment {move['deployment_id']} ({plan['to']}) are gone: the "
                f"clean ended their wait, so the traffic cannot go back to them, and {parameters.get('deployment')} "
                f"does not say which revision they ran. Deploy the release {plan['to']} ran again with the "
                "teal.bluegreen.deploy playbook (bluegreen_artifact_version), then switch to it; nothing changed"
            )
    return found


def plan_switch(
    state,
    app,
    operation="switch",
    strategy="alb",
    target_color=None,
    deployment_id=None,
    repair=False,
    steps=(100,),
    checks=(),
    bake_seconds=0,
    target_groups=None,
    run_id=None,
    artifact_version=None,
    gated=None,
    notify=False,
):
    """The whole plan of a switch or rollback, from the state read and the role's variables.

    ``steps`` are the canary percentages, already checked; ``checks`` the HTTP checks after each step; ``bake_seconds``
    how long each step lets the new colour serve before it is verified. Returns ``from``, ``to``, ``start`` (the share
    ``to`` already takes), ``steps`` (those still to run), ``expected`` (the colour each step expects live, see
    expected_live), ``done`` (nothing to do), ``checks``, ``verify_from_swap`` and ``verified_by_move`` (see
    verification_source), ``weights`` (see step_weights), ``target_groups`` (see swap_target_groups), ``run_id``,
    ``records`` (what the release of the lock records for each outcome, see records), ``codedeploy`` (see
    codedeploy_move), ``gates`` (see gates; ``gated`` holds its keyword arguments), ``notify`` (whether webhooks or
    an SNS topic hear of the phases) and ``refusals``.
    """
    ssm = state.get("layers", {}).get("ssm", {})
    source = from_color(state, target_color)
    to = to_color(state, operation, target_color, deployment_id, repair)
    layer = state.get("layers", {}).get(traffic_layer(strategy)) or {}
    start = int((layer.get("weights") or {}).get(to) or 0)
    # Steps the traffic has already passed (resuming an interrupted canary) are skipped; the step it stands at runs
    # again with strategies alb and route53, moving nothing, so that a run killed during its bake bakes it again. With
    # strategy alb the last one always runs: a switch killed right after moving the production listener has left the
    # test listener and the IsProduction tags behind, which alb_swap then puts in place, moving nothing else.
    current = [step for step in steps if step == start] if start and strategy in FLEET_STRATEGIES else []
    remaining = current + [step for step in steps if step > start] or ([100] if strategy == "alb" else [])
    # A test listener that still forwards to the colour taking the traffic is a part of the move left undone.
    test_listener = (layer.get("test_listener") or {}).get("weights") or {} if strategy == "alb" else {}
    plan = {
        "from": source,
        "to": to,
        "start": start,
        "steps": remaining,
        "done": start == 100 and ssm.get("live_color") == to and not test_listener.get(to),
        "checks": list(checks),
    }
    plan["expected"] = expected_live(source, to, start, remaining)
    plan["weights"] = step_weights(source, to, remaining)
    plan["gates"] = gates(state, plan, strategy, bake_seconds=bake_seconds, **(gated or {}))
    plan["notify"] = bool(notify)
    plan.update(verification_source(strategy, plan["gates"]["steps"], plan["checks"], plan["notify"]))
    plan["codedeploy"] = codedeploy_move(state, to, source)
    plan["target_groups"] = swap_target_groups(state, target_groups)
    plan["run_id"] = run_id
    plan["records"] = {outcome: records(plan, outcome, operation, run_id, artifact_version) for outcome in OUTCOMES}
    plan["refusals"] = refusals(state, plan, app, strategy)
    return plan


# What an inconclusive metric verdict (too few requests to judge) means: go on, or fail the step and move back.
INCONCLUSIVE = ("pass", "fail")
# The metric checks that compare the new colour with the previous one; after the last step the previous colour serves
# nothing left to compare with, so only the others judge the bake after it.
RATIO_CHECKS = ("max_error_rate_ratio", "max_latency_p99_ratio")
# The strategies whose steps the load balancer's metrics can judge, per target group (alb) or per load balancer.
METRIC_STRATEGIES = ("alb", "route53")


def gates(
    state,
    plan,
    strategy,
    alarms=(),
    metric_checks=None,
    bake_seconds=0,
    post_switch_bake_seconds=None,
    inconclusive=None,
    load_balancers=None,
):
    """The release gates of the switch: what teal.bluegreen.release_gate watches before anything moves and during the
    bake after each step.

    Returns ``alarms`` (the CloudWatch alarm names), ``pre_switch`` (whether alarms are checked before the lock is
    taken, so that an alarm already firing refuses the switch with nothing changed), ``subject`` (the new colour and
    the baseline, the previous colour, as release_gate's options: their target groups and the load balancer with
    strategy alb, their load balancers with strategy route53) and ``steps``, one per step of the plan: ``bake_seconds``
    (``bake_seconds`` for the canary steps, ``post_switch_bake_seconds`` after the last one, which defaults to the
    canary's), ``metric_checks`` (without the ratios after the last step, see RATIO_CHECKS), ``inconclusive``
    (``inconclusive`` when given, else pass for the canary steps, whose next step brings more requests, and fail
    after the last one) and ``watch`` (whether release_gate runs after the step at all).
    """
    alarms = list(alarms or [])
    checks = dict(metric_checks or {}) if strategy in METRIC_STRATEGIES else {}
    post = bake_seconds if post_switch_bake_seconds is None else post_switch_bake_seconds
    source, to = plan["from"], plan["to"]
    subject = {}
    if strategy == "alb":
        colors = state.get("colors") or {}
        subject = {
            "load_balancer": ((state.get("layers") or {}).get("alb") or {}).get("load_balancer_arn"),
            "target_group": (colors.get(to) or {}).get("target_group_arn"),
            "baseline_target_group": (colors.get(source) or {}).get("target_group_arn"),
        }
    elif strategy == "route53" and load_balancers:
        subject = {"load_balancer": load_balancers.get(to), "baseline_load_balancer": load_balancers.get(source)}
    steps = []
    for index in range(len(plan["steps"])):
        last = index == len(plan["steps"]) - 1
        step_checks = {key: value for key, value in checks.items() if not (last and key in RATIO_CHECKS)}
        steps.append(
            {
                "bake_seconds": int(post if last else bake_seconds or 0),
                "metric_checks": step_checks or None,
                "subject": subject if step_checks else {},
                "inconclusive": inconclusive or ("fail" if last else "pass"),
                "watch": bool(alarms or step_checks),
            }
        )
    return {"alarms": alarms, "pre_switch": bool(alarms) and not plan["done"], "subject": subject, "steps": steps}


def verification_source(strategy, steps, checks, notify=False):
    """Where a step's verification finds its evidence. Strategy alb when no step bakes: in alb_swap's own answer (the
    health it read right before moving the listener, and the listener as ModifyListener returned it), which a read a
    moment later would only repeat (``verify_from_swap``). Without HTTP checks, release gates or webhooks to tell of the
    step (``notify``) either, that answer is the whole verification of a step that moved the listener
    (``verified_by_move``). ``steps`` are the gates' steps."""
    from_swap = strategy == "alb" and not any(step["bake_seconds"] for step in steps)
    watched = any(step["watch"] for step in steps)
    return {"verify_from_swap": from_swap, "verified_by_move": from_swap and not checks and not watched and not notify}


def swap_target_groups(state, given=None):
    """Strategy alb: the colours' target groups alb_swap moves the traffic between, ``given`` (bluegreen_target_groups)
    or else those the state found by their tags, by ARN, so that alb_swap does not search for them again; None when
    the state did not find both, for alb_swap to search and say what is missing."""
    if given:
        return dict(given)
    found = {color: (state.get("colors", {}).get(color) or {}).get("target_group_arn") for color in COLORS}
    return found if all(found.values()) else None


def efs_failures(instances):
    """Strategy efs: what failed, from every instance's facts: on each instance that did not finish its switch (its
    bluegreen_switch_efs_error, or that it did not answer), then on the controller."""
    failed = [
        instance.get("bluegreen_switch_efs_error") or "an instance that did not answer"
        for instance in instances
        if not instance.get("bluegreen_switch_efs_done")
    ]
    return failed + [error for error in (i.get("bluegreen_switch_efs_controller_error") for i in instances) if error]


def step_weights(source, to, steps):
    """Strategy route53: the weights of the live names at each step, or None for a step that moves all the traffic."""
    return [{to: step, source: 100 - step} if step < 100 else None for step in steps]


def expected_live(source, to, start, steps):
    """The colour each step expects to find live, for its compare-and-swap: the one that holds at least half of the
    traffic before it, so that a change by anybody else between two steps stops the switch instead of being
    overwritten. In check mode no step has moved anything, so every step expects what the first one does."""
    before = [start] + list(steps[:-1])
    return [to if share > 50 else source for share in before]


def failure_message(plan, app, operation, phase, failed_task, failures, moved_back, live_parameter, instances=False):
    """What a switch or rollback that failed and moved the traffic back says: where it failed, what failed, and
    where production traffic and the live parameter stand. With ``instances`` (strategy efs), ``failures`` are what
    failed on each instance or on the controller, and every instance serves the previous colour again."""
    if instances:
        return (
            f"{operation} of {app} to {plan['to']} failed on {'; '.join(failures)}. Every instance serves "
            f"{plan['from']} again and {live_parameter} says {plan['from']}"
        )
    return (
        f"{operation} of {app} to {plan['to']} failed at {phase}, in '{failed_task or '?'}': {'; '.join(failures)}. "
        f"Production traffic is {'back' if moved_back else 'still'} on {plan['from']} (100%) and {live_parameter} "
        f"says {plan['from']}"
    )


def report(plan, app, live_parameter, check_mode, instances=None, description=None):
    """What a switch or rollback whose every step passed says. With ``instances`` (strategy efs, how many moved),
    what each instance serves and the live parameter's new ``description``."""
    would = check_mode
    if instances is not None:
        return (
            f"{app}: {instances} instance(s) {'would move' if would else 'moved'} from {plan['from']} to {plan['to']}, "
            f"each serving its release; {live_parameter}{' would say' if would else ':'} \"{description}\""
            f"{'. Check mode: nothing changed' if would else ''}"
        )
    if plan["from"] == plan["to"]:
        # A repair without a target colour keeps the traffic where it is and brings the other layers to it.
        what = f"every layer {'would be' if would else 'is'} back on {plan['to']}"
    else:
        what = f"production traffic {'would move' if would else 'moved'} from {plan['from']} to {plan['to']}"
    steps = ", ".join(f"{step}%" for step in plan["steps"])
    return (
        f"{app}: {what} in steps of {steps}, {'each step to be verified' if would else 'each step verified'}; "
        f"{live_parameter} {'would say' if would else 'says'} {plan['to']}"
        f"{'. Check mode: nothing changed' if would else ''}"
    )


STRATEGIES = ("alb", "route53", "efs", "codedeploy")


def steps_valid(steps):
    numbers = [whole_number(step) for step in steps] if isinstance(steps, (list, tuple)) else [None]
    return (
        len(numbers) > 0
        and None not in numbers
        and min(numbers) >= 1
        and numbers[-1] == 100
        and numbers == sorted(set(numbers))
    )


def gate_problems(
    strategy,
    metric_checks=None,
    load_balancers=None,
    bake_seconds=0,
    post_switch_bake_seconds=None,
    steps=(),
    inconclusive=None,
):
    """What is wrong with the release gates' variables, before anything moves: the thresholds (as release_gate checks
    them), metric checks for a strategy without a load balancer's metrics or without a bake to judge, and strategy
    route53 without the load balancers to compare, and what an inconclusive verdict means."""
    if inconclusive not in (None, "") + INCONCLUSIVE:
        return [
            f"bluegreen_metric_inconclusive '{inconclusive}' is neither pass nor fail (nor null: pass for the canary "
            "steps, fail after the last one)"
        ]
    if not metric_checks:
        return []
    if strategy not in METRIC_STRATEGIES:
        return [
            f"bluegreen_metric_checks: strategy {strategy} has no load balancer's metrics of each colour to compare; "
            "leave bluegreen_metric_checks out and gate on bluegreen_alarms"
        ]
    found = [
        in_role_terms(problem, {"metric_checks": "bluegreen_metric_checks"})
        for problem in threshold_problems(metric_checks)
    ]
    # The canary steps' bake, and the last step's (which is the canary's unless bluegreen_post_switch_bake_seconds).
    bakes = {"bluegreen_post_switch_bake_seconds": post_switch_bake_seconds}
    if len(steps) > 1 or post_switch_bake_seconds is None:
        bakes["bluegreen_canary_bake_seconds"] = bake_seconds
    for name, value in sorted(bakes.items()):
        if value is not None and int(value) <= 0:
            found.append(
                f"{name} {value}: bluegreen_metric_checks judge the requests of the bake after each step; set {name} "
                "above 0 (a few minutes, as long as the metrics' window, lets each step serve enough requests)"
            )
    if strategy == "route53" and not all((load_balancers or {}).get(color) for color in COLORS):
        found.append(
            "bluegreen_metric_checks with strategy route53 compare the colours' load balancers; name them in "
            "bluegreen_load_balancers ({blue: <name or ARN>, green: <name or ARN>})"
        )
    return found


def variable_problems(strategy, target_color, canary_steps, **gated):
    """What is wrong with the switch role's own variables, each message naming the variable, its value and what to use;
    the numbers of every role are checked by the preflight (module_utils/variables.py). ``gated`` holds gate_problems'
    keyword arguments."""
    found = (
        gate_problems(strategy, steps=canary_steps if isinstance(canary_steps, list) else (), **gated) if gated else []
    )
    if strategy not in STRATEGIES:
        found.append(
            f"bluegreen_strategy '{strategy}' is not one teal.bluegreen.switch knows: 'alb', 'route53', 'efs' or 'codedeploy'"
        )
    if target_color not in (None, "", "blue", "green"):
        found.append(
            f"bluegreen_target_color '{target_color}' is neither blue nor green (nor null, for the idle colour)"
        )
    if not steps_valid(canary_steps):
        found.append(
            f"bluegreen_canary_steps {canary_steps} is not a list of percentages from 1 to 100 in ascending order ending "
            "with 100, for example [10, 50, 100]"
        )
    elif strategy in ("efs", "codedeploy") and [whole_number(step) for step in canary_steps] != [100]:
        reason = (
            "strategy efs points every instance at the new colour at once"
            if strategy == "efs"
            else "with strategy codedeploy CodeDeploy moves the instances of the copy into the target group all at once"
        )
        found.append(
            f"bluegreen_canary_steps {canary_steps}: {reason}, so it has no canary steps; leave bluegreen_canary_steps at [100]"
        )
    return found


def _share_sender(layer, listener_port, codedeploy_target_group):
    if layer == "route53":
        return "the live names send"
    if layer == "efs":
        return "the instances send"
    if layer == "codedeploy":
        return f"target group {codedeploy_target_group} sends"
    return f"the listener on port {listener_port} sends"


def verification_failures(
    plan,
    strategy,
    percent,
    state_read=None,
    moved=None,
    planned_state=None,
    final=False,
    check_mode=False,
    min_healthy_targets=1,
    listener_port=80,
    codedeploy_target_group=None,
    app="",
):
    """What a step's verification found wrong: the target colour short of healthy targets, its share of production
    traffic other than the step's ``percent``, and after the last step layers not all on the target colour.

    The health and the share come from ``state_info`` read back after the bake (``state_read``), or, after a step of
    strategy alb without a bake, from alb_swap's own result (``moved``: the health it read right before moving the
    listener, the listener as ModifyListener answered), with the target group's name from the state the plan was made
    from (``planned_state``). Strategy efs serves both colours from the same instances, checked one by one elsewhere;
    with strategy codedeploy in check mode the reroute that registers the new instances has not happened.
    """
    to = plan["to"]
    layer = traffic_layer(strategy)
    if moved is not None:
        health = (moved.get("target_health") or {}).get(to) or {}
        target = {
            "target_group_name": ((planned_state or {}).get("colors", {}).get(to) or {}).get("target_group_name"),
            "targets_healthy": health.get("healthy"),
            "targets_total": health.get("total"),
        }
        weights = moved.get("weights") or {}
    else:
        target = ((state_read or {}).get("colors") or {}).get(to) or {}
        weights = (((state_read or {}).get("layers") or {}).get(layer) or {}).get("weights") or {}
    share = weights.get(to) or 0
    found = []
    check_health = strategy != "efs" and not (strategy == "codedeploy" and check_mode)
    if check_health and int(target.get("targets_healthy") or 0) < int(min_healthy_targets):
        found.append(
            f"target group {target.get('target_group_name')} ({to}) has {target.get('targets_healthy')} of "
            f"{target.get('targets_total')} targets healthy, fewer than bluegreen_min_healthy_targets "
            f"({min_healthy_targets})"
        )
    if not check_mode and int(share) != int(percent):
        found.append(
            f"{_share_sender(layer, listener_port, codedeploy_target_group)} {share}% of production traffic to {to}, "
            f"not {percent}%"
        )
    if final and not check_mode:
        read = state_read or {}
        if not (read.get("consistent") and read.get("live_color") == to):
            found.append(
                f"{app} is not consistently live on {to} after the switch: "
                f"{'; '.join(read.get('reasons') or []) or 'it is live on ' + str(read.get('live_color'))}"
            )
    return found


def check_failures(responses):
    """What each HTTP check of a verification found wrong, from the results of ansible.builtin.uri looped over the
    plan's ``checks`` (each result's ``item`` is the check): no answer, another status than the one wanted, or a body
    without the text wanted."""
    found = []
    for response in responses:
        check = response.get("item") or {}
        status = int(response.get("status", -1) if response.get("status") is not None else -1)
        wanted = int(check.get("status") or 200)
        body = check.get("body")
        if status < 0:
            found.append(f"{check.get('url')} did not answer ({response.get('msg') or 'no response'})")
        elif status != wanted:
            found.append(f"{check.get('url')} answered {status}, not {wanted}")
        elif body is not None and body not in (response.get("content") or ""):
            found.append(f"{check.get('url')} answered, but its body does not contain '{body}'")
    return found
