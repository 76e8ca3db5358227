# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The sandbox's CodeDeploy (tools/sandbox_codedeploy.py) through boto3, as a client of AWS would use it.

Only the endpoint differs from AWS. Each test builds its own Auto Scaling group, target group and deployment group,
so that blue/green deployments, which replace the group they copy, touch nothing else. The sandbox is the tests'
own (BLUEGREEN_TEST_SANDBOX_PORT, tests/output/sandbox-<port>), without the sample application: these tests need
none of it, and provisioning it takes longer than all of them.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid

import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::123456789012:role/codedeploy-sandbox-test"
BLOCK = ["BeforeBlockTraffic", "BlockTraffic", "AfterBlockTraffic"]
INSTALL = ["ApplicationStop", "DownloadBundle", "BeforeInstall", "Install", "AfterInstall", "ApplicationStart"]
INSTALL += ["ValidateService"]
ALLOW = ["BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic"]
HEALTH_CONSTRAINTS = (
    "The overall deployment failed because too many individual instances failed deployment, too few healthy "
    "instances are available for deployment, or some instances in your deployment group are experiencing problems."
)


@pytest.fixture(scope="module")
def server(server):  # pylint: disable=redefined-outer-name
    """The tests' sandbox server (tests/conftest.py) with its clock stopped while these tests run.

    These tests count the reads each lifecycle event takes, so they run at speed factor 0 (tools/sandbox_time.py):
    target health is moto's, healthy at once. test_allow_traffic_waits_for_healthy_targets runs the clock."""
    factor = server.clock()
    server.clock(0)
    yield server
    server.clock(factor)


class World:
    """Clients, a VPC, a launch template, a bucket with two revisions and an application, named for this run."""

    def __init__(self, server):
        self.server = server
        self.suffix = uuid.uuid4().hex[:6]
        self.ec2, self.autoscaling, self.elbv2, self.s3, self.codedeploy = (
            server.client(name) for name in ("ec2", "autoscaling", "elbv2", "s3", "codedeploy")
        )
        self.vpc = self.ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
        self.subnet = self.ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.77.1.0/24", AvailabilityZone="us-east-1a")[
            "Subnet"
        ]["SubnetId"]
        image = self.ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        self.template = f"cdsbx-{self.suffix}"
        self.ec2.create_launch_template(
            LaunchTemplateName=self.template, LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"}
        )
        self.bucket = f"cdsbx-{self.suffix}"
        self.s3.create_bucket(Bucket=self.bucket)
        for key in ("r1.zip", "r2.zip"):
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=b"revision")
        self.application = f"cdsbx-{self.suffix}"
        self.codedeploy.create_application(applicationName=self.application, computePlatform="Server")

    def revision(self, key="r1.zip"):
        return {"revisionType": "S3", "s3Location": {"bucket": self.bucket, "key": key, "bundleType": "zip"}}

    def fleet(self, name):
        """A target group and an Auto Scaling group of two instances registered with it."""
        name = f"{name}-{self.suffix}"
        target_group = self.elbv2.create_target_group(
            Name=name, Protocol="HTTP", Port=80, VpcId=self.vpc, TargetType="instance"
        )["TargetGroups"][0]["TargetGroupArn"]
        self.autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchTemplate={"LaunchTemplateName": self.template, "Version": "1"},
            MinSize=2,
            MaxSize=4,
            DesiredCapacity=2,
            VPCZoneIdentifier=self.subnet,
            TargetGroupARNs=[target_group],
            HealthCheckType="ELB",
            HealthCheckGracePeriod=120,
            Tags=[{"Key": "app", "Value": name, "PropagateAtLaunch": True}],
        )
        return name, target_group

    def group(self, name, asg, config="CodeDeployDefault.AllAtOnce", **settings):
        self.codedeploy.create_deployment_group(
            applicationName=self.application,
            deploymentGroupName=name,
            serviceRoleArn=ROLE,
            autoScalingGroups=[asg],
            deploymentConfigName=config,
            loadBalancerInfo={"targetGroupInfoList": [{"name": asg}]},
            **settings,
        )
        return name

    def blue_green(self, name, ready="STOP_DEPLOYMENT", termination_wait=5, **settings):
        asg, target_group = self.fleet(name)
        self.group(
            name,
            asg,
            deploymentStyle={"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
            blueGreenDeploymentConfiguration={
                "terminateBlueInstancesOnDeploymentSuccess": {
                    "action": "TERMINATE",
                    "terminationWaitTimeInMinutes": termination_wait,
                },
                "deploymentReadyOption": {"actionOnTimeout": ready, "waitTimeInMinutes": 60 if ready else 0},
                "greenFleetProvisioningOption": {"action": "COPY_AUTO_SCALING_GROUP"},
            },
            **settings,
        )
        return asg, target_group

    def deploy(self, group, key="r1.zip"):
        return self.codedeploy.create_deployment(
            applicationName=self.application, deploymentGroupName=group, revision=self.revision(key)
        )["deploymentId"]

    def read(self, deployment_id):
        return self.codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]

    def read_until(self, deployment_id, done, limit=60):
        """Read the deployment until `done(info)`; returns the last info and the statuses of all reads."""
        statuses = []
        for attempt in range(limit):  # pylint: disable=unused-variable
            info = self.read(deployment_id)
            statuses.append(info["status"])
            if done(info):
                return info, statuses
        raise AssertionError(f"{deployment_id} did not get there in {limit} reads: {statuses}")

    def targets(self, deployment_id):
        """The deployment's instance targets by id; BatchGetDeploymentTargets is a read, so this moves it."""
        target_ids = self.codedeploy.list_deployment_targets(deploymentId=deployment_id)["targetIds"]
        found = self.codedeploy.batch_get_deployment_targets(deploymentId=deployment_id, targetIds=target_ids)
        return {item["instanceTarget"]["targetId"]: item["instanceTarget"] for item in found["deploymentTargets"]}

    def registered(self, target_group):
        health = self.elbv2.describe_target_health(TargetGroupArn=target_group)["TargetHealthDescriptions"]
        return sorted(item["Target"]["Id"] for item in health)

    def instances(self, asg):
        found = self.autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[asg])["AutoScalingGroups"]
        return sorted(item["InstanceId"] for item in found[0]["Instances"]) if found else None

    def outcome(self, method="POST", **fields):
        data = json.dumps(dict(application=self.application, **fields)).encode() if method == "POST" else None
        request = urllib.request.Request(
            f"{self.server.endpoint}/_sandbox/codedeploy/outcomes", data=data, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())


