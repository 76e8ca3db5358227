# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Break the provisioned sandbox on purpose, one layer at a time, and see state_info report it."""

from __future__ import annotations

import contextlib
import json

import pytest

LIVE = "/bluegreen/demo/live"
LOCK = "/bluegreen/demo/lock"
ARGS = {"app": "demo", "load_balancer": "demo", "live_records": {"zone": "example.com", "names": ["www"]}}


@pytest.fixture(scope="module")
def demo(sandbox):
    elbv2 = sandbox.client("elbv2")
    lb = elbv2.describe_load_balancers(Names=["demo"])["LoadBalancers"][0]
    listeners = {
        item["Port"]: item for item in elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
    }
    groups = {
        item["TargetGroupName"]: item
        for item in elbv2.describe_target_groups(Names=["demo-blue", "demo-green"])["TargetGroups"]
    }
    return {
        "lb": lb,
        "listener": listeners[80],
        "test_listener": listeners[8080],
        "blue": groups["demo-blue"],
        "green": groups["demo-green"],
    }


@contextlib.contextmanager
def listener_actions(sandbox, listener, actions):
    elbv2 = sandbox.client("elbv2")
    elbv2.modify_listener(ListenerArn=listener["ListenerArn"], DefaultActions=actions)
    try:
        yield
    finally:
        elbv2.modify_listener(ListenerArn=listener["ListenerArn"], DefaultActions=listener["DefaultActions"])


def state(sandbox, **args):
    result = sandbox.module("state_info", **dict(ARGS, **args))
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is False
    return result


def test_provisioned_state_is_consistent(sandbox):
    result = state(sandbox)
    assert (result["live_color"], result["consistent"], result["reasons"]) == ("blue", True, [])


def test_parameter_that_disagrees(sandbox):
    ssm = sandbox.client("ssm")
    ssm.put_parameter(Name=LIVE, Value="green", Type="String", Overwrite=True)
    try:
        result = state(sandbox)
    finally:
        ssm.put_parameter(Name=LIVE, Value="blue", Type="String", Overwrite=True)
    assert result["live_color"] == "blue"
    assert result["consistent"] is False
    assert result["reasons"] == ["ssm: says green is live but alb sends traffic to blue"]
    assert state(sandbox)["consistent"] is True


def test_listener_on_a_target_group_of_neither_colour(sandbox, demo):
    elbv2 = sandbox.client("elbv2")
    legacy = elbv2.create_target_group(Name="demo-legacy", Protocol="HTTP", Port=80, VpcId=demo["blue"]["VpcId"])
    arn = legacy["TargetGroups"][0]["TargetGroupArn"]
    try:
        with listener_actions(sandbox, demo["listener"], [{"Type": "forward", "TargetGroupArn": arn}]):
            result = state(sandbox)
    finally:
        elbv2.delete_target_group(TargetGroupArn=arn)
    assert result["live_color"] is None
    assert result["consistent"] is False
    assert (
        f"alb: listener on port 80 forwards 100% to target group {arn}, which belongs to neither colour"
        in result["reasons"]
    )


def test_canary_in_progress(sandbox, demo):
    weighted = [
        {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [
                    {"TargetGroupArn": demo["blue"]["TargetGroupArn"], "Weight": 90},
                    {"TargetGroupArn": demo["green"]["TargetGroupArn"], "Weight": 10},
                ]
            },
        }
    ]
    with listener_actions(sandbox, demo["listener"], weighted):
        result = state(sandbox)
    assert result["consistent"] is False
    assert result["layers"]["alb"]["weights"] == {"blue": 90, "green": 10}
    assert "alb: listener on port 80 splits traffic blue 90% / green 10% (a canary is in progress)" in result["reasons"]
    assert (result["colors"]["blue"]["traffic_percent"], result["colors"]["green"]["traffic_percent"]) == (90, 10)


def test_listener_that_does_not_forward(sandbox, demo):
    fixed = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "503", "ContentType": "text/plain"}}]
    with listener_actions(sandbox, demo["listener"], fixed):
        result = state(sandbox)
    assert result["consistent"] is False
    assert (
        "alb: listener on port 80 does not forward to a target group (default action: fixed-response)"
        in result["reasons"]
    )


def test_test_listener_on_the_live_colour(sandbox, demo):
    """The deploy's checks through the test listener would reach the production fleet: the state says so."""
    in_place = state(sandbox, test_listener_port=8080)
    assert in_place["consistent"] is True
    assert in_place["layers"]["alb"]["test_listener"]["weights"] == {"green": 100}

    live = [{"Type": "forward", "TargetGroupArn": demo["blue"]["TargetGroupArn"]}]
    with listener_actions(sandbox, demo["test_listener"], live):
        result = state(sandbox, test_listener_port=8080)
        unread = state(sandbox)
    assert (result["live_color"], result["consistent"]) == ("blue", False)
    assert result["reasons"] == [
        "alb: the test listener on port 8080 forwards 100% to the live colour blue, so checks through it would reach "
        "the fleet that serves production, not the idle colour green"
    ]
    assert result["layers"]["alb"]["test_listener"]["weights"] == {"blue": 100}
    # Without test_listener_port the test listener is not read.
    assert unread["consistent"] is True and "test_listener" not in unread["layers"]["alb"]


