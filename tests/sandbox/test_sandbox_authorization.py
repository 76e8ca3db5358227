# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""docs/iam/bluegreen-policy.json as shipped, evaluated by the sandbox (tools/sandbox_iam.py, sandbox_authorization.py,
sandbox_policy.py): each statement scoped by an ARN or a condition allows the call the collection makes, and refuses
the same call on a resource outside its scope, naming the action, as AWS does.

What AWS documents for each: the Service Authorization Reference gives the resource ARN each action acts on and its
condition keys (autoscaling:ResourceTag/<key> and aws:RequestTag/<key> for Auto Scaling groups, aws:ResourceTag/<key>
for launch templates and target groups); "Amazon EC2 Auto Scaling API permissions" adds ec2:RunInstances to a group
created from a launch template; "CodeDeploy permissions reference" adds iam:PassRole on the service role to a
deployment group, with iam:PassedToService naming codedeploy.amazonaws.com. Plain moto allows each refused call
below, since it checks the action alone against "*" (and refuses each allowed one, the statement's Resource not
being "*").

The server is the tests' own (tests/conftest.py); enforcement is on only for the calls made as the operator.
Everything is named for the run and removed at the end.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import REGION
from test_sandbox_iam import NOT_ENFORCED
from test_sandbox_iam import enforced
from test_sandbox_iam import reset_auth

POLICY = Path(__file__).resolve().parents[2] / "docs" / "iam" / "bluegreen-policy.json"
BUCKET = "bluegreen-revisions"


