# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What M(teal.bluegreen.release_gate) judges, and how: its options checked, the load balancer's metric queries for the
new colour and the baseline, the verdicts of the alarms and of the metrics, and the observation period that repeats
them.

Plain data in, plain data out: no boto3, no module. The verdicts rank ``fail`` above ``inconclusive`` above ``pass``;
each judge returns its verdict, its evidence and its findings (a verdict and a sentence each), and the sentences of
the findings that decide the overall verdict become its reasons.
"""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta

from .bounds import BOUNDS

# In rank order: the highest found is the verdict.
VERDICTS = ("pass", "inconclusive", "fail")
NAMESPACE = "AWS/ApplicationELB"
# (key of the evidence, metric of AWS/ApplicationELB, statistic): requests and 5XX answers of the targets are counted,
# the targets' response time is read as its 99th percentile, in seconds.
METRICS = (
    ("requests", "RequestCount", "Sum"),
    ("errors", "HTTPCode_Target_5XX_Count", "Sum"),
    ("p99", "TargetResponseTime", "p99"),
)
RATIO_THRESHOLDS = ("max_error_rate_ratio", "max_latency_p99_ratio")
THRESHOLDS = ("max_error_rate",) + RATIO_THRESHOLDS
DEFAULT_MIN_REQUESTS = 100
# DescribeAlarms takes at most 100 names, so one call reads them all.
MAX_ALARMS = 100
# The options that name what the metric checks read.
METRIC_OPTIONS = ("load_balancer", "target_group", "baseline_target_group", "baseline_load_balancer")


class GateInputError(ValueError):
    """Input the gate cannot judge, found only once AWS answered (an alarm that does not exist)."""


# ---------------------------------------------------------------------------------------------------------------
# The options.


def _number(value):
    """``value`` as a float when it is a number or a string of one (a templated value is a string), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _range_problems(params):
    problems = []
    window = params.get("window")
    low, high = BOUNDS["window"]
    if window is not None and not low <= window <= high:
        problems.append(f"window {window} is out of range; use {low} to {high} seconds, a multiple of 60")
    elif window is not None and window % 60:
        problems.append(
            f"window {window} is not a whole number of minutes; use a multiple of 60 (the load balancer's metrics "
            "come a minute at a time)"
        )
    for option in ("bake_seconds", "poll_interval"):
        value = params.get(option)
        low, high = BOUNDS[option]
        if value is not None and not low <= value <= high:
            problems.append(f"{option} {value} is out of range; use {low} to {high}")
    return problems


def threshold_problems(checks):
    """What is wrong with the thresholds of ``metric_checks``: one sentence each, naming the value and the fix."""
    if not isinstance(checks, dict):
        return [f"metric_checks {checks!r} is not a dict; give thresholds such as {{max_error_rate: 0.01}}"]
    known = THRESHOLDS + ("min_requests",)
    problems = [
        f"metric_checks has an unknown key {key!r}; use {', '.join(known[:-1])} or {known[-1]}"
        for key in checks
        if key not in known
    ]
    if not any(checks.get(key) is not None for key in THRESHOLDS):
        problems.append(
            "metric_checks sets no threshold; give max_error_rate, max_error_rate_ratio or max_latency_p99_ratio"
        )
    rate = checks.get("max_error_rate")
    if rate is not None and (_number(rate) is None or not 0 <= _number(rate) <= 1):
        problems.append(
            f"metric_checks.max_error_rate {rate!r} is out of range; use 0 to 1, a share of the requests (0.01 is 1%)"
        )
    for key in RATIO_THRESHOLDS:
        value = checks.get(key)
        if value is not None and (_number(value) is None or _number(value) <= 0):
            problems.append(
                f"metric_checks.{key} {value!r} is out of range; use a number above 0, how many times the baseline's "
                "value the new colour may reach (2.0: twice)"
            )
    if checks.get("max_error_rate_ratio") is not None and rate is None:
        problems.append(
            "metric_checks.max_error_rate_ratio needs max_error_rate too: against a baseline without errors there is "
            "no ratio, and the new colour's error rate is then judged against max_error_rate alone; add it"
        )
    minimum = checks.get("min_requests")
    low, high = BOUNDS["metric_checks.min_requests"]
    if minimum is not None:
        number = _number(minimum)
        if number is None or not low <= number <= high or number != int(number):
            problems.append(
                f"metric_checks.min_requests {minimum!r} is out of range; use a whole number, {low} to {high}"
            )
    return problems


