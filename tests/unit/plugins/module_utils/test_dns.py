# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils import dns
from ansible_collections.teal.bluegreen.plugins.module_utils._route53.records import qualify_record_name

ZONE_ID = "Z35SXDOTRQ7X7K"
LBS = {
    "blue": {"DNSName": "shop-blue-1234.us-east-1.elb.amazonaws.com", "CanonicalHostedZoneId": ZONE_ID},
    "green": {"DNSName": "shop-green-5678.us-east-1.elb.amazonaws.com", "CanonicalHostedZoneId": ZONE_ID},
}
TARGETS = {color: dns.alias_target(lb, True) for color, lb in LBS.items()}
WWW = "www.example.com."
SHOP = "shop.example.com."


def alias(color, name=WWW, weight=None, evaluate=True, dns_name=None):
    record = {
        "Name": name,
        "Type": "A",
        "AliasTarget": {
            "HostedZoneId": ZONE_ID,
            "DNSName": dns_name or LBS[color]["DNSName"] + ".",
            "EvaluateTargetHealth": evaluate,
        },
    }
    if weight is not None:
        record.update(SetIdentifier=color, Weight=weight)
    return record


def plan(current, live_color, weights=None, names=(WWW,), overwrite=False):
    return dns.plan_records(list(names), "A", current, TARGETS, live_color, weights, overwrite)


def apply(record_sets, changes):
    """What Route 53 does with a batch, for one name: delete, then update in place or create."""
    result = [item for item in record_sets if {"Action": "DELETE", "ResourceRecordSet": item} not in changes]
    for change in changes:
        if change["Action"] in ("UPSERT", "CREATE"):
            identity = change["ResourceRecordSet"].get("SetIdentifier")
            result = [item for item in result if item.get("SetIdentifier") != identity]
            result.append(change["ResourceRecordSet"])
    return result


def actions(changes):
    return [
        (
            change["Action"],
            change["ResourceRecordSet"]["Name"],
            change["ResourceRecordSet"].get("SetIdentifier"),
            change["ResourceRecordSet"].get("Weight"),
            change["ResourceRecordSet"]["AliasTarget"]["DNSName"].split("-")[1],
        )
        for change in changes
    ]


class TestWeights:
    def test_no_weights_is_a_simple_alias(self):
        assert dns.check_weights("green", None) is None
        assert dns.percentages(None, "green") == {"green": 100}

    def test_shift(self):
        assert dns.check_weights("green", {"blue": 90, "green": 10}) == {"blue": 90, "green": 10}
        assert dns.percentages({"blue": 90, "green": 10}, "green") == {"blue": 90, "green": 10}
        assert dns.percentages({"blue": 1, "green": 3}, "green") == {"blue": 25, "green": 75}

    def test_other_colour_at_zero_ends_the_shift(self):
        assert dns.check_weights("green", {"blue": 0, "green": 100}) is None

    def test_live_colour_at_zero_is_refused(self):
        with pytest.raises(ValueError, match="weights give live_color green a weight of 0"):
            dns.check_weights("green", {"blue": 100, "green": 0})

    @pytest.mark.parametrize("value", [-1, 256, None, True])
    def test_out_of_range(self, value):
        with pytest.raises(ValueError, match=r"weights.blue is .*; give each colour a whole number from 0 to 255"):
            dns.check_weights("green", {"blue": value, "green": 10})


