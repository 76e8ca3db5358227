#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: release_gate
version_added: 0.3.0
short_description: Judge a release by CloudWatch alarms and by its load balancer's metrics against the old colour
description:
  - Reads, and changes nothing. Judges the new colour of a release by CloudWatch alarms (O(alarms)) and by the load
    balancer's own metrics (O(metric_checks)), which compare the new colour with the old one, the baseline, over the
    same minutes. Returns the verdict, V(pass), V(fail) or V(inconclusive), with the evidence.
  - An alarm in C(ALARM) fails the gate. C(OK) and C(INSUFFICIENT_DATA) do not, as CodeDeploy and EC2 instance
    refreshes judge them.
  - The metric checks read C(RequestCount), C(HTTPCode_Target_5XX_Count) and the 99th percentile of
    C(TargetResponseTime) of the namespace C(AWS/ApplicationELB), for each colour over the last O(window) seconds of
    whole minutes. Per target group, O(target_group) and O(baseline_target_group) both behind O(load_balancer), as
    the strategy C(alb) has them, where both colours serve at once during a canary; or per load balancer,
    O(load_balancer) and O(baseline_load_balancer), as the strategy C(route53) has them.
  - The new colour fails when its error rate (5XX answers of the targets per request) is above
    O(metric_checks.max_error_rate), or above O(metric_checks.max_error_rate_ratio) times the baseline's, or when its
    p99 response time is above O(metric_checks.max_latency_p99_ratio) times the baseline's. A baseline without errors
    gives no ratio; then the ratio check passes, and O(metric_checks.max_error_rate) alone judges the new colour's
    error rate.
  - The verdict is V(inconclusive) when the new colour served fewer than O(metric_checks.min_requests) requests in the
    window, or, for a ratio check, the baseline did. What that means is the caller's to decide.
  - With O(bake_seconds), the gate observes. It checks at once, every O(poll_interval) seconds and at the end of the
    bake, and stops at the first V(fail). The last check's result is returned.
  - A verdict of V(fail) does not fail the module; bad input does, before anything is read from CloudWatch (an unknown
    alarm name after the one read that tells). Act on RV(verdict), as the examples do.
author:
  - Teal Ops (@teal-ops)
options:
  alarms:
    description:
      - Names of CloudWatch alarms, metric or composite, in the module's region; at most 100, read in one
        C(DescribeAlarms) call per check.
      - A name that no alarm has fails the module, and nothing is judged.
    type: list
    elements: str
    default: []
  metric_checks:
    description:
      - The thresholds of the metric checks. At least one of O(metric_checks.max_error_rate),
        O(metric_checks.max_error_rate_ratio) and O(metric_checks.max_latency_p99_ratio); an unknown key, or a value
        out of range, fails the module before anything is read.
      - Needs O(load_balancer), and either O(target_group) with O(baseline_target_group), or
        O(baseline_load_balancer).
      - All the metrics of a check are read in one C(GetMetricData) call.
    type: dict
    suboptions:
      max_error_rate:
        description:
          - The highest error rate the new colour may have, a share of its requests from V(0) to V(1) (V(0.01) is 1%).
          - Required with O(metric_checks.max_error_rate_ratio).
        type: float
      max_error_rate_ratio:
        description:
          - How many times the baseline's error rate the new colour's may be, above V(0) (V(2.0) is twice).
          - Against a baseline without errors the check passes, and O(metric_checks.max_error_rate) judges alone.
        type: float
      max_latency_p99_ratio:
        description: How many times the baseline's p99 response time the new colour's may be, above V(0).
        type: float
      min_requests:
        description:
          - The fewest requests each colour must have served in the window for a verdict (the baseline only for a
            ratio check), V(0) or more; with fewer, the verdict is V(inconclusive). Either colour needs at least one
            request whatever this says.
        type: int
        default: 100
  load_balancer:
    description:
      - Name or ARN of the application load balancer whose metrics judge the new colour. With O(target_group), the
        load balancer in front of both colours' target groups; with O(baseline_load_balancer), the new colour's own.
      - Required with O(metric_checks), and read only for them.
    type: str
  target_group:
    description:
      - Name or ARN of the new colour's target group, behind O(load_balancer), for per-target-group metric checks.
      - Requires O(baseline_target_group); mutually exclusive with O(baseline_load_balancer).
    type: str
  baseline_target_group:
    description: Name or ARN of the old colour's target group, behind O(load_balancer), which the new colour is judged
      against.
    type: str
  baseline_load_balancer:
    description:
      - Name or ARN of the old colour's application load balancer, for per-load-balancer metric checks (a load
        balancer per colour, as the strategy C(route53) has them).
      - Mutually exclusive with O(target_group) and O(baseline_target_group).
    type: str
  window:
    description:
      - Seconds of metrics each check judges, the last whole minutes before it; a multiple of V(60), from V(60) to
        V(3600). Both colours are read over the same minutes.
    type: int
    default: 300
  bake_seconds:
    description:
      - How long the gate observes. V(0) checks once; more checks at once, every O(poll_interval) seconds and at the
        end, stopping at the first V(fail). From V(0) to V(86400).
    type: int
    default: 0
  poll_interval:
    description: Seconds between the checks of a bake, from V(1) to V(3600).
    type: int
    default: 60
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Runs the same as without check mode, bake included, since it only reads.
  diff_mode:
    support: none
    description: Nothing changes, so there is no difference to show.
