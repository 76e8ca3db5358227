# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The sandbox's Auto Scaling (tools/sandbox_autoscaling.py) through boto3, as a client of AWS would use it.

Each test pins one sentence of the Amazon EC2 Auto Scaling API Reference
(https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_<Operation>.html), quoted in its docstring, where plain
moto 5.2.5 differs. The sandbox is the tests' own (BLUEGREEN_TEST_SANDBOX_PORT, tests/output/sandbox-<port>),
without the sample application, and never reset: each test names what it makes with a suffix of its own.
"""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest
from botocore.exceptions import ClientError

TOPIC = "arn:aws:sns:us-east-1:123456789012:asgsbx-{suffix}-{index}"
LAUNCH = "autoscaling:EC2_INSTANCE_LAUNCH"
TERMINATE = "autoscaling:EC2_INSTANCE_TERMINATE"
TEST_NOTIFICATION = "autoscaling:TEST_NOTIFICATION"


class World:
    """Clients, a VPC with a subnet and a launch template, named for one test."""

    def __init__(self, server):
        self.server = server
        self.suffix = uuid.uuid4().hex[:6]
        self.ec2, self.autoscaling, self.elbv2, self.elb = (
            server.client(name) for name in ("ec2", "autoscaling", "elbv2", "elb")
        )
        self.vpc = self.ec2.create_vpc(CidrBlock="10.78.0.0/16")["Vpc"]["VpcId"]
        self.subnet = self.ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.78.1.0/24", AvailabilityZone="us-east-1a")[
            "Subnet"
        ]["SubnetId"]
        image = self.ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        self.template = f"asgsbx-{self.suffix}"
        self.ec2.create_launch_template(
            LaunchTemplateName=self.template, LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"}
        )

    def name(self, label):
        return f"asgsbx-{label}-{self.suffix}"

    def group(self, label, desired=0, **settings):
        name = self.name(label)
        self.autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchTemplate={"LaunchTemplateName": self.template, "Version": "1"},
            MinSize=0,
            MaxSize=4,
            DesiredCapacity=desired,
            VPCZoneIdentifier=self.subnet,
            **settings,
        )
        return name

    def target_group(self, label):
        return self.elbv2.create_target_group(
            Name=self.name(label), Protocol="HTTP", Port=80, VpcId=self.vpc, TargetType="instance"
        )["TargetGroups"][0]["TargetGroupArn"]

    def topic(self, index):
        return TOPIC.format(suffix=self.suffix, index=index)

    def policies(self, group):
        found = self.autoscaling.describe_policies(AutoScalingGroupName=group)["ScalingPolicies"]
        return {policy["PolicyName"]: policy for policy in found}

    def actions(self, group):
        found = self.autoscaling.describe_scheduled_actions(AutoScalingGroupName=group)["ScheduledUpdateGroupActions"]
        return {action["ScheduledActionName"]: action for action in found}

    def put_policy(self, group, name="rps", adjustment=1, kind="ChangeInCapacity"):
        return self.autoscaling.put_scaling_policy(
            AutoScalingGroupName=group, PolicyName=name, AdjustmentType=kind, ScalingAdjustment=adjustment
        )

    def put_action(self, group, name="nightly", recurrence="0 2 * * *", max_size=4):
        self.autoscaling.put_scheduled_update_group_action(
            AutoScalingGroupName=group, ScheduledActionName=name, Recurrence=recurrence, MinSize=0, MaxSize=max_size
        )

    def notifications(self, *groups):
        paginator = self.autoscaling.get_paginator("describe_notification_configurations")
        found = paginator.paginate(AutoScalingGroupNames=list(groups)).build_full_result()
        return sorted(
            (item["AutoScalingGroupName"], item["TopicARN"], item["NotificationType"])
            for item in found["NotificationConfigurations"]
        )

    def traffic_sources(self, group, **filters):
        return sorted(
            (item["Identifier"], item["Type"], item["State"])
            for item in self.autoscaling.describe_traffic_sources(AutoScalingGroupName=group, **filters)[
                "TrafficSources"
            ]
        )

    def registered(self, target_group):
        health = self.elbv2.describe_target_health(TargetGroupArn=target_group)["TargetHealthDescriptions"]
        return sorted(item["Target"]["Id"] for item in health)

    def instances(self, group):
        found = self.autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[group])["AutoScalingGroups"]
        return sorted(item["InstanceId"] for item in found[0]["Instances"])


@pytest.fixture
def world(server):
    return World(server)


def error_code(call, **kwargs):
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    return raised.value.response["Error"]["Code"]


# ---------------------------------------------------------------------------------------------------------------
# Scaling policies and scheduled actions belong to their group.


def test_two_groups_keep_their_own_policy_of_the_same_name(world):
    """PutScalingPolicy: "Creates or updates a scaling policy for an Auto Scaling group." Its example's PolicyARN,
    arn:aws:autoscaling:us-west-2:123456789012:scalingPolicy:<uuid>:autoScalingGroupName/my-auto-scaling-group:
    policyName/alb1000-target-tracking-scaling-policy, names the group; the response element PolicyARN is "The Amazon
    Resource Name (ARN) of the policy". DescribePolicies, PolicyNames: "If a group name is provided, the results are
    limited to that group." (moto moved the policy from the first group to the second, and dropped PolicyARN.)"""
    first, second = world.group("a"), world.group("b")
    arns = [world.put_policy(group, adjustment=index + 1)["PolicyARN"] for index, group in enumerate((first, second))]
    for arn, group in zip(arns, (first, second)):
        assert arn.startswith("arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:")
        assert arn.endswith(f":autoScalingGroupName/{group}:policyName/rps")
    for adjustment, arn, group in ((1, arns[0], first), (2, arns[1], second)):
        policy = world.policies(group)["rps"]
        assert (policy["AutoScalingGroupName"], policy["ScalingAdjustment"], policy["PolicyARN"]) == (
            group,
            adjustment,
            arn,
        )
    # A put of the same group and name updates that policy only.
    world.put_policy(first, adjustment=3)
    assert (world.policies(first)["rps"]["ScalingAdjustment"], world.policies(second)["rps"]["ScalingAdjustment"]) == (
        3,
        2,
    )
    found = world.autoscaling.describe_policies(PolicyNames=["rps"])["ScalingPolicies"]
    assert {first, second} <= {policy["AutoScalingGroupName"] for policy in found}