class Account:
    """What the calls act on, made as root: for each kind, one resource of an application (tagged bluegreen:app) and
    one that is not; and an operator whose only policy is the shipped one."""

    def __init__(self, server, policy=POLICY, other_app=None):
        self.server = server
        self.suffix = uuid.uuid4().hex[:6]
        self.app = f"authz-{self.suffix}"
        # The resources of kind "other": untagged, or, given other_app, another application's.
        self.other_app = other_app
        other = [{"Key": "bluegreen:app", "Value": other_app}] if other_app else []
        ec2, elbv2, autoscaling, iam = (server.client(name) for name in ("ec2", "elbv2", "autoscaling", "iam"))
        vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
        self.subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.77.{index}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"][
                "SubnetId"
            ]
            for index, zone in ((1, "a"), (2, "b"))
        ]
        self.vpc = vpc
        image = sorted(item["ImageId"] for item in ec2.describe_images(Owners=["amazon"])["Images"])[0]
        self.templates = {}
        for kind, tags in (("app", [{"Key": "bluegreen:app", "Value": self.app}]), ("other", other)):
            spec = [{"ResourceType": "launch-template", "Tags": tags}] if tags else []
            self.templates[kind] = ec2.create_launch_template(
                LaunchTemplateName=f"{self.app}-{kind}",
                LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"},
                TagSpecifications=spec,
            )["LaunchTemplate"]["LaunchTemplateId"]
        self.target_groups = {
            kind: elbv2.create_target_group(
                Name=f"{self.app}-{kind}", Protocol="HTTP", Port=80, VpcId=vpc, **({"Tags": tags} if tags else {})
            )["TargetGroups"][0]["TargetGroupArn"]
            for kind, tags in (("app", [{"Key": "bluegreen:app", "Value": self.app}]), ("other", other))
        }
        self.groups = {}
        for kind, tags in (("app", [{"Key": "bluegreen:app", "Value": self.app}]), ("other", other)):
            name = f"{self.app}-{kind}"
            autoscaling.create_auto_scaling_group(
                AutoScalingGroupName=name,
                LaunchTemplate={"LaunchTemplateId": self.templates["app"], "Version": "$Latest"},
                MinSize=0,
                MaxSize=1,
                DesiredCapacity=0,
                VPCZoneIdentifier=",".join(self.subnets),
                Tags=[dict(tag, PropagateAtLaunch=True) for tag in tags],
            )
            self.groups[kind] = name
        self.listeners = {}
        # The application's listener carries its tag; "another" is another application's, on a load balancer of its
        # own; "other" is a Network Load Balancer's.
        for kind, scheme in (("app", "application"), ("other", "network"), ("another", "application")):
            balancer = elbv2.create_load_balancer(Name=f"{self.app}-{kind}", Subnets=self.subnets, Type=scheme)[
                "LoadBalancers"
            ][0]["LoadBalancerArn"]
            target = elbv2.create_target_group(
                Name=f"{self.app}-{kind}-l", Protocol="TCP" if kind == "other" else "HTTP", Port=80, VpcId=vpc
            )["TargetGroups"][0]["TargetGroupArn"]
            self.listeners[kind] = elbv2.create_listener(
                LoadBalancerArn=balancer,
                Protocol="TCP" if kind == "other" else "HTTP",
                Port=80,
                DefaultActions=[{"Type": "forward", "TargetGroupArn": target}],
                Tags=[{"Key": "bluegreen:app", "Value": self.app if kind == "app" else f"{self.app}-another"}],
            )["Listeners"][0]
        self.roles = {
            kind: iam.create_role(RoleName=f"{self.app}-{kind}", Path=path, AssumeRolePolicyDocument="{}")["Role"][
                "Arn"
            ]
            for kind, path in (("app", "/bluegreen/"), ("other", "/"))
        }
        s3 = server.client("s3")
        self.made_bucket = BUCKET not in [item["Name"] for item in s3.list_buckets()["Buckets"]]
        if self.made_bucket:
            s3.create_bucket(Bucket=BUCKET)
        s3.create_bucket(Bucket=f"{self.app}-other")
        for name in (self.app, f"{self.app}-another"):
            server.client("codedeploy").create_application(applicationName=name, computePlatform="Server")
        self.user = f"{self.app}-operator"
        # The operator works for the application: its tag is what the one-application policy names.
        iam.create_user(UserName=self.user, Tags=[{"Key": "bluegreen:app", "Value": self.app}])
        iam.put_user_policy(UserName=self.user, PolicyName="bluegreen", PolicyDocument=policy.read_text("utf-8"))
        self.keys = iam.create_access_key(UserName=self.user)["AccessKey"]

    def remove(self):
        autoscaling, ec2, elbv2, iam, s3, ssm = (
            self.server.client(name) for name in ("autoscaling", "ec2", "elbv2", "iam", "s3", "ssm")
        )
        found = autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"]
        for group in found:
            if group["AutoScalingGroupName"].startswith(self.app):
                autoscaling.delete_auto_scaling_group(
                    AutoScalingGroupName=group["AutoScalingGroupName"], ForceDelete=True
                )
        for template in self.templates.values():
            ec2.delete_launch_template(LaunchTemplateId=template)
        for balancer in elbv2.describe_load_balancers()["LoadBalancers"]:
            if balancer["LoadBalancerName"].startswith(self.app):
                elbv2.delete_load_balancer(LoadBalancerArn=balancer["LoadBalancerArn"])
        for group in elbv2.describe_target_groups()["TargetGroups"]:
            if group["TargetGroupName"].startswith(self.app):
                elbv2.delete_target_group(TargetGroupArn=group["TargetGroupArn"])
        for kind in self.roles:
            for profile in iam.list_instance_profiles_for_role(RoleName=f"{self.app}-{kind}")["InstanceProfiles"]:
                iam.remove_role_from_instance_profile(
                    InstanceProfileName=profile["InstanceProfileName"], RoleName=f"{self.app}-{kind}"
                )
                iam.delete_instance_profile(InstanceProfileName=profile["InstanceProfileName"])
            iam.delete_role(RoleName=f"{self.app}-{kind}")
        iam.delete_access_key(UserName=self.user, AccessKeyId=self.keys["AccessKeyId"])
        iam.delete_user_policy(UserName=self.user, PolicyName="bluegreen")
        iam.delete_user(UserName=self.user)
        s3.delete_bucket(Bucket=f"{self.app}-other")
        if self.made_bucket:
            s3.delete_bucket(Bucket=BUCKET)
        for name in (self.app, f"{self.app}-another"):
            self.server.client("codedeploy").delete_application(applicationName=name)
        for name in (f"/bluegreen/{self.app}/live",):
            if ssm.get_parameters(Names=[name])["Parameters"]:
                ssm.delete_parameter(Name=name)
        for subnet in self.subnets:
            ec2.delete_subnet(SubnetId=subnet)
        ec2.delete_vpc(VpcId=self.vpc)

    def operator(self, service):
        return boto3.client(
            service,
            endpoint_url=self.server.endpoint,
            region_name=REGION,
            aws_access_key_id=self.keys["AccessKeyId"],
            aws_secret_access_key=self.keys["SecretAccessKey"],
        )

    def as_operator(self, service, operation, **params):
        client = self.operator(service)
        with enforced(self.server):
            return getattr(client, operation)(**params)

    def refused(self, service, operation, **params):
        with pytest.raises(ClientError) as raised:
            self.as_operator(service, operation, **params)
        return raised.value.response


