"""The sandbox's autoscaling: moto's, patched where it differs from what AWS documents.

`install()` patches moto's AutoScalingBackend (moto/autoscaling/models.py) and AutoScalingResponse
(moto/autoscaling/responses.py) in the sandbox server's process. Each patch is small and stands alone, so that it can
be offered to moto as it is; whatever state a patch adds lives in moto's backend objects, so that a snapshot of the
backends (tools/sandbox_snapshot.py) holds it. The pages cited are the Amazon EC2 Auto Scaling API Reference
(https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_<Operation>.html).

1. Scaling policies and scheduled actions belong to their Auto Scaling group.
   moto keeps `AutoScalingBackend.policies` and `.scheduled_actions` in dicts keyed by the policy's or action's name
   alone, so PutScalingPolicy(AutoScalingGroupName="b", PolicyName="rps") after the same call for group "a" moves the
   policy from a to b; DeletePolicy ignores AutoScalingGroupName and DeleteScheduledAction finds the action of the
   group given, then removes whichever action has that name. AWS: PutScalingPolicy "Creates or updates a scaling
   policy for an Auto Scaling group" and PutScheduledUpdateGroupAction "Creates or updates a scheduled scaling action
   for an Auto Scaling group"; the PolicyARN (PutScalingPolicy's example) and the ScheduledActionARN
   (DescribeScheduledActions' example) name both the group and the policy or action,
   `...:scalingPolicy:<uuid>:autoScalingGroupName/<group>:policyName/<name>`; DeletePolicy and ExecutePolicy take
   AutoScalingGroupName and a PolicyName that is "The name or Amazon Resource Name (ARN) of the policy";
   DescribePolicies: "If a group name is provided, the results are limited to that group"; DeleteAutoScalingGroup:
   "If the group has scaling policies, deleting the group deletes the policies". The patch keys both dicts by
   (group name, name) (PutScalingPolicy, PutScheduledUpdateGroupAction and so BatchPutScheduledUpdateGroupAction);
   DeletePolicy and ExecutePolicy find the policy by (AutoScalingGroupName, PolicyName) or by its ARN (without a
   group, a name that only one group uses is still found, as before); DeleteScheduledAction (and so
   BatchDeleteScheduledAction) removes the group's own action; DeleteAutoScalingGroup removes the group's policies,
   scheduled actions and notification configurations, and only those. DescribePolicies and DescribeScheduledActions
   already filter by the group and read the dicts' values, so they work unchanged. PutScalingPolicy's answer also
   lacked its one response element, PolicyARN ("The Amazon Resource Name (ARN) of the policy"): moto returns it as
   "PolicyArn", which its serializer does not match to the model's member, and drops; the patch names it PolicyARN.
   Left as moto has it: every PolicyARN carries the same UUID (AWS gives each policy its own), and neither Describe
   call pages (AWS: MaxRecords, 50 by default).

2. Notification configurations (DescribeNotificationConfigurations, PutNotificationConfiguration,
   DeleteNotificationConfiguration, DescribeAutoScalingNotificationTypes): moto implements none of them (the server
   answers 500). AWS: PutNotificationConfiguration "Configures an Auto Scaling group to send notifications when
   specified events take place [...] This configuration overwrites any existing configuration [...] If you exceed
   your maximum limit of SNS topics, which is 10 per Auto Scaling group, the call fails";
   DeleteNotificationConfiguration "Deletes the specified notification"; DescribeNotificationConfigurations takes
   AutoScalingGroupNames, NextToken and MaxRecords ("The default value is 50 and the maximum value is 100") and
   answers one NotificationConfiguration (AutoScalingGroupName, TopicARN, NotificationType) per group, topic and
   type, with a NextToken while more remain;
   DescribeAutoScalingNotificationTypes lists the five types of its example. The patch keeps
   `AutoScalingBackend.notification_configurations`, {group name: {topic ARN: [types]}}: a put replaces the types of
   that group's topic, a delete removes that topic, the group's deletion removes its configurations. Not confirmed
   against AWS (no published example shows them): the messages of the ValidationError for an unknown group or
   notification type, and of LimitExceeded; an unknown NextToken answers InvalidNextToken, an error the operation
   lists. IncludeManagedResources is accepted and ignored: the sandbox has no managed groups.

3. Traffic sources (DescribeTrafficSources, AttachTrafficSources, DetachTrafficSources, and CreateAutoScalingGroup's
   TrafficSources, which moto ignores): moto implements none of the three operations. AWS, DescribeTrafficSources:
   "Gets information about the traffic sources for the specified Auto Scaling group [...] If you provide a traffic
   source type, then the results only include that traffic source type", with NextToken and MaxRecords ("The
   maximum value is 50"); a TrafficSourceState has Identifier (a target group's ARN, or a Classic Load Balancer's
   name), Type ("elb", "elbv2" or "vpc-lattice") and State (Adding, Added, InService, Removing, Removed);
   AttachTrafficSources "is additive"; TrafficSourceIdentifier's Type is "Required if the identifier is the name of
   a Classic Load Balancer". The patch describes a group's target groups (Type elbv2) and Classic Load Balancers
   (Type elb), whichever call attached them, in the state moto's DescribeLoadBalancerTargetGroups and
   DescribeLoadBalancers report ("Added": moto registers the instances at once); Attach/DetachTrafficSources (and
   CreateAutoScalingGroup's TrafficSources) go through moto's Attach/DetachLoadBalancerTargetGroups and
   Attach/DetachLoadBalancers, so the instances are registered and deregistered as there. Where this differs from
   AWS: moto keeps one list per kind, so a target group attached with AttachTrafficSources also shows in
   TargetGroupARNs and DescribeLoadBalancerTargetGroups, which AWS documents it does not ("You can use this
   operation to describe target groups that were attached by using AttachLoadBalancerTargetGroups, but not for
   target groups that were attached by using AttachTrafficSources"); a detached source is gone at once, never
   "Removing"; VPC Lattice, which moto does not emulate, is refused with a ValidationError.

4. Lifecycle hooks keep their notification target and role. moto ignores PutLifecycleHook's RoleARN,
   NotificationTargetARN and NotificationMetadata, and answers every hook with the same made-up RoleARN
   (arn:aws:iam::1234567890:role/my-auto-scaling-role) and NotificationTargetARN (an SQS queue my-queue): a copy of
   the hook puts a role no account has, which AWS would then check iam:PassRole on. AWS, PutLifecycleHook: RoleARN
   "The ARN of the IAM role that allows the Auto Scaling group to publish to the specified notification target",
   NotificationTargetARN and NotificationMetadata, all optional; the LifecycleHook data type returns what was given.
   The patch keeps the three as given (absent when not given) on PutLifecycleHook and on CreateAutoScalingGroup's
   LifecycleHookSpecificationList (tools/sandbox_lifecycle.py).
"""

