# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Deploy, switch and clean of demo, again and again, with 30% of every AWS call throttled.

Every playbook must succeed every time, each deploy must create exactly one Auto Scaling group, and the
time throttling adds to each playbook must stay within ADDED_SECONDS_BOUND. The playbooks reach the
sandbox through tools/fault_proxy.py (bluegreen_aws_endpoint_url), first without faults for the baseline,
then with the throttling. BLUEGREEN_RELIABILITY_RUNS sets the number of throttled cycles (`make reliability`:
20); the figures go to tests/output/reliability/throttling.json and docs/reliability.md.
"""

from __future__ import annotations

import json
import os
import statistics
import time

import pytest

from conftest import ROOT

from .faults import fault_proxy as fp
from .sandbox_state import FAST
from .sandbox_state import PLAYBOOKS
from .sandbox_state import ansible_errors
from .sandbox_state import demo_state

RATE = 0.3
RUNS = int(os.environ.get("BLUEGREEN_RELIABILITY_RUNS") or 1)
BASELINE_RUNS = int(os.environ.get("BLUEGREEN_RELIABILITY_BASELINE_RUNS") or 2)
SEED = int(os.environ.get("BLUEGREEN_RELIABILITY_SEED") or 1)
CYCLE = ("deploy", "switch", "clean")
OUTPUT = ROOT / "tests" / "output" / "reliability"
# The most a playbook may take longer under 30% throttling than without, in seconds, on average over the
# runs and in the worst run (docs/reliability.md). Each throttled call costs botocore's backoff, and the
# calls AWSRetry retries after botocore gives up cost its jittered backoff on top.
ADDED_SECONDS_BOUND = {"mean": 30, "max": 90}


class Cycles:
    """Runs the cycle through the proxy and keeps what each playbook took and what the proxy injected."""

    def __init__(self, sandbox, proxy):
        self.sandbox = sandbox
        self.proxy = proxy
        self.seconds = {"baseline": {name: [] for name in CYCLE}, "throttled": {name: [] for name in CYCLE}}
        self.injected = {name: [] for name in CYCLE}
        self.calls = {name: [] for name in CYCLE}
        self.throttled_operations = {}
        self.failures = []
        self.cycle_seconds = []

    def playbook(self, name, **extra_vars):
        self.proxy.reset_stats()
        started = time.monotonic()
        done = self.sandbox.playbook(
            PLAYBOOKS / f"{name}.yml", extra_vars={**FAST, "bluegreen_aws_endpoint_url": self.proxy.url, **extra_vars}
        )
        return done, time.monotonic() - started, self.proxy.stats()

    def run(self, kind, index):
        started = time.monotonic()
        for name in CYCLE:
            groups = set(self.sandbox.groups())
            live = demo_state(self.sandbox)["live_color"]
            done, seconds, stats = self.playbook(name)
            if done.returncode != 0:
                log = OUTPUT / f"{kind}-{index}-{name}.log"
                log.write_text(done.stdout + done.stderr, encoding="utf-8")
                self.failures.append(
                    f"{kind} run {index}, {name}: {ansible_errors(done.stdout + done.stderr) or 'no error reported'} "
                    f"(log: {log})"
                )
                # A failed run must leave a state the same playbook converges from; the cycle goes on from there.
                again, _seconds, _stats = self.playbook(name, bluegreen_aws_endpoint_url=self.sandbox.endpoint)
                assert again.returncode == 0, f"{name} did not converge after a failure:\n{again.stdout}"
                continue
            self.seconds[kind][name].append(seconds)
            if kind == "throttled":
                self.injected[name].append(stats["totals"].get("throttle", 0))
                self.calls[name].append(stats["totals"]["requests"])
                for key, counters in stats["operations"].items():
                    self.throttled_operations[key] = self.throttled_operations.get(key, 0) + counters.get("throttle", 0)
            self.check(name, groups, live, stats)
        self.cycle_seconds.append(time.monotonic() - started)

    def check(self, name, groups_before, live_before, stats):
        groups = set(self.sandbox.groups())
        if name == "deploy":
            created = stats["operations"].get("autoscaling:CreateAutoScalingGroup", {})
            assert len(groups - groups_before) == 1 and len(groups) == 2, (groups_before, groups)
            assert created.get("forwarded", 0) - created.get("upstream_errors", 0) == 1, created
        elif name == "switch":
            state = demo_state(self.sandbox)
            assert state["live_color"] not in (None, live_before) and state["consistent"], state["reasons"]
        else:
            assert len(groups) == 1 and groups < groups_before, (groups_before, groups)
        self.sandbox.forget_old_targets()

    def report(self):
        def summary(values):
            return {"mean": round(statistics.mean(values), 1), "max": round(max(values), 1)} if values else None

        playbooks = {}
        for name in CYCLE:
            baseline = summary(self.seconds["baseline"][name])
            throttled = summary(self.seconds["throttled"][name])
            added = None
            if baseline and throttled:
                added = {key: round(throttled[key] - baseline["mean"], 1) for key in ("mean", "max")}
            playbooks[name] = {
                "baseline_seconds": baseline,
                "throttled_seconds": throttled,
                "added_seconds": added,
                "api_calls": summary(self.calls[name]),
                "throttles_injected": summary(self.injected[name]),
            }
        return {
            "rate": RATE,
            "runs": RUNS,
            "baseline_runs": BASELINE_RUNS,
            "seed": SEED,
            "succeeded": len(self.seconds["throttled"]["clean"]),
            "failures": self.failures,
            "cycle_seconds": {
                "baseline": summary(self.cycle_seconds[:BASELINE_RUNS]),
                "throttled": summary(self.cycle_seconds[BASELINE_RUNS:]),
            },
            "playbooks": playbooks,
            "most_throttled_operations": dict(
                sorted(self.throttled_operations.items(), key=lambda item: -item[1])[:10]
            ),
        }


@pytest.mark.long
def test_deploy_switch_clean_succeed_every_time_under_30_percent_throttling(demo_from_blue, proxy):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    cycles = Cycles(demo_from_blue, proxy)
    started = time.monotonic()
    for index in range(BASELINE_RUNS):
        cycles.run("baseline", index)
    for index in range(RUNS):
        proxy.set_rules([fp.Rule(fault=fp.THROTTLE, rate=RATE)], seed=SEED + index)
        cycles.run("throttled", index)
    proxy.set_rules([])
    report = cycles.report()
    report["total_seconds"] = round(time.monotonic() - started, 1)
    (OUTPUT / "throttling.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    assert not cycles.failures, "\n".join(cycles.failures)
    for name, figures in report["playbooks"].items():
        added = figures["added_seconds"]
        assert added["mean"] <= ADDED_SECONDS_BOUND["mean"], (name, figures)
        assert added["max"] <= ADDED_SECONDS_BOUND["max"], (name, figures)
