# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Deploy, switch, rollback and clean, of every strategy, killed right after each write they make, then run again.

Each playbook reaches the sandbox through tools/fault_proxy.py with its crash point armed: once the answer to the
Nth write (a call whose operation changes something) has been sent, the proxy holds every later request and the
test kills the playbook with SIGKILL, with every process below it (``kill_tree``), so the sandbox has seen exactly N
writes. N goes 1, 2, ... until a run ends before its crash point: the number of kill points of the playbook.

After each kill the same playbook runs again, or, in the sweeps named "<step>, then <other>", the other playbook a
user would reach for: a clean that throws the deployment away after a killed deploy, a rollback after a killed
switch. Each run has a lock owner of its own, as AWX jobs do; when the killed run left its lock, the next run must
fail naming that owner and bluegreen_force_unlock, and succeed with it; otherwise it must succeed at once. After the
kill and after each run, production stays safe (the strategy's ``check``, tests/reliability/strategies.py); once a
run has completed, the live parameter names the colour that takes the traffic, the layers agree, and nothing of the
application is left that where it stands does not account for (``leaks``).

SCENARIOS are the sweeps: strategy alb with its defaults, with canary steps and a new image on every deploy, and
with clean's scale_to_zero; strategies route53, efs and codedeploy. The full sweeps are marked long;
test_a_switch_killed_right_after_moving_the_traffic_converges_when_run_again is the one kill point `make test`
runs. With BLUEGREEN_RELIABILITY_CRASH_SAMPLE=K (CI's `make reliability-sample`), each scenario takes K kill points
in all, drawn with BLUEGREEN_RELIABILITY_SEED from those the last full sweep found (the scenario's
``kill_points``); a drawn point past a playbook's last write is a run to its end. BLUEGREEN_RELIABILITY_SCENARIOS
(names, comma-separated) limits the run to some scenarios. Figures go to
tests/output/reliability/crash-<scenario>.json and docs/reliability.md.

The sweep needs no restore between kill points: a kill point ends with its last run completed, which leaves the
application where that playbook run to its end would, and that is where another starts from (the strategy's
``MOVES``). So each application walks the cycle, every step a kill point of the sweep that starts there, with a
plain run only to get where a sweep still has points. The scenario's applications walk at once, each through a
proxy of its own, taking the kill points of each sweep in turn.
"""

from __future__ import annotations

import collections
import dataclasses
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
from .sandbox_state import forget_old_targets
from .sandbox_state import run
from .strategies import STEPS
from .strategies import Alb
from .strategies import CodeDeploy
from .strategies import Efs
from .strategies import Route53
from .strategies import group_color

OUTPUT = ROOT / "tests" / "output" / "reliability"
PROC = "/proc"
# More kill points than any playbook has; reaching it means the sweep never ends.
MOST_KILL_POINTS = 40
# How long a run may take to reach its crash point or end.
RUN_TIMEOUT = 600
# Kill points per scenario in a sampled sweep (0: all of them), and the seed of the draw.
SAMPLE = int(os.environ.get("BLUEGREEN_RELIABILITY_CRASH_SAMPLE") or 0)
SEED = int(os.environ.get("BLUEGREEN_RELIABILITY_SEED") or 1)
CRASH_APPS = int(os.environ.get("BLUEGREEN_RELIABILITY_CRASH_APPS") or 2)
ONLY = [name for name in (os.environ.get("BLUEGREEN_RELIABILITY_SCENARIOS") or "").split(",") if name]
ALB = Alb()
ROUTE53 = Route53()
EFS = Efs()
CODEDEPLOY = CodeDeploy()


@dataclasses.dataclass(frozen=True)
class Scenario:
    """A crash sweep: the strategy, the steps swept (each a kill point of its playbook, then the same playbook run
    again) and the recoveries swept (a kill point of the first, then the second run), the variables each step runs
    with, and the kill points of each sweep that the last full sweep found."""

    name: str
    strategy: object
    swept: tuple = ("deploy", "switch", "rollback", "clean")
    recoveries: tuple = ()
    step_vars: dict = dataclasses.field(default_factory=dict)
    new_image: bool = False
    # How many applications walk at once (0: BLUEGREEN_RELIABILITY_CRASH_APPS).
    apps: int = 0
    kill_points: dict = dataclasses.field(default_factory=dict)

    def sweeps(self):
        """{label: (step killed, step run next)}."""
        found = {step: (step, step) for step in self.swept}
        found.update({f"{step}, then {other}": (step, other) for step, other in self.recoveries})
        return found

    def extra_vars(self, sandbox, app, step):
        """The variables of ``step``'s run (a killed run and the same step run again take the same)."""
        found = {**STEPS[step][1], **self.strategy.step_vars(sandbox, app, step), **self.step_vars.get(step, {})}
        if self.new_image and step == "deploy":
            found["bluegreen_image_id"] = other_image(sandbox, app)
        return found


def other_image(sandbox, app):
    """Of the sandbox's first two images, the one the live colour's instances do not run: each deploy a new image."""
    live = sandbox.parameter(app.live)
    group = next(group for group in sandbox.groups(app.name).values() if group_color(group) == live)
    instance = group["Instances"][0]["InstanceId"]
    found = sandbox.client("ec2").describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]
    return next(image for image in sandbox.images()[:2] if image != found["ImageId"])


SCENARIOS = [
    Scenario(
        "alb",
        ALB,
        recoveries=(("deploy", "discard"), ("switch", "rollback")),
        kill_points={
            "deploy": 5,
            "switch": 7,
            "rollback": 7,
            "clean": 4,
            "deploy, then discard": 5,
            "switch, then rollback": 7,
        },
    ),
    Scenario(
        "alb-canary-new-image",
        ALB,
        swept=("deploy", "switch"),
        step_vars={"switch": {"bluegreen_canary_steps": [25, 100]}},
        new_image=True,
        kill_points={"deploy": 6, "switch": 10},
    ),
    Scenario(
        "alb-scale-to-zero",
        ALB,
        swept=("clean", "deploy"),
        step_vars={"clean": {"bluegreen_clean_mode": "scale_to_zero"}},
        kill_points={"clean": 3, "deploy": 4},
    ),
    Scenario(
        "route53",
        ROUTE53,
        recoveries=(("switch", "rollback"),),
        kill_points={"deploy": 5, "switch": 5, "rollback": 5, "clean": 4, "switch, then rollback": 5},
    ),
    # A clean of strategy efs writes nothing: the old colour's directory stays as the rollback target.
    Scenario(
        "efs",
        EFS,
        swept=("deploy", "switch", "rollback"),
        apps=1,
        kill_points={"deploy": 3, "switch": 3, "rollback": 3},
    ),
    Scenario(
        "codedeploy",
        CODEDEPLOY,
        recoveries=(("switch", "rollback"),),
        kill_points={"deploy": 9, "switch": 4, "rollback": 4, "clean": 3, "switch, then rollback": 4},
    ),
]


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

    def __init__(self, sandbox, proxy, app=DEMO, strategy=ALB):
        self.sandbox = sandbox
        self.proxy = proxy
        self.app = app
        self.strategy = strategy
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
        # After its last write a run may end before the kill reaches it: it made that write all the same.
        killed = killed or self.proxy.crashed.is_set()
        output = process.communicate()[0]
        crash = self.proxy.disarm_crash()
        if process.returncode != -signal.SIGKILL:
            assert process.returncode == 0, output
        return killed, output, crash

    def rerun(self, name, owner, killed_owner, where, extra_vars=None):
        """Run ``name`` as ``owner``; through the lock the killed run left, if any, with bluegreen_force_unlock."""
        extra_vars = {**(extra_vars or {}), "bluegreen_lock_owner": owner}
        left_lock = self.sandbox.parameter(self.app.lock)
        done = self.sandbox.playbook(PLAYBOOKS / f"{name}.yml", extra_vars=self.extra_vars(**extra_vars))
        output = done.stdout + done.stderr
        refused = None
        if left_lock is not None:
            assert json.loads(left_lock)["owner"] == killed_owner, left_lock
            assert done.returncode != 0, f"{where}: the next run went through the lock of {killed_owner}:\n{output}"
            refused = ansible_errors(output)
            assert killed_owner in refused and "bluegreen_force_unlock" in refused, output
            self.strategy.check(self.sandbox, self.app, False, f"{where}, refused on the lock")
            done = self.sandbox.playbook(
                PLAYBOOKS / f"{name}.yml", extra_vars=self.extra_vars(**extra_vars, bluegreen_force_unlock=True)
            )
            output = done.stdout + done.stderr
        assert done.returncode == 0, f"{where}: the next run did not converge:\n{output}"
        self.settled(f"{where}, then {name} run")
        return refused

    def settled(self, where):
        """After a run that completed: production safe and agreed on, and nothing of the application leaked."""
        self.strategy.check(self.sandbox, self.app, True, where)
        self.strategy.settle(self.sandbox, self.app)
        leaks = self.strategy.leaks(self.sandbox, self.app)
        assert not leaks, f"{where}: {self.app.name} leaks {leaks}"

    def kill_point(self, label, killed_step, next_step, point, scenario):
        """Kill ``killed_step`` after write ``point``, then run ``next_step``; False when the run ended before that
        write."""
        where = f"{self.app.name}: {killed_step} killed after write {point}"
        killed_owner = f"{killed_step}-run-{point}"
        started = time.monotonic()
        playbook = STEPS[killed_step][0]
        live_before = self.sandbox.parameter(self.app.live)
        record = self.sandbox.parameter(self.app.deployment)
        deployed = json.loads(record)["color"] if record else None
        wanted = expected_live(killed_step, next_step, live_before, deployed)
        step_vars = scenario.extra_vars(self.sandbox, self.app, killed_step)
        killed, _output, crash = self.killed_at(playbook, point, {**step_vars, "bluegreen_lock_owner": killed_owner})
        if not killed:
            self.settled(f"{self.app.name}: {killed_step} run to its end")
            # The end of the sweep: the writes the run made before it ended, and the live colour before and after.
            self.points.append(
                {
                    "sweep": label,
                    "point": point,
                    "app": self.app.name,
                    "ended": crash["writes"],
                    "live": [live_before, self.sandbox.parameter(self.app.live)],
                }
            )
            return False
        self.strategy.check(self.sandbox, self.app, False, where)
        lock_left = self.sandbox.parameter(self.app.lock) is not None
        if not lock_left:
            # Killed after its last write, the lock's release: the run was complete, and the next one starts afresh;
            # a rollback right after a rollback stays where the first one went.
            live_now = self.sandbox.parameter(self.app.live)
            fresh = killed_step == next_step == "rollback"
            wanted = live_now if fresh else expected_live(next_step, next_step, live_now, deployed)
        if next_step != killed_step:
            step_vars = scenario.extra_vars(self.sandbox, self.app, next_step)
        refused = self.rerun(STEPS[next_step][0], f"{next_step}-after-{point}", killed_owner, where, step_vars)
        live = self.sandbox.parameter(self.app.live)
        assert live == wanted, f"{where}, then {next_step} run: {live} is live, {wanted} should be"
        self.points.append(
            {
                "sweep": label,
                "point": point,
                "app": self.app.name,
                "write": crash["tripped_on"],
                "lock_left": lock_left,
                "refused": bool(refused),
                "seconds": round(time.monotonic() - started, 1),
            }
        )
        return True


def expected_live(killed_step, next_step, live_before, deployed):
    """The colour that is live once ``next_step`` has run to its end after ``killed_step`` was killed, from the one
    live before: a switch ends on the deployed colour; a rollback on the colour live before the kill's operation began
    (the other one, when the rollback itself was killed, or started afresh); a deploy or a clean leaves the live
    colour as it was."""
    if next_step == "switch":
        return deployed
    if next_step == "rollback" and killed_step == "rollback":
        return next(color for color in ("blue", "green") if color != live_before)
    return live_before


def sample_points(count, seed, known):
    """{sweep: its kill points in order}, ``count`` of them in all, drawn with ``seed`` from the kill points
    ``known`` ({sweep: number}); every sweep gets one before any gets two."""
    draw = random.Random(seed)
    labels = sorted(known)
    draw.shuffle(labels)
    taken = collections.defaultdict(list)
    for index in range(min(count, sum(known.values()))):
        label = labels[index % len(labels)]
        left = [point for point in range(1, known[label] + 1) if point not in taken[label]]
        if left:
            taken[label].append(draw.choice(left))
    return {label: sorted(points) for label, points in taken.items()}


class Sweep:
    """The kill points of one sweep, handed out in order to whichever application gets there next: 1, 2, ... until a
    run ends before its crash point; the points are then 1 to that one less one. A sampled sweep hands out only the
    points of ``sample``."""

    def __init__(self, label, steps, sample=None):
        self.label = label
        self.step, self.next_step = steps
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
            assert point <= MOST_KILL_POINTS, f"{self.label} still had writes after {MOST_KILL_POINTS} kill points"
            return point

    def record(self, point, killed):
        with self.lock:
            if killed:
                self.killed.append(point)
            else:
                self.end = point if self.end is None else min(self.end, point)


class Walk:
    """A scenario's sweeps, and the choice of each application's next step from where it stands."""

    def __init__(self, sandbox, scenario, sample=None):
        self.sandbox = sandbox
        self.scenario = scenario
        self.moves = scenario.strategy.MOVES
        self.sweeps = {
            label: Sweep(label, steps, None if sample is None else sample.get(label, []))
            for label, steps in scenario.sweeps().items()
        }
        self.lock = threading.Lock()
        self.points = []
        self.plain_runs = collections.Counter()
        self.stopped = threading.Event()

    def pending_from(self, where):
        return [sweep for sweep in self.sweeps.values() if sweep.pending and sweep.step in self.moves[where]]

    def toward_pending(self, where):
        """The first step on the shortest way from ``where`` to a place where a sweep has points left."""
        queue, seen = collections.deque([(where, None)]), {where}
        while queue:
            current, first = queue.popleft()
            if first is not None and self.pending_from(current):
                return first
            for step, onward in self.moves[current].items():
                if onward not in seen:
                    seen.add(onward)
                    queue.append((onward, first or step))
        raise AssertionError(f"no way from {where} to a sweep with points left")

    def next_step(self, where):
        """(step, sweep) to run from ``where``: a sweep that starts here, the one whose step leads where another
        still has points first; else (a step toward one, None)."""
        here = self.pending_from(where)
        if not here:
            return self.toward_pending(where), None
        onward = [
            sweep
            for sweep in here
            if [other for other in self.pending_from(self.moves[where][sweep.step]) if other is not sweep]
        ]
        sweep = (onward or here)[0]
        return sweep.step, sweep

    def walk(self, app, proxy):
        """Walk ``app`` through the cycle until every sweep has found its end (or another application's walk failed)."""
        strategy = self.scenario.strategy
        crashes = Crashes(self.sandbox, proxy, app, strategy)
        try:
            while any(sweep.pending for sweep in self.sweeps.values()) and not self.stopped.is_set():
                step, sweep = self.next_step(strategy.position(self.sandbox, app))
                point = sweep.take() if sweep else None
                if point is None:
                    # No sweep needs this step: it runs to its end, without the proxy, to get where one does.
                    run(self.sandbox, STEPS[step][0], app, **self.scenario.extra_vars(self.sandbox, app, step))
                    crashes.settled(f"{app.name}: {step} run to its end")
                    with self.lock:
                        self.plain_runs[step] += 1
                    continue
                sweep.record(point, crashes.kill_point(sweep.label, sweep.step, sweep.next_step, point, self.scenario))
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
    assert ALB.production(sandbox, DEMO) == {"green": 100}
    ALB.check(sandbox, DEMO, False, "switch killed after ModifyListener")
    assert json.loads(sandbox.parameter(DEMO.lock))["owner"] == "switch-killed"
    refused = crashes.rerun("switch", "switch-rerun", "switch-killed", "switch killed after ModifyListener")
    assert refused
    assert sandbox.parameter(DEMO.live) == "green"


@pytest.mark.long
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[scenario.name for scenario in SCENARIOS])
def test_every_step_killed_after_each_write_converges_when_run_again(sandbox, scenario):
    if ONLY and scenario.name not in ONLY:
        pytest.skip(f"BLUEGREEN_RELIABILITY_SCENARIOS is {','.join(ONLY)}")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    sample = sample_points(SAMPLE, SEED, scenario.kill_points) if SAMPLE else None
    if sample is not None:
        assert scenario.kill_points, f"{scenario.name}: no full sweep has counted its kill points to draw from"
        print(f"{scenario.name}: a sampled sweep, seed {SEED}: kill points {sample}")
    # boto3's default session sets itself up with its first clients; the walks' threads must not race for it.
    for service in ("autoscaling", "codedeploy", "ec2", "elbv2", "route53", "s3", "ssm"):
        sandbox.client(service)
    # A sample of K kill points needs no more than K applications to walk at once.
    count = scenario.apps or CRASH_APPS
    taken = scenario.strategy.apps(sandbox, min(count, SAMPLE) if SAMPLE else count)
    walk = Walk(sandbox, scenario, sample)
    proxies = [new_proxy(sandbox.endpoint) for _app in taken]
    started = time.monotonic()
    run_at_once(proxies, [functools.partial(walk.walk, app, proxy) for app, proxy in zip(taken, proxies)])

    kill_points = {label: None if sweep.end is None else sweep.end - 1 for label, sweep in walk.sweeps.items()}
    labels = list(walk.sweeps)
    points = sorted(walk.points, key=lambda item: (labels.index(item["sweep"]), item["point"]))
    report = {
        "scenario": scenario.name,
        "kill_points": kill_points,
        "sample": sample,
        "seed": SEED if sample else None,
        "apps": [app.name for app in taken],
        "seconds": {
            label: round(sum(item.get("seconds", 0) for item in points if item["sweep"] == label), 1)
            for label in labels
        },
        "plain_runs": dict(walk.plain_runs),
        "total_seconds": round(time.monotonic() - started, 1),
        "points": points,
    }
    (OUTPUT / f"crash-{scenario.name}.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(
        f"{scenario.name}: kill points {kill_points}; killed "
        f"{ {label: sorted(sweep.killed) for label, sweep in walk.sweeps.items()} } in {report['total_seconds']} s"
    )
    if sample is not None:
        for label, sweep in walk.sweeps.items():
            beyond = [point for point in sweep.sample if sweep.end is not None and point >= sweep.end]
            assert sorted(sweep.killed + beyond) == sweep.sample, (label, sorted(sweep.killed), sweep.end)
        assert any(sweep.killed for sweep in walk.sweeps.values()), f"{scenario.name}: no drawn point was a write"
        return
    for label, sweep in walk.sweeps.items():
        assert sorted(sweep.killed) == list(range(1, sweep.end)), (label, sorted(sweep.killed), sweep.end)
    assert all(kill_points.values()), kill_points
