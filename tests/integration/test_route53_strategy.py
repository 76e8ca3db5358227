# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Strategy route53 through the deploy, switch, rollback and clean playbooks against the test sandbox.

Each colour has its own load balancer (demo-blue, demo-green); the live name www.example.com aliases the
live colour's and the staging name staging.example.internal the other's. The `dns` fixture provisions that
layer; this module's fixture puts the fleets and parameters back as provisioned whatever the tests did.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time

import pytest

from conftest import ROOT
from conftest import is_write
from conftest import recap
from route53_sandbox import LIVE
from route53_sandbox import LOAD_BALANCERS
from route53_sandbox import STAGING_NAME
from route53_sandbox import WWW
from route53_sandbox import dns  # noqa: F401  # pylint: disable=unused-import
from route53_sandbox import points_at

DEPLOY = ROOT / "playbooks" / "deploy.yml"
SWITCH = ROOT / "playbooks" / "switch.yml"
ROLLBACK = ROOT / "playbooks" / "rollback.yml"
CLEAN = ROOT / "playbooks" / "clean.yml"
LIVE_PARAMETER = "/bluegreen/demo/live"
LOCK = "/bluegreen/demo/lock"
ROUTE53 = {
    "bluegreen_strategy": "route53",
    "bluegreen_poll_interval": 1,
    "bluegreen_wait_timeout": 120,
    "bluegreen_dns_poll_interval": 1,
}
ON_BLUE = {None: ("blue", None, True)}
ON_GREEN = {None: ("green", None, True)}


def run(sandbox, playbook, *args, **extra_vars):
    done = sandbox.playbook(playbook, *args, extra_vars={**ROUTE53, **extra_vars})
    done.log = done.stdout + done.stderr
    return done


def message(done):
    """The play's output with its line breaks undone, to find a message folded over several lines."""
    return " ".join(done.stdout.split())


def state(sandbox):
    result = sandbox.module("state_info", app="demo", load_balancers=LOAD_BALANCERS, live_records=LIVE)
    assert not result.get("failed"), result.get("msg")
    return result


def names(sandbox, dns):
    """Where the live and the staging name point."""
    return points_at(sandbox, dns, "live", WWW), points_at(sandbox, dns, "staging", STAGING_NAME)


def change_batches(sandbox, dns):
    """The ChangeResourceRecordSets requests of the last recording, in order: [(zone, request body)]."""
    zones = {zone_id: name for name, zone_id in dns["zones"].items()}
    batches = []
    for line in (sandbox.directory / "requests.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        match = re.search(r"/hostedzone/([^/]+)/rrset/?$", entry["url"])
        if entry["method"] == "POST" and match:
            body = entry.get("body") or ""
            if entry.get("body_encoded"):
                body = base64.b64decode(body).decode("utf-8", "replace")
            batches.append((zones.get(match.group(1), match.group(1)), body))
    return batches


def weights_of(body):
    """{set identifier: weight} of the weighted records a batch creates or updates."""
    found = {}
    for change in re.findall(r"<Change>(.*?)</Change>", body, re.S):
        if "<Action>DELETE</Action>" in change:
            continue
        identifier = re.search(r"<SetIdentifier>(\w+)</SetIdentifier>", change)
        weight = re.search(r"<Weight>(\d+)</Weight>", change)
        if identifier and weight:
            found[identifier.group(1)] = int(weight.group(1))
    return found


@pytest.fixture(scope="module")
def route53_sandbox(sandbox, dns):  # noqa: F811 (the fixture imported above)
    """The route53 layer as provisioned, live on blue; tests/conftest.py restores the sandbox before the next file."""
    before = state(sandbox)
    assert (before["source"], before["live_color"], before["consistent"]) == ("route53", "blue", True), before
    assert list(sandbox.groups()) == ["demo-blue"]
    return sandbox


def test_missing_load_balancers_fail_clearly_and_change_nothing(route53_sandbox, dns):
    sandbox = route53_sandbox
    for playbook in (DEPLOY, SWITCH, CLEAN):
        with sandbox.api_calls() as calls:
            done = run(sandbox, playbook, bluegreen_load_balancers=None)
        assert done.returncode != 0
        assert "strategy route53 needs bluegreen_load_balancers" in message(done), done.log
        assert "bluegreen_load_balancers is null" in message(done), done.log
        assert [call for call in calls if is_write(call)] == []
    assert names(sandbox, dns) == (ON_BLUE, ON_GREEN)


def green_fleet_outside_its_target_group(sandbox):
    """A green Auto Scaling group of demo with instances, attached to no target group: a fleet, but no target."""
    blue = sandbox.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=["demo-blue"])
    group = blue["AutoScalingGroups"][0]
    sandbox.client("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName="demo-green",
        LaunchTemplate={"LaunchTemplateName": group["LaunchTemplate"]["LaunchTemplateName"], "Version": "$Latest"},
        MinSize=1,
        MaxSize=1,
        DesiredCapacity=1,
        VPCZoneIdentifier=group["VPCZoneIdentifier"],
        Tags=[
            {"Key": "bluegreen:app", "Value": "demo", "PropagateAtLaunch": True},
            {"Key": "bluegreen:color", "Value": "green", "PropagateAtLaunch": True},
        ],
    )


