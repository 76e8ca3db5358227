#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: deploy_lock
version_added: 0.1.0
short_description: Acquire or release the deployment lock of a blue/green application
description:
  - Acquires (O(state=present)) or releases (O(state=absent)) the lock that keeps two deployments,
    switches, rollbacks or cleans of one application from running at once.
  - The lock is the SSM parameter C(<parameter_prefix>/<app>/lock). Its value is a JSON object with the
    keys C(owner), C(operation) and C(started), the time it was taken in UTC ISO-8601.
  - Acquiring is a compare-and-create, C(PutParameter) with C(Overwrite=false), so of several runs
    racing for a free lock exactly one gets it, without reading first.
  - A lock already held by O(owner) for O(operation) is acquired again without change, so a re-run
    of the same job goes on. A lock held by anybody else, or one whose value is not a lock document,
    makes the module fail and change nothing, unless O(force=true).
  - The deploy, switch, rollback and clean roles acquire the lock first and release it at the end,
    also when they fail; their C(bluegreen_force_unlock) variable sets O(force).
author:
  - Teal Ops (@teal-ops)
options:
  state:
    description:
      - V(present) acquires the lock for O(owner) and O(operation).
      - V(absent) releases the lock held by O(owner), whatever its operation; releasing a lock that is not
        there changes nothing.
    type: str
    choices: [present, absent]
    default: present
  owner:
    description:
      - Who holds the lock, as recorded in it and shown to anybody who finds it taken.
      - Defaults to C(<user>@<hostname>) of the host the module runs on. Two runs by the same user on the
        same host then share an owner; give each run its own, for example the AWX job id
        (C(awx-job-{{ tower_job_id }})), when that can happen.
    type: str
  operation:
    description:
      - What the holder is doing, for example V(deploy), V(switch), V(rollback) or V(clean).
      - Required when O(state=present); ignored when O(state=absent).
    type: str
  record:
    description:
      - With O(state=absent), what the run the lock guarded leaves behind, for example the new live colour, as
        parameters C(<parameter_prefix>/<app>/<name>) written before the lock is released, in the same run of
        the module, so that a switch records its outcome and ends with one call.
      - Written only when the lock is O(owner)'s, or free; a lock held by anybody else fails the module before
        anything is written, as releasing it would.
      - A parameter whose stored value already is C(value) is not written again, so its description stays that
        of the run that wrote it; unless the record says O(record[].always), as a failed switch's does, so that the
        parameter's history keeps why the traffic stayed where it was.
      - With O(state=present), written once the lock is O(owner)'s, taken by this run or held already, and the
        lock stays held. So a run that goes on under the lock records what it has done so far, for example the
        deployment a rollback made again, or the live colour of a switch that verifies next. A lock held by
        anybody else fails the module before anything is written, as taking it would.
      - A parameter that does not exist yet is created with the tag C(bluegreen:app=<app>).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - The parameter's name under C(<parameter_prefix>/<app>/), for example V(live).
          - Letters, digits, C(.), C(_) and C(-) only; not V(lock).
        type: str
        required: true
      value:
        description: The value to store, a String parameter.
        type: str
        required: true
      description:
        description:
          - The description of the version written, for example the deployment id and the release, which the
            parameter's history keeps.
        type: str
        default: ""
      always:
        description:
          - Write a new version even when the parameter already holds O(record[].value), for a description the
            history must keep.
        type: bool
        default: false
  force:
    description:
      - With O(state=present), take over a lock held by someone else; with O(state=absent), release it.
      - Only for a lock whose run is dead, since the run that held it goes on believing it holds it.
      - A lock O(owner) already holds for O(operation) is left as it is.
    type: bool
    default: false
extends_documentation_fragment:
  - teal.bluegreen.app
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reads the lock and predicts the result; writes and deletes nothing.
  diff_mode:
    support: full
    description:
      - Shows the lock holder before and after; with O(record), also the values of its parameters, as a second
        difference.
