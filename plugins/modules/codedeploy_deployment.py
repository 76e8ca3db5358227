#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: codedeploy_deployment
version_added: 0.3.0
short_description: Deploy a revision with AWS CodeDeploy to an Auto Scaling group, in place or blue/green, and wait
description:
  - Ensures a CodeDeploy application (compute platform C(Server)) and its deployment group, configured from the
    options, then a deployment of O(revision), and waits for it. CodeDeploy's agent runs the revision's lifecycle
    hooks on the instances (see the C(teal.bluegreen.codedeploy_hooks) role).
  - V(IN_PLACE) installs the revision on the instances of O(auto_scaling_groups). V(BLUE_GREEN) lets CodeDeploy
    copy the Auto Scaling group (C(COPY_AUTO_SCALING_GROUP)), install the revision on the copy, move
    O(target_group)'s traffic to it and, after a wait, terminate or keep the original instances.
  - Declarative. When the group's last deployment of O(revision) succeeded, nothing is deployed; when one is under
    way, the module follows it instead of starting another; running the module again changes nothing.
  - A blue/green deployment can be driven step by step. With O(blue_green.ready_action=STOP_DEPLOYMENT),
    O(state=present) returns once the replacement instances are ready; O(state=rerouted) moves the traffic;
    O(state=finished) ends the wait of the original instances; O(state=stopped) stops the deployment and,
    with O(rollback), lets CodeDeploy move the traffic back to the original instances.
  - When a deployment fails, the module fails naming the lifecycle event, the instance, the script and the end of
    its log, as CodeDeploy reports them.
author:
  - Teal Ops (@teal-ops)
