# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The decisions of the sandbox's CodeDeploy (tools/sandbox_codedeploy.py), with plain data: no server, no AWS."""

from __future__ import annotations

import importlib.util
import random
import re
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[3] / "tools" / "sandbox_codedeploy.py"
# The tool imports its sibling modules by name, as the sandbox server (run from tools/) does.
sys.path.insert(0, str(TOOL.parent))
_spec = importlib.util.spec_from_file_location("bluegreen_sandbox_codedeploy", TOOL)
codedeploy = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = codedeploy
_spec.loader.exec_module(codedeploy)

INSTALL = ["ApplicationStop", "DownloadBundle", "BeforeInstall", "Install", "AfterInstall", "ApplicationStart"]
INSTALL += ["ValidateService"]


def test_in_place_events_follow_the_appspec_run_order():
    assert list(codedeploy.in_place_events(traffic_control=False)) == INSTALL
    assert list(codedeploy.in_place_events(traffic_control=True)) == (
        ["BeforeBlockTraffic", "BlockTraffic", "AfterBlockTraffic"]
        + INSTALL
        + ["BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic"]
    )


def test_an_in_place_plan_is_one_batched_phase_on_the_instances_in_place():
    [phase] = codedeploy.plan(codedeploy.IN_PLACE, traffic_control=False)

    assert (phase.kind, phase.label, list(phase.events), phase.batched) == ("events", "Blue", INSTALL, True)


@pytest.mark.parametrize(
    ("ready", "termination", "wait", "kinds"),
    [
        ("STOP_DEPLOYMENT", "TERMINATE", 5, ["events", "ready_wait", "events", "events", "termination_wait"]),
        ("CONTINUE_DEPLOYMENT", "TERMINATE", 0, ["events", "events", "events"]),
        ("CONTINUE_DEPLOYMENT", "KEEP_ALIVE", 5, ["events", "events", "events"]),
    ],
)
def test_a_blue_green_plan_installs_waits_reroutes_then_ends_the_originals(ready, termination, wait, kinds):
    phases = codedeploy.plan(
        codedeploy.BLUE_GREEN, ready_action=ready, termination_action=termination, termination_wait=wait
    )

    assert [phase.kind for phase in phases[:-1]] == kinds
    assert phases[-1].kind == ("terminate_originals" if termination == "TERMINATE" else "keep_originals")
    assert list(codedeploy.label_events(phases, "Green")) == INSTALL + [
        "BeforeAllowTraffic",
        "AllowTraffic",
        "AfterAllowTraffic",
    ]
    assert list(codedeploy.label_events(phases, "Blue")) == ["BeforeBlockTraffic", "BlockTraffic", "AfterBlockTraffic"]
    assert [phase.batched for phase in phases if phase.kind == "events"] == [True, False, False]


def test_a_blue_green_rollback_allows_the_originals_then_blocks_and_removes_the_replacement():
    phases = codedeploy.plan(codedeploy.BLUE_GREEN_ROLLBACK)

    assert [(phase.kind, phase.label) for phase in phases] == [
        ("events", "Blue"),
        ("events", "Green"),
        ("remove_replacement", None),
    ]
    assert list(codedeploy.label_events(phases, "Blue")) == ["BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic"]
    assert list(codedeploy.label_events(phases, "Green")) == ["BeforeBlockTraffic", "BlockTraffic", "AfterBlockTraffic"]


@pytest.mark.parametrize(
    ("config", "count", "sizes"),
    [
        ("CodeDeployDefault.OneAtATime", 3, [1, 1, 1]),
        ("CodeDeployDefault.HalfAtATime", 9, [4, 4, 1]),
        ("CodeDeployDefault.HalfAtATime", 1, [1]),
        ("CodeDeployDefault.AllAtOnce", 9, [9]),
        (None, 2, [1, 1]),
        ("CodeDeployDefault.AllAtOnce", 0, []),
    ],
)
def test_batches_follow_the_deployment_configuration(config, count, sizes):
    assert codedeploy.batch_sizes(config, count) == sizes


@pytest.mark.parametrize(
    ("config", "total", "succeeded", "failed", "pending", "verdict"),
    [
        # AllAtOnce: fails only when no instance succeeded.
        ("CodeDeployDefault.AllAtOnce", 9, 1, 8, 0, "continue"),
        ("CodeDeployDefault.AllAtOnce", 9, 0, 9, 0, "fail"),
        # HalfAtATime, nine instances: five must succeed.
        ("CodeDeployDefault.HalfAtATime", 9, 0, 4, 5, "continue"),
        ("CodeDeployDefault.HalfAtATime", 9, 0, 5, 4, "fail"),
        ("CodeDeployDefault.HalfAtATime", 9, 3, 1, 5, "continue"),
        ("CodeDeployDefault.HalfAtATime", 9, 5, 4, 0, "continue"),
        # OneAtATime: any failure but on the last of several instances.
        ("CodeDeployDefault.OneAtATime", 2, 0, 1, 1, "fail"),
        ("CodeDeployDefault.OneAtATime", 2, 1, 1, 0, "continue"),
        ("CodeDeployDefault.OneAtATime", 1, 0, 1, 0, "fail"),
        ("CodeDeployDefault.OneAtATime", 3, 2, 0, 1, "continue"),
    ],
)
def test_phase_verdicts_apply_the_minimum_of_healthy_hosts(config, total, succeeded, failed, pending, verdict):
    assert codedeploy.phase_verdict(config, total, succeeded, failed, pending) == verdict


