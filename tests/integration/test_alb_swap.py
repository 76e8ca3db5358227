# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""alb_swap against the sandbox: the swap, its budget, check mode, idempotence and every bad input."""

from __future__ import annotations

import pytest

from conftest import SANDBOX_WAIT, is_write, wait_for

TARGET_GROUPS = {"blue": "demo-blue", "green": "demo-green"}
SWAP = {"load_balancer": "demo", "target_groups": TARGET_GROUPS, "test_listener_port": 8080}


@pytest.fixture(scope="module")
def demo(sandbox):
    """The sandbox's ALB, with a green fleet started so that green has healthy targets."""
    elbv2 = sandbox.client("elbv2")
    autoscaling = sandbox.client("autoscaling")
    lb = elbv2.describe_load_balancers(Names=["demo"])["LoadBalancers"][0]
    groups = {
        g["TargetGroupName"]: g for g in elbv2.describe_target_groups(Names=["demo-blue", "demo-green"])["TargetGroups"]
    }
    blue = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["demo-blue"])["AutoScalingGroups"][0]
    if not autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["demo-green"])["AutoScalingGroups"]:
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName="demo-green",
            LaunchTemplate={"LaunchTemplateName": "demo", "Version": "$Latest"},
            MinSize=2,
            MaxSize=4,
            DesiredCapacity=2,
            VPCZoneIdentifier=blue["VPCZoneIdentifier"],
            TargetGroupARNs=[groups["demo-green"]["TargetGroupArn"]],
            Tags=[
                {"Key": "bluegreen:app", "Value": "demo", "PropagateAtLaunch": True},
                {"Key": "bluegreen:color", "Value": "green", "PropagateAtLaunch": True},
            ],
        )
    sandbox.wait_for_healthy(groups["demo-green"]["TargetGroupArn"], 2)
    return {"lb": lb, "blue": groups["demo-blue"], "green": groups["demo-green"]}


def listeners(sandbox, demo):
    found = sandbox.client("elbv2").describe_listeners(LoadBalancerArn=demo["lb"]["LoadBalancerArn"])["Listeners"]
    return {item["Port"]: item for item in found}


def forwarded(listener):
    """Target group ARN -> percent of a listener's forward, whichever form AWS returned it in."""
    action = next(item for item in listener["DefaultActions"] if item["Type"] == "forward")
    groups = (action.get("ForwardConfig") or {}).get("TargetGroups")
    if not groups:
        return {action["TargetGroupArn"]: 100}
    total = sum(group.get("Weight", 1) for group in groups)
    return {
        group["TargetGroupArn"]: 100 * group.get("Weight", 1) // total for group in groups if group.get("Weight", 1)
    }


def production_tags(sandbox, demo):
    arns = [demo["blue"]["TargetGroupArn"], demo["green"]["TargetGroupArn"]]
    found = sandbox.client("elbv2").describe_tags(ResourceArns=arns)["TagDescriptions"]
    tags = {item["ResourceArn"]: {tag["Key"]: tag["Value"] for tag in item["Tags"]} for item in found}
    return {color: tags[demo[color]["TargetGroupArn"]].get("IsProduction") for color in ("blue", "green")}


def snapshot(sandbox, demo):
    return {"listeners": listeners(sandbox, demo), "tags": production_tags(sandbox, demo)}


@pytest.fixture
def live_on_blue(sandbox, demo):
    """Every test starts and ends with all production traffic on blue."""
    sandbox.module("alb_swap", live_color="blue", **SWAP)
    yield
    result = sandbox.module("alb_swap", live_color="blue", **SWAP)
    assert not result.get("failed"), result.get("msg")


