#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: asg_clone
version_added: 0.1.0
short_description: Create or delete a colour's Auto Scaling group as a faithful copy of another
description:
  - Creates the Auto Scaling group O(name) as a copy of O(source), as CodeDeploy's
    C(COPY_AUTO_SCALING_GROUP) does, with the idle colour's target groups and optionally a new AMI.
  - Copies the launch template (or the mixed instances policy), subnets, sizes, health check type and
    grace period, termination policies, default cooldown, default instance warmup, maximum instance
    lifetime, capacity rebalance, the other group settings AWS describes, metrics collection, lifecycle
    hooks, scaling policies, scheduled actions and tags.
  - Target-tracking policies whose C(ResourceLabel) names one of the source's target groups are re-pointed
    to the clone's matching target group.
  - What is not copied is listed in RV(not_copied) with the reason, so nothing is dropped silently.
  - Declarative. A second run with the same options changes nothing; changed options update the clone
    and reconcile its hooks, policies, scheduled actions and tags with the source's.
  - O(image_id), O(user_data) and O(instance_type) create one new version of the source's launch template;
    the clone records the versions it created in its C(bluegreen:launch-template-versions) tag, reuses
    the latest of them while its data still matches, and deletes them with O(state=absent).
  - O(state=absent) and O(state=stopped) refuse a group whose target groups take production traffic, that is
    a target group tagged C(IsProduction=true) or one a listener forwards to; with O(live_records) (each colour
    behind its own load balancer), one a listener of a load balancer that the live names alias forwards to.
  - A clone that launches from a version its source created records it too; a version is deleted with the
    last group that records it, never while another group launches from it.
  - O(state=present) refuses a source or clone that is being deleted (Status C(Delete in progress), while its
    instances drain and terminate); run it again once the group is gone.
  - O(state=absent) waits until the group has no instance left before deleting it, so it lasts at least the
    target groups' deregistration delay where a listener forwards to them, and never deletes a group whose
    instances still drain.
author:
  - Teal Ops (@teal-ops)
options:
  name:
    description: Name of the clone.
    type: str
    required: true
  source:
    description:
      - Name of the Auto Scaling group to copy. Required with O(state=present).
      - It must use a launch template or a mixed instances policy; launch configurations are refused.
    type: str
  state:
    description:
      - V(present) creates or updates the clone; V(absent) scales it to zero, waits until it has no
        instances, deletes it and the launch template versions it created that no other group launches from.
      - V(stopped) scales it to zero and waits until it has no instances, but keeps the group and its versions
        (a cheap standby for a rollback); a later V(present) run scales it back up.
      - V(absent) and V(stopped) always wait (up to O(wait_timeout)), because AWS cannot delete a group with
        instances; both refuse a group whose target groups take production traffic.
    type: str
    choices: [present, absent, stopped]
    default: present
  color:
    description: Colour of the clone, set as its C(bluegreen:color) tag. Required with O(state=present).
    type: str
    choices: [blue, green]
  app:
    description:
      - Application of the clone, set as its C(bluegreen:app) tag.
      - When set, a group O(name) (or O(source)) tagged with another application is refused, with either state.
    type: str
  image_id:
    description: AMI of the clone; creates a launch template version from the source's with this image.
    type: str
  user_data:
    description: User data of the clone, in plain text; stored base64-encoded in a new launch template version.
    type: str
  instance_type:
    description: Instance type of the clone; stored in a new launch template version.
    type: str
  launch_template_version:
    description:
      - Version of the source's launch template the clone uses, instead of the source's own version.
      - Mutually exclusive with O(image_id), O(user_data) and O(instance_type).
    type: str
  target_group_arns:
    description:
      - Target groups of the clone, replacing the source's. Each must exist.
      - When omitted, the clone joins the source's target groups, and so takes production traffic at once.
      - Give them in the same order as the source's, so that target-tracking policies are re-pointed.
    type: list
    elements: str
  min_size:
    description: Minimum size of the clone; the source's when omitted.
    type: int
  max_size:
    description: Maximum size of the clone; the source's when omitted.
    type: int
  desired_capacity:
    description: Desired capacity of the clone; the source's when omitted. Mutually exclusive with O(match_healthy_capacity).
    type: int
  match_healthy_capacity:
    description: Use the number of the source's instances that are InService and Healthy as desired capacity, like CodeDeploy.
    type: bool
    default: false
  tags:
    description:
      - Tags merged over the source's. C(bluegreen:color) is always O(color).
      - A tag keeps the source's C(PropagateAtLaunch); new tags propagate at launch.
      - The source's C(Name) tag, when it is the source's name, becomes the clone's name.
    type: dict
  test_listener_ports:
    description:
      - Ports of test listeners (such as the 8080 listener that alb_swap points at the idle colour). With
        O(state=absent) or O(state=stopped), what they forward does not count as production traffic.
    type: list
    elements: int
    default: []
  live_records:
    description:
      - With one load balancer per colour (strategy C(route53)), the live alias records, as given to
        M(teal.bluegreen.route53_alias_flip). With O(state=absent) or O(state=stopped), only a load balancer
        that one of these names aliases carries production traffic; the other colour's load balancer carries
        staging traffic, and the C(IsProduction) tag, which only M(teal.bluegreen.alb_swap) maintains, is not read.
      - A live name that is missing or not an alias makes the module refuse, since it cannot tell then.
  wait:
    description:
      - Wait until the clone's desired capacity is InService and healthy in every target group it is attached to.
      - Check mode never waits.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait, in total, before failing with the instances that are not healthy and why.
    type: int
    default: 600
  poll_interval:
    description: Seconds between two checks while waiting.
    type: int
    default: 15
