# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""release_gate's decisions, branch by branch, on plain data: the options, the queries, the judges and the bake."""

from __future__ import annotations

from datetime import datetime
from datetime import timezone

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils import gate

LB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop/50dc6c495c0c9188"
TG_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-green/73e2d6bc24d8a067"
UPDATED = datetime(2026, 12, 8, 10, 4, tzinfo=timezone.utc)


def params(**overrides):
    """release_gate's options as Ansible hands them over: the defaults, a metric check by target group, and
    ``overrides``."""
    found = {
        "alarms": [],
        "metric_checks": {"max_error_rate": 0.01, "max_error_rate_ratio": 2.0, "min_requests": 100},
        "load_balancer": "shop-alb",
        "target_group": "shop-green",
        "baseline_target_group": "shop-blue",
        "baseline_load_balancer": None,
        "window": 300,
        "bake_seconds": 0,
        "poll_interval": 60,
    }
    found.update(overrides)
    return found


# ---------------------------------------------------------------------------------------------------------------
# check_options


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {
            "alarms": ["shop-5xx"],
            "metric_checks": None,
            "load_balancer": None,
            "target_group": None,
            "baseline_target_group": None,
        },
        {"metric_checks": {"max_latency_p99_ratio": 1.5}},
        {"metric_checks": {"max_error_rate": 0, "min_requests": 0}},
        {"metric_checks": {"max_error_rate": 1}},
        {"metric_checks": {"max_error_rate": "0.01", "max_error_rate_ratio": "2", "min_requests": "50"}},
        {"target_group": None, "baseline_target_group": None, "baseline_load_balancer": "shop-blue"},
        {"window": 60, "bake_seconds": 86400, "poll_interval": 3600},
        {"window": 3600, "bake_seconds": 0, "poll_interval": 1},
        {"alarms": [f"alarm-{index}" for index in range(100)]},
    ],
)
def test_good_options_have_no_problem(overrides):
    assert gate.check_options(params(**overrides)) == []


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"alarms": [], "metric_checks": None, "load_balancer": None, "target_group": None}, "nothing to judge"),
        ({"window": 30}, "window 30 is out of range; use 60 to 3600 seconds, a multiple of 60"),
        ({"window": 3660}, "window 3660 is out of range"),
        ({"window": 90}, "window 90 is not a whole number of minutes; use a multiple of 60"),
        ({"bake_seconds": -1}, "bake_seconds -1 is out of range; use 0 to 86400"),
        ({"poll_interval": 0}, "poll_interval 0 is out of range; use 1 to 3600"),
        ({"alarms": [f"alarm-{index}" for index in range(101)]}, "alarms holds 101 names; give at most 100"),
        ({"alarms": ["shop-5xx", " "]}, "alarms holds an empty name"),
        ({"metric_checks": {"max_error_rate": 1.5}}, "metric_checks.max_error_rate 1.5 is out of range; use 0 to 1"),
        ({"metric_checks": {"max_error_rate": -0.1}}, "metric_checks.max_error_rate -0.1 is out of range"),
        ({"metric_checks": {"max_error_rate": "lots"}}, "metric_checks.max_error_rate 'lots' is out of range"),
        (
            {"metric_checks": {"max_error_rate": 0.01, "max_error_rate_ratio": 0}},
            "metric_checks.max_error_rate_ratio 0 is out of range; use a number above 0",
        ),
        (
            {"metric_checks": {"max_latency_p99_ratio": -2}},
            "metric_checks.max_latency_p99_ratio -2 is out of range; use a number above 0",
        ),
        (
            {"metric_checks": {"max_latency_p99_ratio": True}},
            "metric_checks.max_latency_p99_ratio True is out of range",
        ),
        (
            {"metric_checks": {"max_error_rate_ratio": 2.0}},
            "metric_checks.max_error_rate_ratio needs max_error_rate too",
        ),
        (
            {"metric_checks": {"max_error_rate": 0.01, "min_requests": -1}},
            "metric_checks.min_requests -1 is out of range; use a whole number, 0 to 1000000000",
        ),
        (
            {"metric_checks": {"max_error_rate": 0.01, "min_requests": 2.5}},
            "metric_checks.min_requests 2.5 is out of range",
        ),
        (
            {"metric_checks": {"max_error_rate": 0.01, "max_eror_rate": 0.02}},
            "metric_checks has an unknown key 'max_eror_rate'; use max_error_rate, max_error_rate_ratio, "
            "max_latency_p99_ratio or min_requests",
        ),
        ({"metric_checks": {"min_requests": 100}}, "metric_checks sets no threshold"),
        ({"metric_checks": {}}, "metric_checks sets no threshold"),
        ({"metric_checks": "max_error_rate"}, "metric_checks 'max_error_rate' is not a dict"),
        ({"load_balancer": None}, "metric_checks needs load_balancer"),
        ({"target_group": None, "baseline_target_group": None}, "metric_checks needs a baseline to compare with"),
        ({"baseline_target_group": None}, "target_group needs baseline_target_group"),
        ({"target_group": None}, "baseline_target_group needs target_group"),
        ({"baseline_load_balancer": "shop-blue"}, "give target_group and baseline_target_group"),
        (
            {"alarms": ["shop-5xx"], "metric_checks": None},
            "load_balancer, target_group, baseline_target_group are read only for metric_checks",
        ),
        (
            {"alarms": ["shop-5xx"], "metric_checks": None, "target_group": None, "baseline_target_group": None},
            "load_balancer is read only for metric_checks; add metric_checks, or leave them out",
        ),
    ],
)
def test_each_bad_option_is_named_with_its_value_and_the_fix(overrides, problem):
    problems = gate.check_options(params(**overrides))
    assert any(problem in item for item in problems), problems