def test_swap_to_green_check_mode_then_real_then_idempotent(sandbox, demo, live_on_blue):
    before = snapshot(sandbox, demo)
    with sandbox.api_calls() as calls:
        checked = sandbox.module(
            "alb_swap", live_color="green", expected_live_color="blue", check=True, diff=True, **SWAP
        )
    assert checked["changed"] is True
    assert checked["previous_live_color"] == "blue"
    assert checked["weights"] == {"green": 100}
    assert checked["actions"] == [{"Type": "forward", "TargetGroupArn": demo["green"]["TargetGroupArn"]}]
    assert checked["diff"]["after"]["test_listener"] == [
        {"Type": "forward", "TargetGroupArn": demo["blue"]["TargetGroupArn"]}
    ]
    assert [call for call in calls if is_write(call)] == []
    assert snapshot(sandbox, demo) == before

    with sandbox.api_calls() as calls:
        swapped = sandbox.module("alb_swap", live_color="green", expected_live_color="blue", **SWAP)
    assert swapped["changed"] is True
    assert (swapped["previous_live_color"], swapped["live_color"], swapped["production_color"]) == (
        "blue",
        "green",
        "green",
    )
    assert swapped["target_health"] == {"blue": {"healthy": 2, "total": 2}, "green": {"healthy": 2, "total": 2}}
    assert len(calls) <= 10, calls
    assert sorted(call for call in calls if is_write(call)) == [
        "AddTags",
        "AddTags",
        "ModifyListener",
        "ModifyListener",
    ]
    after = listeners(sandbox, demo)
    assert forwarded(after[80]) == {demo["green"]["TargetGroupArn"]: 100}
    assert forwarded(after[8080]) == {demo["blue"]["TargetGroupArn"]: 100}
    assert production_tags(sandbox, demo) == {"blue": "false", "green": "true"}

    again_checked = sandbox.module("alb_swap", live_color="green", check=True, **SWAP)
    assert again_checked["changed"] is False
    with sandbox.api_calls() as calls:
        again = sandbox.module("alb_swap", live_color="green", expected_live_color="blue", **SWAP)
    assert again["changed"] is False
    assert again["previous_live_color"] == "green"
    assert [call for call in calls if is_write(call)] == []


def test_swap_with_tag_discovery(sandbox, demo, live_on_blue):
    with sandbox.api_calls() as calls:
        result = sandbox.module(
            "alb_swap", load_balancer="demo", app="demo", live_color="green", test_listener_port=8080
        )
    assert result["changed"] is True
    assert result["target_groups"] == {"blue": demo["blue"]["TargetGroupArn"], "green": demo["green"]["TargetGroupArn"]}
    assert len(calls) <= 11, calls
    assert forwarded(listeners(sandbox, demo)[80]) == {demo["green"]["TargetGroupArn"]: 100}


def test_canary_steps_write_weighted_forwards(sandbox, demo, live_on_blue):
    for percent in (10, 50):
        step = sandbox.module("alb_swap", live_color="green", traffic_percent=percent, **SWAP)
        assert step["changed"] is True
        assert step["weights"] == {"green": percent, "blue": 100 - percent}
        production = listeners(sandbox, demo)[80]
        assert forwarded(production) == {
            demo["green"]["TargetGroupArn"]: percent,
            demo["blue"]["TargetGroupArn"]: 100 - percent,
        }
    assert production_tags(sandbox, demo) == {"blue": "false", "green": "true"}
    assert sandbox.module("alb_swap", live_color="green", traffic_percent=50, **SWAP)["changed"] is False

    back = sandbox.module("alb_swap", live_color="blue", **SWAP)
    assert back["changed"] is True
    assert back["previous_weights"] == {"blue": 50, "green": 50}
    assert back["previous_live_color"] is None
    assert forwarded(listeners(sandbox, demo)[80]) == {demo["blue"]["TargetGroupArn"]: 100}
    assert production_tags(sandbox, demo) == {"blue": "true", "green": "false"}