@pytest.fixture(scope="module")
def account(server):
    reset_auth(server, NOT_ENFORCED)
    made = Account(server)
    yield made
    made.remove()


def group_params(account, name, tags):
    return {
        "AutoScalingGroupName": name,
        "LaunchTemplate": {"LaunchTemplateId": account.templates["app"], "Version": "$Latest"},
        "MinSize": 0,
        "MaxSize": 1,
        "DesiredCapacity": 0,
        "VPCZoneIdentifier": ",".join(account.subnets),
        "Tags": tags,
    }


def assert_refused(response, action, resource_part):
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403, response
    assert response["Error"]["Code"] == "AccessDenied", response
    message = response["Error"]["Message"]
    assert f"is not authorized to perform: {action} on resource: " in message, message
    assert resource_part in message, message


def test_create_only_fleets_tagged_with_their_app(account):
    tag = {"Key": "bluegreen:app", "Value": account.app, "PropagateAtLaunch": True}
    account.as_operator(
        "autoscaling", "create_auto_scaling_group", **group_params(account, f"{account.app}-new", [tag])
    )
    untagged = group_params(
        account, f"{account.app}-untagged", [{"Key": "team", "Value": "web", "PropagateAtLaunch": True}]
    )
    response = account.refused("autoscaling", "create_auto_scaling_group", **untagged)
    assert_refused(response, "autoscaling:CreateAutoScalingGroup", f"autoScalingGroupName/{account.app}-untagged")
    assert f"{account.app}-untagged" not in [
        item["AutoScalingGroupName"]
        for item in account.server.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
    ]


def test_change_only_fleets_of_an_app(account):
    account.as_operator(
        "autoscaling", "update_auto_scaling_group", AutoScalingGroupName=account.groups["app"], MaxSize=2
    )
    response = account.refused(
        "autoscaling", "update_auto_scaling_group", AutoScalingGroupName=account.groups["other"], MaxSize=2
    )
    assert_refused(response, "autoscaling:UpdateAutoScalingGroup", f"autoScalingGroupName/{account.groups['other']}")
    response = account.refused(
        "autoscaling", "delete_auto_scaling_group", AutoScalingGroupName=account.groups["other"], ForceDelete=True
    )
    assert_refused(response, "autoscaling:DeleteAutoScalingGroup", account.groups["other"])
    groups = account.server.client("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[account.groups["other"]]
    )["AutoScalingGroups"]
    assert [group["MaxSize"] for group in groups] == [1]


def test_version_only_launch_templates_of_an_app(account):
    data = {"ImageId": "ami-12c6146b", "InstanceType": "t3.small"}
    made = account.as_operator(
        "ec2", "create_launch_template_version", LaunchTemplateId=account.templates["app"], LaunchTemplateData=data
    )
    assert made["LaunchTemplateVersion"]["VersionNumber"] == 2
    response = account.refused(
        "ec2", "create_launch_template_version", LaunchTemplateId=account.templates["other"], LaunchTemplateData=data
    )
    assert_refused(response, "ec2:CreateLaunchTemplateVersion", f"launch-template/{account.templates['other']}")


def test_tag_only_target_groups_of_an_app(account):
    tags = [{"Key": "IsProduction", "Value": "true"}]
    account.as_operator("elbv2", "add_tags", ResourceArns=[account.target_groups["app"]], Tags=tags)
    response = account.refused("elbv2", "add_tags", ResourceArns=[account.target_groups["other"]], Tags=tags)
    assert_refused(response, "elasticloadbalancing:AddTags", account.target_groups["other"])


