# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Two deploys of demo started at once: one proceeds, the other fails on the lock while the first holds it, changing
nothing.

Each ansible-playbook reaches the sandbox through a fault proxy of its own, which injects no fault but
counts that run's calls, and holds the run's first write after the lock (CreateAutoScalingGroup) for
HOLD_SECONDS, or until the test lets it go. So when the refused run has ended, the winner holds the lock
and has changed nothing else yet: a snapshot of the whole sandbox then differs from the one before only
by the lock, which proves the refused run changed nothing.
"""

from __future__ import annotations

import json
import subprocess
import time

from conftest import BIN
from conftest import ROOT
from conftest import is_write

from .faults import fault_proxy as fp
from .faults import free_port
from .sandbox_state import FAST
from .sandbox_state import LOCK
from .sandbox_state import PLAYBOOKS
from .sandbox_state import ansible_errors
from .sandbox_state import differences
from .sandbox_state import snapshot

# Longer than the refused run can take; the test lets the winner go as soon as it has its snapshot.
HOLD_SECONDS = 300
OWNERS = ("runner-a", "runner-b")


def start(sandbox, proxy, owner):
    extra_vars = {**FAST, "bluegreen_aws_endpoint_url": proxy.url, "bluegreen_lock_owner": owner}
    command = [str(BIN / "ansible-playbook"), "-i", str(ROOT / "inventories" / "local"), str(PLAYBOOKS / "deploy.yml")]
    command += ["-e", json.dumps(extra_vars)]
    return subprocess.Popen(
        command, env=sandbox.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def successful_writes(proxy):
    """The write calls of one run that the sandbox carried out (forwarded, and not answered with an error)."""
    return {
        key: done
        for key, counters in proxy.stats()["operations"].items()
        if is_write(key.split(":", 1)[1]) and (done := counters["forwarded"] - counters.get("upstream_errors", 0))
    }


def test_two_deploys_at_once_one_proceeds_the_other_fails_on_the_lock_changing_nothing(demo_from_blue):
    sandbox = demo_from_blue
    hold = [fp.parse_rule(f"autoscaling:CreateAutoScalingGroup:delay={HOLD_SECONDS}:1")]
    with (
        fp.FaultProxy(sandbox.endpoint, hold, port=free_port()) as first,
        fp.FaultProxy(sandbox.endpoint, hold, port=free_port()) as second,
    ):
        before = snapshot(sandbox)
        started = time.monotonic()
        runs = {owner: start(sandbox, proxy, owner) for owner, proxy in zip(OWNERS, (first, second))}
        proxies = dict(zip(OWNERS, (first, second)))
        while all(run.poll() is None for run in runs.values()):
            time.sleep(0.2)
        refused_after = time.monotonic() - started
        loser = next(owner for owner, run in runs.items() if run.poll() is not None)
        winner = next(owner for owner in OWNERS if owner != loser)
        during = snapshot(sandbox)
        winner_still_running = runs[winner].poll() is None
        for proxy in (first, second):
            proxy.set_rules([])
        loser_output = runs[loser].communicate()[0]
        winner_output = runs[winner].communicate(timeout=600)[0]

    assert runs[loser].returncode != 0, loser_output
    assert winner_still_running, f"{winner} ended before {loser} was refused:\n{winner_output}"
    message = ansible_errors(loser_output)
    assert winner in message and "bluegreen_force_unlock" in message, loser_output
    assert successful_writes(proxies[loser]) == {}
    assert differences(before, during) == [f"ssm.{LOCK}: added"]
    assert json.loads(during["ssm"][LOCK][0][1])["owner"] == winner

    assert runs[winner].returncode == 0, winner_output
    assert sorted(sandbox.groups()) == ["demo-blue", "demo-green"]
    assert sandbox.parameter(LOCK) is None
    assert successful_writes(proxies[winner])["autoscaling:CreateAutoScalingGroup"] == 1
    print(f"{loser} was refused {refused_after:.1f}s after both deploys started; {winner} deployed")
