# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The switch role's plan, branch by branch, on state_info results built by hand."""

from __future__ import annotations

import json

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils.switch_plan import check_failures
from ansible_collections.teal.bluegreen.plugins.module_utils.switch_plan import efs_failures
from ansible_collections.teal.bluegreen.plugins.module_utils.switch_plan import expected_live
from ansible_collections.teal.bluegreen.plugins.module_utils.switch_plan import failure_message
from ansible_collections.teal.bluegreen.plugins.module_utils.switch_plan import gate_failures
from ansible_collections.teal.bluegreen.plugins.module_utils.switch_plan import http_checks
from ansible_collections.teal.bluegreen.plugins.module_utils.switch_plan import plan_switch
from ansible_collections.teal.bluegreen.plugins.module_utils.switch_plan import records
from ansible_collections.teal.bluegreen.plugins.module_utils.switch_plan import records_because
from ansible_collections.teal.bluegreen.plugins.module_utils.switch_plan import redeploy_records
from ansible_collections.teal.bluegreen.plugins.module_utils.switch_plan import report
from ansible_collections.teal.bluegreen.plugins.module_utils.switch_plan import revision_location
from ansible_collections.teal.bluegreen.plugins.module_utils.switch_plan import step_weights
from ansible_collections.teal.bluegreen.plugins.module_utils.switch_plan import swap_target_groups

LIVE = "/bluegreen/demo/live"
DEPLOYMENT = "/bluegreen/demo/deployment"


def fleet(name, capacity=2, target_group=True):
    return {
        "auto_scaling_group": name,
        "desired_capacity": capacity,
        "instances_in_service": capacity,
        "target_group_arn": (
            f"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/{name}/1" if target_group else None
        ),
    }


def state(
    live="blue",
    ssm_live="blue",
    weights=None,
    deployment=None,
    history=None,
    colors=None,
    layer="alb",
    reasons=(),
):
    """A state_info result: ``live`` is what the traffic layer says, ``ssm_live`` what the live parameter says."""
    ssm = {"live_color": ssm_live, "name": LIVE}
    if history is not None:
        ssm["history"] = history
        older = [entry["value"] for entry in history[1:] if entry["value"] != ssm_live]
        ssm["previous_color"] = older[0] if older else None
    return {
        "live_color": live,
        "consistent": not reasons,
        "reasons": list(reasons),
        "layers": {layer: {"live_color": live, "weights": weights or {live: 100} if live else weights}, "ssm": ssm},
        "colors": colors or {"blue": fleet("demo-blue"), "green": fleet("demo-green")},
        "deployment": deployment,
        "parameters": {"live": LIVE, "deployment": DEPLOYMENT, "lock": "/bluegreen/demo/lock"},
    }


def deployed(color, **more):
    return {"valid": True, "color": color, **more}


def entry(value, description="", last_modified=None):
    return {"value": value, "description": description, "last_modified": last_modified}


def locked(operation, since="2026-12-06T21:00:00+00:00"):
    return {
        "owner": "awx-job-7",
        "operation": operation,
        "started": "2026-12-06T21:00:00Z",
        "valid": True,
        "since": since,
    }


@pytest.mark.parametrize(
    ("case", "arguments", "expected_to"),
    [
        ("a switch without a record goes to the idle colour", dict(state=state()), "green"),
        ("a switch goes to the colour last deployed to", dict(state=state(deployment=deployed("green"))), "green"),
        (
            "after the switch to the deployed colour, a switch finds it done, not toggling back",
            dict(state=state(live="green", ssm_live="green", deployment=deployed("green"))),
            "green",
        ),
        ("a given target colour wins", dict(state=state(deployment=deployed("green")), target_color="blue"), "blue"),
        (
            "a rollback goes to the colour live before",
            dict(
                state=state(live="green", ssm_live="green", history=[entry("green"), entry("blue")]),
                operation="rollback",
            ),
            "blue",
        ),
        (
            "a rollback right after a rollback stays on the colour it restored",
            dict(
                state=state(live="blue", ssm_live="blue", history=[entry("blue", "rollback 8: blue"), entry("green")]),
                operation="rollback",
            ),
            "blue",
        ),
        (
            "a switch after a rollback goes forward to the deployed colour again",
            dict(
                state=state(
                    live="blue",
                    ssm_live="blue",
                    history=[entry("blue", "rollback 8: blue"), entry("green")],
                    deployment=deployed("green"),
                ),
            ),
            "green",
        ),
        (
            "a rollback without a history goes to the other colour",
            dict(state=state(live="green", ssm_live="green"), operation="rollback"),
            "blue",
        ),
        (
            "a re-run with the same deployment id goes where the first run went",
            dict(
                state=state(
                    live="green", ssm_live="green", history=[entry("green", "switch 42: green"), entry("blue")]
                ),
                deployment_id="42",
            ),
            "green",
        ),
        (
            "another deployment id does not count as the same run",
            dict(
                state=state(
                    live="green", ssm_live="green", history=[entry("green", "switch 421: green"), entry("blue")]
                ),
                deployment_id="42",
            ),
            "blue",
        ),
        (
            "a repair keeps production on the colour that takes all of it, whatever the record says",
            dict(state=state(live="green", ssm_live="blue", deployment=deployed("blue"), reasons=["x"]), repair=True),
            "green",
        ),
        (
            "a repair of an interrupted canary, with no colour taking all of it, resumes towards the deployed colour",
            dict(
                state=state(
                    live=None, ssm_live="blue", weights={"blue": 90, "green": 10}, deployment=deployed("green")
                ),
                repair=True,
            ),
            "green",
        ),
        ("a repair with a target colour goes there", dict(state=state(), repair=True, target_color="green"), "green"),
        (
            "a rollback that died holding its lock after recording blue is finished, not rolled back again",
            dict(
                state=dict(
                    state(
                        live="blue",
                        ssm_live="blue",
                        history=[entry("blue", "rollback 7: blue", "2026-12-06T21:00:05+00:00"), entry("green")],
                    ),
                    lock=locked("rollback"),
                ),
                operation="rollback",
            ),
            "blue",
        ),
        (
            "a rollback whose dead run had not recorded anything yet goes to the colour live before",
            dict(
                state=dict(
                    state(
                        live="green",
                        ssm_live="green",
                        history=[entry("green", "switch 6: green", "2026-12-06T20:50:00+00:00"), entry("blue")],
                    ),
                    lock=locked("rollback"),
                ),
                operation="rollback",
            ),
            "blue",
        ),
        (
            "a rollback after a switch that died holding its lock before it recorded goes back to the recorded colour",
            dict(
                state=dict(
                    state(
                        live="green",
                        ssm_live="blue",
                        history=[entry("blue", "rollback 5: blue", "2026-12-06T20:50:00+00:00"), entry("green")],
                    ),
                    lock=locked("switch"),
                ),
                operation="rollback",
            ),
            "blue",
        ),
        (
            "a rollback after a switch that died holding its lock undoes the switch",
            dict(
                state=dict(
                    state(
                        live="green",
                        ssm_live="green",
                        history=[entry("green", "switch 6: green", "2026-12-06T21:00:05+00:00"), entry("blue")],
                    ),
                    lock=locked("switch"),
                ),
                operation="rollback",
            ),
            "blue",
        ),
    ],
)
def test_where_the_traffic_goes(case, arguments, expected_to):
    arguments.setdefault("app", "demo")
    plan = plan_switch(**arguments)

    assert plan["to"] == expected_to, case