extends_documentation_fragment:
  - teal.bluegreen.records
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reads everything and predicts the clone; calls no API that changes anything and never waits.
  diff_mode:
    support: full
    description:
      - Shows the clone's settings, target groups and tags before and after, and, when the run makes a launch
        template version (O(image_id), O(instance_type), O(user_data)), its image and instance type.
notes:
  - Warm pools, notification configurations and traffic sources other than target groups are read and,
    when the source has them, reported in RV(not_copied); so are suspended processes and classic load balancers.
    When they cannot be read, they are reported as C(could not read) with the reason.
  - Needs C(autoscaling:Describe*), C(CreateAutoScalingGroup), C(UpdateAutoScalingGroup), C(DeleteAutoScalingGroup),
    C(AttachLoadBalancerTargetGroups), C(DetachLoadBalancerTargetGroups), C(CreateOrUpdateTags), C(DeleteTags),
    C(EnableMetricsCollection), C(PutLifecycleHook), C(PutScalingPolicy), C(PutScheduledUpdateGroupAction) and
    their deletions; C(ec2:DescribeImages), C(DescribeLaunchTemplateVersions), C(CreateLaunchTemplateVersion),
    C(DeleteLaunchTemplateVersions); C(elasticloadbalancing:DescribeTargetGroups), C(DescribeTargetHealth),
    C(DescribeTags), C(DescribeListeners), C(DescribeRules); with O(live_records), C(elasticloadbalancing:DescribeLoadBalancers),
    C(route53:ListHostedZonesByName) (or C(GetHostedZone)) and C(route53:ListResourceRecordSets).
  - The launch template version is created with a client token of the run, so that a request sent again after
    its answer was lost makes no second version.
  - A first clone with a new AMI makes about 20 API calls plus the polls of the wait; a run that changes nothing
    makes about 15 and no write call.
"""

EXAMPLES = r"""
- name: Clone the live blue group to green, with the new AMI, attached to the green target group
  teal.bluegreen.asg_clone:
    source: shop-blue
    name: shop-green
    color: green
    app: shop
    image_id: ami-0123456789abcdef0
    target_group_arns:
      - "{{ green_target_group_arn }}"
    match_healthy_capacity: true
    wait_timeout: 900
  register: clone

- name: Show what was not copied
  ansible.builtin.debug:
    var: clone.not_copied

- name: Keep the old colour as a standby with no instances, for a quick rollback
  teal.bluegreen.asg_clone:
    name: shop-blue
    app: shop
    state: stopped
    test_listener_ports: [8080]

- name: Delete the old colour after the switch
  teal.bluegreen.asg_clone:
    name: shop-blue
    app: shop
    state: absent
    test_listener_ports: [8080]

- name: Delete the old colour when each colour has its own load balancer and www aliases the live one's
  teal.bluegreen.asg_clone:
    name: shop-blue
    app: shop
    state: absent
    live_records:
      zone: example.com
      names: [www]
"""

RETURN = r"""
up_to_date:
  description:
    - Whether the clone was already as asked, so that the run changed nothing (in check mode, would change nothing).
    - The opposite of C(changed) as the module returns it; unlike C(changed), a task's C(changed_when) does not alter it,
      so a prediction in check mode can report no change and still tell whether there is work to do.
  returned: when O(state=present)
  type: bool
  sample: false
auto_scaling_group:
  description: The clone as AWS describes it, in snake_case, with its tags as a dict (predicted in check mode).
  returned: when O(state=present) or O(state=stopped)
  type: dict
  sample: {"auto_scaling_group_name": "shop-green", "min_size": 2, "max_size": 4, "tags": {"bluegreen:color": "green"}}
instances:
  description: The clone's instances, in snake_case.
  returned: when O(state=present)
  type: list
  elements: dict
launch_template_version:
  description: The launch template and version the clone launches from.
  returned: when O(state=present)
  type: dict
  sample: {"launch_template_id": "lt-0123456789abcdef0", "version": "3", "created": true}
copied:
  description: What was copied from the source.
  returned: when O(state=present)
  type: list
  elements: str
  sample: ["launch template", "subnets", "HealthCheckType", "lifecycle hook drain", "tag Name"]
not_copied:
  description: What was not copied, each with the reason.
  returned: when O(state=present)
  type: list
  elements: dict
  sample: [{"item": "warm pool", "reason": "warm pools are not copied; create one on the clone with PutWarmPool"}]
changes:
  description: What the run changed (or would change in check mode).
  returned: always
  type: dict
