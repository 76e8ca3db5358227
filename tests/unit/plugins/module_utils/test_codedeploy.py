# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils import codedeploy

ROLE = "arn:aws:iam::123456789012:role/CodeDeployServiceRole"


def params(**overrides):
    values = {
        "application": "shop",
        "deployment_group": "shop-green",
        "state": "present",
        "service_role_arn": ROLE,
        "deployment_type": "IN_PLACE",
        "deployment_config_name": "CodeDeployDefault.OneAtATime",
        "auto_scaling_groups": ["shop-green"],
        "target_group": None,
        "blue_green": None,
        "auto_rollback": {"enabled": True, "events": ["DEPLOYMENT_FAILURE"]},
        "revision": {"bucket": "releases", "key": "shop/42.zip", "bundle_type": "zip", "version": None, "etag": None},
        "wait_timeout": 1800,
        "poll_interval": 15,
    }
    values.update(overrides)
    return values


def blue_green_params(**blue_green):
    options = {
        "ready_action": "STOP_DEPLOYMENT",
        "ready_wait_minutes": 60,
        "terminate_originals": True,
        "termination_wait_minutes": 30,
    }
    options.update(blue_green)
    return params(
        deployment_type="BLUE_GREEN", auto_scaling_groups=["shop-blue"], target_group="shop", blue_green=options
    )


def location(key="shop/42.zip", etag=None, version=None):
    revision = {"bucket": "releases", "key": key, "bundle_type": "zip", "etag": etag, "version": version}
    return codedeploy.revision_location(revision)


class TestInputProblems:
    def test_good_input_has_none(self):
        assert codedeploy.input_problems(params()) == []
        assert codedeploy.input_problems(blue_green_params()) == []

    @pytest.mark.parametrize(
        "overrides, words",
        [
            ({"application": "shop/../x"}, ["application 'shop/../x'", "letters, digits"]),
            ({"deployment_group": ""}, ["deployment_group ''"]),
            ({"service_role_arn": "CodeDeployRole"}, ["service_role_arn 'CodeDeployRole'", "arn:aws:iam::"]),
            ({"wait_timeout": 0}, ["wait_timeout 0", "1 or more"]),
            ({"poll_interval": -5}, ["poll_interval -5"]),
            ({"revision": None}, ["state=present needs a revision"]),
            (
                {"revision": {"bucket": "r", "key": "/abs.zip", "bundle_type": "zip"}},
                ["revision key '/abs.zip'", "drop the slash"],
            ),
            ({"deployment_type": "BLUE_GREEN"}, ["BLUE_GREEN needs target_group"]),
            (
                {"deployment_type": "BLUE_GREEN", "target_group": "t", "auto_scaling_groups": ["a", "b"]},
                ["names 2 (a, b)", "give one"],
            ),
            ({"replacement_tags": {"bluegreen:color": "green"}}, ["replacement_tags", "IN_PLACE", "BLUE_GREEN"]),
        ],
    )
    def test_each_problem_names_the_value_and_the_remedy(self, overrides, words):
        problems = " ".join(codedeploy.input_problems(params(**overrides)))
        for word in words:
            assert word in problems

    def test_wait_minutes_out_of_range(self):
        problems = codedeploy.input_problems(blue_green_params(termination_wait_minutes=3000))
        assert problems == [
            "blue_green.termination_wait_minutes 3000 is out of range; CodeDeploy allows 0 to 2880 minutes"
        ]


