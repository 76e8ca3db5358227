# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deploy role's plan: which fleet becomes the idle colour's, from which live fleet, and the reasons not to start.

Pure functions of the state M(teal.bluegreen.state_info) read and of the role's variables; the deploy role calls them
through the ``deploy_plan`` filters, so that nothing here costs a task.
"""

from __future__ import annotations

import json

COLORS = ("blue", "green")


def variable_problems(
    strategy,
    launch_template_version=None,
    image_id=None,
    user_data=None,
    instance_type=None,
    codedeploy=False,
    codedeploy_bucket=None,
    artifact_version=None,
    codedeploy_service_role_arn=None,
    artifact=None,
):
    """What is wrong with the deploy role's own variables, each message naming the variables, their values and what to
    set; the numbers of every role are checked by the preflight (module_utils/variables.py)."""
    found = []
    if strategy == "efs":
        if not (artifact and _text(artifact_version)):
            found.append(
                f"strategy efs deploys content: set bluegreen_artifact (got '{_text(artifact)}'), a directory or an "
                f"archive on the controller, and bluegreen_artifact_version (got '{_text(artifact_version)}'); "
                "nothing changed"
            )
        return found
    if strategy == "codedeploy":
        if not (codedeploy_bucket and artifact_version and codedeploy_service_role_arn):
            found.append(
                f"strategy codedeploy needs bluegreen_codedeploy_bucket (got '{_text(codedeploy_bucket)}'), the S3 "
                f"bucket of the revisions, bluegreen_artifact_version (got '{_text(artifact_version)}'), which names "
                "the revision, and bluegreen_codedeploy_service_role_arn (got "
                f"'{_text(codedeploy_service_role_arn)}'), the role CodeDeploy assumes; set them; nothing changed"
            )
        return found
    if launch_template_version not in (None, "") and any((image_id, user_data, instance_type)):
        found.append(
            f"bluegreen_launch_template_version '{launch_template_version}' cannot be combined with bluegreen_image_id, "
            "bluegreen_user_data or bluegreen_instance_type, which make a new version; set one or the other; nothing changed"
        )
    if codedeploy and not (codedeploy_bucket and artifact_version):
        found.append(
            f"bluegreen_codedeploy needs bluegreen_codedeploy_bucket (got '{_text(codedeploy_bucket)}'), the S3 bucket "
            f"of the revisions, and bluegreen_artifact_version (got '{_text(artifact_version)}'), which names the "
            "revision; set both; nothing changed"
        )
    return found


def _text(value):
    """A variable's value as the messages quote it: unset is empty."""
    return "" if value is None else str(value)


def recorded_copy(deployment, idle, revision_uri):
    """Strategy codedeploy: the copy this release already made, when the deployment record says so; a re-run follows
    it."""
    deployment = deployment or {}
    if (
        deployment.get("valid")
        and deployment.get("color") == idle
        and deployment.get("codedeploy_revision") == revision_uri
    ):
        return deployment.get("auto_scaling_group")
    return None


