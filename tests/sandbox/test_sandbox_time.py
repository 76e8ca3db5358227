# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The sandbox's clock (tools/sandbox_time.py) through boto3: AWS's timings, sped up by the speed factor.

Plain moto answers each of these at once: a registered target is healthy, a deregistered one is gone, a terminated
instance stays healthy, a Route 53 change is INSYNC. Each test below fails against it. The server is the tests' own
(tests/conftest.py, process_sandbox), at the default speed factor (60 AWS seconds per second), so the target groups
here check every 5 s with a threshold of 2 (10 AWS seconds, a sixth of a second) and drain for 60 s (1 s).
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import sandbox_time  # noqa: E402  pylint: disable=wrong-import-position
from conftest import wait_for  # noqa: E402  pylint: disable=wrong-import-position

FACTOR = sandbox_time.DEFAULT_FACTOR
# Sandbox seconds for AWS seconds, with room for a loaded machine.
SLACK = 3.0


def sandbox_seconds(aws_seconds):
    return aws_seconds / FACTOR


class World:
    """A VPC, a load balancer with a listener, and a target group per test, named for this run."""

    def __init__(self, server):
        self.suffix = uuid.uuid4().hex[:6]
        self.ec2, self.elbv2, self.autoscaling, self.route53 = (
            server.client(name) for name in ("ec2", "elbv2", "autoscaling", "route53")
        )
        self.vpc = self.ec2.create_vpc(CidrBlock="10.78.0.0/16")["Vpc"]["VpcId"]
        self.subnets = [
            self.ec2.create_subnet(VpcId=self.vpc, CidrBlock=f"10.78.{index}.0/24", AvailabilityZone=zone)["Subnet"][
                "SubnetId"
            ]
            for index, zone in enumerate(("us-east-1a", "us-east-1b"), start=1)
        ]
        self.image = self.ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        self.balancer = self.elbv2.create_load_balancer(Name=f"time-{self.suffix}", Subnets=self.subnets)[
            "LoadBalancers"
        ][0]["LoadBalancerArn"]

    def target_group(self, name, delay=60, listener=True):
        arn = self.elbv2.create_target_group(
            Name=f"{name}-{self.suffix}",
            Protocol="HTTP",
            Port=80,
            VpcId=self.vpc,
            HealthCheckIntervalSeconds=5,
            HealthyThresholdCount=2,
            UnhealthyThresholdCount=3,
        )["TargetGroups"][0]["TargetGroupArn"]
        self.elbv2.modify_target_group_attributes(
            TargetGroupArn=arn, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": str(delay)}]
        )
        if listener:
            self.elbv2.create_listener(
                LoadBalancerArn=self.balancer,
                Protocol="HTTP",
                Port=8000 + len(self.elbv2.describe_listeners(LoadBalancerArn=self.balancer)["Listeners"]),
                DefaultActions=[{"Type": "forward", "TargetGroupArn": arn}],
            )
        return arn

    def instances(self, count=1, tags=None):
        specs = [{"ResourceType": "instance", "Tags": tags}] if tags else []
        found = self.ec2.run_instances(
            ImageId=self.image,
            MinCount=count,
            MaxCount=count,
            SubnetId=self.subnets[0],
            TagSpecifications=specs,
        )["Instances"]
        return [item["InstanceId"] for item in found]

    def states(self, arn, targets=None):
        asked = {"Targets": [{"Id": target} for target in targets]} if targets else {}
        found = self.elbv2.describe_target_health(TargetGroupArn=arn, **asked)["TargetHealthDescriptions"]
        return {
            item["Target"]["Id"]: (item["TargetHealth"]["State"], item["TargetHealth"].get("Reason")) for item in found
        }


@pytest.fixture
def world(server):
    return World(server)


