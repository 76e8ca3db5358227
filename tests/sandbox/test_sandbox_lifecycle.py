# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The sandbox's Auto Scaling instance lifecycle (tools/sandbox_lifecycle.py) through boto3.

Plain moto puts a launched instance InService at once, ignores lifecycle hooks (and lacks CompleteLifecycleAction and
RecordLifecycleActionHeartbeat), and takes a scaled-in instance out of its group and terminates it at once. Each test
below fails against it. The server is the tests' own (tests/conftest.py), at the default speed factor (60 AWS seconds
per second): the boot (30 AWS seconds) takes half a second, a heartbeat timeout of 120 s two seconds.
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import sandbox_lifecycle  # noqa: E402  pylint: disable=wrong-import-position
import sandbox_time  # noqa: E402  pylint: disable=wrong-import-position
from conftest import wait_for  # noqa: E402  pylint: disable=wrong-import-position

FACTOR = sandbox_time.DEFAULT_FACTOR
# Sandbox seconds for AWS seconds, with room for a loaded machine.
SLACK = 4.0
LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING"
TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING"


def sandbox_seconds(aws_seconds):
    return aws_seconds / FACTOR


class World:
    """A VPC, a launch template, a load balancer and Auto Scaling groups, named for one test."""

    def __init__(self, server):
        self.server = server
        self.suffix = uuid.uuid4().hex[:6]
        self.ec2, self.elbv2, self.autoscaling = (server.client(name) for name in ("ec2", "elbv2", "autoscaling"))
        self.vpc = self.ec2.create_vpc(CidrBlock="10.79.0.0/16")["Vpc"]["VpcId"]
        self.subnets = [
            self.ec2.create_subnet(VpcId=self.vpc, CidrBlock=f"10.79.{index}.0/24", AvailabilityZone=zone)["Subnet"][
                "SubnetId"
            ]
            for index, zone in enumerate(("us-east-1a", "us-east-1b"), start=1)
        ]
        image = self.ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        self.template = f"life-{self.suffix}"
        self.ec2.create_launch_template(
            LaunchTemplateName=self.template, LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"}
        )
        self.groups = []

    def target_group(self, delay, listener=True):
        """A target group draining for ``delay`` AWS seconds, forwarded to by a listener of a load balancer of its own
        unless ``listener`` is false."""
        arn = self.elbv2.create_target_group(
            Name=f"life-{self.suffix}", Protocol="HTTP", Port=80, VpcId=self.vpc, HealthCheckIntervalSeconds=5
        )["TargetGroups"][0]["TargetGroupArn"]
        self.elbv2.modify_target_group_attributes(
            TargetGroupArn=arn, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": str(delay)}]
        )
        if listener:
            balancer = self.elbv2.create_load_balancer(Name=f"life-{self.suffix}", Subnets=self.subnets)
            self.elbv2.create_listener(
                LoadBalancerArn=balancer["LoadBalancers"][0]["LoadBalancerArn"],
                Protocol="HTTP",
                Port=80,
                DefaultActions=[{"Type": "forward", "TargetGroupArn": arn}],
            )
        return arn

    def create(self, name, **settings):
        """CreateAutoScalingGroup of ``name`` from the run's template, empty unless ``settings`` say otherwise."""
        group = {"MinSize": 0, "MaxSize": 4, "DesiredCapacity": 0, **settings}
        self.autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchTemplate={"LaunchTemplateName": self.template, "Version": "1"},
            VPCZoneIdentifier=self.subnets[0],
            **group,
        )
        if name not in self.groups:
            self.groups.append(name)

    def group(self, desired=0, hooks=(), **settings):
        """A group with the lifecycle hooks ``hooks`` ((transition, HeartbeatTimeout, DefaultResult) each), put
        before it launches ``desired`` instances."""
        name = f"life-{self.suffix}-{len(self.groups)}"
        self.create(name, **settings)
        for index, (transition, timeout, default) in enumerate(hooks):
            self.autoscaling.put_lifecycle_hook(
                AutoScalingGroupName=name,
                LifecycleHookName=f"hook-{index}",
                LifecycleTransition=transition,
                HeartbeatTimeout=timeout,
                DefaultResult=default,
            )
        if desired:
            self.autoscaling.set_desired_capacity(AutoScalingGroupName=name, DesiredCapacity=desired)
        return name

    def described(self, name):
        found = self.autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
        return found[0] if found else None

    def states(self, name):
        """Instance id -> LifecycleState of the group's instances, as DescribeAutoScalingGroups lists them."""
        group = self.described(name)
        return {item["InstanceId"]: item["LifecycleState"] for item in group["Instances"]} if group else {}

    def instance_states(self, instance_ids):
        """Instance id -> LifecycleState, as DescribeAutoScalingInstances lists them."""
        found = self.autoscaling.describe_auto_scaling_instances(InstanceIds=list(instance_ids))
        return {item["InstanceId"]: item["LifecycleState"] for item in found["AutoScalingInstances"]}

    def ec2_state(self, instance_id):
        found = self.ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
        return found["State"]["Name"]

    def targets(self, arn):
        found = self.elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
        return {item["Target"]["Id"]: item["TargetHealth"]["State"] for item in found}

    def remove(self):
        for name in self.groups:
            for hook in self.autoscaling.describe_lifecycle_hooks(AutoScalingGroupName=name)["LifecycleHooks"]:
                self.autoscaling.delete_lifecycle_hook(
                    AutoScalingGroupName=name, LifecycleHookName=hook["LifecycleHookName"]
                )
            if self.described(name) is not None:
                self.autoscaling.delete_auto_scaling_group(AutoScalingGroupName=name, ForceDelete=True)