from __future__ import annotations

from typing import Any

from moto.autoscaling.exceptions import AutoscalingClientError
from moto.autoscaling.exceptions import ValidationError
from moto.autoscaling.models import AutoScalingBackend
from moto.autoscaling.responses import AutoScalingResponse
from moto.core.responses import ActionResult
from moto.core.responses import EmptyResult


class LimitExceededError(AutoscalingClientError):
    code = "LimitExceeded"


class InvalidNextTokenError(AutoscalingClientError):
    code = "InvalidNextToken"
    message = "The token is not valid."


def _page(items: list[Any], token: str | None, max_records: int | None, default: int, maximum: int) -> tuple:
    """One page of ``items`` from ``token`` (the index of its first item, as a string), and the next page's token."""
    size = default if max_records is None else max_records
    if not 1 <= size <= maximum:
        raise ValidationError(f"MaxRecords must be between 1 and {maximum}, not {size}.")
    start = 0
    if token:
        if not token.isdigit() or int(token) > len(items):
            raise InvalidNextTokenError()
        start = int(token)
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)


def _group(backend: AutoScalingBackend, name: str) -> Any:
    if name not in backend.autoscaling_groups:
        raise ValidationError(f"AutoScalingGroup name not found - AutoScalingGroup '{name}' not found")
    return backend.autoscaling_groups[name]


# ---------------------------------------------------------------------------------------------------------------
# 1. Scaling policies and scheduled actions, keyed by (group name, name).

_ORIGINAL: dict[str, Any] = {}


def put_scaling_policy(self: AutoScalingBackend, *args: Any, **kwargs: Any) -> Any:
    policy = _ORIGINAL["put_scaling_policy"](self, *args, **kwargs)
    # moto's method stores the policy under its name alone; it belongs under its group's name and its own.
    del self.policies[policy.name]
    self.policies[(policy.auto_scaling_group_name, policy.name)] = policy
    return policy


def put_scheduled_update_group_action(self: AutoScalingBackend, *args: Any, **kwargs: Any) -> Any:
    action = _ORIGINAL["put_scheduled_update_group_action"](self, *args, **kwargs)
    del self.scheduled_actions[action.scheduled_action_name]
    self.scheduled_actions[(action.auto_scaling_group_name, action.scheduled_action_name)] = action
    return action