class TestSimpleFlip:
    def test_flip_updates_the_record_in_place(self):
        current = {WWW: [alias("blue")]}
        planned = plan(current, "green")
        assert planned["changed"] is True
        assert actions(planned["changes"]) == [("UPSERT", WWW, None, None, "green")]
        assert planned["changes"][0]["ResourceRecordSet"]["AliasTarget"] == TARGETS["green"]
        assert planned["shares"] == {WWW: {"blue": 100}}
        assert planned["before"][WWW][0]["color"] == "blue"
        assert planned["after"][WWW] == [
            {
                "type": "A",
                "set_identifier": None,
                "weight": None,
                "alias_dns_name": LBS["green"]["DNSName"],
                "alias_hosted_zone_id": ZONE_ID,
                "evaluate_target_health": True,
                "color": "green",
            }
        ]

    def test_already_there_changes_nothing(self):
        planned = plan({WWW: [alias("green")]}, "green")
        assert (planned["changed"], planned["changes"]) == (False, [])

    def test_dualstack_and_case_count_as_the_same_target(self):
        record = alias("green", dns_name="DualStack." + LBS["green"]["DNSName"].upper() + ".")
        assert plan({WWW: [record]}, "green")["changed"] is False

    def test_evaluate_target_health_is_part_of_the_wanted_state(self):
        planned = plan({WWW: [alias("green", evaluate=False)]}, "green")
        assert actions(planned["changes"]) == [("UPSERT", WWW, None, None, "green")]

    def test_missing_record_is_created(self):
        planned = plan({WWW: []}, "blue")
        assert actions(planned["changes"]) == [("CREATE", WWW, None, None, "blue")]
        assert planned["shares"] == {WWW: {}}
        assert planned["before"] == {WWW: []}

    def test_several_names_in_one_batch_deletes_first(self):
        current = {
            WWW: [alias("blue")],
            SHOP: [alias("blue", name=SHOP, weight=90), alias("green", name=SHOP, weight=10)],
        }
        planned = plan(current, "green", names=(WWW, SHOP))
        assert actions(planned["changes"]) == [
            ("DELETE", SHOP, "blue", 90, "blue"),
            ("DELETE", SHOP, "green", 10, "green"),
            ("UPSERT", WWW, None, None, "green"),
            ("CREATE", SHOP, None, None, "green"),
        ]

    def test_alias_to_something_else_is_replaced(self):
        record = alias("blue", dns_name="d111111abcdef8.cloudfront.net.")
        planned = plan({WWW: [record]}, "green")
        assert planned["shares"] == {WWW: {None: 100}}
        assert [change["Action"] for change in planned["changes"]] == ["UPSERT"]


class TestWeightedShift:
    def test_simple_to_weighted_in_one_batch(self):
        planned = plan({WWW: [alias("blue")]}, "green", {"blue": 90, "green": 10})
        assert actions(planned["changes"]) == [
            ("DELETE", WWW, None, None, "blue"),
            ("CREATE", WWW, "blue", 90, "blue"),
            ("CREATE", WWW, "green", 10, "green"),
        ]
        assert planned["changes"][0]["ResourceRecordSet"] == alias("blue")

    def test_weighted_to_weighted_moves_only_what_changed(self):
        current = {WWW: [alias("blue", weight=90), alias("green", weight=10)]}
        planned = plan(current, "green", {"blue": 90, "green": 30})
        assert actions(planned["changes"]) == [("UPSERT", WWW, "green", 30, "green")]
        assert planned["shares"] == {WWW: {"blue": 90, "green": 10}}

    def test_same_weights_change_nothing(self):
        current = {WWW: [alias("green", weight=10), alias("blue", weight=90)]}
        assert plan(current, "green", {"blue": 90, "green": 10})["changed"] is False

    def test_weighted_back_to_simple_in_one_batch(self):
        current = {WWW: [alias("blue", weight=50), alias("green", weight=50)]}
        planned = plan(current, "green", dns.check_weights("green", {"blue": 0, "green": 100}))
        assert actions(planned["changes"]) == [
            ("DELETE", WWW, "blue", 50, "blue"),
            ("DELETE", WWW, "green", 50, "green"),
            ("CREATE", WWW, None, None, "green"),
        ]

    def test_simple_to_weighted_to_simple(self):
        current = {WWW: [alias("blue")]}
        for weights in ({"blue": 90, "green": 10}, {"blue": 50, "green": 50}, {"blue": 0, "green": 1}):
            wanted = dns.check_weights("green", weights)
            planned = plan(current, "green", wanted)
            assert planned["changed"] is True
            current = {WWW: apply(current[WWW], planned["changes"])}
        assert [(item.get("SetIdentifier"), item["AliasTarget"]["DNSName"]) for item in current[WWW]] == [
            (None, LBS["green"]["DNSName"])
        ]
        assert plan(current, "green")["changed"] is False

    def test_weight_zero_records_share_nothing(self):
        current = {WWW: [alias("blue", weight=0), alias("green", weight=20)]}
        assert dns.shares(current[WWW], dns.target_colors(TARGETS)) == {"green": 100}

    def test_all_weights_zero_share_evenly(self):
        current = [alias("blue", weight=0), alias("green", weight=0)]
        assert dns.shares(current, dns.target_colors(TARGETS)) == {"blue": 50, "green": 50}


