# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Strategy codedeploy: CodeDeploy's own blue/green driven by the deploy, switch, rollback and clean playbooks.

The app cdapp has one target group, cdapp, and one Auto Scaling group, cdapp-blue, registered in it; the live
parameter says blue. The sandbox's CodeDeploy copies the group, runs the lifecycle events, reroutes and ends the
original instances' wait as AWS does (tools/sandbox_codedeploy.py). The fixture removes cdapp afterwards.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from conftest import is_write
from test_codedeploy_deployment import recorded_requests

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = ROOT / "playbooks"
APP = "cdapp"
LIVE = f"/bluegreen/{APP}/live"
LOCK = f"/bluegreen/{APP}/lock"
DEPLOYMENT = f"/bluegreen/{APP}/deployment"
VARS = {
    "bluegreen_app": APP,
    "bluegreen_strategy": "codedeploy",
    "bluegreen_poll_interval": 1,
    "bluegreen_wait_timeout": 120,
}


@pytest.fixture(scope="module")
def cdapp(sandbox):
    """cdapp live on blue: one group of one instance registered in the target group cdapp."""
    arn = sandbox.codedeploy_app(APP)
    yield arn
    ec2, autoscaling, elbv2, ssm = (sandbox.client(name) for name in ("ec2", "autoscaling", "elbv2", "ssm"))
    for name in sandbox.groups(APP):
        autoscaling.delete_auto_scaling_group(AutoScalingGroupName=name, ForceDelete=True)
    for name in (LIVE, LOCK, DEPLOYMENT):
        if sandbox.parameter(name) is not None:
            ssm.delete_parameter(Name=name)
    for balancer in elbv2.describe_load_balancers(Names=[APP])["LoadBalancers"]:
        elbv2.delete_load_balancer(LoadBalancerArn=balancer["LoadBalancerArn"])
    elbv2.delete_target_group(TargetGroupArn=arn)
    ec2.delete_launch_template(LaunchTemplateName=APP)


