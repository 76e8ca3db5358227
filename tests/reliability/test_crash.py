# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Deploy, switch, rollback and clean (strategy alb), killed right after each write they make, then run again.

Each playbook reaches the sandbox through tools/fault_proxy.py with its crash point armed: once the answer to the
Nth write (a call whose operation changes something) has been sent, the proxy holds every later request and the
test kills the playbook with SIGKILL, with every process below it (``kill_tree``), so the sandbox has seen exactly N
writes. N goes 1, 2, ... until a run ends before its crash point: the number of kill points of the playbook.

After each kill the same playbook runs again. Each run has a lock owner of its own, as AWX jobs do; when the killed
run left its lock, the re-run must fail naming that owner and bluegreen_force_unlock, and succeed with it; otherwise
it must succeed at once. After the kill and after each re-run, production stays safe (check_production); once a run
has completed, the live parameter names the colour that takes the traffic and the layers agree.

The full sweep is marked long; test_a_switch_killed_right_after_moving_the_traffic_converges_when_run_again is the
one kill point `make test` runs. With BLUEGREEN_RELIABILITY_CRASH_SAMPLE=K (CI's `make reliability-sample`), the
sweep takes K kill points of each playbook instead of all, drawn with BLUEGREEN_RELIABILITY_SEED from the points
the last full sweep found (KILL_POINTS); a drawn point past a playbook's last write is a run to its end. Figures go
to tests/output/reliability/crash.json and docs/reliability.md.

The sweep needs no restore between kill points: a kill point ends with its re-run completed, which leaves the
application where the same playbook run to its end would, and that is where another playbook starts from (one
fleet: deploy; deployed: switch; switched: rollback or clean). So each application walks the cycle, every step a
kill point of the playbook it runs (``walk``), with a run to its end only where no sweep needs the step. CRASH_APPS
applications of their own (the ``apps`` fixture) walk at once, each through a proxy of its own, taking the kill
points of each playbook in turn.
"""

from __future__ import annotations

import functools
import json
import os
import random
import signal
import subprocess
import threading
import time

import pytest

from conftest import BIN
from conftest import ROOT

from .faults import new_proxy
from .faults import run_at_once
from .sandbox_state import DEMO
from .sandbox_state import FAST
from .sandbox_state import PLAYBOOKS
from .sandbox_state import ansible_errors
from .sandbox_state import app_state
from .sandbox_state import forget_old_targets
from .sandbox_state import run

OUTPUT = ROOT / "tests" / "output" / "reliability"
PROC = "/proc"
# More kill points than any of the four playbooks has; reaching it means the sweep never ends.
MOST_KILL_POINTS = 40
# How long a run may take to reach its crash point or end.
RUN_TIMEOUT = 600
COLORS = ("blue", "green")
CRASH_APPS = int(os.environ.get("BLUEGREEN_RELIABILITY_CRASH_APPS") or 2)
# Kill points per playbook in a sampled sweep (0: all of them), and the seed of the draw.
SAMPLE = int(os.environ.get("BLUEGREEN_RELIABILITY_CRASH_SAMPLE") or 0)
SEED = int(os.environ.get("BLUEGREEN_RELIABILITY_SEED") or 1)
# The kill points of each playbook in the last full sweep (docs/reliability.md), which a sampled sweep draws from.
KILL_POINTS = {"deploy": 5, "switch": 7, "rollback": 7, "clean": 4}
# Where an application stands in the cycle, and the playbooks that start from there with where they leave it.
ONE_FLEET, DEPLOYED, SWITCHED = "one fleet", "deployed", "switched"
STARTS_FROM = {"deploy": ONE_FLEET, "switch": DEPLOYED, "rollback": SWITCHED, "clean": SWITCHED}


def production(sandbox, app=DEMO):
    """{colour: percent} of the target groups the app's production listener (port 80) sends traffic to."""
    elbv2 = sandbox.client("elbv2")
    balancer = elbv2.describe_load_balancers(Names=[app.name])["LoadBalancers"][0]
    listeners = elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    listener = next(item for item in listeners if item["Port"] == 80)
    colors = {sandbox.target_group_arn(color, app.name): color for color in COLORS}
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


def check_production(sandbox, completed, where, app=DEMO):
    """What must hold whatever point a run was killed at; and, after a run that completed, that the layers agree."""
    elbv2 = sandbox.client("elbv2")
    weights = production(sandbox, app)
    groups = sandbox.groups(app.name)
    colors_of_groups = {
        tag["Value"]: name for name, group in groups.items() for tag in group["Tags"] if tag["Key"] == "bluegreen:color"
    }
    assert weights, f"{where}: production forwards to no target group"
    for color in weights:
        health = elbv2.describe_target_health(TargetGroupArn=sandbox.target_group_arn(color, app.name))
        healthy = [item for item in health["TargetHealthDescriptions"] if item["TargetHealth"]["State"] == "healthy"]
        assert healthy, f"{where}: production forwards to {app.name}-{color}, which has no healthy target"
        assert color in colors_of_groups, f"{where}: production forwards to {color}, which has no Auto Scaling group"
        in_service = [
            item for item in groups[colors_of_groups[color]]["Instances"] if item["LifecycleState"] == "InService"
        ]
        assert in_service, f"{where}: the Auto Scaling group of {color}, which takes production traffic, is empty"
    assert len(groups) <= 2, f"{where}: {app.name} has {len(groups)} Auto Scaling groups: {sorted(groups)}"
    if completed:
        assert len(weights) == 1, f"{where}: production is split after a completed run: {weights}"
        live = next(iter(weights))
        recorded = sandbox.parameter(app.live)
        assert recorded == live, f"{where}: {app.live} says {recorded}, traffic goes to {live}"
        assert sandbox.parameter(app.lock) is None, f"{where}: the lock is left: {sandbox.parameter(app.lock)}"
        arns = {sandbox.target_group_arn(color, app.name): color for color in COLORS}
        tagged = {
            arns[item["ResourceArn"]]: {tag["Key"]: tag["Value"] for tag in item["Tags"]}.get("IsProduction")
            for item in elbv2.describe_tags(ResourceArns=list(arns))["TagDescriptions"]
        }
        wanted = {color: "true" if color == live else "false" for color in COLORS}
        assert tagged == wanted, f"{where}: the IsProduction tags are {tagged}, traffic goes to {live}"
        state = app_state(sandbox, app)
        assert state["consistent"], f"{where}: {state['reasons']}"


def position(sandbox, app):
    """Where a settled application stands: one fleet, deployed (two, the new one not live) or switched."""
    if len(sandbox.groups(app.name)) == 1:
        return ONE_FLEET
    deployed = json.loads(sandbox.parameter(app.deployment))["color"]
    return SWITCHED if sandbox.parameter(app.live) == deployed else DEPLOYED


def children(pid):
    """The processes whose parent is ``pid``."""
    found = []
    for entry in os.listdir(PROC):
        if not entry.isdigit():
            continue
        try:
            with open(f"{PROC}/{entry}/stat", encoding="utf-8") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def kill_tree(pid):
    """SIGKILL ``pid``, its process group and every process below it, as a crash of the machine would end them.

    Ansible's workers start sessions of their own (setsid), which a kill of the playbook's process group does not
    reach: a module they run would go on, and retry the request the crash point held once it is dropped. Each process
    is stopped before its children are listed, so that none starts one unseen; then all are killed.
    """
    stopped, pending = [], [pid]
    while pending:
        current = pending.pop()
        try:
            os.kill(current, signal.SIGSTOP)
        except ProcessLookupError:
            continue
        stopped.append(current)
        pending.extend(children(current))
    os.killpg(pid, signal.SIGKILL)
    for current in stopped:
        try:
            os.kill(current, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Crashes:
    """Runs an application's playbooks through its proxy, killed at a crash point, and keeps what each kill point
    took."""

    def __init__(self, sandbox, proxy, app=DEMO):
        self.sandbox = sandbox
        self.proxy = proxy
        self.app = app
        self.points = []

    def extra_vars(self, **extra_vars):
        return {**FAST, **self.app.extra_vars, "bluegreen_aws_endpoint_url": self.proxy.url, **extra_vars}

    def start(self, name, extra_vars):
        command = [
            str(BIN / "ansible-playbook"),
            "-i",
            str(ROOT / "inventories" / "local"),
            str(PLAYBOOKS / f"{name}.yml"),
        ]
        command += ["-e", json.dumps(self.extra_vars(**extra_vars))]
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
                kill_tree(process.pid)
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
        left_lock = self.sandbox.parameter(self.app.lock)
        done = self.sandbox.playbook(PLAYBOOKS / f"{name}.yml", extra_vars=self.extra_vars(bluegreen_lock_owner=owner))
        output = done.stdout + done.stderr
        refused = None
        if left_lock is not None:
            assert json.loads(left_lock)["owner"] == killed_owner, left_lock
            assert done.returncode != 0, f"{where}: the re-run went through the lock of {killed_owner}:\n{output}"
            refused = ansible_errors(output)
            assert killed_owner in refused and "bluegreen_force_unlock" in refused, output
            check_production(self.sandbox, False, f"{where}, refused on the lock", self.app)
            done = self.sandbox.playbook(
                PLAYBOOKS / f"{name}.yml",
                extra_vars=self.extra_vars(bluegreen_lock_owner=owner, bluegreen_force_unlock=True),
            )
            output = done.stdout + done.stderr
        assert done.returncode == 0, f"{where}: the re-run did not converge:\n{output}"
        check_production(self.sandbox, True, f"{where}, run again", self.app)
        return refused

    def kill_point(self, name, point):
        """Kill ``name`` after write ``point`` and run it again; False when the run ended before that write."""
        where = f"{self.app.name}: {name} killed after write {point}"
        killed_owner = f"{name}-run-{point}"
        started = time.monotonic()
        killed, _output, crash = self.killed_at(name, point, {"bluegreen_lock_owner": killed_owner})
        if not killed:
            check_production(self.sandbox, True, f"{self.app.name}: {name} run to its end", self.app)
            forget_old_targets(self.sandbox, self.app)
            return False
        check_production(self.sandbox, False, where, self.app)
        lock_left = self.sandbox.parameter(self.app.lock) is not None
        refused = self.rerun(name, f"{name}-rerun-{point}", killed_owner, where)
        forget_old_targets(self.sandbox, self.app)
        self.points.append(
            {
                "playbook": name,
                "point": point,
                "app": self.app.name,
                "write": crash["tripped_on"],
                "lock_left": lock_left,
                "refused": bool(refused),
                "seconds": round(time.monotonic() - started, 1),
            }
        )
        return True


def sample_points(count, seed, known=None):
    """{playbook: ``count`` of its kill points in order}, drawn with ``seed`` from 1 to its number in ``known``
    (KILL_POINTS unless given)."""
    draw = random.Random(seed)
    return {
        name: sorted(draw.sample(range(1, points + 1), min(count, points)))
        for name, points in (known or KILL_POINTS).items()
    }


class Sweep:
    """The kill points of one playbook, handed out in order to whichever application runs it next: 1, 2, ... until a
    run ends before its crash point; the points are then 1 to that one less one. A sampled sweep hands out only the
    points of ``sample``."""

    def __init__(self, name, sample=None):
        self.name = name
        self.lock = threading.Lock()
        self.next_point = 1
        self.end = None
        self.killed = []
        self.sample = None if sample is None else list(sample)
        self.left = None if sample is None else list(sample)

    @property
    def pending(self):
        if self.left is not None:
            return bool(self.left)
        return self.end is None

    def take(self):
        """The next point to try, or None once the end is known (or every drawn point is taken)."""
        with self.lock:
            if self.left is not None:
                return self.left.pop(0) if self.left else None
            if self.end is not None:
                return None
            point = self.next_point
            self.next_point += 1
            assert point <= MOST_KILL_POINTS, f"{self.name} still had writes after {MOST_KILL_POINTS} kill points"
            return point

    def record(self, point, killed):
        with self.lock:
            if killed:
                self.killed.append(point)
            else:
                self.end = point if self.end is None else min(self.end, point)


class Walk:
    """The four sweeps, and the choice of each application's next playbook from where it stands."""

    def __init__(self, sandbox, sample=None):
        self.sandbox = sandbox
        self.sweeps = {name: Sweep(name, sample[name] if sample else None) for name in STARTS_FROM}
        self.lock = threading.Lock()
        self.points = []
        self.plain_runs = {}
        self.stopped = threading.Event()

    def pending(self, *names):
        return [name for name in names if self.sweeps[name].pending]

    def next_playbook(self, where):
        """The playbook to run from ``where``; a clean with bluegreen_discard_deployment is "discard"."""
        if where == ONE_FLEET:
            return "deploy"
        if where == DEPLOYED:
            # Only the deploy's sweep left: the way back to one fleet is to throw the deployment away.
            return "discard" if self.pending(*STARTS_FROM) == ["deploy"] else "switch"
        # Switched: a clean leads on to a deploy, a rollback to a switch; take the way that serves two sweeps.
        if self.pending("clean", "deploy") == ["clean", "deploy"]:
            return "clean"
        if self.pending("rollback", "switch") == ["rollback", "switch"]:
            return "rollback"
        if self.pending("clean"):
            return "clean"
        if self.pending("rollback"):
            return "rollback"
        return "clean" if self.pending("deploy") else "rollback"

    def walk(self, app, proxy):
        """Walk ``app`` through the cycle until every sweep has found its end (or another application's walk failed)."""
        crashes = Crashes(self.sandbox, proxy, app)
        try:
            while self.pending(*STARTS_FROM) and not self.stopped.is_set():
                name = self.next_playbook(position(self.sandbox, app))
                point = self.sweeps[name].take() if name in self.sweeps else None
                if point is None:
                    # No sweep needs this step: the playbook runs to its end, without the proxy, to get where one does.
                    if name == "discard":
                        run(self.sandbox, "clean", app, bluegreen_discard_deployment=True)
                    else:
                        run(self.sandbox, name, app)
                    forget_old_targets(self.sandbox, app)
                    with self.lock:
                        self.plain_runs[name] = self.plain_runs.get(name, 0) + 1
                    continue
                self.sweeps[name].record(point, crashes.kill_point(name, point))
        except BaseException:
            self.stopped.set()
            raise
        finally:
            with self.lock:
                self.points += crashes.points


def test_a_switch_killed_right_after_moving_the_traffic_converges_when_run_again(demo_from_blue, proxy):
    sandbox = demo_from_blue
    run(sandbox, "deploy")
    forget_old_targets(sandbox)
    crashes = Crashes(sandbox, proxy)

    killed, output, crash = crashes.killed_at(
        "switch", 1, {"bluegreen_lock_owner": "switch-killed"}, match="elbv2:ModifyListener"
    )

    assert killed, output
    assert crash["tripped_on"] == "elbv2:ModifyListener", crash
    assert production(sandbox) == {"green": 100}
    check_production(sandbox, False, "switch killed after ModifyListener")
    assert json.loads(sandbox.parameter(DEMO.lock))["owner"] == "switch-killed"
    refused = crashes.rerun("switch", "switch-rerun", "switch-killed", "switch killed after ModifyListener")
    assert refused
    assert sandbox.parameter(DEMO.live) == "green"


@pytest.mark.long
def test_deploy_switch_rollback_and_clean_killed_after_each_write_converge_when_run_again(sandbox, apps):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    sample = sample_points(SAMPLE, SEED) if SAMPLE else None
    if sample:
        print(f"a sampled sweep, seed {SEED}: kill points {sample}")
    taken = apps(CRASH_APPS)
    walk = Walk(sandbox, sample)
    proxies = [new_proxy(sandbox.endpoint) for _app in taken]
    started = time.monotonic()
    run_at_once(proxies, [functools.partial(walk.walk, app, proxy) for app, proxy in zip(taken, proxies)])

    kill_points = {name: None if sweep.end is None else sweep.end - 1 for name, sweep in walk.sweeps.items()}
    points = sorted(walk.points, key=lambda item: (list(STARTS_FROM).index(item["playbook"]), item["point"]))
    report = {
        "kill_points": kill_points,
        "sample": sample,
        "seed": SEED if sample else None,
        "apps": [app.name for app in taken],
        "seconds": {
            name: round(sum(item["seconds"] for item in points if item["playbook"] == name), 1) for name in STARTS_FROM
        },
        "plain_runs": walk.plain_runs,
        "total_seconds": round(time.monotonic() - started, 1),
        "points": points,
    }
    (OUTPUT / "crash.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(
        f"killed: { {name: sorted(sweep.killed) for name, sweep in walk.sweeps.items()} }, in {report['total_seconds']} s"
    )
    if sample:
        for name, sweep in walk.sweeps.items():
            beyond = [point for point in sweep.sample if sweep.end is not None and point >= sweep.end]
            assert sorted(sweep.killed + beyond) == sweep.sample, (name, sorted(sweep.killed), sweep.end)
            assert sweep.killed, f"{name}: none of the drawn points {sweep.sample} is a write of the playbook"
        return
    for name, sweep in walk.sweeps.items():
        assert sorted(sweep.killed) == list(range(1, sweep.end)), (name, sorted(sweep.killed), sweep.end)
    assert all(kill_points.values()), kill_points