deleted_launch_template_versions:
  description: The launch template versions the clone had created and that were deleted with it.
  returned: when O(state=absent)
  type: list
  elements: str
kept_launch_template_versions:
  description: Versions the clone had created that could not be deleted, with the reason.
  returned: when O(state=absent)
  type: list
  elements: dict
"""

import datetime
import uuid

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.teal.bluegreen.plugins.module_utils import clone
from ansible_collections.teal.bluegreen.plugins.module_utils import state
from ansible_collections.teal.bluegreen.plugins.module_utils._autoscaling import attached as attached_api
from ansible_collections.teal.bluegreen.plugins.module_utils._autoscaling import groups as asg_api
from ansible_collections.teal.bluegreen.plugins.module_utils._autoscaling import waiters as asg_waiters
from ansible_collections.teal.bluegreen.plugins.module_utils._ec2 import launch_templates as lt_api
from ansible_collections.teal.bluegreen.plugins.module_utils._elbv2 import resources as elbv2_api
from ansible_collections.teal.bluegreen.plugins.module_utils._elbv2 import waiters as elbv2_waiters
from ansible_collections.teal.bluegreen.plugins.module_utils.bounds import check_minimums
from ansible_collections.teal.bluegreen.plugins.module_utils.bounds import check_options
from ansible_collections.teal.bluegreen.plugins.module_utils.discovery import read_live_records
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import BlueGreenError
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import check_app
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import Clients
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import RECORDS_SPEC
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import run_module
from ansible_collections.teal.bluegreen.plugins.module_utils.waiter import WaitTimeout

TEMPLATE_OVERRIDES = ("image_id", "user_data", "instance_type")


def check_owner(group, app, role):
    owner = group["tags"].get(state.APP_TAG)
    if app and owner and owner != app:
        raise BlueGreenError(
            f"Auto Scaling group {group['AutoScalingGroupName']!r} ({role}) belongs to app {owner!r}, not {app!r}; "
            "choose another name, or the app that owns it"
        )


def read_target_groups(elbv2, arns):
    """DescribeTargetGroups entries of ``arns``; fails naming the first that is not an ARN or does not exist."""
    # DescribeTargetGroups takes names too, but CreateAutoScalingGroup wants ARNs.
    names = [arn for arn in arns if not arn.startswith("arn:")]
    if names:
        raise BlueGreenError(
            f"target group {names[0]!r} in target_group_arns is not an ARN; give the target group's ARN "
            "(arn:aws:elasticloadbalancing:...), as elb_target_group_info returns it"
        )
    found = elbv2_api.describe_target_groups(elbv2, arns)
    if len(found) == len(set(arns)):
        return found
    for arn in arns:
        if elbv2_api.describe_target_group(elbv2, arn) is None:
            raise BlueGreenError(
                f"target group {arn!r} in target_group_arns does not exist; give the ARN of an existing target group"
            )
    return found


def ensure_template(module, ec2, source, existing):
    """The launch template and version the clone uses, with a version created when the overrides ask for one (in check
    mode, only numbered as it would be): (created, {LaunchTemplateId, Version, record, created, shown}).
    """
    params = module.params
    spec = clone.launch_template_of(source)
    template_id = spec["LaunchTemplateId"]
    record = clone.parse_record(existing["tags"].get(clone.RECORD_TAG)) if existing else {}
    source_record = clone.parse_record(source["tags"].get(clone.RECORD_TAG))
    if params["launch_template_version"]:
        version = params["launch_template_version"]
        if not lt_api.describe_versions(ec2, template_id, [version]):
            raise BlueGreenError(
                f"launch template {template_id} has no version {version!r}; set launch_template_version to an "
                "existing version number, $Latest or $Default"
            )
        record = clone.inherit_record(record, source_record, template_id, version)
        return False, {"LaunchTemplateId": template_id, "Version": version, "record": clone.format_record(record)}
    if not any(params[option] is not None for option in TEMPLATE_OVERRIDES):
        record = clone.inherit_record(record, source_record, template_id, spec["Version"])
        return False, {
            "LaunchTemplateId": template_id,
            "Version": spec["Version"],
            "record": clone.format_record(record),
        }

    if params["image_id"] and lt_api.describe_image(ec2, params["image_id"]) is None:
        raise BlueGreenError(
            f"image {params['image_id']!r} does not exist or is not shared with this account; check image_id"
        )
    ours = record.get(template_id, [])
    wanted_versions = [spec["Version"], "$Latest"] + ([str(ours[-1])] if ours else [])
    versions = lt_api.describe_versions(ec2, template_id, list(dict.fromkeys(wanted_versions)))
    by_ref = {}
    for item in versions:
        by_ref[str(item["VersionNumber"])] = item
        if item.get("DefaultVersion"):
            by_ref["$Default"] = item
    latest = max((item["VersionNumber"] for item in versions), default=0)
    by_ref["$Latest"] = by_ref.get(str(latest))
    base = by_ref.get(str(spec["Version"]))
    if base is None:
        raise BlueGreenError(
            f"the source's launch template {template_id} version {spec['Version']!r} could not be read; "
            "check the source group's launch template"
        )
    data = clone.template_data(
        base["LaunchTemplateData"], params["image_id"], params["user_data"], params["instance_type"]
    )
    previous = by_ref.get(str(ours[-1])) if ours else None
    # What diff mode shows of the version's data: the image and the instance type, never the user data, which may
    # hold secrets.
    shown = {
        "before": clone.template_view(previous["LaunchTemplateData"]) if previous is not None else None,
        "after": clone.template_view(data),
    }
    if previous is not None and previous["LaunchTemplateData"] == data:
        return False, {
            "LaunchTemplateId": template_id,
            "Version": str(ours[-1]),
            "record": clone.format_record(record),
            "created": False,
            "shown": shown,
        }
    if module.check_mode:
        number = latest + 1
    else:
        description = f"asg_clone {params['name']} from {params['source']} version {base['VersionNumber']}"
        # One client token for the run: a request sent again after its answer was lost, by botocore or by the
        # retry around the call, makes no second version.
        token = f"asg-clone-{uuid.uuid4()}"
        number = lt_api.create_version(ec2, template_id, data, description[:255], token)["VersionNumber"]
    record.setdefault(template_id, []).append(int(number))
    return True, {
        "LaunchTemplateId": template_id,
        "Version": str(number),
        "record": clone.format_record(record),
        "created": True,
        "shown": shown,
    }


def read_unsupported(asg, source):
    """What the source has that a clone does not copy, read where the endpoint can answer."""
    not_copied = []
    reads = (
        (
            "warm pool",
            attached_api.describe_warm_pool,
            "warm pools are not copied; add one to the clone with PutWarmPool",
        ),
        (
            "notification configurations",
            attached_api.describe_notification_configurations,
            "notifications are not copied; they would announce the clone's events to the source's topics",
        ),
        ("traffic sources", attached_api.describe_traffic_sources, None),
    )
    for item, read, reason in reads:
        try:
            found = read(asg, source["AutoScalingGroupName"])
        except AnsibleAWSError as e:
            not_copied.append({"item": item, "reason": f"could not read: {e.message}"})
            continue
        if item == "traffic sources":
            found = [
                source_item
                for source_item in found or []
                if source_item.get("Type") != "elbv2"
                and source_item.get("Identifier") not in source.get("TargetGroupARNs", [])
                and source_item.get("Identifier") not in source.get("LoadBalancerNames", [])
            ]
            for source_item in found:
                not_copied.append(
                    {
                        "item": f"traffic source {source_item.get('Identifier')}",
                        "reason": "traffic sources other than target groups are not attached to the clone",
                    }
                )
        elif found:
            not_copied.append({"item": item, "reason": reason})
    return not_copied


def wait_healthy(module, asg, elbv2, name, desired, target_groups):
    """Wait for the clone's capacity, then for its instances in each target group; fail saying which are not."""
    params = module.params
    deadline = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=params["wait_timeout"])

    def remaining():
        return max(1, int((deadline - datetime.datetime.now(datetime.timezone.utc)).total_seconds()))

    try:
        asg_waiters.wait_in_service(asg, name, desired, remaining(), params["poll_interval"])
    except WaitTimeout:
        group = asg_api.describe_group(asg, name) or {"Instances": []}
        states = ", ".join(
            f"{item['InstanceId']} {item['LifecycleState']}/{item['HealthStatus']}" for item in group["Instances"]
        )
        raise BlueGreenError(
            f"Auto Scaling group {name!r} has {clone.healthy_count(group)} of {desired} instances InService and "
            f"Healthy after {params['wait_timeout']}s ({states or 'no instances'}); look at its scaling activities, "
            "or raise wait_timeout"
        ) from None
    group = asg_api.describe_group(asg, name)
    ids = sorted(
        item["InstanceId"]
        for item in group["Instances"]
        if item["LifecycleState"] == "InService" and item["HealthStatus"] == "Healthy"
    )
    for arn in target_groups:
        try:
            elbv2_waiters.wait_targets_healthy(elbv2, arn, ids, remaining(), params["poll_interval"])
        except WaitTimeout:
            health = {
                item["Target"]["Id"]: item["TargetHealth"] for item in elbv2_api.describe_target_health(elbv2, arn)
            }
            unhealthy = [
                f"{instance} {health.get(instance, {}).get('State', 'not registered')}"
                + (
                    f" ({health[instance].get('Reason')}: {health[instance].get('Description')})"
                    if health.get(instance, {}).get("Reason")
                    else ""
                )
                for instance in ids
                if health.get(instance, {}).get("State") != "healthy"
            ]
            raise BlueGreenError(
                f"instances of {name!r} not healthy in target group {arn} after {params['wait_timeout']}s: "
                f"{'; '.join(unhealthy)}; check the target group's health check, or raise wait_timeout"
            ) from None
    return group


