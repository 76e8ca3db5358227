# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Planning a faithful copy of an Auto Scaling group (asg_clone).

Everything here is pure: DescribeAutoScalingGroups-shaped data in, the clone's wanted settings and the
changes to reach them out, so every decision is unit tested without AWS. Functions raise ValueError, with
a message that says what is wrong and what to do, on input that cannot be cloned.
"""

from __future__ import annotations

import base64
import copy
import re

from . import state

IMAGE_PATTERN = re.compile(r"^ami-[0-9a-f]{8,17}$")

# The clone records the launch template versions it created, so that it reuses them on the next run and
# deletes them with the group. A source that is itself a clone never passes its record on: deleting the
# clone would otherwise delete versions the source still runs.
RECORD_TAG = "bluegreen:launch-template-versions"

# Group settings copied as they are, when the source has them. They are accepted by both
# CreateAutoScalingGroup and UpdateAutoScalingGroup under the name DescribeAutoScalingGroups returns.
GROUP_SETTINGS = (
    "HealthCheckType",
    "HealthCheckGracePeriod",
    "TerminationPolicies",
    "DefaultCooldown",
    "DefaultInstanceWarmup",
    "MaxInstanceLifetime",
    "CapacityRebalance",
    "NewInstancesProtectedFromScaleIn",
    "PlacementGroup",
    "ServiceLinkedRoleARN",
    "Context",
    "DesiredCapacityType",
    "InstanceMaintenancePolicy",
    "AvailabilityZoneDistribution",
    "AvailabilityZoneImpairmentPolicy",
    "CapacityReservationSpecification",
    "InstanceLifecyclePolicy",
    "DeletionProtection",
)
SIZES = ("MinSize", "MaxSize", "DesiredCapacity")

HOOK_KEYS = (
    "LifecycleHookName",
    "LifecycleTransition",
    "RoleARN",
    "NotificationTargetARN",
    "NotificationMetadata",
    "HeartbeatTimeout",
    "DefaultResult",
)
POLICY_KEYS = (
    "PolicyName",
    "PolicyType",
    "AdjustmentType",
    "MinAdjustmentMagnitude",
    "ScalingAdjustment",
    "Cooldown",
    "MetricAggregationType",
    "StepAdjustments",
    "EstimatedInstanceWarmup",
    "TargetTrackingConfiguration",
    "Enabled",
    "PredictiveScalingConfiguration",
)
SCHEDULE_KEYS = ("ScheduledActionName", "StartTime", "EndTime", "Recurrence", "MinSize", "MaxSize", "DesiredCapacity")
SCHEDULE_OPTIONAL_KEYS = ("TimeZone",)


def _present(value):
    return value not in (None, "", [], {})


def _pick(item, keys):
    return {key: copy.deepcopy(item[key]) for key in keys if _present(item.get(key))}


def tags_dict(tags):
    return {tag["Key"]: tag["Value"] for tag in tags or []}


# ---------------------------------------------------------------- launch template


def launch_template_of(group):
    """Where ``group`` takes its launch template from: {kind, LaunchTemplateId, Version}.

    ``kind`` is ``launch_template`` or ``mixed_instances_policy``. Launch configurations are refused:
    AWS no longer adds features to them, and a copy would carry them into a new group.
    """
    if group.get("LaunchConfigurationName"):
        raise ValueError(
            f"Auto Scaling group {group['AutoScalingGroupName']!r} launches from launch configuration "
            f"{group['LaunchConfigurationName']!r}; asg_clone copies only groups that use a launch template "
            "(migrate the source group to a launch template first)"
        )
    spec = group.get("LaunchTemplate")
    kind = "launch_template"
    if not spec:
        policy = group.get("MixedInstancesPolicy") or {}
        spec = (policy.get("LaunchTemplate") or {}).get("LaunchTemplateSpecification")
        kind = "mixed_instances_policy"
    if not spec:
        raise ValueError(
            f"Auto Scaling group {group['AutoScalingGroupName']!r} has neither a launch template nor a mixed "
            "instances policy; there is nothing to launch instances from"
        )
    return {"kind": kind, "LaunchTemplateId": spec["LaunchTemplateId"], "Version": spec.get("Version", "$Default")}


def template_data(source_data, image_id=None, user_data=None, instance_type=None):
    """The launch template data of a new version: the source version's with the overrides applied.

    ``user_data`` is plain text; launch templates hold it base64-encoded.
    """
    data = copy.deepcopy(source_data)
    if image_id:
        data["ImageId"] = image_id
    if user_data is not None:
        data["UserData"] = base64.b64encode(user_data.encode("utf-8")).decode("ascii")
    if instance_type:
        data["InstanceType"] = instance_type
    return data


def parse_record(value):
    """The {template id: [version numbers]} a clone's record tag holds ('lt-1:2,lt-1:3')."""
    record = {}
    for item in (value or "").split(","):
        template_id, sep, version = item.strip().partition(":")
        if sep and version.isdigit():
            record.setdefault(template_id, [])
            if int(version) not in record[template_id]:
                record[template_id].append(int(version))
    return record


