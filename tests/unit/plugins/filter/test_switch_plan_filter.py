# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.teal.bluegreen.plugins.filter.switch_plan import switch_plan
from ansible_collections.teal.bluegreen.plugins.filter.switch_plan import switch_variable_problems

STATE = {
    "live_color": "blue",
    "reasons": [],
    "layers": {"alb": {"live_color": "blue", "weights": {"blue": 100}}, "ssm": {"live_color": "blue"}},
    "colors": {
        "blue": {"auto_scaling_group": "demo-blue", "desired_capacity": 2},
        "green": {"auto_scaling_group": "demo-green", "desired_capacity": 2},
    },
    "deployment": None,
    "parameters": {"live": "/bluegreen/demo/live"},
}


def test_variables_as_a_survey_or_extra_vars_give_them():
    """Steps as text, repair as text and empty strings for unset variables, as AWX surveys and -e pass them."""
    plan = switch_plan(
        STATE, "demo", target_color="", deployment_id="", repair="false", steps=["10", "100"], verify_url=""
    )

    assert (plan["from"], plan["to"], plan["steps"], plan["checks"], plan["refusals"]) == (
        "blue",
        "green",
        [10, 100],
        [],
        [],
    )


@pytest.mark.parametrize(
    ("state", "operation", "message"),
    [
        ({"app": "demo"}, "switch", "switch_plan expects the registered result of teal.bluegreen.state_info"),
        (STATE, "deploy", "switch_plan: operation 'deploy' is neither switch nor rollback"),
    ],
)
def test_bad_input_is_named(state, operation, message):
    with pytest.raises(AnsibleFilterError, match=message):
        switch_plan(state, "demo", operation=operation)


def test_each_bad_variable_is_named_with_its_value_and_what_to_use():
    problems = switch_variable_problems("route53", "teal", [10, "x", 100])

    assert problems == [
        "bluegreen_target_color 'teal' is neither blue nor green (nor null, for the idle colour)",
        "bluegreen_canary_steps [10, 'x', 100] is not a list of percentages from 1 to 100 in ascending order ending "
        "with 100, for example [10, 50, 100]",
    ]


@pytest.mark.parametrize(
    ("strategy", "steps", "expected"),
    [
        ("alb", ["10", "50", "100"], []),
        ("alb", [100, 100], ["not a list of percentages"]),
        ("alb", [0, 100], ["not a list of percentages"]),
        ("alb", [], ["not a list of percentages"]),
        ("alb", "100", ["not a list of percentages"]),
        ("efs", [50, 100], ["strategy efs points every instance at the new colour at once"]),
        ("codedeploy", [100], []),
        ("magic", [100], ["bluegreen_strategy 'magic' is not one teal.bluegreen.switch knows"]),
    ],
)
def test_steps_and_strategy(strategy, steps, expected):
    problems = switch_variable_problems(strategy, None, steps)

    assert len(problems) == len(expected) and all(part in found for part, found in zip(expected, problems)), problems