def apply(asg, name, desired, changes):
    if changes["create"]:
        settings = dict(changes["settings"])
        settings["TargetGroupARNs"] = desired["target_group_arns"]
        settings["Tags"] = list(desired["tags"].values())
        if desired["hooks"]:
            # Given at creation, the hooks also catch the group's first instances.
            settings["LifecycleHookSpecificationList"] = list(desired["hooks"].values())
        asg_api.create_group(asg, name, settings)
        present = {hook["LifecycleHookName"] for hook in attached_api.describe_lifecycle_hooks(asg, name)}
        hooks_to_put = [hook for hook in sorted(desired["hooks"]) if hook not in present]
    else:
        if changes["settings"]:
            asg_api.update_group(asg, name, changes["settings"])
        if changes["attach"]:
            asg_api.attach_target_groups(asg, name, changes["attach"])
        if changes["detach"]:
            asg_api.detach_target_groups(asg, name, changes["detach"])
        if changes["put_tags"]:
            asg_api.put_tags(asg, name, [desired["tags"][key] for key in changes["put_tags"]])
        if changes["delete_tags"]:
            asg_api.delete_tags(asg, name, changes["delete_tags"])
        hooks_to_put = changes["hooks"][0]
    metrics = changes["metrics"]
    if metrics and metrics.get("Disable"):
        asg_api.disable_metrics_collection(asg, name, metrics["Disable"])
    elif metrics:
        asg_api.enable_metrics_collection(asg, name, metrics["Metrics"], metrics["Granularity"])
    for hook in hooks_to_put:
        attached_api.put_lifecycle_hook(asg, name, desired["hooks"][hook])
    for hook in changes["hooks"][1]:
        attached_api.delete_lifecycle_hook(asg, name, hook)
    for policy in changes["policies"][0]:
        attached_api.put_policy(asg, name, desired["policies"][policy])
    for policy in changes["policies"][1]:
        attached_api.delete_policy(asg, name, policy)
    for action in changes["scheduled"][0]:
        attached_api.put_scheduled_action(asg, name, desired["scheduled"][action])
    for action in changes["scheduled"][1]:
        attached_api.delete_scheduled_action(asg, name, action)