options:
  application:
    description: Name of the CodeDeploy application; created when missing (except with O(state=stopped)).
    type: str
    required: true
  deployment_group:
    description: Name of the deployment group in O(application); created or updated to match the options.
    type: str
    required: true
  state:
    description:
      - V(present) deploys O(revision) and waits for it, up to the replacement instances being ready when
        O(blue_green.ready_action=STOP_DEPLOYMENT), or the traffic being moved when the original instances wait
        for O(blue_green.termination_wait_minutes).
      - V(rerouted) moves the traffic of a blue/green deployment that waits in C(Ready) (C(ContinueDeployment)
        with C(READY_WAIT)) and waits until the traffic is on the replacement instances.
      - V(finished) ends the wait of the original instances of a rerouted deployment (C(ContinueDeployment)
        with C(TERMINATION_WAIT)) and waits for the end of the deployment.
      - V(stopped) stops the deployment under way, if any (C(StopDeployment)), and waits until it has stopped.
      - V(rerouted), V(finished) and V(stopped) act on O(deployment_id), or on the group's deployment under way,
        or on its last deployment.
    type: str
    choices: [present, rerouted, finished, stopped]
    default: present
  service_role_arn:
    description:
      - ARN of the IAM role CodeDeploy assumes to reach the instances, the Auto Scaling groups and the load
        balancer (docs/codedeploy.md lists what it needs).
      - Required to create the deployment group; an existing group keeps its role when this is omitted.
    type: str
  deployment_type:
    description: C(IN_PLACE) or C(BLUE_GREEN), the deployment group's deployment type.
    type: str
    choices: [IN_PLACE, BLUE_GREEN]
    default: IN_PLACE
  deployment_config_name:
    description: How many instances at a time, e.g. C(CodeDeployDefault.AllAtOnce), or a custom configuration.
    type: str
    default: CodeDeployDefault.OneAtATime
  auto_scaling_groups:
    description:
      - The Auto Scaling groups the deployment group targets; each must exist. V(BLUE_GREEN) takes one, the group
        CodeDeploy copies.
      - Required to create the deployment group.
    type: list
    elements: str
  target_group:
    description:
      - Name of the ELBv2 target group through which CodeDeploy controls the traffic (C(WITH_TRAFFIC_CONTROL));
        required with V(BLUE_GREEN). Without it an in-place deployment does not take instances out of service.
    type: str
  blue_green:
    description: How a V(BLUE_GREEN) deployment proceeds, CodeDeploy's C(blueGreenDeploymentConfiguration).
    type: dict
    suboptions:
      ready_action:
        description:
          - C(deploymentReadyOption.actionOnTimeout). V(CONTINUE_DEPLOYMENT) moves the traffic as soon as the
            replacement instances are ready; V(STOP_DEPLOYMENT) waits in C(Ready) for O(state=rerouted).
        type: str
        choices: [CONTINUE_DEPLOYMENT, STOP_DEPLOYMENT]
        default: CONTINUE_DEPLOYMENT
      ready_wait_minutes:
        description:
          - With V(STOP_DEPLOYMENT), minutes CodeDeploy waits for the reroute before it stops the deployment
            (0 to 2880).
        type: int
        default: 0
      terminate_originals:
        description:
          - Whether CodeDeploy terminates the original instances after the reroute (C(TERMINATE)) or keeps them
            out of service (C(KEEP_ALIVE)).
        type: bool
        default: true
      termination_wait_minutes:
        description:
          - Minutes the original instances wait before they are terminated (0 to 2880). While they wait, the
            deployment can still be stopped and the traffic moved back to them.
        type: int
        default: 0
  auto_rollback:
    description: CodeDeploy's automatic rollback of the deployment group (C(autoRollbackConfiguration)).
    type: dict
    default: {enabled: true, events: [DEPLOYMENT_FAILURE]}
    suboptions:
      enabled:
        description: Whether CodeDeploy rolls back by itself.
        type: bool
        default: true
      events:
        description: The events that roll back.
        type: list
        elements: str
        choices: [DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM, DEPLOYMENT_STOP_ON_REQUEST]
        default: [DEPLOYMENT_FAILURE]
  revision:
    description:
      - The revision bundle in S3, which must exist. Its ETag and version are read from S3 when not given, so the
        deployment pins the exact object.
      - Required with O(state=present).
    type: dict
    suboptions:
      bucket:
        description: The S3 bucket.
        type: str
        required: true
      key:
        description: The S3 key of the bundle.
        type: str
        required: true
      bundle_type:
        description: How the bundle is packed.
        type: str
        choices: [zip, tar, tgz]
        default: zip
      version:
        description: The S3 object version, in a versioned bucket.
        type: str
      etag:
        description: The S3 object's ETag; the deployment fails when S3 holds another object.
        type: str
  replacement_tags:
    description:
      - Tags the Auto Scaling group a V(BLUE_GREEN) deployment creates must carry, and its instances with them, for
        example the colour it now stands for. CodeDeploy copies the original group's tags, so without this the
        copy says what the original says.
      - Set (C(CreateOrUpdateTags) propagated at launch, and C(CreateTags) on the running instances) once the run's
        wait ends and the group exists; nothing is written when the group already carries them.
    type: dict
  description:
    description: Description of the deployment CodeDeploy shows.
    type: str
  deployment_id:
    description: The deployment that O(state=rerouted), V(finished) or V(stopped) act on; it must be in the group.
    type: str
  rollback:
    description:
      - With O(state=stopped), whether CodeDeploy rolls back the stopped deployment (moves the traffic back to the
        original instances of a blue/green deployment, redeploys the last good revision in place).
    type: bool
    default: true
  wait:
    description: Wait for the deployment to reach what O(state) asks. Check mode never waits.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait before failing; the deployment goes on in CodeDeploy.
    type: int
    default: 1800
  poll_interval:
    description: Seconds between two reads of the deployment while waiting.
    type: int
    default: 15
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reads everything and predicts what would be created, updated, continued or stopped; writes nothing.
  diff_mode:
    support: full
    description: Shows the deployment group's settings and the deployed revision before and after.
notes:
  - Needs C(codedeploy:GetApplication), C(CreateApplication), C(GetDeploymentGroup), C(CreateDeploymentGroup),
    C(UpdateDeploymentGroup), C(ListDeployments), C(GetDeployment), C(CreateDeployment), C(ContinueDeployment),
    C(StopDeployment), C(ListDeploymentTargets), C(BatchGetDeploymentTargets), C(iam:PassRole) on
    O(service_role_arn), C(autoscaling:DescribeAutoScalingGroups), with O(replacement_tags)
    C(autoscaling:CreateOrUpdateTags) and C(ec2:CreateTags),
    C(elasticloadbalancing:DescribeTargetGroups) and C(s3:GetObject) (HeadObject) on the bundle.
  - A run that deploys nothing makes no write call.