def format_record(record):
    return ",".join(f"{template_id}:{version}" for template_id in sorted(record) for version in record[template_id])


def inherit_record(record, source_record, template_id, version):
    """``record`` plus the source's claim on ``version`` when the clone launches from a version the source created.

    Both groups then record it, and whichever is deleted last deletes it: deletion skips versions in use.
    """
    merged = {key: list(value) for key, value in record.items()}
    number = int(version) if str(version).isdigit() else None
    if number is not None and number in source_record.get(template_id, []):
        merged.setdefault(template_id, [])
        if number not in merged[template_id]:
            merged[template_id].append(number)
    return merged


def template_references(group):
    """The (template id, version) pairs ``group`` launches from: its template, or its mixed policy's and overrides'."""
    references = []
    spec = group.get("LaunchTemplate")
    policy = (group.get("MixedInstancesPolicy") or {}).get("LaunchTemplate") or {}
    specs = [spec] if spec else [policy.get("LaunchTemplateSpecification")]
    specs += [item.get("LaunchTemplateSpecification") for item in policy.get("Overrides", [])]
    for item in specs:
        if item and item.get("LaunchTemplateId"):
            references.append((item["LaunchTemplateId"], str(item.get("Version") or "$Default")))
    return references


def versions_in_use(groups, template_id, latest, default):
    """{version number: [group names]} of the versions of ``template_id`` that ``groups`` launch from.

    ``$Latest`` and ``$Default`` count as the numbers ``latest`` and ``default`` stand for now: deleting
    the latest version would silently change what a group using ``$Latest`` launches.
    """
    symbolic = {"$Latest": latest, "$Default": default}
    used = {}
    for group in groups:
        for reference_id, version in template_references(group):
            if reference_id != template_id:
                continue
            number = symbolic.get(version, int(version) if version.isdigit() else None)
            if number is not None:
                used.setdefault(int(number), []).append(group["AutoScalingGroupName"])
    return used


# ---------------------------------------------------------------- target groups and scaling policies


def _resource_part(arn, marker):
    """The part of an ELBv2 ARN after ``marker`` ('targetgroup/' or 'loadbalancer/'), kept with its type."""
    sep, rest = arn.partition(":" + marker)[1:]
    return marker + rest if sep else None


def repoint_resource_label(label, old_tg_arn, new_tg_arn, new_lb_arn=None):
    """Re-point an ALBRequestCountPerTarget ResourceLabel from one target group to another.

    The label is ``app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>``. Returns the label unchanged
    when it does not name ``old_tg_arn``. With ``new_lb_arn`` the load balancer part moves too, for a
    new target group served by another load balancer.
    """
    old_part = _resource_part(old_tg_arn, "targetgroup/")
    new_part = _resource_part(new_tg_arn, "targetgroup/")
    if not label or not old_part or not new_part:
        return label
    lb_part, sep, tg_part = label.partition("/targetgroup/")
    if not sep or "targetgroup/" + tg_part != old_part:
        return label
    if new_lb_arn:
        lb_resource = _resource_part(new_lb_arn, "loadbalancer/")
        if lb_resource:
            lb_part = lb_resource[len("loadbalancer/") :]
    return f"{lb_part}/{new_part}"


def target_group_mapping(source_arns, new_arns):
    """Which of the clone's target groups stands for each of the source's: {source arn: clone arn}.

    Without replacements the clone keeps the source's. One source group maps to the one replacement, and
    equally long lists map by position; otherwise no mapping is guessed.
    """
    if new_arns is None:
        return {arn: arn for arn in source_arns}
    if len(source_arns) == len(new_arns):
        return dict(zip(source_arns, new_arns))
    return {}