def test_rules_move_with_the_default_action(sandbox, demo, live_on_blue):
    elbv2 = sandbox.client("elbv2")
    production = listeners(sandbox, demo)[80]
    legacy = elbv2.create_target_group(Name="demo-legacy", Protocol="HTTP", Port=80, VpcId=demo["lb"]["VpcId"])
    legacy_arn = legacy["TargetGroups"][0]["TargetGroupArn"]
    api = elbv2.create_rule(
        ListenerArn=production["ListenerArn"],
        Priority=10,
        Conditions=[{"Field": "path-pattern", "Values": ["/api/*"]}],
        Actions=[{"Type": "forward", "TargetGroupArn": demo["blue"]["TargetGroupArn"]}],
    )["Rules"][0]
    mixed = elbv2.create_rule(
        ListenerArn=production["ListenerArn"],
        Priority=20,
        Conditions=[{"Field": "path-pattern", "Values": ["/old/*"]}],
        Actions=[
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": demo["blue"]["TargetGroupArn"], "Weight": 1},
                        {"TargetGroupArn": legacy_arn, "Weight": 1},
                    ]
                },
            }
        ],
    )["Rules"][0]
    try:
        result = sandbox.module("alb_swap", live_color="green", **SWAP)
        rules = {rule["RuleArn"]: rule for rule in elbv2.describe_rules(ListenerArn=production["ListenerArn"])["Rules"]}
    finally:
        sandbox.module("alb_swap", live_color="blue", **SWAP)
        elbv2.delete_rule(RuleArn=api["RuleArn"])
        elbv2.delete_rule(RuleArn=mixed["RuleArn"])
        elbv2.delete_target_group(TargetGroupArn=legacy_arn)
    assert [rule["rule_arn"] for rule in result["rules_changed"]] == [api["RuleArn"]]
    assert forwarded({"DefaultActions": rules[api["RuleArn"]]["Actions"]}) == {demo["green"]["TargetGroupArn"]: 100}
    assert [rule["rule_arn"] for rule in result["rules_skipped"]] == [mixed["RuleArn"]]
    assert rules[mixed["RuleArn"]]["Actions"] == mixed["Actions"]


def test_rules_stay_when_swap_rules_is_off(sandbox, demo, live_on_blue):
    elbv2 = sandbox.client("elbv2")
    production = listeners(sandbox, demo)[80]
    rule = elbv2.create_rule(
        ListenerArn=production["ListenerArn"],
        Priority=30,
        Conditions=[{"Field": "path-pattern", "Values": ["/static/*"]}],
        Actions=[{"Type": "forward", "TargetGroupArn": demo["blue"]["TargetGroupArn"]}],
    )["Rules"][0]
    try:
        result = sandbox.module("alb_swap", live_color="green", swap_rules=False, **SWAP)
        after = elbv2.describe_rules(RuleArns=[rule["RuleArn"]])["Rules"][0]
    finally:
        elbv2.delete_rule(RuleArn=rule["RuleArn"])
    assert result["changed"] is True
    assert result["rules_changed"] == []
    assert forwarded({"DefaultActions": after["Actions"]}) == {demo["blue"]["TargetGroupArn"]: 100}


def bad_input_cases(demo_vpc_tg=None):
    return {
        "unknown load balancer": ({"load_balancer": "no-such-lb"}, "load balancer 'no-such-lb' not found"),
        "listener port not on it": ({"listener_port": 81}, "has no listener on port 81 (its listener ports: 80, 8080)"),
        "test listener port not on it": ({"test_listener_port": 8443}, "set test_listener_port to one of them"),
        "target group missing": (
            {"target_groups": {"blue": "demo-blue", "green": "demo-purple"}},
            "target group 'demo-purple' given for green does not exist",
        ),
        "same target group twice": (
            {"target_groups": {"blue": "demo-blue", "green": "demo-blue"}},
            "maps both colours to 'demo-blue'",
        ),
        "traffic percent zero": ({"traffic_percent": 0}, "traffic_percent 0 is out of range; use 1 to 100"),
        "traffic percent above 100": ({"traffic_percent": 101}, "traffic_percent 101 is out of range"),
        "stickiness of 0 s": (
            {"traffic_percent": 10, "stickiness_seconds": 0},
            "stickiness_seconds 0 is out of range; use 1 to 604800",
        ),
        "stickiness over 7 days": (
            {"stickiness_seconds": 604801},
            "stickiness_seconds 604801 is out of range; use 1 to 604800",
        ),
        "expected colour mismatch": ({"expected_live_color": "green"}, "expected green to be live"),
        "both target groups and app": ({"app": "demo"}, "mutually exclusive"),
        "bad app name": ({"target_groups": None, "app": "demo;rm"}, "app 'demo;rm' may hold only letters"),
    }


