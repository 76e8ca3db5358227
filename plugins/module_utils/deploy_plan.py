# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deploy role's plan: which fleet becomes the idle colour's, from which live fleet, the reasons not to start, and
what each step of the role decides from what the steps before it found.

Pure functions of the state M(teal.bluegreen.state_info) read, of the role's variables and of the results its tasks
registered (``found``: the copy of the live fleet, CodeDeploy's deployment, the content released); the deploy role
calls them through the ``deploy_plan`` filters, so that nothing here costs a task.
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
    image_id=None,
    artifact=None,
    artifact_version=None,
    keep_failed=False,
    codedeploy=False,
    codedeploy_bucket=None,
    codedeploy_key_prefix="revisions/",
    codedeploy_bundle_type="zip",
    codedeploy_deployment_group=None,
    codedeploy_target_group=None,
    codedeploy_ready_wait_minutes=2880,
    codedeploy_termination_wait_minutes=2880,
):
    """The plan of a deploy, from the state read and the role's variables (without their ``bluegreen_`` prefix).

    Returns ``live`` and ``idle`` (the colours), ``source`` (the live colour's Auto Scaling group, which the new fleet
    copies), ``existing`` (the idle colour's group, if any), ``refusals`` (the reasons not to start, most fundamental
    first), what the later steps need of the variables (``app``, ``strategy``, ``artifact_version``,
    ``min_healthy_targets``, ``keep_failed``), ``content`` (whether the deploy releases content into the idle colour's
    EFS directory), ``on_failure`` (what a failed deploy does with what it made: ``remove`` the new fleet, ``stop``
    CodeDeploy's deployment, or nothing), ``revision_uri`` and ``codedeploy`` (the options of
    M(teal.bluegreen.codedeploy_deployment) that install the release, see codedeploy_options), or none without
    CodeDeploy, and, by strategy:

    - alb and route53: ``name`` (the new group's), ``target_group_arn`` (the idle colour's), ``idle_healthy`` (whether
      the idle colour has enough healthy targets already, for a re-run with nothing to do), ``image_id``;
    - efs: nothing more: the release role finds out what is to do;
    - codedeploy: ``recorded`` (the copy the deployment record names for this revision), ``probe`` (whether the idle
      colour's group may be a copy CodeDeploy made for a run that stopped before recording it: the role then asks
      M(teal.bluegreen.codedeploy_deployment) and decides with idle_refusal), ``done`` (this revision already runs,
      recorded, in service), ``previous`` (the release the live colour runs, see previous_release).
    """
    colors = state.get("colors") or {}
    live, idle = state.get("live_color"), state.get("idle_color")
    idle_fleet = colors.get(idle) or {}
    fleet = strategy in ("alb", "route53")
    uses_codedeploy = strategy == "codedeploy" or (fleet and bool(codedeploy))
    existing = idle_fleet.get("auto_scaling_group")
    # The revision in S3, named by the artifact version.
    revision = {
        "bucket": codedeploy_bucket,
        "key": f"{codedeploy_key_prefix or ''}{app}/{artifact_version}.{codedeploy_bundle_type}",
        "bundle_type": codedeploy_bundle_type,
    }
    plan = {
        "app": app,
        "strategy": strategy,
        "live": live,
        "idle": idle,
        "source": (colors.get(live) or {}).get("auto_scaling_group") if live else None,
        "existing": existing,
        "artifact_version": artifact_version,
        "min_healthy_targets": int(min_healthy_targets),
        "keep_failed": bool(keep_failed),
        "content": strategy != "codedeploy" and bool(artifact),
        "on_failure": None,
        "revision_uri": f"s3://{revision['bucket']}/{revision['key']}" if uses_codedeploy else None,
        "codedeploy": None,
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
        plan["recorded"] = recorded_copy(state.get("deployment"), idle, plan["revision_uri"])
        plan["probe"] = existing not in (None, plan["recorded"])
        plan["done"] = bool(
            plan["recorded"]
            and existing == plan["recorded"]
            and (idle_fleet.get("instances_in_service") or 0) >= plan["min_healthy_targets"]
        )
        plan["previous"] = previous_release(state.get("deployment"), plan, plan["revision_uri"])
        plan["on_failure"] = None if keep_failed else "stop"
        plan["codedeploy"] = codedeploy_options(
            plan,
            revision,
            deployment_group=codedeploy_deployment_group or app,
            target_group=codedeploy_target_group or app,
            ready_wait_minutes=codedeploy_ready_wait_minutes,
            termination_wait_minutes=codedeploy_termination_wait_minutes,
        )
        missing = _missing_live_fleet(plan)
        if missing:
            plan["refusals"].append(
                f"{app} has {missing} ({reasons}); nothing changed. CodeDeploy copies the Auto Scaling group whose "
                f"instances are registered in {codedeploy_target_group or app}, so that group must exist and carry the "
                "live colour's tag"
            )
        return plan
    plan["name"] = (asg_names or {}).get(idle) or f"{app}-{idle or 'none'}"
    plan["target_group_arn"] = idle_fleet.get("target_group_arn")
    plan["idle_healthy"] = (idle_fleet.get("targets_healthy") or 0) >= plan["min_healthy_targets"]
    plan["image_id"] = image_id
    plan["on_failure"] = None if keep_failed or existing is not None else "remove"
    if uses_codedeploy:
        plan["codedeploy"] = codedeploy_options(plan, revision)
    missing = _missing_live_fleet(plan) or (
        None if plan["target_group_arn"] else f"no target group for its idle colour {idle}"
    )
    if missing:
        plan["refusals"].append(
            f"{app} has {missing} ({reasons}); nothing changed. The deploy copies the live colour's Auto Scaling group "
            "into the idle colour's target group, so both must exist"
        )
    elif existing not in (None, plan["name"]):
        plan["refusals"].append(
            f"the idle colour {idle} of {app} already has Auto Scaling group {existing}, not {plan['name']}; "
            "nothing changed. Remove it with the teal.bluegreen.clean playbook, or name it in bluegreen_asg_names"
        )
    return plan


def codedeploy_options(
    plan, revision, deployment_group=None, target_group=None, ready_wait_minutes=None, termination_wait_minutes=None
):
    """The options of M(teal.bluegreen.codedeploy_deployment) that install the release, and ``where`` it goes, for the
    name of the task.

    Strategies alb and route53 (bluegreen_codedeploy): an C(IN_PLACE) deployment to the new fleet, in the deployment
    group C(<app>-<colour>). Strategy codedeploy: CodeDeploy's own blue/green, which copies the live colour's group,
    installs the release on the copy and waits in Ready (``ready_wait_minutes``) before any traffic moves; the copy is
    tagged with the idle colour, and the originals wait ``termination_wait_minutes`` after the switch.
    """
    if plan["strategy"] != "codedeploy":
        return {
            "deployment_group": f"{plan['app']}-{plan['idle']}",
            "deployment_type": "IN_PLACE",
            "auto_scaling_groups": [plan["name"]],
            "revision": revision,
            "where": f"{plan['name']} with CodeDeploy, in place",
        }
    return {
        "deployment_group": deployment_group,
        "deployment_type": "BLUE_GREEN",
        "auto_scaling_groups": [plan["source"]],
        "target_group": target_group,
        "blue_green": {
            "ready_action": "STOP_DEPLOYMENT",
            "ready_wait_minutes": ready_wait_minutes,
            "terminate_originals": True,
            "termination_wait_minutes": termination_wait_minutes,
        },
        "replacement_tags": {"bluegreen:app": plan["app"], "bluegreen:color": plan["idle"]},
        "revision": revision,
        "where": f"the copy of {plan['source']} that CodeDeploy makes, up to Ready",
    }


def _missing_live_fleet(plan):
    if plan["live"] not in COLORS:
        return "no live colour"
    if not plan["source"]:
        return f"no Auto Scaling group on its live colour {plan['live']}"
    return None


def idle_refusal(plan, under_way=None):
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
        f"the idle colour {plan['idle']} of {plan['app']} still has Auto Scaling group {plan['existing']} (the original "
        "instances of the last deployment, waiting for their termination, or another release); nothing changed. End it "
        "with the teal.bluegreen.clean playbook first"
    ]


