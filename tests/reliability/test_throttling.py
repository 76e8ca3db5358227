# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Deploy, switch and clean, again and again, with 30% of every AWS call throttled.

Every playbook must succeed every time, and each deploy must create exactly one Auto Scaling group. The time
throttling adds to each playbook is measured and reported, never asserted: it depends on how busy the machine
is (docs/reliability.md). The playbooks reach the
sandbox through tools/fault_proxy.py (bluegreen_aws_endpoint_url), first without faults for the baseline,
then with the throttling. BLUEGREEN_RELIABILITY_RUNS sets the number of throttled cycles (`make reliability`:
20); the figures go to tests/output/reliability/throttling.json and docs/reliability.md.

A throttled cycle spends about two thirds of its time in the retries' backoff, so the cycles run on APPS
applications of their own at once (demo2, demo3, ...; the ``apps`` fixture), each through a proxy of its own:
run n goes to application n mod APPS, with seed SEED + n. The baseline cycles go among them (``schedule``).
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import ROOT

from .faults import fault_proxy as fp
from .faults import new_proxy
from .sandbox_state import FAST
from .sandbox_state import PLAYBOOKS
from .sandbox_state import ansible_errors
from .sandbox_state import app_state
from .sandbox_state import forget_old_targets

RATE = 0.3
RUNS = int(os.environ.get("BLUEGREEN_RELIABILITY_RUNS") or 1)
BASELINE_RUNS = int(os.environ.get("BLUEGREEN_RELIABILITY_BASELINE_RUNS") or 4)
SEED = int(os.environ.get("BLUEGREEN_RELIABILITY_SEED") or 1)
APPS = int(os.environ.get("BLUEGREEN_RELIABILITY_APPS") or 4)
CYCLE = ("deploy", "switch", "clean")
OUTPUT = ROOT / "tests" / "output" / "reliability"