def test_the_idle_colour_of_a_repair_is_not_where_an_unrecorded_switch_would_have_gone():
    """What a repair hint leads to: production stays on the colour that takes it (the colour a plain switch would
    leave), and the plan is done once the parameter agrees."""
    repaired = plan_switch(
        state(live="green", ssm_live="green", reasons=["asg: attached by hand"]), "demo", repair=True
    )

    assert (repaired["from"], repaired["to"], repaired["done"], repaired["refusals"]) == ("green", "green", True, [])


def test_a_rollback_run_again_after_its_run_died_having_recorded_the_colour_has_nothing_left_to_do():
    history = [entry("blue", "rollback 7: blue", "2026-12-06T21:00:05+00:00"), entry("green")]
    plan = plan_switch(
        dict(state(live="blue", ssm_live="blue", history=history), lock=locked("rollback")),
        "demo",
        operation="rollback",
    )
    assert (plan["from"], plan["to"], plan["done"], plan["refusals"]) == ("blue", "blue", True, [])


def test_steps_already_passed_are_skipped_the_current_one_baked_again_and_alb_always_runs_its_last():
    resumed = plan_switch(
        state(live=None, ssm_live="blue", weights={"blue": 50, "green": 50}, deployment=deployed("green")),
        "demo",
        steps=[10, 50, 100],
    )
    moved = plan_switch(state(live="green", ssm_live="blue", deployment=deployed("green")), "demo", steps=[10, 100])
    moved_dns = plan_switch(
        state(live="green", ssm_live="blue", deployment=deployed("green"), layer="route53"),
        "demo",
        strategy="route53",
        steps=[10, 100],
    )

    assert (resumed["from"], resumed["start"], resumed["steps"], resumed["done"]) == ("blue", 50, [50, 100], False)
    assert resumed["expected"] == ["blue", "blue"]
    assert (moved["start"], moved["steps"], moved["done"]) == (100, [100], False)
    assert (moved_dns["start"], moved_dns["steps"], moved_dns["done"]) == (100, [100], False)
    between = plan_switch(
        state(live=None, ssm_live="blue", weights={"blue": 70, "green": 30}, deployment=deployed("green")),
        "demo",
        steps=[10, 50, 100],
    )
    assert between["steps"] == [50, 100]


def test_done_needs_the_traffic_and_the_parameter_on_the_target():
    done = plan_switch(state(live="green", ssm_live="green"), "demo", target_color="green")

    assert done["done"] and done["refusals"] == []


def test_a_repair_is_not_done_while_the_test_listener_forwards_to_the_live_colour():
    """The hint of that inconsistency (the switch with bluegreen_repair=true) runs alb_swap's last step, which points
    the test listener at the idle colour and moves nothing else; once it does, the repair has nothing left to do."""
    drifted = state(live="blue", ssm_live="blue", reasons=["alb: the test listener on port 8080 forwards"])
    drifted["layers"]["alb"]["test_listener"] = {"port": 8080, "weights": {"blue": 100}}
    in_place = state(live="blue", ssm_live="blue")
    in_place["layers"]["alb"]["test_listener"] = {"port": 8080, "weights": {"green": 100}}

    repair = plan_switch(drifted, "demo", repair=True)
    repaired = plan_switch(in_place, "demo", repair=True)

    assert (repair["from"], repair["to"], repair["steps"], repair["done"], repair["refusals"]) == (
        "blue",
        "blue",
        [100],
        False,
        [],
    )
    assert (repaired["to"], repaired["done"]) == ("blue", True)