def plan_deploy(
    state,
    app,
    strategy="alb",
    asg_names=None,
    min_healthy_targets=1,
    revision_uri=None,
    codedeploy_target_group=None,
):
    """The plan of a deploy, from the state read and the role's variables.

    Returns ``live`` and ``idle`` (the colours), ``source`` (the live colour's Auto Scaling group, which the new fleet
    copies), ``existing`` (the idle colour's group, if any), ``refusals`` (the reasons not to start, most fundamental
    first) and, by strategy:

    - alb and route53: ``name`` (the new group's), ``target_group_arn`` (the idle colour's), ``idle_healthy`` (whether
      the idle colour has enough healthy targets already, for a re-run with nothing to do);
    - efs: nothing more: the release role finds out what is to do;
    - codedeploy: ``recorded`` (the copy the deployment record names for this revision), ``probe`` (whether the idle
      colour's group may be a copy CodeDeploy made for a run that stopped before recording it: the role then asks
      M(teal.bluegreen.codedeploy_deployment) and decides with idle_refusal), ``done`` (this revision already runs,
      recorded, in service).
    """
    colors = state.get("colors") or {}
    live, idle = state.get("live_color"), state.get("idle_color")
    idle_fleet = colors.get(idle) or {}
    plan = {
        "live": live,
        "idle": idle,
        "source": (colors.get(live) or {}).get("auto_scaling_group") if live else None,
        "existing": idle_fleet.get("auto_scaling_group"),
        "refusals": [],
    }
    reasons = "; ".join(state.get("reasons") or []) or "see the teal.bluegreen.status playbook"
    if strategy == "efs":
        if live not in COLORS:
            plan["refusals"].append(
                f"{app} has no live colour ({reasons}); nothing changed. The deploy releases into the idle colour's "
                "directory, which is only known once one colour is live"
            )
        return plan
    if strategy == "codedeploy":
        plan["recorded"] = recorded_copy(state.get("deployment"), idle, revision_uri)
        plan["probe"] = plan["existing"] not in (None, plan["recorded"])
        plan["done"] = bool(
            plan["recorded"]
            and plan["existing"] == plan["recorded"]
            and (idle_fleet.get("instances_in_service") or 0) >= int(min_healthy_targets)
        )
        missing = _missing_live_fleet(plan)
        if missing:
            plan["refusals"].append(
                f"{app} has {missing} ({reasons}); nothing changed. CodeDeploy copies the Auto Scaling group whose "
                f"instances are registered in {codedeploy_target_group}, so that group must exist and carry the live "
                "colour's tag"
            )
        return plan
    plan["name"] = (asg_names or {}).get(idle) or f"{app}-{idle or 'none'}"
    plan["target_group_arn"] = idle_fleet.get("target_group_arn")
    plan["idle_healthy"] = (idle_fleet.get("targets_healthy") or 0) >= int(min_healthy_targets)
    missing = _missing_live_fleet(plan) or (
        None if plan["target_group_arn"] else f"no target group for its idle colour {idle}"
    )
    if missing:
        plan["refusals"].append(
            f"{app} has {missing} ({reasons}); nothing changed. The deploy copies the live colour's Auto Scaling group "
            "into the idle colour's target group, so both must exist"
        )
    elif plan["existing"] not in (None, plan["name"]):
        plan["refusals"].append(
            f"the idle colour {idle} of {app} already has Auto Scaling group {plan['existing']}, not {plan['name']}; "
            "nothing changed. Remove it with the teal.bluegreen.clean playbook, or name it in bluegreen_asg_names"
        )
    return plan


def _missing_live_fleet(plan):
    if plan["live"] not in COLORS:
        return "no live colour"
    if not plan["source"]:
        return f"no Auto Scaling group on its live colour {plan['live']}"
    return None


def idle_refusal(plan, app, under_way=None):
    """Strategy codedeploy: why the idle colour's group stops the deploy: one message, or none.

    The idle colour may hold the copy this release's record names, or the copy of a deployment of this revision that a
    stopped run left under way (``under_way``, the check-mode result of M(teal.bluegreen.codedeploy_deployment): it
    would follow that deployment, whose copy the group is). Anything else is the original instances of the last
    deployment waiting for their termination, or another release.
    """
    under_way = under_way or {}
    if plan["existing"] in (None, plan.get("recorded")):
        return []
    if under_way.get("action") == "followed" and under_way.get("replacement_auto_scaling_group") == plan["existing"]:
        return []
    return [
        f"the idle colour {plan['idle']} of {app} still has Auto Scaling group {plan['existing']} (the original "
        "instances of the last deployment, waiting for their termination, or another release); nothing changed. End it "
        "with the teal.bluegreen.clean playbook first"
    ]


def recorded(deployment, record):
    """Whether the deployment parameter already records ``record`` but for its id: a re-run keeps the record, and its
    id, so that it changes nothing."""
    deployment = deployment or {}
    return all(key in deployment and deployment[key] == value for key, value in record.items() if key != "id")