class TestGroupConfig:
    def test_in_place_without_traffic_control(self):
        config = codedeploy.group_config(params())
        assert config["deploymentStyle"] == {
            "deploymentType": "IN_PLACE",
            "deploymentOption": "WITHOUT_TRAFFIC_CONTROL",
        }
        assert config["loadBalancerInfo"] == {}
        assert config["blueGreenDeploymentConfiguration"] == {}
        assert config["serviceRoleArn"] == ROLE

    def test_blue_green(self):
        config = codedeploy.group_config(blue_green_params())
        assert config["deploymentStyle"]["deploymentOption"] == "WITH_TRAFFIC_CONTROL"
        assert config["loadBalancerInfo"] == {"targetGroupInfoList": [{"name": "shop"}]}
        assert config["blueGreenDeploymentConfiguration"] == {
            "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 60},
            "greenFleetProvisioningOption": {"action": "COPY_AUTO_SCALING_GROUP"},
            "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 30},
        }

    def test_keep_alive_has_no_wait(self):
        config = codedeploy.group_config(blue_green_params(terminate_originals=False))
        assert config["blueGreenDeploymentConfiguration"]["terminateBlueInstancesOnDeploymentSuccess"] == {
            "action": "KEEP_ALIVE",
            "terminationWaitTimeInMinutes": 0,
        }

    def test_a_missing_group_is_created(self):
        assert codedeploy.plan_group(None, codedeploy.group_config(params()))[0] == "create"

    def test_a_group_as_aws_returns_it_is_unchanged(self):
        wanted = codedeploy.group_config(blue_green_params())
        group = {
            "deploymentConfigName": "CodeDeployDefault.OneAtATime",
            "autoScalingGroups": [{"name": "shop-blue", "hook": "CodeDeploy-managed-automatic-launch-deployment-hook"}],
            "deploymentStyle": {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
            "loadBalancerInfo": {"targetGroupInfoList": [{"name": "shop"}]},
            "autoRollbackConfiguration": {"enabled": True, "events": ["DEPLOYMENT_FAILURE"]},
            "blueGreenDeploymentConfiguration": wanted["blueGreenDeploymentConfiguration"],
            "serviceRoleArn": ROLE,
        }
        assert codedeploy.plan_group(group, wanted) == ("none", [])

    def test_a_changed_group_lists_what_differs(self):
        wanted = codedeploy.group_config(params(auto_scaling_groups=["shop-blue"]))
        group = {
            "deploymentConfigName": "CodeDeployDefault.OneAtATime",
            "autoScalingGroups": [{"name": "shop-green"}],
            "deploymentStyle": {"deploymentType": "IN_PLACE", "deploymentOption": "WITHOUT_TRAFFIC_CONTROL"},
            "autoRollbackConfiguration": {"enabled": True, "events": ["DEPLOYMENT_FAILURE"]},
            "serviceRoleArn": "arn:aws:iam::123456789012:role/Other",
        }
        assert codedeploy.plan_group(group, wanted) == ("update", ["autoScalingGroups", "serviceRoleArn"])

    def test_an_omitted_role_keeps_the_groups(self):
        wanted = codedeploy.group_config(params(service_role_arn=None))
        group = {
            "deploymentConfigName": "CodeDeployDefault.OneAtATime",
            "autoScalingGroups": [{"name": "shop-green"}],
            "deploymentStyle": {"deploymentType": "IN_PLACE", "deploymentOption": "WITHOUT_TRAFFIC_CONTROL"},
            "autoRollbackConfiguration": {"enabled": True, "events": ["DEPLOYMENT_FAILURE"]},
            "serviceRoleArn": ROLE,
        }
        assert codedeploy.plan_group(group, wanted) == ("none", [])


class TestDeploymentPlan:
    def test_nothing_deployed_yet(self):
        assert codedeploy.plan_deployment(None, None, location(), "g") == ("create", None)

    def test_the_last_success_of_the_same_revision_is_kept(self):
        last = {"deploymentId": "d-1", "status": "Succeeded", "revision": location(etag="abc")}
        assert codedeploy.plan_deployment(None, last, location(), "g") == ("none", last)

    def test_a_failed_last_deployment_is_retried(self):
        last = {"deploymentId": "d-1", "status": "Failed", "revision": location()}
        assert codedeploy.plan_deployment(None, last, location(), "g") == ("create", None)

    def test_another_revision_is_deployed(self):
        last = {"deploymentId": "d-1", "status": "Succeeded", "revision": location("shop/41.zip")}
        assert codedeploy.plan_deployment(None, last, location(), "g") == ("create", None)

    def test_a_different_etag_is_another_revision(self):
        last = {"deploymentId": "d-1", "status": "Succeeded", "revision": location(etag="old")}
        assert codedeploy.plan_deployment(None, last, location(etag="new"), "g") == ("create", None)

    def test_the_same_revision_under_way_is_followed(self):
        active = {"deploymentId": "d-2", "status": "InProgress", "revision": location()}
        assert codedeploy.plan_deployment(active, None, location(), "g") == ("follow", active)

    def test_another_revision_under_way_is_a_conflict(self):
        active = {"deploymentId": "d-2", "status": "Ready", "revision": location("shop/41.zip")}
        with pytest.raises(codedeploy.DeploymentConflict, match="d-2 of s3://releases/shop/41.zip is Ready"):
            codedeploy.plan_deployment(active, None, location(), "g")


class TestMilestones:
    def test_what_present_waits_for(self):
        assert codedeploy.milestone(params(), codedeploy.group_config(params())) == "finished"
        bg = blue_green_params()
        assert codedeploy.milestone(bg, codedeploy.group_config(bg)) == "ready"
        bg = blue_green_params(ready_action="CONTINUE_DEPLOYMENT")
        assert codedeploy.milestone(bg, codedeploy.group_config(bg)) == "rerouted"
        bg = blue_green_params(ready_action="CONTINUE_DEPLOYMENT", termination_wait_minutes=0)
        assert codedeploy.milestone(bg, codedeploy.group_config(bg)) == "finished"

    @pytest.mark.parametrize(
        "info, wanted, expected",
        [
            ({"status": "InProgress"}, "ready", False),
            ({"status": "Ready"}, "ready", True),
            ({"status": "Ready"}, "rerouted", False),
            ({"status": "InProgress", "instanceTerminationWaitTimeStarted": True}, "ready", True),
            ({"status": "InProgress", "instanceTerminationWaitTimeStarted": True}, "rerouted", True),
            ({"status": "InProgress", "instanceTerminationWaitTimeStarted": True}, "finished", False),
            ({"status": "Succeeded"}, "finished", True),
            ({"status": "Failed"}, "finished", False),
        ],
    )
    def test_reached(self, info, wanted, expected):
        assert codedeploy.reached(info, wanted) is expected

    def test_continue(self):
        assert codedeploy.plan_continue({"status": "Ready"}, "rerouted") == "READY_WAIT"
        assert codedeploy.plan_continue({"status": "Ready"}, "ready") is None
        waiting = {"status": "InProgress", "instanceTerminationWaitTimeStarted": True}
        assert codedeploy.plan_continue(waiting, "rerouted") is None
        assert codedeploy.plan_continue(waiting, "finished") == "TERMINATION_WAIT"
        assert codedeploy.plan_continue({"status": "Succeeded"}, "finished") is None


TARGETS = [
    {
        "instanceTarget": {
            "targetId": "i-2",
            "instanceLabel": "Green",
            "status": "Failed",
            "lifecycleEvents": [
                {"lifecycleEventName": "AfterInstall", "status": "Succeeded"},
                {
                    "lifecycleEventName": "BeforeAllowTraffic",
                    "status": "Failed",
                    "diagnostics": {
                        "errorCode": "ScriptFailed",
                        "scriptName": "bluegreen/run-hook.sh",
                        "message": "Script at specified location: bluegreen/run-hook.sh failed with exit code 1",
                        "logTail": "[stdout]http://127.0.0.1/ answered 500\n",
                    },
                },
                {"lifecycleEventName": "AllowTraffic", "status": "Skipped"},
            ],
        }
    },
    {"instanceTarget": {"targetId": "i-1", "instanceLabel": "Blue", "status": "Succeeded", "lifecycleEvents": []}},
]


class TestFailures:
    def test_summaries_and_the_failed_event(self):
        summaries = codedeploy.instance_summaries(TARGETS)
        assert [item["instance_id"] for item in summaries] == ["i-1", "i-2"]
        assert codedeploy.failed_event(summaries) == {
            "instance_id": "i-2",
            "lifecycle_event": "BeforeAllowTraffic",
            "error_code": "ScriptFailed",
            "script_name": "bluegreen/run-hook.sh",
            "message": "Script at specified location: bluegreen/run-hook.sh failed with exit code 1",
            "log_tail": "[stdout]http://127.0.0.1/ answered 500\n",
        }

    def test_the_message_names_the_event_and_the_log(self):
        event = codedeploy.failed_event(codedeploy.instance_summaries(TARGETS))
        info = {"deploymentId": "d-9", "status": "Failed", "rollbackInfo": {"rollbackDeploymentId": "d-10"}}
        message = codedeploy.failure_message(info, event)
        assert message.startswith("deployment d-9 failed at BeforeAllowTraffic on i-2 (script bluegreen/run-hook.sh")
        assert "CodeDeploy rolls back with deployment d-10" in message
        assert message.endswith("http://127.0.0.1/ answered 500")

    def test_without_an_event_the_error_information_is_used(self):
        info = {
            "deploymentId": "d-9",
            "status": "Failed",
            "errorInformation": {"code": "NO_INSTANCES", "message": "none"},
        }
        assert codedeploy.failure_message(info, None) == "deployment d-9 failed: NO_INSTANCES none"

    def test_a_timeout_says_what_to_do(self):
        message = codedeploy.failure_message({"deploymentId": "d-9", "status": "InProgress"}, None, wait_timeout=60)
        assert "still InProgress after waiting 60s" in message
        assert "wait_timeout" in message and "state=stopped" in message


def test_tags_to_set_are_those_missing_or_different():
    current = {"bluegreen:app": "shop", "bluegreen:color": "blue", "team": "web"}
    wanted = {"bluegreen:app": "shop", "bluegreen:color": "green", "owner": "ops"}
    assert codedeploy.tags_to_set(current, wanted) == {"bluegreen:color": "green", "owner": "ops"}
    assert codedeploy.tags_to_set(current, {"bluegreen:app": "shop"}) == {}
    assert codedeploy.tags_to_set(current, None) == {}