def _label_of(policy):
    spec = (policy.get("TargetTrackingConfiguration") or {}).get("PredefinedMetricSpecification") or {}
    return spec.get("ResourceLabel")


def _names_target_group(label, arn):
    part = _resource_part(arn, "targetgroup/")
    return bool(part) and label.partition("/targetgroup/")[2] == part[len("targetgroup/") :]


def plan_policy(policy, mapping, load_balancers=None):
    """The PutScalingPolicy parameters of a source policy for the clone, and why when it cannot be copied.

    Returns (params, None), or (None, reason) when the policy's ResourceLabel names a target group with
    no counterpart on the clone. ``load_balancers`` gives each clone target group's load balancer ARNs,
    so a label moves to the new target group's load balancer when it has exactly one other than the label's.
    """
    params = _pick(policy, POLICY_KEYS)
    label = _label_of(params)
    if not label:
        return params, None
    for old_arn, new_arn in mapping.items():
        if not _names_target_group(label, old_arn):
            continue
        lbs = (load_balancers or {}).get(new_arn) or []
        label_lb = "loadbalancer/" + label.partition("/targetgroup/")[0]
        new_lb = lbs[0] if len(lbs) == 1 and _resource_part(lbs[0], "loadbalancer/") != label_lb else None
        spec = params["TargetTrackingConfiguration"]["PredefinedMetricSpecification"]
        spec["ResourceLabel"] = repoint_resource_label(label, old_arn, new_arn, new_lb)
        return params, None
    if mapping and all(old == new for old, new in mapping.items()):
        return params, None
    return None, (
        f"its ResourceLabel {label!r} names a target group with no counterpart among the clone's; "
        "pass target_group_arns in the same order as the source's target groups"
    )


# ---------------------------------------------------------------- scheduled actions


def plan_scheduled_action(action, now):
    """PutScheduledUpdateGroupAction parameters for a source action, or (None, reason).

    AWS refuses start times in the past: a one-off action that already ran is not copied, and a
    recurring one is copied without its start time (AWS then starts it at the next recurrence).
    """
    params = _pick(action, SCHEDULE_KEYS + SCHEDULE_OPTIONAL_KEYS)
    start = params.get("StartTime")
    if not params.get("Recurrence"):
        if start is None or start <= now:
            return None, f"one-off action that already ran at {start}"
        return params, None
    if start is not None and start <= now:
        del params["StartTime"]
    end = params.get("EndTime")
    if end is not None and end <= now:
        return None, f"recurring action that ended at {end}"
    return params, None


def _comparable_schedule(params):
    """What to compare of a scheduled action: a recurring action's start time is AWS's next run, not ours."""
    result = dict(params)
    if result.get("Recurrence"):
        result.pop("StartTime", None)
    return result


# ---------------------------------------------------------------- the clone


def check_sizes(min_size, max_size, desired):
    if min_size > max_size:
        raise ValueError(f"min_size {min_size} is greater than max_size {max_size}; use min_size <= max_size")
    if not min_size <= desired <= max_size:
        raise ValueError(
            f"desired_capacity {desired} is outside min_size..max_size ({min_size}..{max_size}); "
            "use a desired_capacity within them, or change min_size/max_size"
        )


def healthy_count(group):
    """How many instances of the group are InService and Healthy (CodeDeploy's copy capacity)."""
    return sum(
        1
        for instance in group.get("Instances", [])
        if instance.get("LifecycleState") == "InService" and instance.get("HealthStatus") == "Healthy"
    )


def _sizes(source, overrides):
    min_size = overrides.get("min_size")
    max_size = overrides.get("max_size")
    desired = overrides.get("desired_capacity")
    min_size = source["MinSize"] if min_size is None else min_size
    max_size = source["MaxSize"] if max_size is None else max_size
    if desired is None:
        desired = healthy_count(source) if overrides.get("match_healthy_capacity") else source["DesiredCapacity"]
    check_sizes(min_size, max_size, desired)
    return {"MinSize": min_size, "MaxSize": max_size, "DesiredCapacity": desired}


