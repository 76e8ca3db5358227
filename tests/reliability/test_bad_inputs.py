# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The bad-input catalogue: wrong inputs to every module and role fail, say why and what to do, and change nothing.

Each case runs one module (as Ansible runs it) or one playbook against the sandbox as provisioned, and
asserts three things: the run fails; its message names the bad value and says what to do (a substring
for each); and a snapshot of every resource in the sandbox (sandbox_state.snapshot) is the same after
as before. Modules are run directly where the module does the checking; playbooks only where the role
checks its variables itself.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from typing import Any
from typing import Callable

import pytest

from .sandbox_state import FAST
from .sandbox_state import LOCK
from .sandbox_state import PLAYBOOKS
from .sandbox_state import ROOT
from .sandbox_state import ansible_errors
from .sandbox_state import differences
from .sandbox_state import snapshot

ZONE = {"zone": "example.com", "names": ["www"]}
TG_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/nothing-here/0123456789abcdef"
SPARE = "bad-inputs-spare"
# Where codedeploy_deployment's cases keep the revision they deploy.
BUCKET = "bad-inputs-revisions"
# Modules that act on the host, not on AWS.
LOCAL = {"efs_symlink_switch"}


@dataclasses.dataclass
class Case:
    title: str
    target: str  # a module name, or playbooks/<name>.yml for a playbook
    args: dict[str, Any]
    value: str  # the bad value (or option) as the message must name it
    remedy: str  # what the message must say to do
    setup: Callable | None = None
    teardown: Callable | None = None

    @property
    def is_playbook(self):
        return self.target.endswith(".yml")


def hold_lock(sandbox):
    document = {"owner": "ci-runner-8", "operation": "switch", "started": "2026-11-22T10:00:00Z"}
    sandbox.client("ssm").put_parameter(Name=LOCK, Value=json.dumps(document), Type="String")


def green_fleet(sandbox, capacity):
    """A green Auto Scaling group of demo of ``capacity`` instances, attached to the green target group."""
    blue = sandbox.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=["demo-blue"])
    group = blue["AutoScalingGroups"][0]
    sandbox.client("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName="demo-green",
        LaunchTemplate={"LaunchTemplateName": group["LaunchTemplate"]["LaunchTemplateName"], "Version": "$Latest"},
        MinSize=capacity,
        MaxSize=2,
        DesiredCapacity=capacity,
        VPCZoneIdentifier=group["VPCZoneIdentifier"],
        TargetGroupARNs=[sandbox.target_group_arn("green")],
        Tags=[
            {"Key": "bluegreen:app", "Value": "demo", "PropagateAtLaunch": True},
            {"Key": "bluegreen:color", "Value": "green", "PropagateAtLaunch": True},
        ],
    )


def empty_green_fleet(sandbox):
    """A green Auto Scaling group of demo without capacity, attached to the green target group."""
    green_fleet(sandbox, 0)


def green_fleet_deleted_after_it_served(sandbox):
    """A green fleet that became healthy in the green target group and was then deleted by hand: as on AWS, its
    instances drain out of the target group for the deregistration delay before they terminate, and the group is
    listed, being deleted, until they have."""
    autoscaling, elbv2 = sandbox.client("autoscaling"), sandbox.client("elbv2")
    green_fleet(sandbox, 2)
    sandbox.wait_for_healthy(sandbox.target_group_arn("green"), 2)
    # Its fleet gone, green would take the traffic on instances that finish their last requests.
    elbv2.modify_target_group_attributes(
        TargetGroupArn=sandbox.target_group_arn("green"),
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "1800"}],
    )
    autoscaling.delete_auto_scaling_group(AutoScalingGroupName="demo-green", ForceDelete=True)
    assert list(sandbox.target_states(sandbox.target_group_arn("green")).values()) == ["draining"] * 2


def green_drained(sandbox):
    sandbox.client("elbv2").modify_target_group_attributes(
        TargetGroupArn=sandbox.target_group_arn("green"),
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "300"}],
    )
    with sandbox.hurried():
        sandbox.wait_until_drained(sandbox.target_group_arn("green"))
        wait_until_deleted(sandbox, {"demo-green"})


def wait_until_deleted(sandbox, names, timeout=60):
    """Wait until the groups ``names``, being deleted, are gone: a group stays until its instances have drained and
    terminated."""
    deadline = time.monotonic() + timeout
    while set(sandbox.groups()) & set(names):
        assert time.monotonic() < deadline, f"still being deleted: {sorted(set(sandbox.groups()) & set(names))}"
        time.sleep(0.2)


