# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The preflight's decisions, branch by branch: the traffic layer described, and whether a run may start."""

from __future__ import annotations

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils.preflight import start_refusals
from ansible_collections.teal.bluegreen.plugins.module_utils.preflight import traffic_layer_problem
from ansible_collections.teal.bluegreen.plugins.module_utils.preflight import variable_refusals

BALANCERS = {"blue": "shop-blue", "green": "shop-green"}
RECORDS = {"zone": "example.com", "names": ["shop.example.com"]}
LINKS = {"web1": "/mnt/efs/shop/blue", "web2": "/mnt/efs/shop/blue"}


@pytest.mark.parametrize(
    "strategy, given, expected",
    [
        pytest.param("alb", {"load_balancer": "shop"}, None, id="alb"),
        pytest.param("alb", {"load_balancer": ""}, "bluegreen_load_balancer is not set; strategy alb", id="alb-empty"),
        pytest.param("alb", {}, "bluegreen_load_balancer is not set", id="alb-unset"),
        pytest.param("route53", {"load_balancers": BALANCERS, "live_records": RECORDS}, None, id="route53"),
        pytest.param(
            "route53",
            {"load_balancers": {"blue": "shop-blue"}, "live_records": RECORDS},
            "strategy route53 needs bluegreen_load_balancers (the load balancer of each colour, {blue: <name|arn>, "
            "green: <name|arn>}) and bluegreen_live_records ({zone, names}); bluegreen_load_balancers is "
            '{"blue": "shop-blue"}, bluegreen_live_records is {"zone": "example.com", "names": ["shop.example.com"]}',
            id="route53-one-colour",
        ),
        pytest.param(
            "route53",
            {"load_balancers": BALANCERS, "live_records": {"zone": "example.com", "names": []}},
            "strategy route53 needs",
            id="route53-no-names",
        ),
        pytest.param(
            "route53",
            {"load_balancers": "shop-blue", "live_records": RECORDS},
            'bluegreen_load_balancers is "shop-blue"',
            id="route53-not-a-dict",
        ),
        pytest.param(
            "route53", {}, "bluegreen_load_balancers is null, bluegreen_live_records is null", id="route53-unset"
        ),
        pytest.param("efs", {"efs_root": "/mnt/efs", "links": LINKS}, None, id="efs"),
        pytest.param(
            "efs",
            {"efs_root": None, "links": LINKS},
            "strategy efs needs bluegreen_efs_root (where the instances mount EFS) and the instances themselves as the "
            'hosts of the play (bluegreen_hosts); bluegreen_efs_root is null, the web roots were read on ["web1", "web2"]',
            id="efs-no-root",
        ),
        pytest.param("efs", {"efs_root": "/mnt/efs", "links": {}}, "the web roots were read on []", id="efs-no-hosts"),
        pytest.param("codedeploy", {}, None, id="codedeploy-has-a-default"),
    ],
)
def test_each_strategy_needs_its_traffic_layer_described(strategy, given, expected):
    problem = traffic_layer_problem(strategy, **given)
    if expected is None:
        assert problem is None
    else:
        assert problem.startswith(expected) or expected in problem


def test_the_reasons_not_to_read_come_most_fundamental_first_each_saying_nothing_changed():
    found = variable_refusals(
        "efs",
        variable_problems=["bluegreen_app is not set", "bluegreen_poll_interval 0 is below 1"],
        caller_failures=["bluegreen_canary_steps [50] ...; nothing changed"],
        efs_root=None,
        links={"web1": None},
        missing_hosts=["web2"],
    )
    assert found[0] == "bluegreen_app is not set; bluegreen_poll_interval 0 is below 1; nothing changed"
    assert found[1] == "bluegreen_canary_steps [50] ...; nothing changed"
    assert found[2].startswith("strategy efs needs bluegreen_efs_root") and found[2].endswith("; nothing changed")
    assert found[3].startswith("web2 did not answer (unreachable or failed before the preflight); strategy efs")
    assert len(found) == 4


@pytest.mark.parametrize(
    "strategy, missing, expected",
    [("efs", ["web2", "web3"], 1), ("efs", [], 0), ("alb", ["web2"], 0)],
)
def test_only_strategy_efs_needs_every_instance_of_the_play(strategy, missing, expected):
    found = variable_refusals(strategy, load_balancer="shop", efs_root="/mnt/efs", links=LINKS, missing_hosts=missing)
    assert len(found) == expected
    if expected:
        assert found[0].startswith("web2, web3 did not answer")