def _policy_key(backend: AutoScalingBackend, policy_name: str, group_name: str | None) -> tuple[str, str] | None:
    """The key of the policy named (or whose ARN is) ``policy_name``, of group ``group_name``; None if none."""
    if policy_name.startswith("arn:") and ":autoScalingGroupName/" in policy_name:
        parts = policy_name.partition(":autoScalingGroupName/")[2].partition(":policyName/")
        group_name, policy_name = parts[0], parts[2]
    if group_name:
        key = (group_name, policy_name)
        return key if key in backend.policies else None
    keys = [key for key in backend.policies if key[1] == policy_name]
    if len(keys) > 1:
        raise ValidationError(
            f"More than one Auto Scaling group has a policy named {policy_name}; give AutoScalingGroupName."
        )
    return keys[0] if keys else None


def delete_policy(self: AutoScalingBackend, policy_name: str, group_name: str | None = None) -> None:
    key = _policy_key(self, policy_name, group_name)
    if key is not None:
        del self.policies[key]


def execute_policy(self: AutoScalingBackend, policy_name: str, group_name: str | None = None) -> None:
    key = _policy_key(self, policy_name, group_name)
    if key is None:
        raise ValidationError(f"No scaling policy found: {policy_name}")
    self.policies[key].execute()


def delete_scheduled_action(self: AutoScalingBackend, auto_scaling_group_name: str, scheduled_action_name: str) -> None:
    if self.scheduled_actions.pop((auto_scaling_group_name, scheduled_action_name), None) is None:
        raise ValidationError("Scheduled action name not found")


def delete_auto_scaling_group(self: AutoScalingBackend, group_name: str) -> None:
    _ORIGINAL["delete_auto_scaling_group"](self, group_name)
    for attached in (self.policies, self.scheduled_actions):
        for key in [key for key in attached if key[0] == group_name]:
            del attached[key]
    self.notification_configurations.pop(group_name, None)


def put_scaling_policy_response(self: AutoScalingResponse) -> ActionResult:
    # moto answers {"PolicyArn": ...}, which its serializer does not match to the model's PolicyARN, and drops.
    answer = _ORIGINAL["put_scaling_policy_response"](self).result
    return ActionResult({"PolicyARN": answer.get("PolicyARN", answer.get("PolicyArn"))})


def delete_policy_response(self: AutoScalingResponse) -> ActionResult:
    self.autoscaling_backend.delete_policy(self._get_param("PolicyName"), self._get_param("AutoScalingGroupName"))
    return EmptyResult()


def execute_policy_response(self: AutoScalingResponse) -> ActionResult:
    self.autoscaling_backend.execute_policy(self._get_param("PolicyName"), self._get_param("AutoScalingGroupName"))
    return EmptyResult()


# ---------------------------------------------------------------------------------------------------------------
# 2. Notification configurations, {group name: {topic ARN: [notification types]}} on the backend.

NOTIFICATION_TYPES = (
    "autoscaling:EC2_INSTANCE_LAUNCH",
    "autoscaling:EC2_INSTANCE_LAUNCH_ERROR",
    "autoscaling:EC2_INSTANCE_TERMINATE",
    "autoscaling:EC2_INSTANCE_TERMINATE_ERROR",
    "autoscaling:TEST_NOTIFICATION",
)
TOPICS_PER_GROUP = 10


def backend_init(self: AutoScalingBackend, *args: Any, **kwargs: Any) -> None:
    _ORIGINAL["__init__"](self, *args, **kwargs)
    self.notification_configurations = {}


def put_notification_configuration(
    self: AutoScalingBackend, group_name: str, topic_arn: str, notification_types: list[str]
) -> None:
    _group(self, group_name)
    unknown = sorted(set(notification_types) - set(NOTIFICATION_TYPES))
    if unknown:
        raise ValidationError(f"Invalid notification types {unknown}; valid types are {list(NOTIFICATION_TYPES)}.")
    topics = self.notification_configurations.setdefault(group_name, {})
    if topic_arn not in topics and len(topics) >= TOPICS_PER_GROUP:
        raise LimitExceededError(f"Auto Scaling group {group_name} already has {TOPICS_PER_GROUP} SNS topics.")
    topics[topic_arn] = list(dict.fromkeys(notification_types))


def delete_notification_configuration(self: AutoScalingBackend, group_name: str, topic_arn: str) -> None:
    _group(self, group_name)
    topics = self.notification_configurations.get(group_name, {})
    topics.pop(topic_arn, None)
    if not topics:
        self.notification_configurations.pop(group_name, None)