@pytest.mark.parametrize(
    ("case", "arguments", "message"),
    [
        (
            "the live colour cannot be told",
            dict(state=state(live=None, ssm_live=None, weights={"blue": 50, "green": 50}, reasons=["alb: split"])),
            "cannot tell which colour of demo is live (alb: split); nothing changed. Set bluegreen_target_color",
        ),
        (
            "nothing to roll back to",
            dict(state=state(history=[entry("blue"), entry("blue")]), operation="rollback"),
            f"{LIVE} has never named a colour other than blue, so there is nothing to roll back to; nothing changed",
        ),
        (
            "the target colour's Auto Scaling group is gone",
            dict(state=state(colors={"blue": fleet("demo-blue"), "green": fleet(None, 0)}), target_color="green"),
            "green has no Auto Scaling group of demo (none is tagged bluegreen:app=demo, bluegreen:color=green), so no "
            "fleet would take the traffic; nothing changed. Deploy to green with the teal.bluegreen.deploy playbook",
        ),
        (
            "the target colour's Auto Scaling group is being deleted",
            dict(
                state=state(colors={"blue": fleet("demo-blue"), "green": dict(fleet("demo-green", 0), deleting=True)}),
                target_color="green",
            ),
            "green's Auto Scaling group demo-green is being deleted (its instances drain and terminate), so no fleet "
            "would take the traffic; nothing changed. Once it is gone, deploy to green with the teal.bluegreen.deploy "
            "playbook",
        ),
        (
            "the target colour's Auto Scaling group has no capacity",
            dict(
                state=state(colors={"blue": fleet("demo-blue"), "green": fleet("demo-green", 0)}),
                strategy="route53",
            ),
            "green's Auto Scaling group demo-green has a desired capacity of 0, so no fleet would take the traffic",
        ),
        (
            "codedeploy without a recorded deployment",
            dict(state=state(layer="codedeploy"), strategy="codedeploy"),
            f"{DEPLOYMENT} records no CodeDeploy deployment, so CodeDeploy has nothing to move the traffic with",
        ),
        (
            "codedeploy back to originals that are gone, without the revision they ran",
            dict(
                state=state(
                    live="green",
                    ssm_live="green",
                    layer="codedeploy",
                    deployment=deployed("green", codedeploy_deployment_id="d-1"),
                    colors={"blue": fleet(None, 0), "green": fleet("demo-green-copy")},
                ),
                strategy="codedeploy",
                operation="rollback",
            ),
            "the original instances of CodeDeploy deployment d-1 (blue) are gone",
        ),
    ],
)
def test_refusals(case, arguments, message):
    arguments.setdefault("app", "demo")
    plan = plan_switch(**arguments)

    assert len(plan["refusals"]) == 1, case
    assert plan["refusals"][0].startswith(message), plan["refusals"][0]


def test_a_target_without_a_fleet_is_no_refusal_when_there_is_nothing_to_do_or_for_efs():
    gone = {"blue": fleet("demo-blue"), "green": fleet(None, 0)}

    done = plan_switch(state(live="green", ssm_live="green", colors=gone), "demo", target_color="green")
    efs = plan_switch(state(colors=gone, layer="efs"), "demo", strategy="efs", target_color="green")

    assert done["refusals"] == [] and efs["refusals"] == []


@pytest.mark.parametrize(
    ("record", "colors", "to", "expected"),
    [
        (deployed("green", codedeploy_deployment_id="d-1"), None, "green", (True, "demo-green", False)),
        (deployed("green", codedeploy_deployment_id="d-1"), None, "blue", (False, "demo-blue", False)),
        (
            deployed("green", codedeploy_deployment_id="d-1", codedeploy_previous_revision="s3://artifacts/shop/2.zip"),
            {"blue": fleet(None, 0), "green": fleet("demo-green")},
            "blue",
            (False, None, True),
        ),
    ],
)
def test_which_way_codedeploy_moves(record, colors, to, expected):
    plan = plan_switch(
        state(layer="codedeploy", deployment=record, colors=colors), "demo", strategy="codedeploy", target_color=to
    )

    move = plan["codedeploy"]
    assert (move["forward"], move["originals"], move["redeploy"]) == expected
    assert move["deployment_id"] == "d-1" and plan["refusals"] == []


def test_the_checks_are_the_verify_url_first_then_the_others():
    other = {"url": "http://example.test/other", "status": 204, "body": None}

    assert http_checks("http://example.test/", 200, "ok", [other]) == [
        {"url": "http://example.test/", "status": 200, "body": "ok"},
        other,
    ]
    assert http_checks(None, 200, None, []) == []


@pytest.mark.parametrize(
    "start, steps, expected",
    [
        (0, [100], ["blue"]),
        (0, [10, 50, 100], ["blue", "blue", "blue"]),
        (0, [10, 60, 100], ["blue", "blue", "green"]),
        (0, [51, 100], ["blue", "green"]),
        # Exactly half is not yet the target's: the colour that held the traffic is still expected.
        (50, [100], ["blue"]),
        (60, [100], ["green"]),
        (100, [100], ["green"]),
    ],
    ids=[
        "one step",
        "canary under half",
        "canary past half",
        "just past half",
        "resumed at half",
        "resumed past half",
        "moved already",
    ],
)
def test_each_step_expects_the_colour_that_holds_more_than_half_before_it(start, steps, expected):
    assert expected_live("blue", "green", start, steps) == expected