def _metric_option_problems(params):
    given = [option for option in METRIC_OPTIONS if params.get(option)]
    if params.get("metric_checks") is None:
        if given:
            return [
                f"{', '.join(given)} {'is' if len(given) == 1 else 'are'} read only for metric_checks; add "
                "metric_checks, or leave them out"
            ]
        return []
    problems = []
    if not params.get("load_balancer"):
        problems.append(
            "metric_checks needs load_balancer, whose AWS/ApplicationELB metrics judge the new colour; give its name "
            "or ARN"
        )
    by_group = bool(params.get("target_group") or params.get("baseline_target_group"))
    by_balancer = bool(params.get("baseline_load_balancer"))
    if by_group and by_balancer:
        problems.append(
            "give target_group and baseline_target_group (both colours behind load_balancer, strategy alb) or "
            "baseline_load_balancer (a load balancer per colour, strategy route53), not both"
        )
    elif by_group:
        for option, other in (("target_group", "baseline_target_group"), ("baseline_target_group", "target_group")):
            if params.get(option) and not params.get(other):
                problems.append(f"{option} needs {other}: the new colour is judged against the old one; give both")
    elif not by_balancer:
        problems.append(
            "metric_checks needs a baseline to compare with: target_group and baseline_target_group (both colours "
            "behind load_balancer, strategy alb) or baseline_load_balancer (strategy route53)"
        )
    return problems


def check_options(params):
    """Every problem with the options of release_gate, before anything is read: one sentence each, naming the value and
    what to do. ``params`` holds the module's options."""
    problems = _range_problems(params)
    alarms = params.get("alarms") or []
    if not alarms and params.get("metric_checks") is None:
        problems.append("nothing to judge: give alarms, metric_checks or both")
    if len(alarms) > MAX_ALARMS:
        problems.append(f"alarms holds {len(alarms)} names; give at most {MAX_ALARMS}, what one DescribeAlarms reads")
    if any(not str(name).strip() for name in alarms):
        problems.append("alarms holds an empty name; give the names of CloudWatch alarms")
    if params.get("metric_checks") is not None:
        problems += threshold_problems(params["metric_checks"])
    problems += _metric_option_problems(params)
    return problems


def thresholds(checks):
    """The thresholds of ``metric_checks`` (checked by threshold_problems) as numbers; min_requests defaults to
    DEFAULT_MIN_REQUESTS, an unset threshold is None."""
    found = {key: _number(checks.get(key)) for key in THRESHOLDS}
    minimum = checks.get("min_requests")
    found["min_requests"] = DEFAULT_MIN_REQUESTS if minimum is None else int(_number(minimum))
    return found


# ---------------------------------------------------------------------------------------------------------------
# The metric queries.


def _arn_resource(arn):
    return arn.split(":", 5)[5]


def dimensions(load_balancer_arn, target_group_arn=None):
    """The dimensions of AWS/ApplicationELB that name a load balancer (``LoadBalancer=app/<name>/<id>``), or a target
    group behind it (and ``TargetGroup=targetgroup/<name>/<id>``): the ends of their ARNs."""
    found = {"LoadBalancer": _arn_resource(load_balancer_arn).split("/", 1)[1]}
    if target_group_arn:
        found["TargetGroup"] = _arn_resource(target_group_arn)
    return found


