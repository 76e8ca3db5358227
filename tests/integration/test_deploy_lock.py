# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Take, hold, contest and release the deployment lock of demo in the sandbox, reading SSM back each time."""

from __future__ import annotations

import contextlib
import getpass
import json
import socket
import subprocess
import sys
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils._ssm import parameters as ssm_api

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
LOCK = "/bluegreen/demo/lock"
ME = "ci-runner-7"
OTHER = "ci-runner-8"
FORCE_HINT = "or set force: true (bluegreen_force_unlock) if that run is dead"


def run(sandbox, *flags, **args):
    """Like sandbox.module, with ansible command-line flags (--check, --diff) in front."""
    args.setdefault("endpoint_url", sandbox.endpoint)
    args.setdefault("region", "us-east-1")
    args.setdefault("access_key", "testing")
    args.setdefault("secret_key", "testing")
    command = [str(BIN / "ansible"), "localhost", *flags, "-m", "teal.bluegreen.deploy_lock", "-a", json.dumps(args)]
    env = dict(sandbox.env, ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json")
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    try:
        output = json.loads(done.stdout)
    except ValueError:
        raise AssertionError(f"no JSON from ansible: {done.stdout}\n{done.stderr}") from None
    return output["plays"][0]["tasks"][0]["hosts"]["localhost"]


def ok(result):
    assert not result.get("failed"), result.get("msg")
    return result


def read(ssm, name=LOCK):
    """The lock parameter as SSM has it (value, version, description), or None."""
    found = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"]
    value = ssm_api.get_parameters(ssm, [name])[name]
    if value is None:
        return None
    return {
        "value": json.loads(value["Value"]) if value["Value"].startswith("{") else value["Value"],
        "version": value["Version"],
        "type": value["Type"],
        "description": found[0].get("Description"),
    }


def hold(ssm, owner=OTHER, operation="switch", started="2026-11-22T10:00:00Z"):
    document = {"owner": owner, "operation": operation, "started": started}
    ssm.put_parameter(Name=LOCK, Value=json.dumps(document), Type="String", Overwrite=False)
    return dict(document, valid=True, version=1)


def holder_of(result):
    return {key: result["lock"][key] for key in ("owner", "operation", "started")}


@pytest.fixture
def ssm(sandbox):
    client = sandbox.client("ssm")

    def remove():
        with contextlib.suppress(client.exceptions.ParameterNotFound):
            client.delete_parameter(Name=LOCK)

    remove()
    try:
        yield client
    finally:
        remove()


@contextlib.contextmanager
def recording(sandbox):
    """Collect the SSM actions the sandbox receives (X-Amz-Target minus the service prefix)."""
    calls = []

    def recorder(action, method="POST"):
        request = urllib.request.Request(f"{sandbox.endpoint}/moto-api/recorder/{action}", method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read().decode("utf-8")

    recorder("reset-recording")
    recorder("start-recording")
    try:
        yield calls
    finally:
        recorder("stop-recording")
        for line in recorder("download-recording", method="GET").splitlines():
            target = json.loads(line)["headers"].get("X-Amz-Target", "")
            if target.startswith("AmazonSSM."):
                calls.append(target[len("AmazonSSM.") :])
        recorder("reset-recording")


def test_acquire_in_check_mode_then_for_real_then_again(sandbox, ssm):
    args = dict(app="demo", owner=ME, operation="deploy")

    checked = ok(run(sandbox, "--check", "--diff", **args))
    assert (checked["changed"], checked["acquired"], checked["previous"]) == (True, True, None)
    assert checked["lock"] == dict(holder_of(checked), owner=ME, operation="deploy", valid=True, version=1)
    assert checked["diff"] == {"before": None, "after": checked["lock"]}
    assert checked["parameter"] == LOCK
    assert read(ssm) is None

    acquired = ok(run(sandbox, "--diff", **args))
    assert (acquired["changed"], acquired["acquired"], acquired["previous"]) == (True, True, None)
    assert acquired["diff"] == {"before": None, "after": acquired["lock"]}
    assert read(ssm) == {
        "value": holder_of(acquired),
        "version": 1,
        "type": "String",
        "description": "teal.bluegreen deployment lock of demo: deploy by ci-runner-7",
    }
    assert acquired["lock"]["started"].endswith("Z")

    again_checked = ok(run(sandbox, "--check", "--diff", **args))
    assert (again_checked["changed"], again_checked["acquired"]) == (False, False)
    assert again_checked["lock"] == again_checked["previous"] == acquired["lock"]
    assert again_checked["diff"] == {"before": acquired["lock"], "after": acquired["lock"]}

    again = ok(run(sandbox, **args))
    assert (again["changed"], again["acquired"]) == (False, False)
    assert again["lock"] == again["previous"] == acquired["lock"]
    assert "diff" not in again
    assert read(ssm)["version"] == 1


def test_free_lock_is_taken_with_one_write_and_no_read(sandbox, ssm):
    with recording(sandbox) as calls:
        ok(run(sandbox, app="demo", owner=ME, operation="deploy"))
    assert calls == ["PutParameter"]

    with recording(sandbox) as calls:
        assert ok(run(sandbox, app="demo", owner=ME, operation="deploy"))["changed"] is False
    assert calls == ["PutParameter", "GetParameters"]

    with recording(sandbox) as calls:
        ok(run(sandbox, "--check", app="demo", owner=ME, state="absent"))
    assert calls == ["GetParameters"]


def test_lock_of_another_owner_is_refused_and_left_alone(sandbox, ssm):
    theirs = hold(ssm)
    before = read(ssm)

    for flags in (("--check",), ()):
        refused = run(sandbox, *flags, app="demo", owner=ME, operation="deploy")
        assert refused["failed"] is True
        assert refused["msg"] == (
            "deployment lock /bluegreen/demo/lock is held by 'ci-runner-8' for 'switch' since 2026-11-22T10:00:00Z, "
            f"not by 'ci-runner-7' for 'deploy'; nothing changed. Wait for that run to finish, {FORCE_HINT}"
        )
        assert read(ssm) == before

    same_owner = run(sandbox, app="demo", owner=OTHER, operation="deploy")
    assert same_owner["failed"] is True
    assert "held by 'ci-runner-8' for 'switch'" in same_owner["msg"]
    assert "not by 'ci-runner-8' for 'deploy'" in same_owner["msg"]
    assert read(ssm) == before
    assert theirs == dict(before["value"], valid=True, version=1)


def test_force_takes_the_lock_over(sandbox, ssm):
    theirs = hold(ssm)
    args = dict(app="demo", owner=ME, operation="rollback", force=True)

    checked = ok(run(sandbox, "--check", "--diff", **args))
    assert (checked["changed"], checked["acquired"], checked["previous"]) == (True, True, theirs)
    assert checked["lock"] == dict(holder_of(checked), owner=ME, operation="rollback", valid=True, version=2)
    assert checked["diff"] == {"before": theirs, "after": checked["lock"]}
    assert read(ssm)["value"]["owner"] == OTHER

    taken = ok(run(sandbox, **args))
    assert (taken["changed"], taken["acquired"], taken["previous"]) == (True, True, theirs)
    assert taken["lock"]["version"] == 2
    after = read(ssm)
    assert (after["value"], after["version"]) == (holder_of(taken), 2)
    assert after["description"] == "teal.bluegreen deployment lock of demo: rollback by ci-runner-7"

    again = ok(run(sandbox, **args))
    assert (again["changed"], again["acquired"], again["lock"]) == (False, False, taken["lock"])
    assert read(ssm)["version"] == 2


def test_release(sandbox, ssm):
    mine = ok(run(sandbox, app="demo", owner=ME, operation="clean"))["lock"]
    args = dict(app="demo", owner=ME, state="absent")

    checked = ok(run(sandbox, "--check", "--diff", **args))
    assert (checked["changed"], checked["released"], checked["lock"], checked["previous"]) == (True, True, None, mine)
    assert checked["diff"] == {"before": mine, "after": None}
    assert read(ssm)["value"]["owner"] == ME

    released = ok(run(sandbox, "--diff", **args))
    assert (released["changed"], released["released"], released["lock"], released["previous"]) == (
        True,
        True,
        None,
        mine,
    )
    assert read(ssm) is None

    for flags in (("--check",), ()):
        again = ok(run(sandbox, *flags, **args))
        assert (again["changed"], again["released"], again["lock"], again["previous"]) == (False, False, None, None)


def test_release_of_another_owners_lock_needs_force(sandbox, ssm):
    theirs = hold(ssm)
    before = read(ssm)

    for flags in (("--check",), ()):
        refused = run(sandbox, *flags, app="demo", owner=ME, state="absent")
        assert refused["failed"] is True
        assert refused["msg"] == (
            "deployment lock /bluegreen/demo/lock is held by 'ci-runner-8' for 'switch' since 2026-11-22T10:00:00Z, "
            f"not by 'ci-runner-7'; nothing released. Let that run release it, {FORCE_HINT}"
        )
        assert read(ssm) == before

    forced = ok(run(sandbox, app="demo", owner=ME, state="absent", force=True))
    assert (forced["changed"], forced["released"], forced["previous"]) == (True, True, theirs)
    assert read(ssm) is None


def test_unreadable_lock_belongs_to_nobody(sandbox, ssm):
    ssm.put_parameter(Name=LOCK, Value="locked by bob", Type="String")
    before = read(ssm)

    for state in ("present", "absent"):
        refused = run(sandbox, app="demo", owner=ME, operation="deploy", state=state)
        assert refused["failed"] is True
        assert "held by something that is not a teal.bluegreen lock document (version 1)" in refused["msg"]
        assert read(ssm) == before

    taken = ok(run(sandbox, app="demo", owner=ME, operation="deploy", force=True))
    assert taken["previous"] == {"owner": None, "operation": None, "started": None, "valid": False, "version": 1}
    assert read(ssm)["value"] == holder_of(taken)


def test_default_owner_and_parameter_prefix(sandbox, ssm):
    name = "/teams/web/demo/lock"
    try:
        acquired = ok(run(sandbox, app="demo", operation="deploy", parameter_prefix="/teams/web/"))
        assert acquired["owner"] == f"{getpass.getuser()}@{socket.gethostname()}"
        assert acquired["parameter"] == name
        assert read(ssm, name)["value"]["owner"] == acquired["owner"]
        assert read(ssm) is None
        released = ok(run(sandbox, app="demo", state="absent", parameter_prefix="/teams/web"))
        assert (released["changed"], released["owner"]) == (True, acquired["owner"])
        assert read(ssm, name) is None
    finally:
        with contextlib.suppress(ssm.exceptions.ParameterNotFound):
            ssm.delete_parameter(Name=name)


LIVE = "/bluegreen/demo/live"


@pytest.fixture
def live(ssm):
    """demo's live parameter, as the test leaves it, restored afterwards."""
    before = ssm_api.get_parameters(ssm, [LIVE])[LIVE]
    yield LIVE
    if before is None:
        with contextlib.suppress(ssm.exceptions.ParameterNotFound):
            ssm.delete_parameter(Name=LIVE)
    else:
        ssm.put_parameter(Name=LIVE, Value=before["Value"], Type="String", Overwrite=True)


def test_record_is_written_before_the_release_in_one_run(sandbox, ssm, live):
    ssm.put_parameter(Name=LIVE, Value="blue", Type="String", Overwrite=True)
    hold(ssm, owner=ME, operation="switch")
    args = dict(
        app="demo",
        owner=ME,
        state="absent",
        record=[{"name": "live", "value": "green", "description": "switch 7: green"}],
    )

    checked = ok(run(sandbox, "--check", "--diff", **args))
    assert checked["changed"] is True
    assert checked["records"]["live"] == {
        "parameter": LIVE,
        "previous_value": "blue",
        "value": "green",
        "written": True,
        "version": None,
    }
    assert checked["diff"][1] == {"before": {LIVE: "blue"}, "after": {LIVE: "green"}}
    assert read(ssm, LIVE)["value"] == "blue" and read(ssm)["value"]["owner"] == ME

    with recording(sandbox) as calls:
        done = ok(run(sandbox, "--diff", **args))
    assert calls == ["GetParameters", "PutParameter", "DeleteParameter"]
    assert done["changed"] is True and done["released"] is True
    stored = read(ssm, LIVE)
    assert stored["value"] == "green" and stored["description"] == "switch 7: green"
    assert done["records"]["live"]["version"] == stored["version"]
    assert read(ssm) is None

    # Run again: the value is stored and the lock gone, so nothing is written, not even the new description.
    rerun = dict(args)
    rerun["record"] = [dict(args["record"][0], description="another run")]
    with recording(sandbox) as calls:
        again = ok(run(sandbox, **rerun))
    assert calls == ["GetParameters"]
    assert again["changed"] is False and again["records"]["live"]["written"] is False
    assert read(ssm, LIVE) == stored


def test_record_creates_a_missing_parameter_with_the_app_tag(sandbox, ssm, live):
    with contextlib.suppress(ssm.exceptions.ParameterNotFound):
        ssm.delete_parameter(Name=LIVE)
    done = ok(run(sandbox, app="demo", owner=ME, state="absent", record=[{"name": "live", "value": "blue"}]))
    assert done["changed"] is True and done["released"] is False
    assert done["records"]["live"]["previous_value"] is None and read(ssm, LIVE)["value"] == "blue"
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=LIVE)["TagList"]
    assert {"Key": "bluegreen:app", "Value": "demo"} in tags


@pytest.mark.parametrize(
    "state, hint",
    [("absent", "nothing released"), ("present", FORCE_HINT)],
    ids=["releasing it", "holding it"],
)
def test_record_under_another_owners_lock_is_refused_and_writes_nothing(sandbox, ssm, live, state, hint):
    ssm.put_parameter(Name=LIVE, Value="blue", Type="String", Overwrite=True)
    theirs = hold(ssm)
    before = read(ssm, LIVE)
    args = dict(app="demo", owner=ME, operation="switch", state=state, record=[{"name": "live", "value": "green"}])
    result = run(sandbox, **args)
    assert result["failed"] is True
    assert f"held by '{OTHER}' for 'switch'" in result["msg"] and hint in result["msg"]
    assert read(ssm, LIVE) == before
    assert read(ssm)["value"] == {key: theirs[key] for key in ("owner", "operation", "started")}


def test_record_under_the_lock_the_run_holds_keeps_it(sandbox, ssm, live):
    ssm.put_parameter(Name=LIVE, Value="blue", Type="String", Overwrite=True)
    mine = hold(ssm, owner=ME, operation="switch")
    args = dict(
        app="demo",
        owner=ME,
        operation="switch",
        state="present",
        record=[{"name": "live", "value": "green", "description": "switch 7: green"}],
    )

    checked = ok(run(sandbox, "--check", "--diff", **args))
    assert checked["changed"] is True and checked["acquired"] is False
    assert checked["records"]["live"]["written"] is True and checked["records"]["live"]["version"] is None
    assert checked["diff"][1] == {"before": {LIVE: "blue"}, "after": {LIVE: "green"}}
    assert read(ssm, LIVE)["value"] == "blue"

    with recording(sandbox) as calls:
        done = ok(run(sandbox, **args))
    # The compare-and-create finds the lock, which is this run's; then the record is read and written.
    assert calls == ["PutParameter", "GetParameters", "GetParameters", "PutParameter"]
    assert done["changed"] is True and done["acquired"] is False
    stored = read(ssm, LIVE)
    assert stored["value"] == "green" and stored["description"] == "switch 7: green"
    assert done["records"]["live"]["version"] == stored["version"]
    assert read(ssm)["value"] == {key: mine[key] for key in ("owner", "operation", "started")}
    assert read(ssm)["version"] == mine["version"]

    again = ok(run(sandbox, **args))
    assert again["changed"] is False and again["records"]["live"]["written"] is False
    assert read(ssm, LIVE) == stored


def test_record_with_a_free_lock_takes_it_and_writes(sandbox, ssm, live):
    ssm.put_parameter(Name=LIVE, Value="blue", Type="String", Overwrite=True)
    args = dict(app="demo", owner=ME, operation="rollback", record=[{"name": "live", "value": "green"}])
    done = ok(run(sandbox, **args))
    assert done["changed"] is True and done["acquired"] is True
    assert read(ssm, LIVE)["value"] == "green"
    assert read(ssm)["value"]["owner"] == ME and read(ssm)["value"]["operation"] == "rollback"


@pytest.mark.parametrize(
    "args, message",
    [
        (dict(app="demo/../other", operation="deploy"), "app 'demo/../other' may hold only letters, digits"),
        (dict(app="demo"), "state is present but all of the following are missing: operation"),
        (dict(app="demo", operation=" "), "operation is empty; say what the lock is for"),
        (dict(app="demo", operation="deploy", owner=""), "owner is empty"),
        (dict(app="demo", state="locked"), "value of state must be one of: present, absent"),
        (
            dict(app="demo", owner=ME, state="absent", record=[{"name": "../lock", "value": "x"}]),
            "record name '../lock' is not one the module writes: give the name of a parameter under /bluegreen/demo/",
        ),
        (
            dict(app="demo", owner=ME, state="absent", record=[{"name": "lock", "value": "x"}]),
            "record name 'lock' is not one the module writes",
        ),
        (
            dict(
                app="demo",
                owner=ME,
                state="absent",
                record=[{"name": "live", "value": "a"}, {"name": "live", "value": "b"}],
            ),
            "record names 'live' twice; give each parameter once",
        ),
        (dict(app="demo", owner=ME, state="absent", record=[{"name": "live"}]), "missing required arguments: value"),
        (
            dict(app="demo", owner=ME, operation="switch", record=[{"name": "lock", "value": "x"}]),
            "record name 'lock' is not one the module writes",
        ),
    ],
    ids=[
        "app not a path element",
        "no operation",
        "blank operation",
        "empty owner",
        "unknown state",
        "record name a path",
        "record name the lock",
        "record name twice",
        "record without value",
        "record name the lock, holding it",
    ],
)
def test_bad_input_fails_clearly_and_changes_nothing(sandbox, ssm, args, message):
    def everything():
        pages = ssm.get_paginator("describe_parameters").paginate()
        return sorted((item["Name"], item["Version"]) for page in pages for item in page["Parameters"])

    before = everything()
    result = run(sandbox, **args)
    assert result["failed"] is True
    assert message in result["msg"]
    assert everything() == before


def test_of_five_runs_racing_for_the_lock_exactly_one_wins(sandbox, ssm):
    owners = [f"racer-{index}" for index in range(5)]
    with ThreadPoolExecutor(max_workers=len(owners)) as pool:
        results = dict(
            zip(owners, pool.map(lambda owner: run(sandbox, app="demo", owner=owner, operation="deploy"), owners))
        )

    winners = [owner for owner, result in results.items() if not result.get("failed")]
    assert len(winners) == 1, {owner: result.get("msg") for owner, result in results.items()}
    winner = winners[0]
    assert results[winner]["changed"] is True
    assert read(ssm)["value"]["owner"] == winner
    assert read(ssm)["version"] == 1
    for owner, result in results.items():
        if owner != winner:
            assert f"is held by {winner!r} for 'deploy'" in result["msg"]


def test_of_five_racing_creates_exactly_one_writes(sandbox, ssm):
    start = threading.Barrier(5)

    def create(index):
        client = sandbox.client("ssm")
        start.wait()
        return ssm_api.put_parameter(client, LOCK, json.dumps({"owner": f"racer-{index}"}), "race", overwrite=False)

    with ThreadPoolExecutor(max_workers=5) as pool:
        versions = list(pool.map(create, range(5)))

    assert sorted(versions, key=lambda version: version is None) == [1, None, None, None, None]
    assert read(ssm)["value"]["owner"] == f"racer-{versions.index(1)}"