notes:
  - Needs C(ssm:GetParameters) and, as O(state) requires, C(ssm:PutParameter) or C(ssm:DeleteParameter) on
    the lock parameter; O(record) needs C(ssm:PutParameter) on the parameters it writes, and
    C(ssm:AddTagsToResource) for one it creates.
  - Parameter Store has no conditional delete. Releasing reads the lock and deletes it when O(owner) holds
    it; a forced take-over between the two would be released too.
"""

EXAMPLES = r"""
- name: Take the deployment lock of shop for this deployment
  teal.bluegreen.deploy_lock:
    app: shop
    owner: "awx-job-{{ tower_job_id }}"
    operation: deploy
  register: shop_lock

- name: Deploy, and release the lock even when the deployment fails
  block:
    - name: Deploy the next release of shop to the idle colour
      ansible.builtin.include_role:
        name: teal.bluegreen.deploy
  always:
    - name: Release the deployment lock of shop
      teal.bluegreen.deploy_lock:
        app: shop
        owner: "awx-job-{{ tower_job_id }}"
        state: absent

- name: Record green as the live colour of shop and release the lock, in one call
  teal.bluegreen.deploy_lock:
    app: shop
    owner: "awx-job-{{ tower_job_id }}"
    state: absent
    record:
      - name: live
        value: green
        description: "switch {{ tower_job_id }}: green (artifact 2.4.1)"

- name: Record green as live, keeping the lock for the verification that follows
  teal.bluegreen.deploy_lock:
    app: shop
    owner: "awx-job-{{ tower_job_id }}"
    operation: switch
    record:
      - name: live
        value: green
        description: "switch {{ tower_job_id }}: green, to be verified"

- name: Take over the lock of a deployment whose job was killed
  teal.bluegreen.deploy_lock:
    app: shop
    operation: rollback
    force: true
  register: taken

- name: Say whose lock was taken over
  ansible.builtin.debug:
    msg: "took the lock over from {{ taken.previous.owner }} ({{ taken.previous.operation }} since {{ taken.previous.started }})"
  when: taken.previous is not none

- name: Remove a stale lock, whoever holds it
  teal.bluegreen.deploy_lock:
    app: shop
    parameter_prefix: /teams/web/bluegreen
    state: absent
    force: true
"""

RETURN = r"""
parameter:
  description: Name of the lock parameter.
  returned: always
  type: str
  sample: /bluegreen/shop/lock
owner:
  description: The owner the module acquired or released for, O(owner) or its computed default.
  returned: always
  type: str
  sample: deploy@ops-bastion-1
lock:
  description:
    - The holder of the lock after the run, or null when the app is not locked.
    - C(valid) is false when the parameter does not hold a lock document; C(version) is the parameter's
      version (predicted in check mode).
  returned: always
  type: dict
  sample: {"owner": "awx-job-812", "operation": "deploy", "started": "2026-11-22T10:04:00Z", "valid": true, "version": 1}
previous:
  description:
    - The holder of the lock before the run, in the form of RV(lock), or null when the app was not locked.
    - When acquiring a free lock it is null without having been read, since the create itself tells.
  returned: always
  type: dict
  sample: {"owner": "awx-job-799", "operation": "switch", "started": "2026-11-22T09:12:31Z", "valid": true, "version": 1}
acquired:
  description:
    - Whether this run took the lock, because it was free or taken over with O(force).
    - False when O(owner) already held it for O(operation).
  returned: when O(state=present)
  type: bool
  sample: true
released:
  description: Whether this run removed the lock; false when there was none.
  returned: when O(state=absent)
  type: bool
  sample: true
records:
  description:
    - The parameters of O(record), by their name under C(<parameter_prefix>/<app>/).
    - C(parameter) is the full name, C(previous_value) the value before the run (null when it did not exist),
      C(value) the value after it, C(written) whether this run wrote it (would write it, in check mode) and
      C(version) the parameter's version after the run (null when it was not written, or in check mode).
  returned: when O(state=absent), or when O(record) is given
  type: dict
  sample: {"live": {"parameter": "/bluegreen/shop/live", "previous_value": "blue", "value": "green", "written": true, "version": 7}}