def test_every_problem_is_said_at_once():
    problems = gate.check_options(params(window=90, metric_checks={"max_error_rate": 2}, load_balancer=None))
    assert len(problems) == 3, problems


@pytest.mark.parametrize(
    ("checks", "expected"),
    [
        (
            {"max_error_rate": 0.01},
            {"max_error_rate": 0.01, "max_error_rate_ratio": None, "max_latency_p99_ratio": None, "min_requests": 100},
        ),
        (
            {"max_error_rate": "0.02", "max_error_rate_ratio": 3, "max_latency_p99_ratio": 1.5, "min_requests": "10"},
            {"max_error_rate": 0.02, "max_error_rate_ratio": 3.0, "max_latency_p99_ratio": 1.5, "min_requests": 10},
        ),
        ({"max_latency_p99_ratio": 2, "min_requests": None}, {"max_latency_p99_ratio": 2.0, "min_requests": 100}),
    ],
)
def test_thresholds_are_numbers_and_min_requests_defaults_to_100(checks, expected):
    found = gate.thresholds(checks)
    assert {key: found[key] for key in expected} == expected


# ---------------------------------------------------------------------------------------------------------------
# The queries


def test_the_dimensions_are_the_ends_of_the_arns():
    assert gate.dimensions(LB_ARN) == {"LoadBalancer": "app/shop/50dc6c495c0c9188"}
    assert gate.dimensions(LB_ARN, TG_ARN) == {
        "LoadBalancer": "app/shop/50dc6c495c0c9188",
        "TargetGroup": "targetgroup/shop-green/73e2d6bc24d8a067",
    }


def test_one_query_per_metric_and_colour_over_the_window():
    new = gate.dimensions(LB_ARN, TG_ARN)
    baseline = {"LoadBalancer": "app/shop/50dc6c495c0c9188", "TargetGroup": "targetgroup/shop-blue/943f017f100becff"}
    queries = gate.metric_queries(new, baseline, 300)
    assert [
        (query["Id"], query["MetricStat"]["Metric"]["MetricName"], query["MetricStat"]["Stat"]) for query in queries
    ] == [
        ("new_requests", "RequestCount", "Sum"),
        ("new_errors", "HTTPCode_Target_5XX_Count", "Sum"),
        ("new_p99", "TargetResponseTime", "p99"),
        ("baseline_requests", "RequestCount", "Sum"),
        ("baseline_errors", "HTTPCode_Target_5XX_Count", "Sum"),
        ("baseline_p99", "TargetResponseTime", "p99"),
    ]
    assert {query["MetricStat"]["Metric"]["Namespace"] for query in queries} == {"AWS/ApplicationELB"}
    assert {query["MetricStat"]["Period"] for query in queries} == {300}
    assert queries[0]["MetricStat"]["Metric"]["Dimensions"] == [
        {"Name": "LoadBalancer", "Value": "app/shop/50dc6c495c0c9188"},
        {"Name": "TargetGroup", "Value": "targetgroup/shop-green/73e2d6bc24d8a067"},
    ]
    assert queries[3]["MetricStat"]["Metric"]["Dimensions"][1]["Value"] == "targetgroup/shop-blue/943f017f100becff"


