# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deploy and clean roles, with the switch between them, through their playbooks against the test sandbox.

The module's fixture puts the sandbox back as provisioned (live on blue, one blue fleet, no deployment
record) whatever the tests did, so the test modules after this one see it unchanged.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
from pathlib import Path

import pytest

from conftest import is_write
from conftest import recap

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "playbooks" / "deploy.yml"
SWITCH = ROOT / "playbooks" / "switch.yml"
CLEAN = ROOT / "playbooks" / "clean.yml"
LIVE = "/bluegreen/demo/live"
LOCK = "/bluegreen/demo/lock"
DEPLOYMENT = "/bluegreen/demo/deployment"
STATE_ARGS = {"app": "demo", "load_balancer": "demo"}
FAST = {"bluegreen_poll_interval": 1, "bluegreen_wait_timeout": 120, "bluegreen_test_listener_port": 8080}


def run(sandbox, playbook, *args, **extra_vars):
    done = sandbox.playbook(playbook, *args, extra_vars={**FAST, **extra_vars})
    done.log = done.stdout + done.stderr
    return done


def state(sandbox):
    return sandbox.module("state_info", **STATE_ARGS)


def template_data(sandbox, group):
    spec = group["LaunchTemplate"]
    versions = sandbox.client("ec2").describe_launch_template_versions(
        LaunchTemplateId=spec["LaunchTemplateId"], Versions=[spec["Version"]]
    )["LaunchTemplateVersions"]
    return versions[0]["LaunchTemplateData"]


def delete_version_requests(sandbox):
    """The (template id, version) pairs of the DeleteLaunchTemplateVersions requests the recorder saw."""
    recording = sandbox.directory / "requests.jsonl"
    pairs = set()
    for line in recording.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        raw = entry.get("body") or ""
        if entry.get("body_encoded"):
            raw = base64.b64decode(raw).decode("utf-8", "replace")
        body = urllib.parse.parse_qs(raw)
        if body.get("Action") == ["DeleteLaunchTemplateVersions"]:
            versions = [value[0] for key, value in body.items() if key.startswith("LaunchTemplateVersion.")]
            pairs.update((body["LaunchTemplateId"][0], int(version)) for version in versions)
    return pairs


@pytest.fixture(scope="module")
def cycle_sandbox(sandbox):
    """The sandbox as provisioned, which tests/conftest.py restores before each test file."""
    before = state(sandbox)
    assert (before["live_color"], before["consistent"], before["lock"]) == ("blue", True, None), before["reasons"]
    assert list(sandbox.groups()) == ["demo-blue"]
    return sandbox


def task_status(done, name):
    """How the task whose name starts with ``name`` ended on localhost: ok, changed, skipping, failed."""
    # A diff (--diff) comes between the task's header and its status.
    found = re.search(
        r"^TASK \[[^\]]*: " + re.escape(name) + r".*?^(ok|changed|skipping|failed|fatal): \[localhost",
        done.stdout,
        re.MULTILINE | re.DOTALL,
    )
    assert found, f"no task {name!r} in the output"
    return found.group(1)


def test_deploy_in_check_mode_changes_nothing_and_says_what_it_would_do(cycle_sandbox):
    sandbox = cycle_sandbox
    image = sandbox.images()[0]
    with sandbox.api_calls() as calls:
        done = run(sandbox, DEPLOY, "--check", "--diff", bluegreen_image_id=image, bluegreen_artifact_version="2")
    assert done.returncode == 0, done.log
    assert [call for call in calls if is_write(call)] == []
    assert list(sandbox.groups()) == ["demo-blue"]
    assert sandbox.parameter(DEPLOYMENT) is None
    said = " ".join(done.stdout.split())
    assert "demo: demo-green (green) would run launch template" in said, done.stdout
    assert f"(image {image}) with 2 instance(s), once they are healthy and verified; blue would still take" in said
    assert "Check mode: nothing changed" in said and "healthy and verified; blue still takes" not in said
    # The diff of the new fleet shows the image its launch template version would run.
    assert re.search(r"^\+\s+ImageId: " + re.escape(image) + "$", done.stdout, re.MULTILINE), done.stdout
    # The prediction only reads; the copy, in check mode a prediction too, says that there is something to do.
    assert task_status(done, "Copy the live fleet into the idle colour (prediction)") == "ok"
    assert task_status(done, "Copy the live fleet into the idle colour, and wait") == "changed"


