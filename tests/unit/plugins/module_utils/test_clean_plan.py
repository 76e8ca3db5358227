# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The clean role's plan, branch by branch, on state_info results built by hand."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils.clean_plan import bake_left
from ansible_collections.teal.bluegreen.plugins.module_utils.clean_plan import changed_under_lock
from ansible_collections.teal.bluegreen.plugins.module_utils.clean_plan import plan_clean
from ansible_collections.teal.bluegreen.plugins.module_utils.clean_plan import report
from ansible_collections.teal.bluegreen.plugins.module_utils.clean_plan import variable_problems

NOW = datetime(2026, 12, 7, 4, 0, 0)
SWITCHED = "2026-12-07T03:50:00+00:00"


def fleet(group="shop-green", capacity=2, in_service=2):
    return {"auto_scaling_group": group, "desired_capacity": capacity, "instances_in_service": in_service}


def state(live="blue", old=None, deployment=None, switched=SWITCHED, reasons=(), consistent=True):
    idle = {"blue": "green", "green": "blue"}.get(live)
    return {
        "live_color": live,
        "idle_color": idle,
        "consistent": consistent,
        "reasons": list(reasons),
        "colors": {
            live or "blue": fleet("shop-" + (live or "blue")),
            idle or "green": old if old is not None else fleet(),
        },
        "layers": {"ssm": {"history": [{"value": live, "last_modified": switched}] if switched else []}},
        "deployment": deployment,
        "parameters": {"deployment": "/bluegreen/shop/deployment"},
    }


def test_the_bake_left_is_said_in_the_colours_words():
    plan = plan_clean(state(), "shop", bake_seconds=900, now=NOW)
    assert (plan["bake_left"], plan["bake_wait"]) == (300, "blue bake for 300 more seconds before green goes")


@pytest.mark.parametrize(
    "strategy, expected",
    [
        ("alb", []),
        ("route53", []),
        ("efs", []),
        ("codedeploy", []),
        (
            "ecs",
            [
                "bluegreen_strategy 'ecs' is not one teal.bluegreen.clean knows: 'alb', 'route53', 'efs' or "
                "'codedeploy'; nothing changed"
            ],
        ),
    ],
)
def test_the_clean_knows_four_strategies(strategy, expected):
    assert variable_problems(strategy) == expected


def test_a_clean_removes_the_idle_colour_s_group_once_the_bake_is_over():
    plan = plan_clean(state(), "shop", bake_seconds=600, now=NOW)
    assert plan == {
        "live": "blue",
        "old": "green",
        "group": "shop-green",
        "done": False,
        "nothing_to_do": "",
        "bake_left": 0,
        "bake_wait": "blue bake for 0 more seconds before green goes",
        "refusals": [],
    }


@pytest.mark.parametrize(
    "bake, since, now, expected",
    [
        pytest.param(0, SWITCHED, NOW, 0, id="no-bake"),
        pytest.param(900, SWITCHED, NOW, 300, id="ten-of-fifteen-minutes-baked"),
        pytest.param(600, SWITCHED, NOW, 0, id="baked-exactly"),
        pytest.param(601, SWITCHED, NOW + timedelta(microseconds=500000), 1, id="part-of-a-second-left-rounds-up"),
        pytest.param(600, None, NOW, 600, id="no-change-to-count-from-waits-the-whole-bake"),
        pytest.param(600, "not a time", NOW, 600, id="an-unreadable-time-waits-the-whole-bake"),
        pytest.param(
            900, "2026-12-07T04:50:00+01:00", NOW.replace(tzinfo=timezone.utc), 300, id="another-zone-counts-right"
        ),
        pytest.param(900, "2026-12-07T03:50:00", NOW, 300, id="a-time-without-zone-is-utc"),
    ],
)
def test_the_bake_counts_from_the_live_parameter_s_last_change(bake, since, now, expected):
    assert bake_left(bake, since, now) == expected


@pytest.mark.parametrize(
    "old, mode, expected",
    [
        pytest.param(fleet(None), "delete", True, id="no-group"),
        pytest.param(fleet(), "delete", False, id="a-group"),
        pytest.param(fleet(capacity=0, in_service=0), "delete", False, id="a-group-at-zero-is-deleted"),
        pytest.param(fleet(capacity=0, in_service=0), "scale_to_zero", True, id="already-at-zero"),
        pytest.param(fleet(capacity=0, in_service=1), "scale_to_zero", False, id="an-instance-still-in-service"),
        pytest.param(fleet(capacity=2, in_service=0), "scale_to_zero", False, id="still-asked-for-capacity"),
    ],
)
def test_a_clean_has_nothing_to_do_without_a_group_or_with_one_already_at_zero(old, mode, expected):
    plan = plan_clean(state(old=old), "shop", mode=mode, now=NOW)
    assert plan["done"] is expected
    assert bool(plan["nothing_to_do"]) is expected


@pytest.mark.parametrize(
    "old, mode, expected",
    [
        (fleet(None), "delete", "the old colour green of shop has no Auto Scaling group; nothing to do"),
        (
            fleet(capacity=0, in_service=0),
            "scale_to_zero",
            "the old colour green of shop has Auto Scaling group shop-green at zero instances; nothing to do",
        ),
    ],
)
def test_a_clean_with_nothing_to_do_says_what_the_old_colour_has(old, mode, expected):
    assert plan_clean(state(old=old), "shop", mode=mode, now=NOW)["nothing_to_do"] == expected