def test_delete_policy_deletes_the_named_groups_policy_by_name_or_arn(world):
    """DeletePolicy takes AutoScalingGroupName, "The name of the Auto Scaling group", and PolicyName, "The name or
    Amazon Resource Name (ARN) of the policy"; it "Deletes the specified scaling policy". (moto ignored the group and
    removed whichever policy had the name.)"""
    first, second, third = world.group("a"), world.group("b"), world.group("c")
    for group in (first, second, third):
        world.put_policy(group)
    world.autoscaling.delete_policy(AutoScalingGroupName=first, PolicyName="rps")
    assert (world.policies(first), list(world.policies(second)), list(world.policies(third))) == ({}, ["rps"], ["rps"])
    arn = world.policies(second)["rps"]["PolicyARN"]
    world.autoscaling.delete_policy(PolicyName=arn)
    assert (world.policies(second), list(world.policies(third))) == ({}, ["rps"])


def test_execute_policy_scales_the_named_group(world):
    """ExecutePolicy: "Executes the specified policy", given AutoScalingGroupName ("The name of the Auto Scaling
    group") and PolicyName. (moto ran the policy of that name last put, on whichever group it had moved to.)"""
    first, second = world.group("a"), world.group("b")
    world.put_policy(first, adjustment=1, kind="ExactCapacity")
    world.put_policy(second, adjustment=2, kind="ExactCapacity")
    world.autoscaling.execute_policy(AutoScalingGroupName=first, PolicyName="rps")
    groups = world.autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[first, second])["AutoScalingGroups"]
    assert {group["AutoScalingGroupName"]: group["DesiredCapacity"] for group in groups} == {first: 1, second: 0}


