# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A botocore waiter on GetDeployment that stops at a chosen milestone of a deployment, or at its end.

botocore's own DeploymentSuccessful waits only for the end; a blue/green deployment that waits for its
reroute (Ready) or keeps its original instances for a while (the termination wait) has milestones before it.
"""

from __future__ import annotations

try:
    from botocore import waiter as botocore_waiter
    from botocore.exceptions import WaiterError
except ImportError:
    pass  # The modules report the missing botocore.

from ansible_collections.amazon.aws.plugins.module_utils.waiter import custom_waiter_config

from .common import CodeDeployErrorHandler

# The states in which a deployment no longer moves by itself.
FINAL_STATUSES = ("Succeeded", "Failed", "Stopped")

# Milestone -> the acceptors, besides the final statuses, that end the wait.
MILESTONES = {
    # The replacement instances are installed and wait for the reroute (or the deployment went further).
    "ready": [
        ("deploymentInfo.status", "Ready"),
        ("deploymentInfo.instanceTerminationWaitTimeStarted", True),
    ],
    # The traffic is on the replacement instances; the originals may still wait for their termination.
    "rerouted": [("deploymentInfo.instanceTerminationWaitTimeStarted", True)],
    # Only the end.
    "finished": [],
}


def _model(milestone):
    acceptors = [
        {"matcher": "path", "argument": argument, "expected": expected, "state": "success"}
        for argument, expected in MILESTONES[milestone]
    ]
    acceptors += [
        {"matcher": "path", "argument": "deploymentInfo.status", "expected": status, "state": "success"}
        for status in FINAL_STATUSES
    ]
    return botocore_waiter.WaiterModel(
        {
            "version": 2,
            "waiters": {
                "DeploymentMilestone": {
                    "operation": "GetDeployment",
                    "delay": 15,
                    "maxAttempts": 60,
                    "acceptors": acceptors,
                }
            },
        }
    )


@CodeDeployErrorHandler.common_error_handler("wait for deployment")
def wait_for_milestone(client, deployment_id, milestone, timeout, poll_interval):
    """Poll the deployment every poll_interval seconds until milestone or a final status; False on timeout."""
    waiter = botocore_waiter.create_waiter_with_client("DeploymentMilestone", _model(milestone), client)
    try:
        waiter.wait(
            deploymentId=deployment_id, WaiterConfig=custom_waiter_config(timeout=timeout, default_pause=poll_interval)
        )
    except WaiterError as e:
        if "Max attempts exceeded" in str(e):
            return False
        raise
    return True
