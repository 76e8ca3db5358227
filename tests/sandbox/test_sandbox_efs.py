# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The sandbox serves EFS's file-system tag actions, DescribeTags, CreateTags and DeleteTags (tools/sandbox_efs.py).

What AWS documents (Amazon EFS API Reference, DescribeTags, CreateTags, DeleteTags): deprecated in favour of
ListTagsForResource, TagResource and UntagResource, and still served: ``GET /2015-02-01/tags/{FileSystemId}/`` returns
the tags, ``POST /2015-02-01/create-tags/{FileSystemId}`` adds or overwrites them, ``POST
/2015-02-01/delete-tags/{FileSystemId}`` removes them, an unknown file system is ``FileSystemNotFound``. Plain moto
answers the three with "not yet implemented"; community.aws.efs reads and converges tags with them.
"""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def file_system(server):
    efs = server.client("efs")
    made = efs.create_file_system(CreationToken=f"tags-{uuid.uuid4().hex[:8]}", Tags=[{"Key": "team", "Value": "web"}])
    yield efs, made["FileSystemId"]
    efs.delete_file_system(FileSystemId=made["FileSystemId"])


def test_file_system_tags_read_and_written_by_either_family_of_actions_are_the_same_tags(file_system):
    efs, file_system_id = file_system
    assert efs.describe_tags(FileSystemId=file_system_id)["Tags"] == [{"Key": "team", "Value": "web"}]

    efs.create_tags(FileSystemId=file_system_id, Tags=[{"Key": "team", "Value": "shop"}, {"Key": "tier", "Value": "1"}])
    both = {tag["Key"]: tag["Value"] for tag in efs.list_tags_for_resource(ResourceId=file_system_id)["Tags"]}
    assert both == {"team": "shop", "tier": "1"}

    efs.delete_tags(FileSystemId=file_system_id, TagKeys=["team", "absent"])
    assert efs.describe_tags(FileSystemId=file_system_id)["Tags"] == [{"Key": "tier", "Value": "1"}]
    efs.tag_resource(ResourceId=file_system_id, Tags=[{"Key": "owner", "Value": "ops"}])
    keys = {tag["Key"] for tag in efs.describe_tags(FileSystemId=file_system_id)["Tags"]}
    assert keys == {"tier", "owner"}


def test_the_tags_of_a_file_system_that_does_not_exist_are_file_system_not_found(server):
    efs = server.client("efs")
    for call in (
        lambda: efs.describe_tags(FileSystemId="fs-0123456789abcdef0"),
        lambda: efs.create_tags(FileSystemId="fs-0123456789abcdef0", Tags=[{"Key": "a", "Value": "b"}]),
        lambda: efs.delete_tags(FileSystemId="fs-0123456789abcdef0", TagKeys=["a"]),
    ):
        with pytest.raises(ClientError) as raised:
            call()
        assert raised.value.response["Error"]["Code"] == "FileSystemNotFound"