def final(info):
    return info["status"] in ("Succeeded", "Failed", "Stopped")


@pytest.fixture(scope="module")
def world(server):
    return World(server)


def test_in_place_runs_the_lifecycle_events_in_aws_order_one_read_each(world):
    asg, target_group = world.fleet("inplace")
    group = world.group(
        "inplace", asg, deploymentStyle={"deploymentType": "IN_PLACE", "deploymentOption": "WITH_TRAFFIC_CONTROL"}
    )
    deployment_id = world.deploy(group)
    events = BLOCK + INSTALL + ALLOW

    first = world.read(deployment_id)
    assert first["status"] == "Created"
    with pytest.raises(ClientError, match="DeploymentNotStartedException"):
        world.codedeploy.list_deployment_targets(deploymentId=deployment_id)
    in_progress = []
    for step in events:  # pylint: disable=unused-variable
        info = world.read(deployment_id)
        assert info["status"] == "InProgress"
        some = world.codedeploy.list_deployment_targets(deploymentId=deployment_id)["targetIds"][0]
        # GetDeploymentTarget is not a read: it shows the event under way without moving the deployment.
        target = world.codedeploy.get_deployment_target(deploymentId=deployment_id, targetId=some)
        lifecycle = target["deploymentTarget"]["instanceTarget"]["lifecycleEvents"]
        in_progress += [event["lifecycleEventName"] for event in lifecycle if event["status"] == "InProgress"]
    last = world.read(deployment_id)

    assert in_progress == events
    assert last["status"] == "Succeeded"
    assert last["deploymentOverview"] == {
        "Pending": 0,
        "InProgress": 0,
        "Succeeded": 2,
        "Failed": 0,
        "Skipped": 0,
        "Ready": 0,
    }
    assert last["startTime"] <= last["completeTime"]
    assert "errorInformation" not in last and "rollbackInfo" not in last
    targets = world.targets(deployment_id)
    assert sorted(targets) == world.instances(asg)
    for target in targets.values():
        assert target["status"] == "Succeeded" and target["instanceLabel"] == "Blue"
        assert target["targetArn"].endswith(f":instance/{target['targetId']}")
        assert [event["lifecycleEventName"] for event in target["lifecycleEvents"]] == events
        assert {event["status"] for event in target["lifecycleEvents"]} == {"Succeeded"}
        assert target["lifecycleEvents"][0]["diagnostics"]["errorCode"] == "Success"
    assert world.registered(target_group) == world.instances(asg)
    info = world.codedeploy.get_deployment_group(applicationName=world.application, deploymentGroupName=group)
    assert info["deploymentGroupInfo"]["lastSuccessfulDeployment"]["deploymentId"] == deployment_id
    assert info["deploymentGroupInfo"]["lastAttemptedDeployment"]["status"] == "Succeeded"
    assert info["deploymentGroupInfo"]["targetRevision"] == world.revision()