"""

EXAMPLES = r"""
- name: Install release 42 of the shop on the instances of shop-green, in place
  teal.bluegreen.codedeploy_deployment:
    application: shop
    deployment_group: shop-green
    service_role_arn: arn:aws:iam::123456789012:role/bluegreen/CodeDeployServiceRole
    deployment_type: IN_PLACE
    deployment_config_name: CodeDeployDefault.AllAtOnce
    auto_scaling_groups: [shop-green]
    revision:
      bucket: shop-releases
      key: shop/42.zip
      bundle_type: zip
    wait_timeout: 900
    poll_interval: 10
  register: deployed

- name: Let CodeDeploy copy the fleet, install release 43 on the copy and wait before the reroute
  teal.bluegreen.codedeploy_deployment:
    application: shop
    deployment_group: shop-bluegreen
    service_role_arn: arn:aws:iam::123456789012:role/bluegreen/CodeDeployServiceRole
    deployment_type: BLUE_GREEN
    auto_scaling_groups: [shop-blue]
    target_group: shop-production
    blue_green:
      ready_action: STOP_DEPLOYMENT
      ready_wait_minutes: 1440
      terminate_originals: true
      termination_wait_minutes: 60
    revision:
      bucket: shop-releases
      key: shop/43.tgz
      bundle_type: tgz

- name: Move the traffic to the replacement instances
  teal.bluegreen.codedeploy_deployment:
    application: shop
    deployment_group: shop-bluegreen
    state: rerouted

- name: Move the traffic back to the original instances while they wait
  teal.bluegreen.codedeploy_deployment:
    application: shop
    deployment_group: shop-bluegreen
    state: stopped
    rollback: true
"""

RETURN = r"""
application:
  description: Name of the application.
  returned: always
  type: str
deployment_group:
  description: The deployment group's settings after the run (predicted in check mode), snake_case.
  returned: always
  type: dict
deployment_group_changes:
  description: The deployment group settings that were (or would be) created or changed.
  returned: always
  type: list
  elements: str
  sample: ["autoScalingGroups"]
deployment_id:
  description: The deployment created, followed or acted on; null when there is none (or in check mode before one exists).
  returned: always
  type: str
  sample: d-ABCDEF123
created:
  description: Whether the run created a deployment (would create one, in check mode).
  returned: always
  type: bool
action:
  description: What the run did to the deployment, C(created), C(followed), C(continued), C(stopped) or C(none).
  returned: always
  type: str
status:
  description: CodeDeploy's status of the deployment at the end of the run, e.g. C(Ready), C(InProgress), C(Succeeded).
  returned: always
  type: str
termination_wait_started:
  description: Whether the original instances of a blue/green deployment are waiting for their termination.
  returned: always
  type: bool
revision:
  description: The revision deployed, as CodeDeploy records it (S3 bucket, key, bundle type, version, ETag).
  returned: when a deployment exists
  type: dict
replacement_auto_scaling_group:
  description: The Auto Scaling group CodeDeploy creates for a blue/green deployment, C(CodeDeploy_<group>_<id>).
  returned: for BLUE_GREEN deployments
  type: str
replacement_tags_set:
  description: The O(replacement_tags) the run set (or would set, in check mode) on the replacement group and its instances.
  returned: when O(replacement_tags) is given
  type: dict
  sample: {"bluegreen:color": green}
instances:
  description: Per instance, its id, label (C(Blue) original, C(Green) replacement), status and lifecycle events.
  returned: when a deployment exists and the run did not end in check mode
  type: list
  elements: dict
  sample:
    - instance_id: i-0abc
      label: Green
      status: Succeeded
      lifecycle_events:
        - {name: BeforeInstall, status: Succeeded, diagnostics: null}