@pytest.mark.parametrize("case", sorted(bad_input_cases()))
def test_bad_input_fails_clearly_and_changes_nothing(sandbox, demo, live_on_blue, case):
    overrides, message = bad_input_cases()[case]
    args = dict(SWAP, live_color="green", **overrides)
    args = {key: value for key, value in args.items() if value is not None}
    before = snapshot(sandbox, demo)
    with sandbox.api_calls() as calls:
        result = sandbox.module("alb_swap", **args)
    assert result.get("failed") is True, result
    assert message in result["msg"]
    assert [call for call in calls if is_write(call)] == []
    assert snapshot(sandbox, demo) == before


def test_target_group_of_another_vpc(sandbox, demo, live_on_blue):
    ec2 = sandbox.client("ec2")
    elbv2 = sandbox.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
    other = elbv2.create_target_group(Name="demo-elsewhere", Protocol="HTTP", Port=80, VpcId=vpc)
    other_arn = other["TargetGroups"][0]["TargetGroupArn"]
    before = snapshot(sandbox, demo)
    try:
        result = sandbox.module(
            "alb_swap", **dict(SWAP, live_color="green", target_groups={"blue": "demo-blue", "green": other_arn})
        )
    finally:
        elbv2.delete_target_group(TargetGroupArn=other_arn)
        ec2.delete_vpc(VpcId=vpc)
    assert result.get("failed") is True
    assert f"target group 'demo-elsewhere' (green) is in {vpc}" in result["msg"]
    assert snapshot(sandbox, demo) == before


def test_listener_that_does_not_forward(sandbox, demo, live_on_blue):
    elbv2 = sandbox.client("elbv2")
    redirect = elbv2.create_listener(
        LoadBalancerArn=demo["lb"]["LoadBalancerArn"],
        Protocol="HTTP",
        Port=8081,
        DefaultActions=[
            {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}
        ],
    )["Listeners"][0]
    before = snapshot(sandbox, demo)
    try:
        result = sandbox.module("alb_swap", **dict(SWAP, live_color="green", listener_port=8081))
        after = snapshot(sandbox, demo)
    finally:
        elbv2.delete_listener(ListenerArn=redirect["ListenerArn"])
    assert result.get("failed") is True
    assert "does not forward to a target group (default action: redirect)" in result["msg"]
    assert after == before


def test_no_healthy_targets(sandbox, demo, live_on_blue):
    elbv2 = sandbox.client("elbv2")
    empty = elbv2.create_target_group(Name="demo-empty", Protocol="HTTP", Port=80, VpcId=demo["lb"]["VpcId"])
    empty_arn = empty["TargetGroups"][0]["TargetGroupArn"]
    args = dict(SWAP, live_color="green", target_groups={"blue": "demo-blue", "green": "demo-empty"})
    args.pop("test_listener_port")
    before = snapshot(sandbox, demo)
    try:
        refused = sandbox.module("alb_swap", **args)
        waited = sandbox.module("alb_swap", health_wait_timeout=2, health_poll_interval=1, **args)
        predicted = sandbox.module("alb_swap", health_wait_timeout=2, check=True, **args)
        after = snapshot(sandbox, demo)
    finally:
        elbv2.delete_target_group(TargetGroupArn=empty_arn)
    assert refused.get("failed") is True
    assert "target group 'demo-empty' (green) has 0 of 0 targets healthy" in refused["msg"]
    assert "wait longer with health_wait_timeout" in refused["msg"]
    assert waited.get("failed") is True
    assert "after waiting 2s" in waited["msg"]
    assert predicted["changed"] is True
    assert any("would wait up to 2s" in warning for warning in predicted["warnings"])
    assert after == before