def snapshot(sandbox):
    """What a refused run must leave as it was: the groups, the parameters and the launch template versions."""
    template_id = sandbox.groups()["demo-blue"]["LaunchTemplate"]["LaunchTemplateId"]
    versions = sandbox.client("ec2").describe_launch_template_versions(LaunchTemplateId=template_id)
    return {
        "groups": {name: (item["DesiredCapacity"], item["LaunchTemplate"]) for name, item in sandbox.groups().items()},
        "parameters": {name: sandbox.parameter(name) for name in (LIVE, LOCK, DEPLOYMENT)},
        "versions": sorted(item["VersionNumber"] for item in versions["LaunchTemplateVersions"]),
    }


@pytest.mark.parametrize(
    "playbook, variables, message",
    [
        (
            DEPLOY,
            {"bluegreen_launch_template_version": "1", "bluegreen_image_id": "ami-0123456789abcdef0"},
            "bluegreen_launch_template_version '1' cannot be combined with bluegreen_image_id",
        ),
        (DEPLOY, {"bluegreen_image_id": "ami-XYZ"}, "image_id 'ami-XYZ' is not an AMI id"),
        (
            DEPLOY,
            {"bluegreen_strategy": "codedeploy", "bluegreen_artifact_version": "9"},
            "codedeploy_target_group 'demo' does not exist",
        ),
        (
            DEPLOY,
            {"bluegreen_asg_names": {"blue": "demo-blue", "green": "demo-blue"}},
            "name and source are both 'demo-blue'",
        ),
        (
            CLEAN,
            {"bluegreen_clean_mode": "shred"},
            "bluegreen_clean_mode must be one of: delete, scale_to_zero, got: shred",
        ),
        (CLEAN, {"bluegreen_strategy": "codedeploy"}, "codedeploy_target_group 'demo' does not exist"),
    ],
    ids=[
        "version and image",
        "malformed image",
        "deploy strategy",
        "clone named as the source",
        "clean mode",
        "clean strategy",
    ],
)
def test_bad_input_fails_clearly_and_changes_nothing(cycle_sandbox, playbook, variables, message):
    sandbox = cycle_sandbox
    before = snapshot(sandbox)
    done = run(sandbox, playbook, **variables)
    assert done.returncode != 0
    assert message in " ".join(done.stdout.split()), done.log
    assert snapshot(sandbox) == before


def test_failed_deploy_removes_its_fleet(cycle_sandbox):
    sandbox = cycle_sandbox
    done = run(
        sandbox,
        DEPLOY,
        bluegreen_artifact_version="broken",
        bluegreen_deploy_verifications=[{"url": "http://127.0.0.1:9/health"}],
        bluegreen_deploy_verify_retries=0,
        bluegreen_deploy_verify_delay=0,
    )
    assert done.returncode != 0
    assert "deploy of demo to green failed at the verification" in done.stdout, done.log
    assert "demo-green was deleted; blue still takes all production traffic" in done.stdout, done.log
    assert list(sandbox.groups()) == ["demo-blue"]
    assert sandbox.parameter(DEPLOYMENT) is None
    assert sandbox.parameter(LOCK) is None
    sandbox.forget_old_targets()
    assert state(sandbox)["live_color"] == "blue"


def test_a_fleet_that_never_gets_healthy_fails_the_deploy_and_is_removed(cycle_sandbox):
    """Instances of an image that fails its health checks (sandbox:health=unhealthy, docs/sandbox.md) stay initial, then
    unhealthy: the deploy waits, fails, deletes the fleet it made, and production stays on blue. Against plain moto,
    whose targets are healthy at once, the deploy succeeds."""
    sandbox = cycle_sandbox
    ec2 = sandbox.client("ec2")
    live = template_data(sandbox, sandbox.groups()["demo-blue"])["ImageId"]
    image = next(item for item in sandbox.images() if item != live)
    ec2.create_tags(Resources=[image], Tags=[{"Key": "sandbox:health", "Value": "unhealthy"}])
    try:
        done = run(
            sandbox, DEPLOY, bluegreen_image_id=image, bluegreen_artifact_version="sick", bluegreen_wait_timeout=15
        )
    finally:
        ec2.delete_tags(Resources=[image], Tags=[{"Key": "sandbox:health"}])
    assert done.returncode != 0
    said = " ".join(done.stdout.split())
    assert "not healthy in target group" in said, done.log
    assert "demo-green was deleted; blue still takes all production traffic" in said, done.log
    assert list(sandbox.groups()) == ["demo-blue"]
    assert sandbox.parameter(DEPLOYMENT) is None and sandbox.parameter(LOCK) is None
    sandbox.forget_old_targets()
    assert state(sandbox)["live_color"] == "blue"


