# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The sandbox's Elastic Load Balancing v2 where it differs from plain moto (tools/sandbox_elbv2.py).

The ARNs of its load balancers and listeners name the load balancer's type. What AWS documents (Service Authorization
Reference, "Actions, resources, and condition keys for Elastic Load Balancing V2"): ``loadbalancer/app/<name>/<id>``
and ``listener/app/...`` for an application load balancer, ``loadbalancer/net/<name>/<id>`` and ``listener/net/...``
for a network load balancer. Plain moto names every one ``app``, so that a policy granted on ``listener/app/*`` covers
a network load balancer's listeners too.

The group stickiness of a forward is checked. What AWS documents: the User Guide for Application Load Balancers, "Add
a listener rule": "You must enable group-level stickiness if you enabled stickiness on any of the target groups" (ALB
answers InvalidLoadBalancerAction); the API Reference, TargetGroupStickinessConfig, DurationSeconds: "The range is
1-604800 seconds (7 days). You must specify this value when enabling target group stickiness"; TargetGroupAttribute:
the stickiness cookies last "1 day (86400 seconds)" by default, which DescribeTargetGroupAttributes lists. Plain moto
accepts every forward's stickiness, checks no action of ModifyListener at all, and lists no cookie duration until one
is set.
"""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError


def test_a_network_load_balancer_and_its_listener_are_named_net_and_an_application_one_app(server):
    ec2, elbv2 = server.client("ec2"), server.client("elbv2")
    suffix = uuid.uuid4().hex[:6]
    vpc = ec2.create_vpc(CidrBlock="10.78.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.78.1.0/24")["Subnet"]["SubnetId"]
    made = []
    try:
        for kind, protocol, part in (("network", "TCP", "net"), ("application", "HTTP", "app")):
            balancer = elbv2.create_load_balancer(
                Name=f"arn-{kind[:3]}-{suffix}", Subnets=[subnet], Type=kind, Tags=[{"Key": "team", "Value": "web"}]
            )["LoadBalancers"][0]
            made.append(balancer["LoadBalancerArn"])
            assert f":loadbalancer/{part}/arn-{kind[:3]}-{suffix}/" in balancer["LoadBalancerArn"]
            group = elbv2.create_target_group(Name=f"arn-{kind[:3]}-{suffix}", Protocol=protocol, Port=80, VpcId=vpc)
            made.append(group["TargetGroups"][0]["TargetGroupArn"])
            listener = elbv2.create_listener(
                LoadBalancerArn=balancer["LoadBalancerArn"],
                Protocol=protocol,
                Port=80,
                DefaultActions=[{"Type": "forward", "TargetGroupArn": group["TargetGroups"][0]["TargetGroupArn"]}],
            )["Listeners"][0]
            assert f":listener/{part}/arn-{kind[:3]}-{suffix}/" in listener["ListenerArn"]
            # The load balancer is found, and keeps its tags, under its ARN.
            found = elbv2.describe_load_balancers(LoadBalancerArns=[balancer["LoadBalancerArn"]])["LoadBalancers"]
            assert [item["Type"] for item in found] == [kind]
            tags = elbv2.describe_tags(ResourceArns=[balancer["LoadBalancerArn"]])["TagDescriptions"][0]["Tags"]
            assert tags == [{"Key": "team", "Value": "web"}]
    finally:
        for arn in made:
            if ":loadbalancer/" in arn:
                elbv2.delete_load_balancer(LoadBalancerArn=arn)
        for arn in made:
            if ":targetgroup/" in arn:
                elbv2.delete_target_group(TargetGroupArn=arn)
        ec2.delete_subnet(SubnetId=subnet)
        ec2.delete_vpc(VpcId=vpc)


@pytest.fixture
def sticky_pair(server):
    """An application load balancer with a listener and two target groups of its VPC, ``a`` and ``b``, the listener
    forwarding to ``a``; removed afterwards."""
    ec2, elbv2 = server.client("ec2"), server.client("elbv2")
    suffix = uuid.uuid4().hex[:6]
    vpc = ec2.create_vpc(CidrBlock="10.79.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.79.1.0/24")["Subnet"]["SubnetId"]
    balancer = elbv2.create_load_balancer(Name=f"sticky-{suffix}", Subnets=[subnet])["LoadBalancers"][0]
    groups = {
        name: elbv2.create_target_group(Name=f"sticky-{name}-{suffix}", Protocol="HTTP", Port=80, VpcId=vpc)[
            "TargetGroups"
        ][0]["TargetGroupArn"]
        for name in ("a", "b")
    }
    listener = elbv2.create_listener(
        LoadBalancerArn=balancer["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": groups["a"]}],
    )["Listeners"][0]["ListenerArn"]
    try:
        yield {"listener": listener, **groups}
    finally:
        elbv2.delete_load_balancer(LoadBalancerArn=balancer["LoadBalancerArn"])
        for arn in groups.values():
            elbv2.delete_target_group(TargetGroupArn=arn)
        ec2.delete_subnet(SubnetId=subnet)
        ec2.delete_vpc(VpcId=vpc)


def forward(*pairs, stickiness=None):
    config = {"TargetGroups": [{"TargetGroupArn": arn, "Weight": weight} for arn, weight in pairs]}
    if stickiness is not None:
        config["TargetGroupStickinessConfig"] = stickiness
    return [{"Type": "forward", "ForwardConfig": config}]


def refusal(call, **arguments):
    """The error code and message AWS's answer to ``call`` refuses it with, or None when it is accepted."""
    try:
        call(**arguments)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    return None


def enable_target_stickiness(elbv2, arn):
    elbv2.modify_target_group_attributes(
        TargetGroupArn=arn,
        Attributes=[{"Key": "stickiness.enabled", "Value": "true"}, {"Key": "stickiness.type", "Value": "lb_cookie"}],
    )


def test_a_weighted_forward_to_a_sticky_target_group_needs_group_stickiness(server, sticky_pair):
    elbv2 = server.client("elbv2")
    a, b, listener = sticky_pair["a"], sticky_pair["b"], sticky_pair["listener"]
    modify = elbv2.modify_listener
    # Neither target group sticky: a weighted forward without group stickiness is accepted.
    assert refusal(modify, ListenerArn=listener, DefaultActions=forward((a, 90), (b, 10))) is None

    enable_target_stickiness(elbv2, b)
    for actions in (forward((a, 90), (b, 10)), forward((a, 1), (b, 0)), forward((a, 90), (b, 10), stickiness={})):
        code, message = refusal(modify, ListenerArn=listener, DefaultActions=actions)
        assert code == "InvalidLoadBalancerAction", (actions, message)
        assert "You must enable group stickiness" in message
    refused = refusal(
        modify, ListenerArn=listener, DefaultActions=forward((a, 90), (b, 10), stickiness={"Enabled": False})
    )
    assert refused[0] == "InvalidLoadBalancerAction"
    # A forward to the sticky target group alone needs none.
    assert refusal(modify, ListenerArn=listener, DefaultActions=[{"Type": "forward", "TargetGroupArn": b}]) is None
    assert refusal(modify, ListenerArn=listener, DefaultActions=forward((b, 1))) is None

    sticky = forward((a, 90), (b, 10), stickiness={"Enabled": True, "DurationSeconds": 600})
    answered = modify(ListenerArn=listener, DefaultActions=sticky)["Listeners"][0]["DefaultActions"]
    described = elbv2.describe_listeners(ListenerArns=[listener])["Listeners"][0]["DefaultActions"]
    for actions in (answered, described):
        assert actions[0]["ForwardConfig"]["TargetGroupStickinessConfig"] == {"Enabled": True, "DurationSeconds": 600}


def test_a_listener_rule_s_weighted_forward_is_checked_the_same_way(server, sticky_pair):
    elbv2 = server.client("elbv2")
    a, b = sticky_pair["a"], sticky_pair["b"]
    enable_target_stickiness(elbv2, a)
    conditions = [{"Field": "path-pattern", "Values": ["/api/*"]}]
    code = refusal(
        elbv2.create_rule,
        ListenerArn=sticky_pair["listener"],
        Priority=10,
        Conditions=conditions,
        Actions=forward((a, 50), (b, 50)),
    )[0]
    assert code == "InvalidLoadBalancerAction"
    rule = elbv2.create_rule(
        ListenerArn=sticky_pair["listener"], Priority=10, Conditions=conditions, Actions=forward((a, 1))
    )["Rules"][0]["RuleArn"]
    assert refusal(elbv2.modify_rule, RuleArn=rule, Actions=forward((a, 50), (b, 50)))[0] == "InvalidLoadBalancerAction"
    sticky = forward((a, 50), (b, 50), stickiness={"Enabled": True, "DurationSeconds": 60})
    assert refusal(elbv2.modify_rule, RuleArn=rule, Actions=sticky) is None


@pytest.mark.parametrize(
    "stickiness",
    [{"Enabled": True}, {"Enabled": True, "DurationSeconds": 0}, {"Enabled": True, "DurationSeconds": 604801}],
    ids=["enabled without a duration", "0 s", "7 days and a second"],
)
def test_group_stickiness_needs_a_duration_of_1_s_to_7_days(server, sticky_pair, stickiness):
    elbv2 = server.client("elbv2")
    actions = forward((sticky_pair["a"], 90), (sticky_pair["b"], 10), stickiness=stickiness)
    code, message = refusal(elbv2.modify_listener, ListenerArn=sticky_pair["listener"], DefaultActions=actions)
    assert code == "ValidationError", message
    longest = forward(
        (sticky_pair["a"], 90), (sticky_pair["b"], 10), stickiness={"Enabled": True, "DurationSeconds": 604800}
    )
    assert refusal(elbv2.modify_listener, ListenerArn=sticky_pair["listener"], DefaultActions=longest) is None


def test_a_new_target_group_lists_the_durations_of_its_stickiness_cookies(server, sticky_pair):
    elbv2 = server.client("elbv2")

    def stickiness():
        found = elbv2.describe_target_group_attributes(TargetGroupArn=sticky_pair["a"])["Attributes"]
        return {item["Key"]: item["Value"] for item in found if item["Key"].startswith("stickiness.")}

    assert stickiness() == {
        "stickiness.enabled": "false",
        "stickiness.type": "lb_cookie",
        "stickiness.lb_cookie.duration_seconds": "86400",
        "stickiness.app_cookie.duration_seconds": "86400",
    }
    elbv2.modify_target_group_attributes(
        TargetGroupArn=sticky_pair["a"], Attributes=[{"Key": "stickiness.lb_cookie.duration_seconds", "Value": "60"}]
    )
    assert stickiness()["stickiness.lb_cookie.duration_seconds"] == "60"