def size_problem(source, overrides):
    """What is wrong with the clone's sizes, ``overrides`` over the ``source``'s as plan_clone takes them, or None.

    The same rules as plan_clone's, for a check before anything is written, so that bad sizes change nothing.
    """
    try:
        _sizes(source, overrides)
    except ValueError as e:
        return str(e)
    return None


def _launch_settings(source, template):
    spec = {"LaunchTemplateId": template["LaunchTemplateId"], "Version": str(template["Version"])}
    if source.get("LaunchTemplate"):
        return {"LaunchTemplate": spec}
    policy = copy.deepcopy(source["MixedInstancesPolicy"])
    policy["LaunchTemplate"]["LaunchTemplateSpecification"] = spec
    return {"MixedInstancesPolicy": policy}


def _tags(source, name, color, app, extra, propagate, record, copied, not_copied):
    """Source tags, then the user's, then the colour and app; [{Key, Value, PropagateAtLaunch}] by key."""
    wanted = {}
    for tag in source.get("Tags", []):
        key = tag["Key"]
        if key.startswith("aws:"):
            not_copied.append({"item": f"tag {key}", "reason": "tags starting with aws: are reserved for AWS"})
            continue
        if key == RECORD_TAG:
            continue
        value = tag["Value"]
        if key == "Name" and value == source["AutoScalingGroupName"]:
            value = name
        wanted[key] = {"Key": key, "Value": value, "PropagateAtLaunch": bool(tag.get("PropagateAtLaunch"))}
    copied.extend(f"tag {key}" for key in sorted(wanted))
    own = dict(extra or {})
    own[state.COLOR_TAG] = color
    if app:
        own[state.APP_TAG] = app
    for key, value in own.items():
        keep = wanted.get(key, {}).get("PropagateAtLaunch", propagate)
        wanted[key] = {"Key": key, "Value": str(value), "PropagateAtLaunch": keep}
    if record:
        wanted[RECORD_TAG] = {"Key": RECORD_TAG, "Value": record, "PropagateAtLaunch": False}
    return wanted


def plan_clone(source, hooks, policies, scheduled, overrides, color, app, template, now, load_balancers=None):
    """The clone of ``source`` wanted, and what was and was not copied.

    ``source`` is a DescribeAutoScalingGroups entry; ``hooks``, ``policies`` and ``scheduled`` its
    lifecycle hooks, scaling policies and scheduled actions as AWS describes them. ``overrides`` holds the
    module's options (name, target_group_arns, sizes, match_healthy_capacity, tags); ``template`` the
    launch template and version the clone uses ({LaunchTemplateId, Version, record}); ``now`` an aware
    datetime; ``load_balancers`` each replacement target group's load balancer ARNs.
    """
    name = overrides["name"]
    copied, not_copied = [], []
    settings = _sizes(source, overrides)
    settings.update(_launch_settings(source, template))
    copied.append("mixed instances policy" if "MixedInstancesPolicy" in settings else "launch template")
    if source.get("VPCZoneIdentifier"):
        settings["VPCZoneIdentifier"] = source["VPCZoneIdentifier"]
        copied.append("subnets")
    else:
        settings["AvailabilityZones"] = list(source.get("AvailabilityZones", []))
        copied.append("availability zones")
    for key in GROUP_SETTINGS:
        if _present(source.get(key)) or source.get(key) is False:
            settings[key] = copy.deepcopy(source[key])
            copied.append(key)

    source_tgs = list(source.get("TargetGroupARNs", []))
    new_tgs = overrides.get("target_group_arns")
    target_groups = list(source_tgs if new_tgs is None else new_tgs)
    copied.append("target groups" if new_tgs is None else "target groups (replaced)")
    for lb_name in source.get("LoadBalancerNames", []):
        not_copied.append(
            {
                "item": f"classic load balancer {lb_name}",
                "reason": "not attached to the clone: it would send that load balancer's traffic to the new instances",
            }
        )
    for process in source.get("SuspendedProcesses", []):
        not_copied.append(
            {
                "item": f"suspended process {process['ProcessName']}",
                "reason": "not suspended on the clone, which must launch and replace instances; suspend it afterwards",
            }
        )

    metrics = None
    if source.get("EnabledMetrics"):
        metrics = {
            "Granularity": source["EnabledMetrics"][0].get("Granularity", "1Minute"),
            "Metrics": sorted({item["Metric"] for item in source["EnabledMetrics"]}),
        }
        copied.append("metrics collection")

    propagate = overrides.get("propagate_at_launch", True)
    tags = _tags(source, name, color, app, overrides.get("tags"), propagate, template.get("record"), copied, not_copied)

    wanted_hooks = {}
    for hook in hooks:
        wanted_hooks[hook["LifecycleHookName"]] = _pick(hook, HOOK_KEYS)
        copied.append(f"lifecycle hook {hook['LifecycleHookName']}")

    mapping = target_group_mapping(source_tgs, new_tgs)
    wanted_policies = {}
    for policy in policies:
        params, reason = plan_policy(policy, mapping, load_balancers)
        if params is None:
            not_copied.append({"item": f"scaling policy {policy['PolicyName']}", "reason": reason})
            continue
        wanted_policies[policy["PolicyName"]] = params
        moved = _label_of(params) != _label_of(policy)
        copied.append(
            f"scaling policy {policy['PolicyName']}" + (" (re-pointed to the clone's target group)" if moved else "")
        )

    wanted_schedule = {}
    for action in scheduled:
        params, reason = plan_scheduled_action(action, now)
        if params is None:
            not_copied.append({"item": f"scheduled action {action['ScheduledActionName']}", "reason": reason})
            continue
        wanted_schedule[action["ScheduledActionName"]] = params
        copied.append(f"scheduled action {action['ScheduledActionName']}")

    return {
        "name": name,
        "settings": settings,
        "target_group_arns": target_groups,
        "tags": tags,
        "metrics": metrics,
        "hooks": wanted_hooks,
        "policies": wanted_policies,
        "scheduled": wanted_schedule,
        "copied": copied,
        "not_copied": not_copied,
    }


