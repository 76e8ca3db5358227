# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Decisions of the codedeploy_deployment module, as pure functions of plain data (no AWS, no module)."""

from __future__ import annotations

import re

# CodeDeploy's names: letters, digits and a few signs, up to 100 characters.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9.+=,@_-]{1,100}$")
ROLE_ARN_PATTERN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$")
# CodeDeploy waits at most two days for a reroute or before it terminates the original instances.
MAX_WAIT_MINUTES = 2880


class DeploymentConflict(Exception):
    """Another deployment is under way in the group; the message says which and what to do."""


def check_name(option, value):
    """A problem with a CodeDeploy name, or None."""
    if not NAME_PATTERN.match(value or ""):
        return f"{option} {value!r} is not a CodeDeploy name; use 1 to 100 letters, digits or the signs . + = , @ _ -"
    return None


def input_problems(params):
    """Everything wrong with the module's options that needs no AWS call to see; empty when they are fine."""
    problems = [check_name(option, params[option]) for option in ("application", "deployment_group")]
    role = params.get("service_role_arn")
    if role is not None and not ROLE_ARN_PATTERN.match(role):
        problems.append(
            f"service_role_arn {role!r} is not an IAM role ARN; give the ARN of the role CodeDeploy assumes, "
            "arn:aws:iam::<account>:role/<name>"
        )
    for option in ("wait_timeout", "poll_interval"):
        if params[option] < 1:
            problems.append(f"{option} {params[option]} is too small; use 1 or more seconds")
    if params["state"] == "present" and not params.get("revision"):
        problems.append("state=present needs a revision ({bucket, key, bundle_type}) to deploy")
    revision = params.get("revision") or {}
    if revision and not revision.get("bucket"):
        problems.append("revision has no bucket; give the S3 bucket that holds the bundle")
    if revision and not revision.get("key"):
        problems.append("revision has no key; give the S3 key of the bundle")
    if revision.get("key", "").startswith("/"):
        problems.append(f"revision key {revision['key']!r} starts with '/'; S3 keys are relative, drop the slash")
    if params["deployment_type"] == "BLUE_GREEN":
        if not params.get("target_group"):
            problems.append("deployment_type BLUE_GREEN needs target_group: CodeDeploy reroutes the traffic through it")
        groups = params.get("auto_scaling_groups") or []
        if len(groups) > 1:
            problems.append(
                f"deployment_type BLUE_GREEN copies one Auto Scaling group, but auto_scaling_groups names {len(groups)} "
                f"({', '.join(groups)}); give one"
            )
    if params.get("replacement_tags") and params["deployment_type"] != "BLUE_GREEN":
        problems.append(
            "replacement_tags is for the Auto Scaling group a BLUE_GREEN deployment creates; an IN_PLACE deployment "
            "has none: drop replacement_tags or use deployment_type BLUE_GREEN"
        )
    blue_green = params.get("blue_green") or {}
    for option, value in (
        ("blue_green.ready_wait_minutes", blue_green.get("ready_wait_minutes")),
        ("blue_green.termination_wait_minutes", blue_green.get("termination_wait_minutes")),
    ):
        if value is not None and not 0 <= value <= MAX_WAIT_MINUTES:
            problems.append(f"{option} {value} is out of range; CodeDeploy allows 0 to {MAX_WAIT_MINUTES} minutes")
    return [problem for problem in problems if problem]


def group_config(params):
    """The deployment group CodeDeploy should have, as CreateDeploymentGroup's parameters (without the names)."""
    traffic = bool(params.get("target_group"))
    config = {
        "deploymentConfigName": params["deployment_config_name"],
        "autoScalingGroups": sorted(params.get("auto_scaling_groups") or []),
        "deploymentStyle": {
            "deploymentType": params["deployment_type"],
            "deploymentOption": "WITH_TRAFFIC_CONTROL" if traffic else "WITHOUT_TRAFFIC_CONTROL",
        },
        "loadBalancerInfo": {"targetGroupInfoList": [{"name": params["target_group"]}]} if traffic else {},
        "autoRollbackConfiguration": {
            "enabled": bool(params["auto_rollback"]["enabled"]),
            "events": sorted(params["auto_rollback"]["events"]) if params["auto_rollback"]["enabled"] else [],
        },
        "blueGreenDeploymentConfiguration": {},
    }
    if params.get("service_role_arn"):
        config["serviceRoleArn"] = params["service_role_arn"]
    if params["deployment_type"] == "BLUE_GREEN":
        blue_green = params.get("blue_green") or {}
        ready = {"actionOnTimeout": blue_green.get("ready_action") or "CONTINUE_DEPLOYMENT"}
        if ready["actionOnTimeout"] == "STOP_DEPLOYMENT":
            ready["waitTimeInMinutes"] = blue_green.get("ready_wait_minutes") or 0
        terminate = blue_green.get("terminate_originals", True)
        config["blueGreenDeploymentConfiguration"] = {
            "deploymentReadyOption": ready,
            "greenFleetProvisioningOption": {"action": "COPY_AUTO_SCALING_GROUP"},
            "terminateBlueInstancesOnDeploymentSuccess": {
                "action": "TERMINATE" if terminate else "KEEP_ALIVE",
                "terminationWaitTimeInMinutes": (blue_green.get("termination_wait_minutes") or 0) if terminate else 0,
            },
        }
    return config