def metric_queries(new, baseline, window):
    """The MetricDataQueries of one GetMetricData: requests, 5XX answers of the targets and p99 response time, of the
    new colour and of the baseline (``new``, ``baseline``: their dimensions), one datapoint per ``window`` seconds.
    The ids are ``<side>_<key>``: new_requests, baseline_p99 and so on."""
    queries = []
    for side, found in (("new", new), ("baseline", baseline)):
        for key, metric, statistic in METRICS:
            queries.append(
                {
                    "Id": f"{side}_{key}",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": NAMESPACE,
                            "MetricName": metric,
                            "Dimensions": [{"Name": name, "Value": value} for name, value in sorted(found.items())],
                        },
                        "Period": window,
                        "Stat": statistic,
                    },
                    "ReturnData": True,
                }
            )
    return queries


def window_bounds(now, window):
    """(start, end) of the minutes a check judges: the ``window`` seconds that end with the last whole minute before
    ``now``. The load balancer reports a minute at a time, and both colours are read over the same minutes."""
    end = now.replace(second=0, microsecond=0)
    return end - timedelta(seconds=window), end


def _count(value):
    """A count as CloudWatch sums it (a float), as a whole number when it is one."""
    return int(value) if float(value).is_integer() else value


def metric_values(series):
    """Each side's requests, 5XX answers and p99 response time, from GetMetricData's values ({query id: [values]}).

    The load balancer reports nothing for a minute without requests, or without errors, so a missing count is 0 and a
    missing p99 None. Should the window come back as more than one datapoint, the counts are added up, and of the
    p99s the new colour's highest and the baseline's lowest are kept, which can only make the gate stricter.
    """
    values = {}
    for side, pick in (("new", max), ("baseline", min)):
        requests = _count(sum(series.get(f"{side}_requests") or []))
        errors = _count(sum(series.get(f"{side}_errors") or []))
        latencies = series.get(f"{side}_p99") or []
        values[side] = {"requests": requests, "errors": errors, "p99": pick(latencies) if latencies else None}
    return values


# ---------------------------------------------------------------------------------------------------------------
# The judges.


def _finding(outcome, reason):
    return {"verdict": outcome, "reason": reason}


def _worst(findings):
    return max((item["verdict"] for item in findings), key=VERDICTS.index, default="inconclusive")


def _moment(value):
    return value.isoformat() if isinstance(value, datetime) else value


def judge_alarms(alarms, names):
    """The verdict of the alarms ``names``, from their DescribeAlarms entries ``alarms`` (metric and composite): fail
    when any is in ALARM. OK and INSUFFICIENT_DATA pass, as CodeDeploy and instance refreshes judge them.

    Raises GateInputError naming the alarms AWS did not return: they do not exist.
    """
    found = {item["AlarmName"]: item for item in alarms}
    missing = [name for name in names if name not in found]
    if missing:
        raise GateInputError(
            f"alarm{'s' if len(missing) > 1 else ''} {', '.join(repr(name) for name in missing)} not found: no metric "
            "or composite alarm has that name in this account and region; check alarms"
        )
    evidence, findings = [], []
    for name in names:
        item = found[name]
        entry = {
            "name": name,
            "type": "composite" if "AlarmRule" in item else "metric",
            "state": item.get("StateValue"),
            "reason": item.get("StateReason", ""),
            "updated": _moment(item.get("StateUpdatedTimestamp")),
        }
        evidence.append(entry)
        if entry["state"] == "ALARM":
            findings.append(_finding("fail", f"alarm {name!r} is in ALARM since {entry['updated']}: {entry['reason']}"))
        elif entry["state"] == "OK":
            findings.append(_finding("pass", f"alarm {name!r} is OK"))
        else:
            findings.append(
                _finding("pass", f"alarm {name!r} is {entry['state']}, which does not stop a release (ALARM does)")
            )
    return {"verdict": _worst(findings), "alarms": evidence, "findings": findings}


def _rate(side):
    return side["errors"] / side["requests"] if side["requests"] else None


def _percent(value):
    return f"{100 * value:.2f}%"


def _within(ratio, limit):
    """Whether ``ratio`` is at most ``limit``, a quotient's rounding error aside (0.03 / 0.01 is 2.9999999999999996)."""
    return round(ratio, 9) <= limit