def test_per_load_balancer_queries_name_the_load_balancer_only():
    other = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop-blue/1234"
    queries = gate.metric_queries(gate.dimensions(LB_ARN), gate.dimensions(other), 600)
    assert [query["MetricStat"]["Metric"]["Dimensions"] for query in queries[::3]] == [
        [{"Name": "LoadBalancer", "Value": "app/shop/50dc6c495c0c9188"}],
        [{"Name": "LoadBalancer", "Value": "app/shop-blue/1234"}],
    ]


def test_the_window_ends_with_the_last_whole_minute():
    now = datetime(2026, 12, 8, 10, 7, 42, 123456, tzinfo=timezone.utc)
    assert gate.window_bounds(now, 300) == (
        datetime(2026, 12, 8, 10, 2, tzinfo=timezone.utc),
        datetime(2026, 12, 8, 10, 7, tzinfo=timezone.utc),
    )


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        (
            {"new_requests": [500.0], "new_errors": [25.0], "new_p99": [0.4]},
            {"new": {"requests": 500, "errors": 25, "p99": 0.4}, "baseline": {"requests": 0, "errors": 0, "p99": None}},
        ),
        (
            {"new_requests": [200.0, 300.0], "new_p99": [0.3, 0.5], "baseline_requests": [], "baseline_errors": []},
            {"new": {"requests": 500, "errors": 0, "p99": 0.5}, "baseline": {"requests": 0, "errors": 0, "p99": None}},
        ),
        (
            {"baseline_requests": [900.0, 100.0], "baseline_errors": [2.0, 1.0], "baseline_p99": [0.3, 0.2]},
            {"new": {"requests": 0, "errors": 0, "p99": None}, "baseline": {"requests": 1000, "errors": 3, "p99": 0.2}},
        ),
    ],
    ids=[
        "one datapoint; missing metrics are none",
        "two datapoints: counts added, the new colour's highest p99",
        "two datapoints: the baseline's lowest p99",
    ],
)
def test_metric_values(series, expected):
    assert gate.metric_values(series) == expected


# ---------------------------------------------------------------------------------------------------------------
# judge_alarms


def alarm(name, state, reason="Threshold Crossed", composite=False):
    found = {"AlarmName": name, "StateValue": state, "StateReason": reason, "StateUpdatedTimestamp": UPDATED}
    if composite:
        found["AlarmRule"] = "ALARM(shop-5xx)"
    return found


@pytest.mark.parametrize(
    ("states", "verdict", "reasons"),
    [
        ({"shop-5xx": "OK"}, "pass", ["alarm 'shop-5xx' is OK"]),
        (
            {"shop-5xx": "INSUFFICIENT_DATA"},
            "pass",
            ["alarm 'shop-5xx' is INSUFFICIENT_DATA, which does not stop a release (ALARM does)"],
        ),
        (
            {"shop-5xx": "ALARM", "shop-latency": "OK"},
            "fail",
            ["alarm 'shop-5xx' is in ALARM since 2026-12-08T10:04:00+00:00: Threshold Crossed"],
        ),
        (
            {"shop-5xx": "ALARM", "shop-latency": "ALARM"},
            "fail",
            [
                "alarm 'shop-5xx' is in ALARM since 2026-12-08T10:04:00+00:00: Threshold Crossed",
                "alarm 'shop-latency' is in ALARM since 2026-12-08T10:04:00+00:00: Threshold Crossed",
            ],
        ),
    ],
)
def test_an_alarm_in_alarm_fails_and_the_others_pass(states, verdict, reasons):
    names = list(states)
    result = gate.judge_alarms([alarm(name, state) for name, state in reversed(states.items())], names)
    assert result["verdict"] == verdict
    assert [item["name"] for item in result["alarms"]] == names
    assert gate.judgement(result, None)["reasons"] == reasons


