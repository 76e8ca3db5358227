# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The sandbox's route53 traffic layer, for the tests of route53_alias_flip and of the route53 strategy.

The session's sandbox is provisioned for strategy alb. The `dns` fixture provisions the route53 traffic
layer with the sandbox playbook (bluegreen_strategy=route53) for one test module; tests/conftest.py puts the
sandbox back as provisioned before the next file.
"""

from __future__ import annotations

import time

import pytest

from conftest import ROOT

LIVE = {"zone": "example.com", "names": ["www"]}
STAGING = {"zone": "example.internal", "private_zone": True, "names": ["staging"]}
LOAD_BALANCERS = {"blue": "demo-blue", "green": "demo-green"}
FLIP = {"load_balancers": LOAD_BALANCERS, "live_records": LIVE, "staging_records": STAGING, "poll_interval": 1}
WWW = "www.example.com."
STAGING_NAME = "staging.example.internal."
# The snapshot of the sandbox with the route53 layer provisioned.
ROUTE53 = "route53"


def record_sets(sandbox, zone_id, name):
    found = sandbox.client("route53").list_resource_record_sets(
        HostedZoneId=zone_id, StartRecordName=name, StartRecordType="A", MaxItems="10"
    )["ResourceRecordSets"]
    return [item for item in found if item["Name"] == name and item["Type"] == "A"]


def points_at(sandbox, dns, zone, name):
    """What a name's A records alias, as {set identifier (None when simple): (colour, weight, evaluate health)}."""
    colors = {lb["DNSName"].lower().rstrip("."): color for color, lb in dns["lbs"].items()}
    return {
        item.get("SetIdentifier"): (
            colors.get(item["AliasTarget"]["DNSName"].lower().rstrip("."), item["AliasTarget"]["DNSName"]),
            item.get("Weight"),
            item["AliasTarget"]["EvaluateTargetHealth"],
        )
        for item in record_sets(sandbox, dns["zones"][zone], name)
    }


def flip(sandbox, check=False, diff=False, **args):
    return sandbox.module("route53_alias_flip", check=check, diff=diff, **dict(FLIP, **args))


def provision_route53(sandbox, *args):
    done = sandbox.playbook(ROOT / "playbooks" / "sandbox.yml", *args, extra_vars={"bluegreen_strategy": "route53"})
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-5000:]
    return done


def renew_zone(sandbox, zone_id, keep):
    """Replace a zone by a new one of the same name holding only the record sets ``keep``; returns its id.

    The emulator remembers every CREATE a zone has seen and refuses the same CREATE again in some cases
    (docs/sandbox.md), so each test module starts from a zone without that memory.
    """
    route53 = sandbox.client("route53")
    zone = route53.get_hosted_zone(Id=zone_id)["HostedZone"]
    records = [
        item
        for item in route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
        if item["Type"] not in ("NS", "SOA")
    ]
    if records:
        route53.change_resource_record_sets(
            HostedZoneId=zone_id,
            ChangeBatch={"Changes": [{"Action": "DELETE", "ResourceRecordSet": item} for item in records]},
        )
    route53.delete_hosted_zone(Id=zone_id)
    created = route53.create_hosted_zone(
        Name=zone["Name"],
        CallerReference=f"{zone['Name']}{time.time()}",
        HostedZoneConfig={"Comment": zone.get("Config", {}).get("Comment", ""), "PrivateZone": False},
    )
    new_id = created["HostedZone"]["Id"].split("/")[-1]
    if keep:
        route53.change_resource_record_sets(
            HostedZoneId=new_id,
            ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": item} for item in keep]},
        )
    return new_id


@pytest.fixture(scope="module")
def dns(sandbox):
    """The sandbox with the route53 traffic layer provisioned: the first time in this test process by the sandbox
    playbook, saved as the ROUTE53 snapshot, and from that snapshot afterwards."""
    route53 = sandbox.client("route53")
    elbv2 = sandbox.client("elbv2")
    if sandbox.has_snapshot(ROUTE53):
        sandbox.restore(ROUTE53)
    else:
        public = route53.list_hosted_zones_by_name(DNSName="example.com.")["HostedZones"][0]["Id"].split("/")[-1]
        renew_zone(sandbox, public, record_sets(sandbox, public, WWW))
        provision_route53(sandbox)
        sandbox.save(ROUTE53)
    zones = {
        zone["Name"]: zone["Id"].split("/")[-1]
        for zone in route53.list_hosted_zones()["HostedZones"]
        if zone["Name"] in ("example.com.", "example.internal.")
    }
    lbs = {
        lb["LoadBalancerName"]: lb
        for lb in elbv2.describe_load_balancers(Names=list(LOAD_BALANCERS.values()))["LoadBalancers"]
    }
    return {
        "zones": {"live": zones["example.com."], "staging": zones["example.internal."]},
        "lbs": {color: lbs[name] for color, name in LOAD_BALANCERS.items()},
    }
