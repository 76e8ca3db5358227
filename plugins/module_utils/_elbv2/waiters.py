# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A botocore waiter for "at least N healthy targets", which botocore's own TargetInService lacks."""

from __future__ import annotations

try:
    from botocore import waiter as botocore_waiter
except ImportError:
    pass  # The modules report the missing botocore.

from ansible_collections.amazon.aws.plugins.module_utils.waiter import custom_waiter_config

from ..errors import RETRIED_WAITER_ERRORS
from .common import ELBv2ErrorHandler


def _healthy_targets_model(minimum):
    return botocore_waiter.WaiterModel(
        {
            "version": 2,
            "waiters": {
                "HealthyTargets": {
                    "operation": "DescribeTargetHealth",
                    "delay": 5,
                    "maxAttempts": 40,
                    "acceptors": [
                        {
                            "matcher": "path",
                            "argument": (
                                "length(TargetHealthDescriptions[?TargetHealth.State=='healthy']) >= "
                                f"`{int(minimum)}`"
                            ),
                            "expected": True,
                            "state": "success",
                        },
                        {"matcher": "error", "expected": "TargetGroupNotFound", "state": "failure"},
                    ]
                    + RETRIED_WAITER_ERRORS,
                }
            },
        }
    )


@ELBv2ErrorHandler.common_error_handler("wait for healthy targets")
def wait_for_healthy_targets(client, target_group_arn, minimum, timeout, poll_interval):
    """Wait until ``target_group_arn`` has ``minimum`` healthy targets, polling every ``poll_interval`` s."""
    waiter = botocore_waiter.create_waiter_with_client("HealthyTargets", _healthy_targets_model(minimum), client)
    waiter.wait(
        TargetGroupArn=target_group_arn,
        WaiterConfig=custom_waiter_config(timeout=timeout, default_pause=poll_interval),
    )
