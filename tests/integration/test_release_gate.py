# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""release_gate against the sandbox: traffic fed for each colour (POST /_sandbox/cloudwatch/traffic, docs/sandbox.md)
and alarms moved with SetAlarmState, judged per target group on demo's load balancer (strategy alb) and per load
balancer (strategy route53); its calls counted, check mode, and every bad input failing before anything is judged."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from conftest import is_write

CHECKS = {"max_error_rate": 0.02, "max_error_rate_ratio": 2.0, "max_latency_p99_ratio": 1.5, "min_requests": 100}
GATE = {
    "metric_checks": CHECKS,
    "load_balancer": "demo",
    "target_group": "demo-green",
    "baseline_target_group": "demo-blue",
}
ALARMS = ("demo-gate-5xx", "demo-gate-latency")
CLOUDWATCH_READS = {"DescribeAlarms", "GetMetricData"}


@pytest.fixture(scope="module")
def demo(sandbox):
    """demo's load balancer and both colours' target groups (the production and the test listener forward to them),
    and two load balancers of their own, one per colour, in demo's subnets, for the checks per load balancer."""
    elbv2 = sandbox.client("elbv2")
    lb = elbv2.describe_load_balancers(Names=["demo"])["LoadBalancers"][0]
    groups = elbv2.describe_target_groups(Names=["demo-blue", "demo-green"])["TargetGroups"]
    found = {"lb": lb["LoadBalancerArn"], **{item["TargetGroupName"][5:]: item["TargetGroupArn"] for item in groups}}
    subnets = [zone["SubnetId"] for zone in lb["AvailabilityZones"]]
    for color in ("blue", "green"):
        made = elbv2.create_load_balancer(Name=f"gate-{color}", Subnets=subnets)["LoadBalancers"][0]
        found[f"lb-{color}"] = made["LoadBalancerArn"]
    yield found
    for color in ("blue", "green"):
        elbv2.delete_load_balancer(LoadBalancerArn=found[f"lb-{color}"])


@pytest.fixture
def traffic(sandbox, demo):
    """feed(color, requests_per_minute, error_rate, latency_ms, by="target group" or "load balancer"): a quarter of an
    hour of the colour's traffic, ending five minutes from now, so that a window read any time in the test finds its
    five minutes whole. Every test starts and ends without traffic."""
    sandbox.forget_traffic()

    def feed(color, requests, error_rate=0.0, latency_ms=200, by="target group"):
        end = (datetime.now(timezone.utc) + timedelta(minutes=5)).isoformat()
        if by == "target group":
            where = {"load_balancer": demo["lb"], "target_group": demo[color]}
        else:
            where = {"load_balancer": demo[f"lb-{color}"]}
        sandbox.traffic(
            requests_per_minute=requests, error_rate=error_rate, latency_ms=latency_ms, minutes=15, end=end, **where
        )

    yield feed
    sandbox.forget_traffic()


@pytest.fixture
def alarms(sandbox):
    """The alarms of ALARMS, as PutMetricAlarm makes them (INSUFFICIENT_DATA); set(name, state) moves one with
    SetAlarmState."""
    cloudwatch = sandbox.client("cloudwatch")
    for name in ALARMS:
        sandbox.put_alarm(name)

    def move(name, state, reason="Threshold Crossed: 1 datapoint [42.0] was greater than the threshold (10.0)"):
        cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason=reason)

    yield move
    cloudwatch.delete_alarms(AlarmNames=list(ALARMS))


def test_healthy_traffic_passes_and_check_mode_gives_the_same_verdict(sandbox, traffic):
    traffic("green", 100, error_rate=0.01)
    traffic("blue", 900, error_rate=0.01)
    with sandbox.api_calls() as calls:
        result = sandbox.module("release_gate", **GATE)
    assert not result.get("failed"), result.get("msg")
    assert (result["verdict"], result["changed"], result["checks"]) == ("pass", False, 1)
    assert result["metrics"] == {
        "requests": {"new": 500, "baseline": 4500, "threshold": 100, "passed": True},
        "error_rate": {"new": 0.01, "baseline": 0.01, "threshold": 0.02, "passed": True},
        "error_rate_ratio": {"new": 0.01, "baseline": 0.01, "ratio": 1.0, "threshold": 2.0, "passed": True},
        "latency_p99_ratio": {"new": 0.2, "baseline": 0.2, "ratio": 1.0, "threshold": 1.5, "passed": True},
    }
    assert result["compared"]["new"]["target_group"] == "demo-green"
    assert result["compared"]["baseline"]["dimensions"]["TargetGroup"].startswith("targetgroup/demo-blue/")
    assert [call for call in calls if is_write(call)] == []
    assert Counter(calls)["GetMetricData"] == 1
    assert "DescribeAlarms" not in calls

    checked = sandbox.module("release_gate", check=True, **GATE)
    assert (checked["verdict"], checked["changed"], checked["metrics"]) == ("pass", False, result["metrics"])


