# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""codedeploy_deployment against the sandbox, whose CodeDeploy runs each deployment's lifecycle as AWS would
(tools/sandbox_codedeploy.py): one stage per read, with an outcome a test may queue for the next deployment.

The tests use an application of their own, `cdshop`, with its own Auto Scaling group and target group, so the
blue/green deployments, which replace the group they copy, leave the sample application alone.
"""

from __future__ import annotations

import base64
import json
import urllib.request

import pytest

from conftest import is_write

ROLE = "arn:aws:iam::123456789012:role/bluegreen/bluegreen-codedeploy"
BUCKET = "cdshop-revisions"


def recorded_requests(sandbox):
    """The requests of the last recording, as {operation, body (parsed JSON)}."""
    lines = (sandbox.directory / "requests.jsonl").read_text(encoding="utf-8").splitlines()
    requests = []
    for line in lines:
        entry = json.loads(line)
        target = entry["headers"].get("X-Amz-Target") or entry["headers"].get("x-amz-target") or ""
        if not target.startswith("CodeDeploy_"):
            continue
        body = entry.get("body") or "{}"
        if entry.get("body_encoded"):
            body = base64.b64decode(body).decode("utf-8")
        requests.append({"operation": target.split(".")[-1], "body": json.loads(body or "{}")})
    return requests


def queue_outcome(sandbox, group, **outcome):
    data = json.dumps(dict(application="cdshop", deployment_group=group, **outcome)).encode()
    request = urllib.request.Request(
        f"{sandbox.endpoint}/_sandbox/codedeploy/outcomes",
        data=data,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


@pytest.fixture(scope="module")
def shop(sandbox):
    """An Auto Scaling group of two instances, a target group behind a load balancer and a bucket holding two
    revisions."""
    ec2, autoscaling, elbv2, s3 = (sandbox.client(name) for name in ("ec2", "autoscaling", "elbv2", "s3"))
    subnets = ec2.describe_subnets(Filters=[{"Name": "tag:bluegreen:app", "Values": ["demo"]}])["Subnets"]
    vpc = subnets[0]["VpcId"]
    image = sandbox.images()[0]
    ec2.create_launch_template(
        LaunchTemplateName="cdshop", LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"}
    )
    group = elbv2.create_target_group(Name="cdshop", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]
    # A load balancer checks the health of the target groups it forwards to only, and AllowTraffic waits for it.
    balancer = elbv2.create_load_balancer(Name="cdshop", Subnets=[subnet["SubnetId"] for subnet in subnets])
    elbv2.create_listener(
        LoadBalancerArn=balancer["LoadBalancers"][0]["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group["TargetGroupArn"]}],
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="cdshop-blue",
        LaunchTemplate={"LaunchTemplateName": "cdshop", "Version": "$Latest"},
        MinSize=2,
        MaxSize=2,
        DesiredCapacity=2,
        VPCZoneIdentifier=",".join(subnet["SubnetId"] for subnet in subnets),
        TargetGroupARNs=[group["TargetGroupArn"]],
        Tags=[{"Key": "cdshop", "Value": "yes", "PropagateAtLaunch": True}],
    )
    # A group no test deploys to, for the cases that need one that exists.
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="cdshop-spare",
        LaunchTemplate={"LaunchTemplateName": "cdshop", "Version": "$Latest"},
        MinSize=1,
        MaxSize=1,
        DesiredCapacity=1,
        VPCZoneIdentifier=subnets[0]["SubnetId"],
    )
    s3.create_bucket(Bucket=BUCKET)
    for version in ("1", "2", "3"):
        s3.put_object(Bucket=BUCKET, Key=f"cdshop/{version}.zip", Body=f"revision {version}".encode())
    return {"target_group_arn": group["TargetGroupArn"]}


def run(sandbox, check=False, diff=False, **args):
    args.setdefault("application", "cdshop")
    args.setdefault("poll_interval", 1)
    args.setdefault("wait_timeout", 60)
    with sandbox.api_calls() as calls:
        result = sandbox.module("codedeploy_deployment", check=check, diff=diff, **args)
    result["_calls"] = calls
    result["_writes"] = [call for call in calls if is_write(call)]
    return result


def revision(version):
    return {"bucket": BUCKET, "key": f"cdshop/{version}.zip", "bundle_type": "zip"}


IN_PLACE_GROUP = dict(
    deployment_group="cdshop-inplace",
    service_role_arn=ROLE,
    deployment_type="IN_PLACE",
    auto_scaling_groups=["cdshop-blue"],
)
IN_PLACE = dict(IN_PLACE_GROUP, deployment_config_name="CodeDeployDefault.AllAtOnce")


# The same group with another deployment configuration.
HALF_AT_A_TIME = dict(IN_PLACE_GROUP, deployment_config_name="CodeDeployDefault.HalfAtATime")


# One instance of two failing fails a deployment one at a time, not one all at once (at least one healthy).
ONE_AT_A_TIME = dict(IN_PLACE_GROUP, deployment_config_name="CodeDeployDefault.OneAtATime")


def test_in_place_four_times(sandbox, shop):
    checked = run(sandbox, check=True, diff=True, revision=revision("1"), **IN_PLACE)
    assert not checked.get("failed"), checked
    assert checked["changed"] and checked["created"] and checked["_writes"] == []
    assert checked["deployment_group_changes"]  # the group would be created
    assert checked["diff"]["before"]["deployment_group"] is None

    done = run(sandbox, revision=revision("1"), **IN_PLACE)
    assert not done.get("failed"), done
    assert done["changed"] and done["created"] and done["status"] == "Succeeded"
    assert sorted(done["_writes"]) == ["CreateApplication", "CreateDeployment", "CreateDeploymentGroup"]
    instances = done["instances"]
    assert len(instances) == 2 and {item["status"] for item in instances} == {"Succeeded"}
    events = [event["name"] for event in instances[0]["lifecycle_events"]]
    assert events.index("BeforeInstall") < events.index("AfterInstall") < events.index("ValidateService")

    # What the module asked CodeDeploy for, request by request.
    requests = {item["operation"]: item["body"] for item in recorded_requests(sandbox)}
    group = requests["CreateDeploymentGroup"]
    assert group["serviceRoleArn"] == ROLE
    assert group["autoScalingGroups"] == ["cdshop-blue"]
    assert group["deploymentStyle"] == {"deploymentType": "IN_PLACE", "deploymentOption": "WITHOUT_TRAFFIC_CONTROL"}
    assert group["autoRollbackConfiguration"] == {"enabled": True, "events": ["DEPLOYMENT_FAILURE"]}
    etag = sandbox.client("s3").head_object(Bucket=BUCKET, Key="cdshop/1.zip")["ETag"].strip('"')
    assert requests["CreateDeployment"]["revision"] == {
        "revisionType": "S3",
        "s3Location": {"bucket": BUCKET, "key": "cdshop/1.zip", "bundleType": "zip", "eTag": etag},
    }

    again_checked = run(sandbox, check=True, revision=revision("1"), **IN_PLACE)
    assert not again_checked["changed"] and again_checked["_writes"] == []
    again = run(sandbox, revision=revision("1"), **IN_PLACE)
    assert not again["changed"] and again["action"] == "none" and again["_writes"] == []
    assert again["deployment_id"] == done["deployment_id"]

    # Only the group's settings differ: the group is updated, the revision already deployed is not deployed again,
    # and the run says it changed something.
    updated = run(sandbox, revision=revision("1"), **HALF_AT_A_TIME)
    assert not updated.get("failed"), updated
    assert updated["changed"] and updated["action"] == "none", updated
    assert updated["_writes"] == ["UpdateDeploymentGroup"], updated["_writes"]
    assert updated["deployment_group_changes"]
    assert not run(sandbox, revision=revision("1"), **HALF_AT_A_TIME)["changed"]


def test_a_failed_hook_is_named_with_its_log(sandbox, shop):
    queue_outcome(
        sandbox,
        "cdshop-inplace",
        outcome="fail",
        event="AfterInstall",
        instance_index=0,
        error_code="ScriptFailed",
        script_name="bluegreen/run-hook.sh",
        message="Script at specified location: bluegreen/run-hook.sh run as user root failed with exit code 1",
        log_tail="[stderr]apache2 did not restart",
    )
    failed = run(sandbox, revision=revision("2"), **ONE_AT_A_TIME)
    assert failed.get("failed"), failed
    assert failed["deployment_group_changes"] == ["deploymentConfigName"]
    # CodeDeploy rolled back to revision 1, and the module waited for it.
    assert failed["rollback_status"] == "Succeeded"
    assert failed["failed_event"]["lifecycle_event"] == "AfterInstall"
    assert failed["failed_event"]["script_name"] == "bluegreen/run-hook.sh"
    assert "failed at AfterInstall on i-" in failed["msg"]
    assert "apache2 did not restart" in failed["msg"]


def test_a_wait_that_times_out_says_what_to_do(sandbox, shop):
    queue_outcome(sandbox, "cdshop-inplace", outcome="hold")
    held = run(
        sandbox,
        revision=revision("3"),
        wait_timeout=3,
        **ONE_AT_A_TIME,
    )
    assert held.get("failed"), held
    assert "after waiting 3s" in held["msg"] and "state=stopped" in held["msg"]
    stopped = run(sandbox, deployment_group="cdshop-inplace", state="stopped", rollback=False)
    assert not stopped.get("failed"), stopped
    assert stopped["changed"] and stopped["status"] == "Stopped"
    assert stopped["_writes"] == ["StopDeployment"]
    again = run(sandbox, deployment_group="cdshop-inplace", state="stopped")
    assert not again["changed"] and again["_writes"] == []


BLUE_GREEN = dict(
    deployment_group="cdshop-bluegreen",
    service_role_arn=ROLE,
    deployment_type="BLUE_GREEN",
    target_group="cdshop",
    blue_green={"ready_action": "STOP_DEPLOYMENT", "ready_wait_minutes": 60, "termination_wait_minutes": 30},
)


def registered(sandbox, shop):
    """The target group's registered targets; not those draining after their deregistration."""
    health = sandbox.client("elbv2").describe_target_health(TargetGroupArn=shop["target_group_arn"])
    return sorted(
        item["Target"]["Id"]
        for item in health["TargetHealthDescriptions"]
        if item["TargetHealth"]["State"] != "draining"
    )