@pytest.fixture
def world(server):
    made = World(server)
    yield made
    made.remove()


def only(states):
    (item,) = states.items()
    return item


def test_a_launched_instance_is_pending_while_it_boots_then_in_service(world):
    """Amazon EC2 Auto Scaling User Guide, "Amazon EC2 Auto Scaling instance lifecycle": "These instances start in the
    Pending state [...] When each instance is fully configured and passes the Amazon EC2 health checks, it is attached
    to the Auto Scaling group and it enters the InService state." The Pending instance counts toward the capacity: the
    group launches no second one for it."""
    # Lower bounds on waits are measured from just before the call that starts the clock: a slow machine can only
    # make the wait longer.
    started = time.monotonic()
    name = world.group(desired=1)
    instance, state = only(world.states(name))
    assert state == "Pending"
    assert world.instance_states([instance]) == {instance: "Pending"}
    assert wait_for(lambda: world.states(name) == {instance: "InService"}, SLACK + sandbox_seconds(30))
    assert time.monotonic() - started >= sandbox_seconds(sandbox_time.BOOT_SECONDS)
    assert world.described(name)["DesiredCapacity"] == 1


def test_a_launch_hook_holds_the_instance_in_pending_wait_until_completed(world):
    """ "How lifecycle hooks work in Auto Scaling groups": "The lifecycle hook puts the instance into a wait state
    (Pending:Wait) [...] The instance remains in a wait state until you either complete the lifecycle action, or the
    timeout period ends"; CompleteLifecycleAction "Completes the lifecycle action for the specified token or instance
    with the specified result" (CONTINUE: Pending:Proceed, then InService). The group registers the instance with its
    target groups only then, "before it reaches the InService state"."""
    arn = world.target_group(delay=60)
    name = world.group(desired=1, hooks=[(LAUNCHING, 3600, "ABANDON")], TargetGroupARNs=[arn])
    instance, state = only(world.states(name))
    assert state == "Pending"
    assert wait_for(lambda: world.states(name) == {instance: "Pending:Wait"}, SLACK + sandbox_seconds(30))
    time.sleep(sandbox_seconds(120))
    assert world.states(name) == {instance: "Pending:Wait"}
    assert world.targets(arn) == {}
    assert world.ec2_state(instance) == "running"

    with pytest.raises(ClientError, match="No active Lifecycle Action"):
        world.autoscaling.complete_lifecycle_action(
            AutoScalingGroupName=name,
            LifecycleHookName="no-such-hook",
            InstanceId=instance,
            LifecycleActionResult="CONTINUE",
        )
    world.autoscaling.record_lifecycle_action_heartbeat(
        AutoScalingGroupName=name, LifecycleHookName="hook-0", InstanceId=instance
    )
    world.autoscaling.complete_lifecycle_action(
        AutoScalingGroupName=name, LifecycleHookName="hook-0", InstanceId=instance, LifecycleActionResult="CONTINUE"
    )
    assert world.states(name)[instance] in ("Pending:Proceed", "InService")
    assert instance in world.targets(arn)
    assert wait_for(lambda: world.states(name) == {instance: "InService"}, SLACK + sandbox_seconds(10))
    # Completed, the action is no longer active.
    with pytest.raises(ClientError, match="No active Lifecycle Action"):
        world.autoscaling.complete_lifecycle_action(
            AutoScalingGroupName=name, LifecycleHookName="hook-0", InstanceId=instance, LifecycleActionResult="CONTINUE"
        )