def test_the_plan_carries_the_expected_colours_of_its_remaining_steps():
    resumed = plan_switch(
        state(live=None, ssm_live="blue", weights={"blue": 40, "green": 60}, deployment=deployed("green")),
        "demo",
        steps=[10, 50, 80, 100],
    )

    assert (resumed["steps"], resumed["expected"]) == ([80, 100], ["green", "green"])


PLAN = {"from": "blue", "to": "green", "steps": [10, 50, 100]}


@pytest.mark.parametrize(
    "phase, task, moved_back, expected",
    [
        (
            "step 2 of 3 (50%)",
            "Verify the application at this step",
            True,
            "switch of demo to green failed at step 2 of 3 (50%), in 'Verify the application at this step': "
            "too few healthy; no answer. Production traffic is back on blue (100%) and /bluegreen/demo/live says blue",
        ),
        (
            "step 1 of 3 (10%)",
            "",
            False,
            "switch of demo to green failed at step 1 of 3 (10%), in '?': too few healthy; no answer. "
            "Production traffic is still on blue (100%) and /bluegreen/demo/live says blue",
        ),
    ],
    ids=["moved back", "not moved yet"],
)
def test_a_failure_says_where_and_what_and_where_the_traffic_is(phase, task, moved_back, expected):
    failures = ["too few healthy", "no answer"]
    assert failure_message(PLAN, "demo", "switch", phase, task, failures, moved_back, LIVE) == expected


@pytest.mark.parametrize(
    "plan, check_mode, expected",
    [
        (
            PLAN,
            False,
            "demo: production traffic moved from blue to green in steps of 10%, 50%, 100%, each step verified; "
            "/bluegreen/demo/live says green",
        ),
        (
            PLAN,
            True,
            "demo: production traffic would move from blue to green in steps of 10%, 50%, 100%, each step to be "
            "verified; /bluegreen/demo/live would say green. Check mode: nothing changed",
        ),
        (
            {"from": "green", "to": "green", "steps": [100]},
            False,
            "demo: every layer is back on green in steps of 100%, each step verified; /bluegreen/demo/live says green",
        ),
        (
            {"from": "green", "to": "green", "steps": [100]},
            True,
            "demo: every layer would be back on green in steps of 100%, each step to be verified; "
            "/bluegreen/demo/live would say green. Check mode: nothing changed",
        ),
    ],
    ids=["switch", "switch in check mode", "repair", "repair in check mode"],
)
def test_the_report_of_a_switch_that_passed(plan, check_mode, expected):
    assert report(plan, "demo", LIVE, check_mode) == expected


@pytest.mark.parametrize(
    "check_mode, expected",
    [
        (
            False,
            'demo: 2 instance(s) moved from blue to green, each serving its release; /bluegreen/demo/live: "switch 1: '
            'green"',
        ),
        (
            True,
            "demo: 2 instance(s) would move from blue to green, each serving its release; /bluegreen/demo/live would "
            'say "switch 1: green". Check mode: nothing changed',
        ),
    ],
    ids=["switch", "switch in check mode"],
)
def test_the_report_of_an_efs_switch_counts_the_instances_and_quotes_the_record(check_mode, expected):
    assert report(PLAN, "demo", LIVE, check_mode, instances=2, description="switch 1: green") == expected


def test_an_efs_failure_names_each_instance_and_says_all_serve_the_previous_colour():
    failures = ["web2, in 'Check': no marker", "the controller, at the post-switch verification, in 'Verify': 503"]
    assert failure_message(PLAN, "demo", "rollback", "", "", failures, True, LIVE, instances=True) == (
        "rollback of demo to green failed on web2, in 'Check': no marker; the controller, at the post-switch "
        "verification, in 'Verify': 503. Every instance serves blue again and /bluegreen/demo/live says blue"
    )


def test_route53_refuses_a_target_colour_without_a_target_group_whose_health_it_could_check():
    colors = {"blue": fleet("demo-blue"), "green": fleet("demo-green", target_group=False)}
    refused = plan_switch(state(colors=colors, layer="route53"), "demo", strategy="route53", target_color="green")
    with_group = plan_switch(state(layer="route53"), "demo", strategy="route53", target_color="green")
    alb = plan_switch(state(colors=colors), "demo", target_color="green")

    assert refused["refusals"] == [
        "green has no target group of demo (none is tagged bluegreen:app=demo, bluegreen:color=green), so the health "
        "of the targets behind its load balancer cannot be checked before the live names move; nothing changed. Tag "
        "the target group behind green's load balancer so, or name it in bluegreen_target_groups"
    ]
    assert with_group["refusals"] == [] and alb["refusals"] == []


@pytest.mark.parametrize(
    "strategy, bake_seconds, checks, expected",
    [
        ("alb", 0, [], (True, True)),
        ("alb", 0, [{"url": "http://shop.example.com/health", "status": 200, "body": None}], (True, False)),
        ("alb", 30, [], (False, False)),
        ("route53", 0, [], (False, False)),
        ("codedeploy", 0, [], (False, False)),
    ],
    ids=["alb", "alb with checks", "alb with a bake", "route53", "codedeploy"],
)
def test_only_alb_without_a_bake_verifies_from_the_swap_and_without_checks_is_verified_by_the_move(
    strategy, bake_seconds, checks, expected
):
    plan = plan_switch(
        state(), "demo", strategy=strategy, target_color="green", checks=checks, bake_seconds=bake_seconds
    )
    assert (plan["verify_from_swap"], plan["verified_by_move"]) == expected