def describe_notification_configurations(self: AutoScalingBackend, group_names: list[str]) -> list[dict[str, str]]:
    return [
        {"AutoScalingGroupName": group_name, "TopicARN": topic_arn, "NotificationType": notification_type}
        for group_name, topics in self.notification_configurations.items()
        if not group_names or group_name in group_names
        for topic_arn, notification_types in topics.items()
        for notification_type in notification_types
    ]


def put_notification_configuration_response(self: AutoScalingResponse) -> ActionResult:
    self.autoscaling_backend.put_notification_configuration(
        self._get_param("AutoScalingGroupName"), self._get_param("TopicARN"), self._get_param("NotificationTypes", [])
    )
    return EmptyResult()


def delete_notification_configuration_response(self: AutoScalingResponse) -> ActionResult:
    self.autoscaling_backend.delete_notification_configuration(
        self._get_param("AutoScalingGroupName"), self._get_param("TopicARN")
    )
    return EmptyResult()


def describe_notification_configurations_response(self: AutoScalingResponse) -> ActionResult:
    found = self.autoscaling_backend.describe_notification_configurations(self._get_param("AutoScalingGroupNames", []))
    page, token = _page(found, self._get_param("NextToken"), self._get_int_param("MaxRecords"), 50, 100)
    return ActionResult({"NotificationConfigurations": page, "NextToken": token})


def describe_auto_scaling_notification_types_response(_self: AutoScalingResponse) -> ActionResult:
    return ActionResult({"AutoScalingNotificationTypes": list(NOTIFICATION_TYPES)})


# ---------------------------------------------------------------------------------------------------------------
# 3. Traffic sources: a group's target groups (elbv2) and Classic Load Balancers (elb).

# The state moto's DescribeLoadBalancerTargetGroups and DescribeLoadBalancers give every attachment: moto registers
# a group's instances with the target group or load balancer at once.
ATTACHED_STATE = "Added"
TRAFFIC_SOURCE_TYPES = ("elb", "elbv2", "vpc-lattice")


def _traffic_source_type(source: dict[str, str]) -> str:
    identifier, source_type = source.get("Identifier", ""), source.get("Type")
    if not source_type:
        if identifier.startswith("arn:") and ":elasticloadbalancing:" in identifier:
            source_type = "elbv2"
        elif identifier.startswith("arn:") and ":vpc-lattice:" in identifier:
            source_type = "vpc-lattice"
        else:
            raise ValidationError(f"Type is required for traffic source {identifier}, a Classic Load Balancer's name.")
    if source_type not in TRAFFIC_SOURCE_TYPES:
        raise ValidationError(
            f"Invalid traffic source type {source_type}; valid types are {list(TRAFFIC_SOURCE_TYPES)}."
        )
    if source_type == "vpc-lattice":
        raise ValidationError(f"Traffic source {identifier}: VPC Lattice is not emulated by this sandbox (moto).")
    return source_type