def revision_uploaded(sandbox):
    """demo's revision in S3, where codedeploy_deployment's cases look for it."""
    s3 = sandbox.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="revisions/demo/7.zip", Body=b"PK\x05\x06" + bytes(18))


def revision_removed(sandbox):
    s3 = sandbox.client("s3")
    s3.delete_object(Bucket=BUCKET, Key="revisions/demo/7.zip")
    s3.delete_bucket(Bucket=BUCKET)


def point_test_listener(sandbox, color):
    """Point demo's test listener (8080) at ``color``'s target group; as provisioned it forwards to the idle green."""
    elbv2 = sandbox.client("elbv2")
    lb = elbv2.describe_load_balancers(Names=["demo"])["LoadBalancers"][0]["LoadBalancerArn"]
    listener = next(item for item in elbv2.describe_listeners(LoadBalancerArn=lb)["Listeners"] if item["Port"] == 8080)
    elbv2.modify_listener(
        ListenerArn=listener["ListenerArn"],
        DefaultActions=[{"Type": "forward", "TargetGroupArn": sandbox.target_group_arn(color)}],
    )


def test_listener_on_live(sandbox):
    point_test_listener(sandbox, "blue")


def test_listener_on_idle(sandbox):
    point_test_listener(sandbox, "green")


def web_root(sandbox, host="web1"):
    return str(sandbox.web / host / "html")


def efs(sandbox, *parts):
    return str(sandbox.efs.joinpath(*parts))


def site_root(sandbox):
    return efs(sandbox, "site")


def bad(title, target, defaults, value, remedy, /, *, setup=None, teardown=None, drop=(), **args):
    """A Case whose arguments are ``defaults`` updated with ``args``, less the options named in ``drop``."""
    merged = {key: item for key, item in {**defaults, **args}.items() if key not in drop}
    return Case(title, target, merged, value, remedy, setup=setup, teardown=teardown)