failed_event:
  description: The first failed lifecycle event, its instance and diagnostics (error code, script, message, log tail).
  returned: when the deployment failed
  type: dict
  sample:
    instance_id: i-0abc
    lifecycle_event: BeforeAllowTraffic
    error_code: ScriptFailed
    script_name: bluegreen/run-hook.sh
    message: Script at specified location bluegreen/run-hook.sh run as user root failed with exit code 1
    log_tail: "[stdout]http://127.0.0.1/ answered 500"
continued:
  description: The C(ContinueDeployment) wait type the run used (or would use, in check mode), C(READY_WAIT) or C(TERMINATION_WAIT).
  returned: when O(state=rerouted) or O(state=finished) continued the deployment
  type: str
  sample: READY_WAIT
rollback_deployment_id:
  description: The deployment CodeDeploy started to roll back, when it did.
  returned: when CodeDeploy rolled back
  type: str
rollback_status:
  description: How CodeDeploy's rollback deployment ended; the module waits for it (within O(wait_timeout)).
  returned: when CodeDeploy rolled back and O(wait) is true
  type: str
  sample: Succeeded
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.transformation import camel_dict_to_snake_dict

from ansible_collections.teal.bluegreen.plugins.module_utils import codedeploy
from ansible_collections.teal.bluegreen.plugins.module_utils._autoscaling import groups as autoscaling_api
from ansible_collections.teal.bluegreen.plugins.module_utils._codedeploy import deployments as codedeploy_api
from ansible_collections.teal.bluegreen.plugins.module_utils._codedeploy import waiters as codedeploy_waiters
from ansible_collections.teal.bluegreen.plugins.module_utils._ec2 import instances as ec2_api
from ansible_collections.teal.bluegreen.plugins.module_utils._elbv2 import resources as elbv2_api
from ansible_collections.teal.bluegreen.plugins.module_utils._s3 import objects as s3_api
from ansible_collections.teal.bluegreen.plugins.module_utils.bounds import check_options
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import BlueGreenError
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import Clients
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import run_module

# What each state does to a deployment, for messages.
VERBS = {"present": "deploy", "rerouted": "reroute", "finished": "finish", "stopped": "stop"}


def check_resources(clients, config):
    """The Auto Scaling groups and the target group the deployment group names must exist."""
    autoscaling = clients("autoscaling")
    for name in config["autoScalingGroups"]:
        if autoscaling_api.describe_group(autoscaling, name) is None:
            raise BlueGreenError(
                f"Auto Scaling group {name!r} in auto_scaling_groups does not exist; give the name of an existing group "
                "(a blue/green deployment replaces the group it copies: see the deployment group's autoScalingGroups)"
            )
    for item in (config.get("loadBalancerInfo") or {}).get("targetGroupInfoList", []):
        if elbv2_api.describe_target_group(clients("elbv2"), item["name"]) is None:
            raise BlueGreenError(
                f"target group {item['name']!r} in target_group does not exist; give the name of an existing target group"
            )


def pinned_revision(s3, revision):
    """The revision to deploy, with the ETag and version S3 holds; fails when the bundle is not there."""
    revision = dict(revision)
    head = s3_api.head_object(s3, revision["bucket"], revision["key"], revision.get("version"))
    where = f"s3://{revision['bucket']}/{revision['key']}" + (
        f" version {revision['version']}" if revision.get("version") else ""
    )
    if head is None:
        raise BlueGreenError(f"revision {where} not found in S3; upload the bundle first, or fix revision's bucket/key")
    found = head.get("ETag", "").strip('"')
    if revision.get("etag") and revision["etag"].strip('"') != found:
        raise BlueGreenError(
            f"revision {where} has ETag {found!r} in S3, not {revision['etag']!r}; upload the bundle again or give its "
            "current ETag"
        )
    revision["etag"] = found or None
    if not revision.get("version") and head.get("VersionId") not in (None, "null"):
        revision["version"] = head["VersionId"]
    return codedeploy.revision_location(revision)