def test_the_evidence_of_an_alarm():
    result = gate.judge_alarms(
        [alarm("shop-5xx", "ALARM", "Threshold Crossed: 1 datapoint [12.0]"), alarm("shop", "OK", composite=True)],
        ["shop-5xx", "shop"],
    )
    assert result["alarms"] == [
        {
            "name": "shop-5xx",
            "type": "metric",
            "state": "ALARM",
            "reason": "Threshold Crossed: 1 datapoint [12.0]",
            "updated": "2026-12-08T10:04:00+00:00",
        },
        {
            "name": "shop",
            "type": "composite",
            "state": "OK",
            "reason": "Threshold Crossed",
            "updated": UPDATED.isoformat(),
        },
    ]


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["shop-5xx", "shop-typo"], "alarm 'shop-typo' not found: no metric or composite alarm has that name"),
        (["nope", "shop-5xx", "none"], "alarms 'nope', 'none' not found"),
    ],
)
def test_unknown_alarm_names_are_an_input_error_naming_them(names, message):
    with pytest.raises(gate.GateInputError) as raised:
        gate.judge_alarms([alarm("shop-5xx", "ALARM")], names)
    assert message in str(raised.value)
    assert "check alarms" in str(raised.value)


# ---------------------------------------------------------------------------------------------------------------
# judge_metrics


def values(new=(1000, 5, 0.2), baseline=(1000, 5, 0.2)):
    """metric_values for (requests, errors, p99) of each colour."""
    return {
        side: {"requests": found[0], "errors": found[1], "p99": found[2]}
        for side, found in (("new", new), ("baseline", baseline))
    }


def limits(**overrides):
    found = {"max_error_rate": None, "max_error_rate_ratio": None, "max_latency_p99_ratio": None, "min_requests": 100}
    found.update(overrides)
    return found


ALL = {"max_error_rate": 0.01, "max_error_rate_ratio": 2.0, "max_latency_p99_ratio": 1.5}

# (case, values, thresholds, verdict, {check: passed}, a reason of the verdict)
METRIC_CASES = [
    (
        "healthy",
        values(),
        limits(**ALL),
        "pass",
        {"requests": True, "error_rate": True, "error_rate_ratio": True, "latency_p99_ratio": True},
        "error rate of the new colour is 0.50% (5 of 1000 requests), within max_error_rate 1.00%",
    ),
    (
        "error rate above max_error_rate",
        values(new=(1000, 20, 0.2), baseline=(1000, 15, 0.2)),
        limits(max_error_rate=0.01, max_error_rate_ratio=2.0),
        "fail",
        {"requests": True, "error_rate": False, "error_rate_ratio": True},
        "error rate of the new colour is 2.00% (20 of 1000 requests), above max_error_rate 1.00%",
    ),
    (
        "error rate 5 times the baseline's",
        values(new=(500, 25, 0.2), baseline=(4500, 45, 0.2)),
        limits(max_error_rate=0.1, max_error_rate_ratio=2.0),
        "fail",
        {"requests": True, "error_rate": True, "error_rate_ratio": False},
        "error rate of the new colour is 5.00 times the baseline's (5.00% against 1.00%), above max_error_rate_ratio 2",
    ),
    (
        "error rate exactly at the ratio passes",
        values(new=(1000, 10, 0.2), baseline=(1000, 5, 0.2)),
        limits(max_error_rate=0.1, max_error_rate_ratio=2.0),
        "pass",
        {"requests": True, "error_rate": True, "error_rate_ratio": True},
        "error rate of the new colour is 2.00 times the baseline's (1.00% against 0.50%), within max_error_rate_ratio 2",
    ),
    (
        "at the ratio whatever the quotient's rounding (0.07 / 0.01 is 7.000000000000001)",
        values(new=(1000, 70, 0.2), baseline=(1000, 10, 0.2)),
        limits(max_error_rate=0.1, max_error_rate_ratio=7.0),
        "pass",
        {"requests": True, "error_rate": True, "error_rate_ratio": True},
        "error rate of the new colour is 7.00 times the baseline's (7.00% against 1.00%), within max_error_rate_ratio 7",
    ),
    (
        "p99 latency 2 times the baseline's",
        values(new=(1000, 0, 0.4), baseline=(1000, 0, 0.2)),
        limits(max_latency_p99_ratio=1.5),
        "fail",
        {"requests": True, "latency_p99_ratio": False},
        "p99 response time of the new colour is 2.00 times the baseline's (0.400 s against 0.200 s), above "
        "max_latency_p99_ratio 1.5",
    ),
    (
        "baseline without errors: the ratio defers to max_error_rate, which passes",
        values(new=(1000, 5, 0.2), baseline=(1000, 0, 0.2)),
        limits(max_error_rate=0.01, max_error_rate_ratio=2.0),
        "pass",
        {"requests": True, "error_rate": True, "error_rate_ratio": True},
        "the baseline had no errors, so there is no ratio: the new colour's error rate (0.50%) is judged against "
        "max_error_rate alone",
    ),
    (
        "baseline without errors: the ratio defers to max_error_rate, which fails",
        values(new=(1000, 50, 0.2), baseline=(1000, 0, 0.2)),
        limits(max_error_rate=0.01, max_error_rate_ratio=2.0),
        "fail",
        {"requests": True, "error_rate": False, "error_rate_ratio": True},
        "error rate of the new colour is 5.00% (50 of 1000 requests), above max_error_rate 1.00%",
    ),
    (
        "too few requests of the new colour",
        values(new=(40, 10, 0.2)),
        limits(**ALL),
        "inconclusive",
        {"requests": False, "error_rate": None, "error_rate_ratio": None, "latency_p99_ratio": None},
        "too few requests to judge the new colour: 40 in the window, fewer than min_requests 100",
    ),
    (
        "too few requests of the baseline for a ratio",
        values(baseline=(30, 0, 0.2)),
        limits(**ALL),
        "inconclusive",
        {"requests": False, "error_rate": True, "error_rate_ratio": None, "latency_p99_ratio": None},
        "too few requests to compare with the baseline: 30 in the window, fewer than min_requests 100",
    ),
    (
        "too few requests of the baseline, but max_error_rate fails",
        values(new=(1000, 50, 0.2), baseline=(30, 0, 0.2)),
        limits(**ALL),
        "fail",
        {"requests": False, "error_rate": False, "error_rate_ratio": None, "latency_p99_ratio": None},
        "error rate of the new colour is 5.00% (50 of 1000 requests), above max_error_rate 1.00%",
    ),
    (
        "a baseline without traffic does not matter without a ratio",
        values(baseline=(0, 0, None)),
        limits(max_error_rate=0.01),
        "pass",
        {"requests": True, "error_rate": True},
        "the new colour served 1000 requests in the window, at least min_requests 100",
    ),
    (
        "no requests at all with min_requests 0",
        values(new=(0, 0, None)),
        limits(max_error_rate=0.01, min_requests=0),
        "inconclusive",
        {"requests": False, "error_rate": None},
        "too few requests to judge the new colour: 0 in the window, fewer than min_requests 0",
    ),
    (
        "no p99 of the baseline",
        values(baseline=(1000, 5, None)),
        limits(max_latency_p99_ratio=1.5),
        "inconclusive",
        {"requests": True, "latency_p99_ratio": None},
        "no p99 response time (TargetResponseTime) of the baseline in the window",
    ),
]


