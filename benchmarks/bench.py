# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""`make bench`: API calls and wall time of the collection's modules and playbooks against a local sandbox.

    .venv/bin/python benchmarks/bench.py [--runs N] [--quick] [--no-docs]

Starts a sandbox of its own (a moto server on port 4595, state in tests/output/bench-4595), provisions the
sample application `demo`, and measures, with moto's request recorder counting the API calls each one
makes:

1. the modules state_info, alb_swap, asg_clone and route53_alias_flip, each run as its own process the way
   a host runs it, and the deploy, switch, rollback and clean playbooks in full cycles; the production
   cutover of every switch must be one ModifyListener per listener, and of every flip one
   ChangeResourceRecordSets per hosted zone;
2. the wall time of each (median and spread of N runs) and, through ansible.posix.profile_tasks, of each
   playbook task;
3. the same ALB switch written with amazon.aws and community.aws modules only (benchmarks/baseline_switch.yml);
4. state_info, deploy and switch again in an account holding thousands of unrelated resources;
5. strategy efs's switch across 1, 10 and 50 instances (benchmarks/bench_fanout.py): its wall time and the
   skew between the first and the last instance's link change, with the Ansible settings that bear on it;
6. the waits: how many polls a wait makes, and how long after the awaited state is reached the wait notices;
7. deploy, switch and clean on the sandbox's clock (tools/sandbox_time.py): their wall time in AWS-equivalent
   seconds (times the speed factor the sandbox answers at /_sandbox/clock), against the least time AWS needs with
   the bench's target group settings (benchmarks/bench_bounds.py), and again with the clock so fast that AWS's
   waits take nothing, which leaves their fixed cost.

It prints the tables, replaces its section of docs/benchmarks.md with them (unless --no-docs) and stops its
sandbox. Run `make install` first: it measures the collection installed in .venv/collections.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import sysconfig
import threading
import time
from collections import Counter
from importlib import metadata
from pathlib import Path

from bench_bounds import BOOT_SECONDS
from bench_bounds import PLAYBOOKS as CLOCKED
from bench_bounds import TargetGroupTiming
from bench_bounds import clock_split
from bench_bounds import lower_bounds
from bench_bounds import weakest
from bench_report import Operation
from bench_report import calls_text
from bench_report import count_range
from bench_report import ratio
from bench_report import seconds
from bench_report import spread
from bench_report import table
from bench_fanout import Fanout
from bench_sandbox import COLLECTIONS
from bench_sandbox import ROOT
from bench_sandbox import Sandbox
from bench_sandbox import count
from bench_sandbox import module_result

PORT = 4595
STATE_DIR = ROOT / "tests" / "output" / f"bench-{PORT}"
DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- make bench: begin (written by benchmarks/bench.py) -->"
END = "<!-- make bench: end -->"

PLAYBOOKS = ROOT / "playbooks"
BASELINE = ROOT / "benchmarks" / "baseline_switch.yml"
# The module the baseline moves the listeners with, measured on its own beside alb_swap.
BASELINE_MODULE = "amazon.aws.elb_application_lb"
# As the integration tests run the playbooks: a one-second poll interval, which the sandbox's clock (60 AWS seconds a
# second) turns into a minute of AWS time, so that the waits end within a poll of AWS's time for them.
FAST = {"bluegreen_poll_interval": 1, "bluegreen_wait_timeout": 120, "bluegreen_test_listener_port": 8080}
STATE_ARGS = {"app": "demo", "load_balancer": "demo"}
LIVE_RECORDS = {"zone": "example.com", "names": ["www"]}
STAGING_RECORDS = {"zone": "example.internal", "private_zone": True, "names": ["staging"]}
LOAD_BALANCERS = {"blue": "demo-blue", "green": "demo-green"}

# Unrelated resources added for the account-scale measurement, and their names in the report.
NOISE = {"auto_scaling_groups": 2000, "target_groups": 500, "parameters": 1000}
NOISE_NAMES = {
    "auto_scaling_groups": "Auto Scaling groups",
    "target_groups": "target groups",
    "parameters": "SSM parameters",
}
FLAT = 1.1
# What a run shows when `make install`, run by someone else at the same time, has just removed the collection
# to install it again: such a run is repeated, up to ATTEMPTS times in all.
REINSTALLING = (
    "role 'teal.bluegreen.",
    "couldn't resolve module/action 'teal.bluegreen.",
    "No module named 'ansible_collections.teal",
)
ATTEMPTS = 3
# Times each of state_info's reads is sent directly, in the empty and in the crowded account.
PROBES = 7
TOP_TASKS = 5
# Poll intervals and the moments, as fractions of an interval after a poll, at which the awaited state is
# reached: the wait should notice it at the next poll, within one interval.
WAIT_INTERVALS = (1, 2)
WAIT_OFFSETS = (0.25, 0.5, 0.75)
# The fan-out of strategy efs: the instances of each run, and the Ansible settings compared at the largest size,
# as environment variables of ansible-playbook; FORKS stands for as many forks as instances. The first setting
# is the one measured at every size.
FANOUT_SIZES = (1, 10, 50)
FORKS = "instances"
FANOUT_SETTINGS = {
    "forks = instances, linear": {"ANSIBLE_FORKS": FORKS},
    "forks = instances, linear, pipelining": {"ANSIBLE_FORKS": FORKS, "ANSIBLE_PIPELINING": "true"},
    "forks 5 (Ansible's default), linear": {"ANSIBLE_FORKS": "5"},
    "forks = instances, ANSIBLE_STRATEGY=free": {"ANSIBLE_FORKS": FORKS, "ANSIBLE_STRATEGY": "free"},
}
# Settings measured at another size than the largest. The free strategy cannot run the role (its run_once tasks
# would run on every instance), so the switch playbook keeps the linear one: 10 instances show that it does, in a
# fifth of the time of 50.
FANOUT_SIZE_OF = {"forks = instances, ANSIBLE_STRATEGY=free": 10}
# AWS seconds per sandbox second for the fixed-cost runs: AWS's waits (minutes) take well under a millisecond.
FAST_CLOCK = 1e6
ACCOUNTS = {
    "empty": "",
    "scale": " (account scale)",
    "after": " (account scale, removed again)",
    "fast_clock": " (fast clock)",
}


def other(color):
    return "green" if color == "blue" else "blue"