def test_move_traffic_only_on_application_load_balancers(account):
    for kind in ("app", "other"):
        listener = account.listeners[kind]
        params = {"ListenerArn": listener["ListenerArn"], "DefaultActions": listener["DefaultActions"]}
        if kind == "app":
            account.as_operator("elbv2", "modify_listener", **params)
        else:
            assert ":listener/net/" in listener["ListenerArn"]
            assert_refused(
                account.refused("elbv2", "modify_listener", **params),
                "elasticloadbalancing:ModifyListener",
                listener["ListenerArn"],
            )


def test_judge_releases_by_reading_alarms_and_metrics_and_write_neither(account):
    """CloudWatch signs its requests as "monitoring", but IAM names its actions "cloudwatch:...": the operator's
    policy allows the gate's reads and nothing that writes."""
    now = datetime.now(timezone.utc)
    assert account.as_operator("cloudwatch", "describe_alarms", AlarmNames=[f"{account.app}-5xx"])["MetricAlarms"] == []
    query = {
        "Id": "requests",
        "MetricStat": {
            "Metric": {"Namespace": "AWS/ApplicationELB", "MetricName": "RequestCount"},
            "Period": 60,
            "Stat": "Sum",
        },
    }
    found = account.as_operator(
        "cloudwatch",
        "get_metric_data",
        MetricDataQueries=[query],
        StartTime=now - timedelta(minutes=5),
        EndTime=now,
    )
    assert [item["Id"] for item in found["MetricDataResults"]] == ["requests"]
    response = account.refused(
        "cloudwatch",
        "set_alarm_state",
        AlarmName=f"{account.app}-5xx",
        StateValue="OK",
        StateReason="quiet the gate",
    )
    assert_refused(response, "cloudwatch:SetAlarmState", "*")


def test_keep_only_the_parameters_under_bluegreen(account):
    name = f"/bluegreen/{account.app}/live"
    account.as_operator("ssm", "put_parameter", Name=name, Value="blue", Type="String")
    assert account.as_operator("ssm", "get_parameters", Names=[name])["Parameters"][0]["Value"] == "blue"
    response = account.refused("ssm", "get_parameters", Names=[f"/{account.app}/database-password"])
    assert_refused(response, "ssm:GetParameters", f"parameter/{account.app}/database-password")


def test_pass_only_roles_under_bluegreen_to_codedeploy(account):
    for kind in ("app", "other"):
        params = {
            "applicationName": account.app,
            "deploymentGroupName": f"{account.app}-{kind}",
            "serviceRoleArn": account.roles[kind],
        }
        if kind == "app":
            account.as_operator("codedeploy", "create_deployment_group", **params)
        else:
            assert_refused(
                account.refused("codedeploy", "create_deployment_group", **params), "iam:PassRole", account.roles[kind]
            )


def test_upload_revisions_only_to_the_revisions_bucket(account):
    key = f"revisions/{account.app}/1.zip"
    account.as_operator("s3", "put_object", Bucket=BUCKET, Key=key, Body=b"zip")
    with pytest.raises(ClientError) as raised:
        account.as_operator("s3", "put_object", Bucket=f"{account.app}-other", Key=key, Body=b"zip")
    assert raised.value.response["Error"]["Code"] == "AccessDenied"
    account.server.client("s3").delete_object(Bucket=BUCKET, Key=key)


def test_pass_only_roles_under_bluegreen_to_the_instances_of_a_new_fleet(account):
    """A launch template naming an instance profile: creating a group from it passes the profile's role to EC2."""
    iam, ec2 = account.server.client("iam"), account.server.client("ec2")
    tag = [{"Key": "bluegreen:app", "Value": account.app, "PropagateAtLaunch": True}]
    for kind in ("app", "other"):
        profile = iam.create_instance_profile(InstanceProfileName=f"{account.app}-{kind}")["InstanceProfile"]
        iam.add_role_to_instance_profile(
            InstanceProfileName=profile["InstanceProfileName"], RoleName=f"{account.app}-{kind}"
        )
        template = ec2.create_launch_template(
            LaunchTemplateName=f"{account.app}-profile-{kind}",
            LaunchTemplateData={"ImageId": "ami-12c6146b", "IamInstanceProfile": {"Arn": profile["Arn"]}},
        )["LaunchTemplate"]["LaunchTemplateId"]
        account.templates[f"profile-{kind}"] = template
        params = group_params(account, f"{account.app}-profile-{kind}", tag)
        params["LaunchTemplate"]["LaunchTemplateId"] = template
        if kind == "app":
            account.as_operator("autoscaling", "create_auto_scaling_group", **params)
        else:
            response = account.refused("autoscaling", "create_auto_scaling_group", **params)
            assert_refused(response, "iam:PassRole", account.roles["other"])


