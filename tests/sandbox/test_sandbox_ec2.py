# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The sandbox's EC2 (tools/sandbox_ec2.py) through boto3: launch template versions made with SourceVersion.

Only the endpoint differs from AWS. Each test makes its own launch template, named for the run. The sandbox is the
tests' own (BLUEGREEN_TEST_SANDBOX_PORT, tests/output/sandbox-<port>), without the sample application: these tests
need only the emulator's images and default VPC.
"""

from __future__ import annotations

import base64
import uuid

import pytest
from botocore.exceptions import ClientError

SCRIPT = "#!/bin/bash\necho source > /tmp/which\n"
OTHER_SCRIPT = "#!/bin/bash\necho given > /tmp/which\n"


def encoded(text):
    """User data as launch templates take it: base64 text (boto3 encodes RunInstances' UserData, not these)."""
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


class World:
    """Clients, two images and a security group, named for this run."""

    def __init__(self, server):
        self.suffix = uuid.uuid4().hex[:6]
        self.ec2, self.autoscaling = (server.client(name) for name in ("ec2", "autoscaling"))
        images = sorted(item["ImageId"] for item in self.ec2.describe_images(Owners=["amazon"])["Images"])
        self.image, self.other_image = images[0], images[1]
        self.group = self.ec2.create_security_group(
            GroupName=f"ltsbx-{self.suffix}", Description="launch template versions"
        )["GroupId"]

    def template(self, name, **data):
        """A launch template whose version 1 is the source: t3.small, user data, a security group, instance tags."""
        source = {
            "ImageId": self.image,
            "InstanceType": "t3.small",
            "UserData": encoded(SCRIPT),
            "SecurityGroupIds": [self.group],
            "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "made-by", "Value": "source"}]}],
        }
        source.update(data)
        name = f"ltsbx-{name}-{self.suffix}"
        self.ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData=source)
        return name, source

    def version(self, name, number):
        found = self.ec2.describe_launch_template_versions(LaunchTemplateName=name, Versions=[str(number)])
        return found["LaunchTemplateVersions"][0]

    def run(self, name, version):
        """One instance run from the template's ``version``: the instance and its user data as EC2 gives it."""
        instance = self.ec2.run_instances(
            LaunchTemplate={"LaunchTemplateName": name, "Version": version}, MinCount=1, MaxCount=1
        )["Instances"][0]
        user_data = self.ec2.describe_instance_attribute(InstanceId=instance["InstanceId"], Attribute="userData")
        return instance, user_data.get("UserData", {}).get("Value")


@pytest.fixture(scope="module")
def world(server):
    return World(server)


def test_a_version_from_a_source_version_inherits_what_it_does_not_name(world):
    """EC2 API Reference, CreateLaunchTemplateVersion, SourceVersion: "If you specify this parameter, the new version
    inherits the launch parameters from the source version. If you specify additional launch parameters for the new
    version, they overwrite any corresponding launch parameters inherited from the source version."
    DescribeLaunchTemplateVersions returns the version's LaunchTemplateData; RequestLaunchTemplateData, UserData:
    "You must provide base64-encoded text", returned as given."""
    name, source = world.template("inherit")

    created = world.ec2.create_launch_template_version(
        LaunchTemplateName=name, SourceVersion="1", LaunchTemplateData={"ImageId": world.other_image}
    )["LaunchTemplateVersion"]

    expected = dict(source, ImageId=world.other_image)
    assert created["VersionNumber"] == 2
    assert created["LaunchTemplateData"] == expected
    described = world.version(name, 2)["LaunchTemplateData"]
    assert described == expected
    assert described["InstanceType"] == "t3.small"
    assert described["UserData"] == encoded(SCRIPT), "the same base64 text as the source's"
    assert world.version(name, 1)["LaunchTemplateData"] == source, "the source version is left as it was"