class Bench:
    """One benchmark run, phase by phase, against one sandbox; every phase leaves the application consistent
    (every layer on one colour) for the next."""

    def __init__(self, sandbox, runs, quick):
        self.sandbox = sandbox
        self.runs = runs
        self.quick = quick
        self.ops = {"empty": {}, "scale": {}, "after": {}, "fast_clock": {}}
        # The sandbox's speed factor (AWS seconds per sandbox second), and the target group settings the lower
        # bounds come from: {"new": [TargetGroupTiming of each deploy's colour], "old": [... of each clean's]}.
        self.factor = None
        self.timings = {"new": [], "old": []}
        self.cutovers = []
        self.waits = []
        self.wait_polls = {}
        self.noise = {}
        self.provisioning = {}
        self.not_measured = {}
        self.probes = {}
        self.fanout = []
        self.cycle = 0

    def op(self, account, label, how):
        return self.ops[account].setdefault(label, Operation(label, how))

    def log(self, message):
        print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)

    # Running things

    def module(self, account, label, name, /, **args):
        for attempt in range(ATTEMPTS):
            try:
                with self.sandbox.recording() as recording, self.sandbox.cpu() as cpu:
                    result, took = self.sandbox.module(name, **args)
                break
            except RuntimeError as error:
                self.retry_or_raise(attempt, str(error))
        self.op(account, label, "module process").add(took, count(recording.calls), cpu=cpu)
        return result, recording

    def playbook(self, account, label, playbook, **extra_vars):
        for attempt in range(ATTEMPTS):
            with self.sandbox.recording() as recording, self.sandbox.cpu() as cpu:
                done, took, tasks = self.sandbox.playbook(playbook, **extra_vars)
            if done.returncode == 0:
                break
            self.retry_or_raise(attempt, f"{playbook.name} failed:\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}")
        self.op(account, label, "ansible-playbook").add(took, count(recording.calls), tasks, cpu)
        return done, recording

    def unmeasured(self, name, /, **args):
        """Run a module to set the stage or read it; returns its result."""
        for attempt in range(ATTEMPTS):
            try:
                return self.sandbox.module(name, **args)[0]
            except RuntimeError as error:
                self.retry_or_raise(attempt, str(error))

    def retry_or_raise(self, attempt, message):
        """Run again when the collection was missing: `make install` elsewhere replaces it for a moment."""
        if attempt + 1 < ATTEMPTS and any(sign in message for sign in REINSTALLING):
            self.log(f"teal.bluegreen was missing from {COLLECTIONS} (reinstalled meanwhile?); running again")
            time.sleep(10)
            return
        raise RuntimeError(message)

    def product(self, account, name, **extra_vars):
        """One of the collection's playbooks, with the fast waits of FAST."""
        return self.playbook(account, name, PLAYBOOKS / name, **{**FAST, **extra_vars})

    def live_color(self):
        result = self.unmeasured("state_info", **STATE_ARGS)
        if not result["consistent"]:
            raise RuntimeError(f"the sandbox is not consistent: {result['reasons']}")
        return result["live_color"]

    def check_alb_cutover(self, label, recording):
        """Each listener the switch touched got exactly one ModifyListener, and no rule was modified."""
        per_listener = Counter(
            call.params.get("ListenerArn") for call in recording.calls if call.operation == "ModifyListener"
        )
        rules = sum(1 for call in recording.calls if call.operation == "ModifyRule")
        ok = len(per_listener) == 2 and set(per_listener.values()) == {1} and rules == 0
        self.cutovers.append(
            (label, f"{sum(per_listener.values())} ModifyListener on {len(per_listener)} listeners", ok)
        )
        return ok

    def check_route53_cutover(self, label, recording):
        """Each hosted zone (the live names' and the staging names') got exactly one change batch."""
        per_zone = Counter(
            call.path.split("/")[3] for call in recording.calls if call.operation == "ChangeResourceRecordSets"
        )
        ok = len(per_zone) == 2 and set(per_zone.values()) == {1}
        self.cutovers.append(
            (label, f"{sum(per_zone.values())} ChangeResourceRecordSets on {len(per_zone)} hosted zones", ok)
        )
        return ok

    # Phases

    def provision(self):
        self.log("starting the sandbox and provisioning demo (strategy alb)")
        self.sandbox.start()
        self.factor = self.sandbox.clock()
        self.log(f"sandbox clock: {self.factor:g} AWS seconds per sandbox second")
        self.provisioning["alb"] = self.sandbox.provision()
        self.images = self.sandbox.images()

    def state_infos(self, account):
        self.log(f"state_info x{self.runs}")
        for _ in range(self.runs):
            self.module(account, "state_info", "state_info", **STATE_ARGS)

    def modules(self, account="empty"):
        self.state_infos(account)
        self.log(f"asg_clone clone and absent x{self.runs}")
        for run in range(self.runs):
            self.clone(account, self.images[run % 2], measure=True)
            self.remove_clone(account, measure=True)
        self.clone(account, self.images[0], measure=False)
        self.log(f"alb_swap x{2 * self.runs}")
        for _ in range(self.runs):
            for color in ("green", "blue"):
                _, recording = self.module(
                    account,
                    "alb_swap",
                    "alb_swap",
                    app="demo",
                    load_balancer="demo",
                    test_listener_port=8080,
                    live_color=color,
                )
                self.check_alb_cutover(f"alb_swap to {color}", recording)
        self.log(f"amazon.aws.elb_application_lb x{2 * self.runs}")
        elbv2 = self.sandbox.client("elbv2")
        lb = elbv2.describe_load_balancers(Names=["demo"])["LoadBalancers"][0]
        arns = {color: self.sandbox.target_group_arn(color) for color in ("blue", "green")}
        for _ in range(self.runs):
            for color in ("green", "blue"):
                _, recording = self.module(
                    account,
                    BASELINE_MODULE,
                    BASELINE_MODULE,
                    name="demo",
                    scheme=lb["Scheme"],
                    subnets=[zone["SubnetId"] for zone in lb["AvailabilityZones"]],
                    security_groups=lb["SecurityGroups"],
                    listeners=[
                        {
                            "Protocol": "HTTP",
                            "Port": port,
                            "DefaultActions": [{"Type": "forward", "TargetGroupArn": arns[to]}],
                        }
                        for port, to in ((80, color), (8080, other(color)))
                    ],
                    purge_listeners=False,
                    state="present",
                )
                self.check_alb_cutover(f"{BASELINE_MODULE} to {color}", recording)

    def clone(self, account, image, measure):
        args = dict(
            source="demo-blue",
            name="demo-green",
            color="green",
            app="demo",
            image_id=image,
            target_group_arns=[self.sandbox.target_group_arn("green")],
            test_listener_ports=[8080],
            wait=True,
            wait_timeout=120,
            poll_interval=1,
        )
        if not measure:
            self.unmeasured("asg_clone", **args)
            return
        _, recording = self.module(account, "asg_clone (clone, with its wait)", "asg_clone", **args)
        self.note_polls("asg_clone clone: from its last write to its end", recording)

    def remove_clone(self, account, measure):
        args = dict(name="demo-green", app="demo", state="absent", test_listener_ports=[8080], poll_interval=1)
        if measure:
            _, recording = self.module(account, "asg_clone (absent)", "asg_clone", **args)
            self.note_polls(
                "asg_clone absent: between scaling to zero and deleting",
                recording,
                start="autoscaling:UpdateAutoScalingGroup",
                end="autoscaling:DeleteAutoScalingGroup",
            )
        else:
            self.unmeasured("asg_clone", **args)
        self.sandbox.forget_terminated_targets()

    def note_polls(self, label, recording, start=None, end=None):
        """The reads between the last ``start`` call (the last write without one) and the next ``end`` call:
        a wait's polls, with whatever the module reads just before and after its wait."""
        calls = recording.calls
        marks = [index for index, call in enumerate(calls) if (call.is_write if start is None else call.name == start)]
        begin = marks[-1] + 1 if marks else 0
        stop = next((index for index in range(begin, len(calls)) if calls[index].name == end), len(calls))
        reads = Counter(call.name for call in calls[begin:stop] if not call.is_write)
        self.wait_polls.setdefault(label, []).append(reads)

    def waits_phase(self):
        """How long after the awaited state each wait notices it; needs the green clone running, blue live."""
        sys.path.insert(0, str(COLLECTIONS))
        from ansible_collections.teal.bluegreen.plugins.module_utils._autoscaling import waiters as asg_waiters
        from ansible_collections.teal.bluegreen.plugins.module_utils._elbv2 import waiters as elbv2_waiters

        sandbox = self.sandbox
        autoscaling, elbv2, ec2 = sandbox.client("autoscaling"), sandbox.client("elbv2"), sandbox.client("ec2")
        ids = sorted(item["InstanceId"] for item in sandbox.group("demo-green")["Instances"])
        green = sandbox.target_group_arn("green")
        intervals = WAIT_INTERVALS[:1] if self.quick else WAIT_INTERVALS
        offsets = WAIT_OFFSETS[1:2] if self.quick else WAIT_OFFSETS

        def in_service(interval):
            return lambda: asg_waiters.wait_in_service(autoscaling, "demo-green", len(ids), 60, interval)

        def targets(interval):
            return lambda: elbv2_waiters.wait_targets_healthy(elbv2, green, ids, 60, interval)

        def unhealthy():
            for instance in ids:
                autoscaling.set_instance_health(InstanceId=instance, HealthStatus="Unhealthy")

        def healthy():
            for instance in ids:
                autoscaling.set_instance_health(InstanceId=instance, HealthStatus="Healthy")

        def stop():
            ec2.stop_instances(InstanceIds=ids)

        def start():
            ec2.start_instances(InstanceIds=ids)

        self.log("waits: asg_clone's two waiters and alb_swap's health wait")
        for interval in intervals:
            for offset in offsets:
                self.measure_waiter(
                    "asg_clone: instances InService and Healthy (waiters.wait_in_service)",
                    "autoscaling:DescribeAutoScalingGroups",
                    interval,
                    offset,
                    unhealthy,
                    healthy,
                    in_service(interval),
                )
                self.measure_waiter(
                    "asg_clone: instances healthy in the target group (waiters.wait_targets_healthy)",
                    "elbv2:DescribeTargetHealth",
                    interval,
                    offset,
                    stop,
                    start,
                    targets(interval),
                )
                self.measure_alb_swap_wait(interval, offset, stop, start)

    def measure_waiter(self, label, poll, interval, offset, spoil, repair, wait):
        """Run ``wait`` in a thread and ``repair`` the state ``1 + offset`` intervals after its first poll."""
        spoil()
        done = {}

        def run():
            wait()
            done["at"] = time.monotonic()

        with self.sandbox.recording() as recording:
            thread = threading.Thread(target=run)
            started = time.monotonic()
            thread.start()
            time.sleep((1 + offset) * interval)
            repair()
            ready = time.monotonic()
            thread.join(timeout=90)
        if "at" not in done:
            raise RuntimeError(f"{label}: the wait did not end")
        polls = sum(1 for call in recording.calls if call.name == poll)
        self.waits.append(
            dict(
                label=label,
                interval=interval,
                reached=1 + offset,
                polls=polls,
                noticed=done["at"] - ready,
                total=done["at"] - started,
            )
        )

    def measure_alb_swap_wait(self, interval, offset, spoil, repair):
        """alb_swap to green while green has no healthy target; green turns healthy during the health wait."""
        spoil()
        with self.sandbox.recording(watch=True) as recording:
            process = self.sandbox.module_process(
                "alb_swap",
                app="demo",
                load_balancer="demo",
                test_listener_port=8080,
                live_color="green",
                health_wait_timeout=60,
                health_poll_interval=interval,
            )
            # The module reads both colours' health before it waits: the wait's first poll is the third read.
            first_poll = None
            while first_poll is None and process.poll() is None:
                reads = [seen for seen, call in recording.seen if call.operation == "DescribeTargetHealth"]
                first_poll = reads[2] if len(reads) > 2 else None
                time.sleep(0.005)
            if first_poll is None:
                raise RuntimeError(f"alb_swap ended before its health wait: {process.communicate()}")
            time.sleep(max(0.0, first_poll + offset * interval - time.monotonic()))
            repair()
            ready = time.monotonic()
            stdout, stderr = process.communicate(timeout=90)
            time.sleep(0.05)
        module_result("alb_swap", stdout, stderr)
        switched = next(seen for seen, call in recording.seen if call.operation == "ModifyListener")
        # Not counted: the module's reads of both colours' health before the wait, and of green's after it.
        polls = sum(1 for call in recording.calls if call.operation == "DescribeTargetHealth") - 3
        self.waits.append(
            dict(
                label="alb_swap: health_wait_timeout (_elbv2.waiters.wait_for_healthy_targets)",
                interval=interval,
                reached=offset,
                polls=polls,
                noticed=switched - ready,
                total=switched - first_poll,
            )
        )
        self.unmeasured("alb_swap", app="demo", load_balancer="demo", test_listener_port=8080, live_color="blue")

    def cycles(self):
        self.log(f"full cycles x{self.runs}: deploy, switch, rollback, switch, baseline x2, clean")
        self.remove_clone("empty", measure=False)
        noop = STATE_DIR / "noop.yml"
        noop.write_text(
            "- name: Nothing\n  hosts: localhost\n  gather_facts: false\n  tasks:\n"
            "    - name: Say nothing\n      ansible.builtin.debug:\n        msg: nothing\n",
            encoding="utf-8",
        )
        for _ in range(self.runs):
            self.playbook("empty", "ansible-playbook, one debug task", noop)
        for _ in range(self.runs):
            self.full_cycle()

    def full_cycle(self):
        """Deploy to the idle colour, switch, roll back, switch again, the baseline there and back, clean."""
        self.cycle_around("empty", with_rollback=True)

    def cycle_around(self, account, with_rollback):
        live = self.live_color()
        self.cycle += 1
        suffix = ACCOUNTS[account]
        image = self.images[self.cycle % 2]
        if account == "empty":
            self.timings["new"].append(self.timing(other(live)))
        self.product(account, "deploy.yml", bluegreen_image_id=image, bluegreen_artifact_version=f"bench-{self.cycle}")
        _, recording = self.product(account, "switch.yml")
        self.check_alb_cutover(f"switch.yml{suffix}", recording)
        if with_rollback:
            _, recording = self.product(account, "rollback.yml")
            self.check_alb_cutover(f"rollback.yml{suffix}", recording)
            _, recording = self.product(account, "switch.yml")
            self.check_alb_cutover(f"switch.yml{suffix}", recording)
            for _ in range(2):
                _, recording = self.playbook(account, "baseline_switch.yml", BASELINE)
                self.check_alb_cutover(f"baseline_switch.yml{suffix}", recording)
        if account == "empty":
            self.timings["old"].append(self.timing(live))
        self.product(account, "clean.yml")
        self.sandbox.forget_terminated_targets()
        if self.live_color() != other(live):
            raise RuntimeError(f"the cycle from {live} did not end on {other(live)}")

    def timing(self, color):
        return TargetGroupTiming(**self.sandbox.target_group_settings(color))

    def fixed_cost(self):
        """Deploy, switch and clean with the sandbox's clock at FAST_CLOCK: what they take when AWS's waits take
        nothing (Ansible, the modules, the API calls, the polls that find the state reached), then the factor back."""
        self.log(f"fixed cost: deploy, switch and clean x{self.runs} with the clock at {FAST_CLOCK:g}")
        self.sandbox.clock(FAST_CLOCK)
        try:
            for _ in range(self.runs):
                self.cycle_around("fast_clock", with_rollback=False)
        finally:
            self.sandbox.clock(self.factor)
        # Targets registered or deregistered under the fast clock are judged again by the usual one: give them
        # the time they take there to be settled before anything else is measured.
        bounds = self.bounds()
        if self.factor:
            time.sleep(min(30.0, (bounds["deploy.yml"] + bounds["clean.yml"]) / self.factor))

    def bounds(self):
        """{playbook: the lower bound of its AWS seconds} from the settings of the target groups read in the cycles,
        the weakest of them (canary steps and bakes: the roles' defaults, which the bench keeps)."""
        if not self.timings["new"] or not self.timings["old"]:
            return {}
        return lower_bounds(weakest(self.timings["new"]), weakest(self.timings["old"]))

    def clock_rows(self):
        """{playbook: clock_split(...)} of the medians of the empty account and of the fast-clock runs."""
        bounds = self.bounds()
        found = {}
        if self.factor is None or not bounds:
            return found
        for label in CLOCKED:
            op, fast = self.ops["empty"].get(label), self.ops["fast_clock"].get(label)
            if not op:
                continue
            found[label] = clock_split(op.median, self.factor, bounds[label], fast.median if fast else None) | {
                "runs": len(op.seconds),
                "fast_runs": len(fast.seconds) if fast else 0,
            }
        return found

    def scale(self):
        self.probe("empty")
        self.add_noise()
        self.probe("crowded")
        self.log("account scale: state_info, then deploy, switch and clean")
        self.state_infos("scale")
        for _ in range(self.runs):
            self.cycle_around("scale", with_rollback=False)
        # Measured once more without them, so that a drift of the machine's speed during the run shows as
        # a difference between the empty account before and after, not as an effect of the account's size.
        self.remove_noise()
        self.log("account scale: state_info, deploy, switch and clean again, the unrelated resources removed")
        self.state_infos("after")
        for _ in range(self.runs):
            self.cycle_around("after", with_rollback=False)

    def probe(self, account):
        """How long the sandbox takes to answer each of state_info's reads, called directly with boto3."""
        sandbox = self.sandbox
        elbv2 = sandbox.client("elbv2")
        lb = elbv2.describe_load_balancers(Names=["demo"])["LoadBalancers"][0]["LoadBalancerArn"]
        arns = [sandbox.target_group_arn(color) for color in ("blue", "green")]
        names = ["/bluegreen/demo/live", "/bluegreen/demo/lock", "/bluegreen/demo/deployment"]
        tagged = [{"Key": "bluegreen:app", "Values": ["demo"]}]
        reads = {
            "autoscaling:DescribeAutoScalingGroups (tag filter)": lambda: sandbox.client(
                "autoscaling"
            ).describe_auto_scaling_groups(Filters=[{"Name": "tag:bluegreen:app", "Values": ["demo"]}]),
            "tagging:GetResources (tag filter)": lambda: sandbox.client("resourcegroupstaggingapi").get_resources(
                TagFilters=tagged, ResourceTypeFilters=["elasticloadbalancing:targetgroup"]
            ),
            "elbv2:DescribeTargetGroups (2 ARNs)": lambda: elbv2.describe_target_groups(TargetGroupArns=arns),
            "elbv2:DescribeLoadBalancers (1 name)": lambda: elbv2.describe_load_balancers(Names=["demo"]),
            "elbv2:DescribeListeners": lambda: elbv2.describe_listeners(LoadBalancerArn=lb),
            "elbv2:DescribeTargetHealth": lambda: elbv2.describe_target_health(TargetGroupArn=arns[0]),
            "ssm:GetParameters (3 names)": lambda: sandbox.client("ssm").get_parameters(Names=names),
            "ssm:GetParameterHistory": lambda: sandbox.client("ssm").get_parameter_history(Name=names[0]),
        }
        for name, read in reads.items():
            took = []
            for _ in range(PROBES):
                started = time.monotonic()
                read()
                took.append(time.monotonic() - started)
            self.probes.setdefault(name, {})[account] = statistics.median(took)

    def add_noise(self):
        """Unrelated resources: other apps' tagged groups, target groups and parameters, and untagged ones."""
        sandbox = self.sandbox
        autoscaling, elbv2, ssm, ec2 = (sandbox.client(name) for name in ("autoscaling", "elbv2", "ssm", "ec2"))
        fleet = sandbox.group(f"demo-{self.live_color()}")
        vpc = elbv2.describe_target_groups(Names=["demo-blue"])["TargetGroups"][0]["VpcId"]
        ec2.create_launch_template(
            LaunchTemplateName="bench-noise", LaunchTemplateData={"ImageId": self.images[0], "InstanceType": "t3.micro"}
        )

        def tags(index, kind):
            found = {"team": f"team-{index % 20}"}
            if index % 2 == 0:
                found.update(
                    {
                        "bluegreen:app": f"noise-{kind}-{index // 4}",
                        "bluegreen:color": ("blue", "green")[index // 2 % 2],
                    }
                )
            return found

        self.log(f"account scale: creating {NOISE['auto_scaling_groups']} Auto Scaling groups")
        started = time.monotonic()
        for index in range(NOISE["auto_scaling_groups"]):
            autoscaling.create_auto_scaling_group(
                AutoScalingGroupName=f"noise-{index:04d}",
                LaunchTemplate={"LaunchTemplateName": "bench-noise", "Version": "1"},
                MinSize=0,
                MaxSize=1,
                DesiredCapacity=0,
                VPCZoneIdentifier=fleet["VPCZoneIdentifier"],
                Tags=[
                    {"Key": key, "Value": value, "PropagateAtLaunch": False}
                    for key, value in tags(index, "asg").items()
                ],
            )
        self.noise["auto_scaling_groups"] = time.monotonic() - started

        self.log(f"account scale: creating {NOISE['target_groups']} target groups")
        started = time.monotonic()
        for index in range(NOISE["target_groups"]):
            elbv2.create_target_group(
                Name=f"noise-{index:03d}",
                Protocol="HTTP",
                Port=80,
                VpcId=vpc,
                TargetType="instance",
                Tags=[{"Key": key, "Value": value} for key, value in tags(index, "tg").items()],
            )
        self.noise["target_groups"] = time.monotonic() - started

        self.log(f"account scale: creating {NOISE['parameters']} SSM parameters")
        started = time.monotonic()
        for index in range(NOISE["parameters"]):
            name = self.noise_parameter(index)
            ssm.put_parameter(Name=name, Value="blue" if name.endswith("/live") else "{}", Type="String")
        self.noise["parameters"] = time.monotonic() - started

    def remove_noise(self):
        sandbox = self.sandbox
        autoscaling, elbv2, ssm, ec2 = (sandbox.client(name) for name in ("autoscaling", "elbv2", "ssm", "ec2"))
        self.log("account scale: removing the unrelated resources")
        started = time.monotonic()
        for index in range(NOISE["auto_scaling_groups"]):
            autoscaling.delete_auto_scaling_group(AutoScalingGroupName=f"noise-{index:04d}", ForceDelete=True)
        ec2.delete_launch_template(LaunchTemplateName="bench-noise")
        for page in elbv2.get_paginator("describe_target_groups").paginate():
            for group in page["TargetGroups"]:
                if group["TargetGroupName"].startswith("noise-"):
                    elbv2.delete_target_group(TargetGroupArn=group["TargetGroupArn"])
        names = [self.noise_parameter(index) for index in range(NOISE["parameters"])]
        for first in range(0, len(names), 10):
            ssm.delete_parameters(Names=names[first : first + 10])
        self.noise["removing"] = time.monotonic() - started

    @staticmethod
    def noise_parameter(index):
        """Half under /bluegreen/<other app>/ (a live and a deployment parameter each), half elsewhere."""
        if index % 4 < 2:
            return f"/bluegreen/noise-{index // 2}/{('live', 'deployment')[index % 2]}"
        return f"/noise/{index}"

    def fanout_phase(self):
        """Strategy efs's switch across 1, 10 and 50 instances; at 50, the Ansible settings side by side."""
        largest = FANOUT_SIZES[-1]
        fanout = Fanout(self.sandbox, STATE_DIR / "fanout", largest)
        self.log(f"fan-out: {largest} instances of strategy efs, served by one Apache")
        try:
            fanout.set_up()
            first = next(iter(FANOUT_SETTINGS))
            plan = [(size, first) for size in FANOUT_SIZES[:-1] for _ in range(self.runs)]
            # A switch of the largest size takes a minute or more: each setting runs once.
            plan += [(FANOUT_SIZE_OF.get(setting, largest), setting) for setting in FANOUT_SETTINGS]
            for size, setting in plan:
                env = {key: str(size) if value == FORKS else value for key, value in FANOUT_SETTINGS[setting].items()}
                self.log(f"fan-out: switch of {size} instance(s), {setting}")
                result = self.fanout_switch(fanout, size, env)
                self.fanout.append(dict(result, instances=size, setting=setting))
        except RuntimeError as error:
            self.not_measured["fan-out (strategy efs)"] = str(error).splitlines()[0]
            self.log(f"fan-out not measured: {error}")
        finally:
            fanout.tear_down()

    def fanout_switch(self, fanout, size, env):
        for attempt in range(ATTEMPTS):
            with self.sandbox.recording() as recording, self.sandbox.cpu() as cpu:
                result = fanout.switch(size, env)
            if "failed" not in result:
                break
            fanout.repair()
            if attempt + 1 == ATTEMPTS or not any(sign in result["failed"] for sign in REINSTALLING):
                break
            self.retry_or_raise(attempt, result["failed"])
        return dict(result, calls=sum(count(recording.calls).values()), client_cpu=cpu["client"])

    def route53(self):
        """route53_alias_flip needs the route53 traffic layer: a fresh sandbox provisioned for it."""
        self.log("route53_alias_flip: resetting the sandbox and provisioning strategy route53")
        self.sandbox.reset()
        try:
            self.provisioning["route53"] = self.sandbox.provision(bluegreen_strategy="route53")
            for _ in range(self.runs):
                for color in ("green", "blue"):
                    _, recording = self.module(
                        "empty",
                        "route53_alias_flip",
                        "route53_alias_flip",
                        load_balancers=LOAD_BALANCERS,
                        live_records=LIVE_RECORDS,
                        staging_records=STAGING_RECORDS,
                        live_color=color,
                        poll_interval=1,
                    )
                    self.check_route53_cutover(f"route53_alias_flip to {color}", recording)
                    self.note_polls("route53_alias_flip: after its last change batch", recording)
        except RuntimeError as error:
            self.not_measured["route53_alias_flip"] = str(error).splitlines()[0]
            self.ops["empty"].pop("route53_alias_flip", None)
            self.log(f"route53_alias_flip not measured: {error}")


# The report


def machine():
    """CPUs, operating system and the versions of what the numbers depend on."""
    release = {}
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            release[key] = value.strip('"')
    versions = []
    for name in ("ansible-core", "moto", "boto3"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions.append(f"{name} {metadata.version(name)}")
    collections = []
    for name in ("amazon/aws", "community/aws"):
        manifest = Path(sysconfig.get_paths()["purelib"]) / "ansible_collections" / name / "MANIFEST.json"
        with contextlib.suppress(OSError, ValueError):
            info = json.loads(manifest.read_text(encoding="utf-8"))["collection_info"]
            collections.append(f"{info['namespace']}.{info['name']} {info['version']}")
    return (
        f"{len(os.sched_getaffinity(0))} CPUs, {release.get('PRETTY_NAME', platform.system())}, "
        f"Python {platform.python_version()}, {', '.join(versions + collections)}"
    )


def commit():
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    return head.strip() + (" with uncommitted changes" if dirty.strip() else "")


def ordered(ops, labels):
    return [ops[label] for label in labels if label in ops]


LABELS = (
    "state_info",
    "alb_swap",
    BASELINE_MODULE,
    "asg_clone (clone, with its wait)",
    "asg_clone (absent)",
    "route53_alias_flip",
    "deploy.yml",
    "switch.yml",
    "rollback.yml",
    "clean.yml",
    "baseline_switch.yml",
    "ansible-playbook, one debug task",
)


def render(bench, started, finished):
    empty, scale = bench.ops["empty"], bench.ops["scale"]
    out = [
        BEGIN,
        "",
        "## API calls and wall time of the modules and playbooks (`make bench`)",
        "",
        "The questions: how many AWS API calls each module and playbook makes, and which; how long each takes and",
        "where the time goes; how a switch written with amazon.aws modules compares; whether calls and time stay",
        "flat in a crowded account; how far apart the instances of strategy efs switch; and whether the waits notice",
        "the state they wait for within one poll interval.",
        "",
        "### Reproducing",
        "",
        "```sh",
        "make bench                                     # this benchmark, then the symlink benchmark above",
        ".venv/bin/python benchmarks/bench.py --quick   # one run of each measurement instead of three",
        ".venv/bin/python benchmarks/bench.py --runs 5 --no-docs   # print only, do not rewrite this section",
        "```",
        "",
        "`benchmarks/bench.py` starts a moto server of its own on port 4595 (state in `tests/output/bench-4595`, so",
        "the sandbox of `make demo` and the tests' are not touched), provisions the sample application `demo` with",
        "`playbooks/sandbox.yml`, measures, stops the server, prints the tables and rewrites this section between",
        "its markers. It measures the collection installed in `.venv/collections`; `make bench` runs `make install`",
        "first.",
        "",
        "- **Modules** run as their own process the way Ansible runs them on a host, without `ansible-playbook`",
        "  around them: `python -m ansible_collections.teal.bluegreen.plugins.modules.<name> args.json`. Their time",
        "  is Python's start, the imports (ansible, boto3) and the API calls.",
        "- **Playbooks** run with `ansible-playbook -i inventories/local` and `bluegreen_poll_interval=1`,",
        "  `bluegreen_test_listener_port=8080`, in full cycles: deploy (a new image), switch, rollback, switch, the",
        "  baseline switch twice (there and back), clean. Per-task times come from the `ansible.posix.profile_tasks`",
        "  callback.",
        "- **API calls** are counted at the sandbox with moto's request recorder (`MOTO_RECORDER_FILEPATH`): one",
        "  entry per request, named by its `Action` (Query APIs), its `X-Amz-Target` (JSON APIs) or, for Route 53,",
        "  its method and path; the service is the signing name of the request. Retries and pages count as calls.",
        "- **The fan-out** of strategy efs needs Apache from Debian's `apache2-bin` (`make venv` installs it, as",
        "  root); without it that section says why it was not measured.",
        "",
        "Measured:",
        "",
        f"- machine: {machine()};",
        f"- date: {started:%Y-%m-%d}, {started:%H:%M} to {finished:%H:%M} UTC;",
        f"- commit: {commit()};",
        f"- sandbox clock: {clock_text(bench.factor)} (read from the benchmark's sandbox, `GET /_sandbox/clock`);",
        f"- runs: {bench.runs} of each measurement; alb_swap, route53_alias_flip and the baseline switch ran",
        f"  {2 * bench.runs} times (there and back), switch.yml {2 * bench.runs} times (twice per cycle), the fan-out's",
        f"  Ansible settings once each; provisioning the sandbox took {bench.provisioning['alb']:.0f} s, the whole",
        f"  benchmark {(finished - started).total_seconds() / 60:.0f} minutes.",
        "",
        "Times vary from run to run with what else the machine is doing; call counts do not, except where the",
        "state a run starts from differs (the first deploy creates the deployment record, the first clean removes",
        "the provisioned fleet, which has no launch template versions of its own to delete).",
        "",
        "### API calls per operation",
        "",
        "`calls` and `writes` are the median and, in brackets, the range over the runs; `by API operation` gives",
        "each operation's count, a range when the runs differ.",
        "",
    ]
    rows = []
    for op in ordered(empty, LABELS):
        if not op.calls or op.label.startswith("ansible-playbook,"):
            continue
        rows.append([op.label, op.how, spread(op.totals, digits=0), op.writes(), calls_text(op.by_operation())])
    out.append(table(["operation", "how run", "calls", "writes", "by API operation"], rows, pad_last=False))
    for label, reason in bench.not_measured.items():
        out += ["", f"**{label} was not measured**: {reason}"]
    out += ["", "The production cutover, checked in every run:", ""]
    checks = {}
    for label, text, ok in bench.cutovers:
        entry = checks.setdefault((label, text), [0, 0])
        entry[0] += 1
        entry[1] += ok
    rows = [[label, text, f"{good} of {total}"] for (label, text), (total, good) in checks.items()]
    out.append(table(["run", "cutover calls", "runs with one call per listener / zone"], rows))

    out += [
        "",
        "### Wall time",
        "",
        "Seconds per run, and the median CPU seconds of each run: `client CPU` is the module's process, or",
        "ansible-playbook and its workers; `sandbox CPU` is the moto server answering. For playbooks, `in tasks` is",
        "the median sum of the task times profile_tasks reports; the rest is ansible-playbook's start, reading the",
        "inventory and the playbook, and the recap.",
        "",
    ]
    rows = []
    for op in ordered(empty, LABELS):
        in_tasks = seconds(statistics.median(sum(run.values()) for run in op.tasks)) if op.tasks else ""
        rows.append(
            [
                op.label,
                op.how,
                len(op.seconds),
                seconds(op.median),
                seconds(min(op.seconds)),
                seconds(max(op.seconds)),
                in_tasks,
                seconds(statistics.median(op.client_cpu)),
                seconds(statistics.median(op.server_cpu)),
            ]
        )
    out.append(
        table(["operation", "how run", "runs", "median", "min", "max", "in tasks", "client CPU", "sandbox CPU"], rows)
    )
    out += ["", f"The {TOP_TASKS} slowest tasks of each playbook (median over the runs):", ""]
    rows = []
    for op in ordered(empty, LABELS):
        if not op.tasks or op.label.startswith("ansible-playbook,"):
            continue
        for name, took in op.top_tasks(TOP_TASKS):
            rows.append([op.label, name, seconds(took), f"{100 * took / op.median:.0f}%"])
    out.append(table(["playbook", "task", "median", "of the playbook"], rows))

    out += clock_section(bench)
    out += baseline_section(empty)
    out += scale_section(bench, empty, scale)
    out += fanout_section(bench)
    out += waits_section(bench)
    out += ["", END]
    return "\n".join(out) + "\n"


def clock_text(factor):
    if factor is None:
        return "not read"
    if not factor:
        return "stopped (factor 0: moto's timings, AWS's waits take no time)"
    return f"{factor:g} AWS seconds per sandbox second"


def signed(value):
    return f"{value:+.0f}"


def clock_section(bench):
    """Deploy, switch and clean in AWS-equivalent seconds against the least time AWS needs for them."""
    rows = bench.clock_rows()
    if not rows:
        return []
    factor = bench.factor
    new, old = weakest(bench.timings["new"]), weakest(bench.timings["old"])
    bounds = bench.bounds()
    in_use = "a listener still forwarded to it" if old.in_use else "no listener forwarded to it"
    first = [
        [
            label,
            row["runs"],
            f"{row['sandbox_seconds']:.2f}",
            f"{row['aws_seconds']:.0f}",
            f"{row['lower_bound']:.0f}",
            f"{row['ratio']:.1f}" if row["ratio"] is not None else "no bound",
            signed(row["overhead"]),
        ]
        for label, row in rows.items()
    ]
    second = [
        [
            label,
            f"{row['sandbox_seconds']:.2f}",
            f"{row['fixed_seconds']:.2f}",
            f"{row['waiting']:.2f}",
            f"{row['waiting_aws']:.0f}",
            f"{row['lower_bound']:.0f}",
            signed(row["waiting_overhead"]),
            f"{row['estimate']:.0f}",
        ]
        for label, row in rows.items()
        if "fixed_seconds" in row
    ]
    out = [
        "",
        "### On the sandbox's clock: AWS-equivalent seconds against the least AWS allows",
        "",
        "The sandbox takes AWS's time for what AWS makes a deployment wait for, divided by its speed factor",
        f"({clock_text(factor)}): targets `initial` until their instance has booted ({BOOT_SECONDS:g} s) and passed",
        "HealthyThresholdCount health checks, `draining` for the deregistration delay when their target group is in",
        "use, Route 53 changes `PENDING` for 60 s (tools/sandbox_time.py). A playbook's wall time times the factor is",
        "its time in AWS-equivalent seconds. The lower bound (benchmarks/bench_bounds.py, which cites the AWS",
        "documentation) is what any blue/green deployment needs with these target group settings, as CodeDeploy's",
        "EC2 blue/green deployment does it: the deploy waits for the new instances to boot and pass their health",
        "checks before traffic may move, the switch moves all traffic at once (no canary bake), the clean waits out",
        "the old targets' draining (no bake before it).",
        "",
        "The target groups, read from the sandbox (the least of both colours):",
        f"HealthCheckIntervalSeconds {new.interval:g}, HealthyThresholdCount {new.healthy_threshold},",
        f"deregistration delay {old.deregistration_delay:g} s; when the old colour was cleaned, {in_use}.",
        f"Bounds: deploy {bounds['deploy.yml']:g} s ({BOOT_SECONDS:g} + {new.healthy_threshold} x {new.interval:g}),",
        f"switch {bounds['switch.yml']:g} s, clean {bounds['clean.yml']:g} s.",
        "",
        "Medians over the runs of the first table. `ratio` is AWS-equivalent seconds over the bound, `overhead` the",
        "AWS-equivalent seconds above it:",
        "",
        table(
            [
                "playbook",
                "runs",
                "sandbox s",
                f"AWS-equivalent s (x {factor:g})",
                "lower bound (AWS s)",
                "ratio",
                "overhead (AWS s)",
            ],
            first,
        ),
        "",
        "The AWS-equivalent seconds overstate: they multiply all of a run by the factor, Ansible's own time too",
        "(starting ansible-playbook, a worker and a module per task, the API calls), which on AWS takes about as many",
        "wall seconds as here, not the factor times more. To separate it, the benchmark runs deploy, switch and clean",
        f"again with the clock at {FAST_CLOCK:g} AWS seconds per sandbox second, where AWS's waits take no time:",
        "their wall time there is the fixed cost. What the factor's clock added, `waiting` (the difference of the",
        "medians), is the time spent waiting on AWS; times the factor it sets the run against the bound",
        "(`waiting overhead`), and the fixed cost plus the waiting in AWS seconds estimates the run against AWS.",
        f"The roles poll every `bluegreen_poll_interval` = 1 sandbox second, {factor:g} AWS seconds: a wait may",
        "notice the state it waits for up to that long after AWS reached it, where the roles' default on AWS",
        "(15 s) would notice it within 15 s. Differences of medians of single runs carry their noise, a few tenths",
        f"of a sandbox second, times {factor:g}.",
        "",
        table(
            [
                "playbook",
                f"sandbox s at {factor:g}",
                f"fixed cost (sandbox s at {FAST_CLOCK:g})",
                "waiting (sandbox s)",
                "waiting (AWS s)",
                "lower bound (AWS s)",
                "waiting overhead (AWS s)",
                "estimate on AWS (s)",
            ],
            second,
        ),
    ]
    grown = []
    for label in rows:
        op, fast = bench.ops["empty"].get(label), bench.ops["fast_clock"].get(label)
        if not op or not fast or not op.tasks or not fast.tasks:
            continue
        slow, quick = dict(op.top_tasks(len(op.tasks[0]) + 50)), dict(fast.top_tasks(len(fast.tasks[0]) + 50))
        name = max(slow, key=lambda task: slow[task] - quick.get(task, 0.0))
        growth = slow[name] - quick.get(name, 0.0)
        grown.append(
            [
                label,
                name,
                f"{slow[name]:.2f}",
                f"{quick.get(name, 0.0):.2f}",
                f"{growth:.2f}",
                f"{growth * factor:.0f}",
                f"{rows[label]['lower_bound']:.0f}",
            ]
        )
    if grown:
        out += [
            "",
            "Where the waiting is: the task of each playbook whose time (profile_tasks, median) grew the most from",
            "the fast clock to the factor's. Unlike the difference of whole runs, it leaves out the noise the other",
            "tasks carry, which make the same calls at both speeds.",
            "",
            table(
                [
                    "playbook",
                    "task",
                    f"at {factor:g} (s)",
                    f"at {FAST_CLOCK:g} (s)",
                    "grew (sandbox s)",
                    "grew (AWS s)",
                    "lower bound (AWS s)",
                ],
                grown,
            ),
        ]
    return out


def baseline_section(empty):
    ours, theirs = empty.get("switch.yml"), empty.get("baseline_switch.yml")
    if not ours or not theirs:
        return []

    def modify(op):
        return count_range(*op.by_operation().get("elbv2:ModifyListener", (0, 0)))

    def compare(what, mine, other_):
        return [
            [
                f"{what}: API calls",
                spread(mine.totals, 0),
                spread(other_.totals, 0),
                f"{ratio(mine.median_calls, other_.median_calls):.2f}",
            ],
            [f"{what}: writes", mine.writes(), other_.writes(), ""],
            [f"{what}: ModifyListener", modify(mine), modify(other_), ""],
            [
                f"{what}: wall time",
                spread(mine.seconds),
                spread(other_.seconds),
                f"{ratio(mine.median, other_.median):.2f}",
            ],
        ]

    rows = compare("playbook", ours, theirs)
    rows.append(
        [
            "playbook: tasks",
            f"{statistics.median(map(len, ours.tasks)):.0f}",
            f"{statistics.median(map(len, theirs.tasks)):.0f}",
            "",
        ]
    )
    if "alb_swap" in empty and BASELINE_MODULE in empty:
        rows += compare("listener module alone", empty["alb_swap"], empty[BASELINE_MODULE])
    fewer_calls = ours.median_calls < theirs.median_calls
    faster = ours.median < theirs.median
    return [
        "",
        "### Against a switch written with amazon.aws modules",
        "",
        "`benchmarks/baseline_switch.yml` is the same ALB switch as a user without this collection would write it:",
        "`amazon.aws.elb_application_lb_info`, `community.aws.elb_target_group_info` (with target health), an",
        "assert on the target colour's health, `amazon.aws.elb_application_lb` restating the production and test",
        "listeners, and `community.aws.ssm_parameter` for `/bluegreen/demo/live`. It ran twice per cycle (there and",
        "back) between the second switch and the clean, against the same load balancer. It does less than the",
        "switch role: no lock, no consistency preflight, no compare-and-swap, no verification after the switch,",
        "no `IsProduction` tags, no automatic return on failure. `listener module alone` compares the module that",
        f"moves the listeners, each run as a module process: `alb_swap` and `{BASELINE_MODULE}` restating both",
        "listeners with the target groups' ARNs.",
        "",
        table(["", "this collection", "amazon.aws / community.aws", "ratio"], rows),
        "",
        "Target (the collection's switch makes fewer calls and takes less time than the baseline): fewer calls "
        f"{'met' if fewer_calls else '**not met**'}, less time {'met' if faster else '**not met**'}.",
    ]


def merged(*ops):
    """The runs of several measurements of one operation as one."""
    found = [op for op in ops if op is not None]
    whole = Operation(found[0].label, found[0].how)
    for op in found:
        whole.seconds += op.seconds
        whole.calls += op.calls
        whole.tasks += op.tasks
        whole.client_cpu += op.client_cpu
        whole.server_cpu += op.server_cpu
    return whole


def scale_section(bench, empty, scale):
    if not scale:
        return []
    after_ops = bench.ops["after"]
    created = ", ".join(
        f"{NOISE[kind]:,} {NOISE_NAMES[kind]} in {bench.noise[kind]:.0f} s" for kind in NOISE if kind in bench.noise
    )
    rows, grown = [], []
    for label in ("state_info", "deploy.yml", "switch.yml", "clean.yml"):
        before, crowded, again = empty.get(label), scale.get(label), after_ops.get(label)
        if not before or not crowded:
            continue
        # The reference is the empty account before and after the crowded runs.
        reference = merged(before, again)
        calls = ratio(crowded.median_calls, reference.median_calls)
        took = ratio(crowded.median, reference.median)
        client = ratio(statistics.median(crowded.client_cpu), statistics.median(reference.client_cpu))
        server = ratio(statistics.median(crowded.server_cpu), statistics.median(reference.server_cpu))
        rows.append(
            [
                label,
                f"{spread(reference.totals, 0)} → {spread(crowded.totals, 0)}",
                f"{calls:.2f}",
                spread(before.seconds),
                spread(crowded.seconds),
                spread(again.seconds) if again else "",
                f"{took:.2f}",
                f"{client:.2f}",
                f"{server:.2f}",
                "yes" if calls <= FLAT else "no",
                "yes" if took <= FLAT else "no",
            ]
        )
        low, high = reference.by_operation(), crowded.by_operation()
        for name in sorted(set(low) | set(high)):
            was, now = low.get(name, (0, 0))[1], high.get(name, (0, 0))[1]
            if now > was:
                grown.append(f"- `{label}`: `{name}` {was} → {now} calls")
    removed = f" ({bench.noise['removing']:.0f} s)" if "removing" in bench.noise else ""
    out = [
        "",
        "### Account scale",
        "",
        "The same account, after adding unrelated resources with boto3:",
        "",
        f"- {created};",
        "- half of the groups and target groups carry the `bluegreen:app` and `bluegreen:color` tags of other",
        "  applications, the other half only a `team` tag; half of the parameters live under",
        "  `/bluegreen/<other app>/`.",
        "",
        "Then state_info, and cycles of deploy, switch and clean, measured as above; then the same again after",
        f"removing the unrelated resources{removed}. The reference (`empty`) is the empty account before and after.",
        f"Ratios are of the medians, crowded over empty; `flat` means at most {FLAT}. Wall times are in seconds, the",
        "median and, in brackets, the range of single runs. The CPU ratios tell the collection's own work (client)",
        "from the sandbox's (server) when wall times move with the load of the machine.",
        "",
        table(
            [
                "operation",
                "calls, empty → crowded",
                "ratio",
                "time, empty before",
                "time, crowded",
                "time, empty after",
                "ratio",
                "client CPU ratio",
                "sandbox CPU ratio",
                "calls flat",
                "time flat",
            ],
            rows,
        ),
        "",
    ]
    if grown:
        out += ["Calls that grew with the account (most calls in one run, empty → crowded):", ""] + grown
    else:
        out.append("No call grew with the account.")
    if bench.probes:
        out += [
            "",
            f"state_info's reads sent directly with boto3, {PROBES} times each: the sandbox's median answer time.",
            "",
            table(
                ["read", "empty", "crowded", "ratio"],
                [
                    [
                        name,
                        f"{1000 * times['empty']:.1f} ms",
                        f"{1000 * times['crowded']:.1f} ms",
                        f"{ratio(times['crowded'], times['empty']):.2f}",
                    ]
                    for name, times in bench.probes.items()
                    if "crowded" in times
                ],
            ),
        ]
    return out


def fanout_section(bench):
    if not bench.fanout:
        return []
    first = next(iter(FANOUT_SETTINGS))

    def row(label, runs):
        return [
            label,
            len(runs),
            spread([run["seconds"] for run in runs]),
            spread([run["skew"] for run in runs]),
            spread([run["first"] for run in runs]),
            spread([run["last"] for run in runs]),
            spread([run["calls"] for run in runs], 0),
            seconds(statistics.median(run["client_cpu"] for run in runs)),
        ]

    headers = [
        "",
        "runs",
        "wall time (s)",
        "skew (s)",
        "first link moved (s)",
        "last link moved (s)",
        "API calls",
        "client CPU",
    ]

    def runs_of(size, setting):
        return [run for run in bench.fanout if run["instances"] == size and run["setting"] == setting]

    def succeeded(runs):
        return [run for run in runs if "failed" not in run]

    by_size = [
        row(f"{size} instance{'s' if size > 1 else ''}", runs)
        for size in FANOUT_SIZES
        if (runs := succeeded(runs_of(size, first)))
    ]
    largest = FANOUT_SIZES[-1]
    by_setting = [
        row(setting if size == largest else f"{setting}, {size} instances", runs)
        for setting in FANOUT_SETTINGS
        for size in (FANOUT_SIZE_OF.get(setting, largest),)
        if (runs := succeeded(runs_of(size, setting)))
    ]
    failed = []
    for size in FANOUT_SIZES:
        for setting in FANOUT_SETTINGS:
            runs = runs_of(size, setting)
            bad = [run for run in runs if "failed" in run]
            if bad:
                moved = ", ".join(str(run["moved"]) for run in bad)
                failed.append(
                    f"- {size} instances, {setting}: {len(bad)} of {len(runs)} runs failed, leaving {moved} of {size}"
                    f" links on the new colour (put back by the benchmark before the next run); the first failure:"
                    f" `{bad[0]['failed'][:300]}`"
                )
    slowest = succeeded(runs_of(largest, first))
    names = {name for run in slowest for name in run["tasks"]}
    medians = {name: statistics.median(run["tasks"].get(name, 0.0) for run in slowest) for name in names}
    top = sorted(medians.items(), key=lambda item: -item[1])[:TOP_TASKS]
    out = [
        "",
        "### Fan-out (strategy efs)",
        "",
        "playbooks/switch.yml with strategy efs across 1, 10 and 50 instances, `-e bluegreen_hosts=fanout`. The",
        "instances are the hosts of an inventory the benchmark writes (`tests/output/bench-4595/fanout/`), each with",
        "`ansible_connection: local` and a web root of its own, a symlink into a local stand-in for EFS. One Apache",
        "(Debian's apache2-bin, started by the benchmark on a free loopback port) serves all of them: its document",
        "root holds every instance's web root, so each instance's release marker has a URL of its own, which the",
        "switch role requests on each instance after its link moved. The reload command is `true`: that Apache",
        "reads the links on every request, so it serves the new release without a reload. Every run switches all its",
        "instances to the other colour; the benchmark checks that each link points at it afterwards.",
        "",
        "`skew` is the time between the first and the last instance's link change, read from the links' `lstat`",
        "modification times after the run (the module creates the new link beside the old one and renames it over",
        "it, so the time is that of the switch); `first` and `last link moved` count from the start of",
        "ansible-playbook. Times in seconds, the median and, in brackets, the range of the runs.",
        "",
        f"By number of instances, with {first}:",
        "",
        table(headers, by_size),
        "",
        f"At {largest} instances (unless the row says otherwise), by Ansible setting (`ANSIBLE_FORKS`,",
        "`ANSIBLE_PIPELINING`, `ANSIBLE_STRATEGY`; the switch playbook's play sets `strategy: linear`, which",
        "`ANSIBLE_STRATEGY` does not override):",
        "",
        table(headers, by_setting),
    ]
    if failed:
        out += ["", "Runs that failed:", ""] + failed
    if top:
        out += [
            "",
            f"The {TOP_TASKS} slowest tasks of the switch of {largest} instances ({first}; a task's time is from its",
            "start on the first instance to its end on the last):",
            "",
            table(["task", "median"], [[name, seconds(took)] for name, took in top]),
        ]
    return out


def waits_section(bench):
    out = [
        "",
        "### Waiting",
        "",
        "On the sandbox's clock a state comes when AWS's time for it has passed, not when the benchmark chooses.",
        "To see a wait notice a change at a known moment, the benchmark spoils the awaited state before the",
        "wait starts and repairs it a set time after the wait's first poll (`reached`, in poll intervals): the",
        "Auto Scaling health of the green fleet's instances (SetInstanceHealth Unhealthy, then Healthy), or the",
        "instances themselves (StopInstances, which the sandbox reports as target state `unused`, then",
        "StartInstances). asg_clone's waiters are called directly (the functions of",
        "`plugins/module_utils/_autoscaling/waiters.py` and `_elbv2/waiters.py` the module calls), alb_swap runs as a",
        "module with `health_wait_timeout` while green has no healthy target. `noticed after` is the time from the",
        "repair to the end of the wait (asg_clone) or to the ModifyListener request seen at the sandbox (alb_swap);",
        "`polls` counts the wait's reads.",
        "",
    ]
    groups = {}
    for item in bench.waits:
        groups.setdefault((item["label"], item["interval"]), []).append(item)
    rows = []
    for (label, interval), items in groups.items():
        noticed = [item["noticed"] for item in items]
        within = sum(1 for value in noticed if value <= interval)
        rows.append(
            [
                label,
                f"{interval} s",
                ", ".join(f"{item['reached']:g}" for item in items),
                ", ".join(str(item["polls"]) for item in items),
                ", ".join(f"{value:.2f}" for value in noticed),
                f"{within} of {len(items)}",
            ]
        )
    out.append(
        table(
            [
                "wait",
                "poll interval",
                "reached (intervals after 1st poll)",
                "polls",
                "noticed after (s)",
                "within one interval",
            ],
            rows,
        )
    )
    out += [
        "",
        "In the module runs of the first table the awaited state holds at a wait's first poll. The reads from the",
        "write a wait follows to the end of the module (asg_clone's clone: the in-service poll, a read of the group",
        "for its instance ids, the target health poll, the final read of the group; its absent: the polls until the",
        "group is empty; route53_alias_flip: one GetChange per change batch):",
        "",
    ]
    rows = []
    for label, runs in bench.wait_polls.items():
        names = sorted({name for run in runs for name in run})
        rows.append(
            [
                label,
                ", ".join(
                    f"{name} {count_range(min(r[name] for r in runs), max(r[name] for r in runs))}" for name in names
                ),
            ]
        )
    out.append(table(["module run", "reads"], rows))
    return out


def write_docs(section):
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        head, _, rest = text.partition(BEGIN)
        _, _, tail = rest.partition(END)
        text = head + section.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOCS.write_text(text, encoding="utf-8")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="API calls and wall time of teal.bluegreen against a local sandbox")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (default %(default)s)")
    parser.add_argument("--quick", action="store_true", help="one run of each measurement, fewer wait samples")
    parser.add_argument("--no-docs", action="store_true", help="print the tables only; leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be 1 or more")
    return args


def main(argv=None):
    args = parse_args(argv)
    if not (COLLECTIONS / "ansible_collections" / "teal" / "bluegreen" / "MANIFEST.json").exists():
        print(f"teal.bluegreen is not installed in {COLLECTIONS}; run `make install` first", file=sys.stderr)
        return 1
    runs = 1 if args.quick else args.runs
    bench = Bench(Sandbox(PORT, STATE_DIR), runs, args.quick)
    started = datetime.datetime.now(datetime.timezone.utc)
    try:
        bench.provision()
        bench.modules()
        bench.waits_phase()
        bench.cycles()
        bench.fixed_cost()
        bench.scale()
        bench.fanout_phase()
        bench.route53()
    finally:
        bench.sandbox.stop()
    finished = datetime.datetime.now(datetime.timezone.utc)
    section = render(bench, started, finished)
    print(section)
    (STATE_DIR / "results.json").write_text(
        json.dumps(
            {
                account: {
                    label: {
                        "how": op.how,
                        "seconds": op.seconds,
                        # Wall seconds times the sandbox's speed factor (the fast-clock runs: times FAST_CLOCK).
                        "aws_equivalent_seconds": [
                            took * (FAST_CLOCK if account == "fast_clock" else bench.factor or 0.0)
                            for took in op.seconds
                        ],
                        "client_cpu": op.client_cpu,
                        "server_cpu": op.server_cpu,
                        "calls": op.calls,
                        "tasks": op.tasks,
                    }
                    for label, op in ops.items()
                }
                for account, ops in bench.ops.items()
            }
            | {
                "waits": bench.waits,
                "probes": bench.probes,
                "noise_seconds": bench.noise,
                "not_measured": bench.not_measured,
                "fanout": [{key: value for key, value in run.items() if key != "tasks"} for run in bench.fanout],
                "clock": {
                    "factor": bench.factor,
                    "fast_factor": FAST_CLOCK,
                    "target_groups": {
                        role: [dataclasses.asdict(timing) for timing in timings]
                        for role, timings in bench.timings.items()
                    },
                    "lower_bounds": bench.bounds(),
                    "playbooks": bench.clock_rows(),
                },
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    if not args.no_docs:
        write_docs(section)
        print(f"wrote the section to {DOCS.relative_to(ROOT)}")
    failed = [(label, text) for label, text, ok in bench.cutovers if not ok]
    for label, text in failed:
        print(f"cutover not in one call per listener / zone: {label}: {text}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
