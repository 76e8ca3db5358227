# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deploy role with bluegreen_codedeploy: CodeDeploy installs the release on the new fleet, in place.

The sandbox's CodeDeploy runs each deployment's lifecycle as AWS would (tools/sandbox_codedeploy.py); a test
queues a failed event for the next deployment of a group. The fixture of test_deploy_role puts the sandbox back
as provisioned afterwards.
"""

from __future__ import annotations

import json
import urllib.request

from conftest import is_write
from conftest import recap
from test_deploy_role import DEPLOY
from test_deploy_role import DEPLOYMENT
from test_deploy_role import LOCK
from test_deploy_role import cycle_sandbox  # noqa: F401  pylint: disable=unused-import
from test_deploy_role import run

BUCKET = "bluegreen-revisions"
CODEDEPLOY = {"bluegreen_codedeploy": True}


def deployments(sandbox, group):
    client = sandbox.client("codedeploy")
    ids = client.list_deployments(applicationName="demo", deploymentGroupName=group)["deployments"]
    return [client.get_deployment(deploymentId=item)["deploymentInfo"] for item in ids]


def test_codedeploy_installs_the_release_on_the_new_fleet(cycle_sandbox):  # pylint: disable=redefined-outer-name
    sandbox = cycle_sandbox
    done = run(sandbox, DEPLOY, bluegreen_artifact_version="7", **CODEDEPLOY)
    assert done.returncode == 0, done.log
    assert "Install the release on demo-green with CodeDeploy, in place" in done.log

    key = "revisions/demo/7.zip"
    head = sandbox.client("s3").head_object(Bucket=BUCKET, Key=key)
    found = deployments(sandbox, "demo-green")
    assert [(item["status"], item["revision"]["s3Location"]["key"]) for item in found] == [("Succeeded", key)]
    assert found[0]["revision"]["s3Location"]["eTag"] == head["ETag"].strip('"')
    group = sandbox.client("codedeploy").get_deployment_group(applicationName="demo", deploymentGroupName="demo-green")
    assert [item["name"] for item in group["deploymentGroupInfo"]["autoScalingGroups"]] == ["demo-green"]
    record = json.loads(sandbox.parameter(DEPLOYMENT))
    assert (record["color"], record["artifact_version"], record["codedeploy_revision"]) == (
        "green",
        "7",
        f"s3://{BUCKET}/{key}",
    )

    # The same release again: nothing uploaded, deployed or written.
    with sandbox.api_calls() as calls:
        again = run(sandbox, DEPLOY, bluegreen_artifact_version="7", **CODEDEPLOY)
    assert again.returncode == 0, again.log
    assert recap(again)["changed"] == 0, again.log
    assert [call for call in calls if is_write(call)] == []
    assert len(deployments(sandbox, "demo-green")) == 1


def test_a_failed_lifecycle_event_fails_the_deploy_naming_it(cycle_sandbox):  # pylint: disable=redefined-outer-name
    sandbox = cycle_sandbox
    outcome = {
        "application": "demo",
        "deployment_group": "demo-green",
        "outcome": "fail",
        "event": "ValidateService",
        "error_code": "ScriptFailed",
        "script_name": "bluegreen/run-hook.sh",
        "message": "Script at specified location: bluegreen/run-hook.sh run as user root failed with exit code 1",
        "log_tail": "[stdout]http://127.0.0.1/health answered 503",
    }
    request = urllib.request.Request(
        f"{sandbox.endpoint}/_sandbox/codedeploy/outcomes",
        data=json.dumps(outcome).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
    before = sandbox.parameter(DEPLOYMENT)

    failed = run(
        sandbox,
        DEPLOY,
        bluegreen_artifact_version="8",
        bluegreen_codedeploy_config_name="CodeDeployDefault.OneAtATime",
        **CODEDEPLOY,
    )
    assert failed.returncode != 0, failed.log
    assert "failed at the CodeDeploy deployment" in failed.log
    assert "failed at ValidateService on i-" in failed.log
    assert "answered 503" in failed.log
    # The deployment record and the lock are as before; the live colour was never touched.
    assert sandbox.parameter(DEPLOYMENT) == before
    assert sandbox.parameter(LOCK) is None
    assert [item["status"] for item in deployments(sandbox, "demo-green")].count("Failed") == 1


def test_codedeploy_without_a_version_or_bucket_fails_and_changes_nothing(
    cycle_sandbox,
):  # pylint: disable=redefined-outer-name
    sandbox = cycle_sandbox
    before = sandbox.parameter(DEPLOYMENT)
    with sandbox.api_calls() as calls:
        no_version = run(sandbox, DEPLOY, **CODEDEPLOY)
        no_bucket = run(sandbox, DEPLOY, bluegreen_artifact_version="9", bluegreen_codedeploy_bucket="", **CODEDEPLOY)
    for failed, named in (
        (no_version, "bluegreen_artifact_version (got '')"),
        (no_bucket, "bluegreen_codedeploy_bucket (got '')"),
    ):
        assert failed.returncode != 0, failed.log
        assert named in failed.log and "set both; nothing changed" in failed.log
    assert [call for call in calls if is_write(call)] == []
    assert sandbox.parameter(DEPLOYMENT) == before