def previous_release(deployment, plan, revision_uri):
    """Strategy codedeploy: the release the live colour runs, which a rollback after the clean deploys again.

    It is the last record's when that record is the live colour's; when the last record is this very deployment (a
    re-run), what that record kept of the live colour's release. Empty when neither says.
    """
    last = deployment or {}
    if last.get("color") == plan["idle"] and last.get("codedeploy_revision") == revision_uri:
        return {
            "artifact_version": last.get("previous_artifact_version"),
            "codedeploy_revision": last.get("codedeploy_previous_revision"),
        }
    if last.get("color") == plan["live"] and last.get("codedeploy_revision"):
        return {
            "artifact_version": last.get("artifact_version"),
            "codedeploy_revision": last.get("codedeploy_revision"),
        }
    return {}


def nothing_to_do(plan, state, app, strategy="alb", recorded=False, clone=None, release=None, revision_uri=None):
    """Why a deploy run again has nothing to do, or an empty string when it has.

    The idle colour already runs this release (``clone``: the check-mode result of M(teal.bluegreen.asg_clone); strategy
    codedeploy: the plan's ``done``), holds its content (``release``: the check-only answer of the release role, when
    the deploy releases content) and the deployment parameter records it (``recorded``); strategies alb and route53 also
    want the idle colour healthy.
    """
    release = release or {}
    content_changes = bool(release.get("changed"))
    deployment = state.get("deployment") or {}
    records = f"{(state.get('parameters') or {}).get('deployment')} records it (deployment {deployment.get('id')})"
    if strategy == "codedeploy":
        if plan.get("done"):
            return f"{plan['existing']} ({plan['idle']}) already runs revision {revision_uri}, and {records}; nothing to do"
        return ""
    if not recorded or content_changes:
        return ""
    if strategy == "efs":
        return (
            f"{release.get('path')} ({plan['idle']}) already holds {app} {deployment.get('artifact_version')} and "
            f"{records}; nothing to do"
        )
    if (clone or {}).get("up_to_date") and plan.get("idle_healthy"):
        return f"{plan['name']} ({plan['idle']}) already runs this release, healthy, and {records}; nothing to do"
    return ""


def failure_outcome(plan, strategy="alb", removed=False, keep_failed=False, stopped=False):
    """What a failed deploy left behind, for the end of its failure message: the new fleet's fate, and that the live
    colour still takes all production traffic."""
    live = plan.get("live")
    if strategy == "efs":
        return f"No instance serves {plan.get('idle')}'s directory; {live} still serves every instance"
    if strategy == "codedeploy":
        stop = "CodeDeploy stopped the deployment and removed its copy; " if stopped else ""
        return f"{stop}{live} still takes all production traffic"
    if removed:
        fate = "deleted"
    elif keep_failed:
        fate = "kept (bluegreen_keep_failed)"
    else:
        fate = "kept, as it existed before this deploy"
    return f"{plan.get('name')} was {fate}; {live} still takes all production traffic"


def verification_failures(plan, state_read, min_healthy_targets, strategy="alb", replacement=None):
    """Why the new fleet, read back from AWS once it has started, fails the deploy: the live colour changed under the
    deploy, or the idle colour has too few healthy targets (strategies alb and route53) or is not CodeDeploy's copy
    with enough instances in service (``replacement``, strategy codedeploy). One message, or none when it passes."""
    live = state_read.get("live_color")
    idle = plan["idle"]
    fleet = (state_read.get("colors") or {}).get(idle) or {}
    changed = f"the live colour changed under the deploy: {live} is live now"
    minimum = int(min_healthy_targets)
    if strategy == "codedeploy":
        group = fleet.get("auto_scaling_group")
        in_service = fleet.get("instances_in_service") or 0
        if live != plan["live"]:
            return [changed]
        if not group:
            return [f"no Auto Scaling group carries the colour {idle} after the deployment"]
        if group != replacement:
            return [f"{group} carries the colour {idle}, not {replacement}, the copy CodeDeploy made"]
        if in_service < minimum:
            return [
                f"{replacement} ({idle}) has {in_service} instances in service, fewer than "
                f"bluegreen_min_healthy_targets ({minimum})"
            ]
        return []
    healthy = fleet.get("targets_healthy") or 0
    if healthy < minimum:
        return [
            f"target group {fleet.get('target_group_name')} ({idle}) has {healthy} of {fleet.get('targets_total') or 0} "
            f"targets healthy, fewer than bluegreen_min_healthy_targets ({minimum})"
        ]
    if live != plan["live"]:
        return [changed]
    return []


