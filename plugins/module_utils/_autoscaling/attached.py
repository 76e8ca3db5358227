# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin wrappers of the calls on what hangs off an Auto Scaling group: lifecycle hooks, scaling policies,
scheduled actions, and the features a clone reports rather than copies (warm pool, notifications, traffic
sources)."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.autoscaling import AnsibleAutoScalingError
from ansible_collections.amazon.aws.plugins.module_utils.autoscaling import AutoScalingErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ..errors import unparsable_as_error


@AutoScalingErrorHandler.common_error_handler("describe lifecycle hooks")
@AWSRetry.jittered_backoff()
def describe_lifecycle_hooks(client, name):
    return client.describe_lifecycle_hooks(AutoScalingGroupName=name)["LifecycleHooks"]


@AutoScalingErrorHandler.common_error_handler("put lifecycle hook")
@AWSRetry.jittered_backoff()
def put_lifecycle_hook(client, name, hook):
    client.put_lifecycle_hook(AutoScalingGroupName=name, **hook)


@AutoScalingErrorHandler.deletion_error_handler("delete lifecycle hook")
@AWSRetry.jittered_backoff()
def delete_lifecycle_hook(client, name, hook_name):
    client.delete_lifecycle_hook(AutoScalingGroupName=name, LifecycleHookName=hook_name)
    return True


@AutoScalingErrorHandler.common_error_handler("describe scaling policies")
@AWSRetry.jittered_backoff()
def describe_policies(client, name):
    paginator = client.get_paginator("describe_policies")
    return paginator.paginate(AutoScalingGroupName=name).build_full_result()["ScalingPolicies"]


@AutoScalingErrorHandler.common_error_handler("put scaling policy")
@AWSRetry.jittered_backoff()
def put_policy(client, name, policy):
    client.put_scaling_policy(AutoScalingGroupName=name, **policy)


@AutoScalingErrorHandler.deletion_error_handler("delete scaling policy")
@AWSRetry.jittered_backoff()
def delete_policy(client, name, policy_name):
    client.delete_policy(AutoScalingGroupName=name, PolicyName=policy_name)
    return True


@AutoScalingErrorHandler.common_error_handler("describe scheduled actions")
@AWSRetry.jittered_backoff()
def describe_scheduled_actions(client, name):
    paginator = client.get_paginator("describe_scheduled_actions")
    return paginator.paginate(AutoScalingGroupName=name).build_full_result()["ScheduledUpdateGroupActions"]


@AutoScalingErrorHandler.common_error_handler("put scheduled action")
@AWSRetry.jittered_backoff()
def put_scheduled_action(client, name, action):
    client.put_scheduled_update_group_action(AutoScalingGroupName=name, **action)


@AutoScalingErrorHandler.deletion_error_handler("delete scheduled action")
@AWSRetry.jittered_backoff()
def delete_scheduled_action(client, name, action_name):
    client.delete_scheduled_action(AutoScalingGroupName=name, ScheduledActionName=action_name)
    return True


@unparsable_as_error(AnsibleAutoScalingError, "describe warm pool")
@AutoScalingErrorHandler.common_error_handler("describe warm pool")
@AWSRetry.jittered_backoff()
def describe_warm_pool(client, name):
    """The group's warm pool configuration, or None."""
    return client.describe_warm_pool(AutoScalingGroupName=name).get("WarmPoolConfiguration") or None


@unparsable_as_error(AnsibleAutoScalingError, "describe notification configurations")
@AutoScalingErrorHandler.common_error_handler("describe notification configurations")
@AWSRetry.jittered_backoff()
def describe_notification_configurations(client, name):
    paginator = client.get_paginator("describe_notification_configurations")
    return paginator.paginate(AutoScalingGroupNames=[name]).build_full_result()["NotificationConfigurations"]


@unparsable_as_error(AnsibleAutoScalingError, "describe traffic sources")
@AutoScalingErrorHandler.common_error_handler("describe traffic sources")
@AWSRetry.jittered_backoff()
def describe_traffic_sources(client, name):
    return client.describe_traffic_sources(AutoScalingGroupName=name)["TrafficSources"]