def test_two_groups_keep_their_own_scheduled_action_of_the_same_name(world):
    """PutScheduledUpdateGroupAction: "Creates or updates a scheduled scaling action for an Auto Scaling group."
    DescribeScheduledActions' example names the group in the action's ARN (...:autoScalingGroupName/
    my-auto-scaling-group:scheduledActionName/my-scheduled-action); DeleteScheduledAction "Deletes the specified
    scheduled action" of the group named; BatchPutScheduledUpdateGroupAction "Creates or updates one or more scheduled
    scaling actions for an Auto Scaling group". (moto moved the action to the last group, and deleted by name.)"""
    first, second = world.group("a"), world.group("b")
    world.put_action(first, max_size=3)
    world.put_action(second, max_size=4)
    assert (world.actions(first)["nightly"]["MaxSize"], world.actions(second)["nightly"]["MaxSize"]) == (3, 4)

    world.autoscaling.delete_scheduled_action(AutoScalingGroupName=first, ScheduledActionName="nightly")
    assert (world.actions(first), list(world.actions(second))) == ({}, ["nightly"])

    batch = [{"ScheduledActionName": name, "Recurrence": "0 3 * * *", "MaxSize": 2} for name in ("nightly", "weekly")]
    for group in (first, second):
        failed = world.autoscaling.batch_put_scheduled_update_group_action(
            AutoScalingGroupName=group, ScheduledUpdateGroupActions=batch
        )["FailedScheduledUpdateGroupActions"]
        assert failed == []
    failed = world.autoscaling.batch_delete_scheduled_action(
        AutoScalingGroupName=second, ScheduledActionNames=["nightly", "weekly"]
    )["FailedScheduledActions"]
    assert failed == []
    assert (sorted(world.actions(first)), world.actions(second)) == (["nightly", "weekly"], {})


def test_deleting_a_group_deletes_its_own_policies_and_scheduled_actions_only(world):
    """DeleteAutoScalingGroup: "If the group has scaling policies, deleting the group deletes the policies"; the
    scheduled actions are the group's too. A group of the same name made again starts without them. (moto kept a
    deleted group's policies and actions, and with one name shared by two groups, only the last had them.)"""
    first, second = world.group("a"), world.group("b")
    for group in (first, second):
        world.put_policy(group)
        world.put_action(group)
    assert [list(world.policies(group)) + list(world.actions(group)) for group in (first, second)] == [
        ["rps", "nightly"],
        ["rps", "nightly"],
    ]
    world.autoscaling.delete_auto_scaling_group(AutoScalingGroupName=first, ForceDelete=True)
    assert (list(world.policies(second)), list(world.actions(second))) == (["rps"], ["nightly"])
    everyone = world.autoscaling.describe_policies()["ScalingPolicies"]
    assert first not in {policy["AutoScalingGroupName"] for policy in everyone}
    world.group("a")
    assert (world.policies(first), world.actions(first)) == ({}, {})


# ---------------------------------------------------------------------------------------------------------------
# Notification configurations.


def test_notification_configurations_are_put_described_and_deleted_per_group_and_topic(world):
    """PutNotificationConfiguration "Configures an Auto Scaling group to send notifications when specified events take
    place [...] This configuration overwrites any existing configuration"; DescribeNotificationConfigurations "Gets
    information about the Amazon SNS notifications that are configured for one or more Auto Scaling groups", one
    NotificationConfiguration (AutoScalingGroupName, TopicARN, NotificationType) each, as in its example;
    DeleteNotificationConfiguration "Deletes the specified notification". (moto implements none of them.)"""
    first, second = world.group("a"), world.group("b")
    put = world.autoscaling.put_notification_configuration
    put(AutoScalingGroupName=first, TopicARN=world.topic(1), NotificationTypes=[LAUNCH, TERMINATE])
    put(AutoScalingGroupName=first, TopicARN=world.topic(2), NotificationTypes=[TEST_NOTIFICATION])
    put(AutoScalingGroupName=second, TopicARN=world.topic(1), NotificationTypes=[LAUNCH])
    assert world.notifications(first) == [
        (first, world.topic(1), LAUNCH),
        (first, world.topic(1), TERMINATE),
        (first, world.topic(2), TEST_NOTIFICATION),
    ]
    assert world.notifications(second) == [(second, world.topic(1), LAUNCH)]
    assert len(world.notifications(first, second)) == 4
    assert set(world.notifications(first, second)) <= set(world.notifications())

    # The same group and topic again: its types are replaced, the other topic's kept.
    put(AutoScalingGroupName=first, TopicARN=world.topic(1), NotificationTypes=[TERMINATE])
    assert world.notifications(first) == [
        (first, world.topic(1), TERMINATE),
        (first, world.topic(2), TEST_NOTIFICATION),
    ]

    world.autoscaling.delete_notification_configuration(AutoScalingGroupName=first, TopicARN=world.topic(2))
    assert world.notifications(first) == [(first, world.topic(1), TERMINATE)]
    assert world.notifications(second) == [(second, world.topic(1), LAUNCH)]


