# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The jobs of the AWX Release workflow, run as AWX runs them, against the test sandbox.

AWX gives each job a private data directory: project/ (the project's checkout), inventory/hosts (a script that
prints the inventory as JSON), env/extravars (the job template's extra variables, the survey's defaults and the
answers, everything but the job template's own tagged !unsafe), env/envvars (the environment, with the AWS keys of
the job's credential) and env/settings; it runs ansible-runner on it and shows the job from the events and
artifacts/<ident>/. This module builds those directories with the job templates of playbooks/awx_setup.yml and the
surveys of awx/surveys, an inventory read from the sandbox with awx_setup's EC2 inventory source, and runs the
jobs one after the other as the workflow launches them.

The module's fixture puts the sandbox back as provisioned (live on blue, one blue fleet, no deployment record).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import ansible_runner
import pytest
import yaml

from awx_support import extravars_file
from awx_support import job_extra_vars
from awx_support import job_templates
from awx_support import launch_answers
from awx_support import survey
from awx_support import tasks
from conftest import REGION

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LIVE = "/bluegreen/demo/live"
DEPLOYMENT = "/bluegreen/demo/deployment"
STATE_ARGS = {"app": "demo", "load_balancer": "demo"}
# What the inventory's variables add for the test: short waits.
FAST = {"bluegreen_poll_interval": 1, "bluegreen_wait_timeout": 120}


def state(sandbox):
    return sandbox.module("state_info", **STATE_ARGS)


@pytest.fixture(scope="module")
def release_sandbox(sandbox):
    """The sandbox as provisioned, which tests/conftest.py restores before each test file."""
    before = state(sandbox)
    assert (before["live_color"], before["consistent"], before["lock"]) == ("blue", True, None), before["reasons"]
    assert list(sandbox.groups()) == ["demo-blue"]
    return sandbox


def plain(data):
    """ansible-inventory's JSON with its unsafe markers dropped, as AWX stores an inventory it imported."""
    if isinstance(data, dict):
        if set(data) == {"__ansible_unsafe"}:
            return data["__ansible_unsafe"]
        return {key: plain(value) for key, value in data.items()}
    if isinstance(data, list):
        return [plain(item) for item in data]
    return data


def inventory_variables(sandbox):
    """What awx_setup's bluegreen_awx_inventory_variables holds for the sandbox: inventories/local's settings
    without keys (the credential brings them) and without its templates, which read this machine's environment."""
    local = yaml.safe_load((ROOT / "inventories" / "local" / "group_vars" / "all.yml").read_text(encoding="utf-8"))
    settings = {
        name: value
        for name, value in local.items()
        if name not in ("bluegreen_aws_access_key", "bluegreen_aws_secret_key") and "{{" not in json.dumps(value)
    }
    return {**settings, "bluegreen_aws_endpoint_url": sandbox.endpoint, **FAST}


@pytest.fixture(scope="module")
def awx_inventory(release_sandbox, tmp_path_factory):
    """The AWX inventory: its variables, and the instances its EC2 source finds, grouped as awx_setup says."""
    sandbox = release_sandbox
    (source,) = [task for task in tasks() if "awx.awx.inventory_source" in task]
    config = dict(source["awx.awx.inventory_source"]["source_vars"])
    # AWX names the plugin and passes the credential's keys in the environment; the region is a setting.
    config.update(plugin="amazon.aws.aws_ec2", regions=[REGION], endpoint_url=sandbox.endpoint)
    directory = tmp_path_factory.mktemp("inventory-source")
    (directory / "awx.aws_ec2.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {name: value for name, value in os.environ.items() if not name.startswith(("ANSIBLE_", "AWS_"))}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".venv" / "collections"),
    )
    done = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", str(directory / "awx.aws_ec2.yml"), "--list"],
        env=env,
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    inventory = plain(json.loads(done.stdout))
    inventory.setdefault("all", {})["vars"] = inventory_variables(sandbox)
    return inventory


def test_inventory_source_groups_the_instances_by_colour(release_sandbox, awx_inventory):
    """demo's instances, among those of any other application the account runs (the tests of strategy codedeploy
    leave cdapp's in the sandbox), as AWX's EC2 source imports them."""
    blue = {item["InstanceId"] for item in release_sandbox.groups()["demo-blue"]["Instances"]}
    demo = set(awx_inventory["app_demo"]["hosts"])
    assert len(blue) == 2
    assert demo == blue
    assert set(awx_inventory["bluegreen_blue"]["hosts"]) & demo == blue
    assert not set(awx_inventory.get("bluegreen_green", {}).get("hosts", [])) & demo


class Workflow:
    """One run (id ``number``) of the Release workflow, launched with ``answers`` to its survey: launches its jobs
    as AWX would, each with the workflow's variables."""

    def __init__(self, number, answers, inventory, directory, monkeypatch):
        self.number = number
        self.variables = launch_answers(survey("release"), answers)
        self.inventory = inventory
        self.directory = directory
        self.monkeypatch = monkeypatch

    def launch(self, template_name, job_id):
        template = job_templates()[template_name]
        extra_vars = job_extra_vars(
            template["extra_vars"], survey(template["survey"].removesuffix(".json")), self.variables
        )
        # AWX's own variables, which the job template's extra variables use.
        extra_vars.update(
            awx_job_id=job_id,
            tower_job_id=job_id,
            awx_job_template_name=f"Blue-green {template_name}",
            awx_job_launch_type="workflow",
            awx_workflow_job_id=self.number,
            tower_workflow_job_id=self.number,
            awx_workflow_job_name="Blue-green Release",
            awx_user_name="admin",
        )
        private = self.directory / f"job-{job_id}"
        shutil.copytree(ROOT / "playbooks", private / "project" / "playbooks")
        (private / "inventory").mkdir()
        script = private / "inventory" / "hosts"
        script.write_text(f"#! /usr/bin/env python3\nprint({json.dumps(self.inventory)!r})\n", encoding="utf-8")
        script.chmod(0o700)
        (private / "env").mkdir()
        (private / "env" / "extravars").write_text(extravars_file(extra_vars, template["extra_vars"]), encoding="utf-8")
        envvars = {
            # The credential of type Amazon Web Services.
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            # Where the execution environment has its collections.
            "ANSIBLE_COLLECTIONS_PATH": str(ROOT / ".venv" / "collections"),
            "ANSIBLE_FORCE_COLOR": "False",
            "ANSIBLE_HOST_KEY_CHECKING": "False",
            "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True",
            "ANSIBLE_RETRY_FILES_ENABLED": "False",
            "JOB_ID": str(job_id),
        }
        (private / "env" / "envvars").write_text(json.dumps(envvars), encoding="utf-8")
        (private / "env" / "settings").write_text(json.dumps({"job_timeout": 600}), encoding="utf-8")
        # A job starts from the execution environment's environment, not from the one that launched it; the
        # execution environment has ansible-playbook on its PATH.
        for name in list(os.environ):
            if name.startswith(("ANSIBLE_", "AWS_", "BLUEGREEN_")):
                self.monkeypatch.delenv(name)
        self.monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")
        runner = ansible_runner.run(
            private_data_dir=str(private), playbook=template["playbook"], ident=str(job_id), quiet=True
        )
        return Job(runner, private / "artifacts" / str(job_id))


class Job:
    """A finished job: its runner, its events and its artifacts directory."""

    def __init__(self, runner, artifacts):
        self.runner = runner
        self.artifacts = artifacts
        self.events = list(runner.events)

    @property
    def log(self):
        return (self.artifacts / "stdout").read_text(encoding="utf-8")

    def stats(self):
        (found,) = [event["event_data"] for event in self.events if event["event"] == "playbook_on_stats"]
        return found

    def results(self, action):
        """The results of every run of module ``action``, in order."""
        return [
            event["event_data"]["res"]
            for event in self.events
            if event["event"] == "runner_on_ok" and event["event_data"].get("task_action") == action
        ]

    def failures(self):
        return [
            event["event_data"]
            for event in self.events
            if event["event"] == "runner_on_failed" and not event["event_data"].get("ignore_errors")
        ]

    def assert_successful(self):
        assert (self.runner.status, self.runner.rc) == ("successful", 0), self.log
        assert (self.artifacts / "status").read_text(encoding="utf-8") == "successful"
        assert (self.artifacts / "rc").read_text(encoding="utf-8") == "0"
        assert self.failures() == [], self.log
        stats = self.stats()
        assert (stats["failures"], stats["dark"]) == ({}, {}), self.log
        assert "localhost" in stats["ok"]


@pytest.fixture
def workflow(awx_inventory, tmp_path, monkeypatch):
    return lambda number, answers: Workflow(number, answers, awx_inventory, tmp_path, monkeypatch)


def alb_shares(job):
    """The share of production traffic each change of the listener gave its colour, in order."""
    return [
        (result["invocation"]["module_args"]["live_color"], result["invocation"]["module_args"]["traffic_percent"])
        for result in job.results("teal.bluegreen.alb_swap")
        if result.get("changed")
    ]


def test_a_failed_switch_leaves_production_on_the_old_colour(release_sandbox, workflow):
    sandbox = release_sandbox
    # Approved, but the release does not answer the verification URL.
    run = workflow(
        41,
        {
            "bluegreen_app": "demo",
            "bluegreen_artifact_version": "2.4.1",
            "bluegreen_image_id": sandbox.images()[0],
            "bluegreen_verify_url": "http://127.0.0.1:9/health",
        },
    )
    deploy = run.launch("Deploy", 101)
    deploy.assert_successful()
    assert deploy.stats()["changed"].get("localhost", 0) > 0
    record = json.loads(sandbox.parameter(DEPLOYMENT))
    # The job template's extra variables, rendered by the job from AWX's variables.
    assert (record["id"], record["color"], record["artifact_version"]) == ("awx-41", "green", "2.4.1")
    owners = {result["invocation"]["module_args"]["owner"] for result in deploy.results("teal.bluegreen.deploy_lock")}
    assert owners == {"awx-job-101"}

    # The switch moves the traffic back itself and fails.
    switch = run.launch("Switch", 102)
    assert (switch.runner.status, switch.runner.rc) == ("failed", 2), switch.log
    assert (switch.artifacts / "status").read_text(encoding="utf-8") == "failed"
    assert switch.stats()["failures"] == {"localhost": 1}
    assert alb_shares(switch) == [("green", 100), ("blue", 100)]
    assert state(sandbox)["live_color"] == "blue"

    # The workflow's failure path: the colour the deployment was copied from already takes all the traffic.
    rollback = run.launch("Rollback", 103)
    rollback.assert_successful()
    assert rollback.stats()["changed"] == {}, rollback.log
    current = state(sandbox)
    assert (current["live_color"], current["consistent"], current["lock"]) == ("blue", True, None)
    assert current["deployment"]["pending"] is True


def test_a_release_switches_in_canary_steps_and_stops_the_old_colour(release_sandbox, workflow):
    sandbox = release_sandbox
    run = workflow(
        42,
        {
            "bluegreen_app": "demo",
            "bluegreen_artifact_version": "2.4.1",
            "bluegreen_image_id": sandbox.images()[0],
            "bluegreen_awx_canary_steps": ["50"],
            "bluegreen_bake_seconds": 0,
            "bluegreen_clean_mode": "scale_to_zero",
        },
    )
    run.launch("Deploy", 104).assert_successful()
    assert json.loads(sandbox.parameter(DEPLOYMENT))["color"] == "green"

    switch = run.launch("Switch", 105)
    switch.assert_successful()
    assert alb_shares(switch) == [("green", 50), ("green", 100)]
    history = sandbox.client("ssm").get_parameter_history(Name=LIVE)["Parameters"]
    newest = max(history, key=lambda item: item["Version"])
    assert newest["Value"] == "green"
    assert newest["Description"].startswith("switch awx-42: green (artifact 2.4.1)"), newest["Description"]

    clean = run.launch("Clean", 106)
    clean.assert_successful()
    assert (sandbox.groups()["demo-blue"]["DesiredCapacity"], sandbox.groups()["demo-blue"]["Instances"]) == (0, [])
    current = state(sandbox)
    assert (current["live_color"], current["consistent"], current["lock"]) == ("green", True, None)