def test_run_instances_from_an_inherited_version_launches_the_source_s_settings(world):
    """EC2 API Reference, CreateLaunchTemplateVersion, SourceVersion: "the new version inherits the launch parameters
    from the source version"; RunInstances, LaunchTemplate: "Any additional parameters that you specify for the new
    instance overwrite the corresponding parameters included in the launch template" (none here: the version's own
    decide)."""
    name = world.template("run")[0]
    world.ec2.create_launch_template_version(
        LaunchTemplateName=name, SourceVersion="1", LaunchTemplateData={"ImageId": world.other_image}
    )

    instance, user_data = world.run(name, "2")

    assert instance["ImageId"] == world.other_image
    assert instance["InstanceType"] == "t3.small"
    assert [group["GroupId"] for group in instance["SecurityGroups"]] == [world.group]
    assert {tag["Key"]: tag["Value"] for tag in instance["Tags"]}["made-by"] == "source"
    assert user_data == encoded(SCRIPT)


def test_an_auto_scaling_group_launches_from_a_version_given_user_data(world):
    """EC2 API Reference, RequestLaunchTemplateData, UserData: "The user data to make available to the instance. You
    must provide base64-encoded text."; EC2 User Guide, Work with instance user data: "what you specify is what you
    get back upon retrieval". Auto Scaling, CreateAutoScalingGroup, LaunchTemplate: a version number, $Latest or
    $Default."""
    name = world.template("asg")[0]
    world.ec2.create_launch_template_version(
        LaunchTemplateName=name, SourceVersion="1", LaunchTemplateData={"UserData": encoded(OTHER_SCRIPT)}
    )
    assert world.version(name, 2)["LaunchTemplateData"]["UserData"] == encoded(OTHER_SCRIPT)

    world.autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchTemplate={"LaunchTemplateName": name, "Version": "$Latest"},
        MinSize=1,
        MaxSize=1,
        DesiredCapacity=1,
        AvailabilityZones=["us-east-1a"],
    )

    found = world.autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]
    instance_id = found["Instances"][0]["InstanceId"]
    instance = world.ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert (instance["ImageId"], instance["InstanceType"]) == (world.image, "t3.small")
    attribute = world.ec2.describe_instance_attribute(InstanceId=instance_id, Attribute="userData")
    assert attribute["UserData"]["Value"] == encoded(OTHER_SCRIPT)
    world.autoscaling.delete_auto_scaling_group(AutoScalingGroupName=name, ForceDelete=True)