@pytest.mark.parametrize(
    ("gated", "expected"),
    [
        ({"alarms": ["demo-5xx"]}, (True, False)),
        ({"post_switch_bake_seconds": 60}, (False, False)),
        ({"metric_checks": {"max_error_rate": 0.01}}, (True, False)),
        ({"metric_checks": {"max_error_rate": 0.01}, "post_switch_bake_seconds": 0}, (True, False)),
    ],
    ids=["an alarm", "a bake after the last step", "metric checks", "metric checks without a bake"],
)
def test_a_step_that_a_gate_watches_is_not_verified_by_the_move_alone(gated, expected):
    plan = plan_switch(state(), "demo", target_color="green", gated=gated)
    assert (plan["verify_from_swap"], plan["verified_by_move"]) == expected


ALB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/demo/50dc6c495c0c9188"
CHECKS = {"max_error_rate": 0.01, "max_error_rate_ratio": 2.0, "max_latency_p99_ratio": 1.5, "min_requests": 100}


def gated_state(**more):
    read = state(**more)
    read["layers"]["alb"]["load_balancer_arn"] = ALB_ARN
    return read


@pytest.mark.parametrize(
    ("gated", "expected"),
    [
        (
            {},
            [{"bake_seconds": 30, "metric_checks": None, "inconclusive": "pass", "watch": False}]
            + [{"bake_seconds": 30, "metric_checks": None, "inconclusive": "fail", "watch": False}],
        ),
        (
            {"alarms": ["demo-5xx"], "post_switch_bake_seconds": 300},
            [{"bake_seconds": 30, "metric_checks": None, "inconclusive": "pass", "watch": True}]
            + [{"bake_seconds": 300, "metric_checks": None, "inconclusive": "fail", "watch": True}],
        ),
        (
            {"metric_checks": CHECKS},
            [{"bake_seconds": 30, "metric_checks": CHECKS, "inconclusive": "pass", "watch": True}]
            + [
                {
                    "bake_seconds": 30,
                    "metric_checks": {"max_error_rate": 0.01, "min_requests": 100},
                    "inconclusive": "fail",
                    "watch": True,
                }
            ],
        ),
        (
            {"metric_checks": {"max_error_rate_ratio": 2.0}, "inconclusive": "pass"},
            [
                {
                    "bake_seconds": 30,
                    "metric_checks": {"max_error_rate_ratio": 2.0},
                    "inconclusive": "pass",
                    "watch": True,
                }
            ]
            + [{"bake_seconds": 30, "metric_checks": None, "inconclusive": "pass", "watch": False}],
        ),
        (
            {"metric_checks": CHECKS, "inconclusive": "fail", "post_switch_bake_seconds": 0},
            [{"bake_seconds": 30, "metric_checks": CHECKS, "inconclusive": "fail", "watch": True}]
            + [
                {
                    "bake_seconds": 0,
                    "metric_checks": {"max_error_rate": 0.01, "min_requests": 100},
                    "inconclusive": "fail",
                    "watch": True,
                }
            ],
        ),
    ],
    ids=[
        "no gate",
        "alarms, with a longer bake after the last step",
        "metric checks: no ratios after the last step",
        "only ratio checks: none after the last step",
        "inconclusive fails every step",
    ],
)
def test_each_step_gets_its_bake_its_checks_and_what_inconclusive_means(gated, expected):
    plan = plan_switch(gated_state(), "demo", target_color="green", steps=[10, 100], bake_seconds=30, gated=gated)
    assert [
        {key: value for key, value in step.items() if key != "subject"} for step in plan["gates"]["steps"]
    ] == expected
    # What release_gate compares is given only to a step with metric checks: without them it takes none.
    assert [bool(step["subject"]) for step in plan["gates"]["steps"]] == [
        bool(step["metric_checks"]) for step in expected
    ]


def test_the_gates_of_alb_compare_the_target_groups_behind_the_load_balancer():
    plan = plan_switch(gated_state(), "demo", target_color="green", gated={"metric_checks": CHECKS})
    assert plan["gates"]["subject"] == {
        "load_balancer": ALB_ARN,
        "target_group": fleet("demo-green")["target_group_arn"],
        "baseline_target_group": fleet("demo-blue")["target_group_arn"],
    }


def test_the_gates_of_route53_compare_the_load_balancers_and_other_strategies_watch_alarms_only():
    lbs = {"blue": "demo-blue", "green": "demo-green"}
    route53 = plan_switch(
        state(layer="route53"),
        "demo",
        strategy="route53",
        target_color="green",
        gated={"metric_checks": CHECKS, "load_balancers": lbs},
    )
    assert route53["gates"]["subject"] == {"load_balancer": "demo-green", "baseline_load_balancer": "demo-blue"}
    efs = plan_switch(
        state(layer="efs"),
        "demo",
        strategy="efs",
        target_color="green",
        gated={"metric_checks": CHECKS, "alarms": ["demo-5xx"]},
    )
    assert [step["metric_checks"] for step in efs["gates"]["steps"]] == [None]
    assert efs["gates"]["alarms"] == ["demo-5xx"]


