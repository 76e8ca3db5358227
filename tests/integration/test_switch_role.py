# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The switch role through playbooks/switch.yml and playbooks/rollback.yml, against the test sandbox.

Its release gates (docs/gates.md) too, at the end: CloudWatch alarms moved with SetAlarmState and each colour's
traffic fed to the sandbox's CloudWatch (POST /_sandbox/cloudwatch/traffic), so that a bad release is judged during
its bake and moved back by itself.

The sandbox fakes its instances, so the HTTP verification is pointed at a real web server on loopback
that this module runs; a URL that starts answering 404 after a number of requests fails a chosen step.
Every test leaves the sandbox live on blue, consistent and unlocked, which the `clean` fixture checks.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
import time
import uuid
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from pathlib import Path

import pytest

from conftest import is_write
from conftest import recap

ROOT = Path(__file__).resolve().parents[2]
SWITCH = ROOT / "playbooks" / "switch.yml"
ROLLBACK = ROOT / "playbooks" / "rollback.yml"
LIVE = "/bluegreen/demo/live"
LOCK = "/bluegreen/demo/lock"
STATE_ARGS = {"app": "demo", "load_balancer": "demo"}
BODY = "demo release 2 is up"


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a directory; /fail-after/<n>/<anything> answers 200 to its first n requests, then 404."""

    requests = {}
    lock = threading.Lock()

    def do_GET(self):  # noqa: N802 (the name http.server dispatches to)
        match = re.match(r"^/fail-after/(\d+)/", self.path)
        if match is None:
            super().do_GET()
            return
        with self.lock:
            seen = self.requests[self.path] = self.requests.get(self.path, 0) + 1
        status = 200 if seen <= int(match.group(1)) else 404
        body = (BODY if status == 200 else "gone").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A web server on a free loopback port; returns a function mapping a path to its URL."""
    root = tmp_path_factory.mktemp("site")
    (root / "health").write_text(f"{BODY}\n", encoding="utf-8")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_SiteHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield lambda path: f"http://127.0.0.1:{server.server_address[1]}/{path}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def demo(sandbox):
    """The sample app's load balancer, listeners and target groups, and a green fleet for the switch.

    asg_clone does not exist yet, so the green Auto Scaling group is created here, as the deploy role
    will: the blue group's launch template and subnets, the green target group, the colour tags.
    """
    elbv2 = sandbox.client("elbv2")
    autoscaling = sandbox.client("autoscaling")
    lb = elbv2.describe_load_balancers(Names=["demo"])["LoadBalancers"][0]
    listeners = {
        item["Port"]: item["ListenerArn"]
        for item in elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
    }
    groups = {
        item["TargetGroupName"].split("-")[-1]: item["TargetGroupArn"]
        for item in elbv2.describe_target_groups(Names=["demo-blue", "demo-green"])["TargetGroups"]
    }
    blue = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["demo-blue"])["AutoScalingGroups"][0]
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="demo-green",
        # Name or id, not both: the emulator, like AWS, takes one of the two.
        LaunchTemplate={key: blue["LaunchTemplate"][key] for key in ("LaunchTemplateName", "Version")},
        MinSize=2,
        MaxSize=2,
        DesiredCapacity=2,
        VPCZoneIdentifier=blue["VPCZoneIdentifier"],
        TargetGroupARNs=[groups["green"]],
        HealthCheckType="ELB",
        HealthCheckGracePeriod=60,
        Tags=[
            {"Key": key, "Value": value, "PropagateAtLaunch": True}
            for key, value in (("Name", "demo-green"), ("bluegreen:app", "demo"), ("bluegreen:color", "green"))
        ],
    )
    try:
        deadline = time.monotonic() + 60
        while healthy_targets(sandbox, groups["green"]) < 2:
            assert time.monotonic() < deadline, "the green fleet did not become healthy in the sandbox"
            time.sleep(1)
        yield {"lb": lb, "listeners": listeners, "groups": groups}
    finally:
        restore_blue(sandbox, {"listeners": listeners, "groups": groups})
        autoscaling.delete_auto_scaling_group(AutoScalingGroupName="demo-green", ForceDelete=True)
        # The group's instances drain out of the target group; leave it as provisioned.
        with sandbox.hurried():
            sandbox.wait_until_drained(groups["green"])


