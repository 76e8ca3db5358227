# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deploy role's plan, branch by branch, on state_info results built by hand."""

from __future__ import annotations

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import failure_message
from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import failure_outcome
from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import idle_refusal
from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import nothing_to_do
from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import plan_deploy
from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import previous_release
from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import recorded
from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import records
from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import report
from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import variable_problems
from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import verification_failures

REVISION = "s3://revisions/shop/43.zip"
TG = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-green/0123456789abcdef"


def color(group=None, target_group=TG, healthy=2, in_service=2):
    return {
        "auto_scaling_group": group,
        "target_group_arn": target_group,
        "targets_healthy": healthy,
        "instances_in_service": in_service,
    }


def state(live="blue", blue=None, green=None, deployment=None, reasons=()):
    idle = {"blue": "green", "green": "blue"}.get(live)
    return {
        "live_color": live,
        "idle_color": idle,
        "reasons": list(reasons),
        "colors": {
            "blue": blue if blue is not None else color("shop-blue"),
            "green": green if green is not None else color(None, healthy=0, in_service=0),
        },
        "deployment": deployment,
    }


@pytest.mark.parametrize(
    "given, expected",
    [
        pytest.param({}, None, id="a-live-fleet-and-an-idle-target-group"),
        pytest.param(
            {"live": None, "reasons": ["the listener forwards to both colours"]},
            "shop has no live colour (the listener forwards to both colours); nothing changed. The deploy copies",
            id="no-live-colour-with-the-reasons",
        ),
        pytest.param(
            {"live": None},
            "shop has no live colour (see the teal.bluegreen.status playbook); nothing changed.",
            id="no-live-colour-without-reasons",
        ),
        pytest.param(
            {"blue": color(None)},
            "shop has no Auto Scaling group on its live colour blue (",
            id="no-live-fleet",
        ),
        pytest.param(
            {"green": color(None, target_group=None)},
            "shop has no target group for its idle colour green (",
            id="no-idle-target-group",
        ),
        pytest.param(
            {"green": color("shop-green-old")},
            "the idle colour green of shop already has Auto Scaling group shop-green-old, not shop-green; nothing "
            "changed. Remove it with the teal.bluegreen.clean playbook, or name it in bluegreen_asg_names",
            id="another-fleet-in-the-idle-colour",
        ),
        pytest.param({"green": color("shop-green")}, None, id="the-idle-colour-s-own-fleet-is-kept"),
    ],
)
def test_a_fleet_deploy_is_refused_for_the_first_reason_it_cannot_start(given, expected):
    plan = plan_deploy(state(**given), "shop")
    if expected is None:
        assert plan["refusals"] == []
    else:
        assert len(plan["refusals"]) == 1
        assert plan["refusals"][0].startswith(expected)


def test_a_fleet_deploy_copies_the_live_group_into_the_idle_colour_under_its_name():
    plan = plan_deploy(state(), "shop", min_healthy_targets=2)
    assert plan == {
        "live": "blue",
        "idle": "green",
        "source": "shop-blue",
        "existing": None,
        "name": "shop-green",
        "target_group_arn": TG,
        "idle_healthy": False,
        "refusals": [],
    }


@pytest.mark.parametrize(
    "asg_names, expected",
    [
        pytest.param(None, "shop-green", id="app-colour-by-default"),
        pytest.param({"green": "shop-web-g"}, "shop-web-g", id="named-colour"),
        pytest.param({"blue": "shop-web-b"}, "shop-green", id="other-colour-named"),
    ],
)
def test_the_new_group_is_named_by_bluegreen_asg_names_or_after_the_app_and_colour(asg_names, expected):
    assert plan_deploy(state(), "shop", asg_names=asg_names)["name"] == expected


@pytest.mark.parametrize(
    "healthy, minimum, expected",
    [(2, 2, True), (1, 2, False), (0, 1, False), (3, 1, True)],
)
def test_the_idle_colour_is_healthy_enough_for_a_re_run_with_its_minimum_of_healthy_targets(healthy, minimum, expected):
    given = state(green=color("shop-green", healthy=healthy))
    assert plan_deploy(given, "shop", min_healthy_targets=minimum)["idle_healthy"] is expected