def test_a_queued_failure_fails_the_event_with_its_diagnostics_and_rolls_back(world):
    asg = world.fleet("failing")[0]
    group = world.group(
        "failing",
        asg,
        config="CodeDeployDefault.OneAtATime",
        deploymentStyle={"deploymentType": "IN_PLACE", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        autoRollbackConfiguration={"enabled": True, "events": ["DEPLOYMENT_FAILURE"]},
    )
    good = world.deploy(group, "r1.zip")
    world.read_until(good, final)
    status, queued = world.outcome(
        deployment_group=group,
        outcome="fail",
        event="BeforeAllowTraffic",
        script_name="bluegreen/run-hook.sh",
        message="Script at specified location: bluegreen/run-hook.sh run as user root failed with exit code 3",
        log_tail="[stderr]health check failed\n",
    )
    assert status == 201 and queued["position"] == 1

    deployment_id = world.deploy(group, "r2.zip")
    info = world.read_until(deployment_id, final)[0]

    assert world.outcome(method="GET")[1]["outcomes"] == []
    assert info["status"] == "Failed"
    assert info["errorInformation"] == {"code": "HEALTH_CONSTRAINTS", "message": HEALTH_CONSTRAINTS}
    assert info["previousRevision"] == world.revision("r1.zip")
    # ListDeploymentTargets gives the instances in Auto Scaling order, the order instance_index counts in.
    order = world.codedeploy.list_deployment_targets(deploymentId=deployment_id)["targetIds"]
    first, second = (world.targets(deployment_id)[item] for item in order)
    assert first["status"] == "Failed" and second["status"] == "Skipped"
    events = {event["lifecycleEventName"]: event for event in first["lifecycleEvents"]}
    assert events["BeforeAllowTraffic"]["status"] == "Failed"
    assert events["BeforeAllowTraffic"]["diagnostics"] == {
        "errorCode": "ScriptFailed",
        "scriptName": "bluegreen/run-hook.sh",
        "message": "Script at specified location: bluegreen/run-hook.sh run as user root failed with exit code 3",
        "logTail": "[stderr]health check failed\n",
    }
    assert [events[name]["status"] for name in ("AllowTraffic", "AfterAllowTraffic")] == ["Skipped", "Skipped"]
    assert events["ValidateService"]["status"] == "Succeeded"
    assert {event["status"] for event in second["lifecycleEvents"]} == {"Skipped"}

    rollback_id = info["rollbackInfo"]["rollbackDeploymentId"]
    assert info["rollbackInfo"]["rollbackMessage"] == (
        f"Deployment {deployment_id} terminated. Automatic rollback is triggered with a DeploymentId {rollback_id}."
    )
    rollback = world.read_until(rollback_id, final)[0]
    assert rollback["status"] == "Succeeded"
    assert rollback["creator"] == "codeDeployRollback"
    assert rollback["revision"] == world.revision("r1.zip")
    assert rollback["rollbackInfo"]["rollbackTriggeringDeploymentId"] == deployment_id


def test_allow_traffic_waits_for_healthy_targets(world):
    """CodeDeploy User Guide, "AppSpec 'hooks' section for an EC2/On-Premises deployment": during AllowTraffic
    "Internet traffic is allowed to access instances after a deployment"; the replacement instances are registered
    with the target group and the event ends once the load balancer finds them healthy. With the sandbox's clock
    running, the event lasts as long as the target group's health checks take, and never passes while they fail."""
    asg, target_group = world.blue_green("allow", ready="CONTINUE_DEPLOYMENT")
    other = world.ec2.create_subnet(VpcId=world.vpc, CidrBlock="10.77.2.0/24", AvailabilityZone="us-east-1b")
    balancer = world.elbv2.create_load_balancer(
        Name=f"allow-{world.suffix}", Subnets=[world.subnet, other["Subnet"]["SubnetId"]]
    )["LoadBalancers"][0]["LoadBalancerArn"]
    world.elbv2.create_listener(
        LoadBalancerArn=balancer,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group}],
    )
    factor = world.server.clock()
    world.server.clock(30)
    try:
        deployment_id = world.deploy("allow")
        # Created, started, 7 install events, 3 allow-traffic events (AllowTraffic longer), 3 block-traffic events;
        # the health checks take 6 s (a boot of 30 s, then 5 checks 30 s apart, at 30 AWS seconds a second).
        info, statuses, deadline = {}, [], time.monotonic() + 60
        while not info.get("instanceTerminationWaitTimeStarted"):
            assert time.monotonic() < deadline, statuses
            info = world.read(deployment_id)
            statuses.append(info["status"])
            time.sleep(0.1)
    finally:
        world.server.clock(factor)
    assert len(statuses) > 2 + 7 + 6, statuses
    replacement = f"CodeDeploy_allow_{deployment_id}"
    health = world.elbv2.describe_target_health(TargetGroupArn=target_group)["TargetHealthDescriptions"]
    states = {item["Target"]["Id"]: item["TargetHealth"]["State"] for item in health}
    assert {states[instance] for instance in world.instances(replacement)} == {"healthy"}
    assert info["status"] == "InProgress"