def test_pass_roles_only_to_the_services_the_policy_names(account):
    """A role under /bluegreen/, passed to Auto Scaling for a lifecycle hook's notifications: neither PassRole
    statement names autoscaling.amazonaws.com (iam:PassedToService)."""
    response = account.refused(
        "autoscaling",
        "put_lifecycle_hook",
        AutoScalingGroupName=account.groups["app"],
        LifecycleHookName="launching",
        LifecycleTransition="autoscaling:EC2_INSTANCE_LAUNCHING",
        RoleARN=account.roles["app"],
        NotificationTargetARN=f"arn:aws:sns:{REGION}:123456789012:{account.app}",
    )
    assert_refused(response, "iam:PassRole", account.roles["app"])
    account.as_operator(
        "autoscaling",
        "put_lifecycle_hook",
        AutoScalingGroupName=account.groups["app"],
        LifecycleHookName="launching",
        LifecycleTransition="autoscaling:EC2_INSTANCE_LAUNCHING",
    )


def publishes(account, names):
    """Whether the operator may publish to each of the topics ``names`` (made for the test as root, then removed)."""
    sns = account.server.client("sns")
    topics = [sns.create_topic(Name=name)["TopicArn"] for name in names]
    allowed = []
    try:
        for topic in topics:
            try:
                account.as_operator("sns", "publish", TopicArn=topic, Subject="release", Message="{}")
                allowed.append(True)
            except ClientError as error:
                assert_refused(error.response, "sns:Publish", topic)
                allowed.append(False)
    finally:
        for topic in topics:
            sns.delete_topic(TopicArn=topic)
    return allowed


def test_publish_release_notifications_only_to_bluegreen_topics(account):
    assert publishes(account, [f"bluegreen-{account.app}", f"{account.app}-alerts"]) == [True, False]


def test_the_sandbox_lists_the_decisions_it_took(account):
    """GET /_sandbox/iam/decisions: each authorization a call needed, with its outcome and the statement that decided
    it; DELETE forgets them."""
    decisions = account.server.endpoint + "/_sandbox/iam/decisions"
    urllib.request.urlopen(urllib.request.Request(decisions, method="DELETE"), timeout=10).read()
    tag = [{"Key": "bluegreen:app", "Value": account.app, "PropagateAtLaunch": True}]
    account.as_operator(
        "autoscaling", "create_auto_scaling_group", **group_params(account, f"{account.app}-logged", tag)
    )
    with urllib.request.urlopen(decisions, timeout=10) as answer:
        taken = json.loads(answer.read())["decisions"]
    assert [(item["action"], item["outcome"], item["statement"]) for item in taken] == [
        ("autoscaling:CreateAutoScalingGroup", "allowed", "CreateOnlyFleetsTaggedWithTheirApp"),
        ("ec2:RunInstances", "allowed", "LaunchTheInstancesOfANewFleet"),
    ]


# docs/iam/bluegreen-policy-one-app.json: the same grants, each scoped to the application its operator works for, the
# operator's tag bluegreen:app (${aws:PrincipalTag/bluegreen:app}, IAM User Guide, "IAM policy elements: Variables
# and tags"). Each scoped statement allows the call on the operator's application and refuses it on another's.
ONE_APP_POLICY = POLICY.with_name("bluegreen-policy-one-app.json")


@pytest.fixture(scope="module")
def one_app(server):
    reset_auth(server, NOT_ENFORCED)
    made = Account(server, ONE_APP_POLICY, other_app="authz-another")
    yield made
    made.remove()