def lock(owner="ops@awx", operation="switch", valid=True):
    return {"valid": valid, "owner": owner, "operation": operation, "started": "2026-12-07T03:00:00+00:00"}


def state(held=None, consistent=True, reasons=()):
    return {
        "lock": held,
        "consistent": consistent,
        "reasons": list(reasons),
        "parameters": {"lock": "/bluegreen/shop/lock"},
    }


@pytest.mark.parametrize(
    "held, operation, options, expected",
    [
        pytest.param(None, "deploy", {}, None, id="no-lock"),
        pytest.param(lock(operation="deploy"), "deploy", {}, None, id="re-enters-its-own-lock"),
        pytest.param(
            lock(owner="someone@laptop", operation="deploy"),
            "deploy",
            {},
            "shop is locked by someone@laptop (deploy since 2026-12-07T03:00:00+00:00) in /bluegreen/shop/lock, so the "
            "deploy does not start; nothing changed. A run re-enters a lock only as the same owner "
            "(bluegreen_lock_owner=someone@laptop) for the same operation (deploy); this one is ops@awx for a deploy. "
            "Wait for that run to finish or, if it is dead, re-run with bluegreen_force_unlock=true",
            id="another-owner",
        ),
        pytest.param(lock(operation="switch"), "deploy", {}, "shop is locked by ops@awx (switch since", id="other-op"),
        pytest.param(lock(owner="x"), "deploy", {"force_unlock": True}, None, id="forced"),
        pytest.param(
            lock(valid=False),
            "clean",
            {},
            "shop is locked by something that is not a lock document in /bluegreen/shop/lock, so the clean does not "
            "start; nothing changed. Wait for that run to finish",
            id="not-a-lock-document",
        ),
    ],
)
def test_a_run_starts_only_with_the_lock_free_its_own_or_forced(held, operation, options, expected):
    found = start_refusals(state(held), "shop", operation=operation, owner="ops@awx", **options)
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and found[0].startswith(expected)


INCONSISTENT = {"consistent": False, "reasons": ["the listener forwards to green", "/bluegreen/shop/live says blue"]}


@pytest.mark.parametrize(
    "held, operation, options, refused",
    [
        pytest.param(None, "switch", {}, True, id="switch"),
        pytest.param(None, "switch", {"repair": True}, False, id="repair"),
        pytest.param(lock(operation="switch"), "switch", {}, False, id="a-switch-resumes-its-own-run"),
        pytest.param(lock(operation="switch"), "rollback", {}, True, id="a-rollback-is-another-operation"),
        pytest.param(lock(owner="x", operation="switch"), "rollback", {"force_unlock": True}, False, id="takes-over"),
        pytest.param(lock(operation="deploy"), "deploy", {}, True, id="a-deploy-never-resumes-through-it"),
        pytest.param(lock(operation="switch", valid=False), "switch", {"force_unlock": True}, True, id="not-a-lock"),
    ],
)
def test_layers_that_disagree_stop_a_run_unless_it_repairs_or_resumes_a_switch(held, operation, options, refused):
    found = start_refusals(dict(state(held), **INCONSISTENT), "shop", operation=operation, owner="ops@awx", **options)
    consistency = [message for message in found if "is not in a consistent state" in message]
    assert bool(consistency) is refused
    if refused:
        remedy = "re-run" if operation in ("switch", "rollback") else "run the teal.bluegreen.switch playbook"
        assert consistency[0] == (
            f"shop is not in a consistent state, so the {operation} does not start; nothing changed: the listener "
            "forwards to green; /bluegreen/shop/live says blue. Look at it with the teal.bluegreen.status playbook and "
            f"fix the cause, or {remedy} with bluegreen_repair=true to move every layer to one colour"
        )


def test_the_lock_is_named_before_the_disagreement():
    found = start_refusals(dict(state(lock(owner="x")), **INCONSISTENT), "shop", operation="switch", owner="ops@awx")
    assert [message.split(" ", 3)[2] for message in found] == ["locked", "not"]