ALB = dict(load_balancer="demo", app="demo", live_color="green")
CLONE = dict(name="demo-green", source="demo-blue", color="green", app="demo")
FLIP = dict(load_balancers={"blue": "demo", "green": SPARE}, live_color="green", live_records=ZONE)
LINK = dict(path=web_root, root=site_root, release="blue")
STATE = dict(app="demo", load_balancer="demo")
LOCKING = dict(app="demo", owner="ci-runner-7", operation="deploy")
CODEDEPLOY = dict(
    application="demo",
    deployment_group="demo",
    deployment_type="BLUE_GREEN",
    auto_scaling_groups=["demo-blue"],
    target_group="demo-blue",
    service_role_arn="arn:aws:iam::123456789012:role/bluegreen/codedeploy",
    revision={"bucket": BUCKET, "key": "revisions/demo/7.zip"},
    wait=False,
)
GATE = dict(
    metric_checks={"max_error_rate": 0.01, "max_error_rate_ratio": 2.0},
    load_balancer="demo",
    target_group="demo-green",
    baseline_target_group="demo-blue",
)
NOTIFY = dict(phase="step", event={"app": "demo", "from_color": "blue", "to_color": "green"})
NONE = {}
# Arguments given as callables are filled in with the sandbox (paths) when the case runs.
CASES = [
    # alb_swap
    bad(
        "alb_swap: no such load balancer",
        "alb_swap",
        ALB,
        "'nope-alb'",
        "check load_balancer",
        load_balancer="nope-alb",
    ),
    bad("alb_swap: colour", "alb_swap", ALB, "purple", "one of: blue, green", live_color="purple"),
    bad("alb_swap: expected colour", "alb_swap", ALB, "red", "one of: blue, green", expected_live_color="red"),
    bad("alb_swap: percent 0", "alb_swap", ALB, "traffic_percent 0", "use 1 to 100", traffic_percent=0),
    bad("alb_swap: percent 150", "alb_swap", ALB, "traffic_percent 150", "use 1 to 100", traffic_percent=150),
    bad("alb_swap: percent not a number", "alb_swap", ALB, "half", "convert to int", traffic_percent="half"),
    bad(
        "alb_swap: no listener there", "alb_swap", ALB, "port 81", "set listener_port to one of them", listener_port=81
    ),
    bad("alb_swap: one port, two listeners", "alb_swap", ALB, "both 80", "use two listeners", test_listener_port=80),
    bad(
        "alb_swap: target groups and app",
        "alb_swap",
        ALB,
        "target_groups|app",
        "mutually exclusive",
        target_groups={"blue": "demo-blue", "green": "demo-green"},
    ),
    bad(
        "alb_swap: one target group for both colours",
        "alb_swap",
        ALB,
        "'demo-blue'",
        "give each colour its own target group",
        drop=["app"],
        target_groups={"blue": "demo-blue", "green": "demo-blue"},
    ),
    bad(
        "alb_swap: no such target group",
        "alb_swap",
        ALB,
        "'demo-grene'",
        "check target_groups",
        drop=["app"],
        target_groups={"blue": "demo-blue", "green": "demo-grene"},
    ),
    bad(
        "alb_swap: target group ARN of nothing",
        "alb_swap",
        ALB,
        TG_ARN,
        "check target_groups",
        drop=["app"],
        target_groups={"blue": "demo-blue", "green": TG_ARN},
    ),
    bad("alb_swap: app with a path", "alb_swap", ALB, "'demo/../shop'", "may hold only letters", app="demo/../shop"),
    bad(
        "alb_swap: app untagged",
        "alb_swap",
        ALB,
        "'shop'",
        "tag one bluegreen:color=blue or pass target_groups",
        app="shop",
    ),
    bad(
        "alb_swap: negative minimum", "alb_swap", ALB, "min_healthy_targets -1", "use 1 or more", min_healthy_targets=-1
    ),
    bad(
        "alb_swap: minimum 0",
        "alb_swap",
        ALB,
        "min_healthy_targets 0",
        "would let traffic move to a colour without a healthy target; use 1 or more",
        min_healthy_targets=0,
    ),
    bad(
        "alb_swap: poll interval 0", "alb_swap", ALB, "health_poll_interval 0", "use 1 or more", health_poll_interval=0
    ),
    bad(
        "alb_swap: more healthy targets than exist",
        "alb_swap",
        ALB,
        "min_healthy_targets=5",
        "wait longer with health_wait_timeout",
        min_healthy_targets=5,
    ),
    bad(
        "alb_swap: compare-and-swap on the idle colour",
        "alb_swap",
        ALB,
        "expected green to be live",
        "read teal.bluegreen.state_info",
        expected_live_color="green",
    ),
    # asg_clone
    bad(
        "asg_clone: malformed image id",
        "asg_clone",
        CLONE,
        "'ami-XYZ'",
        "use the form ami-0123456789abcdef0",
        image_id="ami-XYZ",
    ),
    bad(
        "asg_clone: no such image",
        "asg_clone",
        CLONE,
        "'ami-0123456789abcdef0'",
        "check image_id",
        image_id="ami-0123456789abcdef0",
    ),
    bad("asg_clone: no such source", "asg_clone", CLONE, "'demo-bleu'", "check source", source="demo-bleu"),
    bad(
        "asg_clone: named as its source",
        "asg_clone",
        CLONE,
        "'demo-blue'",
        "a clone needs its own name",
        name="demo-blue",
    ),
    bad("asg_clone: colour", "asg_clone", CLONE, "teal", "one of: blue, green", color="teal"),
    bad(
        "asg_clone: no source",
        "asg_clone",
        CLONE,
        "source",
        "state is present but all of the following",
        drop=["source"],
    ),
    bad(
        "asg_clone: no such template version",
        "asg_clone",
        CLONE,
        "'99'",
        "set launch_template_version to an existing version number",
        launch_template_version="99",
    ),
    bad(
        "asg_clone: template version and image",
        "asg_clone",
        CLONE,
        "launch_template_version|image_id",
        "mutually exclusive",
        launch_template_version="1",
        image_id="ami-0123456789abcdef0",
    ),
    bad(
        "asg_clone: capacity and matching",
        "asg_clone",
        CLONE,
        "desired_capacity and match_healthy_capacity",
        "set only one",
        desired_capacity=2,
        match_healthy_capacity=True,
    ),
    bad("asg_clone: negative size", "asg_clone", CLONE, "min_size -1", "use 0 or more", min_size=-1),
    bad(
        "asg_clone: maximum below minimum",
        "asg_clone",
        CLONE,
        "max_size 1",
        "use min_size <= max_size",
        min_size=3,
        max_size=1,
    ),
    bad("asg_clone: negative wait", "asg_clone", CLONE, "wait_timeout -5", "use 0 or more", wait_timeout=-5),
    bad(
        "asg_clone: capacity over the bound",
        "asg_clone",
        CLONE,
        "desired_capacity 10001 is out of range",
        "use 0 to 10000",
        desired_capacity=10001,
    ),
    bad(
        "asg_clone: target group ARN of nothing",
        "asg_clone",
        CLONE,
        TG_ARN,
        "give the ARN of an existing target group",
        target_group_arns=[TG_ARN],
    ),
    bad(
        "asg_clone: target group name for an ARN",
        "asg_clone",
        CLONE,
        "'demo-green'",
        "give the target group's ARN",
        target_group_arns=["demo-green"],
    ),
    bad(
        "asg_clone: source of another app",
        "asg_clone",
        CLONE,
        "'shop'",
        "the app that owns it",
        name="shop-green",
        app="shop",
    ),
    bad("asg_clone: app with a space", "asg_clone", CLONE, "'de mo'", "may hold only letters", app="de mo"),
    bad(
        "asg_clone: delete the live fleet",
        "asg_clone",
        NONE,
        "'demo-blue'",
        "switch the traffic to the other colour first",
        name="demo-blue",
        app="demo",
        state="absent",
        test_listener_ports=[8080],
    ),
    bad(
        "asg_clone: stop what is not there",
        "asg_clone",
        NONE,
        "'demo-gren'",
        "check name",
        name="demo-gren",
        state="stopped",
    ),
    bad(
        "asg_clone: state",
        "asg_clone",
        NONE,
        "deleted",
        "one of: present, absent, stopped",
        name="demo-green",
        state="deleted",
    ),
    # route53_alias_flip
    bad(
        "route53_alias_flip: one load balancer for both colours",
        "route53_alias_flip",
        FLIP,
        "'demo'",
        "give each colour its own load balancer",
        load_balancers={"blue": "demo", "green": "demo"},
    ),
    bad(
        "route53_alias_flip: no such load balancer",
        "route53_alias_flip",
        FLIP,
        "'demo-gren'",
        "check load_balancers",
        load_balancers={"blue": "demo", "green": "demo-gren"},
    ),
    bad(
        "route53_alias_flip: no such zone",
        "route53_alias_flip",
        FLIP,
        "'example.org'",
        "check live_records.zone",
        live_records={"zone": "example.org", "names": ["www"]},
    ),
    bad(
        "route53_alias_flip: public zone said private",
        "route53_alias_flip",
        FLIP,
        "'example.com'",
        "check private_zone in live_records",
        live_records=dict(ZONE, private_zone=True),
    ),
    bad(
        "route53_alias_flip: name outside the zone",
        "route53_alias_flip",
        FLIP,
        "www.example.org.",
        "relative to the zone or inside it",
        live_records=dict(ZONE, names=["www.example.org."]),
    ),
    bad(
        "route53_alias_flip: no names",
        "route53_alias_flip",
        FLIP,
        "live_records.names is empty",
        "give at least one record name",
        live_records=dict(ZONE, names=[]),
    ),
    bad(
        "route53_alias_flip: weight over 255",
        "route53_alias_flip",
        FLIP,
        "weights.green 300 is out of range",
        "use 0 to 255",
        weights={"blue": 10, "green": 300},
    ),
    bad(
        "route53_alias_flip: no weight for the live colour",
        "route53_alias_flip",
        FLIP,
        "weight of 0",
        "set live_color to blue",
        weights={"blue": 100, "green": 0},
    ),
    bad(
        "route53_alias_flip: a name both live and staging",
        "route53_alias_flip",
        FLIP,
        "www.example.com.",
        "a name can only point at one colour",
        staging_records=ZONE,
    ),
    # efs_symlink_switch
    bad(
        "efs_symlink_switch: release out of root",
        "efs_symlink_switch",
        LINK,
        "'../demo'",
        "use letters, digits",
        release="../demo",
    ),
    bad(
        "efs_symlink_switch: release ..",
        "efs_symlink_switch",
        LINK,
        "'..'",
        "must name a directory inside root",
        release="..",
    ),
    bad(
        "efs_symlink_switch: required file outside",
        "efs_symlink_switch",
        LINK,
        "'../../demo/blue/index.html'",
        "give a relative path without '..'",
        require_file="../../demo/blue/index.html",
    ),
    bad(
        "efs_symlink_switch: required file absolute",
        "efs_symlink_switch",
        LINK,
        "'/etc/passwd'",
        "give a relative path without '..'",
        require_file="/etc/passwd",
    ),
    bad("efs_symlink_switch: relative path", "efs_symlink_switch", LINK, "'html'", "give it in full", path="html"),
    bad(
        "efs_symlink_switch: no such release",
        "efs_symlink_switch",
        LINK,
        "'purple'",
        "put release 'purple' there first",
        release="purple",
    ),
    bad(
        "efs_symlink_switch: path is a directory",
        "efs_symlink_switch",
        LINK,
        "is a real directory",
        "set replace_directory",
        path=lambda sandbox: efs(sandbox, "demo"),
    ),
    bad(
        "efs_symlink_switch: path is a file",
        "efs_symlink_switch",
        LINK,
        "is a regular file",
        "choose the path the web server serves",
        path=lambda sandbox: efs(sandbox, "demo", "blue", "index.html"),
    ),
    # state_info
    bad("state_info: unknown app", "state_info", STATE, "'shop'", "check the app name and region", app="shop"),
    bad("state_info: app with a path", "state_info", STATE, "'../demo'", "may hold only letters", app="../demo"),
    bad(
        "state_info: no healthy target required of the live colour",
        "state_info",
        STATE,
        "min_healthy_targets 0 is out of range",
        "use 1 to 10000",
        min_healthy_targets=0,
    ),
    bad(
        "state_info: test listener on the production port",
        "state_info",
        STATE,
        "listener_port and test_listener_port are both 80",
        "give the test listener's own port",
        test_listener_port=80,
    ),
    bad(
        "state_info: no such load balancer",
        "state_info",
        STATE,
        "'nope-alb'",
        "check load_balancer",
        load_balancer="nope-alb",
    ),
    bad(
        "state_info: malformed load balancer ARN",
        "state_info",
        STATE,
        "'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/demo'",
        "check load_balancer",
        load_balancer="arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/demo",
    ),
    bad(
        "state_info: no listener there",
        "state_info",
        STATE,
        "port 443",
        "set listener_port to one of them",
        listener_port=443,
    ),
    bad(
        "state_info: one target group for both colours",
        "state_info",
        STATE,
        "'demo-green'",
        "give each colour its own target group",
        target_groups={"blue": "demo-green", "green": "demo-green"},
    ),
    # deploy_lock
    bad(
        "deploy_lock: no operation",
        "deploy_lock",
        LOCKING,
        "operation",
        "state is present but all of the following",
        drop=["operation"],
    ),
    bad(
        "deploy_lock: blank operation",
        "deploy_lock",
        LOCKING,
        "operation is empty",
        "say what the lock is for",
        operation="  ",
    ),
    bad(
        "deploy_lock: empty owner",
        "deploy_lock",
        LOCKING,
        "owner is empty",
        "leave it out for <user>@<hostname>",
        owner="",
    ),
    bad("deploy_lock: empty app", "deploy_lock", LOCKING, "app ''", "may hold only letters", app=""),
    bad(
        "deploy_lock: app with a path",
        "deploy_lock",
        LOCKING,
        "'demo/../shop'",
        "may hold only letters",
        app="demo/../shop",
    ),
    bad(
        "deploy_lock: held by another run",
        "deploy_lock",
        LOCKING,
        "'ci-runner-8'",
        "set force: true (bluegreen_force_unlock) if that run is dead",
        setup=hold_lock,
    ),
    bad(
        "deploy_lock: release another run's lock",
        "deploy_lock",
        LOCKING,
        "'ci-runner-8'",
        "Let that run release it",
        setup=hold_lock,
        state="absent",
    ),
    # codedeploy_deployment
    bad(
        "codedeploy_deployment: application name",
        "codedeploy_deployment",
        CODEDEPLOY,
        "'shop/web'",
        "use 1 to 100 letters, digits or the signs",
        application="shop/web",
    ),
    bad(
        "codedeploy_deployment: service role that is no role ARN",
        "codedeploy_deployment",
        CODEDEPLOY,
        "'codedeploy-role'",
        "give the ARN of the role CodeDeploy assumes",
        service_role_arn="codedeploy-role",
    ),
    bad(
        "codedeploy_deployment: revision key with a leading slash",
        "codedeploy_deployment",
        CODEDEPLOY,
        "'/revisions/demo/7.zip'",
        "drop the slash",
        revision={"bucket": BUCKET, "key": "/revisions/demo/7.zip"},
    ),
    bad(
        "codedeploy_deployment: blue/green without a target group",
        "codedeploy_deployment",
        CODEDEPLOY,
        "target_group",
        "CodeDeploy reroutes the traffic through it",
        drop=("target_group",),
    ),
    bad(
        "codedeploy_deployment: revision not in S3",
        "codedeploy_deployment",
        CODEDEPLOY,
        f"s3://{BUCKET}/revisions/demo/8.zip",
        "upload the bundle first",
        setup=revision_uploaded,
        teardown=revision_removed,
        revision={"bucket": BUCKET, "key": "revisions/demo/8.zip"},
    ),
    bad(
        "codedeploy_deployment: no such Auto Scaling group",
        "codedeploy_deployment",
        CODEDEPLOY,
        "'demo-bleu'",
        "give the name of an existing group",
        setup=revision_uploaded,
        teardown=revision_removed,
        auto_scaling_groups=["demo-bleu"],
    ),
    # release_gate
    bad(
        "release_gate: no such alarm",
        "release_gate",
        GATE,
        "'demo-5xx'",
        "check alarms",
        alarms=["demo-5xx"],
    ),
    bad(
        "release_gate: error rate above 1",
        "release_gate",
        GATE,
        "metric_checks.max_error_rate 1.5",
        "use 0 to 1",
        metric_checks={"max_error_rate": 1.5},
    ),
    bad(
        "release_gate: metric checks without a load balancer",
        "release_gate",
        GATE,
        "metric_checks needs load_balancer",
        "give its name or ARN",
        drop=("load_balancer",),
    ),
    bad(
        "release_gate: no such target group",
        "release_gate",
        GATE,
        "'demo-purple'",
        "check it (a name or an ARN)",
        target_group="demo-purple",
    ),
    # release_notify (its hooks' URLs lead nowhere: a case that went past its checks would fail otherwise)
    bad(
        "release_notify: a hook's URL that is not http",
        "release_notify",
        NOTIFY,
        "(ftp://hooks.example.com/release)",
        "give one such as https://hooks.example.com/release",
        webhooks=[{"url": "ftp://hooks.example.com/release"}],
    ),
    bad(
        "release_notify: a hook's timeout out of range",
        "release_notify",
        NOTIFY,
        "timeout 0",
        "use 1 to 300",
        webhooks=[{"url": "http://127.0.0.1:9/release", "timeout": 0}],
    ),
    bad(
        "release_notify: no such topic",
        "release_notify",
        NOTIFY,
        "arn:aws:sns:us-east-1:123456789012:bluegreen-nothing-here",
        "check sns_topic_arn",
        sns_topic_arn="arn:aws:sns:us-east-1:123456789012:bluegreen-nothing-here",
    ),
    # playbooks, where the roles check their variables themselves
    bad(
        "switch: target colour",
        "switch.yml",
        NONE,
        "'purple'",
        "neither blue nor green",
        bluegreen_target_color="purple",
    ),
    bad(
        "switch: canary steps not ascending",
        "switch.yml",
        NONE,
        "[50, 10, 100]",
        "for example [10, 50, 100]",
        bluegreen_canary_steps=[50, 10, 100],
    ),
    bad(
        "rollback: canary steps short of 100",
        "rollback.yml",
        NONE,
        "[10, 50]",
        "ending with 100",
        bluegreen_canary_steps=[10, 50],
    ),
    bad("switch: strategy", "switch.yml", NONE, "dns-magic", "must be one of: alb", bluegreen_strategy="dns-magic"),
    bad(
        "switch: minimum of healthy targets 0",
        "switch.yml",
        NONE,
        "bluegreen_min_healthy_targets 0 is out of range",
        "use 1 to 10000",
        bluegreen_min_healthy_targets=0,
    ),
    bad(
        "switch: negative bake time",
        "switch.yml",
        NONE,
        "bluegreen_canary_bake_seconds -5 is out of range",
        "use 0 to 86400",
        bluegreen_canary_bake_seconds=-5,
    ),
    bad(
        "switch: group stickiness of 0 s",
        "switch.yml",
        NONE,
        "bluegreen_canary_stickiness_seconds 0 is out of range",
        "use 1 to 604800",
        bluegreen_canary_steps=[10, 100],
        bluegreen_canary_stickiness_seconds=0,
    ),
    bad(
        "rollback: health poll interval not a number",
        "rollback.yml",
        NONE,
        "bluegreen_health_poll_interval 'often' is not a whole number",
        "use 1 to 3600",
        bluegreen_health_poll_interval="often",
    ),
    bad(
        "switch: misspelled variable",
        "switch.yml",
        NONE,
        "bluegreen_canary_bake_second is not a variable of teal.bluegreen",
        "did you mean bluegreen_canary_bake_seconds?",
        bluegreen_canary_steps=[10, 100],
        bluegreen_canary_bake_second=300,
    ),
    bad(
        "switch: colour spelled as in the docs",
        "switch.yml",
        NONE,
        "bluegreen_target_colour is not a variable of teal.bluegreen",
        "did you mean bluegreen_target_color?",
        bluegreen_target_colour="green",
    ),
    bad(
        "deploy: no application",
        "deploy.yml",
        NONE,
        "bluegreen_app is required",
        "the application's name, as in its bluegreen:app tags",
        bluegreen_app="",
    ),
    bad(
        "clean: negative bake time",
        "clean.yml",
        NONE,
        "bluegreen_bake_seconds -5 is out of range",
        "use 0 to 86400",
        bluegreen_bake_seconds=-5,
    ),
    bad(
        "switch: target colour without a fleet",
        "switch.yml",
        NONE,
        "green has no Auto Scaling group of demo",
        "Deploy to green with the teal.bluegreen.deploy playbook first",
        bluegreen_target_color="green",
    ),
    bad(
        "switch: target colour whose fleet is being deleted, its targets draining",
        "switch.yml",
        NONE,
        "green's Auto Scaling group demo-green is being deleted",
        "Once it is gone, deploy to green with the teal.bluegreen.deploy playbook",
        setup=green_fleet_deleted_after_it_served,
        teardown=green_drained,
        bluegreen_target_color="green",
    ),
    bad(
        "switch: target colour whose fleet has no capacity",
        "switch.yml",
        NONE,
        "green's Auto Scaling group demo-green has a desired capacity of 0",
        "Deploy to green with the teal.bluegreen.deploy playbook first",
        setup=empty_green_fleet,
        bluegreen_target_color="green",
    ),
    bad(
        "switch: lock held by another run",
        "switch.yml",
        NONE,
        "ci-runner-8",
        "re-run with bluegreen_force_unlock=true",
        setup=hold_lock,
    ),
    bad(
        "deploy: test listener on the live colour",
        "deploy.yml",
        NONE,
        "the test listener on port 8080 forwards 100% to the live colour blue",
        "run the teal.bluegreen.switch playbook with bluegreen_repair=true",
        setup=test_listener_on_live,
        teardown=test_listener_on_idle,
    ),
    bad(
        "deploy: image id",
        "deploy.yml",
        NONE,
        "'ami-XYZ'",
        "use the form ami-0123456789abcdef0",
        bluegreen_image_id="ami-XYZ",
    ),
    bad(
        "deploy: empty image id",
        "deploy.yml",
        NONE,
        "bluegreen_image_id is empty",
        "leave it unset (null) to keep the live colour's image",
        bluegreen_image_id="",
    ),
    bad(
        "deploy: template version and image",
        "deploy.yml",
        NONE,
        "bluegreen_launch_template_version '1'",
        "set one or the other",
        bluegreen_launch_template_version="1",
        bluegreen_image_id="ami-0123456789abcdef0",
    ),
    bad(
        "deploy: idle fleet named as the live one",
        "deploy.yml",
        NONE,
        "'demo-blue'",
        "a clone needs its own name",
        bluegreen_asg_names={"blue": "demo-blue", "green": "demo-blue"},
    ),
    bad(
        "deploy: minimum not a number",
        "deploy.yml",
        NONE,
        "several",
        "bluegreen_min_healthy_targets",
        bluegreen_min_healthy_targets="several",
    ),
    bad(
        "deploy: negative capacity",
        "deploy.yml",
        NONE,
        "bluegreen_desired_capacity -1 is out of range",
        "use 1 to 10000",
        bluegreen_desired_capacity=-1,
    ),
    bad("deploy: unknown app", "deploy.yml", NONE, "'shop'", "check the app name and region", bluegreen_app="shop"),
    bad(
        "deploy: no such load balancer",
        "deploy.yml",
        NONE,
        "'nope-alb'",
        "check load_balancer",
        bluegreen_load_balancer="nope-alb",
    ),
    bad(
        "clean: mode", "clean.yml", NONE, "shred", "must be one of: delete, scale_to_zero", bluegreen_clean_mode="shred"
    ),
]