def test_targets_still_in_their_health_checks_are_refused_then_waited_for(sandbox, demo, live_on_blue):
    """Registered again, green's targets are initial until they pass their health checks (docs/sandbox.md): a swap that
    may not wait is refused and changes nothing, a swap that may wait moves the traffic once they are healthy. Against
    plain moto, whose targets are healthy at once, the first swap succeeds."""
    elbv2 = sandbox.client("elbv2")
    arn = demo["green"]["TargetGroupArn"]
    targets = [{"Id": target} for target in sandbox.target_states(arn)]
    elbv2.deregister_targets(TargetGroupArn=arn, Targets=targets)
    elbv2.register_targets(TargetGroupArn=arn, Targets=targets)
    before = snapshot(sandbox, demo)

    refused = sandbox.module("alb_swap", live_color="green", health_wait_timeout=0, **SWAP)
    assert refused.get("failed"), refused
    assert "has 0 of 2 targets healthy" in refused["msg"], refused["msg"]
    assert snapshot(sandbox, demo) == before

    swapped = sandbox.module("alb_swap", live_color="green", health_wait_timeout=60, **SWAP)
    assert not swapped.get("failed"), swapped.get("msg")
    assert swapped["target_health"]["green"] == {"healthy": 2, "total": 2}
    assert forwarded(listeners(sandbox, demo)[80]) == {arn: 100}


@pytest.fixture
def failing(sandbox, demo):
    """fail(n): n of green's instances fail their health checks from now on (the sandbox's `sandbox:health` tag,
    docs/sandbox.md), and green's targets are registered again, so that they go through their health checks. Green's
    instances pass again afterwards."""
    ec2 = sandbox.client("ec2")
    elbv2 = sandbox.client("elbv2")
    arn = demo["green"]["TargetGroupArn"]
    targets = sorted(sandbox.target_states(arn))
    tagged = []

    def register_again():
        found = [{"Id": target} for target in targets]
        elbv2.deregister_targets(TargetGroupArn=arn, Targets=found)
        elbv2.register_targets(TargetGroupArn=arn, Targets=found)

    def fail(count):
        tagged.extend(targets[:count])
        ec2.create_tags(Resources=tagged, Tags=[{"Key": "sandbox:health", "Value": "unhealthy"}])
        register_again()
        return tagged

    yield fail
    if tagged:
        ec2.delete_tags(Resources=tagged, Tags=[{"Key": "sandbox:health"}])
        register_again()
        sandbox.wait_for_healthy(arn, len(targets))


def test_a_colour_that_fails_its_health_checks_is_refused_after_the_wait(sandbox, demo, live_on_blue, failing):
    failing(2)
    before = snapshot(sandbox, demo)
    refused = sandbox.module("alb_swap", live_color="green", health_wait_timeout=5, health_poll_interval=1, **SWAP)
    assert refused.get("failed"), refused
    assert "target group 'demo-green' (green) has 0 of 2 targets healthy after waiting 5s" in refused["msg"], refused
    assert set(sandbox.target_states(demo["green"]["TargetGroupArn"]).values()) == {"unhealthy"}
    assert snapshot(sandbox, demo) == before


def test_a_colour_healthy_below_the_minimum_is_refused(sandbox, demo, live_on_blue, failing):
    failing(1)
    arn = demo["green"]["TargetGroupArn"]
    sandbox.wait_for_healthy(arn, 1)
    before = snapshot(sandbox, demo)
    refused = sandbox.module(
        "alb_swap", live_color="green", min_healthy_targets=2, health_wait_timeout=5, health_poll_interval=1, **SWAP
    )
    assert refused.get("failed"), refused
    assert "(green) has 1 of 2 targets healthy after waiting 5s, fewer than min_healthy_targets=2" in refused["msg"]
    assert sorted(sandbox.target_states(arn).values()) == ["healthy", "unhealthy"]
    assert snapshot(sandbox, demo) == before