notes:
  - Needs C(cloudwatch:DescribeAlarms) with O(alarms) and C(cloudwatch:GetMetricData) with O(metric_checks);
    C(elasticloadbalancing:DescribeLoadBalancers), and with O(target_group) C(DescribeTargetGroups), once per run.
    C(GetMetricData) allows no resource-level permissions; C(DescribeAlarms) returns composite alarms only to a
    permission on C(*) (docs/gates.md in the collection).
  - Each check makes one C(DescribeAlarms) and one C(GetMetricData) call, as far as they are asked for.
  - The load balancer reports its metrics a minute at a time, and only for minutes with requests (with errors, for
    C(HTTPCode_Target_5XX_Count)); a minute without is counted as none.
"""

EXAMPLES = r"""
- name: Stop unless the shop's alarms are quiet
  teal.bluegreen.release_gate:
    alarms:
      - shop-5xx
      - shop-latency
  register: gate
  failed_when: gate.verdict == "fail"

- name: Judge the canary of green against blue over the last five minutes, on one ALB (strategy alb)
  teal.bluegreen.release_gate:
    alarms: [shop-5xx]
    metric_checks:
      max_error_rate: 0.01
      max_error_rate_ratio: 2.0
      max_latency_p99_ratio: 1.5
      min_requests: 100
    load_balancer: shop-alb
    target_group: shop-green
    baseline_target_group: shop-blue
  register: canary_gate

- name: Move the traffic back to blue when the canary failed
  teal.bluegreen.alb_swap:
    load_balancer: shop-alb
    target_groups:
      blue: shop-blue
      green: shop-green
    live_color: blue
  when: canary_gate.verdict == "fail"

- name: Observe green for ten minutes, a check a minute, and stop at the first breach (strategy route53)
  teal.bluegreen.release_gate:
    metric_checks:
      max_error_rate: 0.02
      max_error_rate_ratio: 3
    load_balancer: shop-green
    baseline_load_balancer: shop-blue
    bake_seconds: 600
    poll_interval: 60
  register: bake

- name: Say why the bake did not pass
  ansible.builtin.fail:
    msg: "{{ bake.verdict }} after {{ bake.checks }} checks: {{ bake.reasons | join('; ') }}"
  when: bake.verdict != "pass"
"""

RETURN = r"""
verdict:
  description:
    - V(fail) when an alarm is in C(ALARM) or a metric check failed, else V(inconclusive) when a metric check could
      not be judged (too few requests), else V(pass); of the last check run.
  returned: always
  type: str
  sample: fail
checks:
  description: How many checks ran; fewer than a whole bake's when one failed.
  returned: always
  type: int
  sample: 3
alarms:
  description:
    - Each alarm of O(alarms), as the last check read it. C(type) is V(metric) or V(composite), C(reason) the state's
      reason as CloudWatch gave it, C(updated) when the state last changed.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "shop-5xx", "type": "metric", "state": "ALARM", "reason": "Threshold Crossed: 1 datapoint [12.0]",
            "updated": "2026-12-08T10:04:00.123000+00:00"}]
