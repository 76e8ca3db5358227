# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Deploy, switch, rollback and clean of demo (strategy alb), killed right after each write they make, then run again.

Each playbook reaches the sandbox through tools/fault_proxy.py with its crash point armed: once the answer to the
Nth write (a call whose operation changes something) has been sent, the proxy holds every later request and the
test kills the playbook's whole process group with SIGKILL, so the sandbox has seen exactly N writes. N goes
1, 2, ... until a run ends before its crash point: the number of kill points of the playbook.

After each kill the same playbook runs again. Each run has a lock owner of its own, as AWX jobs do; when the killed
run left its lock, the re-run must fail naming that owner and bluegreen_force_unlock, and succeed with it; otherwise
it must succeed at once. After the kill and after each re-run, production stays safe (check_production); once a run
has completed, the live parameter names the colour that takes the traffic and the layers agree.

The full sweep is marked long; test_a_switch_killed_right_after_moving_the_traffic_converges_when_run_again is the
one kill point `make test` runs. Figures go to tests/output/reliability/crash.json and docs/reliability.md.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from conftest import BIN
from conftest import ROOT

from .sandbox_state import DEPLOYMENT
from .sandbox_state import FAST
from .sandbox_state import LIVE
from .sandbox_state import LOCK
from .sandbox_state import PLAYBOOKS
from .sandbox_state import ansible_errors
from .sandbox_state import demo_state
from .sandbox_state import run

OUTPUT = ROOT / "tests" / "output" / "reliability"
# More kill points than any of the four playbooks has; reaching it means the sweep never ends.
MOST_KILL_POINTS = 40
# How long a run may take to reach its crash point or end.
RUN_TIMEOUT = 600
COLORS = ("blue", "green")


def production(sandbox):
    """{colour: percent} of the target groups demo's production listener (port 80) sends traffic to."""
    elbv2 = sandbox.client("elbv2")
    balancer = elbv2.describe_load_balancers(Names=["demo"])["LoadBalancers"][0]
    listeners = elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    listener = next(item for item in listeners if item["Port"] == 80)
    colors = {sandbox.target_group_arn(color): color for color in COLORS}
    weights = {}
    for action in listener["DefaultActions"]:
        assert action["Type"] == "forward", listener["DefaultActions"]
        groups = action.get("ForwardConfig", {}).get("TargetGroups") or [
            {"TargetGroupArn": action["TargetGroupArn"], "Weight": 1}
        ]
        total = sum(group.get("Weight", 1) for group in groups)
        for group in groups:
            if group.get("Weight", 1) > 0:
                weights[colors[group["TargetGroupArn"]]] = round(100 * group.get("Weight", 1) / total)
    return weights


def check_production(sandbox, completed, where):
    """What must hold whatever point a run was killed at; and, after a run that completed, that the layers agree."""
    elbv2 = sandbox.client("elbv2")
    weights = production(sandbox)
    groups = sandbox.groups()
    colors_of_groups = {
        tag["Value"]: name for name, group in groups.items() for tag in group["Tags"] if tag["Key"] == "bluegreen:color"
    }
    assert weights, f"{where}: production forwards to no target group"
    for color in weights:
        health = elbv2.describe_target_health(TargetGroupArn=sandbox.target_group_arn(color))
        healthy = [item for item in health["TargetHealthDescriptions"] if item["TargetHealth"]["State"] == "healthy"]
        assert healthy, f"{where}: production forwards to demo-{color}, which has no healthy target"
        assert color in colors_of_groups, f"{where}: production forwards to {color}, which has no Auto Scaling group"
        in_service = [
            item for item in groups[colors_of_groups[color]]["Instances"] if item["LifecycleState"] == "InService"
        ]
        assert in_service, f"{where}: the Auto Scaling group of {color}, which takes production traffic, is empty"
    assert len(groups) <= 2, f"{where}: demo has {len(groups)} Auto Scaling groups: {sorted(groups)}"
    if completed:
        assert len(weights) == 1, f"{where}: production is split after a completed run: {weights}"
        live = next(iter(weights))
        assert (
            sandbox.parameter(LIVE) == live
        ), f"{where}: {LIVE} says {sandbox.parameter(LIVE)}, traffic goes to {live}"
        assert sandbox.parameter(LOCK) is None, f"{where}: the lock is left: {sandbox.parameter(LOCK)}"
        state = demo_state(sandbox)
        assert state["consistent"], f"{where}: {state['reasons']}"