def test_hooks_given_at_creation_hold_the_groups_first_instances(world):
    """API Reference, CreateAutoScalingGroup: LifecycleHookSpecificationList, "One or more lifecycle hooks to add to the
    Auto Scaling group before instances are launched". moto ignores the list: the group has no hook, and its first
    instance goes InService."""
    name = f"life-{world.suffix}-created-with-hooks"
    world.create(
        name,
        DesiredCapacity=1,
        LifecycleHookSpecificationList=[{"LifecycleHookName": "hold", "LifecycleTransition": LAUNCHING}],
    )
    (hook,) = world.autoscaling.describe_lifecycle_hooks(AutoScalingGroupName=name)["LifecycleHooks"]
    assert (hook["LifecycleHookName"], hook["HeartbeatTimeout"], hook["DefaultResult"]) == ("hold", 3600, "ABANDON")
    instance, _state = only(world.states(name))
    assert wait_for(lambda: world.states(name) == {instance: "Pending:Wait"}, SLACK + sandbox_seconds(30))


def test_a_deleted_groups_hooks_go_with_it(world):
    """A lifecycle hook belongs to its group (PutLifecycleHook: "Creates or updates a lifecycle hook for the specified
    Auto Scaling group"): once the group is deleted, a new group of the same name has none. moto keeps them."""
    name = world.group(hooks=[(LAUNCHING, 60, "CONTINUE")])
    world.autoscaling.delete_auto_scaling_group(AutoScalingGroupName=name)
    world.create(name)
    assert world.autoscaling.describe_lifecycle_hooks(AutoScalingGroupName=name)["LifecycleHooks"] == []


def test_the_heartbeat_timeout_applies_the_default_result_continue(world):
    """PutLifecycleHook: HeartbeatTimeout, "The maximum time, in seconds, that can elapse before the lifecycle hook
    times out [...] If the lifecycle hook times out, Amazon EC2 Auto Scaling performs the action that you specified in
    the DefaultResult property"; RecordLifecycleActionHeartbeat "Records a heartbeat for the lifecycle action [...]
    This extends the timeout by the length of time defined using the PutLifecycleHook API call"."""
    timeout = 120
    name = world.group(desired=1, hooks=[(LAUNCHING, timeout, "CONTINUE")])
    instance, _state = only(world.states(name))
    assert wait_for(lambda: world.states(name) == {instance: "Pending:Wait"}, SLACK + sandbox_seconds(30))
    waiting = time.monotonic()
    time.sleep(sandbox_seconds(timeout) / 2)
    beat = time.monotonic()
    world.autoscaling.record_lifecycle_action_heartbeat(
        AutoScalingGroupName=name, LifecycleHookName="hook-0", InstanceId=instance
    )
    assert wait_for(lambda: world.states(name) == {instance: "InService"}, SLACK + sandbox_seconds(timeout + 10))
    # Not before a whole timeout after the heartbeat, which is later than a timeout after the wait began.
    assert time.monotonic() - beat >= sandbox_seconds(timeout)
    assert time.monotonic() - waiting >= sandbox_seconds(timeout) * 1.5