def test_alarms_are_checked_before_the_switch_unless_there_is_nothing_to_do():
    plan = plan_switch(gated_state(), "demo", target_color="green", gated={"alarms": ["demo-5xx"]})
    assert plan["gates"]["pre_switch"] is True
    done = plan_switch(
        gated_state(live="green", ssm_live="green"), "demo", target_color="green", gated={"alarms": ["demo-5xx"]}
    )
    assert (done["done"], done["gates"]["pre_switch"]) == (True, False)
    assert plan_switch(gated_state(), "demo", target_color="green")["gates"]["pre_switch"] is False


@pytest.mark.parametrize(
    ("result", "inconclusive", "expected"),
    [
        ({"verdict": "pass", "reasons": []}, "fail", []),
        ({"verdict": "fail", "reasons": ["alarm demo-5xx is in ALARM"]}, "pass", ["alarm demo-5xx is in ALARM"]),
        ({"verdict": "inconclusive", "reasons": ["12 requests, fewer than 100"]}, "pass", []),
        (
            {"verdict": "inconclusive", "reasons": ["12 requests, fewer than 100"]},
            "fail",
            ["inconclusive, which bluegreen_metric_inconclusive makes a failure: 12 requests, fewer than 100"],
        ),
        ({"verdict": "fail"}, "fail", ["the release gate's verdict is fail"]),
    ],
    ids=["pass", "fail", "inconclusive passes", "inconclusive fails", "fail without reasons"],
)
def test_a_gate_fails_the_step_on_a_failing_verdict_and_on_an_inconclusive_one_when_told(
    result, inconclusive, expected
):
    assert gate_failures(result, inconclusive) == expected


def test_the_history_keeps_why_the_traffic_went_back():
    plan = plan_switch(state(), "demo", target_color="green", run_id="20261208T010000Z")
    reverted = records_because(plan, "reverted", "error rate 0.05 of demo-green above 0.01")
    assert reverted == [
        {
            "name": "live",
            "value": "blue",
            "description": "switch 20261208T010000Z failed: back to blue: error rate 0.05 of demo-green above 0.01",
            "always": True,
        }
    ]
    assert records_because(plan, "moved", "ignored") == plan["records"]["moved"]
    assert len(records_because(plan, "reverted", "x" * 2000)[0]["description"]) == 1024
    assert plan["records"]["reverted"][0]["description"] == "switch 20261208T010000Z failed: back to blue"


HEALTH = "http://shop.example.com/health"


@pytest.mark.parametrize(
    "response, expected",
    [
        ({"status": 200, "item": {"url": HEALTH, "status": 200, "body": None}}, []),
        ({"status": 200, "content": "OK 2.0", "item": {"url": HEALTH, "status": None, "body": "2.0"}}, []),
        ({"status": 404, "item": {"url": HEALTH, "status": 200, "body": None}}, [f"{HEALTH} answered 404, not 200"]),
        ({"status": 204, "item": {"url": HEALTH, "status": 204, "body": None}}, []),
        (
            {"status": -1, "msg": "Connection refused", "item": {"url": HEALTH, "status": 200, "body": None}},
            [f"{HEALTH} did not answer (Connection refused)"],
        ),
        ({"item": {"url": HEALTH, "status": 200, "body": None}}, [f"{HEALTH} did not answer (no response)"]),
        (
            {"status": 200, "content": "OK 1.0", "item": {"url": HEALTH, "status": 200, "body": "2.0"}},
            [f"{HEALTH} answered, but its body does not contain '2.0'"],
        ),
    ],
    ids=["passes", "body found", "other status", "status wanted", "no answer", "no status", "body missing"],
)
def test_each_http_check_says_what_its_url_answered(response, expected):
    assert check_failures([response]) == expected


def test_every_failed_http_check_is_named():
    responses = [
        {"status": 500, "item": {"url": "http://a/", "status": 200, "body": None}},
        {"status": 200, "item": {"url": "http://b/", "status": 200, "body": None}},
        {"status": 503, "item": {"url": "http://c/", "status": 200, "body": None}},
    ]
    assert check_failures(responses) == ["http://a/ answered 500, not 200", "http://c/ answered 503, not 200"]


@pytest.mark.parametrize(
    "outcome, artifact_version, expected",
    [
        (
            "moved",
            "2.4.1",
            [{"name": "live", "value": "green", "description": "switch 20261207T1900Z: green (artifact 2.4.1)"}],
        ),
        ("moved", None, [{"name": "live", "value": "green", "description": "switch 20261207T1900Z: green"}]),
        (
            "reverted",
            "2.4.1",
            [{"name": "live", "value": "blue", "description": "switch 20261207T1900Z failed: back to blue"}],
        ),
        ("moving", "2.4.1", []),
    ],
    ids=["every step passed", "without a version", "moved back", "the way back failed"],
)
def test_the_release_of_the_lock_records_where_the_traffic_ended(outcome, artifact_version, expected):
    assert records(PLAN, outcome, "switch", "20261207T1900Z", artifact_version) == expected


