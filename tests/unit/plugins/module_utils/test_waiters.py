# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every wait of the collection notices the state it waits for within one poll interval, and gives up no sooner than
its timeout and less than one poll interval after it, saying so by type: WaitTimeout, or False for the deployment's
wait. Each service's waiter factory ends each wait on the answers its parameter (a count, a milestone) asks for, and
rides out the transient errors of a poll.

Each wait is driven through botocore's Stubber: AWS answers "not yet" a few times, then the awaited state. The sleeps
between the polls are recorded instead of slept, so the tests know exactly when each poll happened: a wait that slept
longer than its poll interval, polled once more after the answer came, or stopped before its timeout fails here.
The factories' models are judged on plain answers, acceptor by acceptor as botocore takes them.
"""

from __future__ import annotations

import datetime

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.teal.bluegreen.plugins.module_utils._autoscaling import waiters as asg_waiters
from ansible_collections.teal.bluegreen.plugins.module_utils._codedeploy import waiters as codedeploy_waiters
from ansible_collections.teal.bluegreen.plugins.module_utils._elbv2 import waiters as elbv2_waiters
from ansible_collections.teal.bluegreen.plugins.module_utils._route53 import waiters as route53_waiters
from ansible_collections.teal.bluegreen.plugins.module_utils.waiter import RETRIED_ERRORS
from ansible_collections.teal.bluegreen.plugins.module_utils.waiter import WaitTimeout

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
        lambda client, timeout, pause: elbv2_waiters.wait_targets_healthy(client, ARN, INSTANCES, timeout, pause),
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
# The wait whose timeout is an answer rather than an error: codedeploy_deployment reads the deployment again.
ANSWERS_FALSE = "deployment reaches its milestone (codedeploy_deployment)"


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
        if wait == ANSWERS_FALSE:
            assert call(client, timeout, pause) is False
        else:
            with pytest.raises(WaitTimeout):
                call(client, timeout, pause)
    # A short timeout gets shorter pauses (amazon.aws's custom_waiter_config), never longer ones.
    assert max(sleeps) <= pause
    assert timeout <= sum(sleeps) < timeout + pause


@pytest.mark.parametrize("code", ["Throttling", "ThrottlingException", "RequestLimitExceeded", "ServiceUnavailable"])
@pytest.mark.parametrize("wait", WAITS, ids=list(WAITS))
def test_a_wait_rides_out_a_transient_error_of_a_poll(wait, code, sleeps):
    service, operation, call, _not_yet, done = WAITS[wait]
    client, stubber = stubbed(service)
    stubber.add_client_error(operation, service_error_code=code, http_status_code=400)
    stubber.add_response(operation, done)
    with stubber:
        assert call(client, 600, 7) is not False
        stubber.assert_no_pending_responses()
    assert sleeps == [7]


@pytest.mark.parametrize("wait", WAITS, ids=list(WAITS))
def test_a_wait_throttled_at_every_poll_times_out(wait, sleeps):
    service, operation, call, _not_yet, _done = WAITS[wait]
    client, stubber = stubbed(service)
    for _poll in range(20):
        stubber.add_client_error(operation, service_error_code="ThrottlingException", http_status_code=400)
    with stubber:
        if wait == ANSWERS_FALSE:
            assert call(client, 60, 15) is False
        else:
            with pytest.raises(WaitTimeout):
                call(client, 60, 15)
    assert sum(sleeps) == 60


# A wait that ends on an answer that is neither its state nor "not yet": the error of its service, never a timeout.
FAILURES = {
    "target group deleted (alb_swap)": (
        "elbv2",
        "describe_target_health",
        lambda client: elbv2_waiters.wait_for_healthy_targets(client, ARN, 2, 600, 7),
        {"service_error_code": "TargetGroupNotFound", "http_status_code": 400},
    ),
    "target group deleted (asg_clone)": (
        "elbv2",
        "describe_target_health",
        lambda client: elbv2_waiters.wait_targets_healthy(client, ARN, INSTANCES, 600, 7),
        {"service_error_code": "TargetGroupNotFound", "http_status_code": 400},
    ),
    "group deleted (asg_clone)": (
        "autoscaling",
        "describe_auto_scaling_groups",
        lambda client: asg_waiters.wait_in_service(client, "demo-green", 2, 600, 7),
        {"AutoScalingGroups": []},
    ),
    "deployment refused (codedeploy_deployment)": (
        "codedeploy",
        "get_deployment",
        lambda client: codedeploy_waiters.wait_for_milestone(client, "d-0123456789", "finished", 600, 7),
        {"service_error_code": "AccessDeniedException", "http_status_code": 400},
    ),
    "change refused (route53_alias_flip)": (
        "route53",
        "get_change",
        lambda client: route53_waiters.wait_for_changes(client, ["C0123456789"], 600, 7),
        {"service_error_code": "AccessDenied", "http_status_code": 403},
    ),
}


@pytest.mark.parametrize("failure", FAILURES, ids=list(FAILURES))
def test_a_wait_that_fails_raises_the_service_error_at_once_not_a_timeout(failure, sleeps):
    service, operation, call, answer = FAILURES[failure]
    client, stubber = stubbed(service)
    if "service_error_code" in answer:
        stubber.add_client_error(operation, **answer)
    else:
        stubber.add_response(operation, answer)
    with stubber, pytest.raises(AnsibleAWSError) as raised:
        call(client)
    assert not isinstance(raised.value, WaitTimeout)
    assert sleeps == []


def healthy_targets(healthy, total=3):
    return {
        "TargetHealthDescriptions": [
            {
                "Target": {"Id": f"i-{index:017x}"},
                "TargetHealth": {"State": "healthy" if index < healthy else "initial"},
            }
            for index in range(total)
        ]
    }


def instances(*states):
    """A DescribeAutoScalingGroups answer with instances in ``states`` ("InService/Healthy", ...)."""
    return {
        "AutoScalingGroups": [
            {
                "Instances": [
                    {"LifecycleState": state.split("/")[0], "HealthStatus": state.split("/")[1]} for state in states
                ]
            }
        ]
    }


def error(code):
    return {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": 400}}


CLIENTS = {}


def judged(factory, waiter_name, service, answer):
    """What the waiter does on ``answer``: the state of its first acceptor that matches, as botocore takes it,
    or "waiting" when none does."""
    if service not in CLIENTS:
        CLIENTS[service] = stubbed(service)[0]
    waiter = factory.get_waiter(CLIENTS[service], waiter_name)
    return next((acceptor.state for acceptor in waiter.config.acceptors if acceptor.matcher_func(answer)), "waiting")


@pytest.mark.parametrize("minimum", [1, 2, 3])
def test_healthy_targets_ends_at_the_minimum_the_factory_takes(minimum):
    factory = elbv2_waiters.ELBv2WaiterFactory(minimum_healthy=minimum)

    for healthy in range(4):
        expected = "success" if healthy >= minimum else "waiting"
        assert judged(factory, "HealthyTargets", "elbv2", healthy_targets(healthy)) == expected, healthy
    assert judged(factory, "HealthyTargets", "elbv2", error("TargetGroupNotFound")) == "failure"


def test_targets_healthy_ends_when_every_target_asked_for_is_healthy():
    factory = elbv2_waiters.ELBv2WaiterFactory()

    assert judged(factory, "TargetsHealthy", "elbv2", healthy_targets(2, total=2)) == "success"
    assert judged(factory, "TargetsHealthy", "elbv2", healthy_targets(1, total=2)) == "waiting"
    # No target listed yet is no healthy target.
    assert judged(factory, "TargetsHealthy", "elbv2", healthy_targets(0, total=0)) == "waiting"
    assert judged(factory, "TargetsHealthy", "elbv2", error("TargetGroupNotFound")) == "failure"


@pytest.mark.parametrize("count", [1, 2])
def test_group_in_service_counts_instances_in_service_and_healthy_up_to_the_count_the_factory_takes(count):
    factory = asg_waiters.AutoScalingWaiterFactory(in_service=count)

    def judge(answer):
        return judged(factory, "GroupInServiceCount", "autoscaling", answer)

    assert judge(instances("InService/Healthy", "InService/Healthy")) == "success"
    assert judge(instances("InService/Healthy", "Pending/Healthy")) == ("success" if count == 1 else "waiting")
    assert judge(instances("InService/Healthy", "InService/Unhealthy")) == ("success" if count == 1 else "waiting")
    assert judge(instances()) == "waiting"
    # The group is gone: its instances will never come.
    assert judge({"AutoScalingGroups": []}) == "failure"


def test_group_empty_ends_with_no_instance_or_no_group():
    factory = asg_waiters.AutoScalingWaiterFactory()

    assert judged(factory, "GroupEmpty", "autoscaling", instances()) == "success"
    assert judged(factory, "GroupEmpty", "autoscaling", {"AutoScalingGroups": []}) == "success"
    assert judged(factory, "GroupEmpty", "autoscaling", instances("Terminating/Healthy")) == "waiting"


# The deployment as GetDeployment shows it -> the milestones at which the wait ends there.
DEPLOYMENTS = {
    "installing": (deployment("InProgress"), set()),
    "waiting for its reroute": (deployment("Ready"), {"ready"}),
    "rerouted, originals waiting": (deployment("InProgress", termination_wait=True), {"ready", "rerouted"}),
    "succeeded": (deployment("Succeeded"), {"ready", "rerouted", "finished"}),
    "failed": (deployment("Failed"), {"ready", "rerouted", "finished"}),
    "stopped": (deployment("Stopped"), {"ready", "rerouted", "finished"}),
}


@pytest.mark.parametrize("milestone", sorted(codedeploy_waiters.MILESTONES))
@pytest.mark.parametrize("shown", DEPLOYMENTS, ids=list(DEPLOYMENTS))
def test_deployment_milestone_ends_at_the_milestone_the_factory_takes_or_at_the_end(milestone, shown):
    answer, ending_at = DEPLOYMENTS[shown]
    factory = codedeploy_waiters.CodeDeployWaiterFactory(milestone)

    expected = "success" if milestone in ending_at else "waiting"
    assert judged(factory, "DeploymentMilestone", "codedeploy", answer) == expected


def test_record_changes_end_when_insync():
    factory = route53_waiters.Route53WaiterFactory()

    assert judged(factory, "ResourceRecordSetsChanged", "route53", change("INSYNC")) == "success"
    assert judged(factory, "ResourceRecordSetsChanged", "route53", change("PENDING")) == "waiting"


# Every waiter: its factory, the service of its client, its operation, and its default pause and attempts (the
# options' poll interval and timeout replace both when a module waits).
WAITERS = {
    "HealthyTargets": (elbv2_waiters.ELBv2WaiterFactory(2), "elbv2", "DescribeTargetHealth", 5, 40),
    "TargetsHealthy": (elbv2_waiters.ELBv2WaiterFactory(), "elbv2", "DescribeTargetHealth", 15, 40),
    "GroupInServiceCount": (
        asg_waiters.AutoScalingWaiterFactory(2),
        "autoscaling",
        "DescribeAutoScalingGroups",
        15,
        40,
    ),
    "GroupEmpty": (asg_waiters.AutoScalingWaiterFactory(), "autoscaling", "DescribeAutoScalingGroups", 15, 40),
    "DeploymentMilestone": (codedeploy_waiters.CodeDeployWaiterFactory("ready"), "codedeploy", "GetDeployment", 15, 60),
    "ResourceRecordSetsChanged": (route53_waiters.Route53WaiterFactory(), "route53", "GetChange", 30, 60),
}


@pytest.mark.parametrize("name", WAITERS)
def test_each_waiter_polls_its_operation_at_its_pace(name):
    factory, service, operation, delay, attempts = WAITERS[name]

    waiter = factory.get_waiter(stubbed(service)[0], name)

    assert (waiter.config.operation, waiter.config.delay, waiter.config.max_attempts) == (operation, delay, attempts)


# What amazon.aws's BaseWaiterFactory retries, and what the collection adds.
TRANSIENT = set(RETRIED_ERRORS) | {"Unavailable", "InternalError", "TooManyRequestsException"}


@pytest.mark.parametrize("name", WAITERS)
def test_each_waiter_retries_each_transient_error_once_in_its_model(name):
    factory, service, _operation, _delay, _attempts = WAITERS[name]

    for code in sorted(TRANSIENT):
        assert judged(factory, name, service, error(code)) == "retry", code
    acceptors = factory.get_waiter(stubbed(service)[0], name).config.acceptors
    retried = [acceptor.expected for acceptor in acceptors if acceptor.matcher == "error" and acceptor.state == "retry"]
    assert sorted(retried) == sorted(TRANSIENT)


def test_the_wait_for_no_instances_ends_when_the_group_is_gone(sleeps):
    client, stubber = stubbed("autoscaling")
    stubber.add_response("describe_auto_scaling_groups", group("Terminating"))
    stubber.add_response("describe_auto_scaling_groups", {"AutoScalingGroups": []})
    with stubber:
        asg_waiters.wait_empty(client, "demo-green", 600, 7)
        stubber.assert_no_pending_responses()
    assert sleeps == [7]