def healthy_targets(sandbox, group_arn):
    health = sandbox.client("elbv2").describe_target_health(TargetGroupArn=group_arn)["TargetHealthDescriptions"]
    return sum(1 for item in health if item["TargetHealth"]["State"] == "healthy")


def traffic(sandbox, demo, port):
    """Share of a listener's traffic per colour, e.g. {"blue": 100}, read back from the sandbox."""
    colors = {arn: color for color, arn in demo["groups"].items()}
    listener = sandbox.client("elbv2").describe_listeners(ListenerArns=[demo["listeners"][port]])["Listeners"][0]
    action = next(item for item in listener["DefaultActions"] if item["Type"] == "forward")
    weighted = (action.get("ForwardConfig") or {}).get("TargetGroups")
    if not weighted:
        return {colors[action["TargetGroupArn"]]: 100}
    total = sum(item.get("Weight", 1) for item in weighted)
    return {
        colors[item["TargetGroupArn"]]: round(100 * item.get("Weight", 1) / total)
        for item in weighted
        if item.get("Weight", 1)
    }


def history(sandbox):
    """The live parameter's versions, newest first."""
    pages = sandbox.client("ssm").get_paginator("get_parameter_history").paginate(Name=LIVE)
    versions = [item for page in pages for item in page["Parameters"]]
    return sorted(versions, key=lambda item: item["Version"], reverse=True)


def lock_holder(sandbox):
    found = sandbox.client("ssm").get_parameters(Names=[LOCK])["Parameters"]
    return found[0]["Value"] if found else None


def production_tags(sandbox, demo):
    described = sandbox.client("elbv2").describe_tags(ResourceArns=list(demo["groups"].values()))["TagDescriptions"]
    colors = {arn: color for color, arn in demo["groups"].items()}
    return {
        colors[item["ResourceArn"]]: {tag["Key"]: tag["Value"] for tag in item["Tags"]}.get("IsProduction")
        for item in described
    }


def restore_blue(sandbox, demo):
    """Put production back on blue with boto3, whatever a failed test left behind."""
    elbv2 = sandbox.client("elbv2")
    for port, color in ((80, "blue"), (8080, "green")):
        if traffic(sandbox, demo, port) != {color: 100}:
            elbv2.modify_listener(
                ListenerArn=demo["listeners"][port],
                DefaultActions=[{"Type": "forward", "TargetGroupArn": demo["groups"][color]}],
            )
    elbv2.add_tags(ResourceArns=[demo["groups"]["blue"]], Tags=[{"Key": "IsProduction", "Value": "true"}])
    elbv2.add_tags(ResourceArns=[demo["groups"]["green"]], Tags=[{"Key": "IsProduction", "Value": "false"}])
    ssm = sandbox.client("ssm")
    if history(sandbox)[0]["Value"] != "blue":
        ssm.put_parameter(Name=LIVE, Value="blue", Type="String", Overwrite=True, Description="test cleanup: blue")
    if lock_holder(sandbox) is not None:
        ssm.delete_parameter(Name=LOCK)


@pytest.fixture
def clean(sandbox, demo):
    """Each test starts and must end live on blue, consistent and unlocked; restores it either way."""
    state = sandbox.module("state_info", **STATE_ARGS)
    assert (state["live_color"], state["consistent"], state["lock"]) == ("blue", True, None), state
    try:
        yield
    finally:
        restore_blue(sandbox, demo)
    state = sandbox.module("state_info", **STATE_ARGS)
    assert (state["live_color"], state["consistent"], state["lock"]) == ("blue", True, None), state["reasons"]


def run(sandbox, playbook, *args, **extra_vars):
    done = sandbox.playbook(playbook, *args, extra_vars=extra_vars or None)
    done.log = done.stdout + done.stderr
    return done


def moved_steps(done):
    """The shares of the "Move production traffic to green (N%)" tasks that ran, in order."""
    return re.findall(
        r"^TASK \[teal\.bluegreen\.switch : Move production traffic to green \((\d+)%\)\]", done.stdout, re.M
    )


def deployment_id(name):
    return f"{name}-{uuid.uuid4().hex[:8]}"