def test_force_unhealthy_moves_the_traffic_to_failing_targets_with_a_warning(sandbox, demo, live_on_blue, failing):
    failing(2)
    arn = demo["green"]["TargetGroupArn"]
    wait_for(lambda: set(sandbox.target_states(arn).values()) == {"unhealthy"}, SANDBOX_WAIT)
    before = snapshot(sandbox, demo)
    predicted = sandbox.module("alb_swap", live_color="green", force_unhealthy=True, check=True, **SWAP)
    assert predicted["changed"] is True, predicted
    assert snapshot(sandbox, demo) == before
    forced = sandbox.module("alb_swap", live_color="green", force_unhealthy=True, **SWAP)
    assert forced["changed"] is True, forced
    assert forced["target_health"]["green"] == {"healthy": 0, "total": 2}
    assert any("force_unhealthy: moving traffic to green" in warning for warning in forced["warnings"]), forced
    assert forwarded(listeners(sandbox, demo)[80]) == {arn: 100}
    moved = snapshot(sandbox, demo)
    again = sandbox.module("alb_swap", live_color="green", force_unhealthy=True, **SWAP)
    assert again["changed"] is False, again
    assert not again.get("warnings"), again
    assert snapshot(sandbox, demo) == moved


def test_force_unhealthy_never_moves_the_traffic_to_a_colour_without_a_fleet(sandbox, demo, live_on_blue):
    """Green's targets deregistered and draining, then a target group without targets: refused, force or not."""
    elbv2 = sandbox.client("elbv2")
    arn = demo["green"]["TargetGroupArn"]
    targets = [{"Id": target} for target in sandbox.target_states(arn)]
    empty = elbv2.create_target_group(Name="demo-leaving", Protocol="HTTP", Port=80, VpcId=demo["lb"]["VpcId"])
    empty_arn = empty["TargetGroups"][0]["TargetGroupArn"]
    forced = dict(SWAP, live_color="green", force_unhealthy=True)
    without_targets = dict(forced, target_groups={"blue": "demo-blue", "green": "demo-leaving"})
    without_targets.pop("test_listener_port")
    before = snapshot(sandbox, demo)
    elbv2.deregister_targets(TargetGroupArn=arn, Targets=targets)
    try:
        draining = set(sandbox.target_states(arn).values())
        refused = {
            "draining": sandbox.module("alb_swap", **forced),
            "draining, check mode": sandbox.module("alb_swap", check=True, **forced),
            "no target": sandbox.module("alb_swap", **without_targets),
        }
        after = snapshot(sandbox, demo)
    finally:
        elbv2.delete_target_group(TargetGroupArn=empty_arn)
        elbv2.register_targets(TargetGroupArn=arn, Targets=targets)
        sandbox.wait_for_healthy(arn, len(targets))
    assert draining == {"draining"}
    for case, result in refused.items():
        assert result.get("failed"), (case, result)
        assert "has no target that stays registered" in result["msg"], (case, result["msg"])
        assert "start green's fleet (teal.bluegreen.asg_clone)" in result["msg"], (case, result["msg"])
    assert after == before


def group_stickiness(listener):
    """The group stickiness of a listener's forward (TargetGroupStickinessConfig) when enabled, else None."""
    action = next(item for item in listener["DefaultActions"] if item["Type"] == "forward")
    config = (action.get("ForwardConfig") or {}).get("TargetGroupStickinessConfig") or {}
    return config if config.get("Enabled") else None