def _printable(value):
    if isinstance(value, dict):
        return {key: _printable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_printable(item) for item in value]
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return value


def snake_group(group):
    result = camel_dict_to_snake_dict(_printable({key: value for key, value in group.items() if key != "tags"}))
    result["tags"] = clone.tags_dict(group.get("Tags"))
    return result


def predicted_group(existing, desired):
    group = dict(existing or {"AutoScalingGroupName": desired["name"], "Instances": []})
    group.update(desired["settings"])
    group["TargetGroupARNs"] = list(desired["target_group_arns"])
    group["Tags"] = list(desired["tags"].values())
    return group


def check_input(params):
    """The checks of the input that need no AWS call, beyond main()'s."""
    if params["app"]:
        check_app(params["app"])
    if params["state"] == "present" and params["name"] == params["source"]:
        raise BlueGreenError(
            f"name and source are both {params['name']!r}; a clone needs its own name (for example the other colour's)"
        )


def clone_overrides(params):
    """The options that the clone takes instead of the source's settings, as clone.plan_clone reads them."""
    return {
        "name": params["name"],
        "target_group_arns": params["target_group_arns"],
        "min_size": params["min_size"],
        "max_size": params["max_size"],
        "desired_capacity": params["desired_capacity"],
        "match_healthy_capacity": params["match_healthy_capacity"],
        "tags": params["tags"],
    }


def read_present(module, asg, elbv2):
    """What the clone is made from: the source and the clone as they are, checked (owned by the app, not being deleted,
    a source that launches from a launch template), and the load balancers of the target groups asked for."""
    params = module.params
    source = asg_api.describe_group(asg, params["source"])
    if source is None:
        raise BlueGreenError(f"source Auto Scaling group {params['source']!r} not found; check source")
    check_owner(source, params["app"], "the source")
    existing = asg_api.describe_group(asg, params["name"])
    if existing:
        check_owner(existing, params["app"], "the clone")
    for role, group in (("source", source), ("clone", existing)):
        if group and group.get("Status") == state.DELETING_STATUS:
            raise BlueGreenError(
                f"the {role}, Auto Scaling group {group['AutoScalingGroupName']!r}, is being deleted (its instances "
                "drain and terminate before it goes); nothing changed. Run again once it is gone"
                + ("" if role == "clone" else ", with a source that serves")
            )
    try:
        clone.launch_template_of(source)
    except ValueError as e:
        raise BlueGreenError(str(e)) from None

    load_balancers = {}
    if params["target_group_arns"] is not None:
        for group in read_target_groups(elbv2, params["target_group_arns"]):
            load_balancers[group["TargetGroupArn"]] = group.get("LoadBalancerArns", [])
    return dict(source=source, existing=existing, load_balancers=load_balancers)


def check_sizes(source, overrides):
    """Sizes that do not fit fail the run before a launch template version can be created, so they change nothing."""
    problem = clone.size_problem(source, overrides)
    if problem:
        raise BlueGreenError(problem)