def test_switch_moves_production_to_green(sandbox, demo, site, clean):
    deployment = deployment_id("full")
    versions_before = len(history(sandbox))

    done = run(
        sandbox,
        SWITCH,
        bluegreen_deployment_id=deployment,
        bluegreen_artifact_version="2.0.0",
        bluegreen_verify_url=site("health"),
        bluegreen_verify_body=BODY,
    )

    assert done.returncode == 0, done.log
    assert recap(done)["failed"] == 0
    assert "Move production traffic to green (100%)" in done.stdout
    assert traffic(sandbox, demo, 80) == {"green": 100}
    assert traffic(sandbox, demo, 8080) == {"blue": 100}
    newest = history(sandbox)[0]
    assert len(history(sandbox)) == versions_before + 1
    assert newest["Value"] == "green"
    assert newest["Description"] == f"switch {deployment}: green (artifact 2.0.0)"
    assert production_tags(sandbox, demo) == {"blue": "false", "green": "true"}
    assert lock_holder(sandbox) is None
    state = sandbox.module("state_info", **STATE_ARGS)
    assert (state["live_color"], state["consistent"]) == ("green", True), state["reasons"]


def test_switch_again_changes_nothing(sandbox, demo, site, clean):
    deployment = deployment_id("rerun")
    variables = {"bluegreen_deployment_id": deployment, "bluegreen_verify_url": site("health")}

    first = run(sandbox, SWITCH, bluegreen_target_color="green", **variables)
    assert first.returncode == 0, first.log
    version = history(sandbox)[0]["Version"]

    again = run(sandbox, SWITCH, bluegreen_target_color="green", **variables)
    assert again.returncode == 0, again.log
    assert recap(again)["changed"] == 0, again.stdout
    assert "nothing to do" in again.stdout
    # No colour given: the same deployment id finds its own switch in the history instead of toggling back.
    same_deployment = run(sandbox, SWITCH, **variables)
    assert same_deployment.returncode == 0, same_deployment.log
    assert recap(same_deployment)["changed"] == 0, same_deployment.stdout

    assert traffic(sandbox, demo, 80) == {"green": 100}
    assert history(sandbox)[0]["Version"] == version
    assert lock_holder(sandbox) is None


def test_check_mode_changes_nothing(sandbox, demo, site, clean):
    version = history(sandbox)[0]["Version"]

    # Past 50% the next step expects green to hold the traffic, which in check mode it never does.
    done = run(sandbox, SWITCH, "--check", bluegreen_canary_steps=[60, 100], bluegreen_verify_url=site("health"))

    assert done.returncode == 0, done.log
    assert "Move production traffic to green (60%)" in done.stdout
    assert "Move production traffic to green (100%)" in done.stdout
    said = " ".join(done.stdout.split())
    assert (
        "demo: production traffic would move from blue to green in steps of 60%, 100%, each step to be verified; "
        "/bluegreen/demo/live would say green. Check mode: nothing changed" in said
    ), done.stdout
    assert recap(done)["failed"] == 0
    assert traffic(sandbox, demo, 80) == {"blue": 100}
    assert traffic(sandbox, demo, 8080) == {"green": 100}
    assert history(sandbox)[0]["Version"] == version
    assert production_tags(sandbox, demo) == {"blue": "true", "green": "false"}
    assert lock_holder(sandbox) is None


def test_canary_steps_are_verified_one_by_one(sandbox, demo, site, clean):
    done = run(
        sandbox,
        SWITCH,
        bluegreen_canary_steps=[10, 50, 100],
        bluegreen_canary_bake_seconds=0,
        bluegreen_verify_url=site("health"),
        bluegreen_verify_body=BODY,
    )

    assert done.returncode == 0, done.log
    assert moved_steps(done) == ["10", "50", "100"], done.stdout
    said = " ".join(done.stdout.split())
    assert (
        "demo: production traffic moved from blue to green in steps of 10%, 50%, 100%, each step verified; "
        "/bluegreen/demo/live says green" in said
    ), done.stdout
    # Each step's health and share are checked, then the URL. Without a bake they come from alb_swap's result, as
    # ModifyListener returned the listener, so the state is not read again.
    shares = re.findall(
        r"^TASK \[teal\.bluegreen\.switch : Check that the new colour has enough healthy targets and takes its share",
        done.stdout,
        re.M,
    )
    checks = re.findall(r"^TASK \[teal\.bluegreen\.switch : Check that each URL answers", done.stdout, re.M)
    assert (len(shares), len(checks)) == (3, 3), done.stdout
    after_first_step = done.stdout.split("Move production traffic to green (10%)", 1)[1]
    assert "Read which colour is live, layer by layer" not in after_first_step, done.stdout
    assert traffic(sandbox, demo, 80) == {"green": 100}
    assert history(sandbox)[0]["Value"] == "green"
    assert lock_holder(sandbox) is None