def ensure_group(module, clients, config):
    """Create or update the application and the deployment group.

    Returns the settings that change, the group as it was read (None when missing) and its settings after.
    """
    params = module.params
    client = clients("codedeploy")
    application = codedeploy_api.get_application(client, params["application"])
    group = (
        codedeploy_api.get_deployment_group(client, params["application"], params["deployment_group"])
        if application
        else None
    )
    action, changes = codedeploy.plan_group(group, config)
    if action == "create" and not config.get("serviceRoleArn"):
        raise BlueGreenError(
            f"deployment group {params['deployment_group']!r} of application {params['application']!r} does not exist "
            "and service_role_arn is not given; give the ARN of the role CodeDeploy assumes to create it"
        )
    if action == "create" and not config["autoScalingGroups"]:
        raise BlueGreenError(
            f"deployment group {params['deployment_group']!r} does not exist and auto_scaling_groups is empty; give the "
            "Auto Scaling group(s) to deploy to"
        )
    if action != "none":
        check_resources(clients, config)
    if not module.check_mode:
        if application is None:
            codedeploy_api.create_application(client, params["application"])
        if action == "create":
            codedeploy_api.create_deployment_group(client, params["application"], params["deployment_group"], config)
        elif action == "update":
            codedeploy_api.update_deployment_group(client, params["application"], params["deployment_group"], config)
    before = codedeploy.current_config(group) if group else None
    return changes, group, dict(before or {}, **config)


def active_deployment(client, params):
    ids = codedeploy_api.list_active_deployments(client, params["application"], params["deployment_group"])
    return codedeploy_api.get_deployment(client, ids[0]) if ids else None


def last_deployment(client, group_info):
    last = (group_info or {}).get("lastAttemptedDeployment") or {}
    return codedeploy_api.get_deployment(client, last["deploymentId"]) if last.get("deploymentId") else None


def target_deployment(module, client):
    """The deployment state=rerouted/finished/stopped acts on: deployment_id, the one under way, or the last one."""
    params = module.params
    if params["deployment_id"]:
        info = codedeploy_api.get_deployment(client, params["deployment_id"])
        if info is None or (info["applicationName"], info["deploymentGroupName"]) != (
            params["application"],
            params["deployment_group"],
        ):
            raise BlueGreenError(
                f"deployment_id {params['deployment_id']!r} is not a deployment of deployment group "
                f"{params['deployment_group']!r} of application {params['application']!r}; give one of its deployments "
                "or leave deployment_id out"
            )
        return info, codedeploy_api.get_deployment_group(client, params["application"], params["deployment_group"])
    group = None
    if codedeploy_api.get_application(client, params["application"]) is not None:
        group = codedeploy_api.get_deployment_group(client, params["application"], params["deployment_group"])
    if group is None:
        raise BlueGreenError(
            f"deployment group {params['deployment_group']!r} of application {params['application']!r} does not exist, "
            f"so there is no deployment to {VERBS[params['state']]}; deploy a revision first with state=present"
        )
    return active_deployment(client, params) or last_deployment(client, group), group


def wait_for(module, client, info, wanted):
    """Wait until the deployment reaches wanted or ends; returns the deployment read at the end."""
    params = module.params
    if module.check_mode or not params["wait"] or codedeploy.reached(info, wanted):
        return info
    in_time = codedeploy_waiters.wait_for_milestone(
        client, info["deploymentId"], wanted, params["wait_timeout"], params["poll_interval"]
    )
    info = codedeploy_api.get_deployment(client, info["deploymentId"])
    if (
        not in_time
        and not codedeploy.reached(info, wanted)
        and info.get("status") not in codedeploy_waiters.FINAL_STATUSES
    ):
        raise BlueGreenError(codedeploy.failure_message(info, None, wait_timeout=params["wait_timeout"]))
    return info


def check_input(params):
    """The options, checked before any call."""
    problems = codedeploy.input_problems(params)
    if problems:
        raise BlueGreenError("; ".join(problems) + "; nothing changed")


