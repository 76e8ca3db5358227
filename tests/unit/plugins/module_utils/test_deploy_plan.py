# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deploy role's plan, branch by branch, on state_info results built by hand."""

from __future__ import annotations

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import codedeploy_options
from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import failure_message
from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import failure_outcome
from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import idle_refusal
from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import nothing_to_do
from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import plan_deploy
from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import previous_release
from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import record
from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import recorded
from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import records
from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import report
from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import revision_files
from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import variable_problems
from ansible_collections.teal.bluegreen.plugins.module_utils.deploy_plan import verification_failures

REVISION = "s3://revisions/shop/43.zip"
REVISION_S3 = {"bucket": "revisions", "key": "shop/43.zip", "bundle_type": "zip"}
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
    plan = plan_deploy(state(), "shop", min_healthy_targets=2, image_id="ami-1", artifact_version="43")
    assert plan == {
        "app": "shop",
        "strategy": "alb",
        "live": "blue",
        "idle": "green",
        "source": "shop-blue",
        "existing": None,
        "artifact_version": "43",
        "min_healthy_targets": 2,
        "keep_failed": False,
        "content": False,
        "on_failure": "remove",
        "revision_uri": None,
        "codedeploy": None,
        "name": "shop-green",
        "target_group_arn": TG,
        "idle_healthy": False,
        "image_id": "ami-1",
        "refusals": [],
    }


@pytest.mark.parametrize(
    "strategy, given, expected",
    [
        pytest.param("alb", {}, "remove", id="a-new-fleet-is-removed"),
        pytest.param("route53", {"keep_failed": True}, None, id="kept-when-told"),
        pytest.param("alb", {"green": color("shop-green")}, None, id="a-fleet-that-existed-before-is-kept"),
        pytest.param("codedeploy", {}, "stop", id="codedeploy-s-deployment-is-stopped"),
        pytest.param("codedeploy", {"keep_failed": True}, None, id="codedeploy-kept-when-told"),
        pytest.param("efs", {}, None, id="efs-made-no-fleet"),
    ],
)
def test_what_a_failed_deploy_does_with_what_it_made(strategy, given, expected):
    given = dict(given)
    keep_failed = given.pop("keep_failed", False)
    assert plan_deploy(state(**given), "shop", strategy=strategy, keep_failed=keep_failed)["on_failure"] == expected


@pytest.mark.parametrize(
    "strategy, artifact, expected",
    [("alb", "site/", True), ("route53", None, False), ("efs", "site.tgz", True), ("codedeploy", "site/", False)],
)
def test_content_is_released_by_every_strategy_but_codedeploy(strategy, artifact, expected):
    assert plan_deploy(state(), "shop", strategy=strategy, artifact=artifact)["content"] is expected


def test_bluegreen_codedeploy_installs_the_release_in_place_on_the_new_fleet():
    plan = plan_deploy(
        state(), "shop", artifact_version="43", codedeploy=True, codedeploy_bucket="revisions", codedeploy_key_prefix=""
    )
    assert plan["revision_uri"] == REVISION
    assert plan["codedeploy"] == {
        "deployment_group": "shop-green",
        "deployment_type": "IN_PLACE",
        "auto_scaling_groups": ["shop-green"],
        "revision": REVISION_S3,
        "where": "shop-green with CodeDeploy, in place",
    }


def test_strategy_codedeploy_has_codedeploy_copy_the_live_group_up_to_ready_and_tag_the_copy():
    plan = plan_deploy(
        state(),
        "shop",
        strategy="codedeploy",
        artifact_version="43",
        codedeploy_bucket="revisions",
        codedeploy_key_prefix="",
        codedeploy_deployment_group="shop-dg",
        codedeploy_ready_wait_minutes=60,
        codedeploy_termination_wait_minutes=120,
    )
    assert plan["codedeploy"] == {
        "deployment_group": "shop-dg",
        "deployment_type": "BLUE_GREEN",
        "auto_scaling_groups": ["shop-blue"],
        "target_group": "shop",
        "blue_green": {
            "ready_action": "STOP_DEPLOYMENT",
            "ready_wait_minutes": 60,
            "terminate_originals": True,
            "termination_wait_minutes": 120,
        },
        "replacement_tags": {"bluegreen:app": "shop", "bluegreen:color": "green"},
        "revision": REVISION_S3,
        "where": "the copy of shop-blue that CodeDeploy makes, up to Ready",
    }
    assert plan["codedeploy"] == codedeploy_options(
        plan, REVISION_S3, "shop-dg", "shop", ready_wait_minutes=60, termination_wait_minutes=120
    )