def test_abandon_terminates_the_instance_and_the_group_replaces_it(world):
    """CompleteLifecycleAction, LifecycleActionResult: "The action for the group to take. You can specify either
    CONTINUE or ABANDON"; Amazon EC2 Auto Scaling User Guide, "Amazon EC2 Auto Scaling lifecycle hooks": at launch,
    ABANDON terminates the instance, and the group launches another to keep its desired capacity."""
    name = world.group(desired=1, hooks=[(LAUNCHING, 3600, "CONTINUE")])
    instance, _state = only(world.states(name))
    assert wait_for(lambda: world.states(name) == {instance: "Pending:Wait"}, SLACK + sandbox_seconds(30))
    world.autoscaling.complete_lifecycle_action(
        AutoScalingGroupName=name, LifecycleHookName="hook-0", InstanceId=instance, LifecycleActionResult="ABANDON"
    )
    states = world.states(name)
    assert instance not in states
    assert len(states) == 1 and set(states.values()) <= {"Pending", "Pending:Wait"}
    assert world.ec2_state(instance) in ("shutting-down", "terminated")
    assert world.described(name)["DesiredCapacity"] == 1


def test_a_scaled_in_instance_is_terminating_while_its_targets_drain(world):
    """Amazon EC2 Auto Scaling User Guide, "Use Elastic Load Balancing to distribute incoming application traffic in
    your Auto Scaling group" and "Amazon EC2 Auto Scaling instance lifecycle": on a scale-in the group deregisters the
    instance from its target groups and waits for the deregistration delay before it terminates it; meanwhile the
    instance is listed as Terminating and no longer counts toward the desired capacity."""
    delay = 120
    arn = world.target_group(delay=delay)
    name = world.group(desired=2, TargetGroupARNs=[arn])
    assert wait_for(lambda: set(world.states(name).values()) == {"InService"}, SLACK + sandbox_seconds(30))
    before = set(world.states(name))

    started = time.monotonic()
    world.autoscaling.set_desired_capacity(AutoScalingGroupName=name, DesiredCapacity=1)
    states = world.states(name)
    assert set(states) == before
    (leaving,) = [instance for instance, state in states.items() if state == "Terminating"]
    (staying,) = before - {leaving}
    assert states[staying] == "InService"
    assert world.instance_states([leaving]) == {leaving: "Terminating"}
    assert world.described(name)["DesiredCapacity"] == 1
    assert world.targets(arn)[leaving] == "draining"
    assert world.ec2_state(leaving) == "running"
    # Still in the group, it is not chosen again, and the group refuses to be deleted without ForceDelete.
    with pytest.raises(ClientError) as refused:
        world.autoscaling.delete_auto_scaling_group(AutoScalingGroupName=name)
    assert refused.value.response["Error"]["Code"] == "ResourceInUse"

    assert wait_for(lambda: set(world.states(name)) == {staying}, SLACK + sandbox_seconds(delay))
    assert time.monotonic() - started >= sandbox_seconds(delay)
    assert world.ec2_state(leaving) in ("shutting-down", "terminated")
    assert leaving not in world.targets(arn)