def test_strategy_efs_keeps_the_old_colour_s_directory_as_the_rollback_target():
    plan = plan_clean(state(), "shop", strategy="efs", bake_seconds=600, now=NOW, efs_root="/mnt/efs/")
    assert plan["done"] is True and plan["refusals"] == [] and plan["bake_left"] == 0
    assert plan["nothing_to_do"] == (
        "shop is live on blue on every instance; strategy efs has no fleet of its own per colour, and "
        "/mnt/efs/shop/green stays as the rollback target until the next deploy replaces it; nothing to do"
    )


def test_strategy_efs_without_a_live_colour_is_refused():
    plan = plan_clean(state(live=None, reasons=["the instances disagree"]), "shop", strategy="efs", now=NOW)
    assert plan["done"] is False
    assert plan["refusals"] == [
        "cannot tell which colour of shop is live (the instances disagree), so nothing is removed; nothing changed"
    ]


def pending(color="green", **more):
    return {"valid": True, "pending": True, "color": color, "id": "20261207T0340Z", **more}


@pytest.mark.parametrize(
    "given, options, expected",
    [
        pytest.param(
            {"live": None, "reasons": ["the listener forwards to both colours"]},
            {},
            "cannot tell which colour of shop is live (the listener forwards to both colours), so nothing is removed; "
            "nothing changed",
            id="no-live-colour",
        ),
        pytest.param(
            {"deployment": pending(artifact_version="43")},
            {},
            "green holds deployment 20261207T0340Z (artifact 43), which has not taken production traffic yet, so it "
            "is not the old colour; nothing changed. Switch to it with the teal.bluegreen.switch playbook, or throw "
            "it away with bluegreen_discard_deployment=true",
            id="a-deployment-not-switched-to",
        ),
        pytest.param({"deployment": pending()}, {"discard_deployment": True}, None, id="thrown-away-when-told"),
        pytest.param({"deployment": pending(color="blue")}, {}, None, id="pending-on-the-live-colour"),
        pytest.param({"deployment": dict(pending(), pending=False)}, {}, None, id="switched-to"),
        pytest.param({"deployment": pending(), "old": fleet(None)}, {}, None, id="nothing-to-remove-anyway"),
        pytest.param(
            {"deployment": {"source": "shop-green", "auto_scaling_group": "CodeDeploy_shop_d-1"}},
            {"strategy": "codedeploy"},
            None,
            id="codedeploy-originals",
        ),
        pytest.param(
            {"deployment": {"source": "shop-blue", "auto_scaling_group": "shop-green"}},
            {"strategy": "codedeploy"},
            None,
            id="codedeploy-copy",
        ),
        pytest.param(
            {"deployment": {"source": "shop-x", "auto_scaling_group": "shop-y", "codedeploy_deployment_id": "d-1"}},
            {"strategy": "codedeploy"},
            "the old colour green of shop has Auto Scaling group shop-green, which CodeDeploy deployment d-1 (recorded "
            "in /bluegreen/shop/deployment) neither copied nor made, so CodeDeploy cannot end it; nothing changed. "
            "Remove it yourself, or untag it",
            id="codedeploy-a-group-it-did-not-make",
        ),
        pytest.param(
            {"deployment": None}, {"strategy": "codedeploy"}, "the old colour green", id="codedeploy-no-record"
        ),
        pytest.param(
            {"deployment": {"source": "shop-x", "auto_scaling_group": "shop-y"}},
            {"strategy": "alb"},
            None,
            id="alb-needs-no-record",
        ),
    ],
)
def test_a_clean_is_refused_for_the_first_reason_it_cannot_start(given, options, expected):
    refusals = plan_clean(state(**given), "shop", now=NOW, **options)["refusals"]
    if expected is None:
        assert refusals == []
    else:
        assert refusals[0].startswith(expected)


@pytest.mark.parametrize(
    "again, expected",
    [
        pytest.param(state(), None, id="unchanged"),
        pytest.param(
            state(live="green"),
            "shop changed during the bake: green is live now; green is not removed",
            id="rolled-back",
        ),
        pytest.param(
            state(reasons=["the listener forwards to green"], consistent=False),
            "shop changed during the bake: the listener forwards to green; green is not removed, nothing changed",
            id="layers-disagree",
        ),
        pytest.param(state(live=None), "shop changed during the bake: None is live now", id="no-live-colour"),
    ],
)
def test_a_clean_stops_when_the_state_read_under_the_lock_differs_from_its_plan(again, expected):
    plan = plan_clean(state(), "shop", now=NOW)
    refusals = changed_under_lock(again, plan, "shop")
    if expected is None:
        assert refusals == []
    else:
        assert len(refusals) == 1 and refusals[0].startswith(expected)


@pytest.mark.parametrize(
    "strategy, mode, versions, expected",
    [
        (
            "alb",
            "delete",
            ["3", "4"],
            "shop: shop-blue (blue) deleted, with launch template versions 3, 4; green takes",
        ),
        ("route53", "delete", [], "shop: shop-blue (blue) deleted; green takes"),
        ("alb", "scale_to_zero", [], "shop: shop-blue (blue) scaled to zero; green takes"),
        ("codedeploy", "delete", [], "shop: shop-blue (blue) removed by CodeDeploy; green takes"),
    ],
    ids=["deleted with versions", "deleted", "scaled to zero", "codedeploy"],
)
def test_the_report_of_a_clean_says_how_the_old_fleet_went(strategy, mode, versions, expected):
    plan = {"group": "shop-blue", "old": "blue", "live": "green"}
    assert report(plan, "shop", strategy, mode, versions) == expected + " all production traffic"