def test_notification_configurations_page_with_max_records_and_next_token(world):
    """DescribeNotificationConfigurations, MaxRecords: "The maximum number of items to return with this call. The
    default value is 50 and the maximum value is 100"; NextToken: "A string that indicates that the response contains
    more items than can be returned in a single response [...] This value is null when there are no more items to
    return"; the operation's errors include InvalidNextToken. (moto implements none of it.)"""
    group = world.group("a")
    for index in range(3):
        world.autoscaling.put_notification_configuration(
            AutoScalingGroupName=group, TopicARN=world.topic(index), NotificationTypes=[LAUNCH, TERMINATE]
        )
    pages, token = [], None
    while True:
        args = {"AutoScalingGroupNames": [group], "MaxRecords": 4, **({"NextToken": token} if token else {})}
        answer = world.autoscaling.describe_notification_configurations(**args)
        pages.append(len(answer["NotificationConfigurations"]))
        token = answer.get("NextToken")
        if not token:
            break
    assert pages == [4, 2]
    assert len(world.notifications(group)) == 6
    code = error_code(
        world.autoscaling.describe_notification_configurations, AutoScalingGroupNames=[group], NextToken="not-a-token"
    )
    assert code == "InvalidNextToken"


def test_notification_configurations_go_with_their_group_and_are_refused_beyond_ten_topics(world):
    """PutNotificationConfiguration: "If you exceed your maximum limit of SNS topics, which is 10 per Auto Scaling
    group, the call fails" (LimitExceeded). A deleted group's configurations go with it: the group they configure is
    gone. (moto implements neither operation.)"""
    group = world.group("a")
    for index in range(10):
        world.autoscaling.put_notification_configuration(
            AutoScalingGroupName=group, TopicARN=world.topic(index), NotificationTypes=[LAUNCH]
        )
    code = error_code(
        world.autoscaling.put_notification_configuration,
        AutoScalingGroupName=group,
        TopicARN=world.topic(10),
        NotificationTypes=[LAUNCH],
    )
    assert code == "LimitExceeded"
    assert len(world.notifications(group)) == 10
    world.autoscaling.delete_auto_scaling_group(AutoScalingGroupName=group, ForceDelete=True)
    assert world.notifications(group) == []
    world.group("a")
    assert world.notifications(group) == []


def test_describe_auto_scaling_notification_types(world):
    """DescribeAutoScalingNotificationTypes "Describes the notification types that are supported by Amazon EC2 Auto
    Scaling"; its example lists the five. (moto does not implement it.)"""
    assert world.autoscaling.describe_auto_scaling_notification_types()["AutoScalingNotificationTypes"] == [
        "autoscaling:EC2_INSTANCE_LAUNCH",
        "autoscaling:EC2_INSTANCE_LAUNCH_ERROR",
        "autoscaling:EC2_INSTANCE_TERMINATE",
        "autoscaling:EC2_INSTANCE_TERMINATE_ERROR",
        "autoscaling:TEST_NOTIFICATION",
    ]


# ---------------------------------------------------------------------------------------------------------------
# Traffic sources.