def codedeploy_plan(**given):
    return plan_deploy(
        state(**given),
        "shop",
        strategy="codedeploy",
        min_healthy_targets=2,
        revision_uri=REVISION,
        codedeploy_target_group="shop-blue",
    )


def record(group="CodeDeploy_shop_d-1", color_="green", revision=REVISION, valid=True):
    return {"valid": valid, "color": color_, "auto_scaling_group": group, "codedeploy_revision": revision}


@pytest.mark.parametrize(
    "given, expected",
    [
        pytest.param({}, {"recorded": None, "probe": False, "done": False}, id="first-deploy"),
        pytest.param(
            {"green": color("CodeDeploy_shop_d-1"), "deployment": record()},
            {"recorded": "CodeDeploy_shop_d-1", "probe": False, "done": True},
            id="already-deployed-recorded-in-service",
        ),
        pytest.param(
            {"green": color("CodeDeploy_shop_d-1", in_service=1), "deployment": record()},
            {"recorded": "CodeDeploy_shop_d-1", "probe": False, "done": False},
            id="recorded-but-short-of-instances-in-service",
        ),
        pytest.param(
            {"green": color("CodeDeploy_shop_d-2"), "deployment": record()},
            {"recorded": "CodeDeploy_shop_d-1", "probe": True, "done": False},
            id="the-idle-group-is-not-the-recorded-copy",
        ),
        pytest.param(
            {"green": color("CodeDeploy_shop_d-1"), "deployment": record(revision="s3://revisions/shop/42.zip")},
            {"recorded": None, "probe": True, "done": False},
            id="the-record-is-another-revision-s",
        ),
        pytest.param(
            {"green": color("CodeDeploy_shop_d-1"), "deployment": record(color_="blue")},
            {"recorded": None, "probe": True, "done": False},
            id="the-record-is-the-live-colour-s",
        ),
        pytest.param(
            {"green": color("CodeDeploy_shop_d-1"), "deployment": record(valid=False)},
            {"recorded": None, "probe": True, "done": False},
            id="the-record-is-not-valid",
        ),
    ],
)
def test_a_codedeploy_deploy_follows_its_recorded_copy_and_asks_about_any_other(given, expected):
    plan = codedeploy_plan(**given)
    assert {key: plan[key] for key in expected} == expected
    assert plan["refusals"] == []
    assert "name" not in plan


@pytest.mark.parametrize(
    "given, expected",
    [
        pytest.param({"live": None}, "shop has no live colour (", id="no-live-colour"),
        pytest.param({"blue": color(None)}, "shop has no Auto Scaling group on its live colour blue (", id="no-fleet"),
    ],
)
def test_a_codedeploy_deploy_needs_a_live_fleet_for_codedeploy_to_copy(given, expected):
    refusals = codedeploy_plan(**given)["refusals"]
    assert len(refusals) == 1 and refusals[0].startswith(expected)
    assert refusals[0].endswith(
        "CodeDeploy copies the Auto Scaling group whose instances are registered in shop-blue, so that group must "
        "exist and carry the live colour's tag"
    )