def _comparable_setting(key, value):
    if key == "VPCZoneIdentifier":
        return sorted(part for part in (value or "").split(",") if part)
    if key in ("AvailabilityZones",):
        return sorted(value or [])
    if key == "LaunchTemplate":
        return {"LaunchTemplateId": value.get("LaunchTemplateId"), "Version": str(value.get("Version"))}
    if key == "MixedInstancesPolicy":
        policy = copy.deepcopy(value)
        spec = policy.get("LaunchTemplate", {}).get("LaunchTemplateSpecification", {})
        spec.pop("LaunchTemplateName", None)
        return policy
    return value


def _reconcile(existing, wanted, comparable=lambda item: item):
    """Names to put (new or different) and to delete, between two {name: params} maps."""
    put = sorted(name for name, params in wanted.items() if comparable(existing.get(name) or {}) != comparable(params))
    delete = sorted(name for name in existing if name not in wanted)
    return put, delete


def compare(existing, desired, existing_hooks=(), existing_policies=(), existing_scheduled=()):
    """The changes that turn ``existing`` (a DescribeAutoScalingGroups entry, or None) into ``desired``.

    Returns {create, settings, attach, detach, put_tags, delete_tags, metrics, hooks, policies, scheduled};
    a clone that already matches gives no change (see ``has_changes``).
    """
    if existing is None:
        return {
            "create": True,
            "settings": dict(desired["settings"]),
            "attach": list(desired["target_group_arns"]),
            "detach": [],
            "put_tags": sorted(desired["tags"]),
            "delete_tags": [],
            "metrics": desired["metrics"],
            "hooks": (sorted(desired["hooks"]), []),
            "policies": (sorted(desired["policies"]), []),
            "scheduled": (sorted(desired["scheduled"]), []),
        }
    settings = {
        key: value
        for key, value in desired["settings"].items()
        if _comparable_setting(key, existing.get(key)) != _comparable_setting(key, value)
    }
    if "LaunchTemplate" in desired["settings"] and existing.get("MixedInstancesPolicy"):
        settings["LaunchTemplate"] = desired["settings"]["LaunchTemplate"]
    current_tgs = list(existing.get("TargetGroupARNs", []))
    current_tags = {
        tag["Key"]: {"Key": tag["Key"], "Value": tag["Value"], "PropagateAtLaunch": bool(tag.get("PropagateAtLaunch"))}
        for tag in existing.get("Tags", [])
    }
    metrics = None
    if desired["metrics"]:
        current = existing.get("EnabledMetrics") or []
        current_metrics = sorted({item["Metric"] for item in current})
        granularity = current[0].get("Granularity") if current else None
        if current_metrics != desired["metrics"]["Metrics"] or granularity != desired["metrics"]["Granularity"]:
            metrics = desired["metrics"]
    elif existing.get("EnabledMetrics"):
        metrics = {"Metrics": [], "Disable": sorted({item["Metric"] for item in existing["EnabledMetrics"]})}
    hooks = {hook["LifecycleHookName"]: _pick(hook, HOOK_KEYS) for hook in existing_hooks}
    policies = {policy["PolicyName"]: _pick(policy, POLICY_KEYS) for policy in existing_policies}
    scheduled = {
        action["ScheduledActionName"]: _pick(action, SCHEDULE_KEYS + SCHEDULE_OPTIONAL_KEYS)
        for action in existing_scheduled
    }
    return {
        "create": False,
        "settings": settings,
        "attach": [arn for arn in desired["target_group_arns"] if arn not in current_tgs],
        "detach": [arn for arn in current_tgs if arn not in desired["target_group_arns"]],
        "put_tags": sorted(key for key, tag in desired["tags"].items() if current_tags.get(key) != tag),
        "delete_tags": sorted(key for key in current_tags if key not in desired["tags"]),
        "metrics": metrics,
        "hooks": _reconcile(hooks, desired["hooks"]),
        "policies": _reconcile(policies, desired["policies"]),
        "scheduled": _reconcile(scheduled, desired["scheduled"], _comparable_schedule),
    }