class TestStaging:
    def test_staging_gets_the_other_colour_as_a_simple_alias(self):
        staging = "staging.example.internal."
        planned = dns.plan_records(
            [staging], "A", {staging: [alias("green", name=staging)]}, TARGETS, "blue", None, False
        )
        assert actions(planned["changes"]) == [("UPSERT", staging, None, None, "blue")]


class TestCompareAndSwap:
    @pytest.mark.parametrize(
        "by_color, expected, holds",
        [
            ({"blue": 100}, "blue", True),
            ({"blue": 100}, "green", False),
            ({"blue": 50, "green": 50}, "green", True),
            ({"blue": 90, "green": 10}, "green", False),
            ({}, "blue", False),
            ({None: 100}, "blue", False),
        ],
    )
    def test_expected_colour_holds(self, by_color, expected, holds):
        assert dns.expected_color_holds(by_color, expected) is holds

    @pytest.mark.parametrize(
        "by_color, text",
        [
            ({"green": 100}, "green"),
            ({"blue": 90, "green": 10}, "blue 90% / green 10%"),
            ({None: 100}, "a target of neither colour"),
            ({"blue": 50, None: 50}, "blue 50% / a target of neither colour 50%"),
            ({}, "nothing (the record does not exist)"),
        ],
    )
    def test_describe_shares(self, by_color, text):
        assert dns.describe_shares(by_color) == text

    def test_majority(self):
        assert dns.majority_color({"blue": 90, "green": 10}) == "blue"
        assert dns.majority_color({"blue": 50, "green": 50}) is None
        assert dns.majority_color({None: 100}) is None


class TestRefusals:
    def test_non_alias_record_is_refused(self):
        record = {"Name": WWW, "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": "192.0.2.10"}]}
        with pytest.raises(ValueError, match=r"record www.example.com. exists as an A record that is not an alias"):
            plan({WWW: [record]}, "green")

    def test_non_alias_record_is_replaced_when_allowed(self):
        record = {"Name": WWW, "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": "192.0.2.10"}]}
        planned = plan({WWW: [record]}, "green", overwrite=True)
        assert [change["Action"] for change in planned["changes"]] == ["DELETE", "CREATE"]
        assert planned["changes"][0]["ResourceRecordSet"] is record
        assert planned["before"][WWW][0]["values"] == ["192.0.2.10"]

    def test_cname_is_refused_then_replaced_when_allowed(self):
        record = {"Name": WWW, "Type": "CNAME", "TTL": 60, "ResourceRecords": [{"Value": "shop.example.net"}]}
        with pytest.raises(ValueError, match="exists as a CNAME record .shop.example.net., which cannot share a name"):
            plan({WWW: [record]}, "green")
        planned = plan({WWW: [record]}, "green", overwrite=True)
        assert planned["changes"][0] == {"Action": "DELETE", "ResourceRecordSet": record}

    def test_other_types_at_the_name_are_left_alone(self):
        txt = {"Name": WWW, "Type": "TXT", "TTL": 60, "ResourceRecords": [{"Value": '"v=spf1 -all"'}]}
        planned = plan({WWW: [txt, alias("blue")]}, "green")
        assert all(change["ResourceRecordSet"]["Type"] == "A" for change in planned["changes"])

    def test_other_routing_policies_are_refused_even_with_overwrite(self):
        record = dict(alias("blue"), SetIdentifier="us-east-1", Region="us-east-1")
        with pytest.raises(
            ValueError, match="uses Region routing; route53_alias_flip only manages simple and weighted"
        ):
            plan({WWW: [record]}, "green", overwrite=True)


