# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The sandbox's IAM enforcement (tools/sandbox_iam.py) through boto3: Route 53 under a user's policy.

What AWS documents: each Route 53 operation needs the IAM action of its name, route53:<Operation> ("Amazon Route 53
API permissions reference", https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/r53-api-permissions-ref.html);
a principal whose policies allow it can call it, one whose policies do not is refused with AccessDenied (IAM User
Guide, "Policy evaluation logic": a request not explicitly allowed is implicitly denied), in Route 53's REST error
document ("REST Responses", https://docs.aws.amazon.com/Route53/latest/APIReference/requests-rest-responses.html).
Plain moto refuses the reads below to everyone with SignatureDoesNotMatch, and its refusals reach boto3 with an
empty error code.

The server is the tests' own (tests/conftest.py, process_sandbox); IAM enforcement is on only while a call below is
made (/moto-api/reset-auth), so that the rest of the tests never meet it. Users and the zone are named for the run
and removed at the end.
"""

from __future__ import annotations

import contextlib
import json
import urllib.request
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import REGION

READS = ("GetChange", "GetHostedZone", "ListHostedZonesByName", "ListResourceRecordSets")
# moto's default: no request checked.
NOT_ENFORCED = b"inf"


class World:
    """A hosted zone with one record and the change that made it, and users with a policy each, named for this run."""

    def __init__(self, server):
        self.server = server
        self.suffix = uuid.uuid4().hex[:6]
        self.iam, self.route53 = server.client("iam"), server.client("route53")
        self.zone_name = f"iam-{self.suffix}.test."
        self.zone = self.route53.create_hosted_zone(Name=self.zone_name, CallerReference=f"iam-{self.suffix}")[
            "HostedZone"
        ]["Id"].split("/")[-1]
        self.change = self.route53.change_resource_record_sets(
            HostedZoneId=self.zone, ChangeBatch=self.batch("1.2.3.4")
        )["ChangeInfo"]["Id"].split("/")[-1]
        self.users = []

    def batch(self, address):
        record = {"Name": f"www.{self.zone_name}", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": address}]}
        return {"Changes": [{"Action": "UPSERT", "ResourceRecordSet": record}]}

    def user(self, *actions):
        """A Route 53 client with the keys of a new user whose only policy allows ``actions`` on every resource."""
        name = f"r53-{self.suffix}-{len(self.users)}"
        self.iam.create_user(UserName=name)
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}
        self.iam.put_user_policy(UserName=name, PolicyName="route53", PolicyDocument=json.dumps(policy))
        keys = self.iam.create_access_key(UserName=name)["AccessKey"]
        self.users.append((name, keys["AccessKeyId"]))
        return boto3.client(
            "route53",
            endpoint_url=self.server.endpoint,
            region_name=REGION,
            aws_access_key_id=keys["AccessKeyId"],
            aws_secret_access_key=keys["SecretAccessKey"],
        )

    def call(self, client, operation):
        """One of READS, or ChangeResourceRecordSets, on the zone, with IAM enforcement on."""
        calls = {
            "GetChange": lambda: client.get_change(Id=self.change),
            "GetHostedZone": lambda: client.get_hosted_zone(Id=self.zone),
            "ListHostedZonesByName": lambda: client.list_hosted_zones_by_name(DNSName=self.zone_name, MaxItems="1"),
            "ListResourceRecordSets": lambda: client.list_resource_record_sets(
                HostedZoneId=self.zone, StartRecordName=f"www.{self.zone_name}", StartRecordType="A", MaxItems="1"
            ),
            "ChangeResourceRecordSets": lambda: client.change_resource_record_sets(
                HostedZoneId=self.zone, ChangeBatch=self.batch("5.6.7.8")
            ),
        }
        with enforced(self.server):
            return calls[operation]()

    def remove(self):
        for name, key in self.users:
            self.iam.delete_access_key(UserName=name, AccessKeyId=key)
            self.iam.delete_user_policy(UserName=name, PolicyName="route53")
            self.iam.delete_user(UserName=name)
        records = self.route53.list_resource_record_sets(HostedZoneId=self.zone)["ResourceRecordSets"]
        changes = [{"Action": "DELETE", "ResourceRecordSet": item} for item in records if item["Type"] == "A"]
        if changes:
            self.route53.change_resource_record_sets(HostedZoneId=self.zone, ChangeBatch={"Changes": changes})
        self.route53.delete_hosted_zone(Id=self.zone)


def reset_auth(server, count):
    # Not a form: moto reads the count from the raw body.
    request = urllib.request.Request(
        f"{server.endpoint}/moto-api/reset-auth", data=count, method="POST", headers={"Content-Type": "text/plain"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


@contextlib.contextmanager
def enforced(server):
    reset_auth(server, b"0")
    try:
        yield
    finally:
        reset_auth(server, NOT_ENFORCED)


@pytest.fixture(scope="module")
def world(server):
    reset_auth(server, NOT_ENFORCED)
    made = World(server)
    yield made
    made.remove()


def refusal(world, client, operation):
    with pytest.raises(ClientError) as raised:
        world.call(client, operation)
    return raised.value.response


def test_a_user_allowed_route53_s_reads_can_call_them(world):
    client = world.user(*(f"route53:{operation}" for operation in READS))
    assert world.call(client, "GetHostedZone")["HostedZone"]["Name"] == world.zone_name
    assert [zone["Name"] for zone in world.call(client, "ListHostedZonesByName")["HostedZones"]] == [world.zone_name]
    records = world.call(client, "ListResourceRecordSets")["ResourceRecordSets"]
    assert [(item["Name"], item["Type"]) for item in records] == [(f"www.{world.zone_name}", "A")]
    assert world.call(client, "GetChange")["ChangeInfo"]["Id"].split("/")[-1] == world.change


def test_a_user_allowed_change_resource_record_sets_can_change_a_record(world):
    client = world.user("route53:ChangeResourceRecordSets")
    assert world.call(client, "ChangeResourceRecordSets")["ChangeInfo"]["Status"] in ("PENDING", "INSYNC")
    records = world.route53.list_resource_record_sets(HostedZoneId=world.zone)["ResourceRecordSets"]
    assert [item["ResourceRecords"] for item in records if item["Type"] == "A"] == [[{"Value": "5.6.7.8"}]]


@pytest.mark.parametrize("operation", READS + ("ChangeResourceRecordSets",))
def test_a_user_not_allowed_an_operation_is_refused_with_access_denied_naming_its_action(world, operation):
    """The user is allowed every other operation here: only the action of the operation's own name lets it through."""
    others = [f"route53:{name}" for name in READS + ("ChangeResourceRecordSets",) if name != operation]
    response = refusal(world, world.user(*others), operation)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert response["Error"]["Code"] == "AccessDenied"
    assert f"is not authorized to perform: route53:{operation}" in response["Error"]["Message"]


def test_a_request_signed_with_another_secret_is_refused_with_signature_does_not_match(world):
    world.user("route53:GetHostedZone")
    _name, key = world.users[-1]
    forger = boto3.client(
        "route53",
        endpoint_url=world.server.endpoint,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key="not-the-secret",
    )
    response = refusal(world, forger, "GetHostedZone")
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert response["Error"]["Code"] == "SignatureDoesNotMatch"