metrics:
  description:
    - The evidence of the metric checks of the last check, by check. C(requests) is always there; C(error_rate),
      C(error_rate_ratio) and C(latency_p99_ratio) when their threshold is set.
    - In each, C(new) and C(baseline) are the colours' values (requests; error rates as a share of the requests;
      p99 response times in seconds), C(threshold) the threshold, C(ratio) the new colour's value over the
      baseline's, and C(passed) whether the check passed, null when it could not be judged.
  returned: always
  type: dict
  sample: {"requests": {"new": 500, "baseline": 4500, "threshold": 100, "passed": true},
           "error_rate": {"new": 0.05, "baseline": 0.01, "threshold": 0.01, "passed": false},
           "error_rate_ratio": {"new": 0.05, "baseline": 0.01, "ratio": 5.0, "threshold": 2.0, "passed": false}}
reasons:
  description:
    - Why the verdict is what it is, one sentence a check, naming the gate, the value and the threshold; for a V(fail)
      the checks that failed, for an V(inconclusive) those that could not be judged, for a V(pass) every check.
  returned: always
  type: list
  elements: str
  sample: ["error rate of the new colour is 5.00% (25 of 500 requests), above max_error_rate 1.00%"]
window:
  description: The minutes the last check judged (ISO 8601, UTC; the end excluded) and their length in seconds.
  returned: when O(metric_checks) is given
  type: dict
  sample: {"start": "2026-12-08T10:00:00+00:00", "end": "2026-12-08T10:05:00+00:00", "seconds": 300}
compared:
  description:
    - What the metric checks compare, C(new) and C(baseline); each with its C(load_balancer), its C(target_group) in
      per-target-group checks, and the C(dimensions) of C(AWS/ApplicationELB) read.
  returned: when O(metric_checks) is given
  type: dict
  sample: {"new": {"load_balancer": "shop-alb", "target_group": "shop-green",
                   "dimensions": {"LoadBalancer": "app/shop-alb/50dc6c495c0c9188",
                                  "TargetGroup": "targetgroup/shop-green/73e2d6bc24d8a067"}},
           "baseline": {"load_balancer": "shop-alb", "target_group": "shop-blue",
                        "dimensions": {"LoadBalancer": "app/shop-alb/50dc6c495c0c9188",
                                       "TargetGroup": "targetgroup/shop-blue/943f017f100becff"}}}
"""

import time
from datetime import datetime
from datetime import timezone

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.teal.bluegreen.plugins.module_utils import gate
from ansible_collections.teal.bluegreen.plugins.module_utils._cloudwatch import alarms as alarms_api
from ansible_collections.teal.bluegreen.plugins.module_utils._cloudwatch import metrics as metrics_api
from ansible_collections.teal.bluegreen.plugins.module_utils.discovery import find_compared_load_balancers
from ansible_collections.teal.bluegreen.plugins.module_utils.discovery import find_compared_target_groups
from ansible_collections.teal.bluegreen.plugins.module_utils.discovery import find_load_balancer
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import BlueGreenError
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import Clients
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import run_module


def check_application(balancer, option):
    """Only application load balancers report AWS/ApplicationELB metrics."""
    if balancer.get("Type", "application") != "application":
        raise BlueGreenError(
            f"load balancer {balancer['LoadBalancerName']!r} ({option}) is a {balancer['Type']} load balancer; the "
            "metric checks read the AWS/ApplicationELB metrics of application load balancers"
        )


def read_by_load_balancer(elbv2, params):
    """What per-load-balancer checks compare: each colour's load balancer."""
    found = find_compared_load_balancers(elbv2, params["load_balancer"], params["baseline_load_balancer"])
    for side, option in (("new", "load_balancer"), ("baseline", "baseline_load_balancer")):
        check_application(found[side], option)
    return {
        side: {
            "load_balancer": balancer["LoadBalancerName"],
            "dimensions": gate.dimensions(balancer["LoadBalancerArn"]),
        }
        for side, balancer in found.items()
    }