def test_switch_refuses_a_colour_without_a_fleet(route53_sandbox, dns):
    sandbox = route53_sandbox
    done = run(sandbox, SWITCH, bluegreen_target_color="green")
    assert done.returncode != 0
    assert "green has no Auto Scaling group of demo" in message(done), done.log
    assert "Deploy to green with the teal.bluegreen.deploy playbook first" in message(done), done.log
    assert names(sandbox, dns) == (ON_BLUE, ON_GREEN)
    assert (sandbox.parameter(LIVE_PARAMETER), sandbox.parameter(LOCK)) == ("blue", None)


def test_switch_refuses_a_colour_without_healthy_targets(route53_sandbox, dns):
    sandbox = route53_sandbox
    green_fleet_outside_its_target_group(sandbox)
    try:
        done = run(sandbox, SWITCH, bluegreen_target_color="green")
    finally:
        sandbox.client("autoscaling").delete_auto_scaling_group(AutoScalingGroupName="demo-green", ForceDelete=True)
    assert done.returncode != 0
    assert "target group 'demo-green' (green) has 0 of 0 targets healthy" in message(done), done.log
    assert "fewer than bluegreen_min_healthy_targets=1; not switching" in message(done), done.log
    assert "Production traffic is still on blue (100%)" in message(done), done.log
    assert names(sandbox, dns) == (ON_BLUE, ON_GREEN)
    assert (sandbox.parameter(LIVE_PARAMETER), sandbox.parameter(LOCK)) == ("blue", None)


def test_deploy_in_check_mode_changes_nothing(route53_sandbox):
    sandbox = route53_sandbox
    with sandbox.api_calls() as calls:
        done = run(sandbox, DEPLOY, "--check", bluegreen_image_id=sandbox.images()[0], bluegreen_artifact_version="2")
    assert done.returncode == 0, done.log
    assert [call for call in calls if is_write(call)] == []
    assert list(sandbox.groups()) == ["demo-blue"]


def deploy(sandbox, image, artifact, live, idle):
    done = run(sandbox, DEPLOY, bluegreen_image_id=image, bluegreen_artifact_version=artifact)
    assert done.returncode == 0, done.log
    new = sandbox.groups()[f"demo-{idle}"]
    group = sandbox.client("elbv2").describe_target_groups(Names=[f"demo-{idle}"])["TargetGroups"][0]
    assert new["TargetGroupARNs"] == [group["TargetGroupArn"]]
    current = state(sandbox)
    assert (current["live_color"], current["consistent"], current["deployment"]["pending"]) == (live, True, True)
    assert current["colors"][idle]["targets_healthy"] >= 1

    with sandbox.api_calls() as calls:
        again = run(sandbox, DEPLOY, bluegreen_image_id=image, bluegreen_artifact_version=artifact)
    assert again.returncode == 0, again.log
    assert recap(again)["changed"] == 0, again.stdout
    assert [call for call in calls if is_write(call)] == []