class Cycles:
    """Runs the cycle of applications, each through its own proxy, and keeps what each playbook took and what the
    proxies injected; the applications' cycles may run at once."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.lock = threading.Lock()
        self.seconds = {"baseline": {name: [] for name in CYCLE}, "throttled": {name: [] for name in CYCLE}}
        self.injected = {name: [] for name in CYCLE}
        self.calls = {name: [] for name in CYCLE}
        self.throttled_operations = {}
        self.failures = []
        self.cycle_seconds = {"baseline": [], "throttled": []}
        self.runs = {}

    def playbook(self, app, proxy, name, **extra_vars):
        proxy.reset_stats()
        started = time.monotonic()
        done = self.sandbox.playbook(
            PLAYBOOKS / f"{name}.yml",
            extra_vars={**FAST, **app.extra_vars, "bluegreen_aws_endpoint_url": proxy.url, **extra_vars},
        )
        return done, time.monotonic() - started, proxy.stats()

    def run(self, app, proxy, kind, index):
        started = time.monotonic()
        throttles = 0
        for name in CYCLE:
            groups = set(self.sandbox.groups(app.name))
            live = app_state(self.sandbox, app)["live_color"]
            done, seconds, stats = self.playbook(app, proxy, name)
            throttles += stats["totals"].get("throttle", 0)
            if done.returncode != 0:
                log = OUTPUT / f"{kind}-{index}-{name}.log"
                log.write_text(done.stdout + done.stderr, encoding="utf-8")
                with self.lock:
                    self.failures.append(
                        f"{kind} run {index} ({app.name}), {name}: "
                        f"{ansible_errors(done.stdout + done.stderr) or 'no error reported'} (log: {log})"
                    )
                # A failed run must leave a state the same playbook converges from; the cycle goes on from there.
                again, _seconds, _stats = self.playbook(
                    app, proxy, name, bluegreen_aws_endpoint_url=self.sandbox.endpoint
                )
                assert again.returncode == 0, f"{name} of {app.name} did not converge after a failure:\n{again.stdout}"
                continue
            self.check(app, name, groups, live, stats)
            with self.lock:
                self.seconds[kind][name].append(seconds)
                if kind == "throttled":
                    self.injected[name].append(stats["totals"].get("throttle", 0))
                    self.calls[name].append(stats["totals"]["requests"])
                    for key, counters in stats["operations"].items():
                        self.throttled_operations[key] = self.throttled_operations.get(key, 0) + counters.get(
                            "throttle", 0
                        )
        # A throttled cycle that met no throttle would prove nothing about them.
        assert kind != "throttled" or throttles > 0, f"throttled run {index} ({app.name}): no throttle was injected"
        with self.lock:
            self.cycle_seconds[kind].append(time.monotonic() - started)
            self.runs.setdefault(app.name, {"baseline": 0, "throttled": 0})[kind] += 1

    def check(self, app, name, groups_before, live_before, stats):
        groups = set(self.sandbox.groups(app.name))
        if name == "deploy":
            created = stats["operations"].get("autoscaling:CreateAutoScalingGroup", {})
            assert len(groups - groups_before) == 1 and len(groups) == 2, (groups_before, groups)
            assert created.get("forwarded", 0) - created.get("upstream_errors", 0) == 1, created
        elif name == "switch":
            state = app_state(self.sandbox, app)
            assert state["live_color"] not in (None, live_before) and state["consistent"], state["reasons"]
        else:
            assert len(groups) == 1 and groups < groups_before, (groups_before, groups)
        forget_old_targets(self.sandbox, app)

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
            "apps": self.runs,
            "succeeded": len(self.seconds["throttled"]["clean"]),
            "failures": self.failures,
            "cycle_seconds": {kind: summary(values) for kind, values in self.cycle_seconds.items()},
            "playbooks": playbooks,
            "most_throttled_operations": dict(
                sorted(self.throttled_operations.items(), key=lambda item: -item[1])[:10]
            ),
        }


def in_parallel(sandbox, shares, work):
    """``work(app, proxy, plan)`` for each (app, plan) of ``shares`` at once, each with a proxy of its own."""
    proxies = [new_proxy(sandbox.endpoint) for _share in shares]
    try:
        for proxy in proxies:
            proxy.start()
        with ThreadPoolExecutor(max_workers=max(len(shares), 1)) as pool:
            futures = [pool.submit(work, app, proxy, plan) for (app, plan), proxy in zip(shares, proxies)]
            for future in futures:
                future.result()
    finally:
        for proxy in proxies:
            proxy.stop()


def schedule(count, runs, baseline_runs):
    """The cycles of each of ``count`` applications, in order, as ("throttled" or "baseline", run index).

    Throttled run n goes to application n mod count. Baseline run m goes to application m mod count, after m of
    that application's throttled runs: the baseline cycles are spread over the time the throttled ones take, so
    that both meet the machine as busy (by the other applications' cycles and whatever else runs beside them).
    """
    plans = [[("throttled", index) for index in range(position, runs, count)] for position in range(count)]
    for index in range(baseline_runs):
        plan = plans[index % count]
        throttled = [position for position, (kind, _run) in enumerate(plan) if kind == "throttled"]
        plan.insert(throttled[index] if index < len(throttled) else len(plan), ("baseline", index))
    return plans


@pytest.mark.long
def test_deploy_switch_clean_succeed_every_time_under_30_percent_throttling(sandbox, apps):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    taken = apps(min(APPS, max(RUNS, BASELINE_RUNS)))
    cycles = Cycles(sandbox)

    def work(app, proxy, plan):
        for kind, index in plan:
            rules = [fp.Rule(fault=fp.THROTTLE, rate=RATE)] if kind == "throttled" else []
            proxy.set_rules(rules, seed=SEED + index)
            cycles.run(app, proxy, kind, index)

    started = time.monotonic()
    in_parallel(sandbox, list(zip(taken, schedule(len(taken), RUNS, BASELINE_RUNS))), work)
    report = cycles.report()
    report["total_seconds"] = round(time.monotonic() - started, 1)
    (OUTPUT / "throttling.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(
        f"seeds {SEED} to {SEED + RUNS - 1}: {report['succeeded']} of {RUNS} throttled cycles succeeded "
        f"({BASELINE_RUNS} without faults) on {len(taken)} applications in {report['total_seconds']} s"
    )

    assert not cycles.failures, "\n".join(cycles.failures)
    assert report["succeeded"] == RUNS, report["apps"]
    for name, figures in report["playbooks"].items():
        added = figures["added_seconds"]
        print(f"{name}: throttling added {added['mean']} s on average, {added['max']} s in the worst run")
