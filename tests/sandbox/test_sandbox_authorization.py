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

    def __init__(self, server):
        self.server = server
        self.suffix = uuid.uuid4().hex[:6]
        self.app = f"authz-{self.suffix}"
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
        for kind, tags in (("app", [{"Key": "bluegreen:app", "Value": self.app}]), ("other", [])):
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
            for kind, tags in (("app", [{"Key": "bluegreen:app", "Value": self.app}]), ("other", []))
        }
        self.groups = {}
        for kind, tags in (("app", [{"Key": "bluegreen:app", "Value": self.app}]), ("other", [])):
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
        for kind, scheme in (("app", "application"), ("other", "network")):
            balancer = elbv2.create_load_balancer(Name=f"{self.app}-{kind}", Subnets=self.subnets, Type=scheme)[
                "LoadBalancers"
            ][0]["LoadBalancerArn"]
            target = elbv2.create_target_group(
                Name=f"{self.app}-{kind}-l", Protocol="HTTP" if kind == "app" else "TCP", Port=80, VpcId=vpc
            )["TargetGroups"][0]["TargetGroupArn"]
            self.listeners[kind] = elbv2.create_listener(
                LoadBalancerArn=balancer,
                Protocol="HTTP" if kind == "app" else "TCP",
                Port=80,
                DefaultActions=[{"Type": "forward", "TargetGroupArn": target}],
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
        server.client("codedeploy").create_application(applicationName=self.app, computePlatform="Server")
        self.user = f"{self.app}-operator"
        iam.create_user(UserName=self.user)
        iam.put_user_policy(UserName=self.user, PolicyName="bluegreen", PolicyDocument=POLICY.read_text("utf-8"))
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
        self.server.client("codedeploy").delete_application(applicationName=self.app)
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


def test_keep_only_the_parameters_under_bluegreen(account):
    name = f"/bluegreen/{account.app}/live"
    account.as_operator("ssm", "put_parameter", Name=name, Value="blue", Type="String")
    assert account.as_operator("ssm", "get_parameter", Name=name)["Parameter"]["Value"] == "blue"
    response = account.refused("ssm", "get_parameter", Name=f"/{account.app}/database-password")
    assert_refused(response, "ssm:GetParameter", f"parameter/{account.app}/database-password")


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