def plan(module, asg, seen, template):
    """The clone wanted, with what of the source is not copied, and the changes that make it: (desired, changes)."""
    params = module.params
    source, existing = seen["source"], seen["existing"]
    source_name = source["AutoScalingGroupName"]
    hooks = attached_api.describe_lifecycle_hooks(asg, source_name)
    policies = attached_api.describe_policies(asg, source_name)
    scheduled = attached_api.describe_scheduled_actions(asg, source_name)
    now = datetime.datetime.now(datetime.timezone.utc)
    desired = clone.plan_clone(
        source,
        hooks,
        policies,
        scheduled,
        clone_overrides(params),
        params["color"],
        params["app"],
        template,
        now,
        seen["load_balancers"],
    )
    desired["not_copied"].extend(read_unsupported(asg, source))
    if existing:
        changes = clone.compare(
            existing,
            desired,
            attached_api.describe_lifecycle_hooks(asg, params["name"]),
            attached_api.describe_policies(asg, params["name"]),
            attached_api.describe_scheduled_actions(asg, params["name"]),
        )
    else:
        changes = clone.compare(None, desired)
    return desired, changes


def ensure_group(module, asg, desired, changes):
    """The clone's settings, target groups, tags, metrics, hooks, policies and scheduled actions as planned: changed."""
    changed = clone.has_changes(changes)
    if changed and not module.check_mode:
        apply(asg, module.params["name"], desired, changes)
    return changed


def ensure_healthy(module, asg, elbv2, existing, desired):
    """The clone's desired capacity InService and healthy in its target groups, when the run waits: the clone as it is
    then (predicted in check mode, which never waits)."""
    params = module.params
    if module.check_mode:
        return predicted_group(existing, desired)
    if params["wait"] and desired["settings"]["DesiredCapacity"] > 0:
        wait_healthy(
            module,
            asg,
            elbv2,
            params["name"],
            desired["settings"]["DesiredCapacity"],
            desired["target_group_arns"],
        )
    return asg_api.describe_group(asg, params["name"])


def report_present(module, existing, template, desired, changes, group, changed):
    """The result of state=present, with its diff."""
    result = {
        "changed": changed,
        "up_to_date": not changed,
        "auto_scaling_group": snake_group(group),
        "instances": [camel_dict_to_snake_dict(item) for item in group.get("Instances", [])],
        "launch_template_version": {
            "launch_template_id": template["LaunchTemplateId"],
            "version": str(template["Version"]),
            "created": bool(template.get("created")),
        },
        "copied": desired["copied"],
        "not_copied": desired["not_copied"],
        "changes": _printable(
            {
                "create": changes["create"],
                "settings": sorted(changes["settings"]),
                "attach_target_groups": changes["attach"],
                "detach_target_groups": changes["detach"],
                "put_tags": changes["put_tags"],
                "delete_tags": changes["delete_tags"],
                "metrics": bool(changes["metrics"]),
                "lifecycle_hooks": {"put": changes["hooks"][0], "delete": changes["hooks"][1]},
                "scaling_policies": {"put": changes["policies"][0], "delete": changes["policies"][1]},
                "scheduled_actions": {"put": changes["scheduled"][0], "delete": changes["scheduled"][1]},
            }
        ),
    }
    if module._diff:
        before = (
            clone.group_view(existing, existing.get("TargetGroupARNs", []), clone.tags_dict(existing.get("Tags")))
            if existing
            else {}
        )
        after = clone.group_view(
            desired["settings"],
            desired["target_group_arns"],
            {key: tag["Value"] for key, tag in desired["tags"].items()},
        )
        shown = template.get("shown") or {}
        if existing and shown.get("before"):
            before["LaunchTemplateData"] = shown["before"]
        if shown.get("after"):
            after["LaunchTemplateData"] = shown["after"]
        result["diff"] = {"before": _printable(before), "after": _printable(after)}
    return result


def present(module, clients):
    """The clone as asked: read, check the sizes, then the launch template version, the group, the wait; the result."""
    asg = clients("autoscaling")
    ec2 = clients("ec2")
    elbv2 = clients("elbv2")

    seen = read_present(module, asg, elbv2)
    check_sizes(seen["source"], clone_overrides(module.params))
    template_created, template = ensure_template(module, ec2, seen["source"], seen["existing"])
    desired, changes = plan(module, asg, seen, template)
    group_changed = ensure_group(module, asg, desired, changes)
    group = ensure_healthy(module, asg, elbv2, seen["existing"], desired)
    return report_present(
        module, seen["existing"], template, desired, changes, group, group_changed or template_created
    )


def production_reasons(module, clients, group):
    params = module.params
    arns = group.get("TargetGroupARNs", [])
    if not arns:
        return []
    elbv2 = clients("elbv2")
    target_groups = elbv2_api.describe_target_groups(elbv2, arns)
    lb_arns = sorted({lb for item in target_groups for lb in item.get("LoadBalancerArns", [])})
    tags, names = {}, []
    if params["live_records"]:
        # Each colour has its own load balancer: only those the live names alias carry production traffic.
        aliased = aliased_load_balancers(module, clients, lb_arns)
        lb_arns = sorted(aliased)
        names = sorted({name for found in aliased.values() for name in found})
    else:
        tags = elbv2_api.describe_tags(elbv2, arns)
    listeners, rules = {}, {}
    for lb_arn in lb_arns:
        listeners[lb_arn] = [
            item
            for item in elbv2_api.describe_listeners(elbv2, lb_arn)
            if item["Port"] not in params["test_listener_ports"]
        ]
        for listener in listeners[lb_arn]:
            rules[listener["ListenerArn"]] = elbv2_api.describe_rules(elbv2, listener["ListenerArn"])
    reasons = clone.production_reasons(target_groups, listeners, rules, tags)
    if reasons and names:
        reasons.insert(0, f"live name {', '.join(names)} aliases its load balancer")
    return reasons