def ensure_deployment(module, client, config, group, revision):
    """state=present: ``revision`` deployed to the group: a deployment created, unless one of it is under way or was
    the last, then waited for.

    ``group`` is the deployment group as ``ensure_group`` read it. Returns (changed, {action, created, revision,
    info}): info is the deployment read at the end, None in check mode when one would be created.
    """
    params = module.params
    active = active_deployment(client, params) if group else None
    last = last_deployment(client, group) if group and active is None else None
    try:
        action, info = codedeploy.plan_deployment(active, last, revision, params["deployment_group"])
    except codedeploy.DeploymentConflict as e:
        raise BlueGreenError(str(e)) from None
    if action != "create":
        done = dict(action="followed" if action == "follow" else "none", created=False, revision=revision)
        return False, dict(done, info=wait_for(module, client, info, codedeploy.milestone(params, config)))
    done = dict(action="created", created=True, revision=revision)
    if module.check_mode:
        return True, dict(done, info=None, status="Created")
    deployment_id = codedeploy_api.create_deployment(
        client,
        params["application"],
        params["deployment_group"],
        revision,
        params["description"] or f"teal.bluegreen: {codedeploy.describe_revision(revision)}",
    )
    info = codedeploy_api.get_deployment(client, deployment_id)
    return True, dict(done, info=wait_for(module, client, info, codedeploy.milestone(params, config)))


def check_step(module, client, info):
    """state=rerouted | finished: there is a deployment, and it has not failed or been stopped (state=stopped takes
    any deployment, or none)."""
    params = module.params
    if params["state"] == "stopped":
        return
    if info is None:
        raise BlueGreenError(
            f"deployment group {params['deployment_group']!r} has no deployment to {VERBS[params['state']]}; "
            "deploy a revision first with state=present"
        )
    if info.get("status") in ("Failed", "Stopped"):
        raise BlueGreenError(
            codedeploy.failure_message(info, codedeploy.failed_event(instances(client, info)))
            + f"; there is nothing to {VERBS[params['state']]}: deploy again"
        )


def wait_for_rollback(module, client, info):
    """CodeDeploy's rollback of ``info``, waited for to its end when it has one and the run waits (never in check
    mode): the traffic is back on the original instances only once it has ended. The rollback deployment read at
    the end, or None."""
    rollback = (info.get("rollbackInfo") or {}).get("rollbackDeploymentId")
    if not (rollback and module.params["wait"]) or module.check_mode:
        return None
    return wait_for(module, client, codedeploy_api.get_deployment(client, rollback), "finished")


def check_rolled_back(client, info, rolled_back):
    """The rollback of the stopped deployment ``info`` succeeded, if it was waited for."""
    if rolled_back is not None and rolled_back.get("status") != "Succeeded":
        raise BlueGreenError(
            codedeploy.failure_message(rolled_back, codedeploy.failed_event(instances(client, rolled_back)))
            + f"; deployment {info['deploymentId']} was stopped but its rollback did not succeed"
        )


def ensure_stopped(module, client, info):
    """state=stopped: the deployment stopped (with its rollback, when asked) and, with wait, its rollback ended.

    Returns (changed, {action, info, rolled_back}).
    """
    if info is None:
        return False, dict(action="none", info=None, rolled_back=None)
    if info.get("status") in codedeploy_waiters.FINAL_STATUSES:
        # Stopped already, by a run that may not have seen its rollback through: the traffic is back only once
        # that rollback has ended, so it is waited for all the same.
        rolled_back = wait_for_rollback(module, client, info)
        check_rolled_back(client, info, rolled_back)
        return False, dict(action="none", info=info, rolled_back=rolled_back)
    if module.check_mode:
        return True, dict(action="stopped", info=info, rolled_back=None)
    codedeploy_api.stop_deployment(client, info["deploymentId"], module.params["rollback"])
    info = wait_for(module, client, codedeploy_api.get_deployment(client, info["deploymentId"]), "finished")
    rolled_back = wait_for_rollback(module, client, info)
    check_rolled_back(client, info, rolled_back)
    return True, dict(action="stopped", info=info, rolled_back=rolled_back)


