# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every wait of the collection notices the state it waits for within one poll interval, and gives up no sooner than
its timeout and less than one poll interval after it.

Each wait is driven through botocore's Stubber: AWS answers "not yet" a few times, then the awaited state. The sleeps
between the polls are recorded instead of slept, so the tests know exactly when each poll happened: a wait that slept
longer than its poll interval, polled once more after the answer came, or stopped before its timeout fails here.
"""

from __future__ import annotations

import datetime

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.teal.bluegreen.plugins.module_utils._autoscaling import waiters as asg_waiters
from ansible_collections.teal.bluegreen.plugins.module_utils._codedeploy import waiters as codedeploy_waiters
from ansible_collections.teal.bluegreen.plugins.module_utils._elbv2 import waiters as elbv2_waiters
from ansible_collections.teal.bluegreen.plugins.module_utils._route53 import waiters as route53_waiters

ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-green/0123456789abcdef"
INSTANCES = ["i-0000000000000000a", "i-0000000000000000b"]
NOW = datetime.datetime(2026, 12, 5, tzinfo=datetime.timezone.utc)


def targets(*states):
    return {
        "TargetHealthDescriptions": [
            {"Target": {"Id": instance, "Port": 80}, "TargetHealth": {"State": state}}
            for instance, state in zip(INSTANCES, states)
        ]
    }


def group(*lifecycle_states):
    return {
        "AutoScalingGroups": [
            {
                "AutoScalingGroupName": "demo-green",
                "MinSize": 0,
                "MaxSize": 4,
                "DesiredCapacity": len(lifecycle_states),
                "DefaultCooldown": 300,
                "AvailabilityZones": ["us-east-1a"],
                "HealthCheckType": "ELB",
                "CreatedTime": NOW,
                "Instances": [
                    {
                        "InstanceId": instance,
                        "AvailabilityZone": "us-east-1a",
                        "LifecycleState": state,
                        "HealthStatus": "Healthy",
                        "ProtectedFromScaleIn": False,
                    }
                    for instance, state in zip(INSTANCES, lifecycle_states)
                ],
            }
        ]
    }


def change(status):
    return {"ChangeInfo": {"Id": "/change/C0123456789", "Status": status, "SubmittedAt": NOW}}


def deployment(status, termination_wait=False):
    return {
        "deploymentInfo": {
            "deploymentId": "d-0123456789",
            "status": status,
            "instanceTerminationWaitTimeStarted": termination_wait,
        }
    }


# Each wait: the service, the operation it polls, the call, an answer before the state and the answer with it.
WAITS = {
    "target group has 2 healthy targets (alb_swap)": (
        "elbv2",
        "describe_target_health",
        lambda client, timeout, pause: elbv2_waiters.wait_for_healthy_targets(client, ARN, 2, timeout, pause),
        targets("healthy", "initial"),
        targets("healthy", "healthy"),
    ),
    "group has 2 instances InService (asg_clone)": (
        "autoscaling",
        "describe_auto_scaling_groups",
        lambda client, timeout, pause: asg_waiters.wait_in_service(client, "demo-green", 2, timeout, pause),
        group("InService", "Pending"),
        group("InService", "InService"),
    ),
    "group's instances are healthy targets (asg_clone)": (
        "elbv2",
        "describe_target_health",
        lambda client, timeout, pause: asg_waiters.wait_targets_healthy(client, ARN, INSTANCES, timeout, pause),
        targets("initial", "initial"),
        targets("healthy", "healthy"),
    ),
    "group has no instances left (asg_clone absent)": (
        "autoscaling",
        "describe_auto_scaling_groups",
        lambda client, timeout, pause: asg_waiters.wait_empty(client, "demo-green", timeout, pause),
        group("Terminating"),
        group(),
    ),
    "record change is INSYNC (route53_alias_flip)": (
        "route53",
        "get_change",
        lambda client, timeout, pause: route53_waiters.wait_for_changes(client, ["C0123456789"], timeout, pause),
        change("PENDING"),
        change("INSYNC"),
    ),
    "deployment reaches its milestone (codedeploy_deployment)": (
        "codedeploy",
        "get_deployment",
        lambda client, timeout, pause: codedeploy_waiters.wait_for_milestone(
            client, "d-0123456789", "rerouted", timeout, pause
        ),
        deployment("InProgress"),
        deployment("InProgress", termination_wait=True),
    ),
}


@pytest.fixture
def sleeps(monkeypatch):
    """The pauses the waits take between their polls, recorded rather than slept."""
    recorded = []
    monkeypatch.setattr("botocore.waiter.time.sleep", recorded.append)
    return recorded


def stubbed(service):
    client = boto3.client(service, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="t")
    return client, Stubber(client)


@pytest.mark.parametrize("not_yet_polls", [0, 1, 4])
@pytest.mark.parametrize("wait", WAITS, ids=list(WAITS))
def test_a_wait_notices_the_state_at_the_first_poll_that_shows_it(wait, not_yet_polls, sleeps):
    service, operation, call, not_yet, done = WAITS[wait]
    client, stubber = stubbed(service)
    for _poll in range(not_yet_polls):
        stubber.add_response(operation, not_yet)
    stubber.add_response(operation, done)
    with stubber:
        result = call(client, 600, 7)
        # Polled exactly once more than it was told "not yet": the poll that showed the state ended the wait.
        stubber.assert_no_pending_responses()
    assert result is not False
    # Between two polls, exactly the poll interval: the state is seen at most one interval after it came.
    assert sleeps == [7] * not_yet_polls


@pytest.mark.parametrize("timeout, pause", [(60, 7), (60, 15), (90, 30), (10, 5)])
@pytest.mark.parametrize("wait", WAITS, ids=list(WAITS))
def test_a_wait_gives_up_no_sooner_than_its_timeout_and_within_one_poll_interval_after(wait, timeout, pause, sleeps):
    service, operation, call, not_yet, _done = WAITS[wait]
    client, stubber = stubbed(service)
    for _poll in range(timeout + 2):
        stubber.add_response(operation, not_yet)
    with stubber:
        try:
            result = call(client, timeout, pause)
        except Exception as error:  # noqa: BLE001 (each wait reports its timeout in the error type of its service)
            result = error
    assert result is False or isinstance(result, Exception), result
    # A short timeout gets shorter pauses (amazon.aws's custom_waiter_config), never longer ones.
    assert max(sleeps) <= pause
    assert timeout <= sum(sleeps) < timeout + pause