def aliased_load_balancers(module, clients, lb_arns):
    """Of the load balancers ``lb_arns``, those a live name aliases: {arn: [names]}."""
    _zone, records = read_live_records(clients("route53"), module.params["live_records"])
    unknown = sorted({record["name"] for record in records if not record["alias_dns_name"]})
    if unknown:
        raise BlueGreenError(
            f"live name {', '.join(unknown)} is missing or not an alias, so whether Auto Scaling group "
            f"{module.params['name']!r} takes production traffic cannot be told; nothing changed (check live_records)"
        )
    by_dns = {}
    for record in records:
        by_dns.setdefault(state.normalize_dns_name(record["alias_dns_name"]), set()).add(record["name"])
    aliased = {}
    # One by one: a load balancer that no longer exists carries nothing, but would fail a batched describe
    # of the others. An application target group sits behind one load balancer, so this is one call.
    for arn in lb_arns:
        lb = elbv2_api.describe_load_balancer(clients("elbv2"), arn)
        names = by_dns.get(state.normalize_dns_name(lb["DNSName"])) if lb else None
        if names:
            aliased[arn] = sorted(names)
    return aliased


def versions_to_delete(asg, ec2, name, record):
    """Split the versions ``record`` names into ([(template id, [numbers])] to delete, [kept with the reason])."""
    if not record:
        return [], []
    others = [group for group in asg_api.describe_all_groups(asg) if group["AutoScalingGroupName"] != name]
    deletions, kept = [], []
    for template_id in sorted(record):
        template = lt_api.describe_template(ec2, template_id)
        if template is None:
            continue
        used = clone.versions_in_use(
            others, template_id, template.get("LatestVersionNumber"), template.get("DefaultVersionNumber")
        )
        numbers = []
        for number in record[template_id]:
            if number in used:
                reason = f"still used by Auto Scaling group {', '.join(sorted(set(used[number])))}"
                kept.append({"version": f"{template_id}:{number}", "reason": reason})
            else:
                numbers.append(str(number))
        if numbers:
            deletions.append((template_id, numbers))
    return deletions, kept


def read_absent(module, asg):
    """The group to scale to zero or delete, owned by the app; None when there is no group to delete."""
    params = module.params
    stop = params["state"] == "stopped"
    group = asg_api.describe_group(asg, params["name"])
    if group is None:
        if stop:
            raise BlueGreenError(f"Auto Scaling group {params['name']!r} not found; check name")
        return None
    check_owner(group, params["app"], "to scale to zero" if stop else "to delete")
    return group


def plan_absent(group, stop):
    """What the run changes, {scale_to_zero, delete}; {} when there is no group to delete, or when a group to stop
    has no capacity and no instance left."""
    if group is None:
        return {}
    scale_down = group["DesiredCapacity"] > 0 or group["MinSize"] > 0
    if stop:
        return {"scale_to_zero": scale_down} if scale_down or group.get("Instances") else {}
    return {"scale_to_zero": scale_down, "delete": True}


def check_not_production(module, clients, group):
    """A group whose target groups take production traffic is neither scaled to zero nor deleted."""
    params = module.params
    reasons = production_reasons(module, clients, group)
    if reasons:
        verb = "scaling to zero" if params["state"] == "stopped" else "deleting"
        raise BlueGreenError(
            f"Auto Scaling group {params['name']!r} takes production traffic ({'; '.join(reasons)}); not {verb} it "
            "(switch the traffic to the other colour first, see teal.bluegreen.state_info)"
        )


def plan_versions(module, clients, asg, group, changes):
    """The launch template versions to delete with the group, [(template id, [numbers])], and those kept, with the
    reason."""
    if not changes.get("delete"):
        return [], []
    record = clone.parse_record(group["tags"].get(clone.RECORD_TAG))
    return versions_to_delete(asg, clients("ec2"), module.params["name"], record)


def ensure_empty(module, asg, group, changes):
    """The group at zero capacity with no instance left, waited for: (changed, the group then; predicted in check
    mode, and not read again when it is to be deleted)."""
    params = module.params
    if not changes:
        return False, group
    scale_down = changes["scale_to_zero"]
    if module.check_mode:
        return scale_down, dict(group, MinSize=0, DesiredCapacity=0)
    if scale_down:
        asg_api.update_group(asg, params["name"], {"MinSize": 0, "DesiredCapacity": 0})
    try:
        asg_waiters.wait_empty(asg, params["name"], params["wait_timeout"], params["poll_interval"])
    except WaitTimeout:
        stop = params["state"] == "stopped"
        raise BlueGreenError(
            f"Auto Scaling group {params['name']!r} still has instances after {params['wait_timeout']}s at zero "
            f"capacity; it was scaled to zero but {'still has instances' if stop else 'not deleted'} "
            "(raise wait_timeout and run again)"
        ) from None
    if changes.get("delete"):
        return scale_down, None
    return scale_down, asg_api.describe_group(asg, params["name"])