def _group_names(groups):
    """Auto Scaling group names from GetDeploymentGroup's autoScalingGroups ([{name, hook}])."""
    return sorted(group["name"] if isinstance(group, dict) else group for group in groups or [])


def current_config(group):
    """The parts of a GetDeploymentGroup answer that group_config manages, in group_config's shape."""
    style = group.get("deploymentStyle") or {}
    rollback = group.get("autoRollbackConfiguration") or {}
    balancer = group.get("loadBalancerInfo") or {}
    config = {
        "deploymentConfigName": group.get("deploymentConfigName"),
        "autoScalingGroups": _group_names(group.get("autoScalingGroups")),
        "deploymentStyle": {
            "deploymentType": style.get("deploymentType", "IN_PLACE"),
            "deploymentOption": style.get("deploymentOption", "WITHOUT_TRAFFIC_CONTROL"),
        },
        "loadBalancerInfo": (
            {"targetGroupInfoList": [{"name": item["name"]} for item in balancer.get("targetGroupInfoList") or []]}
            if balancer.get("targetGroupInfoList")
            else {}
        ),
        "autoRollbackConfiguration": {
            "enabled": bool(rollback.get("enabled")),
            "events": sorted(rollback.get("events") or []) if rollback.get("enabled") else [],
        },
        "blueGreenDeploymentConfiguration": {},
        "serviceRoleArn": group.get("serviceRoleArn"),
    }
    blue_green = group.get("blueGreenDeploymentConfiguration") or {}
    if config["deploymentStyle"]["deploymentType"] == "BLUE_GREEN" and blue_green:
        ready = blue_green.get("deploymentReadyOption") or {}
        terminate = blue_green.get("terminateBlueInstancesOnDeploymentSuccess") or {}
        config["blueGreenDeploymentConfiguration"] = {
            "deploymentReadyOption": {
                key: value
                for key, value in (
                    ("actionOnTimeout", ready.get("actionOnTimeout", "CONTINUE_DEPLOYMENT")),
                    (
                        "waitTimeInMinutes",
                        (
                            ready.get("waitTimeInMinutes", 0)
                            if ready.get("actionOnTimeout") == "STOP_DEPLOYMENT"
                            else None
                        ),
                    ),
                )
                if value is not None
            },
            "greenFleetProvisioningOption": {
                "action": (blue_green.get("greenFleetProvisioningOption") or {}).get("action", "DISCOVER_EXISTING")
            },
            "terminateBlueInstancesOnDeploymentSuccess": {
                "action": terminate.get("action", "TERMINATE"),
                "terminationWaitTimeInMinutes": terminate.get("terminationWaitTimeInMinutes", 0),
            },
        }
    return config


def plan_group(group, wanted):
    """What to do with the deployment group: ("create" | "update" | "none", the fields that differ)."""
    if group is None:
        return "create", sorted(wanted)
    current = current_config(group)
    differ = sorted(
        key
        for key, value in wanted.items()
        # A group that exists keeps its role when none is given.
        if current.get(key) != value
    )
    return ("update" if differ else "none"), differ


def revision_location(revision):
    """CreateDeployment's revision for an S3 bundle."""
    location = {"bucket": revision["bucket"], "key": revision["key"], "bundleType": revision["bundle_type"]}
    if revision.get("version"):
        location["version"] = revision["version"]
    if revision.get("etag"):
        location["eTag"] = revision["etag"].strip('"')
    return {"revisionType": "S3", "s3Location": location}


def same_revision(deployed, wanted):
    """Whether a deployment's revision (DeploymentInfo.revision) is the wanted one (revision_location's shape)."""
    if not deployed or deployed.get("revisionType") != "S3":
        return False
    have, want = deployed.get("s3Location") or {}, wanted["s3Location"]
    for key in ("bucket", "key", "bundleType"):
        if have.get(key) != want[key]:
            return False
    # Version and ETag pin the object; both sides must agree on those both give.
    for key in ("version", "eTag"):
        if have.get(key) and want.get(key) and have[key].strip('"') != want[key].strip('"'):
            return False
    return True


def describe_revision(revision):
    location = (revision or {}).get("s3Location") or {}
    text = f"s3://{location.get('bucket')}/{location.get('key')}"
    if location.get("version"):
        text += f" version {location['version']}"
    if location.get("eTag"):
        text += f" (ETag {location['eTag']})"
    return text


def plan_deployment(active, last, wanted, group_name):
    """Whether to create a deployment of wanted, follow one under way, or do nothing.

    active: the DeploymentInfo of the deployment under way in the group, or None; last: the group's last
    attempted deployment's DeploymentInfo, or None. Returns ("create" | "follow" | "none", info or None).
    Raises DeploymentConflict when another revision is being deployed: CodeDeploy runs one at a time.
    """
    if active is not None:
        if same_revision(active.get("revision"), wanted):
            return "follow", active
        raise DeploymentConflict(
            f"deployment {active['deploymentId']} of {describe_revision(active.get('revision'))} is "
            f"{active.get('status')} in deployment group {group_name!r}; CodeDeploy runs one deployment at a time. "
            "Wait for it to end, or stop it with state=stopped, then deploy again"
        )
    if last is not None and last.get("status") == "Succeeded" and same_revision(last.get("revision"), wanted):
        return "none", last
    return "create", None