def record(plan, deploy_id, clone=None, deployment=None, release=None):
    """What the deployment parameter records for this deployment, by strategy, from what the run found.

    Strategies alb and route53: the new fleet, the group it copies, the image and the launch template version it runs
    (``clone``, the result of M(teal.bluegreen.asg_clone)) and the CodeDeploy revision, if any. Strategy efs: the
    release in the idle colour's directory, by its version and the sha256 of its files (``release``, the release role's
    fact). Strategy codedeploy: the copy CodeDeploy made (``deployment``, the result of
    M(teal.bluegreen.codedeploy_deployment)), and the releases of both colours.
    """
    found = {"id": deploy_id, "color": plan["idle"]}
    if plan["strategy"] == "efs":
        return {
            **found,
            "artifact_version": str(plan["artifact_version"]),
            "release_sha256": (release or {}).get("sha256"),
        }
    found.update(source=plan["source"], artifact_version=plan["artifact_version"])
    if plan["strategy"] == "codedeploy":
        deployment = deployment or {}
        previous = plan.get("previous") or {}
        return {
            **found,
            "auto_scaling_group": deployment.get("replacement_auto_scaling_group"),
            "codedeploy_revision": plan["revision_uri"],
            "codedeploy_deployment_id": deployment.get("deployment_id"),
            # What the live colour runs, when the last record is its deployment: a rollback after the clean deploys it
            # again.
            "previous_artifact_version": previous.get("artifact_version"),
            "codedeploy_previous_revision": previous.get("codedeploy_revision"),
        }
    template = (clone or {}).get("launch_template_version") or {}
    return {
        **found,
        "auto_scaling_group": plan["name"],
        "image_id": plan["image_id"],
        "codedeploy_revision": plan["revision_uri"],
        "launch_template": {
            "launch_template_id": template.get("launch_template_id"),
            "version": template.get("version"),
        },
    }