def forward_written(parameters):
    """A ModifyListener's forward as the query protocol sent it: {target group ARN: weight}, and its group stickiness
    ({"Enabled": "true", "DurationSeconds": "600"}, or {})."""
    prefix = "DefaultActions.member.1."
    config = prefix + "ForwardConfig."
    if prefix + "TargetGroupArn" in parameters:
        return {parameters[prefix + "TargetGroupArn"]: "100"}, {}
    groups = {
        parameters[key]: parameters[key.replace("TargetGroupArn", "Weight")]
        for key in parameters
        if key.startswith(config + "TargetGroups.member.") and key.endswith(".TargetGroupArn")
    }
    stickiness = {
        key.rsplit(".", 1)[1]: value
        for key, value in parameters.items()
        if key.startswith(config + "TargetGroupStickinessConfig.")
    }
    return groups, stickiness


def test_canary_steps_are_sticky_for_bluegreen_canary_stickiness_seconds(sandbox, demo, site, clean):
    with sandbox.api_requests() as requests:
        done = run(
            sandbox,
            SWITCH,
            bluegreen_canary_steps=[10, 50, 100],
            bluegreen_canary_stickiness_seconds=600,
            bluegreen_verify_url=site("health"),
        )

    assert done.returncode == 0, done.log
    assert moved_steps(done) == ["10", "50", "100"], done.stdout
    production = [
        forward_written(parameters)
        for operation, parameters in requests
        if operation == "ModifyListener" and parameters.get("ListenerArn") == demo["listeners"][80]
    ]
    blue, green = demo["groups"]["blue"], demo["groups"]["green"]
    sticky = {"Enabled": "true", "DurationSeconds": "600"}
    assert production == [
        ({blue: "90", green: "10"}, sticky),
        ({blue: "50", green: "50"}, sticky),
        ({green: "100"}, {}),
    ]
    assert "DescribeTargetGroupAttributes" not in [operation for operation, _parameters in requests]
    assert traffic(sandbox, demo, 80) == {"green": 100}
    listener = sandbox.client("elbv2").describe_listeners(ListenerArns=[demo["listeners"][80]])["Listeners"][0]
    assert "ForwardConfig" not in listener["DefaultActions"][0], listener
    assert history(sandbox)[0]["Value"] == "green"
    assert lock_holder(sandbox) is None


def test_failed_verification_moves_traffic_back(sandbox, demo, site, clean):
    version = history(sandbox)[0]["Version"]
    # 200 for the first step's check, 404 from the second on.
    url = site(f"fail-after/1/{uuid.uuid4().hex}")

    done = run(sandbox, SWITCH, bluegreen_canary_steps=[10, 50, 100], bluegreen_verify_url=url)

    assert done.returncode != 0, done.log
    assert recap(done)["rescued"] == 1
    assert "failed at step 2 of 3 (50%)" in done.stdout, done.stdout
    assert f"{url} answered 404, not 200" in done.stdout, done.stdout
    assert "Production traffic is back on blue (100%)" in done.stdout
    assert "Move production traffic to green (100%)" not in done.stdout
    assert traffic(sandbox, demo, 80) == {"blue": 100}
    assert traffic(sandbox, demo, 8080) == {"green": 100}
    assert production_tags(sandbox, demo) == {"blue": "true", "green": "false"}
    # The live parameter still says blue, in a new version that keeps why the traffic went back.
    newest = history(sandbox)[0]
    assert (newest["Version"], newest["Value"]) == (version + 1, "blue")
    assert "failed: back to blue: step 2 of 3 (50%): " in newest["Description"], newest["Description"]
    assert f"{url} answered 404, not 200" in newest["Description"], newest["Description"]
    assert lock_holder(sandbox) is None