def test_failed_deploy_keeps_its_fleet_when_told(cycle_sandbox):
    sandbox = cycle_sandbox
    done = run(
        sandbox,
        DEPLOY,
        bluegreen_keep_failed=True,
        bluegreen_deploy_verifications=[{"url": "http://127.0.0.1:9/health"}],
        bluegreen_deploy_verify_retries=0,
    )
    assert done.returncode != 0
    assert "demo-green was kept (bluegreen_keep_failed)" in done.stdout, done.log
    assert sorted(sandbox.groups()) == ["demo-blue", "demo-green"]
    assert sandbox.parameter(DEPLOYMENT) is None
    assert sandbox.parameter(LOCK) is None
    # The kept fleet was never deployed, so clean takes it away like any old colour.
    cleaned = run(sandbox, CLEAN)
    assert cleaned.returncode == 0, cleaned.log
    assert list(sandbox.groups()) == ["demo-blue"]
    sandbox.forget_old_targets()


def deploy_switch_clean(sandbox, image, artifact, live, idle, content=None):
    """One cycle, asserting the state read back after each step; returns the new fleet's launch template version.

    With ``content`` (a directory), the deploy also releases it into the idle colour's EFS directory.
    """
    extra = {"bluegreen_artifact": str(content)} if content else {}
    deployed = run(sandbox, DEPLOY, bluegreen_image_id=image, bluegreen_artifact_version=artifact, **extra)
    assert deployed.returncode == 0, deployed.log
    # The prediction changes nothing, and says so; the copy that follows is what changes.
    assert task_status(deployed, "Copy the live fleet into the idle colour (prediction)") == "ok"
    assert task_status(deployed, "Copy the live fleet into the idle colour, and wait") == "changed"
    if content:
        # The release role runs twice: first only checking (a prediction, never changed), then for real.
        assert task_status(deployed, "Synchronise the artifact into") == "ok"
        assert recap(deployed)["changed"] > 0
        marker = json.loads((sandbox.efs / "demo" / idle / ".release.json").read_text(encoding="utf-8"))
        assert (marker["color"], marker["version"], sorted(marker["files"])) == (
            idle,
            artifact,
            ["health", "index.html"],
        )
    fleets = sandbox.groups()
    assert sorted(fleets) == sorted([f"demo-{live}", f"demo-{idle}"])
    new = fleets[f"demo-{idle}"]
    assert new["TargetGroupARNs"] == [sandbox.target_group_arn(idle)]
    assert {tag["Key"]: tag["Value"] for tag in new["Tags"]}["bluegreen:color"] == idle
    assert template_data(sandbox, new)["ImageId"] == image
    record = json.loads(sandbox.parameter(DEPLOYMENT))
    assert (record["color"], record["auto_scaling_group"], record["artifact_version"], record["image_id"]) == (
        idle,
        f"demo-{idle}",
        artifact,
        image,
    )
    assert record["launch_template"]["version"] == new["LaunchTemplate"]["Version"]
    current = state(sandbox)
    assert (current["live_color"], current["consistent"], current["lock"]) == (live, True, None)
    assert current["deployment"]["pending"] is True

    # The same deploy again: nothing to do, not even the lock.
    with sandbox.api_calls() as calls:
        again = run(sandbox, DEPLOY, bluegreen_image_id=image, bluegreen_artifact_version=artifact, **extra)
    assert again.returncode == 0, again.log
    assert recap(again)["changed"] == 0, again.stdout
    assert "already runs this release" in again.stdout
    assert [call for call in calls if is_write(call)] == []

    # Before the switch, the idle colour is the new release: clean refuses to take it away.
    refused = run(sandbox, CLEAN)
    assert refused.returncode != 0
    assert f"{idle} holds deployment {record['id']} (artifact {artifact}), which has not taken production" in (
        refused.stdout
    ), refused.log
    assert sorted(sandbox.groups()) == sorted([f"demo-{live}", f"demo-{idle}"])

    # A bare switch goes to the deployed colour, and a second one finds nothing to do.
    switched = run(sandbox, SWITCH)
    assert switched.returncode == 0, switched.log
    assert state(sandbox)["live_color"] == idle
    assert recap(run(sandbox, SWITCH))["changed"] == 0
    return new["LaunchTemplate"]