def test_the_one_application_policy_grants_what_the_shipped_one_does_each_scope_narrowed_to_the_operators_app():
    shipped, one_app_only = (json.loads(path.read_text("utf-8"))["Statement"] for path in (POLICY, ONE_APP_POLICY))
    assert [(item["Sid"], item["Effect"], item["Action"]) for item in one_app_only] == [
        (item["Sid"], item["Effect"], item["Action"]) for item in shipped
    ]
    narrowed = {
        item["Sid"]
        for item, before in zip(one_app_only, shipped)
        if (item.get("Resource"), item.get("Condition")) != (before.get("Resource"), before.get("Condition"))
    }
    assert all(
        "${aws:PrincipalTag/bluegreen:app}" in json.dumps(item) for item in one_app_only if item["Sid"] in narrowed
    )
    assert narrowed == {
        "KeepTheLiveColourLockAndDeploymentRecord",
        "CreateOnlyFleetsTaggedWithTheirApp",
        "ChangeOnlyFleetsOfAnApp",
        "VersionOnlyLaunchTemplatesOfAnApp",
        "MoveTrafficOnApplicationLoadBalancers",
        "TagOnlyTargetGroupsOfAnApp",
        "CodeDeployReadAndCreateTheApplication",
        "CodeDeployDeployThroughTheDeploymentGroups",
        "CodeDeployUploadAndReadTheRevisions",
        "PublishReleaseNotificationsToBluegreenTopics",
    }


def test_one_app_creates_only_fleets_tagged_with_its_app_and_retags_no_other_apps(one_app):
    mine = {"Key": "bluegreen:app", "Value": one_app.app, "PropagateAtLaunch": True}
    one_app.as_operator(
        "autoscaling", "create_auto_scaling_group", **group_params(one_app, f"{one_app.app}-new", [mine])
    )
    theirs = dict(mine, Value=one_app.other_app)
    name = f"{one_app.app}-theirs"
    response = one_app.refused("autoscaling", "create_auto_scaling_group", **group_params(one_app, name, [theirs]))
    assert_refused(response, "autoscaling:CreateAutoScalingGroup", f"autoScalingGroupName/{name}")
    # Another application's group, tagged as this one's: taking it over is refused too.
    claim = [dict(mine, ResourceId=one_app.groups["other"], ResourceType="auto-scaling-group")]
    response = one_app.refused("autoscaling", "create_or_update_tags", Tags=claim)
    assert_refused(response, "autoscaling:CreateOrUpdateTags", one_app.groups["other"])
    # And handing this application's group to another.
    handed = [dict(theirs, ResourceId=one_app.groups["app"], ResourceType="auto-scaling-group")]
    response = one_app.refused("autoscaling", "create_or_update_tags", Tags=handed)
    assert_refused(response, "autoscaling:CreateOrUpdateTags", one_app.groups["app"])
    groups = one_app.server.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
    tags = {group["AutoScalingGroupName"]: {tag["Key"]: tag["Value"] for tag in group["Tags"]} for group in groups}
    assert name not in tags
    assert tags[one_app.groups["other"]]["bluegreen:app"] == one_app.other_app
    assert tags[one_app.groups["app"]]["bluegreen:app"] == one_app.app


def test_one_app_changes_only_its_own_fleets_templates_and_target_groups(one_app):
    one_app.as_operator(
        "autoscaling", "update_auto_scaling_group", AutoScalingGroupName=one_app.groups["app"], MaxSize=2
    )
    response = one_app.refused(
        "autoscaling", "update_auto_scaling_group", AutoScalingGroupName=one_app.groups["other"], MaxSize=2
    )
    assert_refused(response, "autoscaling:UpdateAutoScalingGroup", f"autoScalingGroupName/{one_app.groups['other']}")
    data = {"ImageId": "ami-12c6146b", "InstanceType": "t3.small"}
    one_app.as_operator(
        "ec2", "create_launch_template_version", LaunchTemplateId=one_app.templates["app"], LaunchTemplateData=data
    )
    response = one_app.refused(
        "ec2", "create_launch_template_version", LaunchTemplateId=one_app.templates["other"], LaunchTemplateData=data
    )
    assert_refused(response, "ec2:CreateLaunchTemplateVersion", f"launch-template/{one_app.templates['other']}")
    tags = [{"Key": "IsProduction", "Value": "true"}]
    one_app.as_operator("elbv2", "add_tags", ResourceArns=[one_app.target_groups["app"]], Tags=tags)
    response = one_app.refused("elbv2", "add_tags", ResourceArns=[one_app.target_groups["other"]], Tags=tags)
    assert_refused(response, "elasticloadbalancing:AddTags", one_app.target_groups["other"])
    elbv2 = one_app.server.client("elbv2")
    found = elbv2.describe_tags(ResourceArns=[one_app.target_groups["other"]])["TagDescriptions"][0]["Tags"]
    assert "IsProduction" not in [tag["Key"] for tag in found]