def _rounded(value, places=6):
    return None if value is None else round(value, places)


def _requests(new, baseline, minimum, compares):
    """The evidence of the requests, whether each side has enough of them, and the findings."""
    enough = {side: values["requests"] >= max(minimum, 1) for side, values in (("new", new), ("baseline", baseline))}
    entry = {
        "new": new["requests"],
        "baseline": baseline["requests"],
        "threshold": minimum,
        "passed": enough["new"] and (enough["baseline"] or not compares),
    }
    findings = []
    if not enough["new"]:
        findings.append(
            _finding(
                "inconclusive",
                f"too few requests to judge the new colour: {new['requests']:g} in the window, fewer than "
                f"min_requests {minimum}",
            )
        )
    if compares and not enough["baseline"]:
        findings.append(
            _finding(
                "inconclusive",
                f"too few requests to compare with the baseline: {baseline['requests']:g} in the window, fewer than "
                f"min_requests {minimum}",
            )
        )
    if not findings:
        findings.append(
            _finding(
                "pass",
                f"the new colour served {new['requests']:g} requests in the window"
                + (f" and the baseline {baseline['requests']:g}" if compares else "")
                + f", at least min_requests {minimum}",
            )
        )
    return entry, enough, findings


def _error_rate(new, baseline, limit, enough):
    rate = _rate(new)
    entry = {"new": _rounded(rate), "baseline": _rounded(_rate(baseline)), "threshold": limit, "passed": None}
    if not enough["new"]:
        return entry, []
    entry["passed"] = rate <= limit
    words = "above" if rate > limit else "within"
    sentence = (
        f"error rate of the new colour is {_percent(rate)} ({new['errors']:g} of {new['requests']:g} requests), "
        f"{words} max_error_rate {_percent(limit)}"
    )
    return entry, [_finding("pass" if entry["passed"] else "fail", sentence)]


def _ratio_entry(new, baseline, limit):
    """The evidence of a ratio check, not judged yet: the colours' values, no ratio, the threshold."""
    return {"new": _rounded(new), "baseline": _rounded(baseline), "ratio": None, "threshold": limit, "passed": None}


def _judge_ratio(entry, ratio, threshold, limit, sentence):
    """``entry`` judged by ``ratio`` against ``limit``, with its finding: ``sentence`` says the ratio and the values,
    and is ended by whether that is above or within ``threshold``."""
    entry.update(ratio=_rounded(ratio, 4), passed=_within(ratio, limit))
    words = "within" if entry["passed"] else "above"
    return entry, [_finding("pass" if entry["passed"] else "fail", f"{sentence}, {words} {threshold} {limit:g}")]


def _error_rate_ratio(new, baseline, limit, enough):
    entry = _ratio_entry(_rate(new), _rate(baseline), limit)
    if not (enough["new"] and enough["baseline"]):
        return entry, []
    if not baseline["errors"]:
        entry["passed"] = True
        return entry, [
            _finding(
                "pass",
                f"the baseline had no errors, so there is no ratio: the new colour's error rate "
                f"({_percent(_rate(new))}) is judged against max_error_rate alone",
            )
        ]
    ratio = _rate(new) / _rate(baseline)
    return _judge_ratio(
        entry,
        ratio,
        "max_error_rate_ratio",
        limit,
        f"error rate of the new colour is {ratio:.2f} times the baseline's ({_percent(_rate(new))} against "
        f"{_percent(_rate(baseline))})",
    )


def _latency_ratio(new, baseline, limit, enough):
    entry = _ratio_entry(new["p99"], baseline["p99"], limit)
    if not (enough["new"] and enough["baseline"]):
        return entry, []
    # A baseline answering in no time at all gives no ratio either.
    missing = [
        name for name, value in (("new colour", new["p99"] is not None), ("baseline", baseline["p99"])) if not value
    ]
    if missing:
        return entry, [
            _finding(
                "inconclusive",
                f"no p99 response time (TargetResponseTime) of the {' nor the '.join(missing)} in the window",
            )
        ]
    ratio = new["p99"] / baseline["p99"]
    return _judge_ratio(
        entry,
        ratio,
        "max_latency_p99_ratio",
        limit,
        f"p99 response time of the new colour is {ratio:.2f} times the baseline's ({new['p99']:.3f} s against "
        f"{baseline['p99']:.3f} s)",
    )