def test_full_cycle_twice(cycle_sandbox, tmp_path):
    sandbox = cycle_sandbox
    first_image, second_image = sandbox.images()[:2]
    template_id = sandbox.groups()["demo-blue"]["LaunchTemplate"]["LaunchTemplateId"]

    deploy_switch_clean(sandbox, first_image, "2", live="blue", idle="green")

    # Old blue still takes production traffic through a listener rule: clean refuses, and changes nothing.
    elbv2 = sandbox.client("elbv2")
    lb = elbv2.describe_load_balancers(Names=["demo"])["LoadBalancers"][0]
    listener = next(
        item
        for item in elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
        if item["Port"] == 80
    )
    rule = elbv2.create_rule(
        ListenerArn=listener["ListenerArn"],
        Priority=10,
        Conditions=[{"Field": "path-pattern", "Values": ["/legacy/*"]}],
        Actions=[{"Type": "forward", "TargetGroupArn": sandbox.target_group_arn("blue")}],
    )["Rules"][0]
    try:
        refused = run(sandbox, CLEAN)
        assert refused.returncode != 0
        assert "'demo-blue' takes production traffic" in refused.stdout, refused.log
        assert sandbox.groups()["demo-blue"]["DesiredCapacity"] == 2
        assert sandbox.parameter(LOCK) is None
    finally:
        elbv2.delete_rule(RuleArn=rule["RuleArn"])

    cleaned = run(sandbox, CLEAN)
    assert cleaned.returncode == 0, cleaned.log
    assert list(sandbox.groups()) == ["demo-green"]
    assert recap(run(sandbox, CLEAN))["changed"] == 0
    sandbox.forget_old_targets()

    # Back to blue, on another image and with content for blue's EFS directory; the old green is first kept at
    # zero instances, then deleted.
    content = tmp_path / "site-3"
    content.mkdir()
    (content / "index.html").write_text("<h1>demo 3</h1>\n", encoding="utf-8")
    (content / "health").write_text("OK\n", encoding="utf-8")
    second = deploy_switch_clean(sandbox, second_image, "3", live="green", idle="blue", content=content)
    green_template = sandbox.groups()["demo-green"]["LaunchTemplate"]
    stopped = run(sandbox, CLEAN, bluegreen_clean_mode="scale_to_zero")
    assert stopped.returncode == 0, stopped.log
    assert (sandbox.groups()["demo-green"]["DesiredCapacity"], sandbox.groups()["demo-green"]["Instances"]) == (0, [])
    assert recap(run(sandbox, CLEAN, bluegreen_clean_mode="scale_to_zero"))["changed"] == 0

    with sandbox.api_calls():
        cleaned = run(sandbox, CLEAN)
    assert cleaned.returncode == 0, cleaned.log
    asked_to_delete = delete_version_requests(sandbox)

    # Exactly one fleet, on the live colour, launching from the version its deploy created.
    assert list(sandbox.groups()) == ["demo-blue"]
    current = state(sandbox)
    assert (current["live_color"], current["consistent"], current["lock"]) == ("blue", True, None)
    assert sandbox.groups()["demo-blue"]["LaunchTemplate"]["Version"] == second["Version"]
    # No orphaned launch template versions: the old green's version was deleted with it (the sandbox
    # cannot delete versions, so the request is what is checked), and the live one was kept.
    assert (template_id, int(green_template["Version"])) in asked_to_delete
    assert (template_id, int(second["Version"])) not in asked_to_delete
    sandbox.forget_old_targets()