def test_blue_green_waits_when_ready_reroutes_on_continue_and_terminates_the_originals(world):
    asg, target_group = world.blue_green("bluegreen")
    originals = world.instances(asg)
    deployment_id = world.deploy("bluegreen")

    with world.server.api_calls() as calls:
        info, statuses = world.read_until(deployment_id, lambda info: info["status"] == "Ready")
    # Read 1 Created, read 2 started, one read per install event of the one AllAtOnce batch.
    assert statuses == ["Created"] + ["InProgress"] * 7 + ["Ready"]
    assert set(calls) == {"GetDeployment"}, "the replacement group is created in process, so not recorded"
    replacement = f"CodeDeploy_bluegreen_{deployment_id}"
    source, copy = world.autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[asg, replacement])[
        "AutoScalingGroups"
    ]
    if source["AutoScalingGroupName"] != asg:
        source, copy = copy, source
    for key in ("LaunchTemplate", "MinSize", "MaxSize", "DesiredCapacity", "VPCZoneIdentifier", "HealthCheckType"):
        assert copy[key] == source[key], key
    assert copy["HealthCheckGracePeriod"] == 120
    assert {tag["Key"]: tag["Value"] for tag in copy["Tags"]} == {"app": asg}
    assert copy["TargetGroupARNs"] == []
    assert world.registered(target_group) == originals
    assert info["deploymentOverview"]["Ready"] == 2 and info["deploymentOverview"]["Pending"] == 2
    green = world.instances(replacement)

    world.codedeploy.continue_deployment(deploymentId=deployment_id, deploymentWaitType="READY_WAIT")
    info, statuses = world.read_until(deployment_id, lambda info: info["instanceTerminationWaitTimeStarted"])

    assert statuses == ["InProgress"] * 6
    assert world.registered(target_group) == green
    assert world.instances(asg) == originals
    labels = {target["targetId"]: target["instanceLabel"] for target in world.targets(deployment_id).values()}
    assert labels == {**{item: "Green" for item in green}, **{item: "Blue" for item in originals}}
    with pytest.raises(ClientError, match="DeploymentIsNotInReadyStateException"):
        world.codedeploy.continue_deployment(deploymentId=deployment_id, deploymentWaitType="READY_WAIT")

    world.codedeploy.continue_deployment(deploymentId=deployment_id, deploymentWaitType="TERMINATION_WAIT")
    info = world.read(deployment_id)

    assert info["status"] == "Succeeded"
    assert world.instances(asg) is None
    states = world.ec2.describe_instances(InstanceIds=originals)["Reservations"][0]["Instances"]
    assert {item["State"]["Name"] for item in states} == {"terminated"}
    group = world.codedeploy.get_deployment_group(applicationName=world.application, deploymentGroupName="bluegreen")
    assert group["deploymentGroupInfo"]["autoScalingGroups"] == [{"name": replacement}]
    assert world.registered(target_group) == green


