# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting for healthy targets: "at least N healthy", and "these instances healthy".

botocore's own TargetInService needs every target listed by the caller and has no count; alb_swap needs
a count, and asg_clone the instances of one group among the targets of others.
"""

from __future__ import annotations

from ..waiter import WaiterFactory
from .common import ELBv2ErrorHandler


class ELBv2WaiterFactory(WaiterFactory):
    """HealthyTargets: at least ``minimum_healthy`` targets healthy. TargetsHealthy: every target asked for healthy."""

    def __init__(self, minimum_healthy=1):
        self._minimum_healthy = int(minimum_healthy)
        super().__init__()

    @property
    def _waiter_model_data(self):
        return {
            "HealthyTargets": {
                "operation": "DescribeTargetHealth",
                "delay": 5,
                "maxAttempts": 40,
                "acceptors": [
                    {
                        "matcher": "path",
                        "argument": (
                            "length(TargetHealthDescriptions[?TargetHealth.State=='healthy']) >= "
                            f"`{self._minimum_healthy}`"
                        ),
                        "expected": True,
                        "state": "success",
                    },
                    {"matcher": "error", "expected": "TargetGroupNotFound", "state": "failure"},
                ],
            },
            "TargetsHealthy": {
                "operation": "DescribeTargetHealth",
                "delay": 15,
                "maxAttempts": 40,
                "acceptors": [
                    {
                        "matcher": "pathAll",
                        "argument": "TargetHealthDescriptions[].TargetHealth.State",
                        "expected": "healthy",
                        "state": "success",
                    },
                    {"matcher": "error", "expected": "TargetGroupNotFound", "state": "failure"},
                ],
            },
        }


@ELBv2ErrorHandler.common_error_handler("wait for healthy targets")
def wait_for_healthy_targets(client, target_group_arn, minimum, timeout, poll_interval):
    """Wait until ``target_group_arn`` has ``minimum`` healthy targets, polling every ``poll_interval`` s.

    Raises WaitTimeout when they are not there within ``timeout`` seconds.
    """
    ELBv2WaiterFactory(minimum_healthy=minimum).wait(
        client, "HealthyTargets", timeout, poll_interval, TargetGroupArn=target_group_arn
    )


@ELBv2ErrorHandler.common_error_handler("wait for healthy targets")
def wait_targets_healthy(client, target_group_arn, instance_ids, timeout, poll_interval):
    """Wait until every instance of ``instance_ids`` is a healthy target of ``target_group_arn``.

    Asking for the instances by id, rather than counting healthy targets, keeps targets that belong to
    other groups (or that left this one) out of the answer. Raises WaitTimeout when they are not all
    healthy within ``timeout`` seconds.
    """
    ELBv2WaiterFactory().wait(
        client,
        "TargetsHealthy",
        timeout,
        poll_interval,
        TargetGroupArn=target_group_arn,
        Targets=[{"Id": instance_id} for instance_id in instance_ids],
    )