def test_traffic_sources_include_target_groups_and_classic_load_balancers_however_attached(world):
    """DescribeTrafficSources "Gets information about the traffic sources for the specified Auto Scaling group [...]
    If you provide a traffic source type, then the results only include that traffic source type"; TrafficSourceState
    has Identifier, Type (elb, elbv2 or vpc-lattice) and State, "Added - All Auto Scaling instances are registered
    with the load balancer or target group"; DescribeLoadBalancerTargetGroups: "You can use both the original
    DescribeLoadBalancerTargetGroups API operation and DescribeTrafficSources on the same Auto Scaling group."
    (moto does not implement DescribeTrafficSources.)"""
    at_creation, attached = world.target_group("tg1"), world.target_group("tg2")
    balancer = world.name("clb")
    world.elb.create_load_balancer(
        LoadBalancerName=balancer,
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}],
        AvailabilityZones=["us-east-1a"],
    )
    group = world.group("a", TargetGroupARNs=[at_creation], LoadBalancerNames=[balancer])
    world.autoscaling.attach_load_balancer_target_groups(AutoScalingGroupName=group, TargetGroupARNs=[attached])
    assert world.traffic_sources(group) == sorted(
        [(at_creation, "elbv2", "Added"), (attached, "elbv2", "Added"), (balancer, "elb", "Added")]
    )
    assert world.traffic_sources(group, TrafficSourceType="elb") == [(balancer, "elb", "Added")]
    assert world.traffic_sources(group, TrafficSourceType="vpc-lattice") == []
    world.autoscaling.detach_load_balancer_target_groups(AutoScalingGroupName=group, TargetGroupARNs=[attached])
    assert world.traffic_sources(group, TrafficSourceType="elbv2") == [(at_creation, "elbv2", "Added")]


def test_attach_and_detach_traffic_sources_register_and_deregister_the_instances(world):
    """AttachTrafficSources "Attaches one or more traffic sources to the specified Auto Scaling group [...] This
    operation is additive and does not detach existing traffic sources"; TrafficSourceIdentifier.Type is "Required if
    the identifier is the name of a Classic Load Balancer" (so optional for a target group's ARN, as in the
    operation's example); DetachTrafficSources "Detaches one or more traffic sources from the specified Auto Scaling
    group [...] The instances continue to run". (moto implements neither.)"""
    first, second = world.target_group("tg1"), world.target_group("tg2")
    group = world.group("a", desired=2, TargetGroupARNs=[first])
    instances = world.instances(group)
    assert len(instances) == 2
    world.autoscaling.attach_traffic_sources(AutoScalingGroupName=group, TrafficSources=[{"Identifier": second}])
    assert world.traffic_sources(group) == sorted([(first, "elbv2", "Added"), (second, "elbv2", "Added")])
    assert world.registered(second) == instances

    world.autoscaling.detach_traffic_sources(
        AutoScalingGroupName=group, TrafficSources=[{"Identifier": first, "Type": "elbv2"}]
    )
    assert world.traffic_sources(group) == [(second, "elbv2", "Added")]
    assert world.registered(first) == []
    assert world.instances(group) == instances

    code = error_code(
        world.autoscaling.attach_traffic_sources,
        AutoScalingGroupName=group,
        TrafficSources=[{"Identifier": "a-classic-load-balancer"}],
    )
    assert code == "ValidationError"


def test_create_auto_scaling_group_attaches_its_traffic_sources(world):
    """CreateAutoScalingGroup, TrafficSources: "The list of traffic sources to attach to this Auto Scaling group."
    (moto ignores the parameter, and does not implement DescribeTrafficSources.)"""
    target_group = world.target_group("tg1")
    group = world.group("a", desired=1, TrafficSources=[{"Identifier": target_group, "Type": "elbv2"}])
    assert world.traffic_sources(group) == [(target_group, "elbv2", "Added")]
    assert world.registered(target_group) == world.instances(group)


def test_traffic_sources_page_with_max_records_and_next_token(world):
    """DescribeTrafficSources, MaxRecords: "The maximum number of items to return with this call. The maximum value is
    50"; NextToken: "The token for the next set of items to return. (You received this token from a previous
    call.)" (moto does not implement the operation.)"""
    target_groups = [world.target_group(f"tg{index}") for index in range(3)]
    group = world.group("a", TargetGroupARNs=target_groups)
    first = world.autoscaling.describe_traffic_sources(AutoScalingGroupName=group, MaxRecords=2)
    second = world.autoscaling.describe_traffic_sources(
        AutoScalingGroupName=group, MaxRecords=2, NextToken=first["NextToken"]
    )
    assert (len(first["TrafficSources"]), len(second["TrafficSources"]), second.get("NextToken")) == (2, 1, None)
    seen = [item["Identifier"] for item in first["TrafficSources"] + second["TrafficSources"]]
    assert sorted(seen) == sorted(target_groups)
    assert error_code(world.autoscaling.describe_traffic_sources, AutoScalingGroupName=group, MaxRecords=51) == (
        "ValidationError"
    )


