# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The clean role's plan: which old colour's group goes, after how much more bake time, and the reasons not to start.

Pure functions of the state M(teal.bluegreen.state_info) read and of the role's variables; the clean role calls them
through the ``clean_plan`` filters, so that nothing here costs a task.
"""

from __future__ import annotations

import math
from datetime import datetime
from datetime import timezone

COLORS = ("blue", "green")
MODES = ("delete", "scale_to_zero")
STRATEGIES = ("alb", "route53", "efs", "codedeploy")


def variable_problems(strategy):
    """Why the clean cannot clean up after ``strategy``: one sentence, or none."""
    if strategy in STRATEGIES:
        return []
    return [
        f"bluegreen_strategy '{strategy}' is not one teal.bluegreen.clean knows: 'alb', 'route53', 'efs' or "
        "'codedeploy'; nothing changed"
    ]


def _moment(value):
    """An ISO 8601 time as an aware datetime (UTC when it names no zone), or None."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value)) if value else None
        except ValueError:
            return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def bake_left(bake_seconds, since, now):
    """Seconds the live colour has still to bake: ``bake_seconds`` counted from ``since``, the live parameter's last
    change, or the whole bake time when there is no such change to count from."""
    started, current = _moment(since), _moment(now)
    if started is None or current is None:
        return max(0, int(bake_seconds))
    return max(0, math.ceil(int(bake_seconds) - (current - started).total_seconds()))


def plan_clean(
    state, app, strategy="alb", mode="delete", bake_seconds=0, discard_deployment=False, now=None, efs_root=None
):
    """The plan of a clean, from the state read and the role's variables.

    Returns ``live``, ``old`` (the idle colour, whose fleet goes), ``group`` (its Auto Scaling group), ``done``
    (nothing to remove: no group, or with ``scale_to_zero`` a group already at zero; always with strategy efs, whose
    old colour's directory is what a rollback switches back to), ``nothing_to_do`` (why, when done), ``bake_left``
    (seconds still to wait, see bake_left), ``bake_wait`` (what the wait is for) and ``refusals``, the reasons not to
    start, most fundamental first.
    """
    live, old = state.get("live_color"), state.get("idle_color")
    refusals = []
    plan = {
        "live": live,
        "old": old,
        "group": None,
        "done": False,
        "nothing_to_do": "",
        "bake_left": 0,
        "bake_wait": "",
    }
    if live not in COLORS:
        reasons = "; ".join(state.get("reasons") or [])
        refusals.append(
            f"cannot tell which colour of {app} is live ({reasons}), so nothing is removed; nothing changed"
        )
        return dict(plan, refusals=refusals)
    if strategy == "efs":
        return dict(
            plan,
            done=True,
            refusals=refusals,
            nothing_to_do=f"{app} is live on {live} on every instance; strategy efs has no fleet of its own per colour, "
            f"and {str(efs_root or '').rstrip('/')}/{app}/{old} stays as the rollback target until the next deploy "
            "replaces it; nothing to do",
        )
    fleet = (state.get("colors") or {}).get(old) or {}
    group = fleet.get("auto_scaling_group")
    done = group is None or (
        mode == "scale_to_zero" and fleet.get("desired_capacity") == 0 and fleet.get("instances_in_service") == 0
    )
    history = ((state.get("layers") or {}).get("ssm") or {}).get("history") or []
    left = bake_left(bake_seconds, (history[0] if history else {}).get("last_modified"), now)
    plan.update(
        group=group,
        done=done,
        bake_left=left,
        bake_wait=f"{live} bake for {left} more seconds before {old} goes",
        refusals=refusals,
    )
    if done:
        what = "no Auto Scaling group" if group is None else f"Auto Scaling group {group} at zero instances"
        plan["nothing_to_do"] = f"the old colour {old} of {app} has {what}; nothing to do"
        return plan
    deployment = state.get("deployment") or {}
    if not discard_deployment and deployment.get("pending") and deployment.get("color") == old:
        artifact = f" (artifact {deployment['artifact_version']})" if deployment.get("artifact_version") else ""
        refusals.append(
            f"{old} holds deployment {deployment.get('id') or '?'}{artifact}, which has not taken production traffic "
            "yet, so it is not the old colour; nothing changed. Switch to it with the teal.bluegreen.switch playbook, "
            "or throw it away with bluegreen_discard_deployment=true"
        )
    if strategy == "codedeploy" and group not in (deployment.get("source"), deployment.get("auto_scaling_group")):
        parameters = state.get("parameters") or {}
        refusals.append(
            f"the old colour {old} of {app} has Auto Scaling group {group}, which CodeDeploy deployment "
            f"{deployment.get('codedeploy_deployment_id') or '?'} (recorded in {parameters.get('deployment')}) neither "
            "copied nor made, so CodeDeploy cannot end it; nothing changed. Remove it yourself, or untag it"
        )
    return plan


def changed_under_lock(state, plan, app):
    """Why the state read again under the lock stops the clean (a rollback during the bake made the old colour live
    again, or the layers disagree now): one message, or none."""
    if state.get("consistent") and state.get("live_color") == plan["live"]:
        return []
    what = "; ".join(state.get("reasons") or []) or f"{state.get('live_color')} is live now"
    return [f"{app} changed during the bake: {what}; {plan['old']} is not removed, nothing changed"]


def report(plan, app, strategy="alb", mode="delete", deleted_versions=()):
    """What a clean that removed the old colour's fleet says: the group, how it went (removed by CodeDeploy, deleted,
    or scaled to zero), the launch template versions deleted with it, and the colour that takes the traffic."""
    if strategy == "codedeploy":
        how = "removed by CodeDeploy"
    else:
        how = "deleted" if mode == "delete" else "scaled to zero"
    versions = (
        f", with launch template versions {', '.join(str(item) for item in deleted_versions)}"
        if deleted_versions
        else ""
    )
    return f"{app}: {plan['group']} ({plan['old']}) {how}{versions}; {plan['live']} takes all production traffic"