def test_a_registered_target_is_initial_until_it_has_passed_its_health_checks(world):
    """Elastic Load Balancing, "Health checks for your target groups": "Before a target can receive requests from the
    load balancer, it must pass the initial health checks"; `initial`: "performing the initial health checks on the
    target" (reason Elb.InitialHealthChecking or Elb.RegistrationInProgress)."""
    arn = world.target_group("initial")
    # The sandbox counts the boot from the launch, so the lower bound below is measured from just before it: a slow
    # machine can only make the wait longer.
    launched = time.monotonic()
    (instance,) = world.instances()
    world.elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": instance}])
    state, reason = world.states(arn)[instance]
    assert state == "initial" and reason in ("Elb.RegistrationInProgress", "Elb.InitialHealthChecking")
    booted_and_checked = sandbox_time.BOOT_SECONDS + 2 * 5
    assert wait_for(lambda: world.states(arn)[instance][0] == "healthy", SLACK + sandbox_seconds(booted_and_checked))
    # Not before the boot and the two checks 5 s apart have passed.
    assert time.monotonic() - launched >= sandbox_seconds(booted_and_checked)


def test_a_target_group_that_no_listener_forwards_to_leaves_its_targets_unused(world):
    """ "Health checks for your target groups": `unused` when "the target group is not used in a listener rule for the
    load balancer" (Target.NotInUse); the load balancer checks only the targets of target groups it forwards to."""
    arn = world.target_group("unused", listener=False)
    (instance,) = world.instances()
    world.elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": instance}])
    time.sleep(sandbox_seconds(60))
    assert world.states(arn)[instance] == ("unused", "Target.NotInUse")

    # Forwarded to at weight 0, beside another group, it is in use: checked, and healthy in time.
    other = world.target_group("other")
    world.elbv2.create_listener(
        LoadBalancerArn=world.balancer,
        Protocol="HTTP",
        Port=9000,
        DefaultActions=[
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [{"TargetGroupArn": other, "Weight": 1}, {"TargetGroupArn": arn, "Weight": 0}]
                },
            }
        ],
    )
    assert wait_for(lambda: world.states(arn)[instance][0] == "healthy", SLACK + sandbox_seconds(40))


def test_a_deregistered_target_drains_for_the_deregistration_delay(world):
    """ "Health checks for your target groups": `draining`, "The target is deregistering and connection draining is in
    process" (Target.DeregistrationInProgress); the target group's deregistration_delay.timeout_seconds says how long
    ("Deregistration delay", 300 seconds unless set), and DescribeTargetHealth lists it until then."""
    arn = world.target_group("draining", delay=60)
    (instance,) = world.instances()
    world.elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": instance}])
    assert wait_for(lambda: world.states(arn)[instance][0] == "healthy", SLACK + sandbox_seconds(40))

    started = time.monotonic()
    world.elbv2.deregister_targets(TargetGroupArn=arn, Targets=[{"Id": instance}])
    assert world.states(arn) == {instance: ("draining", "Target.DeregistrationInProgress")}
    assert wait_for(lambda: world.states(arn) == {}, SLACK + sandbox_seconds(60))
    assert time.monotonic() - started >= sandbox_seconds(60)
    assert world.states(arn, [instance]) == {instance: ("unused", "Target.NotRegistered")}


def test_a_terminated_instance_leaves_its_target_groups_draining(world):
    """Amazon EC2 Auto Scaling User Guide, "Elastic Load Balancing": an instance that terminates is deregistered from
    the group's target groups first and drains for the deregistration delay; moto kept it registered and healthy."""
    arn = world.target_group("terminated", delay=60)
    (instance,) = world.instances()
    world.elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": instance}])
    assert wait_for(lambda: world.states(arn)[instance][0] == "healthy", SLACK + sandbox_seconds(40))

    world.ec2.terminate_instances(InstanceIds=[instance])
    assert world.states(arn) == {instance: ("draining", "Target.DeregistrationInProgress")}
    assert wait_for(lambda: world.states(arn) == {}, SLACK + sandbox_seconds(60))


def test_an_instance_marked_unhealthy_fails_its_health_checks(world):
    """ "Health checks for your target groups": `unhealthy`, "The target did not respond to a health check or failed
    the health check" (Target.FailedHealthChecks), after UnhealthyThresholdCount failed checks. The tag
    sandbox:health=unhealthy on an instance (or its image) is how a scenario makes a release that never passes."""
    arn = world.target_group("unhealthy")
    (instance,) = world.instances(tags=[{"Key": sandbox_time.UNHEALTHY_TAG, "Value": "unhealthy"}])
    world.elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": instance}])
    assert world.states(arn)[instance][0] == "initial"
    assert wait_for(
        lambda: world.states(arn)[instance] == ("unhealthy", "Target.FailedHealthChecks"), SLACK + sandbox_seconds(45)
    )