@pytest.fixture
def sticky_green(sandbox, demo):
    """stick(seconds): green's target group gets target stickiness (lb_cookie, ``seconds``); off again afterwards."""
    elbv2 = sandbox.client("elbv2")

    def stick(seconds):
        elbv2.modify_target_group_attributes(
            TargetGroupArn=demo["green"]["TargetGroupArn"],
            Attributes=[
                {"Key": "stickiness.enabled", "Value": "true"},
                {"Key": "stickiness.type", "Value": "lb_cookie"},
                {"Key": "stickiness.lb_cookie.duration_seconds", "Value": str(seconds)},
            ],
        )

    yield stick
    # Back to one colour first: the sandbox, as ALB, refuses target stickiness behind a weighted forward without it.
    sandbox.module("alb_swap", live_color="blue", **SWAP)
    elbv2.modify_target_group_attributes(
        TargetGroupArn=demo["green"]["TargetGroupArn"], Attributes=[{"Key": "stickiness.enabled", "Value": "false"}]
    )


def test_weighted_steps_to_target_groups_without_stickiness_carry_none(sandbox, demo, live_on_blue):
    with sandbox.api_calls() as calls:
        step = sandbox.module("alb_swap", live_color="green", traffic_percent=10, **SWAP)
    assert step["changed"] is True
    assert step["stickiness_seconds"] is None
    assert group_stickiness(listeners(sandbox, demo)[80]) is None
    # Without stickiness_seconds a weighted step reads both target groups' attributes, and no more.
    assert calls.count("DescribeTargetGroupAttributes") == 2, calls

    with sandbox.api_calls() as calls:
        done = sandbox.module("alb_swap", live_color="green", **SWAP)
    assert done["changed"] is True
    assert "DescribeTargetGroupAttributes" not in calls, "a step that moves all the traffic reads no attributes"


def test_stickiness_seconds_makes_every_weighted_step_sticky_and_the_last_step_removes_it(sandbox, demo, live_on_blue):
    sticky = {"Enabled": True, "DurationSeconds": 600}
    before = snapshot(sandbox, demo)
    with sandbox.api_calls() as calls:
        predicted = sandbox.module(
            "alb_swap", live_color="green", traffic_percent=10, stickiness_seconds=600, check=True, diff=True, **SWAP
        )
    assert predicted["changed"] is True
    assert group_stickiness({"DefaultActions": predicted["diff"]["after"]["production_listener"]}) == sticky
    assert predicted["stickiness_seconds"] == 600
    assert [call for call in calls if is_write(call)] == []
    assert "DescribeTargetGroupAttributes" not in calls, "the option given, the target groups are not read"
    assert snapshot(sandbox, demo) == before

    for percent in (10, 50):
        step = sandbox.module("alb_swap", live_color="green", traffic_percent=percent, stickiness_seconds=600, **SWAP)
        assert (step["changed"], step["stickiness_seconds"]) == (True, 600), step
        production = listeners(sandbox, demo)[80]
        assert forwarded(production) == {
            demo["green"]["TargetGroupArn"]: percent,
            demo["blue"]["TargetGroupArn"]: 100 - percent,
        }
        assert group_stickiness(production) == sticky
    assert group_stickiness(listeners(sandbox, demo)[8080]) is None, "the test listener forwards to one colour"

    again_checked = sandbox.module(
        "alb_swap", live_color="green", traffic_percent=50, stickiness_seconds=600, check=True, **SWAP
    )
    assert again_checked["changed"] is False
    with sandbox.api_calls() as calls:
        again = sandbox.module("alb_swap", live_color="green", traffic_percent=50, stickiness_seconds=600, **SWAP)
    assert again["changed"] is False
    assert [call for call in calls if is_write(call)] == []

    # Another duration at the same shares is a change of the forward alone.
    longer = sandbox.module("alb_swap", live_color="green", traffic_percent=50, stickiness_seconds=1200, **SWAP)
    assert (longer["changed"], longer["weights"]) == (True, {"green": 50, "blue": 50})
    assert group_stickiness(listeners(sandbox, demo)[80]) == {"Enabled": True, "DurationSeconds": 1200}

    done = sandbox.module("alb_swap", live_color="green", stickiness_seconds=1200, diff=True, **SWAP)
    assert (done["changed"], done["stickiness_seconds"]) == (True, None)
    assert group_stickiness({"DefaultActions": done["diff"]["before"]["production_listener"]})["Enabled"] is True
    production = listeners(sandbox, demo)[80]
    assert forwarded(production) == {demo["green"]["TargetGroupArn"]: 100}
    assert group_stickiness(production) is None
    with sandbox.api_calls() as calls:
        again = sandbox.module("alb_swap", live_color="green", stickiness_seconds=1200, **SWAP)
    assert again["changed"] is False
    assert [call for call in calls if is_write(call)] == []