@pytest.mark.parametrize("moment", ["ready", "termination wait"])
def test_stopping_with_rollback_puts_the_traffic_back_on_the_originals(world, moment):
    name = "stop-ready" if moment == "ready" else "stop-wait"
    asg, target_group = world.blue_green(name)
    originals = world.instances(asg)
    deployment_id = world.deploy(name)
    world.read_until(deployment_id, lambda info: info["status"] == "Ready")
    if moment == "termination wait":
        world.codedeploy.continue_deployment(deploymentId=deployment_id, deploymentWaitType="READY_WAIT")
        world.read_until(deployment_id, lambda info: info["instanceTerminationWaitTimeStarted"])
        assert world.registered(target_group) != originals

    stopped = world.codedeploy.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=True)
    info = world.read(deployment_id)

    assert stopped["status"] == "Succeeded"
    assert info["status"] == "Stopped"
    assert info["errorInformation"]["code"] == "MANUAL_STOP"
    rollback_id = info["rollbackInfo"]["rollbackDeploymentId"]
    rollback, statuses = world.read_until(rollback_id, final)
    assert rollback["status"] == "Succeeded" and rollback["creator"] == "codeDeployRollback"
    assert rollback["rollbackInfo"] == {
        "rollbackTriggeringDeploymentId": deployment_id,
        "rollbackMessage": f"Deployment {rollback_id} is triggered to roll back deployment {deployment_id}.",
    }
    assert world.registered(target_group) == originals
    assert world.instances(f"CodeDeploy_{name}_{deployment_id}") is None
    assert world.instances(asg) == originals
    group = world.codedeploy.get_deployment_group(applicationName=world.application, deploymentGroupName=name)
    assert group["deploymentGroupInfo"]["autoScalingGroups"] == [{"name": asg}]
    assert group["deploymentGroupInfo"]["lastAttemptedDeployment"]["deploymentId"] == rollback_id
    with pytest.raises(ClientError, match="DeploymentAlreadyCompletedException"):
        world.codedeploy.continue_deployment(deploymentId=deployment_id, deploymentWaitType="TERMINATION_WAIT")


def test_update_deployment_group_changes_what_it_is_given_and_renames(world):
    asg = world.fleet("update")[0]
    other = world.fleet("update-other")[0]
    world.group("update", asg)
    rollback = {"enabled": True, "events": ["DEPLOYMENT_FAILURE"]}

    updated = world.codedeploy.update_deployment_group(
        applicationName=world.application,
        currentDeploymentGroupName="update",
        newDeploymentGroupName="update-renamed",
        autoScalingGroups=[other],
        deploymentConfigName="CodeDeployDefault.HalfAtATime",
        autoRollbackConfiguration=rollback,
        deploymentStyle={"deploymentType": "IN_PLACE", "deploymentOption": "WITHOUT_TRAFFIC_CONTROL"},
    )

    assert updated["hooksNotCleanedUp"] == []
    with pytest.raises(ClientError, match="DeploymentGroupDoesNotExistException"):
        world.codedeploy.get_deployment_group(applicationName=world.application, deploymentGroupName="update")
    info = world.codedeploy.get_deployment_group(
        applicationName=world.application, deploymentGroupName="update-renamed"
    )["deploymentGroupInfo"]
    assert info["autoScalingGroups"] == [{"name": other}]
    assert info["deploymentConfigName"] == "CodeDeployDefault.HalfAtATime"
    assert info["autoRollbackConfiguration"] == rollback
    assert info["serviceRoleArn"] == ROLE, "what the update does not name stays"
    assert info["loadBalancerInfo"] == {"targetGroupInfoList": [{"name": asg}]}

    world.group("update", asg)
    with pytest.raises(ClientError, match="DeploymentGroupAlreadyExistsException"):
        world.codedeploy.update_deployment_group(
            applicationName=world.application,
            currentDeploymentGroupName="update-renamed",
            newDeploymentGroupName="update",
        )
    deleted = world.codedeploy.delete_deployment_group(
        applicationName=world.application, deploymentGroupName="update-renamed"
    )
    assert deleted["hooksNotCleanedUp"] == []
    names = world.codedeploy.list_deployment_groups(applicationName=world.application)["deploymentGroups"]
    assert "update-renamed" not in names and "update" in names