def ensure_deleted(module, clients, asg, changes, deletions, kept):
    """The group deleted, then the launch template versions planned to go with it: (changed, {deleted versions, kept
    versions with the reason}); predicted in check mode."""
    if not changes.get("delete"):
        return False, {"deleted_launch_template_versions": [], "kept_launch_template_versions": kept}
    if module.check_mode:
        deleted = [f"{template_id}:{number}" for template_id, numbers in deletions for number in numbers]
        return True, {"deleted_launch_template_versions": deleted, "kept_launch_template_versions": kept}
    asg_api.delete_group(asg, module.params["name"])

    ec2 = clients("ec2")
    deleted, kept = [], list(kept)
    for template_id, numbers in deletions:
        try:
            refused = lt_api.delete_versions(ec2, template_id, numbers)
        except AnsibleAWSError as e:
            refused = {number: e.message for number in numbers}
        for number in numbers:
            if number in refused:
                kept.append({"version": f"{template_id}:{number}", "reason": refused[number]})
            else:
                deleted.append(f"{template_id}:{number}")
    if kept:
        module.warn(
            "launch template versions not deleted: "
            + "; ".join(f"{item['version']} ({item['reason']})" for item in kept)
            + "; delete them with DeleteLaunchTemplateVersions"
        )
    return True, {"deleted_launch_template_versions": deleted, "kept_launch_template_versions": kept}


def report_absent(module, group, changes, changed, after, versions):
    """The result of state=absent or state=stopped, with its diff when the run has anything to do."""
    stop = module.params["state"] == "stopped"
    result = {"changed": changed, "changes": changes}
    if changes and module._diff:
        before = clone.group_view(group, group.get("TargetGroupARNs", []), clone.tags_dict(group.get("Tags")))
        diff_after = {} if not stop else dict(before, MinSize=0, DesiredCapacity=0)
        result["diff"] = {"before": _printable(before), "after": _printable(diff_after)}
    if stop:
        result["auto_scaling_group"] = snake_group(after)
    else:
        result.update(versions)
    return result


def absent(module, clients):
    """The group scaled to zero and, with state=absent, deleted with its versions: read, plan, then the changes; the
    result."""
    asg = clients("autoscaling")
    group = read_absent(module, asg)
    changes = plan_absent(group, module.params["state"] == "stopped")
    if changes:
        check_not_production(module, clients, group)
    deletions, kept = plan_versions(module, clients, asg, group, changes)
    emptied, after = ensure_empty(module, asg, group, changes)
    deleted, versions = ensure_deleted(module, clients, asg, changes, deletions, kept)
    return report_absent(module, group, changes, emptied or deleted, after, versions)


def do(module):
    check_input(module.params)
    clients = Clients(module)
    if module.params["state"] == "present":
        result = present(module, clients)
    else:
        result = absent(module, clients)
    module.exit_json(**result)


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        source=dict(type="str"),
        state=dict(type="str", choices=["present", "absent", "stopped"], default="present"),
        color=dict(type="str", choices=list(state.COLORS)),
        app=dict(type="str"),
        image_id=dict(type="str"),
        user_data=dict(type="str"),
        instance_type=dict(type="str"),
        launch_template_version=dict(type="str"),
        target_group_arns=dict(type="list", elements="str"),
        min_size=dict(type="int"),
        max_size=dict(type="int"),
        desired_capacity=dict(type="int"),
        match_healthy_capacity=dict(type="bool", default=False),
        tags=dict(type="dict"),
        test_listener_ports=dict(type="list", elements="int", default=[]),
        live_records=RECORDS_SPEC,
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
        poll_interval=dict(type="int", default=15),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[["state", "present", ["source", "color"]]],
        mutually_exclusive=[
            ["launch_template_version", "image_id"],
            ["launch_template_version", "user_data"],
            ["launch_template_version", "instance_type"],
        ],
    )

    params = module.params
    if params["image_id"] is not None and not clone.IMAGE_PATTERN.match(params["image_id"]):
        module.fail_json(
            msg=f"image_id {params['image_id']!r} is not an AMI id; use the form ami-0123456789abcdef0 (ami- and 8 to 17 "
            "hex digits)"
        )
    if params["desired_capacity"] is not None and params["match_healthy_capacity"]:
        module.fail_json(msg="desired_capacity and match_healthy_capacity are mutually exclusive; set only one")
    check_minimums(module, ("min_size", "max_size", "desired_capacity", "wait_timeout", "poll_interval"))

    check_options(module, argument_spec)
    run_module(module, do)


if __name__ == "__main__":
    main()