def resolve(sandbox, args):
    return {key: value(sandbox) if callable(value) else value for key, value in args.items()}


def run(sandbox, case):
    """(failed, changed, message) of one case's run; the message with its whitespace folded."""
    args = resolve(sandbox, case.args)
    if case.is_playbook:
        done = sandbox.playbook(PLAYBOOKS / case.target, extra_vars={**FAST, **args})
        changed = bool(re.search(r"localhost\s+:.*changed=[1-9]", done.stdout))
        return done.returncode != 0, changed, ansible_errors(done.stdout + done.stderr)
    result = sandbox.module(case.target, aws=case.target not in LOCAL, **args)
    return bool(result.get("failed")), bool(result.get("changed")), " ".join(str(result.get("msg", "")).split())


def tidy_up(sandbox, groups):
    """Remove a case's lock and any group a case or its setup made, so that one case does not spoil the next."""
    if sandbox.parameter(LOCK) is not None:
        sandbox.client("ssm").delete_parameter(Name=LOCK)
    made = set(sandbox.groups()) - groups
    for name in made:
        sandbox.client("autoscaling").delete_auto_scaling_group(AutoScalingGroupName=name, ForceDelete=True)
    with sandbox.hurried():
        wait_until_deleted(sandbox, made)


@pytest.fixture(scope="module")
def provisioned(sandbox):
    """The sandbox as provisioned, plus a spare load balancer for the cases that need two."""
    sandbox.restore()
    elbv2 = sandbox.client("elbv2")
    subnets = elbv2.describe_load_balancers(Names=["demo"])["LoadBalancers"][0]["AvailabilityZones"]
    spare = elbv2.create_load_balancer(Name=SPARE, Subnets=[item["SubnetId"] for item in subnets])
    yield sandbox
    elbv2.delete_load_balancer(LoadBalancerArn=spare["LoadBalancers"][0]["LoadBalancerArn"])