def test_the_overview_counts_every_status_aws_reports():
    assert codedeploy.overview(["Succeeded", "Ready", "Ready", "Skipped"]) == {
        "Pending": 0,
        "InProgress": 0,
        "Succeeded": 1,
        "Failed": 0,
        "Skipped": 1,
        "Ready": 2,
    }


@pytest.mark.parametrize(
    ("status", "kind", "phase", "wait_type", "refusal"),
    [
        ("Ready", "BLUE_GREEN", "ready_wait", "READY_WAIT", None),
        ("InProgress", "BLUE_GREEN", "termination_wait", "TERMINATION_WAIT", None),
        ("InProgress", "BLUE_GREEN", "events", "READY_WAIT", "DeploymentIsNotInReadyStateException"),
        ("Ready", "BLUE_GREEN", "ready_wait", "TERMINATION_WAIT", "InvalidDeploymentStatusException"),
        ("InProgress", "IN_PLACE", "events", "READY_WAIT", "UnsupportedActionForDeploymentTypeException"),
        ("Succeeded", "BLUE_GREEN", None, "TERMINATION_WAIT", "DeploymentAlreadyCompletedException"),
        ("Ready", "BLUE_GREEN", "ready_wait", "SOON", "InvalidDeploymentWaitTypeException"),
    ],
)
def test_continue_deployment_refuses_what_aws_refuses(status, kind, phase, wait_type, refusal):
    assert codedeploy.continue_refusal(status, kind, phase, wait_type) == refusal


@pytest.mark.parametrize(
    ("status", "refusal"),
    [
        ("Created", None),
        ("InProgress", None),
        ("Ready", None),
        ("Stopped", None),
        ("Succeeded", "DeploymentAlreadyCompletedException"),
        ("Failed", "DeploymentAlreadyCompletedException"),
    ],
)
def test_stop_deployment_refuses_a_finished_deployment(status, refusal):
    assert codedeploy.stop_refusal(status) == refusal


@pytest.mark.parametrize(
    ("config", "event", "requested", "expected"),
    [
        ({"enabled": True, "events": ["DEPLOYMENT_FAILURE"]}, "DEPLOYMENT_FAILURE", None, True),
        ({"enabled": False, "events": ["DEPLOYMENT_FAILURE"]}, "DEPLOYMENT_FAILURE", None, False),
        ({"enabled": True, "events": ["DEPLOYMENT_FAILURE"]}, "DEPLOYMENT_STOP_ON_REQUEST", None, False),
        ({}, "DEPLOYMENT_STOP_ON_REQUEST", True, True),
        ({"enabled": True, "events": ["DEPLOYMENT_STOP_ON_REQUEST"]}, "DEPLOYMENT_STOP_ON_REQUEST", False, False),
        (None, "DEPLOYMENT_FAILURE", None, False),
    ],
)
def test_rollbacks_follow_the_configuration_unless_stop_deployment_says(config, event, requested, expected):
    assert codedeploy.rolls_back(config, event, requested) is expected


def test_deployment_ids_have_aws_format():
    ids = {codedeploy.new_deployment_id(random.Random(seed)) for seed in range(50)}

    assert len(ids) == 50
    assert all(re.fullmatch(r"d-[A-Z0-9]{9}", item) for item in ids)


def test_a_failure_outcome_gets_the_agents_diagnostics_by_default():
    outcome = codedeploy.parse_outcome({"outcome": "fail", "event": "BeforeAllowTraffic", "instance_index": 1})

    assert outcome.applies("fail", "BeforeAllowTraffic", 1)
    assert not outcome.applies("fail", "BeforeAllowTraffic", 0)
    assert outcome.diagnostics() == {
        "errorCode": "ScriptFailed",
        "scriptName": "bluegreen/run-hook.sh",
        "message": "Script at specified location: bluegreen/run-hook.sh failed with exit code 1",
        "logTail": "LifecycleEvent - BeforeAllowTraffic\nScript - bluegreen/run-hook.sh\n",
    }


def test_a_failure_of_an_event_no_script_runs_in_is_an_unknown_error():
    outcome = codedeploy.parse_outcome({"outcome": "fail", "event": "AllowTraffic"})

    assert outcome.diagnostics() == {
        "errorCode": "UnknownError",
        "scriptName": "",
        "message": "AllowTraffic failed",
        "logTail": "",
    }


def test_outcomes_default_to_validate_service_on_the_first_instance():
    assert codedeploy.parse_outcome({"outcome": "hold"}).as_dict() == {
        "outcome": "hold",
        "event": "ValidateService",
        "instance_index": 0,
        "error_code": "",
        "script_name": "",
        "message": "",
        "log_tail": "",
    }
    assert codedeploy.parse_outcome({}).kind == "succeed"


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        ({"outcome": "explode"}, "outcome must be one of"),
        ({"outcome": "fail", "event": "Deploy"}, "event must be an EC2 lifecycle event"),
        ({"outcome": "fail", "instance_index": -1}, "instance_index must be an integer"),
        ({"outcome": "fail", "instance_index": True}, "instance_index must be an integer"),
        ({"outcome": "fail", "error_code": "SCRIPT_FAILED"}, "error_code must be one of"),
        ({"outcome": "fail", "colour": "blue"}, "unknown fields: colour"),
    ],
)
def test_bad_outcomes_are_refused_with_what_is_wrong(payload, complaint):
    with pytest.raises(ValueError, match=complaint):
        codedeploy.parse_outcome(payload)