def test_a_sticky_target_group_makes_the_weighted_forward_sticky(sandbox, demo, live_on_blue, sticky_green):
    elbv2 = sandbox.client("elbv2")
    sticky_green(900)
    production = listeners(sandbox, demo)[80]
    unsticky = [
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
    # What alb_swap wrote before it decided the stickiness: refused, as ALB refuses it.
    with pytest.raises(elbv2.exceptions.ClientError, match="InvalidLoadBalancerAction"):
        elbv2.modify_listener(ListenerArn=production["ListenerArn"], DefaultActions=unsticky)

    step = sandbox.module("alb_swap", live_color="green", traffic_percent=10, **SWAP)
    assert not step.get("failed"), step.get("msg")
    assert (step["changed"], step["stickiness_seconds"]) == (True, 900)
    assert group_stickiness(listeners(sandbox, demo)[80]) == {"Enabled": True, "DurationSeconds": 900}
    with sandbox.api_calls() as calls:
        again = sandbox.module("alb_swap", live_color="green", traffic_percent=10, **SWAP)
    assert again["changed"] is False
    assert [call for call in calls if is_write(call)] == []

    # The option wins over the target groups' durations.
    shorter = sandbox.module("alb_swap", live_color="green", traffic_percent=10, stickiness_seconds=60, **SWAP)
    assert (shorter["changed"], shorter["stickiness_seconds"]) == (True, 60)

    done = sandbox.module("alb_swap", live_color="green", **SWAP)
    assert (done["changed"], done["stickiness_seconds"]) == (True, None)
    assert group_stickiness(listeners(sandbox, demo)[80]) is None
    assert sandbox.module("alb_swap", live_color="green", **SWAP)["changed"] is False


def test_a_sticky_target_group_no_listener_uses_is_brought_into_use_by_a_sticky_forward(
    sandbox, demo, live_on_blue, sticky_green
):
    """Green's target group unused (both listeners on blue): the swap to green first adds it at weight 0, a forward to
    two target groups, which must be sticky as green's target group is."""
    elbv2 = sandbox.client("elbv2")
    sticky_green(300)
    test_listener = listeners(sandbox, demo)[8080]["ListenerArn"]
    elbv2.modify_listener(
        ListenerArn=test_listener,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": demo["blue"]["TargetGroupArn"]}],
    )
    arn = demo["green"]["TargetGroupArn"]
    wait_for(lambda: set(sandbox.target_states(arn).values()) == {"unused"}, SANDBOX_WAIT)

    with sandbox.api_calls() as calls:
        swapped = sandbox.module("alb_swap", live_color="green", health_poll_interval=1, **SWAP)
    assert not swapped.get("failed"), swapped.get("msg")
    assert swapped["changed"] is True
    # The forward at weight 0, then the swap (the test listener is on blue already); the sandbox, as ALB, would refuse
    # the first without group stickiness, for which the step that moves all the traffic reads the target groups.
    assert calls.count("ModifyListener") == 2, calls
    assert calls.count("DescribeTargetGroupAttributes") == 2, calls
    assert forwarded(listeners(sandbox, demo)[80]) == {arn: 100}
    assert group_stickiness(listeners(sandbox, demo)[80]) is None