# ---------------------------------------------------------------------------------------------------------------
# The sandbox's snapshots hold the state the patches add.


# ---------------------------------------------------------------------------------------------------------------
# Lifecycle hooks keep their notification target and role.


def test_a_lifecycle_hook_keeps_the_role_and_target_it_was_given_and_has_none_it_was_not_given(world):
    """PutLifecycleHook: RoleARN, NotificationTargetARN and NotificationMetadata are optional, and DescribeLifecycleHooks
    returns them as given (the LifecycleHook data type). Plain moto answers every hook with the same made-up role and
    SQS queue, so a copy of a hook without one would pass a role that does not exist."""
    group = world.group("hooks")
    world.autoscaling.put_lifecycle_hook(
        AutoScalingGroupName=group, LifecycleHookName="plain", LifecycleTransition="autoscaling:EC2_INSTANCE_LAUNCHING"
    )
    role = f"arn:aws:iam::123456789012:role/hooks-{world.suffix}"
    target = f"arn:aws:sns:us-east-1:123456789012:hooks-{world.suffix}"
    world.autoscaling.put_lifecycle_hook(
        AutoScalingGroupName=group,
        LifecycleHookName="notified",
        LifecycleTransition="autoscaling:EC2_INSTANCE_TERMINATING",
        RoleARN=role,
        NotificationTargetARN=target,
        NotificationMetadata="drain",
    )
    hooks = {
        hook["LifecycleHookName"]: hook
        for hook in world.autoscaling.describe_lifecycle_hooks(AutoScalingGroupName=group)["LifecycleHooks"]
    }
    assert not {"RoleARN", "NotificationTargetARN", "NotificationMetadata"} & set(hooks["plain"]), hooks["plain"]
    notified = hooks["notified"]
    assert (notified["RoleARN"], notified["NotificationTargetARN"], notified["NotificationMetadata"]) == (
        role,
        target,
        "drain",
    )


def snapshot(server, path, method="POST"):
    request = urllib.request.Request(f"{server.endpoint}/_sandbox/snapshots/{path}", method=method, data=b"")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_a_snapshot_restores_each_groups_policies_actions_and_notifications(server, world):
    """PutScalingPolicy "Creates or updates a scaling policy for an Auto Scaling group", PutScheduledUpdateGroupAction
    "Creates or updates a scheduled scaling action for an Auto Scaling group", PutNotificationConfiguration
    "Configures an Auto Scaling group to send notifications": after a snapshot is restored (tools/sandbox_snapshot.py),
    each group has its own again. (With moto, the second group's puts took the first group's policy and action, and
    notification configurations did not exist.)"""
    first, second = world.group("a"), world.group("b")
    for index, group in enumerate((first, second)):
        world.put_policy(group, adjustment=index + 1)
        world.put_action(group, max_size=index + 2)
        world.autoscaling.put_notification_configuration(
            AutoScalingGroupName=group, TopicARN=world.topic(index), NotificationTypes=[LAUNCH]
        )
    name = f"asgsbx-{world.suffix}"
    snapshot(server, name)
    try:
        for group in (first, second):
            world.autoscaling.delete_auto_scaling_group(AutoScalingGroupName=group, ForceDelete=True)
        snapshot(server, f"{name}/restore")
    finally:
        snapshot(server, name, method="DELETE")
    for index, group in enumerate((first, second)):
        assert world.policies(group)["rps"]["ScalingAdjustment"] == index + 1
        assert world.actions(group)["nightly"]["MaxSize"] == index + 2
        assert world.notifications(group) == [(group, world.topic(index), LAUNCH)]