def has_changes(changes):
    return bool(
        changes["create"]
        or changes["settings"]
        or changes["attach"]
        or changes["detach"]
        or changes["put_tags"]
        or changes["delete_tags"]
        or changes["metrics"]
        or any(changes[key][0] or changes[key][1] for key in ("hooks", "policies", "scheduled"))
    )


def template_view(data):
    """Of a launch template version's data, what diff mode shows: the image and the instance type (not the user
    data, which may hold secrets)."""
    return {key: data[key] for key in ("ImageId", "InstanceType") if data.get(key)}


def group_view(group_settings, target_group_arns, tags):
    """The settings diff mode shows, from either a described group or a desired clone."""
    view = {key: group_settings.get(key) for key in SIZES + ("VPCZoneIdentifier",) + GROUP_SETTINGS}
    view = {key: value for key, value in view.items() if value is not None}
    for key in ("LaunchTemplate", "MixedInstancesPolicy"):
        if group_settings.get(key):
            view[key] = _comparable_setting(key, group_settings[key])
    view["TargetGroupARNs"] = sorted(target_group_arns)
    view["Tags"] = dict(sorted(tags.items()))
    return view


def production_reasons(target_groups, listeners_by_lb, rules_by_listener, tags_by_arn):
    """Why each target group counts as production: tagged IsProduction=true, or a listener forwards to it.

    ``target_groups`` are DescribeTargetGroups entries; ``listeners_by_lb`` {lb arn: [listener]};
    ``rules_by_listener`` {listener arn: [rule]}; ``tags_by_arn`` {tg arn: {key: value}}.
    """
    reasons = []
    for group in target_groups:
        arn = group["TargetGroupArn"]
        label = group.get("TargetGroupName", arn)
        if (tags_by_arn.get(arn) or {}).get(state.PRODUCTION_TAG, "").lower() == "true":
            reasons.append(f"target group {label!r} is tagged {state.PRODUCTION_TAG}=true")
        for lb_arn in group.get("LoadBalancerArns", []):
            for listener in listeners_by_lb.get(lb_arn, []):
                weight = (state.forward_weights(listener.get("DefaultActions")) or {}).get(arn, 0)
                if weight > 0:
                    reasons.append(
                        f"the listener on port {listener.get('Port')} forwards {weight}% of its traffic to {label!r}"
                    )
                for rule in rules_by_listener.get(listener["ListenerArn"], []):
                    if rule.get("IsDefault"):
                        continue
                    weight = (state.forward_weights(rule.get("Actions")) or {}).get(arn, 0)
                    if weight > 0:
                        reasons.append(
                            f"a rule (priority {rule.get('Priority')}) of the listener on port {listener.get('Port')} "
                            f"forwards {weight}% to {label!r}"
                        )
    return reasons