def ensure_continued(module, client, config, info):
    """state=rerouted | finished: the deployment continued up to the milestone asked for, and waited for.

    Returns (changed, {action, continued, info}): continued is the wait type used, None when there was nothing to
    continue.
    """
    wanted = codedeploy.milestone(module.params, config)
    # A deployment that is still installing is first waited for up to its reroute.
    if info.get("status") not in ("Ready", "Succeeded") and not info.get("instanceTerminationWaitTimeStarted"):
        info = wait_for(module, client, info, "ready")
    wait_type = codedeploy.plan_continue(info, wanted)
    if wait_type is None:
        return False, dict(action="none", continued=None, info=wait_for(module, client, info, wanted))
    if module.check_mode:
        return True, dict(action="continued", continued=wait_type, info=info)
    codedeploy_api.continue_deployment(client, info["deploymentId"], wait_type)
    info = codedeploy_api.get_deployment(client, info["deploymentId"])
    # Rerouting to the end: the termination wait comes next, and finished ends it too.
    if wanted == "finished" and wait_type == "READY_WAIT":
        info = wait_for(module, client, info, "rerouted")
        if codedeploy.plan_continue(info, wanted) == "TERMINATION_WAIT":
            codedeploy_api.continue_deployment(client, info["deploymentId"], "TERMINATION_WAIT")
            info = codedeploy_api.get_deployment(client, info["deploymentId"])
    return True, dict(action="continued", continued=wait_type, info=wait_for(module, client, info, wanted))


def replacement_group(params, config, info):
    """The Auto Scaling group a blue/green deployment ``info`` creates, CodeDeploy_<group>_<id>; None for IN_PLACE."""
    if not info:
        return None
    style = (info.get("deploymentStyle") or {}).get("deploymentType") or config["deploymentStyle"]["deploymentType"]
    if style != "BLUE_GREEN":
        return None
    return f"CodeDeploy_{params['deployment_group']}_{info['deploymentId']}"


def ensure_replacement_tags(module, clients, name):
    """The replacement group ``name`` and its instances carry replacement_tags.

    Returns (changed, the tags set or to set); (False, None) when the group is not there.
    """
    autoscaling = clients("autoscaling")
    group = autoscaling_api.describe_group(autoscaling, name)
    if group is None:
        # Not made yet (the run did not wait), or removed by a rollback.
        return False, None
    missing = codedeploy.tags_to_set(group["tags"], module.params["replacement_tags"])
    if not missing or module.check_mode:
        return bool(missing), missing
    # The instances first: a group that carries the tags then says its instances do too.
    instance_ids = [instance["InstanceId"] for instance in group.get("Instances", [])]
    if instance_ids:
        ec2_api.tag_instances(clients("ec2"), instance_ids, missing)
    autoscaling_api.put_tags(
        autoscaling, name, [{"Key": key, "Value": value, "PropagateAtLaunch": True} for key, value in missing.items()]
    )
    return True, missing


def instances(client, info):
    return codedeploy.instance_summaries(codedeploy_api.get_deployment_targets(client, info["deploymentId"]))


def failed_deployment(params, deployment):
    """Whether the run fails on the deployment's end: it failed or was stopped, other than by state=stopped."""
    info = deployment["info"]
    return bool(
        info
        and info.get("status") in ("Failed", "Stopped")
        and not (params["state"] == "stopped" and deployment["action"] in ("stopped", "none"))
    )


def report(module, settings, deployment, replacement, tags_set, summaries, failed):
    """The module's result, with its diff.

    ``settings`` holds the deployment group's settings {changes, before, after}; ``deployment`` is what the
    ``ensure_*`` step of the state returned.
    """
    params = module.params
    info = deployment["info"]
    result = {
        "application": params["application"],
        "created": deployment.get("created", False),
        "action": deployment["action"],
        "deployment_group_changes": settings["changes"],
        "deployment_group": camel_dict_to_snake_dict(settings["after"]),
    }
    if deployment.get("continued"):
        result["continued"] = deployment["continued"]
    if deployment.get("rolled_back") is not None:
        result["rollback_status"] = deployment["rolled_back"].get("status")
    result.update(
        deployment_id=info["deploymentId"] if info else None,
        status=(info or {}).get("status", deployment.get("status")),
        termination_wait_started=bool((info or {}).get("instanceTerminationWaitTimeStarted")),
    )
    if info or "revision" in deployment:
        result["revision"] = (info or {}).get("revision") or deployment.get("revision")
    if replacement:
        result["replacement_auto_scaling_group"] = replacement
    if tags_set is not None:
        result["replacement_tags_set"] = tags_set
    rollback = ((info or {}).get("rollbackInfo") or {}).get("rollbackDeploymentId")
    if rollback:
        result["rollback_deployment_id"] = rollback
    if module._diff:
        before_revision = info.get("revision") if info and not result["created"] else None
        result["diff"] = {
            "before": {"deployment_group": settings["before"], "revision": before_revision},
            "after": {"deployment_group": settings["after"], "revision": result.get("revision")},
        }
    result["instances"] = summaries
    if failed:
        result["failed_event"] = codedeploy.failed_event(summaries)
    return result