def test_a_redeploy_records_the_new_deployment_and_the_release_it_replaces():
    record = deployed(
        "blue",
        artifact_version="3",
        previous_artifact_version="2",
        codedeploy_revision="s3://artifacts/shop/3.zip",
        codedeploy_previous_revision="s3://artifacts/shop/2.zip",
    )
    plan = plan_switch(
        state(live="blue", ssm_live="blue", deployment=record, colors={"blue": fleet("demo-blue"), "green": {}}),
        "demo",
        operation="rollback",
        strategy="codedeploy",
        target_color="green",
        run_id="20261207T1900Z",
    )
    assert plan["codedeploy"]["redeploy"]
    assert plan["codedeploy"]["revision"] == {"bucket": "artifacts", "key": "shop/2.zip", "bundle_type": "zip"}
    assert plan["codedeploy"]["source"] == "demo-blue"
    redeployed = {"deployment_id": "d-NEW", "replacement_auto_scaling_group": "CodeDeploy_demo_d-NEW"}
    [written] = redeploy_records(plan, record, redeployed, "rollback")
    assert written["name"] == "deployment"
    assert written["description"] == "rollback 20261207T1900Z: green (artifact 2)"
    assert json.loads(written["value"]) == {
        "id": "20261207T1900Z",
        "color": "green",
        "auto_scaling_group": "CodeDeploy_demo_d-NEW",
        "source": "demo-blue",
        "artifact_version": "2",
        "codedeploy_revision": "s3://artifacts/shop/2.zip",
        "codedeploy_deployment_id": "d-NEW",
        "previous_artifact_version": "3",
        "codedeploy_previous_revision": "s3://artifacts/shop/3.zip",
    }


@pytest.mark.parametrize(
    "uri, expected",
    [
        ("s3://artifacts/shop/2.zip", {"bucket": "artifacts", "key": "shop/2.zip", "bundle_type": "zip"}),
        ("s3://b/shop/2.tar", {"bucket": "b", "key": "shop/2.tar", "bundle_type": "tar"}),
        ("s3://b/team.web/shop/2.0.1.tgz", {"bucket": "b", "key": "team.web/shop/2.0.1.tgz", "bundle_type": "tgz"}),
    ],
)
def test_a_recorded_revision_reads_as_bucket_key_and_bundle_type(uri, expected):
    assert revision_location(uri) == expected


@pytest.mark.parametrize(
    "given, colors, expected",
    [
        ({"blue": "tg-b", "green": "tg-g"}, {}, {"blue": "tg-b", "green": "tg-g"}),
        (
            None,
            {"blue": {"target_group_arn": "arn:b"}, "green": {"target_group_arn": "arn:g"}},
            {"blue": "arn:b", "green": "arn:g"},
        ),
        (None, {"blue": {"target_group_arn": "arn:b"}, "green": {}}, None),
        (None, {"blue": {}, "green": None}, None),
    ],
    ids=["given", "both found", "one found", "none found"],
)
def test_alb_swap_gets_the_target_groups_given_or_both_found(given, colors, expected):
    assert swap_target_groups({"colors": colors}, given) == expected


@pytest.mark.parametrize(
    "steps, expected",
    [
        ([10, 50, 100], [{"green": 10, "blue": 90}, {"green": 50, "blue": 50}, None]),
        ([100], [None]),
        ([], []),
    ],
)
def test_route53_weights_each_step_towards_the_target(steps, expected):
    assert step_weights("blue", "green", steps) == expected


@pytest.mark.parametrize(
    "instances, expected",
    [
        ([{"bluegreen_switch_efs_done": True}, {"bluegreen_switch_efs_done": True}], []),
        (
            [{"bluegreen_switch_efs_done": False, "bluegreen_switch_efs_error": "web1, in 'Point': no"}, {}],
            ["web1, in 'Point': no", "an instance that did not answer"],
        ),
        (
            [
                {"bluegreen_switch_efs_done": True, "bluegreen_switch_efs_controller_error": "the controller, at x"},
                {"bluegreen_switch_efs_done": True, "bluegreen_switch_efs_controller_error": ""},
            ],
            ["the controller, at x"],
        ),
    ],
    ids=["all done", "one failed, one did not answer", "the controller failed"],
)
def test_efs_failures_name_each_instance_then_the_controller(instances, expected):
    assert efs_failures(instances) == expected


def test_the_plan_holds_what_each_outcome_records():
    plan = plan_switch(state(), "demo", target_color="green", run_id="20261207T1900Z", artifact_version="2.4.1")
    assert plan["run_id"] == "20261207T1900Z"
    assert plan["records"] == {
        "moving": [],
        "moved": [{"name": "live", "value": "green", "description": "switch 20261207T1900Z: green (artifact 2.4.1)"}],
        "reverted": [{"name": "live", "value": "blue", "description": "switch 20261207T1900Z failed: back to blue"}],
    }


@pytest.mark.parametrize(
    ("alarms", "expected"),
    [
        ([{"name": "demo-5xx", "state": "OK", "reason": "fine"}], []),
        ([{"name": "demo-5xx", "state": "INSUFFICIENT_DATA", "reason": "no data"}], []),
        (
            [{"name": "demo-5xx", "state": "ALARM", "reason": "Threshold Crossed"}],
            [
                "alarm demo-5xx is in ALARM (Threshold Crossed), before anything moved; nothing changed. Switch once "
                "it is back to OK, or leave it out of bluegreen_alarms"
            ],
        ),
        (
            [{"name": "demo-5xx", "state": None, "reason": None}],
            [
                "alarm demo-5xx of bluegreen_alarms does not exist (no metric or composite alarm has that name in this "
                "account and region); nothing changed. Correct the name in bluegreen_alarms"
            ],
        ),
        ([], ["alarm demo-5xx of bluegreen_alarms does not exist"]),
    ],
    ids=["ok", "insufficient data", "in alarm", "no such alarm", "not read"],
)
def test_an_alarm_already_firing_or_missing_refuses_the_switch(alarms, expected):
    read = gated_state()
    read["alarms"] = alarms
    plan = plan_switch(read, "demo", target_color="green", gated={"alarms": ["demo-5xx"]})
    assert [refusal[: len(want)] for refusal, want in zip(plan["refusals"], expected)] == expected
    assert len(plan["refusals"]) == len(expected)