def test_a_terminate_hook_holds_the_instance_in_terminating_wait(world):
    """ "How lifecycle hooks work in Auto Scaling groups": on a scale-in "The lifecycle hook puts the instance into a
    wait state (Terminating:Wait)", then Terminating:Proceed, "and the instance is terminated". A target group no
    listener forwards to drains at once (sandbox_time), so the wait follows the scale-in directly.
    DeleteAutoScalingGroup: "If the group has instances or scaling activities in progress, you must specify the option
    to force the deletion in order for it to succeed"; forced, the group is `Delete in progress` until they are
    gone."""
    arn = world.target_group(delay=300, listener=False)
    name = world.group(desired=1, hooks=[(TERMINATING, 3600, "CONTINUE")], TargetGroupARNs=[arn])
    instance, _state = only(world.states(name))
    assert wait_for(lambda: world.states(name) == {instance: "InService"}, SLACK + sandbox_seconds(30))

    world.autoscaling.terminate_instance_in_auto_scaling_group(InstanceId=instance, ShouldDecrementDesiredCapacity=True)
    assert wait_for(lambda: world.states(name) == {instance: "Terminating:Wait"}, SLACK)
    time.sleep(sandbox_seconds(120))
    assert world.states(name) == {instance: "Terminating:Wait"}
    assert world.ec2_state(instance) == "running"

    world.autoscaling.delete_auto_scaling_group(AutoScalingGroupName=name, ForceDelete=True)
    assert world.described(name)["Status"] == sandbox_lifecycle.DELETING
    world.autoscaling.complete_lifecycle_action(
        AutoScalingGroupName=name, LifecycleHookName="hook-0", InstanceId=instance, LifecycleActionResult="CONTINUE"
    )
    # Terminating:Proceed lasts PROCEED_SECONDS; on a busy machine the group may be gone by this read.
    assert world.states(name) in ({instance: "Terminating:Proceed"}, {})
    assert wait_for(lambda: world.described(name) is None, SLACK + sandbox_seconds(sandbox_lifecycle.PROCEED_SECONDS))
    assert world.ec2_state(instance) in ("shutting-down", "terminated")


def test_at_speed_factor_zero_moto_answers_at_once(world):
    """BLUEGREEN_SANDBOX_TIME_FACTOR=0 (or /_sandbox/clock {"factor": 0}) keeps moto's timings: a launched instance is
    InService at once whatever its group's hooks, and a scaled-in one is gone at once."""
    previous = world.server.clock()
    world.server.clock(0)
    try:
        arn = world.target_group(delay=300)
        name = world.group(desired=2, hooks=[(LAUNCHING, 3600, "ABANDON"), (TERMINATING, 3600, "ABANDON")])
        world.autoscaling.attach_load_balancer_target_groups(AutoScalingGroupName=name, TargetGroupARNs=[arn])
        states = world.states(name)
        assert list(states.values()) == ["InService", "InService"]
        world.autoscaling.set_desired_capacity(AutoScalingGroupName=name, DesiredCapacity=1)
        after = world.states(name)
        assert list(after.values()) == ["InService"]
        (gone,) = set(states) - set(after)
        assert world.ec2_state(gone) in ("shutting-down", "terminated")
    finally:
        world.server.clock(previous)


@pytest.mark.parametrize(
    ("booted", "results", "proceeding", "expected"),
    [
        (10, [], None, "Pending"),
        (30, [], None, "InService"),
        (30, [None], None, "Pending:Wait"),
        (30, ["CONTINUE", None], None, "Pending:Wait"),
        (30, ["CONTINUE"], None, "Pending:Proceed"),
        (30, ["CONTINUE"], 5, "InService"),
        (30, ["CONTINUE", "ABANDON"], None, "Abandoned"),
    ],
)
def test_launch_state_decisions(booted, results, proceeding, expected):
    assert sandbox_lifecycle.launch_state(booted, results, proceeding) == expected


@pytest.mark.parametrize(
    ("hook", "waited", "heartbeat", "expected"),
    [
        ({"result": None, "timeout": 60, "default": "ABANDON"}, 59, None, None),
        ({"result": None, "timeout": 60, "default": "ABANDON"}, 60, None, "ABANDON"),
        ({"result": None, "timeout": 60, "default": "ABANDON"}, 90, 30, None),
        ({"result": None, "timeout": 60, "default": "CONTINUE"}, 6000, 1, "CONTINUE"),
        ({"result": "CONTINUE", "timeout": 60, "default": "ABANDON"}, 1, None, "CONTINUE"),
    ],
)
def test_hook_result_decisions(hook, waited, heartbeat, expected):
    """A heartbeat restarts the timeout; the wait never outlasts 100 heartbeat timeouts (LifecycleHook, GlobalTimeout:
    "48 hours or 100 times HeartbeatTimeout, whichever is smaller")."""
    assert sandbox_lifecycle.hook_result(hook, waited, heartbeat) == expected