def group_instances(sandbox, name):
    found = sandbox.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[name])
    return sorted(item["InstanceId"] for group in found["AutoScalingGroups"] for item in group["Instances"])


def test_blue_green_step_by_step(sandbox, shop):
    originals = group_instances(sandbox, "cdshop-blue")
    sandbox.forget_terminated_targets(shop["target_group_arn"], originals)

    ready = run(sandbox, revision=revision("1"), auto_scaling_groups=["cdshop-blue"], **BLUE_GREEN)
    assert not ready.get("failed"), ready
    assert ready["status"] == "Ready" and ready["created"]
    replacement = ready["replacement_auto_scaling_group"]
    assert replacement == f"CodeDeploy_cdshop-bluegreen_{ready['deployment_id']}"
    replacements = group_instances(sandbox, replacement)
    assert len(replacements) == 2
    assert registered(sandbox, shop) == originals  # no traffic moved yet
    group = {item["operation"]: item["body"] for item in recorded_requests(sandbox)}["CreateDeploymentGroup"]
    assert group["blueGreenDeploymentConfiguration"] == {
        "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 60},
        "greenFleetProvisioningOption": {"action": "COPY_AUTO_SCALING_GROUP"},
        "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 30},
    }
    assert group["loadBalancerInfo"] == {"targetGroupInfoList": [{"name": "cdshop"}]}

    again = run(sandbox, revision=revision("1"), auto_scaling_groups=["cdshop-blue"], **BLUE_GREEN)
    assert not again["changed"] and again["action"] == "followed" and again["_writes"] == []

    checked = run(sandbox, check=True, deployment_group="cdshop-bluegreen", state="rerouted")
    assert checked["changed"] and checked["_writes"] == []
    rerouted = run(sandbox, deployment_group="cdshop-bluegreen", state="rerouted")
    assert not rerouted.get("failed"), rerouted
    assert rerouted["changed"] and rerouted["termination_wait_started"] and rerouted["status"] == "InProgress"
    assert rerouted["_writes"] == ["ContinueDeployment"]
    assert [item["body"] for item in recorded_requests(sandbox) if item["operation"] == "ContinueDeployment"] == [
        {"deploymentId": ready["deployment_id"], "deploymentWaitType": "READY_WAIT"}
    ]
    assert set(replacements) <= set(registered(sandbox, shop))
    again = run(sandbox, deployment_group="cdshop-bluegreen", state="rerouted")
    assert not again["changed"] and again["_writes"] == []

    finished = run(sandbox, deployment_group="cdshop-bluegreen", state="finished")
    assert not finished.get("failed"), finished
    assert finished["changed"] and finished["status"] == "Succeeded"
    assert group_instances(sandbox, "cdshop-blue") == []
    again = run(sandbox, deployment_group="cdshop-bluegreen", state="finished")
    assert not again["changed"] and again["_writes"] == []