def recorded(deployment, found):
    """Whether the deployment parameter already records ``found`` but for its id: a re-run keeps the record, and its
    id, so that it changes nothing."""
    deployment = deployment or {}
    return all(key in deployment and deployment[key] == value for key, value in found.items() if key != "id")


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


def nothing_to_do(plan, state, clone=None, release=None):
    """Why a deploy run again has nothing to do, or an empty string when it has.

    The idle colour already runs this release (``clone``: the check-mode result of M(teal.bluegreen.asg_clone); strategy
    codedeploy: the plan's ``done``), holds its content (``release``: the check-only answer of the release role, when
    the deploy releases content) and the deployment parameter records it; strategies alb and route53 also want the idle
    colour healthy.
    """
    release = release or {}
    deployment = state.get("deployment") or {}
    records = f"{(state.get('parameters') or {}).get('deployment')} records it (deployment {deployment.get('id')})"
    if plan["strategy"] == "codedeploy":
        if plan.get("done"):
            return (
                f"{plan['existing']} ({plan['idle']}) already runs revision {plan['revision_uri']}, and {records}; "
                "nothing to do"
            )
        return ""
    if release.get("changed") or not recorded(deployment, record(plan, None, clone=clone, release=release)):
        return ""
    if plan["strategy"] == "efs":
        return (
            f"{release.get('path')} ({plan['idle']}) already holds {plan['app']} {deployment.get('artifact_version')} "
            f"and {records}; nothing to do"
        )
    if (clone or {}).get("up_to_date") and plan.get("idle_healthy"):
        return f"{plan['name']} ({plan['idle']}) already runs this release, healthy, and {records}; nothing to do"
    return ""


def failure_outcome(plan, removed=False, stopped=False):
    """What a failed deploy left behind, for the end of its failure message: the new fleet's fate (``removed``, or
    with strategy codedeploy ``stopped``, by the role), and that the live colour still takes all production traffic."""
    live = plan.get("live")
    if plan["strategy"] == "efs":
        return f"No instance serves {plan.get('idle')}'s directory; {live} still serves every instance"
    if plan["strategy"] == "codedeploy":
        stop = "CodeDeploy stopped the deployment and removed its copy; " if stopped else ""
        return f"{stop}{live} still takes all production traffic"
    if removed:
        fate = "deleted"
    elif plan.get("keep_failed"):
        fate = "kept (bluegreen_keep_failed)"
    else:
        fate = "kept, as it existed before this deploy"
    return f"{plan.get('name')} was {fate}; {live} still takes all production traffic"