@pytest.mark.parametrize(
    "existing, recorded_group, under_way, allowed",
    [
        pytest.param(None, None, None, True, id="empty-idle-colour"),
        pytest.param("CodeDeploy_shop_d-1", "CodeDeploy_shop_d-1", None, True, id="the-recorded-copy"),
        pytest.param(
            "CodeDeploy_shop_d-2",
            None,
            {"action": "followed", "replacement_auto_scaling_group": "CodeDeploy_shop_d-2"},
            True,
            id="the-copy-of-a-deployment-under-way",
        ),
        pytest.param(
            "CodeDeploy_shop_d-2",
            None,
            {"action": "followed", "replacement_auto_scaling_group": "CodeDeploy_shop_d-3"},
            False,
            id="a-deployment-under-way-with-another-copy",
        ),
        pytest.param(
            "shop-green", None, {"action": "created", "replacement_auto_scaling_group": None}, False, id="originals"
        ),
        pytest.param("shop-green", None, {"skipped": True}, False, id="probe-skipped"),
        pytest.param("shop-green", None, None, False, id="no-probe"),
    ],
)
def test_the_idle_colour_s_group_stops_a_codedeploy_deploy_unless_it_is_this_release_s_copy(
    existing, recorded_group, under_way, allowed
):
    plan = {"idle": "green", "existing": existing, "recorded": recorded_group}
    refusals = idle_refusal(plan, "shop", under_way)
    if allowed:
        assert refusals == []
    else:
        assert len(refusals) == 1
        assert refusals[0].startswith(f"the idle colour green of shop still has Auto Scaling group {existing} (")
        assert refusals[0].endswith("End it with the teal.bluegreen.clean playbook first")


@pytest.mark.parametrize(
    "deployment, expected",
    [
        pytest.param(None, False, id="no-record"),
        pytest.param({"id": "old", "color": "green", "version": 3}, True, id="same-but-for-the-id"),
        pytest.param({"id": "new", "color": "green", "version": 3, "more": 1}, True, id="extra-keys-ignored"),
        pytest.param({"id": "new", "color": "green", "version": 4}, False, id="another-version"),
        pytest.param({"id": "new", "color": "green"}, False, id="a-key-missing"),
        pytest.param({"id": "new", "color": "green", "version": None}, False, id="a-key-null"),
    ],
)
def test_a_deployment_is_recorded_when_every_key_but_the_id_matches(deployment, expected):
    assert recorded(deployment, {"id": "new", "color": "green", "version": 3}) is expected


@pytest.mark.parametrize(
    "deployment, expected",
    [
        pytest.param(None, {}, id="no-record"),
        pytest.param(
            {"color": "blue", "artifact_version": "42", "codedeploy_revision": "s3://revisions/shop/42.zip"},
            {"artifact_version": "42", "codedeploy_revision": "s3://revisions/shop/42.zip"},
            id="the-live-colour-s-record",
        ),
        pytest.param({"color": "blue", "artifact_version": "42"}, {}, id="the-live-colour-s-record-without-revision"),
        pytest.param(
            {
                "color": "green",
                "codedeploy_revision": REVISION,
                "previous_artifact_version": "42",
                "codedeploy_previous_revision": "s3://revisions/shop/42.zip",
            },
            {"artifact_version": "42", "codedeploy_revision": "s3://revisions/shop/42.zip"},
            id="a-re-run-keeps-what-its-record-kept",
        ),
        pytest.param(
            {"color": "green", "codedeploy_revision": "s3://revisions/shop/41.zip"},
            {},
            id="another-revision-on-the-idle-colour",
        ),
    ],
)
def test_the_release_a_codedeploy_rollback_would_deploy_again(deployment, expected):
    assert previous_release(deployment, {"live": "blue", "idle": "green"}, REVISION) == expected


@pytest.mark.parametrize(
    "given, expected",
    [
        pytest.param({}, [], id="nothing-given"),
        pytest.param({"launch_template_version": 3}, [], id="a-version-alone"),
        pytest.param({"image_id": "ami-0a1b2c3d", "instance_type": "t3.small"}, [], id="a-new-version-alone"),
        pytest.param(
            {"launch_template_version": 3, "image_id": "ami-0a1b2c3d"},
            ["bluegreen_launch_template_version '3' cannot be combined with bluegreen_image_id"],
            id="a-version-and-an-image",
        ),
        pytest.param(
            {"launch_template_version": "2", "user_data": "#!/bin/sh"},
            ["bluegreen_launch_template_version '2' cannot be combined"],
            id="a-version-and-user-data",
        ),
        pytest.param(
            {"codedeploy": True, "codedeploy_bucket": "revisions"},
            [
                "bluegreen_codedeploy needs bluegreen_codedeploy_bucket (got 'revisions'), the S3 bucket of the "
                "revisions, and bluegreen_artifact_version (got '')"
            ],
            id="codedeploy-without-version",
        ),
        pytest.param({"codedeploy": True, "codedeploy_bucket": "r", "artifact_version": "43"}, [], id="codedeploy"),
        pytest.param(
            {"launch_template_version": 3, "image_id": "ami-1", "codedeploy": True},
            ["bluegreen_launch_template_version", "bluegreen_codedeploy needs"],
            id="both-problems",
        ),
    ],
)
def test_the_fleet_deploy_s_own_variables(given, expected):
    found = variable_problems("alb", **given)
    assert len(found) == len(expected)
    for message, start in zip(found, expected):
        assert message.startswith(start)
        assert message.endswith("nothing changed")


