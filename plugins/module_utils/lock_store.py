# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deployment lock in Parameter Store: taking it, and releasing it with the records of the run it guarded.

Used by deploy_lock, which also records what a run has done, while it keeps the lock or as it releases it. The
decisions are lock.py's; these functions read and write.
"""

from __future__ import annotations

import re
from datetime import datetime
from datetime import timezone

from ansible_collections.teal.bluegreen.plugins.module_utils import lock
from ansible_collections.teal.bluegreen.plugins.module_utils import state
from ansible_collections.teal.bluegreen.plugins.module_utils._ssm import parameters as ssm_api
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import BlueGreenError

# Parameter Store's longest description.
DESCRIPTION_LIMIT = 1024
RECORD_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
# Each retry follows a release that came between the failed create and the read: a lock changing hands
# that fast means something is wrong, not bad luck.
CREATE_ATTEMPTS = 3


def read_lock(ssm, name):
    return state.parse_lock(ssm_api.get_parameters(ssm, [name])[name])


def create(ssm, name, value, description):
    """Compare-and-create the lock: (None, version) when this run created it, else (holder, None)."""
    for _attempt in range(CREATE_ATTEMPTS):
        version = ssm_api.put_parameter(ssm, name, value, description, overwrite=False)
        if version is not None:
            return None, version
        current = read_lock(ssm, name)
        if current is not None:
            return current, None
    raise BlueGreenError(
        f"deployment lock {name} was taken and released {CREATE_ATTEMPTS} times while acquiring it; "
        "another run is cycling it, find out which (teal.bluegreen.state_info reports the holder) and run again"
    )


def acquire(ssm, name, app, owner, operation, force, check_mode):
    """Take the lock for ``owner`` and ``operation``: (changed, {lock, previous, acquired})."""
    started = lock.timestamp(datetime.now(timezone.utc))
    value = lock.document(owner, operation, started)
    description = f"teal.bluegreen deployment lock of {app}: {operation} by {owner}"[:DESCRIPTION_LIMIT]

    if check_mode:
        current = read_lock(ssm, name)
        action = lock.plan_lock(current, owner, operation, "present", force)
        after = lock.predict(action, current, owner, operation, started)
    else:
        current, version = create(ssm, name, value, description)
        if current is None:
            action, after = lock.CREATE, lock.holder(owner, operation, started, version)
        else:
            action = lock.plan_lock(current, owner, operation, "present", force)
            after = current
            if action == lock.TAKE_OVER:
                version = ssm_api.put_parameter(ssm, name, value, description, overwrite=True)
                after = lock.holder(owner, operation, started, version)

    if action == lock.REFUSE:
        raise BlueGreenError(lock.refusal(name, current, owner, operation, "present"))
    acquired = action in (lock.CREATE, lock.TAKE_OVER)
    return acquired, dict(lock=after, previous=current, acquired=acquired)


def check_records(records, names):
    """The record entries with their full parameter names; a bad or repeated name fails before any call."""
    folder = names["lock"].rsplit("/", 1)[0]
    checked = []
    for record in records:
        short = record["name"]
        if not RECORD_NAME.match(short or "") or short == "lock":
            raise BlueGreenError(
                f"record name {short!r} is not one the module writes: give the name of a parameter under "
                f"{folder}/, letters, digits, '.', '_' and '-' only, other than 'lock'"
            )
        if any(other["name"] == short for other in checked):
            raise BlueGreenError(f"record names {short!r} twice; give each parameter once")
        checked.append(dict(record, parameter=f"{folder}/{short}"))
    return checked


def plan_release(ssm, name, owner, force, records=(), tags=None):
    """What releasing ``owner``'s lock with ``records`` would do, from one read of the lock and the records.

    The plan is what ``write_records`` and ``release`` take. Its ``action`` is lock.REFUSE when the lock is somebody
    else's: the caller fails then, saying why in its own terms, before anything is written.
    """
    stored = ssm_api.get_parameters(ssm, [name] + [record["parameter"] for record in records])
    current = state.parse_lock(stored[name])
    action = lock.plan_lock(current, owner, None, "absent", force)
    return dict(plan_records(stored, records, tags), name=name, current=current, action=action)


def read_records(ssm, records, tags):
    """Which of ``records`` to write, from one read of their parameters (``plan_records``)."""
    return plan_records(ssm_api.get_parameters(ssm, [record["parameter"] for record in records]), records, tags)


def plan_records(stored, records, tags):
    """Which of ``records`` to write, from the parameters as ``stored`` ({parameter: parameter or None})."""
    values = {record["name"]: (stored[record["parameter"]] or {}).get("Value") for record in records}
    versions = {record["name"]: (stored[record["parameter"]] or {}).get("Version") for record in records}
    to_write = {record["name"] for record in lock.records_to_write(values, records)}
    return dict(records=records, values=values, versions=versions, to_write=to_write, tags=tags)


def write_records(ssm, plan, check_mode):
    """Write the records ``plan_records`` chose: the report of every record, by its short name."""
    report = {}
    for record in plan["records"]:
        short = record["name"]
        version = plan["versions"][short]
        if short in plan["to_write"]:
            version = None if check_mode else write_record(ssm, record, plan["values"][short], plan["tags"])
        report[short] = {
            "parameter": record["parameter"],
            "previous_value": plan["values"][short],
            "value": record["value"],
            "written": short in plan["to_write"],
            "version": version,
        }
    return report


def release(ssm, plan, check_mode):
    """Delete the lock when the plan says so: whether this run released it (would, in check mode)."""
    if plan["action"] != lock.DELETE:
        return False
    if check_mode:
        return True
    # False when the lock went in between: then this run released nothing.
    return ssm_api.delete_parameter(ssm, plan["name"])


def write_record(ssm, record, previous, tags):
    """Write one record; a new parameter is created with ``tags``. Its new version."""
    description = record["description"][:DESCRIPTION_LIMIT]
    if previous is None:
        version = ssm_api.put_parameter(ssm, record["parameter"], record["value"], description, tags=tags)
        if version is not None:
            return version
    return ssm_api.put_parameter(ssm, record["parameter"], record["value"], description, overwrite=True)


def release_diff(result):
    """The differences a release shows: the lock holder, then the records' values when there are any."""
    diff = {"before": result["previous"], "after": result["lock"]}
    if not result.get("records"):
        return diff
    recorded = result["records"].values()
    return [
        diff,
        {
            "before": {record["parameter"]: record["previous_value"] for record in recorded},
            "after": {record["parameter"]: record["value"] for record in recorded},
        },
    ]