def report(plan, app, strategy, check_mode, **found):
    """What a deploy says once the release is in the idle colour, verified, and recorded (or, in check mode, what it
    would do), from what the run found: ``launch_template`` ({launch_template_id, version}), ``image_id`` and
    ``capacity`` (strategies alb and route53), ``deployment`` (codedeploy_deployment's result) and ``revision_uri``
    (strategy codedeploy), ``release`` (the release role's fact) and ``artifact_version`` (strategy efs)."""
    idle, live = plan["idle"], plan["live"]
    if strategy == "efs":
        release = found.get("release") or {}
        return (
            f"{app} {found.get('artifact_version')} is in {release.get('path')} ({idle}), verified (sha256 "
            f"{release.get('sha256')}); {live} still serves every instance. Next: the teal.bluegreen.switch playbook"
        )
    if strategy == "codedeploy":
        uri = found.get("revision_uri")
        if check_mode:
            return (
                f"would upload {uri} and have CodeDeploy copy {plan['source']} into {idle} and install it there, "
                "up to Ready"
            )
        deployment = found.get("deployment") or {}
        return (
            f"{app}: CodeDeploy deployment {deployment.get('deployment_id')} installed {uri} on "
            f"{deployment.get('replacement_auto_scaling_group')} ({idle}), a copy of {plan['source']}; it waits in "
            f"{deployment.get('status')} and {live} still takes all production traffic. Next: the "
            "teal.bluegreen.switch playbook"
        )
    template = found.get("launch_template") or {}
    image = f" (image {found['image_id']})" if found.get("image_id") else ""
    capacity = found.get("capacity")
    fleet = (
        f"{app}: {plan['name']} ({idle}) {'would run' if check_mode else 'runs'} launch template "
        f"{template.get('launch_template_id')} version {template.get('version')}{image} with "
        f"{'?' if capacity is None else capacity} instance(s), "
    )
    if check_mode:
        return (
            f"{fleet}once they are healthy and verified; {live} would still take all production traffic. Check mode: "
            "nothing changed; the same command without --check deploys"
        )
    return f"{fleet}healthy and verified; {live} still takes all production traffic. Next: the teal.bluegreen.switch playbook"


def records(recorded, record, deploy_id, idle, artifact_version=None):
    """The deployment parameter's new version, as deploy_lock's ``record`` option takes it: none when the parameter
    already records this deployment (a re-run keeps the record and its id, and changes nothing)."""
    if recorded:
        return []
    artifact = f" (artifact {artifact_version})" if artifact_version else ""
    return [
        {
            "name": "deployment",
            "value": json.dumps(record, sort_keys=True),
            "description": f"deploy {deploy_id}: {idle}{artifact}",
        }
    ]


def failure_message(plan, app, phase, failed_task, failures, strategy="alb", **outcome):
    """What a failed deploy says: where it failed, in which task, what failed, and what it left behind
    (failure_outcome, with ``outcome`` its options)."""
    return (
        f"deploy of {app} to {plan.get('idle')} failed at {phase}, in '{failed_task or '?'}': {'; '.join(failures)}. "
        f"{failure_outcome(plan, strategy, **outcome)}"
    )