def test_the_catalogue_has_at_least_40_cases_over_every_module_and_role():
    targets = {case.target for case in CASES}
    assert len(CASES) >= 40
    modules = {path.stem for path in (ROOT / "plugins" / "modules").glob("*.py")}
    assert len(modules) >= 7 and modules <= targets, sorted(modules - targets)
    assert {"deploy.yml", "switch.yml", "rollback.yml", "clean.yml"} <= targets
    assert len({case.title for case in CASES}) == len(CASES)


@pytest.mark.parametrize(
    "case",
    CASES,
    ids=[case.title for case in CASES],
)
def test_a_bad_input_fails_naming_the_value_and_the_remedy_and_changes_nothing(provisioned, case):
    sandbox = provisioned
    before_groups = set(sandbox.groups())
    if case.setup:
        case.setup(sandbox)
    try:
        before = snapshot(sandbox)
        failed, changed, message = run(sandbox, case)
        after = snapshot(sandbox)
    finally:
        tidy_up(sandbox, before_groups)
        if case.teardown:
            case.teardown(sandbox)
    assert failed and not changed, message
    assert differences(before, after) == []
    assert case.value in message, f"the message does not name {case.value!r}: {message}"
    assert case.remedy in message, f"the message does not say {case.remedy!r}: {message}"