def test_a_group_runs_one_deployment_at_a_time(world):
    asg = world.fleet("limit")[0]
    group = world.group("limit", asg)
    deployment_id = world.deploy(group)

    with pytest.raises(ClientError) as refused:
        world.deploy(group)

    assert refused.value.response["Error"]["Code"] == "DeploymentLimitExceededException"
    assert refused.value.response["Error"]["Message"] == (
        f"The Deployment Group '{group}' already has an active Deployment '{deployment_id}'"
    )
    world.read_until(deployment_id, final)
    assert world.read(world.deploy(group))["status"] == "Created"


def test_a_held_event_keeps_the_deployment_in_progress_until_stopped(world):
    asg = world.fleet("hold")[0]
    group = world.group("hold", asg)
    assert world.outcome(deployment_group=group, outcome="hold", event="AfterInstall")[0] == 201
    deployment_id = world.deploy(group)

    info = world.read_until(deployment_id, lambda info: info["status"] == "InProgress")[0]
    for attempt in range(20):  # pylint: disable=unused-variable
        info = world.read(deployment_id)
    stuck = world.targets(deployment_id)

    assert info["status"] == "InProgress"
    for target in stuck.values():
        current = [
            event["lifecycleEventName"] for event in target["lifecycleEvents"] if event["status"] == "InProgress"
        ]
        assert current == ["AfterInstall"]
    world.codedeploy.stop_deployment(deploymentId=deployment_id)
    info = world.read(deployment_id)
    assert info["status"] == "Stopped" and "rollbackInfo" not in info
    assert info["deploymentOverview"]["Failed"] == 2


def test_a_revision_missing_from_s3_fails_at_download_bundle(world):
    asg = world.fleet("nobundle")[0]
    group = world.group("nobundle", asg)

    deployment_id = world.deploy(group, key="missing.zip")
    info = world.read_until(deployment_id, final)[0]

    assert info["status"] == "Failed"
    assert info["errorInformation"]["code"] == "HEALTH_CONSTRAINTS"
    for target in world.targets(deployment_id).values():
        download = next(event for event in target["lifecycleEvents"] if event["lifecycleEventName"] == "DownloadBundle")
        assert download["status"] == "Failed"
        assert download["diagnostics"]["errorCode"] == "UnknownError"
        assert download["diagnostics"]["message"] == "The specified key does not exist."


def test_the_control_endpoint_refuses_what_a_deployment_cannot_run(world):
    asg = world.fleet("control")[0]
    group = world.group("control", asg)

    missing = world.outcome(deployment_group="nope", outcome="fail")
    bad_event = world.outcome(deployment_group=group, outcome="fail", event="BeforeAllowTraffic")
    bad_index = world.outcome(deployment_group=group, outcome="fail", instance_index=2)
    bad_kind = world.outcome(deployment_group=group, outcome="explode")
    queued = world.outcome(deployment_group=group, outcome="fail", event="Install")
    listed = world.outcome(method="GET")
    cleared = world.outcome(method="DELETE")

    assert missing[0] == bad_event[0] == bad_index[0] == bad_kind[0] == 400
    assert "do not run BeforeAllowTraffic" in bad_event[1]["error"]
    assert queued[1]["queued"] == {
        "application": world.application,
        "deployment_group": group,
        "region": "us-east-1",
        "account": "123456789012",
        "outcome": "fail",
        "event": "Install",
        "instance_index": 0,
        "error_code": "UnknownError",
        "script_name": "",
        "message": "Install failed",
        "log_tail": "",
    }
    assert [item["event"] for item in listed[1]["outcomes"]] == ["Install"]
    assert cleared == (200, {"deleted": 1})