@pytest.mark.parametrize(
    "given, expected",
    [
        pytest.param({}, "s3://revisions/revisions/shop/43.zip", id="the-default-prefix"),
        pytest.param({"codedeploy_key_prefix": "r/", "codedeploy_bundle_type": "tgz"}, "s3://revisions/r/shop/43.tgz"),
        pytest.param({"codedeploy": False}, None, id="no-codedeploy-no-revision"),
    ],
)
def test_the_revision_is_named_by_the_artifact_version(given, expected):
    options = {"codedeploy": True, "codedeploy_bucket": "revisions", "artifact_version": "43", **given}
    assert plan_deploy(state(), "shop", **options)["revision_uri"] == expected


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
        artifact_version="43",
        codedeploy_bucket="revisions",
        codedeploy_key_prefix="",
        codedeploy_target_group="shop-blue",
    )


def last_record(group="CodeDeploy_shop_d-1", color_="green", revision=REVISION, valid=True):
    return {"valid": valid, "color": color_, "auto_scaling_group": group, "codedeploy_revision": revision}


@pytest.mark.parametrize(
    "given, expected",
    [
        pytest.param({}, {"recorded": None, "probe": False, "done": False}, id="first-deploy"),
        pytest.param(
            {"green": color("CodeDeploy_shop_d-1"), "deployment": last_record()},
            {"recorded": "CodeDeploy_shop_d-1", "probe": False, "done": True},
            id="already-deployed-recorded-in-service",
        ),
        pytest.param(
            {"green": color("CodeDeploy_shop_d-1", in_service=1), "deployment": last_record()},
            {"recorded": "CodeDeploy_shop_d-1", "probe": False, "done": False},
            id="recorded-but-short-of-instances-in-service",
        ),
        pytest.param(
            {"green": color("CodeDeploy_shop_d-2"), "deployment": last_record()},
            {"recorded": "CodeDeploy_shop_d-1", "probe": True, "done": False},
            id="the-idle-group-is-not-the-recorded-copy",
        ),
        pytest.param(
            {"green": color("CodeDeploy_shop_d-1"), "deployment": last_record(revision="s3://revisions/shop/42.zip")},
            {"recorded": None, "probe": True, "done": False},
            id="the-record-is-another-revision-s",
        ),
        pytest.param(
            {"green": color("CodeDeploy_shop_d-1"), "deployment": last_record(color_="blue")},
            {"recorded": None, "probe": True, "done": False},
            id="the-record-is-the-live-colour-s",
        ),
        pytest.param(
            {"green": color("CodeDeploy_shop_d-1"), "deployment": last_record(valid=False)},
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
    plan = {"app": "shop", "idle": "green", "existing": existing, "recorded": recorded_group}
    refusals = idle_refusal(plan, under_way)
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
TEMPLATE = {"launch_template_id": "lt-0abc", "version": "7"}


def fleet_record(**given):
    """What the deployment parameter records for shop's new fleet demo-green, on image ami-1 and TEMPLATE."""
    return {
        "id": "20261207T0300Z",
        "color": "green",
        "auto_scaling_group": "shop-green",
        "source": "shop-blue",
        "artifact_version": "2",
        "image_id": "ami-1",
        "codedeploy_revision": None,
        "launch_template": TEMPLATE,
        **given,
    }


def efs_record(**given):
    return {"id": "20261207T0300Z", "color": "green", "artifact_version": "2", "release_sha256": "ab12", **given}


@pytest.mark.parametrize(
    "strategy, given, last, expected",
    [
        (
            "alb",
            {"clone": {"up_to_date": True, "launch_template_version": TEMPLATE}},
            fleet_record(),
            "shop-green (green) already runs this release, healthy",
        ),
        ("route53", {"clone": {"up_to_date": True, "launch_template_version": TEMPLATE}}, RECORDED, ""),
        ("alb", {"clone": {"up_to_date": True, "launch_template_version": {"version": "8"}}}, fleet_record(), ""),
        ("alb", {"clone": {"up_to_date": False, "launch_template_version": TEMPLATE}}, fleet_record(), ""),
        ("alb", {"clone": None}, fleet_record(), ""),
        (
            "alb",
            {"clone": {"up_to_date": True, "launch_template_version": TEMPLATE}, "release": {"changed": True}},
            fleet_record(),
            "",
        ),
        (
            "alb",
            {"clone": {"up_to_date": True, "launch_template_version": TEMPLATE}, "release": {"changed": False}},
            fleet_record(),
            "already runs",
        ),
        (
            "alb",
            {"clone": {"up_to_date": True, "launch_template_version": TEMPLATE}, "unhealthy": True},
            fleet_record(),
            "",
        ),
        (
            "efs",
            {"release": {"changed": False, "path": "/efs/shop/green", "sha256": "ab12"}},
            efs_record(),
            "/efs/shop/green (green) already holds shop 2",
        ),
        ("efs", {"release": {"changed": False, "path": "/efs/shop/green", "sha256": "cd34"}}, efs_record(), ""),
        ("efs", {"release": {"changed": True, "path": "/efs/shop/green", "sha256": "ab12"}}, efs_record(), ""),
        ("codedeploy", {"done": True}, RECORDED, "shop-green (green) already runs revision s3://revisions/shop/43.zip"),
        ("codedeploy", {"done": False}, RECORDED, ""),
    ],
)
def test_a_deploy_run_again_has_nothing_to_do_only_when_all_is_in_place_and_recorded(strategy, given, last, expected):
    given = dict(given)
    found = state(green=color("shop-green", healthy=0 if given.pop("unhealthy", False) else 2), deployment=last)
    found["parameters"] = PARAMETERS
    plan = plan_deploy(
        found,
        "shop",
        strategy=strategy,
        image_id="ami-1",
        artifact_version="2" if strategy != "codedeploy" else "43",
        codedeploy_bucket="revisions",
        codedeploy_key_prefix="",
    )
    if "done" in given:
        plan["done"] = given.pop("done")
    said = nothing_to_do(plan, found, **given)
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
    given = dict(given)
    plan = plan_deploy(state(), "shop", strategy=strategy, keep_failed=given.pop("keep_failed", False))
    assert failure_outcome(plan, **given).startswith(expected)


FLEET_PLAN = {
    "app": "shop",
    "strategy": "alb",
    "live": "blue",
    "idle": "green",
    "name": "shop-green",
    "source": "shop-blue",
    "min_healthy_targets": 2,
    "image_id": None,
    "artifact_version": "2.0",
    "revision_uri": REVISION,
}


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
    plan = {**FLEET_PLAN, "min_healthy_targets": minimum}
    # CodeDeploy's in-place deployment (bluegreen_codedeploy) changes nothing to the check.
    assert verification_failures(plan, read_back(**given)) == expected
    assert verification_failures(plan, read_back(**given), {"replacement_auto_scaling_group": None}) == expected


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
    plan = {**FLEET_PLAN, "strategy": "codedeploy"}
    found = verification_failures(plan, read_back(**given), {"replacement_auto_scaling_group": "CodeDeploy_shop_d-1"})
    assert found == expected


@pytest.mark.parametrize(
    "strategy, check_mode, found, expected",
    [
        (
            "alb",
            False,
            {"clone": {"launch_template_version": TEMPLATE, "auto_scaling_group": {"desired_capacity": 2}}},
            "shop: shop-green (green) runs launch template lt-0abc version 7 (image ami-1) with 2 instance(s), healthy "
            "and verified; blue still takes all production traffic. Next: the teal.bluegreen.switch playbook",
        ),
        (
            "route53",
            True,
            {"clone": {"launch_template_version": TEMPLATE}},
            "shop: shop-green (green) would run launch template lt-0abc version 7 (image ami-1) with ? instance(s), "
            "once they are healthy and verified; blue would still take all production traffic. Check mode: nothing "
            "changed; the same command without --check deploys",
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
            },
            f"shop: CodeDeploy deployment d-1 installed {REVISION} on CodeDeploy_shop_d-1 (green), a copy of shop-blue; "
            "it waits in Ready and blue still takes all production traffic. Next: the teal.bluegreen.switch playbook",
        ),
        (
            "codedeploy",
            True,
            {"deployment": {"skipped": True}},
            f"would upload {REVISION} and have CodeDeploy copy shop-blue into green and install it there, up to Ready",
        ),
        (
            "efs",
            False,
            {"release": {"path": "/mnt/efs/shop/green", "sha256": "ab12"}},
            "shop 2.0 is in /mnt/efs/shop/green (green), verified (sha256 ab12); blue still serves every instance. "
            "Next: the teal.bluegreen.switch playbook",
        ),
    ],
    ids=["alb", "route53 in check mode", "codedeploy", "codedeploy in check mode", "efs"],
)
def test_the_report_of_a_deploy_says_what_runs_where_and_what_comes_next(strategy, check_mode, found, expected):
    plan = {**FLEET_PLAN, "strategy": strategy, "image_id": "ami-1"}
    assert report(plan, check_mode, **found) == expected


def test_each_strategy_records_what_it_put_in_the_idle_colour():
    fleet = {**FLEET_PLAN, "image_id": "ami-1", "artifact_version": "2", "revision_uri": None}
    assert record(fleet, "20261207T0300Z", clone={"launch_template_version": {**TEMPLATE, "more": 1}}) == fleet_record()
    assert record({**fleet, "revision_uri": REVISION}, "d", clone={})["codedeploy_revision"] == REVISION
    assert record({**fleet, "revision_uri": REVISION}, "d", clone={})["launch_template"] == {
        "launch_template_id": None,
        "version": None,
    }
    efs = {**fleet, "strategy": "efs", "artifact_version": 2}
    assert record(efs, "20261207T0300Z", release={"sha256": "ab12", "path": "/efs/shop/green"}) == efs_record()
    codedeploy = {
        **fleet,
        "strategy": "codedeploy",
        "revision_uri": REVISION,
        "previous": {"artifact_version": "42", "codedeploy_revision": "s3://revisions/shop/42.zip"},
    }
    deployment = {"deployment_id": "d-1", "replacement_auto_scaling_group": "CodeDeploy_shop_d-1", "status": "Ready"}
    assert record(codedeploy, "20261207T0300Z", deployment=deployment) == {
        "id": "20261207T0300Z",
        "color": "green",
        "auto_scaling_group": "CodeDeploy_shop_d-1",
        "source": "shop-blue",
        "artifact_version": "2",
        "codedeploy_revision": REVISION,
        "codedeploy_deployment_id": "d-1",
        "previous_artifact_version": "42",
        "codedeploy_previous_revision": "s3://revisions/shop/42.zip",
    }


def test_the_deployment_is_recorded_once_with_its_description():
    plan = {**FLEET_PLAN, "strategy": "efs", "artifact_version": "2.0"}
    release = {"sha256": "ab12"}
    assert (
        records(
            plan,
            {"id": "old", "color": "green", "artifact_version": "2.0", "release_sha256": "ab12"},
            "new",
            release=release,
        )
        == []
    )
    assert records(plan, None, "20261207T0300Z", release=release) == [
        {
            "name": "deployment",
            "value": '{"artifact_version": "2.0", "color": "green", "id": "20261207T0300Z", "release_sha256": "ab12"}',
            "description": "deploy 20261207T0300Z: green (artifact 2.0)",
        }
    ]
    unversioned = {**FLEET_PLAN, "artifact_version": None}
    assert records(unversioned, None, "20261207T0300Z")[0]["description"] == "deploy 20261207T0300Z: green"


def test_a_failed_deploy_says_where_what_and_what_it_left_behind():
    message = failure_message(FLEET_PLAN, "the verification", "", ["no answer", "503"], removed=True)
    assert message == (
        "deploy of shop to green failed at the verification, in '?': no answer; 503. shop-green was deleted; blue "
        "still takes all production traffic"
    )


@pytest.mark.parametrize(
    "content, expected",
    [
        (None, [{"source": "bluegreen/", "destination": "/opt/bluegreen/shop/revision"}]),
        (
            "site/",
            [
                {"source": "bluegreen/", "destination": "/opt/bluegreen/shop/revision"},
                {"source": "content/", "destination": "/srv/shop"},
            ],
        ),
    ],
)
def test_a_revision_carries_the_hook_launcher_and_the_content_when_given(content, expected):
    assert revision_files("/opt/bluegreen/shop", content, "/srv/shop") == expected