def _by_type(sources: list[dict[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {"elb": [], "elbv2": []}
    for source in sources:
        grouped[_traffic_source_type(source)].append(source["Identifier"])
    return grouped


def describe_traffic_sources(
    self: AutoScalingBackend, group_name: str, source_type: str | None = None
) -> list[dict[str, str]]:
    group = _group(self, group_name)
    sources = [{"Identifier": arn, "Type": "elbv2", "State": ATTACHED_STATE} for arn in group.target_group_arns]
    sources += [{"Identifier": name, "Type": "elb", "State": ATTACHED_STATE} for name in group.load_balancer_names]
    return [source for source in sources if not source_type or source["Type"] == source_type]


def attach_traffic_sources(self: AutoScalingBackend, group_name: str, sources: list[dict[str, str]]) -> None:
    _group(self, group_name)
    grouped = _by_type(sources)
    if grouped["elbv2"]:
        self.attach_load_balancer_target_groups(group_name, grouped["elbv2"])
    if grouped["elb"]:
        self.attach_load_balancers(group_name, grouped["elb"])


def detach_traffic_sources(self: AutoScalingBackend, group_name: str, sources: list[dict[str, str]]) -> None:
    _group(self, group_name)
    grouped = _by_type(sources)
    if grouped["elbv2"]:
        self.detach_load_balancer_target_groups(group_name, grouped["elbv2"])
    if grouped["elb"]:
        self.detach_load_balancers(group_name, grouped["elb"])


def describe_traffic_sources_response(self: AutoScalingResponse) -> ActionResult:
    found = self.autoscaling_backend.describe_traffic_sources(
        self._get_param("AutoScalingGroupName"), self._get_param("TrafficSourceType")
    )
    page, token = _page(found, self._get_param("NextToken"), self._get_int_param("MaxRecords"), 50, 50)
    return ActionResult({"TrafficSources": page, "NextToken": token})


def attach_traffic_sources_response(self: AutoScalingResponse) -> ActionResult:
    self.autoscaling_backend.attach_traffic_sources(
        self._get_param("AutoScalingGroupName"), self._get_param("TrafficSources", [])
    )
    return ActionResult({})


def detach_traffic_sources_response(self: AutoScalingResponse) -> ActionResult:
    self.autoscaling_backend.detach_traffic_sources(
        self._get_param("AutoScalingGroupName"), self._get_param("TrafficSources", [])
    )
    return ActionResult({})


def create_auto_scaling_group_response(self: AutoScalingResponse) -> ActionResult:
    sources = self._get_param("TrafficSources", [])
    _by_type(sources)  # refuse a bad traffic source before the group exists
    result = _ORIGINAL["create_auto_scaling_group_response"](self)
    if sources:
        self.autoscaling_backend.attach_traffic_sources(self._get_param("AutoScalingGroupName"), sources)
    return result


# ---------------------------------------------------------------------------------------------------------------


def create_lifecycle_hook(
    self: AutoScalingBackend,
    name: str,
    as_name: str,
    transition: str,
    timeout: int | None,
    result: str,
    role_arn: str | None = None,
    notification_target_arn: str | None = None,
    notification_metadata: str | None = None,
) -> Any:
    """moto's hook, with the notification target, role and metadata it was given, and none it was not."""
    hook = _ORIGINAL["create_lifecycle_hook"](self, name, as_name, transition, timeout, result)
    hook.role_arn = role_arn
    hook.notification_target_arn = notification_target_arn
    hook.notification_metadata = notification_metadata
    return hook


def put_lifecycle_hook_response(self: AutoScalingResponse) -> Any:
    self.autoscaling_backend.create_lifecycle_hook(
        name=self._get_param("LifecycleHookName"),
        as_name=self._get_param("AutoScalingGroupName"),
        transition=self._get_param("LifecycleTransition"),
        timeout=self._get_int_param("HeartbeatTimeout"),
        result=self._get_param("DefaultResult"),
        role_arn=self._get_param("RoleARN"),
        notification_target_arn=self._get_param("NotificationTargetARN"),
        notification_metadata=self._get_param("NotificationMetadata"),
    )
    return EmptyResult()


_BACKEND_METHODS = {
    "__init__": backend_init,
    "create_lifecycle_hook": create_lifecycle_hook,
    "put_scaling_policy": put_scaling_policy,
    "put_scheduled_update_group_action": put_scheduled_update_group_action,
    "delete_policy": delete_policy,
    "execute_policy": execute_policy,
    "delete_scheduled_action": delete_scheduled_action,
    "delete_auto_scaling_group": delete_auto_scaling_group,
    "put_notification_configuration": put_notification_configuration,
    "delete_notification_configuration": delete_notification_configuration,
    "describe_notification_configurations": describe_notification_configurations,
    "describe_traffic_sources": describe_traffic_sources,
    "attach_traffic_sources": attach_traffic_sources,
    "detach_traffic_sources": detach_traffic_sources,
}
# moto's AutoScalingResponse dispatches an action to the method of its snake_case name.
_RESPONSE_METHODS = {
    "put_lifecycle_hook": put_lifecycle_hook_response,
    "put_scaling_policy": put_scaling_policy_response,
    "delete_policy": delete_policy_response,
    "execute_policy": execute_policy_response,
    "put_notification_configuration": put_notification_configuration_response,
    "delete_notification_configuration": delete_notification_configuration_response,
    "describe_notification_configurations": describe_notification_configurations_response,
    "describe_auto_scaling_notification_types": describe_auto_scaling_notification_types_response,
    "describe_traffic_sources": describe_traffic_sources_response,
    "attach_traffic_sources": attach_traffic_sources_response,
    "detach_traffic_sources": detach_traffic_sources_response,
    "create_auto_scaling_group": create_auto_scaling_group_response,
}


def install() -> None:
    """Patch moto, in the sandbox server's process (once: a second call changes nothing)."""
    if _ORIGINAL:
        return
    for name, method in _BACKEND_METHODS.items():
        if hasattr(AutoScalingBackend, name):
            _ORIGINAL[name] = getattr(AutoScalingBackend, name)
        setattr(AutoScalingBackend, name, method)
    for name, method in _RESPONSE_METHODS.items():
        if hasattr(AutoScalingResponse, name):
            _ORIGINAL[f"{name}_response"] = getattr(AutoScalingResponse, name)
        setattr(AutoScalingResponse, name, method)