def judge_metrics(values, limits):
    """The verdict of the metric checks, from ``values`` (metric_values) and ``limits`` (thresholds).

    fail: the new colour's error rate is above max_error_rate, or above max_error_rate_ratio times the baseline's, or
    its p99 response time above max_latency_p99_ratio times the baseline's. A baseline without errors gives no ratio:
    the ratio check passes, and max_error_rate alone judges the new colour's error rate.
    inconclusive: the new colour served fewer than min_requests requests (at least 1) in the window, or, for a ratio,
    the baseline did; a check that cannot be judged is not, and its ``passed`` is None.
    The evidence, per check: the new colour's value, the baseline's, the threshold and whether it passed.
    """
    new, baseline = values["new"], values["baseline"]
    compares = any(limits.get(key) is not None for key in RATIO_THRESHOLDS)
    requests, enough, findings = _requests(new, baseline, limits["min_requests"], compares)
    evidence = {"requests": requests}
    judges = (
        ("error_rate", "max_error_rate", _error_rate),
        ("error_rate_ratio", "max_error_rate_ratio", _error_rate_ratio),
        ("latency_p99_ratio", "max_latency_p99_ratio", _latency_ratio),
    )
    for key, threshold, judge in judges:
        if limits.get(threshold) is None:
            continue
        evidence[key], found = judge(new, baseline, limits[threshold], enough)
        findings += found
    return {"verdict": _worst(findings), "metrics": evidence, "findings": findings}


def verdict(alarm_result, metric_result):
    """The verdict of a check from its judges' (either None when not asked for): fail beats inconclusive beats pass."""
    return _worst([item for result in (alarm_result, metric_result) if result for item in result["findings"]])


def judgement(alarm_result, metric_result):
    """A check's verdict, the alarms' and the metrics' evidence, and the reasons for that verdict: the sentences of the
    findings that decide it (the failures of a fail, the open questions of an inconclusive, every check of a pass)."""
    overall = verdict(alarm_result, metric_result)
    findings = [item for result in (alarm_result, metric_result) if result for item in result["findings"]]
    return {
        "verdict": overall,
        "alarms": alarm_result["alarms"] if alarm_result else [],
        "metrics": metric_result["metrics"] if metric_result else {},
        "reasons": [item["reason"] for item in findings if item["verdict"] == overall],
    }


# ---------------------------------------------------------------------------------------------------------------
# The observation period.


def check_offsets(bake_seconds, poll_interval):
    """The seconds after the start at which the checks run: once at 0 without a bake, else 0, every poll_interval
    within the bake, and its end."""
    if bake_seconds <= 0:
        return [0]
    return list(range(0, bake_seconds, poll_interval)) + [bake_seconds]


def observe(evaluate, bake_seconds, poll_interval, clock, sleep):
    """Run the checks of check_offsets, ``evaluate()`` each, and stop at the first whose verdict is fail; the last
    check's result wins. Returns (that result, how many checks ran). ``clock`` and ``sleep`` are time.monotonic and
    time.sleep but for tests.

    This is an observation period, not a wait for a resource to reach a state: a botocore waiter polls one call until a
    success state, but here every check is judged, a passing one does not end the period and a failing one ends it
    early. So it is a loop of its own, with the times of its checks fixed from the start, however long each takes.
    """
    start = clock()
    result, checks = None, 0
    for offset in check_offsets(bake_seconds, poll_interval):
        pause = start + offset - clock()
        if pause > 0:
            sleep(pause)
        result = evaluate()
        checks += 1
        if result["verdict"] == "fail":
            break
    return result, checks