class Crashes:
    """Runs playbooks through the proxy, killed at a crash point, and keeps what each kill point took."""

    def __init__(self, sandbox, proxy):
        self.sandbox = sandbox
        self.proxy = proxy
        self.points = []

    def start(self, name, extra_vars):
        extra_vars = {**FAST, "bluegreen_aws_endpoint_url": self.proxy.url, **extra_vars}
        command = [
            str(BIN / "ansible-playbook"),
            "-i",
            str(ROOT / "inventories" / "local"),
            str(PLAYBOOKS / f"{name}.yml"),
        ]
        command += ["-e", json.dumps(extra_vars)]
        # A session of its own: the kill reaches ansible-playbook, its workers and the module processes at once.
        return subprocess.Popen(
            command,
            env=self.sandbox.env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def killed_at(self, name, point, extra_vars, match="*"):
        """Run ``name`` with the crash point after its ``point``-th write (of those matching ``match``); kill it
        there. Returns (killed, output, the crash point's record)."""
        self.proxy.arm_crash(point, match)
        process = self.start(name, extra_vars)
        deadline = time.monotonic() + RUN_TIMEOUT
        killed = False
        while process.poll() is None:
            if self.proxy.crashed.wait(0.1):
                os.killpg(process.pid, signal.SIGKILL)
                killed = True
                break
            assert time.monotonic() < deadline, f"{name} neither reached write {point} nor ended in {RUN_TIMEOUT}s"
        output = process.communicate()[0]
        crash = self.proxy.disarm_crash()
        if not killed:
            assert process.returncode == 0, output
        return killed, output, crash

    def rerun(self, name, owner, killed_owner, where):
        """Run ``name`` again as ``owner``; through the lock the killed run left, if any, with bluegreen_force_unlock."""
        extra_vars = {"bluegreen_lock_owner": owner}
        left_lock = self.sandbox.parameter(LOCK)
        done = self.sandbox.playbook(
            PLAYBOOKS / f"{name}.yml", extra_vars={**FAST, "bluegreen_aws_endpoint_url": self.proxy.url, **extra_vars}
        )
        output = done.stdout + done.stderr
        refused = None
        if left_lock is not None:
            assert json.loads(left_lock)["owner"] == killed_owner, left_lock
            assert done.returncode != 0, f"{where}: the re-run went through the lock of {killed_owner}:\n{output}"
            refused = ansible_errors(output)
            assert killed_owner in refused and "bluegreen_force_unlock" in refused, output
            check_production(self.sandbox, False, f"{where}, refused on the lock")
            done = self.sandbox.playbook(
                PLAYBOOKS / f"{name}.yml",
                extra_vars={
                    **FAST,
                    "bluegreen_aws_endpoint_url": self.proxy.url,
                    **extra_vars,
                    "bluegreen_force_unlock": True,
                },
            )
            output = done.stdout + done.stderr
        assert done.returncode == 0, f"{where}: the re-run did not converge:\n{output}"
        check_production(self.sandbox, True, f"{where}, run again")
        return refused

    def sweep(self, name, restore):
        """Kill ``name`` after write 1, 2, ... each time from the state ``restore`` leaves, until a run completes."""
        for point in range(1, MOST_KILL_POINTS + 1):
            restore()
            where = f"{name} killed after write {point}"
            killed_owner = f"{name}-run-{point}"
            started = time.monotonic()
            killed, output, crash = self.killed_at(name, point, {"bluegreen_lock_owner": killed_owner})
            if not killed:
                check_production(self.sandbox, True, f"{name} run to its end")
                self.sandbox.forget_old_targets()
                return point - 1
            check_production(self.sandbox, False, where)
            lock_left = self.sandbox.parameter(LOCK) is not None
            refused = self.rerun(name, f"{name}-rerun-{point}", killed_owner, where)
            self.sandbox.forget_old_targets()
            self.points.append(
                {
                    "playbook": name,
                    "point": point,
                    "write": crash["tripped_on"],
                    "lock_left": lock_left,
                    "refused": bool(refused),
                    "seconds": round(time.monotonic() - started, 1),
                }
            )
        raise AssertionError(f"{name} still had writes after {MOST_KILL_POINTS} kill points")


def deployed_state(sandbox):
    """Two fleets, the newer one recorded by the deploy (deployed now when there is one fleet)."""
    if sandbox.parameter(LOCK) is not None:
        sandbox.client("ssm").delete_parameter(Name=LOCK)
    if len(sandbox.groups()) == 1:
        run(sandbox, "deploy")
    sandbox.forget_old_targets()


def one_fleet(sandbox):
    if sandbox.parameter(LOCK) is not None:
        sandbox.client("ssm").delete_parameter(Name=LOCK)
    if len(sandbox.groups()) > 1:
        run(sandbox, "clean", bluegreen_discard_deployment=True)
    if sandbox.parameter(DEPLOYMENT) is not None:
        sandbox.client("ssm").delete_parameter(Name=DEPLOYMENT)
    sandbox.forget_old_targets()


def test_a_switch_killed_right_after_moving_the_traffic_converges_when_run_again(demo_from_blue, proxy):
    sandbox = demo_from_blue
    run(sandbox, "deploy")
    sandbox.forget_old_targets()
    crashes = Crashes(sandbox, proxy)

    killed, output, crash = crashes.killed_at(
        "switch", 1, {"bluegreen_lock_owner": "switch-killed"}, match="elbv2:ModifyListener"
    )

    assert killed, output
    assert crash["tripped_on"] == "elbv2:ModifyListener", crash
    assert production(sandbox) == {"green": 100}
    check_production(sandbox, False, "switch killed after ModifyListener")
    assert json.loads(sandbox.parameter(LOCK))["owner"] == "switch-killed"
    refused = crashes.rerun("switch", "switch-rerun", "switch-killed", "switch killed after ModifyListener")
    assert refused
    assert sandbox.parameter(LIVE) == "green"


@pytest.mark.long
def test_deploy_switch_rollback_and_clean_killed_after_each_write_converge_when_run_again(demo_from_blue, proxy):
    sandbox = demo_from_blue
    OUTPUT.mkdir(parents=True, exist_ok=True)
    crashes = Crashes(sandbox, proxy)
    kill_points = {}
    seconds = {}

    def switched():
        deployed_state(sandbox)
        if demo_state(sandbox)["live_color"] != json.loads(sandbox.parameter(DEPLOYMENT))["color"]:
            run(sandbox, "switch")
        sandbox.forget_old_targets()

    def switched_back():
        deployed_state(sandbox)
        if demo_state(sandbox)["live_color"] == json.loads(sandbox.parameter(DEPLOYMENT))["color"]:
            run(sandbox, "rollback")
        sandbox.forget_old_targets()

    restores = {
        "deploy": lambda: one_fleet(sandbox),
        "switch": switched_back,
        "rollback": switched,
        # After a clean, one fleet: deploy and switch again.
        "clean": switched,
    }
    started = time.monotonic()
    for name, restore in restores.items():
        began = time.monotonic()
        kill_points[name] = crashes.sweep(name, restore)
        seconds[name] = round(time.monotonic() - began, 1)
    report = {
        "kill_points": kill_points,
        "seconds": seconds,
        "total_seconds": round(time.monotonic() - started, 1),
        "points": crashes.points,
    }
    (OUTPUT / "crash.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    assert all(kill_points.values()), kill_points