"""

import getpass
import os
import socket

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.teal.bluegreen.plugins.module_utils import lock
from ansible_collections.teal.bluegreen.plugins.module_utils import lock_store
from ansible_collections.teal.bluegreen.plugins.module_utils import state
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import BlueGreenError
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import check_app
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import Clients
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import run_module


def default_owner():
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        # A container may run under a uid with no passwd entry.
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


def check_input(params):
    """The options, checked before any call: the owner, the lock's parameter name and the records with theirs."""
    app = params["app"]
    check_app(app)
    owner = default_owner() if params["owner"] is None else params["owner"]
    if not owner.strip():
        raise BlueGreenError("owner is empty; leave it out for <user>@<hostname>, or name the run holding the lock")
    operation = params["operation"]
    if params["state"] == "present" and not (operation or "").strip():
        raise BlueGreenError(
            "operation is empty; say what the lock is for, for example deploy, switch, rollback or clean"
        )
    names = state.parameter_names(params["parameter_prefix"], app)
    return owner, names["lock"], lock_store.check_records(params["record"], names)


def read_release(ssm, name, owner, force, records, tags):
    """state=absent: the lock and the records as they are, and what releasing does; fails, having written nothing,
    when the lock is somebody else's."""
    plan = lock_store.plan_release(ssm, name, owner, force, records, tags=tags)
    if plan["action"] == lock.REFUSE:
        raise BlueGreenError(lock.refusal(name, plan["current"], owner, None, "absent"))
    return plan


def ensure_lock(ssm, check_mode, name, app, owner, operation, force):
    """state=present: the lock is ``owner``'s for ``operation`` (taken, taken over with force, or kept).

    Returns (changed, {lock, previous, acquired}); fails, having changed nothing, when somebody else holds it.
    """
    return lock_store.acquire(ssm, name, app, owner, operation, force, check_mode)


def ensure_records(ssm, check_mode, plan):
    """The records hold their values (those that differ written): (changed, the report of every record)."""
    return bool(plan["to_write"]), lock_store.write_records(ssm, plan, check_mode)


def ensure_released(ssm, check_mode, plan):
    """state=absent: the lock deleted when it is held: (changed, {lock, previous, released})."""
    released = lock_store.release(ssm, plan, check_mode)
    return released, dict(lock=None, previous=plan["current"], released=released)


def report(module, name, owner, held, records):
    """The module's result, with its diff: the lock, its holder before, and the records when there are any."""
    result = dict(parameter=name, owner=owner, **held)
    if records is not None:
        result["records"] = records
    if module._diff:
        result["diff"] = lock_store.release_diff(result)
    return result


def do(module):
    params = module.params
    owner, name, records = check_input(params)
    tags = {state.APP_TAG: params["app"]}
    ssm = Clients(module)("ssm")
    if params["state"] == "present":
        changed, held = ensure_lock(
            ssm, module.check_mode, name, params["app"], owner, params["operation"], params["force"]
        )
        recorded, written = False, None
        if records:
            recorded, written = ensure_records(ssm, module.check_mode, lock_store.read_records(ssm, records, tags))
    else:
        plan = read_release(ssm, name, owner, params["force"], records, tags)
        recorded, written = ensure_records(ssm, module.check_mode, plan)
        changed, held = ensure_released(ssm, module.check_mode, plan)
    result = report(module, name, owner, held, written)
    module.exit_json(changed=changed or recorded, **result)


def main():
    argument_spec = dict(
        app=dict(type="str", required=True),
        parameter_prefix=dict(type="str", default="/bluegreen"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        owner=dict(type="str"),
        operation=dict(type="str"),
        force=dict(type="bool", default=False),
        record=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                name=dict(type="str", required=True),
                value=dict(type="str", required=True),
                description=dict(type="str", default=""),
                always=dict(type="bool", default=False),
            ),
        ),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[("state", "present", ["operation"])],
        supports_check_mode=True,
    )

    run_module(module, do)


if __name__ == "__main__":
    main()