@pytest.mark.parametrize(
    ("found", "thresholds", "verdict", "passed", "reason"),
    [case[1:] for case in METRIC_CASES],
    ids=[case[0] for case in METRIC_CASES],
)
def test_judge_metrics(found, thresholds, verdict, passed, reason):
    result = gate.judge_metrics(found, thresholds)
    assert result["verdict"] == verdict
    assert {key: entry["passed"] for key, entry in result["metrics"].items()} == passed
    assert reason in gate.judgement(None, result)["reasons"]


def test_the_evidence_of_each_metric_is_new_baseline_threshold_and_passed():
    result = gate.judge_metrics(values(new=(500, 25, 0.45), baseline=(4500, 45, 0.3)), limits(**ALL))
    assert result["metrics"] == {
        "requests": {"new": 500, "baseline": 4500, "threshold": 100, "passed": True},
        "error_rate": {"new": 0.05, "baseline": 0.01, "threshold": 0.01, "passed": False},
        "error_rate_ratio": {"new": 0.05, "baseline": 0.01, "ratio": 5.0, "threshold": 2.0, "passed": False},
        "latency_p99_ratio": {"new": 0.45, "baseline": 0.3, "ratio": 1.5, "threshold": 1.5, "passed": True},
    }
    assert gate.judgement(None, result)["reasons"] == [
        "error rate of the new colour is 5.00% (25 of 500 requests), above max_error_rate 1.00%",
        "error rate of the new colour is 5.00 times the baseline's (5.00% against 1.00%), above max_error_rate_ratio 2",
    ]


# ---------------------------------------------------------------------------------------------------------------
# verdict and judgement


def result(verdict):
    return {"verdict": verdict, "findings": [{"verdict": verdict, "reason": verdict}], "alarms": [], "metrics": {}}


