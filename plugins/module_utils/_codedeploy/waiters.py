# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A botocore waiter on GetDeployment that stops at a chosen milestone of a deployment, or at its end.

botocore's own DeploymentSuccessful waits only for the end; a blue/green deployment that waits for its
reroute (Ready) or keeps its original instances for a while (the termination wait) has milestones before it.
"""

from __future__ import annotations

from ..waiter import WaitTimeout
from ..waiter import WaiterFactory
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


class CodeDeployWaiterFactory(WaiterFactory):
    """DeploymentMilestone: GetDeployment until the deployment reaches ``milestone`` (of MILESTONES) or ends."""

    def __init__(self, milestone="finished"):
        self._milestone = milestone
        super().__init__()

    @property
    def _waiter_model_data(self):
        acceptors = [
            {"matcher": "path", "argument": argument, "expected": expected, "state": "success"}
            for argument, expected in MILESTONES[self._milestone]
        ]
        acceptors += [
            {"matcher": "path", "argument": "deploymentInfo.status", "expected": status, "state": "success"}
            for status in FINAL_STATUSES
        ]
        return {
            "DeploymentMilestone": {
                "operation": "GetDeployment",
                "delay": 15,
                "maxAttempts": 60,
                "acceptors": acceptors,
            }
        }


@CodeDeployErrorHandler.common_error_handler("wait for deployment")
def wait_for_milestone(client, deployment_id, milestone, timeout, poll_interval):
    """Poll the deployment every poll_interval seconds until milestone or a final status; False on timeout."""
    try:
        CodeDeployWaiterFactory(milestone).wait(
            client, "DeploymentMilestone", timeout, poll_interval, deploymentId=deployment_id
        )
    except WaitTimeout:
        return False
    return True