def test_a_refused_health_guard_names_the_role_s_variables_and_changes_nothing(sandbox, demo, clean):
    """alb_swap refuses a colour short of healthy targets in its own options' words; the switch role's failure names
    the variables the reader sets instead."""
    version = history(sandbox)[0]["Version"]

    done = run(sandbox, SWITCH, bluegreen_min_healthy_targets=5)

    assert done.returncode != 0, done.log
    # The module's own refusal shows in its task's output; the role's failure, last, says it in the role's words.
    said = " ".join(done.stdout.split()).rsplit("switch of demo to green failed at", 1)[-1]
    assert "has 2 of 2 targets healthy, fewer than bluegreen_min_healthy_targets=5; not switching" in said, said
    assert "wait longer with bluegreen_health_wait_timeout, or see the teal.bluegreen.status playbook" in said, said
    assert " min_healthy_targets" not in said and " health_wait_timeout" not in said, said
    assert traffic(sandbox, demo, 80) == {"blue": 100}
    assert history(sandbox)[0]["Version"] == version
    assert lock_holder(sandbox) is None


def test_body_without_the_expected_text_moves_traffic_back(sandbox, demo, site, clean):
    version = history(sandbox)[0]["Version"]

    done = run(sandbox, SWITCH, bluegreen_verify_url=site("health"), bluegreen_verify_body="demo release 3")

    assert done.returncode != 0, done.log
    assert "failed at step 1 of 1 (100%)" in done.stdout, done.stdout
    assert "its body does not contain 'demo release 3'" in done.stdout, done.stdout
    assert traffic(sandbox, demo, 80) == {"blue": 100}
    newest = history(sandbox)[0]
    assert (newest["Version"], newest["Value"]) == (version + 1, "blue")
    assert "its body does not contain 'demo release 3'" in newest["Description"], newest["Description"]
    assert lock_holder(sandbox) is None


def test_rollback_returns_to_the_previous_colour(sandbox, demo, site, clean):
    deployment = deployment_id("before-rollback")
    switched = run(sandbox, SWITCH, bluegreen_deployment_id=deployment, bluegreen_verify_url=site("health"))
    assert switched.returncode == 0, switched.log
    assert traffic(sandbox, demo, 80) == {"green": 100}

    rollback = deployment_id("rollback")
    done = run(sandbox, ROLLBACK, bluegreen_deployment_id=rollback, bluegreen_verify_url=site("health"))

    assert done.returncode == 0, done.log
    assert traffic(sandbox, demo, 80) == {"blue": 100}
    assert traffic(sandbox, demo, 8080) == {"green": 100}
    newest, before = history(sandbox)[:2]
    assert (newest["Value"], newest["Description"]) == ("blue", f"rollback {rollback}: blue")
    assert (before["Value"], before["Description"]) == ("green", f"switch {deployment}: green")
    assert lock_holder(sandbox) is None


def test_repair_finishes_an_interrupted_canary(sandbox, demo, site, clean):
    half = [
        {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [
                    {"TargetGroupArn": demo["groups"]["blue"], "Weight": 50},
                    {"TargetGroupArn": demo["groups"]["green"], "Weight": 50},
                ]
            },
        }
    ]
    sandbox.client("elbv2").modify_listener(ListenerArn=demo["listeners"][80], DefaultActions=half)
    variables = {
        "bluegreen_target_color": "green",
        "bluegreen_canary_steps": [10, 50, 100],
        "bluegreen_verify_url": site("health"),
    }

    refused = run(sandbox, SWITCH, **variables)
    assert refused.returncode != 0, refused.log
    assert "a canary is in progress" in refused.stdout, refused.stdout
    assert traffic(sandbox, demo, 80) == {"blue": 50, "green": 50}

    done = run(sandbox, SWITCH, bluegreen_repair=True, **variables)

    assert done.returncode == 0, done.log
    # The step the traffic stands at runs again, moving nothing (its bake and checks are what a killed run left
    # undone), then the steps after it.
    assert moved_steps(done) == ["50", "100"], done.stdout
    assert traffic(sandbox, demo, 80) == {"green": 100}
    assert history(sandbox)[0]["Value"] == "green"
    assert lock_holder(sandbox) is None


