# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The checks of the roles' variables: every whole number of every role's argument spec has bounds, and each bound
holds; unknown names are named with the nearest documented one; bluegreen_app is required."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.teal.bluegreen.plugins.module_utils import variables

ROOT = Path(__file__).resolve().parents[4]


def whole_number_options():
    """(role, entry point, name) of every int option (and list of ints) in the roles' argument specs."""
    found = []
    for spec in sorted(ROOT.glob("roles/*/meta/argument_specs.yml")):
        for entry, body in yaml.safe_load(spec.read_text(encoding="utf-8"))["argument_specs"].items():
            for name, option in (body.get("options") or {}).items():
                if option.get("type") == "int":
                    found.append((spec.parts[-3], entry, name))
    return found


def documented():
    names = set()
    for spec in ROOT.glob("roles/*/meta/argument_specs.yml"):
        for body in yaml.safe_load(spec.read_text(encoding="utf-8"))["argument_specs"].values():
            names |= set(body.get("options") or {})
    return names


OPTIONS = whole_number_options()


def test_the_roles_have_whole_number_options_to_check():
    assert len(OPTIONS) >= 30
    assert {option[2] for option in OPTIONS} == set(variables.BOUNDS), "every int option has bounds, and no other"


@pytest.mark.parametrize(("role", "entry", "name"), OPTIONS, ids=[f"{option[0]}:{option[2]}" for option in OPTIONS])
def test_each_bound_of_each_whole_number_option_holds(role, entry, name):
    low, high = variables.BOUNDS[name]

    assert variables.bound_problems({name: low}) == []
    assert variables.bound_problems({name: str(high)}) == [], "text, as a survey gives it, is read as a number"
    assert variables.bound_problems({name: low - 1}) == [f"{name} {low - 1} is out of range; use {low} to {high}"]
    assert variables.bound_problems({name: high + 1}) == [f"{name} {high + 1} is out of range; use {low} to {high}"]
    assert variables.bound_problems({name: "soon"}) == [f"{name} 'soon' is not a whole number; use {low} to {high}"]
    assert variables.bound_problems({name: None}) == [], "null leaves it to the role's default"


@pytest.mark.parametrize(
    ("name", "low"),
    [
        ("bluegreen_min_healthy_targets", 1),
        ("bluegreen_canary_bake_seconds", 0),
        ("bluegreen_bake_seconds", 0),
        ("bluegreen_health_poll_interval", 1),
        ("bluegreen_desired_capacity", 1),
    ],
)
def test_counts_where_0_is_unsafe_start_at_1_and_seconds_at_0(name, low):
    assert variables.BOUNDS[name][0] == low


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3, 3), ("3", 3), (" -2 ", -2), (3.0, 3), (2.5, None), (True, None), ("3s", None), ([], None)],
)
def test_whole_number(value, expected):
    assert variables.whole_number(value) == expected


@pytest.mark.parametrize(
    ("name", "guess"),
    [
        ("bluegreen_canary_step", "bluegreen_canary_steps"),
        ("bluegreen_canary_bake_second", "bluegreen_canary_bake_seconds"),
        ("bluegreen_target_colour", "bluegreen_target_color"),
        ("bluegreen_release_live_colour", "bluegreen_release_live_color"),
        ("bluegreen_min_healthy_target", "bluegreen_min_healthy_targets"),
        ("bluegreen_zzz", None),
    ],
)
def test_an_unknown_name_is_named_with_the_nearest_documented_one(name, guess):
    names = documented()

    problems = variables.unknown_problems([name, "bluegreen_app", "other"], names, names)

    hint = f": did you mean {guess}?" if guess else "."
    assert problems == [
        f"{name} is not a variable of teal.bluegreen{hint} Variables of your own that start with bluegreen_ go in "
        "bluegreen_extra_variables"
    ]


def test_names_listed_as_extra_variables_are_not_unknown():
    values = {
        "bluegreen_app": "demo",
        "bluegreen_site_owner": "ops",
        "bluegreen_extra_variables": ["bluegreen_site_owner"],
    }

    assert variables.problems(values, {"bluegreen_app", "bluegreen_extra_variables"}, set()) == []


@pytest.mark.parametrize("app", [None, ""])
def test_a_missing_app_is_required_and_said_what_it_is(app):
    values = {"bluegreen_app": app} if app is not None else {}

    assert variables.problems(values, {"bluegreen_app"}, set()) == [
        "bluegreen_app is required (the application's name, as in its bluegreen:app tags)"
    ]


@pytest.mark.parametrize("name", sorted(variables.NOT_EMPTY))
@pytest.mark.parametrize("value", ["", "  "])
def test_empty_text_for_what_the_new_fleet_runs_is_refused_saying_how_to_keep_the_live_one(name, value):
    # -e bluegreen_image_id=$AMI with AMI unset: without the check the deploy rolls out the live image.
    problems = variables.problems({"bluegreen_app": "shop", name: value}, {"bluegreen_app", name}, set())

    assert len(problems) == 1
    assert problems[0].startswith(f"{name} is empty: give ")
    assert "leave it unset (null) to keep the live colour's" in problems[0]


@pytest.mark.parametrize("value", [None, "ami-0123456789abcdef0"])
def test_unset_or_given_the_new_fleet_variables_are_fine(value):
    values = {"bluegreen_app": "shop", "bluegreen_image_id": value}

    assert variables.problems(values, {"bluegreen_app", "bluegreen_image_id"}, set()) == []


def test_the_variables_that_may_not_be_empty_are_the_deploy_roles_text_options():
    deploy = yaml.safe_load((ROOT / "roles/deploy/meta/argument_specs.yml").read_text(encoding="utf-8"))
    options = deploy["argument_specs"]["main"]["options"]

    assert all(options[name]["type"] == "str" for name in variables.NOT_EMPTY)


def test_unknown_names_come_first_then_the_required_then_the_bounds_then_the_empty():
    values = {"bluegreen_canary_bake_seconds": -5, "bluegreen_canary_step": [10, 100], "bluegreen_image_id": ""}
    names = documented()

    problems = variables.problems(values, names, names)

    assert [problem.split()[0] for problem in problems] == [
        "bluegreen_canary_step",
        "bluegreen_app",
        "bluegreen_canary_bake_seconds",
        "bluegreen_image_id",
    ]


def test_every_name_the_roles_mention_is_found():
    assert variables.names_in("{{ bluegreen_app }}-{{ bluegreen_switch_plan.to }} bluegreen_x") == {
        "bluegreen_app",
        "bluegreen_switch_plan",
        "bluegreen_x",
    }