def do(module):
    params = module.params
    check_input(params)
    clients = Clients(module)
    client = clients("codedeploy")
    config = codedeploy.group_config(params)
    if params["state"] == "present":
        revision = pinned_revision(clients("s3"), params["revision"])
        changes, group, after = ensure_group(module, clients, config)
        settings = dict(changes=changes, before=codedeploy.current_config(group) if group else None, after=after)
        deployed, deployment = ensure_deployment(module, client, config, group, revision)
        # A deployment group created or updated is a change even when the revision is already deployed.
        changed = deployed or bool(changes)
    else:
        info, group = target_deployment(module, client)
        check_step(module, client, info)
        current = codedeploy.current_config(group) if group else config
        settings = dict(changes=[], before=current, after=current)
        if params["state"] == "stopped":
            changed, deployment = ensure_stopped(module, client, info)
        else:
            changed, deployment = ensure_continued(module, client, config, info)

    info = deployment["info"]
    replacement = replacement_group(params, config, info)
    tagged, tags_set = False, None
    if replacement and params["replacement_tags"] and info.get("status") not in ("Failed", "Stopped"):
        tagged, tags_set = ensure_replacement_tags(module, clients, replacement)
    summaries = instances(client, info) if info and not (module.check_mode and deployment.get("created")) else []
    failed = failed_deployment(params, deployment)
    if failed:
        # CodeDeploy's automatic rollback runs on its own; waiting for it leaves the fleet in a known state.
        deployment = dict(deployment, rolled_back=wait_for_rollback(module, client, info))
    result = report(module, settings, deployment, replacement, tags_set, summaries, failed)
    if failed:
        module.fail_json(
            msg=codedeploy.failure_message(info, result["failed_event"]), changed=changed or tagged, **result
        )
    module.exit_json(changed=changed or tagged, **result)


def main():
    argument_spec = dict(
        application=dict(type="str", required=True),
        deployment_group=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "rerouted", "finished", "stopped"], default="present"),
        service_role_arn=dict(type="str"),
        deployment_type=dict(type="str", choices=["IN_PLACE", "BLUE_GREEN"], default="IN_PLACE"),
        deployment_config_name=dict(type="str", default="CodeDeployDefault.OneAtATime"),
        auto_scaling_groups=dict(type="list", elements="str"),
        target_group=dict(type="str"),
        blue_green=dict(
            type="dict",
            options=dict(
                ready_action=dict(
                    type="str", choices=["CONTINUE_DEPLOYMENT", "STOP_DEPLOYMENT"], default="CONTINUE_DEPLOYMENT"
                ),
                ready_wait_minutes=dict(type="int", default=0),
                terminate_originals=dict(type="bool", default=True),
                termination_wait_minutes=dict(type="int", default=0),
            ),
        ),
        auto_rollback=dict(
            type="dict",
            default={"enabled": True, "events": ["DEPLOYMENT_FAILURE"]},
            options=dict(
                enabled=dict(type="bool", default=True),
                events=dict(
                    type="list",
                    elements="str",
                    choices=["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"],
                    default=["DEPLOYMENT_FAILURE"],
                ),
            ),
        ),
        revision=dict(
            type="dict",
            options=dict(
                bucket=dict(type="str", required=True),
                key=dict(type="str", required=True, no_log=False),
                bundle_type=dict(type="str", choices=["zip", "tar", "tgz"], default="zip"),
                version=dict(type="str"),
                etag=dict(type="str"),
            ),
        ),
        replacement_tags=dict(type="dict"),
        description=dict(type="str"),
        deployment_id=dict(type="str"),
        rollback=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
        poll_interval=dict(type="int", default=15),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    check_options(module, argument_spec)
    run_module(module, do)


if __name__ == "__main__":
    main()