def test_blue_green_stopped_while_the_originals_wait_moves_traffic_back(sandbox, shop):
    live = (
        "CodeDeploy_cdshop-bluegreen_"
        + run(sandbox, deployment_group="cdshop-bluegreen", state="finished")["deployment_id"]
    )
    originals = group_instances(sandbox, live)
    sandbox.forget_terminated_targets(shop["target_group_arn"], originals)

    ready = run(sandbox, revision=revision("2"), auto_scaling_groups=[live], **BLUE_GREEN)
    assert ready["status"] == "Ready", ready
    rerouted = run(sandbox, deployment_group="cdshop-bluegreen", state="rerouted")
    assert rerouted["termination_wait_started"], rerouted
    assert not set(originals) & set(registered(sandbox, shop))

    stopped = run(sandbox, deployment_group="cdshop-bluegreen", state="stopped")
    assert not stopped.get("failed"), stopped
    assert stopped["changed"] and stopped["status"] == "Stopped"
    assert "StopDeployment" in stopped["_writes"]
    assert [item["body"] for item in recorded_requests(sandbox) if item["operation"] == "StopDeployment"] == [
        {"deploymentId": ready["deployment_id"], "autoRollbackEnabled": True}
    ]
    assert set(originals) <= set(registered(sandbox, shop))
    assert group_instances(sandbox, live) == originals