def test_a_new_colour_at_five_times_the_baselines_error_rate_fails_with_the_evidence(sandbox, traffic):
    traffic("green", 100, error_rate=0.05)
    traffic("blue", 900, error_rate=0.01)
    result = sandbox.module("release_gate", **GATE)
    assert result["verdict"] == "fail", result
    assert result["metrics"]["error_rate_ratio"] == {
        "new": 0.05,
        "baseline": 0.01,
        "ratio": 5.0,
        "threshold": 2.0,
        "passed": False,
    }
    assert result["metrics"]["error_rate"]["passed"] is False
    assert result["metrics"]["latency_p99_ratio"]["passed"] is True
    assert result["reasons"] == [
        "error rate of the new colour is 5.00% (25 of 500 requests), above max_error_rate 2.00%",
        "error rate of the new colour is 5.00 times the baseline's (5.00% against 1.00%), above max_error_rate_ratio 2",
    ]
    assert sandbox.module("release_gate", check=True, **GATE)["verdict"] == "fail"


def test_a_slow_new_colour_fails_on_its_p99(sandbox, traffic):
    traffic("green", 200, latency_ms=500)
    traffic("blue", 800, latency_ms=200)
    result = sandbox.module("release_gate", **GATE)
    assert result["verdict"] == "fail", result
    assert result["metrics"]["latency_p99_ratio"] == {
        "new": 0.5,
        "baseline": 0.2,
        "ratio": 2.5,
        "threshold": 1.5,
        "passed": False,
    }
    assert result["reasons"] == [
        "p99 response time of the new colour is 2.50 times the baseline's (0.500 s against 0.200 s), above "
        "max_latency_p99_ratio 1.5"
    ]


def test_too_few_requests_is_inconclusive(sandbox, traffic):
    traffic("green", 10, error_rate=0.2)
    traffic("blue", 900)
    result = sandbox.module("release_gate", **GATE)
    assert result["verdict"] == "inconclusive", result
    assert result["metrics"]["requests"] == {"new": 50, "baseline": 4500, "threshold": 100, "passed": False}
    assert {key: entry["passed"] for key, entry in result["metrics"].items() if key != "requests"} == {
        "error_rate": None,
        "error_rate_ratio": None,
        "latency_p99_ratio": None,
    }
    assert result["reasons"] == [
        "too few requests to judge the new colour: 50 in the window, fewer than min_requests 100"
    ]


def test_no_traffic_at_all_is_inconclusive(sandbox, traffic):
    result = sandbox.module("release_gate", **GATE)
    assert result["verdict"] == "inconclusive", result
    assert result["metrics"]["requests"]["new"] == 0


def test_an_alarm_in_alarm_fails_and_quiet_ones_pass(sandbox, alarms):
    quiet = sandbox.module("release_gate", alarms=list(ALARMS))
    assert quiet["verdict"] == "pass", quiet
    assert [(item["name"], item["type"], item["state"]) for item in quiet["alarms"]] == [
        ("demo-gate-5xx", "metric", "INSUFFICIENT_DATA"),
        ("demo-gate-latency", "metric", "INSUFFICIENT_DATA"),
    ]
    alarms("demo-gate-latency", "OK", "Threshold Crossed: no datapoint was greater than the threshold")
    alarms("demo-gate-5xx", "ALARM")
    with sandbox.api_calls() as calls:
        fired = sandbox.module("release_gate", alarms=list(ALARMS))
    assert fired["verdict"] == "fail", fired
    assert fired["alarms"][0]["state"] == "ALARM"
    assert fired["alarms"][0]["reason"].startswith("Threshold Crossed: 1 datapoint [42.0]")
    assert fired["alarms"][1]["state"] == "OK"
    assert fired["reasons"] == [
        f"alarm 'demo-gate-5xx' is in ALARM since {fired['alarms'][0]['updated']}: Threshold Crossed: 1 datapoint "
        "[42.0] was greater than the threshold (10.0)"
    ]
    assert calls == ["DescribeAlarms"]
    assert sandbox.module("release_gate", alarms=list(ALARMS), check=True)["verdict"] == "fail"


def test_a_bake_makes_one_describe_alarms_and_one_get_metric_data_per_check(sandbox, traffic, alarms):
    traffic("green", 100)
    traffic("blue", 900)
    with sandbox.api_calls() as calls:
        result = sandbox.module("release_gate", alarms=list(ALARMS), bake_seconds=2, poll_interval=1, **GATE)
    assert (result["verdict"], result["checks"]) == ("pass", 3), result
    assert [call for call in calls if is_write(call)] == []
    found = Counter(calls)
    assert (found["DescribeAlarms"], found["GetMetricData"]) == (3, 3), calls