def test_lock_held_by_someone_else_stops_the_switch(sandbox, demo, site, clean):
    ssm = sandbox.client("ssm")
    holder = json.dumps({"owner": "ci-runner-7", "operation": "deploy", "started": "2026-11-22T10:00:00Z"})
    ssm.put_parameter(Name=LOCK, Value=holder, Type="String", Overwrite=False)
    version = history(sandbox)[0]["Version"]
    try:
        done = run(sandbox, SWITCH, bluegreen_verify_url=site("health"))

        assert done.returncode != 0, done.log
        assert "locked by ci-runner-7 (deploy since 2026-11-22T10:00:00Z)" in done.stdout, done.stdout
        assert "TASK [teal.bluegreen.switch : Take the deployment lock]" not in done.stdout
        assert recap(done)["changed"] == 0
        assert traffic(sandbox, demo, 80) == {"blue": 100}
        assert history(sandbox)[0]["Version"] == version
        assert lock_holder(sandbox) == holder
    finally:
        ssm.delete_parameter(Name=LOCK)


def test_inconsistent_state_stops_the_switch(sandbox, demo, site, clean):
    ssm = sandbox.client("ssm")
    ssm.put_parameter(Name=LIVE, Value="green", Type="String", Overwrite=True, Description="test: disagree")
    version = history(sandbox)[0]["Version"]

    done = run(sandbox, SWITCH, bluegreen_verify_url=site("health"))

    assert done.returncode != 0, done.log
    assert "not in a consistent state" in done.stdout
    assert "ssm: says green is live but alb sends traffic to blue" in done.stdout
    assert traffic(sandbox, demo, 80) == {"blue": 100}
    assert history(sandbox)[0]["Version"] == version


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"bluegreen_strategy": "codedeploy"}, "codedeploy_target_group 'demo' does not exist"),
        ({"bluegreen_load_balancer": ""}, "bluegreen_load_balancer is not set; strategy alb needs the name or ARN"),
        ({"bluegreen_canary_steps": [50, 10, 100]}, "is not a list of percentages from 1 to 100 in ascending order"),
        ({"bluegreen_canary_steps": [10, 50]}, "is not a list of percentages from 1 to 100 in ascending order"),
    ],
)
def test_bad_variables_fail_before_anything_changes(sandbox, demo, clean, variables, message):
    version = history(sandbox)[0]["Version"]

    done = run(sandbox, SWITCH, **variables)

    assert done.returncode != 0, done.log
    assert message in done.stdout, done.stdout
    assert traffic(sandbox, demo, 80) == {"blue": 100}
    assert history(sandbox)[0]["Version"] == version


# The release gates.

ALARM = "demo-switch-5xx"
CHECKS = {"max_error_rate": 0.02, "max_error_rate_ratio": 2.0, "max_latency_p99_ratio": 1.5, "min_requests": 100}
# Short bakes, looked at every second: the sandbox's metrics are written ahead, so a bake need not wait for them.
GATED = {
    "bluegreen_canary_steps": [50, 100],
    "bluegreen_canary_bake_seconds": 3,
    "bluegreen_gate_poll_interval": 1,
    "bluegreen_metric_checks": CHECKS,
}


@pytest.fixture
def feed(sandbox, demo):
    """feed(color, requests_per_minute, error_rate): a quarter of an hour of the colour's traffic through demo's load
    balancer, ending five minutes from now, so that every window read during the test finds it whole."""
    sandbox.forget_traffic()

    def write(color, requests, error_rate=0.001, latency_ms=80):
        end = (datetime.now(timezone.utc) + timedelta(minutes=5)).isoformat()
        sandbox.traffic(
            demo["lb"]["LoadBalancerArn"],
            demo["groups"][color],
            requests_per_minute=requests,
            error_rate=error_rate,
            latency_ms=latency_ms,
            minutes=15,
            end=end,
        )

    yield write
    sandbox.forget_traffic()


@pytest.fixture
def alarm(sandbox):
    """An alarm on demo's target 5XX count, OK; alarm(state) moves it with SetAlarmState."""
    cloudwatch = sandbox.client("cloudwatch")
    sandbox.put_alarm(ALARM)

    def move(state, reason="Threshold Crossed: 1 datapoint [42.0] was greater than the threshold (10.0)"):
        cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue=state, StateReason=reason)

    move("OK", "Threshold Crossed: 1 datapoint [0.0] was not greater than the threshold (10.0)")
    yield move
    cloudwatch.delete_alarms(AlarmNames=[ALARM])


