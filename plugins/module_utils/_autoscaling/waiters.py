# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting for a group's capacity: N instances InService and Healthy, or no instances left.

botocore's own GroupInService waiter only checks MinSize; these take the number the clone needs. The wait
for the group's instances to be healthy in a target group is an ELBv2 one (_elbv2/waiters.py).
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.autoscaling import AutoScalingErrorHandler

from ..waiter import WaiterFactory


class AutoScalingWaiterFactory(WaiterFactory):
    """GroupInServiceCount: at least ``in_service`` instances InService and Healthy. GroupEmpty: no instances."""

    def __init__(self, in_service=1):
        self._in_service = int(in_service)
        super().__init__()

    @property
    def _waiter_model_data(self):
        return {
            "GroupInServiceCount": {
                "operation": "DescribeAutoScalingGroups",
                "delay": 15,
                "maxAttempts": 40,
                "acceptors": [
                    # The group is gone: its instances will never come.
                    _group_gone("failure"),
                    {
                        "matcher": "path",
                        "argument": (
                            "length(AutoScalingGroups[0].Instances[?LifecycleState=='InService' && "
                            f"HealthStatus=='Healthy']) >= `{self._in_service}`"
                        ),
                        "expected": True,
                        "state": "success",
                    },
                ],
            },
            "GroupEmpty": {
                "operation": "DescribeAutoScalingGroups",
                "delay": 15,
                "maxAttempts": 40,
                "acceptors": [
                    _group_gone("success"),
                    {
                        "matcher": "path",
                        "argument": "length(AutoScalingGroups[0].Instances) == `0`",
                        "expected": True,
                        "state": "success",
                    },
                ],
            },
        }


def _group_gone(state):
    # First among the acceptors: botocore tries them in order, and on a group that is gone the others' expressions
    # have no group to count in, on which jmespath's length() raises instead of answering.
    return {"matcher": "path", "argument": "length(AutoScalingGroups) == `0`", "expected": True, "state": state}


@AutoScalingErrorHandler.common_error_handler("wait for InService instances")
def wait_in_service(client, name, count, timeout, poll_interval):
    """Wait until the group has ``count`` instances InService and Healthy; WaitTimeout after ``timeout`` seconds."""
    AutoScalingWaiterFactory(in_service=count).wait(
        client, "GroupInServiceCount", timeout, poll_interval, AutoScalingGroupNames=[name]
    )


@AutoScalingErrorHandler.common_error_handler("wait for the group to have no instances")
def wait_empty(client, name, timeout, poll_interval):
    """Wait until the group has no instances, or is gone; WaitTimeout after ``timeout`` seconds."""
    AutoScalingWaiterFactory().wait(client, "GroupEmpty", timeout, poll_interval, AutoScalingGroupNames=[name])