def verification_failures(plan, state_read, deployment=None):
    """Why the new fleet, read back from AWS once it has started, fails the deploy: the live colour changed under the
    deploy, or the idle colour has too few healthy targets (strategies alb and route53) or is not the copy CodeDeploy
    made (``deployment``, the result of M(teal.bluegreen.codedeploy_deployment), strategy codedeploy) with enough
    instances in service. One message, or none when it passes."""
    live = state_read.get("live_color")
    idle = plan["idle"]
    fleet = (state_read.get("colors") or {}).get(idle) or {}
    changed = f"the live colour changed under the deploy: {live} is live now"
    minimum = plan["min_healthy_targets"]
    if plan["strategy"] == "codedeploy":
        replacement = (deployment or {}).get("replacement_auto_scaling_group")
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


def report(plan, check_mode, clone=None, deployment=None, release=None):
    """What a deploy says once the release is in the idle colour, verified, and recorded (or, in check mode, what it
    would do), from what the run found: ``clone`` (the result of M(teal.bluegreen.asg_clone), or its prediction in check
    mode; strategies alb and route53), ``deployment`` (the result of M(teal.bluegreen.codedeploy_deployment), strategy
    codedeploy) and ``release`` (the release role's fact, strategy efs)."""
    app, idle, live = plan["app"], plan["idle"], plan["live"]
    if plan["strategy"] == "efs":
        release = release or {}
        return (
            f"{app} {plan['artifact_version']} is in {release.get('path')} ({idle}), verified (sha256 "
            f"{release.get('sha256')}); {live} still serves every instance. Next: the teal.bluegreen.switch playbook"
        )
    if plan["strategy"] == "codedeploy":
        uri = plan["revision_uri"]
        if check_mode:
            return (
                f"would upload {uri} and have CodeDeploy copy {plan['source']} into {idle} and install it there, "
                "up to Ready"
            )
        deployment = deployment or {}
        return (
            f"{app}: CodeDeploy deployment {deployment.get('deployment_id')} installed {uri} on "
            f"{deployment.get('replacement_auto_scaling_group')} ({idle}), a copy of {plan['source']}; it waits in "
            f"{deployment.get('status')} and {live} still takes all production traffic. Next: the "
            "teal.bluegreen.switch playbook"
        )
    clone = clone or {}
    template = clone.get("launch_template_version") or {}
    image = f" (image {plan['image_id']})" if plan.get("image_id") else ""
    capacity = (clone.get("auto_scaling_group") or {}).get("desired_capacity")
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


def records(plan, last, deploy_id, **found):
    """The deployment parameter's new version, as deploy_lock's ``record`` option takes it: the record of this
    deployment (record, from what the run ``found``), or none when ``last``, the parameter's value, already records it
    (a re-run keeps the record and its id, and changes nothing)."""
    new = record(plan, deploy_id, **found)
    if recorded(last, new):
        return []
    artifact = f" (artifact {plan['artifact_version']})" if plan.get("artifact_version") else ""
    return [
        {
            "name": "deployment",
            "value": json.dumps(new, sort_keys=True),
            "description": f"deploy {deploy_id}: {plan['idle']}{artifact}",
        }
    ]


def failure_message(plan, phase, failed_task, failures, removed=False, stopped=False):
    """What a failed deploy says: where it failed, in which task, what failed, and what it left behind
    (failure_outcome)."""
    return (
        f"deploy of {plan.get('app')} to {plan.get('idle')} failed at {phase}, in '{failed_task or '?'}': "
        f"{'; '.join(failures)}. {failure_outcome(plan, removed=removed, stopped=stopped)}"
    )


def revision_files(hooks_dir, content=None, content_destination=None):
    """The ``files`` of the appspec of a CodeDeploy revision: the hook launcher of teal.bluegreen.codedeploy_hooks, under
    ``hooks_dir`` on the instances, and ``content`` when the revision carries it, installed to
    ``content_destination``."""
    files = [{"source": "bluegreen/", "destination": f"{hooks_dir}/revision"}]
    if content is not None:
        files.append({"source": "content/", "destination": content_destination})
    return files
