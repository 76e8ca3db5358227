# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils._route53.records import qualify_record_name
from ansible_collections.teal.bluegreen.plugins.module_utils._route53.records import zone_id_of
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import BlueGreenError
from ansible_collections.teal.bluegreen.plugins.module_utils.discovery import qualify_names


@pytest.mark.parametrize(
    "name, expected",
    [
        ("www", "www.example.com."),
        ("WWW", "www.example.com."),
        ("www.example.com", "www.example.com."),
        ("www.example.com.", "www.example.com."),
        ("example.com", "example.com."),
        ("api.eu", "api.eu.example.com."),
    ],
)
def test_qualify_record_name(name, expected):
    assert qualify_record_name(name, "example.com.") == expected


def test_absolute_name_outside_the_zone_is_refused():
    with pytest.raises(ValueError, match="'www.example.net.' is outside the zone example.com"):
        qualify_record_name("www.example.net.", "example.com")


@pytest.mark.parametrize(
    "value, expected",
    [("Z2P70J7EXAMPLE", "Z2P70J7EXAMPLE"), ("/hostedzone/Z2P70J7EXAMPLE", "Z2P70J7EXAMPLE"), ("example.com", None)],
)
def test_zone_id_of(value, expected):
    assert zone_id_of(value) == expected


def test_qualify_names_keeps_the_order_and_names_the_option_of_a_name_outside_the_zone():
    zone = {"Id": "/hostedzone/Z1", "Name": "example.com."}
    assert qualify_names(["www", "api.example.com", "WWW"], zone, "live_records") == [
        "www.example.com.",
        "api.example.com.",
        "www.example.com.",
    ]
    with pytest.raises(BlueGreenError, match=r"^record name 'www.example.net.' is outside the zone example.com; give "):
        qualify_names(["www", "www.example.net."], zone, "staging_records")
    with pytest.raises(BlueGreenError, match=r"give staging_records.names relative to the zone or inside it$"):
        qualify_names(["www.example.net."], zone, "staging_records")
