# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Deploy (with a new image), switch and clean (strategies alb and route53) with one of their writes answered by a
fault, write after write: its answer lost (drop_after: the sandbox made the change, the client never heard and sends it again) or
a server error in its place (http500). Each run goes through tools/fault_proxy.py with its write fault armed at the
Nth write; N goes 1, 2, ... until a run makes fewer writes than N.

After each faulted run:

- the run succeeded, or it failed saying why (an Ansible error, no module crash); then the same playbook, run again
  without a fault, converges (through the lock the failed run left, if any, with bluegreen_force_unlock);
- production stayed on healthy targets of a colour with a fleet all along (the strategy's ``check``,
  tests/reliability/strategies.py), and once converged the layers agree;
- no write was duplicated: the application has as many Auto Scaling groups, launch template versions, versions of
  its live parameter and (strategy route53) record sets of its live name as the same playbook leaves when nothing
  fails (measured by a first cycle without faults).

For each strategy, one application per fault (alb: demo2 drop_after, demo3 http500; route53: r53crash1 and
r53crash2), each through a proxy of its own, walk the cycle at once. Marked long (`make reliability`);
BLUEGREEN_RELIABILITY_LOST_SAMPLE=K (CI's `make reliability-sample`) takes K points of each playbook of strategy alb,
drawn with BLUEGREEN_RELIABILITY_SEED from those of the last full sweep (WRITES), and leaves route53 to the full
sweep. Figures go to tests/output/reliability/lost-responses-<strategy>.json and docs/reliability.md.
"""

from __future__ import annotations

import functools
import json
import os
import random
import threading
import time

import pytest

from .faults import new_proxy
from .faults import run_at_once
from .sandbox_state import FAST
from .sandbox_state import PLAYBOOKS
from .sandbox_state import ansible_errors
from .strategies import Alb
from .strategies import Route53
from .test_crash import OUTPUT

FAULTS = ("drop_after", "http500")
CYCLE = ("deploy", "switch", "clean")
# More writes than any of the three playbooks makes; reaching it means the sweep never ends.
MOST_WRITES = 40
SAMPLE = int(os.environ.get("BLUEGREEN_RELIABILITY_LOST_SAMPLE") or 0)
SEED = int(os.environ.get("BLUEGREEN_RELIABILITY_SEED") or 1)
# The writes of each playbook of strategy alb in the last full sweep (docs/reliability.md), which a sampled sweep
# draws from.
WRITES = {"deploy": 6, "switch": 7, "clean": 5}
STRATEGIES = {"alb": Alb(), "route53": Route53()}
# What a module crash looks like in a playbook's output, as opposed to a failure the module explains.
CRASHES = ("MODULE FAILURE", "Traceback (most recent call last)")


def counts(sandbox, app):
    """What a duplicated write would add to: the app's Auto Scaling groups, launch template versions, versions of its
    live parameter and, with strategy route53, record sets of its live name."""
    ec2 = sandbox.client("ec2")
    templates = [
        item["LaunchTemplateId"]
        for item in ec2.describe_launch_templates()["LaunchTemplates"]
        if item["LaunchTemplateName"] == app.name
    ]
    versions = sum(
        len(ec2.describe_launch_template_versions(LaunchTemplateId=template)["LaunchTemplateVersions"])
        for template in templates
    )
    history = sandbox.client("ssm").get_paginator("get_parameter_history").paginate(Name=app.live)
    found = {
        "groups": len(sandbox.groups(app.name)),
        "launch template versions": versions,
        "live parameter versions": len(history.build_full_result()["Parameters"]),
    }
    if hasattr(app, "fqdn"):
        route53 = sandbox.client("route53")
        zone = route53.list_hosted_zones_by_name(DNSName="example.com.")["HostedZones"][0]["Id"]
        records = route53.list_resource_record_sets(HostedZoneId=zone, StartRecordName=app.fqdn, MaxItems="20")
        found["live name record sets"] = sum(1 for item in records["ResourceRecordSets"] if item["Name"] == app.fqdn)
    return found


def delta(before, after):
    return {key: after[key] - before[key] for key in before}


def next_playbook(sandbox, app):
    """deploy from one fleet, switch once deployed, clean once switched."""
    if len(sandbox.groups(app.name)) == 1:
        return "deploy"
    deployed = json.loads(sandbox.parameter(app.deployment))["color"]
    return "clean" if sandbox.parameter(app.live) == deployed else "switch"


def sample_points(count, seed):
    draw = random.Random(seed)
    return {name: sorted(draw.sample(range(1, writes + 1), min(count, writes))) for name, writes in WRITES.items()}


class Walk:
    """One application walking the cycle with one fault, each playbook's write points in turn."""

    def __init__(self, sandbox, strategy, app, proxy, fault, sample=None):
        self.sandbox, self.strategy, self.app, self.proxy, self.fault = sandbox, strategy, app, proxy, fault
        self.left = {name: list(sample[name]) for name in CYCLE} if sample else None
        self.next_point = {name: 1 for name in CYCLE}
        self.ends = {}
        self.baseline = {}
        self.points = []

    def release(self, name):
        """What the playbook is given besides the application: for a deploy, an image other than the live fleet's, so
        that it writes a launch template version, whose retry must not write two."""
        if name != "deploy":
            return {}
        live = self.sandbox.parameter(self.app.live)
        group = self.sandbox.groups(self.app.name)[f"{self.app.name}-{live}"]
        spec = group["LaunchTemplate"]
        data = self.sandbox.client("ec2").describe_launch_template_versions(
            LaunchTemplateId=spec["LaunchTemplateId"], Versions=[spec["Version"]]
        )["LaunchTemplateVersions"][0]["LaunchTemplateData"]
        return {"bluegreen_image_id": next(item for item in self.sandbox.images() if item != data.get("ImageId"))}

    def pending(self):
        if self.left is not None:
            return any(self.left.values())
        return len(self.ends) < len(CYCLE)

    def take(self, name):
        if self.left is not None:
            return self.left[name].pop(0) if self.left[name] else None
        if name in self.ends:
            return None
        point = self.next_point[name]
        self.next_point[name] += 1
        assert point <= MOST_WRITES, f"{name} still had writes after {MOST_WRITES}"
        return point

    def playbook(self, name, **extra):
        extra_vars = {**FAST, **self.app.extra_vars, "bluegreen_aws_endpoint_url": self.proxy.url, **extra}
        return self.sandbox.playbook(PLAYBOOKS / f"{name}.yml", extra_vars=extra_vars)

    def plain(self, name):
        before = counts(self.sandbox, self.app)
        done = self.playbook(name, **self.release(name))
        assert done.returncode == 0, f"{self.app.name}: {name} without a fault failed:\n{done.stdout}{done.stderr}"
        self.strategy.settle(self.sandbox, self.app)
        self.baseline[name] = delta(before, counts(self.sandbox, self.app))

    def faulted(self, name, point):
        where = f"{self.app.name}: {name} with {self.fault} on write {point}"
        owner = f"{name}-{self.fault}-{point}"
        release = self.release(name)
        before = counts(self.sandbox, self.app)
        started = time.monotonic()
        self.proxy.reset_stats()
        self.proxy.arm_write_fault(point, self.fault)
        done = self.playbook(name, bluegreen_lock_owner=owner, **release)
        seen = self.proxy.disarm_write_fault()
        output = done.stdout + done.stderr
        assert not any(crash in output for crash in CRASHES), f"{where}: a module crashed:\n{output}"
        if seen["fired_on"] is None:
            assert done.returncode == 0, f"{where}: failed before its write {point}:\n{output}"
            return False
        failure = None
        if done.returncode != 0:
            failure = ansible_errors(output)
            assert failure, f"{where}: failed without saying why:\n{output}"
            self.strategy.check(self.sandbox, self.app, False, where)
            again = self.playbook(name, bluegreen_lock_owner=f"{owner}-again", **release)
            if again.returncode != 0 and owner in ansible_errors(again.stdout + again.stderr):
                again = self.playbook(
                    name, bluegreen_lock_owner=f"{owner}-again", bluegreen_force_unlock=True, **release
                )
            assert again.returncode == 0, f"{where}: the run again did not converge:\n{again.stdout}{again.stderr}"
        self.strategy.check(self.sandbox, self.app, True, where)
        self.strategy.settle(self.sandbox, self.app)
        added = delta(before, counts(self.sandbox, self.app))
        assert added == self.baseline[name], f"{where}: added {added}, without a fault {self.baseline[name]}"
        self.points.append(
            {
                "playbook": name,
                "fault": self.fault,
                "point": point,
                "write": seen["fired_on"],
                "failed": failure,
                "seconds": round(time.monotonic() - started, 1),
            }
        )
        return True

    def walk(self, stopped):
        try:
            # Two cycles without faults: what each playbook adds when nothing fails, from the second, once the live
            # fleet launches from a version a deploy made (which the clean after the next switch deletes).
            for name in CYCLE + CYCLE:
                self.plain(name)
            while self.pending() and not stopped.is_set():
                name = next_playbook(self.sandbox, self.app)
                point = self.take(name)
                if point is None:
                    self.plain(name)
                elif not self.faulted(name, point):
                    self.ends[name] = point
                    self.strategy.settle(self.sandbox, self.app)
        except BaseException:
            stopped.set()
            raise


@pytest.mark.long
@pytest.mark.parametrize("name", STRATEGIES)
def test_deploy_switch_and_clean_with_a_lost_answer_or_a_server_error_on_each_write_write_nothing_twice(sandbox, name):
    strategy = STRATEGIES[name]
    if SAMPLE and name != "alb":
        pytest.skip("the sample is of strategy alb; `make reliability` sweeps route53")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    sample = sample_points(SAMPLE, SEED) if SAMPLE else None
    if sample:
        print(f"a sampled sweep, seed {SEED}: write points {sample}")
    # boto3's default session sets itself up with its first clients; the walks' threads must not race for it.
    for service in ("autoscaling", "ec2", "elbv2", "route53", "ssm"):
        sandbox.client(service)
    taken = strategy.apps(sandbox, len(FAULTS))
    proxies = [new_proxy(sandbox.endpoint) for _fault in FAULTS]
    walks = [Walk(sandbox, strategy, app, proxy, fault, sample) for app, proxy, fault in zip(taken, proxies, FAULTS)]
    stopped = threading.Event()
    started = time.monotonic()
    run_at_once(proxies, [functools.partial(walk.walk, stopped) for walk in walks])
    points = [point for walk in walks for point in walk.points]
    report = {
        "strategy": name,
        "writes": {walk.fault: {step: end - 1 for step, end in walk.ends.items()} for walk in walks},
        "sample": sample,
        "seed": SEED if sample else None,
        "baseline": {walk.fault: walk.baseline for walk in walks},
        "failed_then_converged": sum(1 for point in points if point["failed"]),
        "total_seconds": round(time.monotonic() - started, 1),
        "points": points,
    }
    (OUTPUT / f"lost-responses-{name}.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"{name}: writes per playbook: {report['writes']}; {len(points)} faulted runs in {report['total_seconds']} s")
    for walk in walks:
        if sample:
            assert walk.points, f"{walk.fault}: none of the drawn points {sample} is a write of a playbook"
            continue
        for step in CYCLE:
            faulted = sorted(point["point"] for point in walk.points if point["playbook"] == step)
            assert faulted == list(range(1, walk.ends[step])), (walk.fault, step, faulted, walk.ends[step])