def test_a_bake_stops_at_the_first_failing_check(sandbox, traffic, alarms):
    traffic("green", 100)
    traffic("blue", 900)
    alarms("demo-gate-5xx", "ALARM")
    with sandbox.api_calls() as calls:
        result = sandbox.module("release_gate", alarms=list(ALARMS), bake_seconds=600, poll_interval=60, **GATE)
    assert (result["verdict"], result["checks"]) == ("fail", 1), result
    found = Counter(calls)
    assert (found["DescribeAlarms"], found["GetMetricData"]) == (1, 1), calls


def test_per_load_balancer_the_new_colours_load_balancer_is_judged_against_the_old_ones(sandbox, traffic):
    args = {"metric_checks": CHECKS, "load_balancer": "gate-green", "baseline_load_balancer": "gate-blue"}
    traffic("green", 300, error_rate=0.01, by="load balancer")
    traffic("blue", 300, error_rate=0.01, by="load balancer")
    healthy = sandbox.module("release_gate", **args)
    assert healthy["verdict"] == "pass", healthy
    assert healthy["compared"]["new"] == {
        "load_balancer": "gate-green",
        "dimensions": {"LoadBalancer": healthy["compared"]["new"]["dimensions"]["LoadBalancer"]},
    }
    assert healthy["compared"]["new"]["dimensions"]["LoadBalancer"].startswith("app/gate-green/")
    traffic("green", 300, error_rate=0.09, by="load balancer")
    failing = sandbox.module("release_gate", **args)
    assert failing["verdict"] == "fail", failing
    assert failing["metrics"]["error_rate_ratio"]["ratio"] == 5.0


def bad_inputs():
    """case: (options, the message's words, the CloudWatch calls allowed before the failure)."""
    return {
        "unknown alarm name": (
            {"alarms": ["demo-gate-5xx", "demo-gate-typo"]},
            "alarm 'demo-gate-typo' not found: no metric or composite alarm has that name in this account and region; "
            "check alarms",
            ["DescribeAlarms"],
        ),
        "threshold out of range": (
            dict(GATE, metric_checks=dict(CHECKS, max_error_rate=1.5)),
            "metric_checks.max_error_rate 1.5 is out of range; use 0 to 1",
            [],
        ),
        "ratio of zero": (
            dict(GATE, metric_checks=dict(CHECKS, max_latency_p99_ratio=0)),
            "metric_checks.max_latency_p99_ratio 0.0 is out of range; use a number above 0",
            [],
        ),
        "unknown threshold": (
            dict(GATE, metric_checks=dict(CHECKS, max_errors=3)),
            "metric_checks.max_errors",
            [],
        ),
        "metric checks without a load balancer": (
            {"metric_checks": CHECKS, "target_group": "demo-green", "baseline_target_group": "demo-blue"},
            "metric_checks needs load_balancer",
            [],
        ),
        "metric checks without a baseline": (
            {"metric_checks": CHECKS, "load_balancer": "demo"},
            "metric_checks needs a baseline to compare with",
            [],
        ),
        "window not whole minutes": (dict(GATE, window=90), "window 90 is not a whole number of minutes", []),
        "nothing to judge": ({}, "nothing to judge: give alarms, metric_checks or both", []),
        "unknown load balancer": (
            dict(GATE, load_balancer="no-such-alb"),
            "load balancer 'no-such-alb' not found; check load_balancer",
            [],
        ),
        "unknown target group": (
            dict(GATE, target_group="demo-purple"),
            "target group 'demo-purple' given as target_group not found",
            [],
        ),
        "the same target group twice": (
            dict(GATE, target_group="demo-blue"),
            "target_group and baseline_target_group are both 'demo-blue'",
            [],
        ),
        "a target group not behind the load balancer": (
            dict(GATE, load_balancer="gate-green"),
            "no listener of load balancer 'gate-green' forwards to target group 'demo-green' (target_group)",
            [],
        ),
    }


@pytest.mark.parametrize("case", sorted(bad_inputs()))
def test_bad_input_fails_clearly_and_calls_no_cloudwatch_beyond_reads(sandbox, demo, alarms, case):
    args, message, allowed = bad_inputs()[case]
    with sandbox.api_calls() as calls:
        result = sandbox.module("release_gate", **args)
    assert result.get("failed") is True, result
    assert message in result["msg"], result["msg"]
    assert [call for call in calls if is_write(call)] == []
    assert [call for call in calls if call in CLOUDWATCH_READS] == allowed