def test_a_repair_without_a_target_colour_keeps_production_on_the_colour_that_takes_it(provisioned):
    """The hint of an inconsistent state (re-run with bluegreen_repair=true), followed literally, leaves production
    where it is: demo-blue attached by hand to the green target group as well makes the state inconsistent, and a
    repair without bluegreen_target_color must not move the traffic to green, where those same instances answer."""
    sandbox = provisioned
    autoscaling = sandbox.client("autoscaling")
    autoscaling.attach_load_balancer_target_groups(
        AutoScalingGroupName="demo-blue", TargetGroupARNs=[sandbox.target_group_arn("green")]
    )
    # Registered with green as well, blue's instances go through green's health checks first.
    sandbox.wait_for_healthy(sandbox.target_group_arn("green"), 2)
    try:
        before = snapshot(sandbox)
        done = sandbox.playbook(PLAYBOOKS / "switch.yml", extra_vars={**FAST, "bluegreen_repair": True})
        after = snapshot(sandbox)
    finally:
        autoscaling.detach_load_balancer_target_groups(
            AutoScalingGroupName="demo-blue", TargetGroupARNs=[sandbox.target_group_arn("green")]
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "blue already takes all production traffic of demo" in " ".join(done.stdout.split()), done.stdout
    assert differences(before, after) == []


def test_a_repair_points_a_test_listener_that_forwards_to_the_live_colour_at_the_idle_one(provisioned):
    """The hint of that inconsistency, followed literally: the switch with bluegreen_repair=true keeps production on
    blue and moves only the test listener, to green; the state is consistent afterwards."""
    sandbox = provisioned
    test_listener_on_live(sandbox)
    try:
        before = snapshot(sandbox)
        done = sandbox.playbook(PLAYBOOKS / "switch.yml", extra_vars={**FAST, "bluegreen_repair": True})
        after = snapshot(sandbox)
    finally:
        tidy_up(sandbox, set(sandbox.groups()))
        test_listener_on_idle(sandbox)
    assert done.returncode == 0, done.stdout + done.stderr
    state = sandbox.module("state_info", app="demo", load_balancer="demo", test_listener_port=8080)
    assert (state["live_color"], state["consistent"], state["reasons"]) == ("blue", True, [])
    assert state["layers"]["alb"]["test_listener"]["weights"] == {"green": 100}
    assert state["colors"]["blue"]["traffic_percent"] == 100
    assert differences(before, after), "the repair changed nothing"