def assert_back_on_blue(sandbox, demo, done):
    assert done.returncode != 0, done.log
    assert traffic(sandbox, demo, 80) == {"blue": 100}
    assert lock_holder(sandbox) is None
    assert "Production traffic is back on blue (100%)" in done.stdout, done.stdout


def test_a_healthy_canary_passes_every_gate(sandbox, demo, clean, feed, alarm):
    feed("blue", 600)
    feed("green", 600)
    done = run(sandbox, SWITCH, bluegreen_alarms=[ALARM], **GATED)
    assert done.returncode == 0, done.log
    assert traffic(sandbox, demo, 80) == {"green": 100}
    assert history(sandbox)[0]["Value"] == "green"
    assert "Watch the release gates while the new colour serves its share" in done.stdout


def test_a_new_colour_at_five_times_the_baselines_error_rate_is_moved_back(sandbox, demo, clean, feed):
    feed("blue", 600, error_rate=0.004)
    feed("green", 600, error_rate=0.02)
    done = run(sandbox, SWITCH, **GATED)
    assert_back_on_blue(sandbox, demo, done)
    reason = history(sandbox)[0]["Description"]
    assert history(sandbox)[0]["Value"] == "blue"
    assert "failed: back to blue: step 1 of 2 (50%)" in reason, reason
    assert "error rate" in reason, reason


def test_an_alarm_that_fires_at_step_two_moves_all_traffic_back_with_the_reason_in_the_history(
    sandbox, demo, clean, alarm
):
    # The alarm fires once the listener sends all traffic to green: during the bake after the second step.
    fired = threading.Event()

    def fire_at_step_two():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not fired.is_set():
            if traffic(sandbox, demo, 80) == {"green": 100}:
                alarm("ALARM")
                fired.set()
            time.sleep(0.2)

    watcher = threading.Thread(target=fire_at_step_two, daemon=True)
    watcher.start()
    done = run(
        sandbox,
        SWITCH,
        bluegreen_alarms=[ALARM],
        bluegreen_canary_steps=[50, 100],
        bluegreen_canary_bake_seconds=1,
        bluegreen_post_switch_bake_seconds=20,
        bluegreen_gate_poll_interval=1,
    )
    fired.set()
    watcher.join()
    assert_back_on_blue(sandbox, demo, done)
    reason = history(sandbox)[0]["Description"]
    assert "step 2 of 2 (100%)" in reason and f"alarm '{ALARM}' is in ALARM" in reason, reason


@pytest.mark.parametrize(("inconclusive", "moved"), [(None, False), ("pass", True)], ids=["fails", "passes when told"])
def test_too_few_requests_gives_the_configured_outcome(sandbox, demo, clean, feed, inconclusive, moved):
    feed("blue", 600)
    feed("green", 2)
    variables = {**GATED, "bluegreen_canary_steps": [100]}
    if inconclusive:
        variables["bluegreen_metric_inconclusive"] = inconclusive
    done = run(sandbox, SWITCH, **variables)
    if moved:
        assert done.returncode == 0, done.log
        assert traffic(sandbox, demo, 80) == {"green": 100}
    else:
        assert_back_on_blue(sandbox, demo, done)
        assert "min_requests" in history(sandbox)[0]["Description"] or "requests" in history(sandbox)[0]["Description"]


def test_an_alarm_already_in_alarm_refuses_to_start_and_changes_nothing(sandbox, demo, clean, alarm):
    alarm("ALARM")
    versions = len(history(sandbox))
    with sandbox.api_calls() as calls:
        done = run(sandbox, SWITCH, bluegreen_alarms=[ALARM])
    assert done.returncode != 0
    assert f"alarm {ALARM} is in ALARM" in done.stdout and "nothing changed" in done.stdout, done.stdout
    assert [call for call in calls if is_write(call)] == []
    assert len(history(sandbox)) == versions
    assert traffic(sandbox, demo, 80) == {"blue": 100}