@pytest.mark.parametrize(
    "given, problem",
    [
        pytest.param({"codedeploy_bucket": "r", "artifact_version": "43", "codedeploy_service_role_arn": "a"}, False),
        pytest.param({"codedeploy_bucket": "r", "artifact_version": "43"}, True),
        pytest.param({"codedeploy_bucket": "r", "codedeploy_service_role_arn": "a"}, True),
        pytest.param({"artifact_version": "43", "codedeploy_service_role_arn": "a"}, True),
    ],
)
def test_strategy_codedeploy_needs_a_bucket_a_version_and_a_service_role(given, problem):
    found = variable_problems("codedeploy", launch_template_version=3, image_id="ami-1", **given)
    assert len(found) == (1 if problem else 0)
    if problem:
        assert found[0].startswith("strategy codedeploy needs bluegreen_codedeploy_bucket (got '")
        assert "bluegreen_codedeploy_service_role_arn (got '" in found[0]


@pytest.mark.parametrize(
    "given, problem",
    [
        ({"artifact": "site/", "artifact_version": "2"}, None),
        ({"artifact": "site.tgz", "artifact_version": 2}, None),
        ({"artifact_version": "2"}, "set bluegreen_artifact (got ''), a directory or an archive on the controller"),
        ({"artifact": "site/"}, "strategy efs deploys content: set bluegreen_artifact (got 'site/')"),
        ({"artifact": "site/", "artifact_version": ""}, "and bluegreen_artifact_version (got ''); nothing changed"),
    ],
)
def test_strategy_efs_needs_an_artifact_and_its_version(given, problem):
    found = variable_problems("efs", **given)
    assert found == [] if problem is None else len(found) == 1 and problem in found[0], found


@pytest.mark.parametrize(
    "live, expected",
    [("blue", []), ("green", []), (None, ["shop has no live colour (see the teal.bluegreen.status playbook)"])],
)
def test_an_efs_deploy_needs_a_live_colour_and_nothing_else(live, expected):
    plan = plan_deploy(state(live=live, blue=color(None), green=color(None)), "shop", strategy="efs")
    assert [refusal[: len(expected[0])] for refusal in plan["refusals"]] == expected
    assert plan["idle"] == {"blue": "green", "green": "blue"}.get(live)


RECORDED = {"id": "20261207T0300Z", "artifact_version": "2"}
PARAMETERS = {"deployment": "/bluegreen/shop/deployment"}


