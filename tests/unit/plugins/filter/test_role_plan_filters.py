# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deploy, clean and preflight filters take variables as AWX surveys and -e give them, and refuse what is not a
state_info result."""

from __future__ import annotations

import inspect
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.teal.bluegreen.plugins.filter.clean_plan import clean_plan
from ansible_collections.teal.bluegreen.plugins.filter.deploy_plan import deploy_plan
from ansible_collections.teal.bluegreen.plugins.filter.deploy_plan import deploy_variable_problems
from ansible_collections.teal.bluegreen.plugins.filter.preflight import preflight_problems
from ansible_collections.teal.bluegreen.plugins.filter.preflight import preflight_refusals
from ansible_collections.teal.bluegreen.plugins.module_utils import deploy_plan as deploy_planner

ROOT = Path(__file__).resolve().parents[4]

STATE = {
    "live_color": "blue",
    "idle_color": "green",
    "consistent": True,
    "reasons": [],
    "lock": None,
    "colors": {
        "blue": {"auto_scaling_group": "demo-blue", "target_group_arn": "tg-blue", "targets_healthy": 2},
        "green": {"auto_scaling_group": "demo-green", "target_group_arn": "tg-green", "targets_healthy": 1},
    },
    "layers": {"ssm": {"history": [{"value": "blue", "last_modified": "2026-12-07T03:00:00+00:00"}]}},
    "deployment": None,
    "parameters": {"lock": "/bluegreen/demo/lock", "deployment": "/bluegreen/demo/deployment"},
}


def test_numbers_and_switches_as_text():
    assert deploy_plan(STATE, {"app": "demo", "min_healthy_targets": "1"})["idle_healthy"] is True
    assert deploy_plan(STATE, {"app": "demo", "min_healthy_targets": "2"})["idle_healthy"] is False
    assert deploy_plan(STATE, {"app": "demo", "keep_failed": "yes"})["on_failure"] is None
    assert deploy_plan(STATE, {"app": "demo", "codedeploy": "no"})["codedeploy"] is None
    plan = clean_plan(STATE, "demo", bake_seconds="7200", discard_deployment="false", now=datetime(2026, 12, 7, 4))
    assert (plan["group"], plan["bake_left"]) == ("demo-green", 3600)
    settings = {"strategy": "alb", "launch_template_version": "", "image_id": "ami-1", "codedeploy": "no"}
    assert deploy_variable_problems({**settings, "app": "demo", "asg_names": None}) == []
    assert preflight_refusals(STATE, "demo", operation="deploy", owner="ops", force_unlock="no", repair="no") == []


@pytest.mark.parametrize(
    "call, expected",
    [
        (lambda: deploy_plan({"live_color": "blue"}, {"app": "demo"}), "expects the registered result"),
        (lambda: deploy_plan(STATE, {"app": "demo", "min_healthy_targets": "two"}), "'two' is not a whole number"),
        (lambda: deploy_plan(STATE, "demo"), "expects the deploy role's variables as a mapping"),
        (lambda: deploy_plan(STATE, {"strategy": "alb"}), "needs the application, app"),
        (lambda: clean_plan("blue", "demo"), "expects the registered result"),
        (lambda: clean_plan(STATE, "demo", mode="erase"), "'erase' is neither delete nor scale_to_zero"),
        (lambda: clean_plan(STATE, "demo", bake_seconds=-5), "-5 is not a whole number of seconds"),
        (lambda: preflight_refusals(None, "demo"), "expects the registered result"),
    ],
)
def test_what_is_not_a_plan_s_input_is_refused_by_name(call, expected):
    with pytest.raises(AnsibleFilterError, match=expected):
        call()


def test_the_preflight_s_problems_take_the_lookup_s_list_and_the_caller_s():
    found = preflight_problems(
        "alb", variable_problems=["bluegreen_app is not set"], caller_failures=None, load_balancer="", links=None
    )
    assert found[0] == "bluegreen_app is not set; nothing changed"
    assert found[1].startswith("bluegreen_load_balancer is not set")


def test_the_deploy_role_passes_only_variables_its_plan_or_its_checks_take():
    settings = yaml.safe_load((ROOT / "roles/deploy/vars/main.yml").read_text(encoding="utf-8"))[
        "bluegreen_deploy_settings"
    ]
    taken = set(inspect.signature(deploy_planner.plan_deploy).parameters)
    taken |= set(inspect.signature(deploy_planner.variable_problems).parameters)
    assert set(settings) <= taken
    assert all(value == f"{{{{ bluegreen_{name} }}}}" for name, value in settings.items())