def read_by_target_group(elbv2, params):
    """What per-target-group checks compare: each colour's target group, behind the one load balancer."""
    balancer = find_load_balancer(elbv2, params["load_balancer"])
    check_application(balancer, "load_balancer")
    found = find_compared_target_groups(elbv2, params["target_group"], params["baseline_target_group"])
    for side, option in (("new", "target_group"), ("baseline", "baseline_target_group")):
        if balancer["LoadBalancerArn"] not in found[side].get("LoadBalancerArns", []):
            raise BlueGreenError(
                f"no listener of load balancer {balancer['LoadBalancerName']!r} forwards to target group "
                f"{found[side]['TargetGroupName']!r} ({option}), so it has no metrics there; give the target groups "
                "the load balancer forwards to (during a canary, both colours')"
            )
    return {
        side: {
            "load_balancer": balancer["LoadBalancerName"],
            "target_group": group["TargetGroupName"],
            "dimensions": gate.dimensions(balancer["LoadBalancerArn"], group["TargetGroupArn"]),
        }
        for side, group in found.items()
    }


def read_compared(clients, params):
    """What the metric checks compare, new colour and baseline, or None without metric checks."""
    if params["metric_checks"] is None:
        return None
    if params["baseline_load_balancer"]:
        return read_by_load_balancer(clients("elbv2"), params)
    return read_by_target_group(clients("elbv2"), params)


def evaluate(cloudwatch, params, names, compared, limits):
    """One check: the alarms read and judged, the metrics read and judged, and the judgement of both."""
    alarm_result = metric_result = window = None
    if names:
        try:
            alarm_result = gate.judge_alarms(alarms_api.describe_alarms(cloudwatch, names), names)
        except gate.GateInputError as e:
            raise BlueGreenError(str(e)) from None
    if compared:
        start, end = gate.window_bounds(datetime.now(timezone.utc), params["window"])
        queries = gate.metric_queries(
            compared["new"]["dimensions"], compared["baseline"]["dimensions"], params["window"]
        )
        series = metrics_api.get_metric_data(cloudwatch, queries, start, end)
        metric_result = gate.judge_metrics(gate.metric_values(series), limits)
        window = {"start": start.isoformat(), "end": end.isoformat(), "seconds": params["window"]}
    result = gate.judgement(alarm_result, metric_result)
    result["window"] = window
    return result


def report(result, checks, compared):
    """The module's result: the last check's judgement, how many checks ran and what the metric checks compared."""
    found = {key: result[key] for key in ("verdict", "alarms", "metrics", "reasons")}
    found["checks"] = checks
    if compared:
        found.update(window=result["window"], compared=compared)
    return found


def do(module):
    params = module.params
    clients = Clients(module)
    compared = read_compared(clients, params)
    limits = gate.thresholds(params["metric_checks"]) if compared else None
    # Each name once, in the order given: DescribeAlarms answers each alarm once.
    names = list(dict.fromkeys(params["alarms"]))
    cloudwatch = clients("cloudwatch")

    def check():
        return evaluate(cloudwatch, params, names, compared, limits)

    result, checks = gate.observe(check, params["bake_seconds"], params["poll_interval"], time.monotonic, time.sleep)
    module.exit_json(changed=False, **report(result, checks, compared))


def main():
    argument_spec = dict(
        alarms=dict(type="list", elements="str", default=[]),
        metric_checks=dict(
            type="dict",
            options=dict(
                max_error_rate=dict(type="float"),
                max_error_rate_ratio=dict(type="float"),
                max_latency_p99_ratio=dict(type="float"),
                min_requests=dict(type="int", default=gate.DEFAULT_MIN_REQUESTS),
            ),
        ),
        load_balancer=dict(type="str"),
        target_group=dict(type="str"),
        baseline_target_group=dict(type="str"),
        baseline_load_balancer=dict(type="str"),
        window=dict(type="int", default=300),
        bake_seconds=dict(type="int", default=0),
        poll_interval=dict(type="int", default=60),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)

    problems = gate.check_options(module.params)
    if problems:
        module.fail_json(msg="; ".join(problems))
    run_module(module, do)


if __name__ == "__main__":
    main()