@pytest.mark.parametrize(
    "strategy, given, expected",
    [
        (
            "alb",
            {"recorded": True, "clone": {"up_to_date": True}},
            "shop-green (green) already runs this release, healthy",
        ),
        ("route53", {"recorded": False, "clone": {"up_to_date": True}}, ""),
        ("alb", {"recorded": True, "clone": {"up_to_date": False}}, ""),
        ("alb", {"recorded": True, "clone": None}, ""),
        ("alb", {"recorded": True, "clone": {"up_to_date": True}, "release": {"changed": True}}, ""),
        ("alb", {"recorded": True, "clone": {"up_to_date": True}, "release": {"changed": False}}, "already runs"),
        ("alb", {"recorded": True, "clone": {"up_to_date": True}, "unhealthy": True}, ""),
        (
            "efs",
            {"recorded": True, "release": {"changed": False, "path": "/efs/shop/green"}},
            "/efs/shop/green (green)",
        ),
        ("efs", {"recorded": False, "release": {"changed": False, "path": "/efs/shop/green"}}, ""),
        ("efs", {"recorded": True, "release": {"changed": True, "path": "/efs/shop/green"}}, ""),
        ("codedeploy", {"done": True}, "shop-green (green) already runs revision s3://revisions/shop/43.zip"),
        ("codedeploy", {"done": False, "recorded": True}, ""),
    ],
)
def test_a_deploy_run_again_has_nothing_to_do_only_when_all_is_in_place_and_recorded(strategy, given, expected):
    given = dict(given)
    found = state(green=color("shop-green", healthy=0 if given.pop("unhealthy", False) else 2), deployment=RECORDED)
    found["parameters"] = PARAMETERS
    plan = plan_deploy(found, "shop", strategy=strategy, revision_uri=REVISION)
    if "done" in given:
        plan["done"] = given.pop("done")
    said = nothing_to_do(plan, found, "shop", strategy=strategy, revision_uri=REVISION, **given)
    if not expected:
        assert said == ""
    else:
        assert expected in said and said.endswith(
            "/bluegreen/shop/deployment records it (deployment 20261207T0300Z); nothing to do"
        ), said


@pytest.mark.parametrize(
    "strategy, given, expected",
    [
        ("alb", {"removed": True}, "shop-green was deleted; blue still takes all production traffic"),
        ("route53", {"keep_failed": True}, "shop-green was kept (bluegreen_keep_failed); blue still takes all"),
        ("alb", {}, "shop-green was kept, as it existed before this deploy; blue still takes all production traffic"),
        ("codedeploy", {"stopped": True}, "CodeDeploy stopped the deployment and removed its copy; blue still takes"),
        ("codedeploy", {}, "blue still takes all production traffic"),
        ("efs", {}, "No instance serves green's directory; blue still serves every instance"),
    ],
)
def test_a_failed_deploy_says_what_it_left_behind(strategy, given, expected):
    plan = plan_deploy(state(), "shop", strategy=strategy)
    assert failure_outcome(plan, strategy=strategy, **given).startswith(expected)


FLEET_PLAN = {"live": "blue", "idle": "green", "name": "shop-green", "source": "shop-blue"}


def read_back(live="blue", group="shop-green", healthy=2, total=2, in_service=2):
    green = {
        "auto_scaling_group": group,
        "target_group_name": "shop-green",
        "targets_healthy": healthy,
        "targets_total": total,
        "instances_in_service": in_service,
    }
    return {"live_color": live, "colors": {"blue": {"auto_scaling_group": "shop-blue"}, "green": green}}


@pytest.mark.parametrize(
    "given, minimum, expected",
    [
        ({}, 2, []),
        (
            {"healthy": 1},
            2,
            [
                "target group shop-green (green) has 1 of 2 targets healthy, fewer than "
                "bluegreen_min_healthy_targets (2)"
            ],
        ),
        ({"live": "green"}, 1, ["the live colour changed under the deploy: green is live now"]),
        ({"live": None}, 1, ["the live colour changed under the deploy: None is live now"]),
        # Too few healthy targets is named first: it is what the deploy waited for.
        (
            {"live": "green", "healthy": 0},
            1,
            [
                "target group shop-green (green) has 0 of 2 targets healthy, fewer "
                "than bluegreen_min_healthy_targets (1)"
            ],
        ),
    ],
    ids=["passes", "too few healthy", "live moved", "live unknown", "both"],
)
def test_a_fleet_deploy_verifies_the_healthy_targets_and_that_the_live_colour_stayed(given, minimum, expected):
    assert verification_failures(FLEET_PLAN, read_back(**given), minimum) == expected


