# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""route53_alias_flip against the sandbox provisioned for strategy route53: flips, weighted shifts, batches,
check mode, idempotence, state_info's view of the records and every bad input.

The `dns` fixture (route53_sandbox.py) provisions the route53 traffic layer for this module and takes it
away afterwards.
"""

from __future__ import annotations

import contextlib

import pytest

from conftest import is_write
from route53_sandbox import LIVE
from route53_sandbox import STAGING
from route53_sandbox import STAGING_NAME
from route53_sandbox import WWW
from route53_sandbox import dns  # noqa: F401  # pylint: disable=unused-import
from route53_sandbox import flip
from route53_sandbox import points_at
from route53_sandbox import provision_route53
from route53_sandbox import record_sets

from ansible_collections.teal.bluegreen.plugins.filter.state_table import state_table

LEGACY = "legacy.example.com."


def snapshot(sandbox, dns):
    return {
        "live": record_sets(sandbox, dns["zones"]["live"], WWW),
        "staging": record_sets(sandbox, dns["zones"]["staging"], STAGING_NAME),
    }


def change_calls(calls):
    """The zones of the ChangeResourceRecordSets calls, in order."""
    return [call.split("/")[3] for call in calls if call.startswith("POST ") and call.rstrip("/").endswith("/rrset")]


def writes(calls):
    return [call for call in calls if is_write(call)]


def state(sandbox):
    result = sandbox.module("state_info", app="demo", live_records=LIVE)
    assert not result.get("failed"), result.get("msg")
    return result


@contextlib.contextmanager
def green_fleet(sandbox):
    autoscaling = sandbox.client("autoscaling")
    group = sandbox.client("elbv2").describe_target_groups(Names=["demo-green"])["TargetGroups"][0]
    blue = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["demo-blue"])["AutoScalingGroups"][0]
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="demo-green",
        LaunchTemplate={"LaunchTemplateName": "demo", "Version": "$Latest"},
        MinSize=1,
        MaxSize=1,
        DesiredCapacity=1,
        VPCZoneIdentifier=blue["VPCZoneIdentifier"],
        TargetGroupARNs=[group["TargetGroupArn"]],
        Tags=[
            {"Key": "bluegreen:app", "Value": "demo", "PropagateAtLaunch": True},
            {"Key": "bluegreen:color", "Value": "green", "PropagateAtLaunch": True},
        ],
    )
    try:
        yield
    finally:
        autoscaling.delete_auto_scaling_group(AutoScalingGroupName="demo-green", ForceDelete=True)
        sandbox.forget_terminated_targets(group["TargetGroupArn"], set())


@pytest.fixture
def live_on_blue(sandbox, dns):
    """Every test starts and ends with the live name on blue and the staging name on green."""
    result = flip(sandbox, live_color="blue")
    assert not result.get("failed"), result.get("msg")
    yield
    result = flip(sandbox, live_color="blue")
    assert not result.get("failed"), result.get("msg")
    assert points_at(sandbox, dns, "live", WWW) == {None: ("blue", None, True)}


def test_sandbox_provisions_the_route53_strategy(sandbox, dns):
    assert points_at(sandbox, dns, "live", WWW) == {None: ("blue", None, True)}
    assert points_at(sandbox, dns, "staging", STAGING_NAME) == {None: ("green", None, True)}
    route53 = sandbox.client("route53")
    private = route53.get_hosted_zone(Id=dns["zones"]["staging"])
    assert private["HostedZone"]["Config"]["PrivateZone"] is True
    vpc = dns["lbs"]["blue"]["VpcId"]
    assert [item["VPCId"] for item in private["VPCs"]] == [vpc]

    elbv2 = sandbox.client("elbv2")
    for color, lb in dns["lbs"].items():
        tags = elbv2.describe_tags(ResourceArns=[lb["LoadBalancerArn"]])["TagDescriptions"][0]["Tags"]
        assert {"Key": "bluegreen:color", "Value": color} in tags
        listener = elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"][0]
        assert listener["Port"] == 80
        assert f":targetgroup/demo-{color}/" in listener["DefaultActions"][0]["TargetGroupArn"]

    reported = state(sandbox)
    assert (reported["source"], reported["live_color"]) == ("route53", "blue")
    assert reported["layers"]["route53"]["weights"] == {"blue": 100}

    again = provision_route53(sandbox)
    assert "changed=0" in again.stdout, again.stdout[-3000:]


def test_flip_check_mode_then_real_then_idempotent(sandbox, dns, live_on_blue):
    before = snapshot(sandbox, dns)
    with sandbox.api_calls() as calls:
        checked = flip(sandbox, live_color="green", expected_live_color="blue", check=True, diff=True)
    assert checked["changed"] is True
    assert (checked["previous_live_color"], checked["live_color"]) == ("blue", "green")
    assert (checked["previous_weights"], checked["weights"]) == ({"blue": 100}, {"green": 100})
    assert checked["change_ids"] == []
    assert [batch["records"] for batch in checked["changes"]] == [["staging"], ["live"]]
    assert [batch["change_id"] for batch in checked["changes"]] == [None, None]
    assert [change["action"] for change in checked["changes"][1]["changes"]] == ["UPSERT"]
    live_after = checked["changes"][1]["changes"][0]["resource_record_set"]
    assert live_after["name"] == WWW
    assert live_after["alias_target"] == {
        "dns_name": dns["lbs"]["green"]["DNSName"],
        "hosted_zone_id": dns["lbs"]["green"]["CanonicalHostedZoneId"],
        "evaluate_target_health": True,
    }
    diff = checked["diff"]
    assert [entry["color"] for entry in diff["before"]["live"][WWW]] == ["blue"]
    assert [entry["color"] for entry in diff["after"]["live"][WWW]] == ["green"]
    assert diff["after"]["live"][WWW][0]["alias_dns_name"] == dns["lbs"]["green"]["DNSName"]
    assert [entry["color"] for entry in diff["before"]["staging"][STAGING_NAME]] == ["green"]
    assert [entry["color"] for entry in diff["after"]["staging"][STAGING_NAME]] == ["blue"]
    assert writes(calls) == []
    assert not any("/change/" in call for call in calls), calls
    assert snapshot(sandbox, dns) == before

    with sandbox.api_calls() as calls:
        flipped = flip(sandbox, live_color="green", expected_live_color="blue")
    assert flipped["changed"] is True
    assert (flipped["previous_live_color"], flipped["live_color"]) == ("blue", "green")
    assert len(flipped["change_ids"]) == 2
    # One batch per zone, the staging zone's first: production moves last.
    assert change_calls(calls) == [dns["zones"]["staging"], dns["zones"]["live"]]
    assert len(writes(calls)) == 2
    assert calls.count("DescribeLoadBalancers") == 1
    # GetChange is polled until each change is INSYNC, as long as Route 53 takes (the sandbox's clock).
    polls = [call for call in calls if "/change/" in call]
    assert {call.rsplit("/", 1)[-1] for call in polls} == {item.rsplit("/", 1)[-1] for item in flipped["change_ids"]}
    assert len(calls) - len(polls) <= 7, calls
    # Each change is PENDING at its first poll and waited for (plain moto answers INSYNC at once: one poll each).
    assert len(polls) > len(flipped["change_ids"]), calls
    assert points_at(sandbox, dns, "live", WWW) == {None: ("green", None, True)}
    assert points_at(sandbox, dns, "staging", STAGING_NAME) == {None: ("blue", None, True)}

    reported = state(sandbox)
    assert (reported["source"], reported["live_color"], reported["idle_color"]) == ("route53", "green", "blue")
    assert reported["layers"]["route53"]["records"][0]["color"] == "green"
    assert (reported["colors"]["green"]["traffic_percent"], reported["colors"]["blue"]["traffic_percent"]) == (100, 0)
    assert state_table(reported).splitlines()[0].startswith("app demo: live green, idle blue")

    again_checked = flip(sandbox, live_color="green", expected_live_color="blue", check=True)
    assert again_checked["changed"] is False
    assert again_checked["changes"] == []
    with sandbox.api_calls() as calls:
        again = flip(sandbox, live_color="green", expected_live_color="blue")
    assert again["changed"] is False
    assert (again["previous_live_color"], again["change_ids"]) == ("green", [])
    assert writes(calls) == []
    assert len(calls) == 5, calls

    # The sandbox playbook reads which colour is live from the records and leaves them there. It checks that
    # the live colour has healthy targets, so green gets a fleet for the time being, and runs in check mode
    # so that it does not also retag the target groups and release the site into green's directory.
    with green_fleet(sandbox):
        provisioned = provision_route53(sandbox, "--check")
    seeding = provisioned.stdout.split("TASK [Point the live names at the live colour's load balancer")[1]
    assert seeding.split("\n")[1].startswith("ok:"), seeding[:500]
    assert points_at(sandbox, dns, "live", WWW) == {None: ("green", None, True)}


def test_the_health_guard_moves_no_name_to_a_colour_without_healthy_targets(sandbox, dns, live_on_blue):
    before = snapshot(sandbox, dns)
    refusal = (
        "target group 'demo-green' (green) has 0 of 0 targets healthy, fewer than min_healthy_targets=1; not "
        "switching (wait longer with health_wait_timeout, or see teal.bluegreen.state_info)"
    )
    for check in (True, False):
        with sandbox.api_calls() as calls:
            refused = flip(sandbox, live_color="green", health_target_group="demo-green", check=check)
        assert refused.get("failed") is True and refused["msg"] == refusal, refused
        assert "DescribeTargetHealth" in calls and writes(calls) == []
    assert snapshot(sandbox, dns) == before

    # Waiting, check mode only says it would: it predicts the change and writes nothing.
    checked = flip(sandbox, live_color="green", health_target_group="demo-green", health_wait_timeout=30, check=True)
    assert checked["changed"] is True and not checked.get("failed")
    assert any("would wait up to 30s for 1" in warning for warning in checked.get("warnings", [])), checked
    assert snapshot(sandbox, dns) == before

    # The names already on blue need no healthy green: nothing to move, nothing checked.
    with sandbox.api_calls() as calls:
        unchanged = flip(sandbox, live_color="blue", health_target_group="demo-blue")
    assert unchanged["changed"] is False and "DescribeTargetHealth" not in calls

    # With a fleet whose instances register, the module waits for them, then moves the names.
    with green_fleet(sandbox):
        flipped = flip(
            sandbox,
            live_color="green",
            health_target_group="demo-green",
            health_wait_timeout=120,
            health_poll_interval=1,
        )
        assert flipped["changed"] is True, flipped.get("msg")
        assert points_at(sandbox, dns, "live", WWW) == {None: ("green", None, True)}
        back = flip(sandbox, live_color="blue")
        assert back["changed"] is True, back.get("msg")


def test_without_wait_no_change_is_polled(sandbox, dns, live_on_blue):
    with sandbox.api_calls() as calls:
        flipped = flip(sandbox, live_color="green", wait=False)
    assert flipped["changed"] is True
    assert not any("/change/" in call for call in calls), calls
    with sandbox.api_calls() as calls:
        flipped = flip(sandbox, live_color="blue", wait_timeout=5)
    assert flipped["changed"] is True
    polled = {call.rsplit("/", 1)[-1] for call in calls if "/change/" in call}
    assert polled == {item.rsplit("/", 1)[-1] for item in flipped["change_ids"]} and len(polled) == 2


def test_weighted_shift_and_back_to_a_simple_alias(sandbox, dns, live_on_blue):
    # The emulator refuses a CREATE identical to one made earlier in the zone (docs/sandbox.md), so each move
    # between the simple alias and weighted records below happens once in a sandbox session.
    shift = {"live_color": "green", "weights": {"blue": 90, "green": 10}}
    before = snapshot(sandbox, dns)
    checked = flip(sandbox, check=True, diff=True, **shift)
    assert checked["changed"] is True
    assert checked["weights"] == {"blue": 90, "green": 10}
    assert [change["action"] for change in checked["changes"][1]["changes"]] == ["DELETE", "CREATE", "CREATE"]
    assert [
        (entry["set_identifier"], entry["weight"], entry["color"]) for entry in checked["diff"]["after"]["live"][WWW]
    ] == [
        ("blue", 90, "blue"),
        ("green", 10, "green"),
    ]
    assert snapshot(sandbox, dns) == before

    with sandbox.api_calls() as calls:
        shifted = flip(sandbox, **shift)
    assert shifted["changed"] is True
    assert change_calls(calls) == [dns["zones"]["staging"], dns["zones"]["live"]]
    assert points_at(sandbox, dns, "live", WWW) == {"blue": ("blue", 90, True), "green": ("green", 10, True)}
    assert points_at(sandbox, dns, "staging", STAGING_NAME) == {None: ("blue", None, True)}
    assert flip(sandbox, check=True, **shift)["changed"] is False
    assert flip(sandbox, **shift)["changed"] is False

    reported = state(sandbox)
    assert reported["live_color"] is None
    assert reported["layers"]["route53"]["weights"] == {"blue": 90, "green": 10}
    assert "route53: live records split their answers blue 90% / green 10% (a weighted shift is in progress)" in (
        reported["reasons"]
    )
    assert (reported["colors"]["blue"]["traffic_percent"], reported["colors"]["green"]["traffic_percent"]) == (90, 10)

    with sandbox.api_calls() as calls:
        step = flip(sandbox, live_color="green", weights={"blue": 40, "green": 60})
    assert step["previous_weights"] == {"blue": 90, "green": 10}
    assert [change["action"] for change in step["changes"][0]["changes"]] == ["UPSERT", "UPSERT"]
    assert change_calls(calls) == [dns["zones"]["live"]]
    assert points_at(sandbox, dns, "live", WWW) == {"blue": ("blue", 40, True), "green": ("green", 60, True)}
    assert state(sandbox)["layers"]["route53"]["weights"] == {"blue": 40, "green": 60}

    with sandbox.api_calls() as calls:
        done = flip(sandbox, live_color="green", weights={"blue": 0, "green": 60}, expected_live_color="green")
    assert done["changed"] is True
    assert (done["previous_live_color"], done["weights"]) == ("green", {"green": 100})
    assert [change["action"] for change in done["changes"][0]["changes"]] == ["DELETE", "DELETE", "CREATE"]
    assert change_calls(calls) == [dns["zones"]["live"]]
    assert points_at(sandbox, dns, "live", WWW) == {None: ("green", None, True)}
    reported = state(sandbox)
    assert (reported["live_color"], reported["layers"]["route53"]["weights"]) == ("green", {"green": 100})
    assert flip(sandbox, live_color="green")["changed"] is False


def test_expected_colour_mismatch_changes_nothing(sandbox, dns, live_on_blue):
    before = snapshot(sandbox, dns)
    with sandbox.api_calls() as calls:
        refused = flip(sandbox, live_color="green", expected_live_color="green")
    assert refused.get("failed") is True
    assert refused["msg"] == (
        "expected green to be live, but www.example.com. points at blue; not switching (another run may have "
        "moved the traffic: read teal.bluegreen.state_info)"
    )
    assert writes(calls) == []
    assert snapshot(sandbox, dns) == before
    # A finished switch re-run with the old expectation changes nothing and does not fail.
    assert flip(sandbox, live_color="blue", expected_live_color="green")["changed"] is False


def test_live_and_staging_names_in_one_zone_change_in_one_batch(sandbox, dns, live_on_blue):
    preview = "preview.example.com."
    args = {"staging_records": {"zone": "example.com", "names": ["preview"]}}
    try:
        created = flip(sandbox, live_color="blue", **args)
        assert created["changed"] is True
        assert points_at(sandbox, dns, "live", preview) == {None: ("green", None, True)}
        with sandbox.api_calls() as calls:
            flipped = flip(sandbox, live_color="green", **args)
        assert [batch["records"] for batch in flipped["changes"]] == [["staging", "live"]]
        assert change_calls(calls) == [dns["zones"]["live"]]
        assert points_at(sandbox, dns, "live", WWW) == {None: ("green", None, True)}
        assert points_at(sandbox, dns, "live", preview) == {None: ("blue", None, True)}
    finally:
        for item in record_sets(sandbox, dns["zones"]["live"], preview):
            sandbox.client("route53").change_resource_record_sets(
                HostedZoneId=dns["zones"]["live"],
                ChangeBatch={"Changes": [{"Action": "DELETE", "ResourceRecordSet": item}]},
            )


@pytest.fixture
def legacy(sandbox, dns):
    """A plain A record the module must not take over on its own."""
    route53 = sandbox.client("route53")
    record = {"Name": LEGACY, "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": "192.0.2.10"}]}
    route53.change_resource_record_sets(
        HostedZoneId=dns["zones"]["live"], ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": record}]}
    )
    yield record
    for item in record_sets(sandbox, dns["zones"]["live"], LEGACY):
        route53.change_resource_record_sets(
            HostedZoneId=dns["zones"]["live"],
            ChangeBatch={"Changes": [{"Action": "DELETE", "ResourceRecordSet": item}]},
        )


def test_non_alias_record_is_replaced_only_when_allowed(sandbox, dns, live_on_blue, legacy):
    args = {"live_records": {"zone": "example.com", "names": ["legacy"]}}
    with sandbox.api_calls() as calls:
        refused = flip(sandbox, live_color="blue", **args)
    assert refused.get("failed") is True
    assert refused["msg"] == (
        "live_records: record legacy.example.com. exists as an A record that is not an alias (192.0.2.10); not "
        "replacing it (remove it, use another name, or set overwrite_non_alias: true to replace it)"
    )
    assert writes(calls) == []
    assert record_sets(sandbox, dns["zones"]["live"], LEGACY) == [legacy]

    replaced = flip(sandbox, live_color="blue", overwrite_non_alias=True, diff=True, **args)
    assert replaced["changed"] is True
    assert replaced["diff"]["before"]["live"][LEGACY][0]["values"] == ["192.0.2.10"]
    assert [change["action"] for change in replaced["changes"][-1]["changes"]] == ["DELETE", "CREATE"]
    assert points_at(sandbox, dns, "live", LEGACY) == {None: ("blue", None, True)}


def bad_input_cases():
    return {
        "zone not found": (
            {"live_records": {"zone": "example.org", "names": ["www"]}},
            "public hosted zone 'example.org' not found; check live_records.zone (a zone name or id)",
        ),
        "zone id not found": (
            {"live_records": {"zone": "Z0000000000NOSUCHZONE", "names": ["www"]}},
            "public hosted zone 'Z0000000000NOSUCHZONE' not found",
        ),
        "private zone given as public": (
            {"staging_records": dict(STAGING, private_zone=False)},
            "public hosted zone 'example.internal' not found, but a private one is",
        ),
        "public zone given as private": (
            {"live_records": dict(LIVE, private_zone=True)},
            "private hosted zone 'example.com' not found, but a public one is",
        ),
        "name outside the zone": (
            {"live_records": {"zone": "example.com", "names": ["www", "www.example.org."]}},
            "record name 'www.example.org.' is outside the zone example.com; give live_records.names relative to "
            "the zone or inside it",
        ),
        "load balancer not found": (
            {"load_balancers": {"blue": "demo-blue", "green": "demo-purple"}},
            "load balancer 'demo-purple' given for green not found; check load_balancers (names or ARNs)",
        ),
        "same load balancer twice": (
            {"load_balancers": {"blue": "demo-blue", "green": "demo-blue"}},
            "load_balancers maps both colours to 'demo-blue'; give each colour its own load balancer",
        ),
        "same load balancer by name and ARN": (
            {"load_balancers": {"blue": "demo-blue", "green": "ARN:demo-blue"}},
            "load_balancers maps both colours to load balancer 'demo-blue'",
        ),
        "live and staging name the same": (
            {"staging_records": {"zone": "example.com", "names": ["www.example.com"]}},
            "www.example.com. is both a live and a staging name",
        ),
        "no names": ({"live_records": {"zone": "example.com", "names": []}}, "live_records.names is empty"),
        "live colour weighted out": (
            {"weights": {"blue": 100, "green": 0}},
            "weights give live_color green a weight of 0; give it more than 0, or set live_color to blue",
        ),
        "weight out of range": (
            {"weights": {"blue": 300, "green": 1}},
            "weights.blue 300 is out of range; use 0 to 255",
        ),
        "negative wait_timeout": ({"wait_timeout": -1}, "wait_timeout -1 is negative"),
        "health target group not found": (
            {"health_target_group": "demo-purple"},
            "health_target_group 'demo-purple' is no target group; give the name or ARN of the target group behind "
            "green's load balancer",
        ),
        "no healthy target needed": (
            {"health_target_group": "demo-green", "min_healthy_targets": 0},
            "min_healthy_targets 0 would let the live names move to a colour without a healthy target; use 1 or more",
        ),
        "negative health_wait_timeout": ({"health_wait_timeout": -5}, "health_wait_timeout -5 is negative"),
        "expected colour mismatch": ({"expected_live_color": "green"}, "expected green to be live"),
    }


@pytest.mark.parametrize("case", sorted(bad_input_cases()))
def test_bad_input_fails_clearly_and_changes_nothing(sandbox, dns, live_on_blue, case):
    overrides, message = bad_input_cases()[case]
    if overrides.get("load_balancers", {}).get("green", "").startswith("ARN:"):
        overrides = {"load_balancers": {"blue": "demo-blue", "green": dns["lbs"]["blue"]["LoadBalancerArn"]}}
    before = snapshot(sandbox, dns)
    with sandbox.api_calls() as calls:
        result = flip(sandbox, live_color="green", **overrides)
    assert result.get("failed") is True, result
    assert message in result["msg"]
    assert writes(calls) == []
    assert snapshot(sandbox, dns) == before