@pytest.mark.parametrize(
    "args, message",
    [
        (
            {"test_listener_port": 80},
            "listener_port and test_listener_port are both 80; give the test listener's own port",
        ),
        (
            {"test_listener_port": 8443},
            "load balancer 'demo' has no listener on port 8443 (its listener ports: 80, 8080); set test_listener_port",
        ),
        (
            {"test_listener_port": 8080, "load_balancer": None},
            "missing parameter(s) required by 'test_listener_port': load_balancer",
        ),
    ],
    ids=["same-port", "no-such-listener", "no-load-balancer"],
)
def test_test_listener_port_that_is_wrong(sandbox, args, message):
    result = sandbox.module("state_info", **dict(ARGS, **args))
    assert result.get("failed") and not result.get("changed")
    assert message in result["msg"]


def test_flags_an_old_lock_and_a_live_colour_short_of_healthy_targets(sandbox):
    ssm = sandbox.client("ssm")
    holder = {"owner": "ci-runner-7", "operation": "switch", "started": "2026-11-22T10:00:00Z"}
    ssm.put_parameter(Name=LOCK, Value=json.dumps(holder), Type="String", Overwrite=False)
    try:
        result = state(sandbox, min_healthy_targets=3, lock_max_age=86400)
        young = state(sandbox, lock_max_age=31536000)
    finally:
        ssm.delete_parameter(Name=LOCK)
    assert result["consistent"] is True
    assert len(result["flags"]) == 2, result["flags"]
    assert result["flags"][0] == (
        "the live colour blue has 2 of 2 targets healthy in demo-blue, fewer than min_healthy_targets (3)"
    )
    assert result["flags"][1].startswith("the lock of ci-runner-7 (switch) is ")
    assert "older than lock_max_age (1d): the run that took it may have died" in result["flags"][1]
    assert young["flags"] == []


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("min_healthy_targets", 0, "min_healthy_targets 0 is out of range; use 1 to 10000"),
        ("lock_max_age", -1, "lock_max_age -1 is out of range; use 0 to 31536000"),
    ],
)
def test_flag_thresholds_out_of_range(sandbox, option, value, message):
    result = sandbox.module("state_info", **dict(ARGS, **{option: value}))
    assert result.get("failed") and not result.get("changed")
    assert result["msg"] == message


def test_lock_holder_is_reported(sandbox):
    ssm = sandbox.client("ssm")
    holder = {"owner": "ci-runner-7", "operation": "switch", "started": "2026-11-22T10:00:00Z"}
    ssm.put_parameter(Name=LOCK, Value=json.dumps(holder), Type="String", Overwrite=False)
    try:
        written = ssm.get_parameter(Name=LOCK)["Parameter"]["LastModifiedDate"]
        result = state(sandbox)
    finally:
        ssm.delete_parameter(Name=LOCK)
    # ``since`` is when SSM wrote the lock, by the clock of the live parameter's history.
    assert result["lock"] == dict(holder, valid=True, version=1, since=written.isoformat())
    assert result["consistent"] is True
    assert state(sandbox)["lock"] is None


def test_alias_record_on_a_foreign_load_balancer(sandbox):
    route53 = sandbox.client("route53")
    zone = route53.list_hosted_zones_by_name(DNSName="example.com.")["HostedZones"][0]
    record = route53.list_resource_record_sets(
        HostedZoneId=zone["Id"], StartRecordName="www.example.com.", StartRecordType="A", MaxItems="1"
    )["ResourceRecordSets"][0]
    foreign = dict(record, AliasTarget=dict(record["AliasTarget"], DNSName="other-1.us-east-1.elb.amazonaws.com."))
    route53.change_resource_record_sets(
        HostedZoneId=zone["Id"], ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": foreign}]}
    )
    try:
        result = state(sandbox)
    finally:
        route53.change_resource_record_sets(
            HostedZoneId=zone["Id"], ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": record}]}
        )
    assert result["consistent"] is False
    assert (
        "route53: record www.example.com. aliases other-1.us-east-1.elb.amazonaws.com., a load balancer of neither colour"
        in result["reasons"]
    )
    assert state(sandbox)["consistent"] is True


def test_live_colour_scaled_to_zero(sandbox, demo):
    autoscaling = sandbox.client("autoscaling")
    autoscaling.update_auto_scaling_group(AutoScalingGroupName="demo-blue", MinSize=0, DesiredCapacity=0)
    try:
        result = state(sandbox)
    finally:
        autoscaling.update_auto_scaling_group(AutoScalingGroupName="demo-blue", MinSize=2, DesiredCapacity=2)
        group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["demo-blue"])["AutoScalingGroups"][0]
        sandbox.forget_terminated_targets(demo["blue"]["TargetGroupArn"], {i["InstanceId"] for i in group["Instances"]})
    assert result["consistent"] is False
    assert "asg: the live colour's Auto Scaling group demo-blue has no capacity" in result["reasons"]
    restored = state(sandbox)
    assert restored["consistent"] is True
    assert (restored["colors"]["blue"]["targets_healthy"], restored["colors"]["blue"]["targets_total"]) == (2, 2)