@pytest.mark.parametrize(
    "given, expected",
    [
        ({"group": "CodeDeploy_shop_d-1"}, []),
        (
            {"group": "CodeDeploy_shop_d-1", "live": "green"},
            ["the live colour changed under the deploy: green is live now"],
        ),
        ({"group": None}, ["no Auto Scaling group carries the colour green after the deployment"]),
        (
            {"group": "shop-green"},
            ["shop-green carries the colour green, not CodeDeploy_shop_d-1, the copy CodeDeploy made"],
        ),
        (
            {"group": "CodeDeploy_shop_d-1", "in_service": 1},
            ["CodeDeploy_shop_d-1 (green) has 1 instances in service, fewer than bluegreen_min_healthy_targets (2)"],
        ),
    ],
    ids=["passes", "live moved", "no group", "another group", "too few in service"],
)
def test_a_codedeploy_deploy_verifies_its_copy_in_service_and_that_the_live_colour_stayed(given, expected):
    found = verification_failures(FLEET_PLAN, read_back(**given), 2, "codedeploy", "CodeDeploy_shop_d-1")
    assert found == expected


TEMPLATE = {"launch_template_id": "lt-0abc", "version": "7"}


@pytest.mark.parametrize(
    "strategy, check_mode, found, expected",
    [
        (
            "alb",
            False,
            {"launch_template": TEMPLATE, "image_id": "ami-1", "capacity": 2},
            "shop: shop-green (green) runs launch template lt-0abc version 7 (image ami-1) with 2 instance(s), healthy "
            "and verified; blue still takes all production traffic. Next: the teal.bluegreen.switch playbook",
        ),
        (
            "route53",
            True,
            {"launch_template": TEMPLATE, "capacity": None},
            "shop: shop-green (green) would run launch template lt-0abc version 7 with ? instance(s), once they are "
            "healthy and verified; blue would still take all production traffic. Check mode: nothing changed; the "
            "same command without --check deploys",
        ),
        (
            "codedeploy",
            False,
            {
                "deployment": {
                    "deployment_id": "d-1",
                    "replacement_auto_scaling_group": "CodeDeploy_shop_d-1",
                    "status": "Ready",
                },
                "revision_uri": REVISION,
            },
            f"shop: CodeDeploy deployment d-1 installed {REVISION} on CodeDeploy_shop_d-1 (green), a copy of shop-blue; "
            "it waits in Ready and blue still takes all production traffic. Next: the teal.bluegreen.switch playbook",
        ),
        (
            "codedeploy",
            True,
            {"revision_uri": REVISION},
            f"would upload {REVISION} and have CodeDeploy copy shop-blue into green and install it there, up to Ready",
        ),
        (
            "efs",
            False,
            {"release": {"path": "/mnt/efs/shop/green", "sha256": "ab12"}, "artifact_version": "2.0"},
            "shop 2.0 is in /mnt/efs/shop/green (green), verified (sha256 ab12); blue still serves every instance. "
            "Next: the teal.bluegreen.switch playbook",
        ),
    ],
    ids=["alb", "route53 in check mode", "codedeploy", "codedeploy in check mode", "efs"],
)
def test_the_report_of_a_deploy_says_what_runs_where_and_what_comes_next(strategy, check_mode, found, expected):
    assert report(FLEET_PLAN, "shop", strategy, check_mode, **found) == expected


def test_the_deployment_is_recorded_once_with_its_description():
    record = {"id": "20261207T0300Z", "color": "green", "artifact_version": "2.0", "image_id": None}
    assert records(True, record, "20261207T0300Z", "green", "2.0") == []
    assert records(False, record, "20261207T0300Z", "green", "2.0") == [
        {
            "name": "deployment",
            "value": '{"artifact_version": "2.0", "color": "green", "id": "20261207T0300Z", "image_id": null}',
            "description": "deploy 20261207T0300Z: green (artifact 2.0)",
        }
    ]
    assert records(False, record, "20261207T0300Z", "green")[0]["description"] == "deploy 20261207T0300Z: green"


def test_a_failed_deploy_says_where_what_and_what_it_left_behind():
    message = failure_message(
        FLEET_PLAN, "shop", "the verification", "", ["no answer", "503"], "alb", removed=True, keep_failed=False
    )
    assert message == (
        "deploy of shop to green failed at the verification, in '?': no answer; 503. shop-green was deleted; blue "
        "still takes all production traffic"
    )