@pytest.mark.parametrize(
    "args, words",
    [
        (
            dict(IN_PLACE, deployment_group="cdshop-new", service_role_arn=None, revision=revision("1")),
            ["'cdshop-new'", "service_role_arn is not given"],
        ),
        (
            dict(
                IN_PLACE, deployment_group="cdshop-new", auto_scaling_groups=["cdshop-purple"], revision=revision("1")
            ),
            ["Auto Scaling group 'cdshop-purple'", "give the name of an existing group"],
        ),
        (
            dict(IN_PLACE, deployment_group="cdshop-new", revision=revision("9")),
            [f"revision s3://{BUCKET}/cdshop/9.zip not found in S3", "upload the bundle first"],
        ),
        (
            dict(IN_PLACE, deployment_group="cdshop-new", revision=dict(revision("1"), etag="0123")),
            ["not '0123'", "upload the bundle again"],
        ),
        (
            dict(
                BLUE_GREEN,
                deployment_group="cdshop-new",
                auto_scaling_groups=["cdshop-spare"],
                target_group="cdshop-nope",
                revision=revision("1"),
            ),
            ["target group 'cdshop-nope'"],
        ),
        (
            dict(IN_PLACE, deployment_group="cdshop-new", service_role_arn="CodeDeployRole", revision=revision("1")),
            ["service_role_arn 'CodeDeployRole'"],
        ),
        (
            dict(deployment_group="cdshop-bluegreen", state="rerouted", deployment_id="d-NOTHERE"),
            ["deployment_id 'd-NOTHERE'"],
        ),
    ],
)
def test_bad_input_changes_nothing(sandbox, shop, args, words):
    args = {key: value for key, value in args.items() if value is not None}
    failed = run(sandbox, **args)
    assert failed.get("failed"), failed
    for word in words:
        assert word in failed["msg"]
    assert failed["_writes"] == []
    groups = sandbox.client("codedeploy").list_deployment_groups(applicationName="cdshop")["deploymentGroups"]
    assert "cdshop-new" not in groups