def queue_outcome(sandbox, **outcome):
    """The next deployment of cdapp's deployment group ends as ``outcome`` says (tools/sandbox_codedeploy.py)."""
    request = urllib.request.Request(
        f"{sandbox.endpoint}/_sandbox/codedeploy/outcomes",
        data=json.dumps(dict(application=APP, deployment_group=APP, **outcome)).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def run(sandbox, playbook, *args, **extra_vars):
    with sandbox.api_calls() as calls:
        done = sandbox.playbook(PLAYBOOKS / playbook, *args, extra_vars={**VARS, **extra_vars})
    done.log = done.stdout + done.stderr
    done.writes = [call for call in calls if is_write(call)]
    done.requests = recorded_requests(sandbox)
    return done


def state(sandbox):
    return sandbox.module("state_info", app=APP, codedeploy_target_group=APP)


def operations(done, name):
    return [item["body"] for item in done.requests if item["operation"] == name]


def test_deploy_switch_rollback_and_clean_through_codedeploy(sandbox, cdapp):
    first = state(sandbox)
    assert (first["live_color"], first["consistent"], first["source"]) == ("blue", True, "codedeploy"), first["reasons"]
    assert first["layers"]["codedeploy"]["targets"]["blue"]["total"] == 1

    checked = run(sandbox, "deploy.yml", "--check", bluegreen_artifact_version="1")
    assert checked.returncode == 0, checked.log
    assert checked.writes == []

    # Deploy: CodeDeploy copies cdapp-blue and waits in Ready; the copy is tagged green and recorded.
    deployed = run(sandbox, "deploy.yml", bluegreen_artifact_version="1")
    assert deployed.returncode == 0, deployed.log
    [created] = operations(deployed, "CreateDeployment")
    assert created["revision"]["s3Location"]["key"] == f"revisions/{APP}/1.zip"
    [group_request] = operations(deployed, "CreateDeploymentGroup")
    assert group_request["deploymentStyle"] == {
        "deploymentType": "BLUE_GREEN",
        "deploymentOption": "WITH_TRAFFIC_CONTROL",
    }
    assert group_request["autoScalingGroups"] == [f"{APP}-blue"]
    config = group_request["blueGreenDeploymentConfiguration"]
    assert config["deploymentReadyOption"]["actionOnTimeout"] == "STOP_DEPLOYMENT"
    assert config["greenFleetProvisioningOption"] == {"action": "COPY_AUTO_SCALING_GROUP"}
    record = json.loads(sandbox.parameter(DEPLOYMENT))
    copy = f"CodeDeploy_{APP}_{record['codedeploy_deployment_id']}"
    assert record["color"] == "green" and record["auto_scaling_group"] == copy and record["source"] == f"{APP}-blue"
    groups = sandbox.groups(APP)
    assert sorted(groups) == sorted([f"{APP}-blue", copy])
    assert {tag["Key"]: tag["Value"] for tag in groups[copy]["Tags"]}["bluegreen:color"] == "green"
    ready = state(sandbox)
    assert (ready["live_color"], ready["consistent"]) == ("blue", True), ready["reasons"]
    assert ready["colors"]["green"]["auto_scaling_group"] == copy

    again = run(sandbox, "deploy.yml", bluegreen_artifact_version="1")
    assert again.returncode == 0, again.log
    assert again.writes == [] and "nothing to do" in again.log

    # Switch: CodeDeploy reroutes; the originals wait for their termination.
    switch_checked = run(sandbox, "switch.yml", "--check")
    assert switch_checked.returncode == 0, switch_checked.log
    assert switch_checked.writes == []
    switched = run(sandbox, "switch.yml")
    assert switched.returncode == 0, switched.log
    assert operations(switched, "ContinueDeployment") == [
        {"deploymentId": record["codedeploy_deployment_id"], "deploymentWaitType": "READY_WAIT"}
    ]
    live = state(sandbox)
    assert (live["live_color"], live["consistent"]) == ("green", True), live["reasons"]
    assert live["colors"]["green"]["targets_healthy"] == 1 and sandbox.parameter(LIVE) == "green"
    assert f"{APP}-blue" in sandbox.groups(APP)
    switched_again = run(sandbox, "switch.yml")
    assert switched_again.returncode == 0, switched_again.log
    assert switched_again.writes == []

    # Rollback while the originals wait: CodeDeploy moves the traffic back to them and removes the copy.
    rolled_back = run(sandbox, "rollback.yml")
    assert rolled_back.returncode == 0, rolled_back.log
    assert operations(rolled_back, "StopDeployment") == [
        {"deploymentId": record["codedeploy_deployment_id"], "autoRollbackEnabled": True}
    ]
    back = state(sandbox)
    assert (back["live_color"], back["consistent"]) == ("blue", True), back["reasons"]
    assert sandbox.parameter(LIVE) == "blue" and sorted(sandbox.groups(APP)) == [f"{APP}-blue"]

    # Release 2, switched to, then cleaned: CodeDeploy ends the originals' wait and removes them.
    assert run(sandbox, "deploy.yml", bluegreen_artifact_version="2").returncode == 0
    second = json.loads(sandbox.parameter(DEPLOYMENT))
    assert second["codedeploy_deployment_id"] != record["codedeploy_deployment_id"]
    assert run(sandbox, "switch.yml").returncode == 0
    cleaned = run(sandbox, "clean.yml")
    assert cleaned.returncode == 0, cleaned.log
    assert operations(cleaned, "ContinueDeployment") == [
        {"deploymentId": second["codedeploy_deployment_id"], "deploymentWaitType": "TERMINATION_WAIT"}
    ]
    final = state(sandbox)
    assert (final["live_color"], final["consistent"]) == ("green", True), final["reasons"]
    assert sorted(sandbox.groups(APP)) == [second["auto_scaling_group"]]
    cleaned_again = run(sandbox, "clean.yml")
    assert cleaned_again.returncode == 0, cleaned_again.log
    assert cleaned_again.writes == []

    # With the originals gone, a rollback cannot reroute back: it says what to do and changes nothing.
    refused = run(sandbox, "rollback.yml")
    assert refused.returncode != 0
    assert "are gone" in refused.log and "bluegreen_artifact_version" in refused.log, refused.log
    assert refused.writes == []
    assert sandbox.parameter(LIVE) == "green" and sandbox.parameter(LOCK) is None

    # Release 3 replaces release 2, which the record now remembers: after the clean, a rollback deploys 2 again.
    assert run(sandbox, "deploy.yml", bluegreen_artifact_version="3").returncode == 0
    third = json.loads(sandbox.parameter(DEPLOYMENT))
    assert third["previous_artifact_version"] == "2"
    assert third["codedeploy_previous_revision"] == second["codedeploy_revision"]
    assert run(sandbox, "switch.yml").returncode == 0 and run(sandbox, "clean.yml").returncode == 0
    assert sorted(sandbox.groups(APP)) == [third["auto_scaling_group"]] and sandbox.parameter(LIVE) == "blue"
    redeployed = run(sandbox, "rollback.yml", bluegreen_deployment_id="rollback-to-2")
    assert redeployed.returncode == 0, redeployed.log
    [again_created] = operations(redeployed, "CreateDeployment")
    assert again_created["revision"]["s3Location"]["key"] == f"revisions/{APP}/2.zip"
    fourth = json.loads(sandbox.parameter(DEPLOYMENT))
    assert (fourth["color"], fourth["artifact_version"]) == ("green", "2")
    assert operations(redeployed, "ContinueDeployment") == [
        {"deploymentId": fourth["codedeploy_deployment_id"], "deploymentWaitType": "READY_WAIT"}
    ]
    restored = state(sandbox)
    assert (restored["live_color"], restored["consistent"]) == ("green", True), restored["reasons"]
    assert restored["colors"]["green"]["auto_scaling_group"] == fourth["auto_scaling_group"]
    assert sandbox.parameter(LIVE) == "green"
    # The same rollback run again (same id) finds it done.
    redeployed_again = run(sandbox, "rollback.yml", bluegreen_deployment_id="rollback-to-2")
    assert redeployed_again.returncode == 0, redeployed_again.log
    assert redeployed_again.writes == []
    assert run(sandbox, "clean.yml").returncode == 0
    assert sorted(sandbox.groups(APP)) == [fourth["auto_scaling_group"]]


def test_a_failed_lifecycle_event_fails_the_deploy_naming_it_and_codedeploy_removes_the_copy(sandbox, cdapp):
    # The deployment group the outcome is queued for is the one the test above created.
    before = state(sandbox)
    assert before["consistent"], before["reasons"]
    record, groups = sandbox.parameter(DEPLOYMENT), sorted(sandbox.groups(APP))
    queue_outcome(
        sandbox,
        outcome="fail",
        event="AfterInstall",
        error_code="ScriptFailed",
        script_name="bluegreen/run-hook.sh",
        message="Script at specified location: bluegreen/run-hook.sh run as user root failed with exit code 1",
        log_tail="[stderr]apache2: configuration error",
    )

    failed = run(sandbox, "deploy.yml", bluegreen_artifact_version="5")

    assert failed.returncode != 0, failed.log
    assert "failed at the CodeDeploy deployment" in failed.log
    assert "failed at AfterInstall on i-" in failed.log and "configuration error" in failed.log, failed.log
    # CodeDeploy's automatic rollback removed the copy; the live colour, the record and the lock are as before.
    assert sorted(sandbox.groups(APP)) == groups
    after = state(sandbox)
    assert (after["live_color"], after["consistent"]) == (before["live_color"], True), after["reasons"]
    assert sandbox.parameter(DEPLOYMENT) == record and sandbox.parameter(LOCK) is None


@pytest.mark.parametrize(
    "playbook, variables, message",
    [
        (
            "switch.yml",
            {"bluegreen_canary_steps": [50, 100]},
            "with strategy codedeploy CodeDeploy moves the instances",
        ),
        (
            "deploy.yml",
            {"bluegreen_artifact_version": "4", "bluegreen_codedeploy_service_role_arn": ""},
            "bluegreen_codedeploy_service_role_arn (got '')",
        ),
        (
            "deploy.yml",
            {"bluegreen_artifact_version": "4", "bluegreen_codedeploy_target_group": "nope"},
            "codedeploy_target_group 'nope' does not exist",
        ),
    ],
    ids=["canary steps", "no service role", "unknown target group"],
)
def test_bad_input_fails_naming_it_and_changes_nothing(sandbox, cdapp, playbook, variables, message):
    before = (sandbox.parameter(LIVE), sandbox.parameter(DEPLOYMENT), sorted(sandbox.groups(APP)))

    done = run(sandbox, playbook, **variables)

    assert done.returncode != 0, done.log
    assert message in done.log, done.log
    assert done.writes == []
    assert (sandbox.parameter(LIVE), sandbox.parameter(DEPLOYMENT), sorted(sandbox.groups(APP))) == before
