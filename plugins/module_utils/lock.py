# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deployment lock: the document it holds and the pure decision of what a run does with it.

A holder is what ``state.parse_lock`` makes of the lock parameter: ``{owner, operation, started,
valid, version}``, or None when the app is not locked.
"""

from __future__ import annotations

import json
from datetime import timezone

CREATE = "create"
TAKE_OVER = "take_over"
DELETE = "delete"
KEEP = "keep"
REFUSE = "refuse"

STATES = ("present", "absent")


def timestamp(moment):
    """An aware datetime as UTC ISO-8601 with a Z, to the second, as the lock's ``started``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def document(owner, operation, started):
    """The JSON value of the lock parameter."""
    return json.dumps({"owner": owner, "operation": operation, "started": started})


def holder(owner, operation, started, version):
    """A holder shaped like ``state.parse_lock``'s, for a lock this run writes."""
    return {"owner": owner, "operation": operation, "started": started, "valid": True, "version": version}


def holds(current, owner, operation=None):
    """Whether ``current`` is ``owner``'s lock (and for ``operation``, unless it is None).

    An unreadable lock belongs to nobody, so it is never the caller's.
    """
    if not current or not current.get("valid"):
        return False
    return current.get("owner") == owner and (operation is None or current.get("operation") == operation)


def plan_lock(current, owner, operation, state, force):
    """What a run does to the lock: CREATE, TAKE_OVER, DELETE, KEEP (nothing to do) or REFUSE.

    ``current`` is the holder before the run. ``state`` present acquires for ``owner`` and
    ``operation``; absent releases ``owner``'s lock whatever its operation. ``force`` overrides a lock
    held by someone else, never the caller's own.
    """
    if state == "present":
        if current is None:
            return CREATE
        if holds(current, owner, operation):
            return KEEP
        return TAKE_OVER if force else REFUSE
    if state == "absent":
        if current is None:
            return KEEP
        return DELETE if force or holds(current, owner) else REFUSE
    raise ValueError(f"unknown lock state {state!r}: expected one of {', '.join(STATES)}")


def predict(action, current, owner, operation, started):
    """The holder after ``action``; a new version is the one SSM gives (1 after a delete, else +1)."""
    if action == CREATE:
        return holder(owner, operation, started, 1)
    if action == TAKE_OVER:
        return holder(owner, operation, started, (current.get("version") or 0) + 1)
    if action == DELETE:
        return None
    return current


def describe(current):
    """A holder in words, for messages."""
    if not current.get("valid"):
        return f"something that is not a teal.bluegreen lock document (version {current.get('version')})"
    owner = repr(current["owner"]) if current.get("owner") else "an unnamed owner"
    operation = repr(current["operation"]) if current.get("operation") else "an unnamed operation"
    started = current.get("started") or "an unknown time"
    return f"{owner} for {operation} since {started}"


def refusal(name, current, owner, operation, state):
    """Why REFUSE, and what to do about it."""
    dead = "or set force: true (bluegreen_force_unlock) if that run is dead"
    if state == "present":
        return (
            f"deployment lock {name} is held by {describe(current)}, not by {owner!r} for {operation!r}; "
            f"nothing changed. Wait for that run to finish, {dead}"
        )
    return (
        f"deployment lock {name} is held by {describe(current)}, not by {owner!r}; nothing released. "
        f"Let that run release it, {dead}"
    )


def records_to_write(stored, records):
    """The entries of ``records`` ({name, value, description, always}) whose value differs from ``stored``'s, or that
    say ``always``.

    ``stored`` maps each name to its parameter's current value, None when it does not exist. A value that is
    already stored is not written again, so a record run twice writes once and its description stays that of
    the run that wrote it; a record that says ``always`` is written whatever is stored, for a description the
    parameter's history must keep (why a failed switch left the traffic where it was).
    """
    return [record for record in records if record.get("always") or stored.get(record["name"]) != record["value"]]