def test_alarms_do_not_refuse_a_switch_with_nothing_to_do_or_without_gates():
    read = gated_state(live="green", ssm_live="green")
    read["alarms"] = [{"name": "demo-5xx", "state": "ALARM", "reason": "Threshold Crossed"}]
    assert plan_switch(read, "demo", target_color="green", gated={"alarms": ["demo-5xx"]})["refusals"] == []
    read = gated_state()
    read["alarms"] = [{"name": "demo-5xx", "state": "ALARM", "reason": "Threshold Crossed"}]
    assert plan_switch(read, "demo", target_color="green")["refusals"] == []


@pytest.mark.parametrize(
    ("strategy", "gated", "expected"),
    [
        ("alb", {"metric_checks": CHECKS, "bake_seconds": 60}, []),
        ("alb", {"metric_checks": None, "bake_seconds": 0}, []),
        (
            "alb",
            {"metric_checks": {"max_error_rate": 5}, "bake_seconds": 60},
            ["bluegreen_metric_checks.max_error_rate 5 is out of range; use 0 to 1"],
        ),
        (
            "alb",
            {"metric_checks": CHECKS, "bake_seconds": 0},
            ["bluegreen_canary_bake_seconds 0: bluegreen_metric_checks judge the requests of the bake"],
        ),
        (
            "alb",
            {"metric_checks": CHECKS, "bake_seconds": 60, "post_switch_bake_seconds": 0},
            ["bluegreen_post_switch_bake_seconds 0: bluegreen_metric_checks judge"],
        ),
        (
            "route53",
            {"metric_checks": CHECKS, "bake_seconds": 60, "load_balancers": {"blue": "demo-blue"}},
            ["bluegreen_metric_checks with strategy route53 compare the colours' load balancers"],
        ),
        ("route53", {"metric_checks": CHECKS, "bake_seconds": 60, "load_balancers": {"blue": "a", "green": "b"}}, []),
        ("efs", {"metric_checks": CHECKS, "bake_seconds": 60}, ["bluegreen_metric_checks: strategy efs has no"]),
    ],
    ids=[
        "fine",
        "no metric checks",
        "a threshold out of range",
        "no bake to judge",
        "no bake after the last step",
        "route53 without both load balancers",
        "route53 with them",
        "efs",
    ],
)
def test_the_gates_variables_are_refused_before_anything_moves(strategy, gated, expected):
    from ansible_collections.teal.bluegreen.plugins.module_utils.switch_plan import variable_problems

    found = variable_problems(strategy, None, [100] if strategy == "efs" else [10, 100], **gated)
    assert [problem[: len(want)] for problem, want in zip(found, expected)] == expected
    assert len(found) == len(expected)


def test_a_single_step_with_a_bake_after_it_needs_no_canary_bake():
    from ansible_collections.teal.bluegreen.plugins.module_utils.switch_plan import variable_problems

    assert (
        variable_problems("alb", None, [100], metric_checks=CHECKS, bake_seconds=0, post_switch_bake_seconds=120) == []
    )


def test_what_inconclusive_means_is_pass_fail_or_null():
    from ansible_collections.teal.bluegreen.plugins.module_utils.switch_plan import variable_problems

    assert variable_problems("alb", None, [100], inconclusive="maybe") == [
        "bluegreen_metric_inconclusive 'maybe' is neither pass nor fail (nor null: pass for the canary steps, fail "
        "after the last one)"
    ]
    assert variable_problems("alb", None, [100], inconclusive=None) == []


def test_the_event_of_a_phase_names_the_colours_the_run_and_the_step_counted_from_one():
    from ansible_collections.teal.bluegreen.plugins.module_utils.switch_plan import event

    plan = plan_switch(state(), "demo", target_color="green", steps=[10, 50, 100], run_id="r-1")
    assert event(plan, "demo") == {
        "app": "demo",
        "from_color": "blue",
        "to_color": "green",
        "steps": 3,
        "deployment_id": "r-1",
        "reasons": [],
    }
    assert event(plan, "demo", 1, "fail", ["alarm 'demo-5xx' is in ALARM"]) == {
        "app": "demo",
        "from_color": "blue",
        "to_color": "green",
        "steps": 3,
        "deployment_id": "r-1",
        "reasons": ["alarm 'demo-5xx' is in ALARM"],
        "step": 50,
        "step_index": 2,
        "verdict": "fail",
    }


def test_webhooks_to_tell_of_each_step_need_the_verification_to_run():
    plan = plan_switch(state(), "demo", target_color="green", notify=True)
    assert (plan["notify"], plan["verify_from_swap"], plan["verified_by_move"]) == (True, True, False)
    assert plan_switch(state(), "demo", target_color="green")["notify"] is False
