# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The preflight's decisions: whether the strategy's traffic layer is described, and whether a run may start.

Pure functions of the role's variables and of the state M(teal.bluegreen.state_info) read; the preflight role calls
them through the ``preflight_problems`` and ``preflight_refusals`` filters, so that nothing here costs a task.
"""

from __future__ import annotations

import json

SWITCHES = ("switch", "rollback")


def _json(value):
    return json.dumps(value)


def traffic_layer_problem(
    strategy, load_balancer=None, load_balancers=None, live_records=None, efs_root=None, links=None
):
    """What the strategy's traffic layer lacks to be read, or None.

    alb reads the load balancer's production listener; route53 the live alias records and each colour's load balancer;
    efs the web roots of the play's instances, below the EFS root. codedeploy's target group has a default.
    """
    if strategy == "alb":
        if load_balancer:
            return None
        return (
            "bluegreen_load_balancer is not set; strategy alb needs the name or ARN of the application's load balancer"
        )
    if strategy == "route53":
        balancers, records = load_balancers or {}, live_records or {}
        if (
            isinstance(balancers, dict)
            and isinstance(records, dict)
            and balancers.get("blue")
            and balancers.get("green")
            and records.get("zone")
            and records.get("names")
        ):
            return None
        return (
            "strategy route53 needs bluegreen_load_balancers (the load balancer of each colour, {blue: <name|arn>, "
            "green: <name|arn>}) and bluegreen_live_records ({zone, names}); bluegreen_load_balancers is "
            f"{_json(load_balancers)}, bluegreen_live_records is {_json(live_records)}"
        )
    if strategy == "efs":
        if efs_root and links:
            return None
        return (
            "strategy efs needs bluegreen_efs_root (where the instances mount EFS) and the instances themselves as the "
            f"hosts of the play (bluegreen_hosts); bluegreen_efs_root is {_json(efs_root)}, the web roots were read on "
            f"{_json(list(links or {}))}"
        )
    return None


def variable_refusals(
    strategy,
    variable_problems=(),
    caller_failures=(),
    load_balancer=None,
    load_balancers=None,
    live_records=None,
    efs_root=None,
    links=None,
    missing_hosts=(),
):
    """Every reason not to read the state, most fundamental first: the collection's checks of the variables (the
    ``variable_problems`` lookup), the including role's own (``caller_failures``), an undescribed traffic layer, and
    with strategy efs instances that dropped out of the play."""
    found = [f"{'; '.join(variable_problems)}; nothing changed"] if variable_problems else []
    found += list(caller_failures or [])
    problem = traffic_layer_problem(strategy, load_balancer, load_balancers, live_records, efs_root, links)
    if problem:
        found.append(f"{problem}; nothing changed")
    if strategy == "efs" and missing_hosts:
        found.append(
            f"{', '.join(missing_hosts)} did not answer (unreachable or failed before the preflight); strategy efs "
            "switches every instance of the play at once, so nothing starts without them; nothing changed. Bring them "
            "back, or leave them out of the inventory"
        )
    return found


def lock_is_free(lock, owner, operation, force_unlock=False):
    """Whether a run of ``operation`` by ``owner`` may take the lock: none is held, it is forced, or it re-enters its
    own lock (same owner, same operation)."""
    if not lock or force_unlock:
        return True
    return bool(lock.get("valid") and lock.get("owner") == owner and lock.get("operation") == operation)


def resuming(lock, owner, operation, force_unlock=False):
    """Whether a switch or rollback takes over (forced) or re-enters the lock of a switch or rollback that died: it
    then finishes that run's move, as a repair would, even with the layers disagreeing."""
    if operation not in SWITCHES or not (lock or {}).get("valid") or lock.get("operation") not in SWITCHES:
        return False
    return bool(force_unlock or (lock.get("owner") == owner and lock.get("operation") == operation))


def start_refusals(state, app, operation="switch", owner=None, force_unlock=False, repair=False):
    """The reasons the run does not start, the lock first: someone else holds the deployment lock, or the layers
    disagree about the live colour (without a repair, or a switch or rollback resuming its own run)."""
    lock = state.get("lock") or {}
    parameters = state.get("parameters") or {}
    found = []
    if not lock_is_free(lock, owner, operation, force_unlock):
        if lock.get("valid"):
            holder = f"{lock.get('owner')} ({lock.get('operation')} since {lock.get('started')})"
            reentry = (
                f" A run re-enters a lock only as the same owner (bluegreen_lock_owner={lock.get('owner')}) for the "
                f"same operation ({lock.get('operation')}); this one is {owner} for a {operation}."
            )
        else:
            holder, reentry = "something that is not a lock document", ""
        found.append(
            f"{app} is locked by {holder} in {parameters.get('lock')}, so the {operation} does not start; nothing "
            f"changed.{reentry} Wait for that run to finish or, if it is dead, re-run with bluegreen_force_unlock=true"
        )
    if not (state.get("consistent") or repair or resuming(lock, owner, operation, force_unlock)):
        remedy = "re-run" if operation in SWITCHES else "run the teal.bluegreen.switch playbook"
        found.append(
            f"{app} is not in a consistent state, so the {operation} does not start; nothing changed: "
            f"{'; '.join(state.get('reasons') or [])}. Look at it with the teal.bluegreen.status playbook and fix the "
            f"cause, or {remedy} with bluegreen_repair=true to move every layer to one colour"
        )
    return found