@pytest.mark.parametrize(
    ("alarms", "metrics", "expected"),
    [
        ("pass", "pass", "pass"),
        ("pass", "inconclusive", "inconclusive"),
        ("fail", "inconclusive", "fail"),
        ("inconclusive", "fail", "fail"),
        ("pass", None, "pass"),
        (None, "inconclusive", "inconclusive"),
        ("fail", None, "fail"),
        (None, None, "inconclusive"),
    ],
)
def test_fail_beats_inconclusive_beats_pass(alarms, metrics, expected):
    found = [result(item) if item else None for item in (alarms, metrics)]
    assert gate.verdict(*found) == expected
    assert gate.judgement(*found)["verdict"] == expected


def test_the_reasons_are_those_of_the_verdict():
    alarms = gate.judge_alarms([alarm("shop-5xx", "ALARM")], ["shop-5xx"])
    metrics = gate.judge_metrics(values(new=(40, 0, 0.2)), limits(**ALL))
    found = gate.judgement(alarms, metrics)
    assert found["verdict"] == "fail"
    assert found["reasons"] == ["alarm 'shop-5xx' is in ALARM since 2026-12-08T10:04:00+00:00: Threshold Crossed"]
    assert found["alarms"][0]["state"] == "ALARM"
    assert found["metrics"]["requests"]["passed"] is False


# ---------------------------------------------------------------------------------------------------------------
# observe


class Clock:
    """A clock that moves only when slept on, or by ``cost`` seconds at each check."""

    def __init__(self, cost=0):
        self.now = 1000.0
        self.cost = cost
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def checker(clock, verdicts):
    """evaluate(): the next of ``verdicts`` (the last one again when they run out), noting when it was asked."""
    asked = []

    def evaluate():
        asked.append(clock.now - 1000.0)
        clock.now += clock.cost
        return {"verdict": verdicts[min(len(asked), len(verdicts)) - 1]}

    return evaluate, asked


@pytest.mark.parametrize(
    ("bake", "poll", "offsets"),
    [
        (0, 60, [0]),
        (10, 5, [0, 5, 10]),
        (10, 4, [0, 4, 8, 10]),
        (30, 60, [0, 30]),
        (1, 1, [0, 1]),
    ],
)
def test_the_checks_run_at_the_start_every_poll_interval_and_at_the_end(bake, poll, offsets):
    assert gate.check_offsets(bake, poll) == offsets
    clock = Clock()
    evaluate, asked = checker(clock, ["pass"])
    found, checks = gate.observe(evaluate, bake, poll, clock, clock.sleep)
    assert (found, checks, asked) == ({"verdict": "pass"}, len(offsets), offsets)


def test_a_bake_stops_at_the_first_fail():
    clock = Clock()
    evaluate, asked = checker(clock, ["pass", "inconclusive", "fail", "pass"])
    found, checks = gate.observe(evaluate, 600, 60, clock, clock.sleep)
    assert (found["verdict"], checks, asked) == ("fail", 3, [0, 60, 120])


def test_the_last_check_wins_when_none_fails():
    clock = Clock()
    evaluate, asked = checker(clock, ["inconclusive", "inconclusive", "pass"])
    found, checks = gate.observe(evaluate, 120, 60, clock, clock.sleep)
    assert (found["verdict"], checks) == ("pass", 3)
    clock = Clock()
    evaluate, asked = checker(clock, ["pass", "inconclusive"])
    assert gate.observe(evaluate, 60, 60, clock, clock.sleep)[0]["verdict"] == "inconclusive"


def test_a_slow_check_keeps_the_times_of_the_others():
    clock = Clock(cost=25)
    evaluate, asked = checker(clock, ["pass"])
    found, checks = gate.observe(evaluate, 120, 60, clock, clock.sleep)
    assert (checks, asked, clock.slept) == (3, [0, 60, 120], [35, 35])


def test_a_check_slower_than_the_interval_runs_the_next_at_once():
    clock = Clock(cost=90)
    evaluate, asked = checker(clock, ["pass"])
    assert gate.observe(evaluate, 120, 60, clock, clock.sleep)[1] == 3
    assert (asked, clock.slept) == ([0, 90, 180], [])


def test_no_bake_checks_once_without_sleeping():
    clock = Clock()
    evaluate, asked = checker(clock, ["fail"])
    assert gate.observe(evaluate, 0, 60, clock, clock.sleep)[1] == 1
    assert clock.slept == []