class TestNames:
    @pytest.mark.parametrize(
        "name, zone, expected",
        [
            ("www", "example.com.", "www.example.com."),
            ("www.example.com", "example.com.", "www.example.com."),
            ("Staging", "example.internal.", "staging.example.internal."),
            ("staging.example.internal.", "example.internal", "staging.example.internal."),
        ],
    )
    def test_relative_and_qualified_names(self, name, zone, expected):
        assert qualify_record_name(name, zone) == expected

    def test_absolute_name_outside_the_zone(self):
        with pytest.raises(ValueError, match="outside the zone example.com"):
            qualify_record_name("www.example.org.", "example.com.")


LIVE_ZONE = {"Id": "/hostedzone/ZLIVE", "Name": "example.com."}
STAGING_ZONE = {"Id": "/hostedzone/ZSTAGING", "Name": "example.internal."}


def planned(changes):
    return {"changed": bool(changes), "changes": changes}


def change(action, name):
    return {"Action": action, "ResourceRecordSet": {"Name": name}}


class TestBatches:
    def test_zone_id_drops_the_prefix(self):
        assert dns.zone_id(LIVE_ZONE) == "ZLIVE"
        assert dns.zone_id({"Id": "ZLIVE"}) == "ZLIVE"

    def test_staging_zone_first_live_zone_last(self):
        plans = {"live": planned([change("UPSERT", WWW)]), "staging": planned([change("UPSERT", "staging.")])}
        batches = dns.plan_batches({"live": LIVE_ZONE, "staging": STAGING_ZONE}, plans)
        assert batches == [
            {
                "zone_id": "ZSTAGING",
                "zone_name": "example.internal.",
                "records": ["staging"],
                "changes": [change("UPSERT", "staging.")],
            },
            {"zone_id": "ZLIVE", "zone_name": "example.com.", "records": ["live"], "changes": [change("UPSERT", WWW)]},
        ]

    def test_names_without_changes_send_nothing(self):
        plans = {"live": planned([]), "staging": planned([change("UPSERT", "staging.")])}
        batches = dns.plan_batches({"live": LIVE_ZONE, "staging": STAGING_ZONE}, plans)
        assert [batch["records"] for batch in batches] == [["staging"]]
        assert dns.plan_batches({"live": LIVE_ZONE}, {"live": planned([])}) == []

    def test_one_zone_is_one_batch_with_its_deletes_first(self):
        plans = {
            "staging": planned([change("DELETE", "staging."), change("CREATE", "staging.")]),
            "live": planned([change("DELETE", WWW), change("UPSERT", WWW)]),
        }
        batches = dns.plan_batches({"live": LIVE_ZONE, "staging": dict(LIVE_ZONE, Id="ZLIVE")}, plans)
        assert len(batches) == 1
        assert batches[0]["records"] == ["staging", "live"]
        assert batches[0]["changes"] == [
            change("DELETE", "staging."),
            change("DELETE", WWW),
            change("CREATE", "staging."),
            change("UPSERT", WWW),
        ]


class TestPreviousState:
    def test_names_that_agree(self):
        assert dns.previous_state({WWW: {"blue": 100}, SHOP: {"blue": 100}}) == ("blue", {"blue": 100})

    def test_a_shift_in_progress(self):
        assert dns.previous_state({WWW: {"blue": 90, "green": 10}}) == ("blue", {"blue": 90, "green": 10})

    def test_names_that_disagree(self):
        assert dns.previous_state({WWW: {"blue": 100}, SHOP: {"green": 100}}) == (None, None)

    def test_same_majority_other_shares(self):
        assert dns.previous_state({WWW: {"blue": 100}, SHOP: {"blue": 60, "green": 40}}) == ("blue", None)

    def test_even_split_and_targets_of_neither_colour(self):
        assert dns.previous_state({WWW: {"blue": 50, "green": 50}}) == (None, {"blue": 50, "green": 50})
        assert dns.previous_state({WWW: {None: 100}}) == (None, {"other": 100})

    def test_names_without_records(self):
        assert dns.previous_state({WWW: {}}) == (None, {})