def test_full_cycle_with_a_weighted_shift_and_a_rollback(route53_sandbox, dns):
    sandbox = route53_sandbox
    first_image, second_image = sandbox.images()[:2]
    deploy(sandbox, first_image, "2", live="blue", idle="green")

    # Check mode: nothing is written, the names stay where they are.
    with sandbox.api_calls() as calls:
        checked = run(sandbox, SWITCH, "--check", bluegreen_canary_steps=[25, 100])
    assert checked.returncode == 0, checked.log
    assert [call for call in calls if is_write(call)] == []
    assert names(sandbox, dns) == (ON_BLUE, ON_GREEN)

    # A quarter of the answers first, the staging name untouched, then all of them and the staging name
    # to the old colour in the batch before the live name's.
    with sandbox.api_calls():
        switched = run(sandbox, SWITCH, bluegreen_canary_steps=[25, 100])
    assert switched.returncode == 0, switched.log
    batches = change_batches(sandbox, dns)
    assert [zone for zone, _body in batches] == ["live", "staging", "live"]
    assert weights_of(batches[0][1]) == {"green": 25, "blue": 75}
    assert weights_of(batches[2][1]) == {}
    assert names(sandbox, dns) == (ON_GREEN, ON_BLUE)
    current = state(sandbox)
    assert (current["source"], current["live_color"], current["consistent"]) == ("route53", "green", True)
    assert current["layers"]["ssm"]["live_color"] == "green"
    assert current["deployment"]["pending"] is False

    # Run again: nothing to do, nothing written.
    with sandbox.api_calls() as calls:
        again = run(sandbox, SWITCH)
    assert again.returncode == 0, again.log
    assert recap(again)["changed"] == 0
    assert [call for call in calls if is_write(call)] == []

    # Rollback flips both names back; a switch then goes to the deployed colour again.
    rolled = run(sandbox, ROLLBACK)
    assert rolled.returncode == 0, rolled.log
    assert names(sandbox, dns) == (ON_BLUE, ON_GREEN)
    assert state(sandbox)["live_color"] == "blue"
    switched = run(sandbox, SWITCH)
    assert switched.returncode == 0, switched.log
    assert names(sandbox, dns) == (ON_GREEN, ON_BLUE)

    # The live colour's fleet is production through its load balancer's alias, not through a tag.
    refused = sandbox.module("asg_clone", name="demo-green", app="demo", state="absent", live_records=LIVE)
    assert refused.get("failed"), refused
    assert "live name www.example.com. aliases its load balancer" in refused["msg"]
    assert "demo-green" in sandbox.groups()

    cleaned = run(sandbox, CLEAN)
    assert cleaned.returncode == 0, cleaned.log
    assert list(sandbox.groups()) == ["demo-green"]
    assert recap(run(sandbox, CLEAN))["changed"] == 0
    sandbox.forget_old_targets()

    # Back to blue on another image, in one step.
    deploy(sandbox, second_image, "3", live="green", idle="blue")
    switched = run(sandbox, SWITCH)
    assert switched.returncode == 0, switched.log
    cleaned = run(sandbox, CLEAN)
    assert cleaned.returncode == 0, cleaned.log
    assert list(sandbox.groups()) == ["demo-blue"]
    sandbox.forget_old_targets()
    current = state(sandbox)
    assert (current["live_color"], current["consistent"], current["lock"]) == ("blue", True, None)
    assert names(sandbox, dns) == (ON_BLUE, ON_GREEN)


def test_failed_canary_step_moves_the_names_back(route53_sandbox, dns):
    sandbox = route53_sandbox
    deploy(sandbox, sandbox.images()[0], "4", live="blue", idle="green")
    done = run(
        sandbox,
        SWITCH,
        bluegreen_canary_steps=[30, 100],
        bluegreen_verifications=[{"url": "http://127.0.0.1:9/health"}],
    )
    assert done.returncode != 0
    assert "switch of demo to green failed at step 1 of 2 (30%)" in message(done), done.log
    assert "Production traffic is back on blue (100%)" in message(done), done.log
    assert names(sandbox, dns) == (ON_BLUE, ON_GREEN)
    assert (sandbox.parameter(LIVE_PARAMETER), sandbox.parameter(LOCK)) == ("blue", None)


def test_a_change_by_someone_else_stops_the_switch(route53_sandbox, dns):
    """Once the switch holds the lock, somebody moves the live name to green: the compare-and-swap refuses."""
    sandbox = route53_sandbox
    ssm = sandbox.client("ssm")
    route53 = sandbox.client("route53")
    green = dns["lbs"]["green"]
    target = {"HostedZoneId": green["CanonicalHostedZoneId"], "DNSName": green["DNSName"], "EvaluateTargetHealth": True}
    meddling = {"Action": "UPSERT", "ResourceRecordSet": {"Name": WWW, "Type": "A", "AliasTarget": target}}
    meddled = []

    def meddle():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not meddled:
            if ssm.get_parameters(Names=[LOCK])["Parameters"]:
                route53.change_resource_record_sets(
                    HostedZoneId=dns["zones"]["live"], ChangeBatch={"Changes": [meddling]}
                )
                meddled.append(True)
            time.sleep(0.1)

    meddler = threading.Thread(target=meddle)
    meddler.start()
    try:
        done = run(sandbox, SWITCH, bluegreen_canary_steps=[50, 100])
    finally:
        meddler.join()
    assert meddled
    assert done.returncode != 0
    assert "expected blue to be live, but www.example.com. points at green; not switching" in message(done), done.log
    assert "Production traffic is back on blue (100%)" in message(done), done.log
    assert names(sandbox, dns) == (ON_BLUE, ON_GREEN)
    assert (sandbox.parameter(LIVE_PARAMETER), sandbox.parameter(LOCK)) == ("blue", None)


def test_clean_refuses_when_a_live_name_tells_nothing(route53_sandbox):
    """A live name that is missing leaves production unknown: asg_clone removes nothing."""
    sandbox = route53_sandbox
    before = sandbox.groups()["demo-blue"]["DesiredCapacity"]
    refused = sandbox.module(
        "asg_clone", name="demo-blue", app="demo", state="stopped", live_records=dict(LIVE, names=["www", "shop"])
    )
    assert refused.get("failed"), refused
    assert refused["msg"].startswith("live name shop.example.com. is missing or not an alias"), refused["msg"]
    assert sandbox.groups()["demo-blue"]["DesiredCapacity"] == before
