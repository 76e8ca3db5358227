# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Hosted zone and record set calls, plus the pure name handling they need."""

from __future__ import annotations

from .common import Route53ErrorHandler
from .common import route53_retry


def zone_id_of(value):
    """The bare id of a hosted zone given as Z123, /hostedzone/Z123 or None when it is a name."""
    if value.startswith("/hostedzone/"):
        return value[len("/hostedzone/") :]
    if "." not in value.rstrip(".") and value.upper() == value:
        return value
    return None


def qualify_record_name(name, zone_name):
    """The fully qualified record name (with trailing dot) of name in the zone zone_name.

    www and www.example.com both give www.example.com. in example.com. A name with a
    trailing dot is absolute. Raises ValueError for an absolute name outside the zone.
    """
    zone = zone_name.lower().rstrip(".")
    lowered = name.lower()
    if lowered.rstrip(".") == zone or lowered.rstrip(".").endswith("." + zone):
        return lowered.rstrip(".") + "."
    if lowered.endswith("."):
        raise ValueError(f"record name {name!r} is outside the zone {zone}")
    return f"{lowered}.{zone}."


@Route53ErrorHandler.list_error_handler("read hosted zone", default_value=None)
@route53_retry
def get_zone_by_id(client, zone_id):
    return client.get_hosted_zone(Id=zone_id)["HostedZone"]


@Route53ErrorHandler.common_error_handler("find hosted zones by name")
@route53_retry
def find_zones_by_name(client, name):
    """Hosted zones named exactly name (public and private zones may share a name)."""
    wanted = name.lower().rstrip(".") + "."
    result = client.list_hosted_zones_by_name(DNSName=wanted, MaxItems="100")
    return [zone for zone in result.get("HostedZones", []) if zone["Name"].lower() == wanted]


@Route53ErrorHandler.common_error_handler("read record sets")
@route53_retry
def get_record_sets(client, zone_id, name, record_type=None):
    """The record sets named name, of record_type or of any type; several when weighted, possibly none."""
    params = dict(HostedZoneId=zone_id, StartRecordName=name, MaxItems="100")
    if record_type:
        params["StartRecordType"] = record_type
    result = client.list_resource_record_sets(**params)
    return [
        record
        for record in result.get("ResourceRecordSets", [])
        if record["Name"].lower() == name.lower() and record_type in (None, record["Type"])
    ]


@Route53ErrorHandler.common_error_handler("change record sets")
@route53_retry
def change_record_sets(client, zone_id, changes, comment):
    """Apply changes to a zone in one transactional batch; returns its ChangeInfo (Id, Status)."""
    result = client.change_resource_record_sets(
        HostedZoneId=zone_id, ChangeBatch={"Comment": comment, "Changes": changes}
    )
    return result["ChangeInfo"]
