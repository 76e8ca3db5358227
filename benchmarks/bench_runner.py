# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Running the collection's modules and playbooks against the benchmark's sandbox and measuring them: their wall
time, CPU, API calls and task times, a run repeated when the collection was being reinstalled meanwhile, the
production cutover's calls checked, a wait's polls counted and how soon a wait notices the state it waits for."""

from __future__ import annotations

import dataclasses
import statistics
import threading
import time
from collections import Counter

from bench_bounds import aws_calls
from bench_sandbox import COLLECTIONS
from bench_sandbox import ROOT
from bench_sandbox import count

PORT = 4595
STATE_DIR = ROOT / "tests" / "output" / f"bench-{PORT}"

PLAYBOOKS = ROOT / "playbooks"
# As the integration tests run the playbooks: a one-second poll interval, which the sandbox's clock (60 AWS seconds a
# second) turns into a minute of AWS time, so that the waits end within a poll of AWS's time for them.
FAST = {"bluegreen_poll_interval": 1, "bluegreen_wait_timeout": 120, "bluegreen_test_listener_port": 8080}
# What a run shows when `make install`, run by someone else at the same time, has just removed the collection
# to install it again: such a run is repeated, up to ATTEMPTS times in all.
REINSTALLING = (
    "role 'teal.bluegreen.",
    "couldn't resolve module/action 'teal.bluegreen.",
    "No module named 'ansible_collections.teal",
)
ATTEMPTS = 3


@dataclasses.dataclass
class Operation:
    """The runs of one measured operation: wall time, API calls by operation and task times of each run."""

    label: str
    how: str
    seconds: list = dataclasses.field(default_factory=list)
    calls: list = dataclasses.field(default_factory=list)
    tasks: list = dataclasses.field(default_factory=list)
    client_cpu: list = dataclasses.field(default_factory=list)
    server_cpu: list = dataclasses.field(default_factory=list)

    def add(self, seconds, counted=None, tasks=None, cpu=None):
        self.seconds.append(seconds)
        if cpu is not None:
            self.client_cpu.append(cpu["client"])
            self.server_cpu.append(cpu["server"])
        if counted is not None:
            self.calls.append(Counter(counted))
        if tasks is not None:
            self.tasks.append(tasks)

    @property
    def median(self):
        return statistics.median(self.seconds)

    @property
    def totals(self):
        return [sum(counted.values()) for counted in self.calls]

    @property
    def median_calls(self):
        return statistics.median(self.totals)

    def by_operation(self):
        """{operation: (fewest, most)} over the runs."""
        names = sorted({name for counted in self.calls for name in counted})
        return {name: (min(c[name] for c in self.calls), max(c[name] for c in self.calls)) for name in names}

    @property
    def writes(self):
        return [sum(n for name, n in counted.items() if is_write_name(name)) for counted in self.calls]

    def top_tasks(self, limit):
        """[(task, median seconds over the runs)] of the slowest tasks."""
        names = {name for run in self.tasks for name in run}
        medians = {name: statistics.median(run.get(name, 0.0) for run in self.tasks) for name in names}
        return sorted(medians.items(), key=lambda item: -item[1])[:limit]


def is_write_name(name):
    return aws_calls.is_write(name.split(":", 1)[-1])


class Runner:
    """Runs modules and playbooks against one sandbox and keeps what they measured, by account
    (one of ``accounts``: the state of the sandbox's account a run was measured in) and label."""

    def __init__(self, sandbox, accounts):
        self.sandbox = sandbox
        self.ops = {account: {} for account in accounts}
        self.cutovers = []
        self.waits = []
        self.wait_polls = {}

    def op(self, account, label, how):
        return self.ops[account].setdefault(label, Operation(label, how))

    def log(self, message):
        print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)

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

    def note_polls(self, label, recording, start=None, end=None):
        """The reads between the last ``start`` call (the last write without one) and the next ``end`` call:
        a wait's polls, with whatever the module reads just before and after its wait."""
        calls = recording.calls
        marks = [index for index, call in enumerate(calls) if (call.is_write if start is None else call.name == start)]
        begin = marks[-1] + 1 if marks else 0
        stop = next((index for index in range(begin, len(calls)) if calls[index].name == end), len(calls))
        reads = Counter(call.name for call in calls[begin:stop] if not call.is_write)
        self.wait_polls.setdefault(label, []).append(reads)

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