def test_one_app_moves_only_its_own_listeners_traffic(one_app):
    for kind in ("app", "another"):
        listener = one_app.listeners[kind]
        params = {"ListenerArn": listener["ListenerArn"], "DefaultActions": listener["DefaultActions"]}
        if kind == "app":
            one_app.as_operator("elbv2", "modify_listener", **params)
        else:
            response = one_app.refused("elbv2", "modify_listener", **params)
            assert_refused(response, "elasticloadbalancing:ModifyListener", listener["ListenerArn"])


def test_one_app_keeps_only_its_own_parameters(one_app):
    mine, theirs = (f"/bluegreen/{app}/live" for app in (one_app.app, one_app.other_app))
    one_app.as_operator("ssm", "put_parameter", Name=mine, Value="blue", Type="String")
    response = one_app.refused("ssm", "put_parameter", Name=theirs, Value="green", Type="String", Overwrite=True)
    assert_refused(response, "ssm:PutParameter", f"parameter/bluegreen/{one_app.other_app}/live")
    assert not one_app.server.client("ssm").get_parameters(Names=[theirs])["Parameters"]


def test_one_app_deploys_only_through_its_own_codedeploy_application_and_revisions(one_app):
    for application in (one_app.app, f"{one_app.app}-another"):
        params = {
            "applicationName": application,
            "deploymentGroupName": "fleet",
            "serviceRoleArn": one_app.roles["app"],
        }
        if application == one_app.app:
            one_app.as_operator("codedeploy", "create_deployment_group", **params)
        else:
            response = one_app.refused("codedeploy", "create_deployment_group", **params)
            assert_refused(response, "codedeploy:CreateDeploymentGroup", f"deploymentgroup:{application}/fleet")
    mine = f"revisions/{one_app.app}/1.zip"
    one_app.as_operator("s3", "put_object", Bucket=BUCKET, Key=mine, Body=b"zip")
    with pytest.raises(ClientError) as raised:
        one_app.as_operator("s3", "put_object", Bucket=BUCKET, Key=f"revisions/{one_app.other_app}/1.zip", Body=b"zip")
    assert raised.value.response["Error"]["Code"] == "AccessDenied"
    one_app.server.client("s3").delete_object(Bucket=BUCKET, Key=mine)


def test_one_app_publishes_only_to_its_own_topic(one_app):
    names = [f"bluegreen-{one_app.app}", f"bluegreen-{one_app.other_app}", f"bluegreen-{one_app.app}-extra"]
    assert publishes(one_app, names) == [True, False, False]


def test_one_app_without_the_operators_tag_allows_none_of_the_scoped_calls(one_app):
    """A variable without a value matches nothing: untagged, the operator is refused its own application's resources."""
    iam = one_app.server.client("iam")
    iam.untag_user(UserName=one_app.user, TagKeys=["bluegreen:app"])
    try:
        response = one_app.refused("ssm", "get_parameters", Names=[f"/bluegreen/{one_app.app}/live"])
        assert_refused(response, "ssm:GetParameters", f"parameter/bluegreen/{one_app.app}/live")
        response = one_app.refused(
            "autoscaling", "update_auto_scaling_group", AutoScalingGroupName=one_app.groups["app"], MaxSize=1
        )
        assert_refused(response, "autoscaling:UpdateAutoScalingGroup", one_app.groups["app"])
    finally:
        iam.tag_user(UserName=one_app.user, Tags=[{"Key": "bluegreen:app", "Value": one_app.app}])