def test_an_unknown_alarm_or_a_bad_threshold_is_refused_before_anything_is_read(sandbox, demo, clean):
    missing = run(sandbox, SWITCH, bluegreen_alarms=["demo-no-such-alarm"])
    assert missing.returncode != 0
    assert "alarm demo-no-such-alarm of bluegreen_alarms does not exist" in missing.stdout, missing.stdout
    bad = run(sandbox, SWITCH, **{**GATED, "bluegreen_metric_checks": {"max_error_rate": 5}})
    assert bad.returncode != 0
    assert "bluegreen_metric_checks.max_error_rate 5 is out of range" in bad.stdout, bad.stdout
    assert traffic(sandbox, demo, 80) == {"blue": 100}


class _HookHandler(http.server.BaseHTTPRequestHandler):
    """Records each webhook's JSON body by path; /fail-<phase>/... answers 500 to that phase's hooks, 200 to others."""

    received = []

    def do_POST(self):  # noqa: N802 (the name http.server dispatches to)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        self.received.append({"path": self.path, "body": body, "token": self.headers.get("X-Token")})
        status = 500 if self.path.startswith(f"/fail-{body.get('phase')}/") else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hooks():
    """A webhook receiver on a free loopback port: yields (url of a path, the bodies received so far)."""
    _HookHandler.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HookHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield (lambda path: f"http://127.0.0.1:{server.server_address[1]}/{path}"), _HookHandler.received
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def topic(sandbox):
    """An SNS topic with an SQS queue subscribed to it; yields (topic ARN, a function returning the messages so far)."""
    sns, sqs = sandbox.client("sns"), sandbox.client("sqs")
    arn = sns.create_topic(Name="bluegreen-demo")["TopicArn"]
    queue = sqs.create_queue(QueueName="bluegreen-demo-phases")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})

    def messages():
        found = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        return [json.loads(item["Body"]) for item in found]

    yield arn, messages
    sns.delete_topic(TopicArn=arn)
    sqs.delete_queue(QueueUrl=queue)


def test_webhooks_and_sns_hear_of_every_phase_and_a_secret_header_never_shows(sandbox, demo, clean, hooks, topic):
    url, received = hooks
    arn, messages = topic
    secret = f"token-{uuid.uuid4().hex}"
    deployment = deployment_id("told")
    done = run(
        sandbox,
        SWITCH,
        bluegreen_deployment_id=deployment,
        bluegreen_canary_steps=[50, 100],
        bluegreen_webhooks=[{"url": url("release"), "headers": {"X-Token": secret}, "gating": True}],
        bluegreen_sns_topic_arn=arn,
    )
    assert done.returncode == 0, done.log
    assert [(item["body"]["phase"], item["body"].get("step")) for item in received] == [
        ("pre-switch", None),
        ("step", 50),
        ("step", 100),
        ("post-switch", None),
    ]
    assert {item["token"] for item in received} == {secret}
    assert {
        (item["body"]["from_color"], item["body"]["to_color"], item["body"]["deployment_id"]) for item in received
    } == {("blue", "green", deployment)}
    assert secret not in done.stdout + done.stderr
    # SQS hands out up to 10 messages a read, not always all of them at once.
    published = [item for reading in range(5) for item in messages()]
    assert sorted(item["phase"] for item in published) == ["post-switch", "pre-switch", "step", "step"]


def test_a_gating_webhook_that_fails_a_step_moves_all_traffic_back(sandbox, demo, clean, hooks):
    url, received = hooks
    done = run(
        sandbox,
        SWITCH,
        bluegreen_canary_steps=[50, 100],
        bluegreen_webhooks=[
            {"url": url("fail-step/release"), "phases": ["pre-switch", "step"], "gating": True, "retries": 0},
            {"url": url("audit"), "phases": ["rollback"]},
        ],
    )
    assert done.returncode != 0, done.log
    assert "Production traffic is back on blue (100%)" in done.stdout, done.stdout
    assert traffic(sandbox, demo, 80) == {"blue": 100}
    assert lock_holder(sandbox) is None
    told = [(item["path"], item["body"]["phase"]) for item in received]
    assert told == [("/fail-step/release", "pre-switch"), ("/fail-step/release", "step"), ("/audit", "rollback")], told
    assert "failed: back to blue: step 1 of 2 (50%)" in history(sandbox)[0]["Description"]