def test_a_parameter_given_replaces_the_source_s_whole_parameter(world):
    """EC2 API Reference, CreateLaunchTemplateVersion, SourceVersion: the parameters given "overwrite any
    corresponding launch parameters inherited from the source version" (a list or structure of LaunchTemplateData is
    one parameter), and "Snapshots applied to the block device mapping are ignored when creating a new version unless
    they are explicitly included"."""
    volume = world.ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
    snapshot = world.ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
    disk = {"DeviceName": "/dev/sdf", "Ebs": {"SnapshotId": snapshot, "VolumeSize": 8, "VolumeType": "gp3"}}
    name, source = world.template(
        "replace",
        MetadataOptions={"HttpTokens": "required", "HttpPutResponseHopLimit": 2},
        BlockDeviceMappings=[disk],
    )
    given = {
        "TagSpecifications": [{"ResourceType": "volume", "Tags": [{"Key": "made-by", "Value": "given"}]}],
        "MetadataOptions": {"HttpEndpoint": "enabled"},
    }

    world.ec2.create_launch_template_version(LaunchTemplateName=name, SourceVersion="1", LaunchTemplateData=given)
    with_disks = dict(given, BlockDeviceMappings=[disk])
    world.ec2.create_launch_template_version(LaunchTemplateName=name, SourceVersion="1", LaunchTemplateData=with_disks)

    second = world.version(name, 2)["LaunchTemplateData"]
    assert second["TagSpecifications"] == given["TagSpecifications"]
    assert second["MetadataOptions"] == {"HttpEndpoint": "enabled"}
    assert second["BlockDeviceMappings"] == [{"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 8, "VolumeType": "gp3"}}]
    assert (second["InstanceType"], second["UserData"]) == ("t3.small", source["UserData"])
    assert world.version(name, 3)["LaunchTemplateData"]["BlockDeviceMappings"] == [disk], "given, the snapshot stays"


def test_latest_and_default_still_resolve_and_an_unknown_source_version_is_refused(world):
    """EC2 API Reference, DescribeLaunchTemplateVersions, Versions and RunInstances' LaunchTemplateSpecification,
    Version: a version number, $Latest or $Default; ModifyLaunchTemplate, DefaultVersion: "The version number of the
    launch template to set as the default version". CreateLaunchTemplateVersion, SourceVersion: "The version of the
    launch template on which to base the new version"; a version that does not exist is
    InvalidLaunchTemplateId.VersionNotFound (EC2 API Reference, Error codes)."""
    name = world.template("aliases")[0]
    world.ec2.create_launch_template_version(
        LaunchTemplateName=name, SourceVersion="1", LaunchTemplateData={"InstanceType": "t3.large"}
    )
    world.ec2.create_launch_template_version(
        LaunchTemplateName=name, SourceVersion="2", LaunchTemplateData={"ImageId": world.other_image}
    )
    world.ec2.modify_launch_template(LaunchTemplateName=name, DefaultVersion="2")

    found = world.ec2.describe_launch_template_versions(LaunchTemplateName=name, Versions=["$Latest", "$Default"])
    by_number = {item["VersionNumber"]: item for item in found["LaunchTemplateVersions"]}
    assert sorted(by_number) == [2, 3]
    assert by_number[2]["DefaultVersion"] and not by_number[3]["DefaultVersion"]
    assert by_number[3]["LaunchTemplateData"]["InstanceType"] == "t3.large", "inherited from 2, which inherited it"
    assert by_number[3]["LaunchTemplateData"]["UserData"] == encoded(SCRIPT), "inherited from 1 through 2"
    latest = world.run(name, "$Latest")[0]
    assert (latest["ImageId"], latest["InstanceType"]) == (world.other_image, "t3.large")
    default = world.run(name, "$Default")[0]
    assert (default["ImageId"], default["InstanceType"]) == (world.image, "t3.large")

    with pytest.raises(ClientError) as refused:
        world.ec2.create_launch_template_version(
            LaunchTemplateName=name, SourceVersion="9", LaunchTemplateData={"ImageId": world.image}
        )
    assert refused.value.response["Error"]["Code"] == "InvalidLaunchTemplateId.VersionNotFound"
    assert (
        world.ec2.describe_launch_templates(LaunchTemplateNames=[name])["LaunchTemplates"][0]["LatestVersionNumber"]
        == 3
    )


def test_a_request_sent_again_with_its_client_token_makes_no_second_version(world):
    """EC2 Developer Guide, "Ensuring idempotency in Amazon EC2 API requests": "If you repeat a request with the same
    client token and the same parameters, Amazon EC2 returns the same result"; with different parameters,
    IdempotentParameterMismatch. moto ignores ClientToken and makes a version for each request."""
    name = world.template("token")[0]
    request = {"LaunchTemplateName": name, "SourceVersion": "1", "LaunchTemplateData": {"ImageId": world.other_image}}

    first = world.ec2.create_launch_template_version(ClientToken="deploy-42", **request)["LaunchTemplateVersion"]
    again = world.ec2.create_launch_template_version(ClientToken="deploy-42", **request)["LaunchTemplateVersion"]
    with pytest.raises(ClientError, match="IdempotentParameterMismatch"):
        world.ec2.create_launch_template_version(
            ClientToken="deploy-42", **dict(request, LaunchTemplateData={"ImageId": world.image})
        )
    other = world.ec2.create_launch_template_version(ClientToken="deploy-43", **request)["LaunchTemplateVersion"]

    assert (first["VersionNumber"], again["VersionNumber"], other["VersionNumber"]) == (2, 2, 3)
    assert again == first
    found = world.ec2.describe_launch_template_versions(LaunchTemplateName=name)["LaunchTemplateVersions"]
    assert sorted(item["VersionNumber"] for item in found) == [1, 2, 3]
