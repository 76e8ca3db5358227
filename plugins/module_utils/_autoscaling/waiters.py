# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""botocore waiters for a group's capacity: N instances InService and Healthy, the group's instances healthy
in a target group, and a group with no instances left.

botocore's own GroupInService waiter only checks MinSize, and TargetInService needs every target listed
by the caller; these take the numbers the clone needs.
"""

from __future__ import annotations

try:
    from botocore import waiter as botocore_waiter
except ImportError:
    pass  # The modules report the missing botocore.

from ansible_collections.amazon.aws.plugins.module_utils.autoscaling import AutoScalingErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.waiter import custom_waiter_config

from ..errors import RETRIED_WAITER_ERRORS


def _model(name, operation, acceptors):
    return botocore_waiter.WaiterModel(
        {
            "version": 2,
            "waiters": {
                name: {
                    "operation": operation,
                    "delay": 15,
                    "maxAttempts": 40,
                    "acceptors": acceptors + RETRIED_WAITER_ERRORS,
                }
            },
        }
    )


def _in_service_model(count):
    return _model(
        "GroupInServiceCount",
        "DescribeAutoScalingGroups",
        [
            {
                "matcher": "path",
                "argument": (
                    "length(AutoScalingGroups[0].Instances[?LifecycleState=='InService' && HealthStatus=='Healthy'])"
                    f" >= `{int(count)}`"
                ),
                "expected": True,
                "state": "success",
            },
            {"matcher": "path", "argument": "length(AutoScalingGroups) == `0`", "expected": True, "state": "failure"},
        ],
    )


def _empty_model():
    return _model(
        "GroupEmpty",
        "DescribeAutoScalingGroups",
        [
            {
                "matcher": "path",
                "argument": "length(AutoScalingGroups[0].Instances) == `0`",
                "expected": True,
                "state": "success",
            },
            {"matcher": "path", "argument": "length(AutoScalingGroups) == `0`", "expected": True, "state": "success"},
        ],
    )


def _targets_healthy_model():
    return _model(
        "TargetsHealthy",
        "DescribeTargetHealth",
        [
            {
                "matcher": "pathAll",
                "argument": "TargetHealthDescriptions[].TargetHealth.State",
                "expected": "healthy",
                "state": "success",
            },
            {"matcher": "error", "expected": "TargetGroupNotFound", "state": "failure"},
        ],
    )


@AutoScalingErrorHandler.common_error_handler("wait for InService instances")
def wait_in_service(client, name, count, timeout, poll_interval):
    """Wait until the group has ``count`` instances InService and Healthy."""
    waiter = botocore_waiter.create_waiter_with_client("GroupInServiceCount", _in_service_model(count), client)
    waiter.wait(
        AutoScalingGroupNames=[name], WaiterConfig=custom_waiter_config(timeout=timeout, default_pause=poll_interval)
    )


@AutoScalingErrorHandler.common_error_handler("wait for the group to have no instances")
def wait_empty(client, name, timeout, poll_interval):
    waiter = botocore_waiter.create_waiter_with_client("GroupEmpty", _empty_model(), client)
    waiter.wait(
        AutoScalingGroupNames=[name], WaiterConfig=custom_waiter_config(timeout=timeout, default_pause=poll_interval)
    )


@AutoScalingErrorHandler.common_error_handler("wait for healthy targets")
def wait_targets_healthy(elbv2_client, target_group_arn, instance_ids, timeout, poll_interval):
    """Wait until every instance of ``instance_ids`` is a healthy target of ``target_group_arn``.

    Asking for the instances by id, rather than counting healthy targets, keeps targets that belong to
    other groups (or that left this one) out of the answer.
    """
    waiter = botocore_waiter.create_waiter_with_client("TargetsHealthy", _targets_healthy_model(), elbv2_client)
    waiter.wait(
        TargetGroupArn=target_group_arn,
        Targets=[{"Id": instance_id} for instance_id in instance_ids],
        WaiterConfig=custom_waiter_config(timeout=timeout, default_pause=poll_interval),
    )