def milestone(params, config):
    """What a deployment must reach for the module to be done: ready, rerouted or finished."""
    if params["state"] in ("finished", "stopped"):
        return "finished"
    if params["state"] == "rerouted":
        return "rerouted"
    blue_green = config.get("blueGreenDeploymentConfiguration") or {}
    if config["deploymentStyle"]["deploymentType"] != "BLUE_GREEN" or not blue_green:
        return "finished"
    if blue_green["deploymentReadyOption"]["actionOnTimeout"] == "STOP_DEPLOYMENT":
        return "ready"
    if blue_green["terminateBlueInstancesOnDeploymentSuccess"]["terminationWaitTimeInMinutes"]:
        return "rerouted"
    return "finished"


def reached(info, wanted):
    """Whether the deployment (DeploymentInfo) has reached the milestone wanted."""
    status = info.get("status")
    if status == "Succeeded":
        return True
    if wanted == "ready":
        return status == "Ready" or bool(info.get("instanceTerminationWaitTimeStarted"))
    if wanted == "rerouted":
        return status == "InProgress" and bool(info.get("instanceTerminationWaitTimeStarted"))
    return False


def plan_continue(info, wanted):
    """The ContinueDeployment wait type that moves the deployment towards wanted now, or None.

    READY_WAIT reroutes a deployment that waits in Ready; TERMINATION_WAIT ends the wait of the original
    instances of a deployment that has rerouted.
    """
    status = info.get("status")
    if status == "Ready" and wanted in ("rerouted", "finished"):
        return "READY_WAIT"
    if wanted == "finished" and status == "InProgress" and info.get("instanceTerminationWaitTimeStarted"):
        return "TERMINATION_WAIT"
    return None


def instance_summaries(targets):
    """Per instance: id, label (Blue/Green), status and its lifecycle events, from BatchGetDeploymentTargets."""
    summaries = []
    for target in targets:
        instance = target.get("instanceTarget") or {}
        summaries.append(
            {
                "instance_id": instance.get("targetId"),
                "label": instance.get("instanceLabel"),
                "status": instance.get("status"),
                "lifecycle_events": [
                    {
                        "name": event.get("lifecycleEventName"),
                        "status": event.get("status"),
                        "diagnostics": _diagnostics(event.get("diagnostics")),
                    }
                    for event in instance.get("lifecycleEvents") or []
                ],
            }
        )
    return sorted(summaries, key=lambda item: (item["label"] or "", item["instance_id"] or ""))


def _diagnostics(diagnostics):
    if not diagnostics:
        return None
    return {
        "error_code": diagnostics.get("errorCode"),
        "script_name": diagnostics.get("scriptName"),
        "message": diagnostics.get("message"),
        "log_tail": diagnostics.get("logTail"),
    }


def failed_event(summaries):
    """The first failed lifecycle event across the instances, with its diagnostics, or None."""
    for summary in summaries:
        for event in summary["lifecycle_events"]:
            if event["status"] == "Failed":
                found = {"instance_id": summary["instance_id"], "lifecycle_event": event["name"]}
                found.update(event["diagnostics"] or {})
                return found
    return None


def failure_message(info, event, wait_timeout=None):
    """Why a deployment did not get where it should, in words a user acts on."""
    deployment = info["deploymentId"]
    status = info.get("status")
    if wait_timeout is not None:
        return (
            f"deployment {deployment} is still {status} after waiting {wait_timeout}s; it goes on in CodeDeploy. "
            f"Wait longer with wait_timeout, look at it with `aws deploy get-deployment --deployment-id {deployment}`, "
            "or stop it with state=stopped"
        )
    error = info.get("errorInformation") or {}
    text = f"deployment {deployment} {status.lower() if status else 'ended'}"
    if event:
        text += f" at {event['lifecycle_event']} on {event['instance_id']}"
        if event.get("script_name"):
            text += f" (script {event['script_name']}"
            text += f", {event['error_code']})" if event.get("error_code") else ")"
        if event.get("message"):
            text += f": {event['message']}"
    elif error.get("message"):
        text += f": {error.get('code', '')} {error['message']}".rstrip()
    rollback = (info.get("rollbackInfo") or {}).get("rollbackDeploymentId")
    if rollback:
        text += f"; CodeDeploy rolls back with deployment {rollback}"
    if event and event.get("log_tail"):
        text += f". Last lines of the script's log:\n{event['log_tail'].rstrip()}"
    return text


def tags_to_set(current, wanted):
    """The tags of ``wanted`` ({key: value}) that ``current`` lacks or holds with another value."""
    return {key: value for key, value in sorted((wanted or {}).items()) if current.get(key) != value}