def test_an_auto_scaling_groups_new_instances_pass_their_checks_in_time(world):
    """An Auto Scaling group registers its instances with its target groups; they are `initial` while they boot and
    are checked, as any target ("Health checks for your target groups")."""
    arn = world.target_group("asg")
    template = f"time-{world.suffix}"
    world.ec2.create_launch_template(LaunchTemplateName=template, LaunchTemplateData={"ImageId": world.image})
    world.autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=template,
        LaunchTemplate={"LaunchTemplateName": template, "Version": "1"},
        MinSize=2,
        MaxSize=2,
        DesiredCapacity=2,
        VPCZoneIdentifier=world.subnets[0],
        TargetGroupARNs=[arn],
    )
    try:
        assert {state for state, _reason in world.states(arn).values()} == {"initial"}
        assert wait_for(
            lambda: [state for state, _reason in world.states(arn).values()] == ["healthy", "healthy"],
            SLACK + sandbox_seconds(40),
        )
    finally:
        world.autoscaling.delete_auto_scaling_group(AutoScalingGroupName=template, ForceDelete=True)
    # Deleting the group terminates its instances, which drain.
    assert {state for state, _reason in world.states(arn).values()} == {"draining"}


def test_a_route53_change_is_pending_until_it_has_propagated(world):
    """Route 53 API Reference, GetChange: "PENDING indicates that the changes in this request have not propagated to
    all Amazon Route 53 DNS servers managing the hosted zone. This is the status that all requests have when you
    submit them." Each ChangeResourceRecordSets answers a change id of its own."""
    zone = world.route53.create_hosted_zone(Name=f"time-{world.suffix}.example.com", CallerReference=world.suffix)
    zone_id = zone["HostedZone"]["Id"]
    changes = []
    for address in ("192.0.2.1", "192.0.2.2"):
        changed = world.route53.change_resource_record_sets(
            HostedZoneId=zone_id,
            ChangeBatch={
                "Changes": [
                    {
                        "Action": "UPSERT",
                        "ResourceRecordSet": {
                            "Name": f"www.time-{world.suffix}.example.com",
                            "Type": "A",
                            "TTL": 60,
                            "ResourceRecords": [{"Value": address}],
                        },
                    }
                ]
            },
        )
        assert changed["ChangeInfo"]["Status"] == "PENDING"
        changes.append(changed["ChangeInfo"]["Id"])
    assert len(set(changes)) == 2
    assert world.route53.get_change(Id=changes[0])["ChangeInfo"]["Status"] == "PENDING"
    assert wait_for(
        lambda: world.route53.get_change(Id=changes[1])["ChangeInfo"]["Status"] == "INSYNC",
        SLACK + sandbox_seconds(sandbox_time.DNS_PROPAGATION_SECONDS),
    )


@pytest.mark.parametrize(
    ("in_use", "booted", "registered", "failing", "expected"),
    [
        (False, 1e9, 1e9, False, "unused"),
        (True, 10, 1e9, False, "initial"),
        (True, 1e9, 149, False, "initial"),
        (True, 1e9, 150, False, "healthy"),
        (True, 179, 1e9, False, "initial"),
        (True, 1e9, 59, True, "initial"),
        (True, 1e9, 60, True, "unhealthy"),
    ],
)
def test_target_state_decisions(in_use, booted, registered, failing, expected):
    """The defaults: 5 checks 30 s apart to pass (150 s), 2 to fail (60 s), after a boot of BOOT_SECONDS."""
    found = sandbox_time.target_state(in_use, booted, registered, failing, 5, 2, 30)
    assert found[0] == expected


def test_the_speed_factor_comes_from_the_environment():
    assert sandbox_time.speed_factor({}) == sandbox_time.DEFAULT_FACTOR == 60.0
    assert sandbox_time.speed_factor({sandbox_time.FACTOR_VARIABLE: "0"}) == 0.0
    assert sandbox_time.speed_factor({sandbox_time.FACTOR_VARIABLE: "60"}) == 60.0
    with pytest.raises(ValueError, match="negative"):
        sandbox_time.speed_factor({sandbox_time.FACTOR_VARIABLE: "-1"})
