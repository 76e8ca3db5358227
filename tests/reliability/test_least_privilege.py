# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""docs/iam/bluegreen-policy.json is enough for deploy, switch, rollback and clean, and each action it grants is needed.

A sandbox of its own (port LEAST_PRIVILEGE_PORT) runs with IAM enforcement: started with INITIAL_NO_AUTH_ACTION_COUNT,
then switched on and off with /moto-api/reset-auth, so that provisioning and the restores between the checks run
unchecked. The playbooks run with the keys of an IAM user whose only policy is the file's, as shipped: its resource
ARNs and conditions are evaluated as AWS evaluates them (tools/sandbox_policy.py), on the resources and request
context each call has (tools/sandbox_authorization.py), the authorizations a call needs besides its own action
included (ec2:RunInstances for a group created from a launch template, iam:PassRole for a deployment group's
service role). The sandbox lists the decisions it took (/_sandbox/iam/decisions): what a cycle "calls" is the actions
it was allowed.

Four cycles of playbooks run once with the whole policy: one of strategy alb on demo, one of strategy codedeploy on
cdapp (an application as tests/integration/test_codedeploy_strategy.py makes it, whose deploys upload the revision to
S3 and have the sandbox's CodeDeploy copy the fleet), one on demo fitted out with lifecycle hooks, scaling policies,
scheduled actions, a listener rule and an idle fleet made by hand, which the deploy converges, and one of strategy
route53 on demo with a load balancer per colour and the live and staging names in Route 53 (as
tests/integration/route53_sandbox.py provisions them). Each action the policy grants is either allowed to a cycle or
listed in NOT_EXERCISED with the reason.
Then, for each action a cycle is first allowed (but those in TOLERATED), the cycle runs with the policy less that
action, from the playbook that first calls it, and some playbook must fail, naming it (or, for those in MASKED, with
the error that shows it without naming it). With BLUEGREEN_LEAST_PRIVILEGE_SAMPLE=K (CI's `make
reliability-sample`), K of each cycle's actions are taken away, drawn with BLUEGREEN_RELIABILITY_SEED; the four
cycles still run whole with the policy. tests/sandbox/test_sandbox_authorization.py shows each of the policy's scoped
statements refusing a call outside its scope.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import sys
import time
import urllib.request
from collections.abc import Callable

import pytest

from conftest import ROOT
from conftest import SANDBOX_WAIT
from conftest import Sandbox

from .sandbox_state import FAST
from .sandbox_state import app_state
from .sandbox_state import PLAYBOOKS
from .sandbox_state import ansible_errors
from .sandbox_state import back_to_blue
from .sandbox_state import differences
from .sandbox_state import one_fleet
from .sandbox_state import snapshot

# tests/integration's module that provisions strategy route53's traffic layer, as the integration tests have it.
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from route53_sandbox import STAGING  # noqa: E402  pylint: disable=wrong-import-position
from route53_sandbox import WWW  # noqa: E402  pylint: disable=wrong-import-position
from route53_sandbox import provision_route53  # noqa: E402  pylint: disable=wrong-import-position
from route53_sandbox import record_sets  # noqa: E402  pylint: disable=wrong-import-position
from route53_sandbox import renew_zone  # noqa: E402  pylint: disable=wrong-import-position

POLICY = ROOT / "docs" / "iam" / "bluegreen-policy.json"
# The same grants, scoped to the application of the operator's tag bluegreen:app.
ONE_APP_POLICY = ROOT / "docs" / "iam" / "bluegreen-policy-one-app.json"
# Outside the fault proxies' ports (faults.PROXY_PORTS), which runs going on at once take.
LEAST_PRIVILEGE_PORT = int(os.environ.get("BLUEGREEN_LEAST_PRIVILEGE_PORT") or 4598)
USER = "bluegreen-operator"
DECISIONS = "/_sandbox/iam/decisions"
# The bucket of the revisions in inventories/local (bluegreen_codedeploy_bucket), which playbooks/sandbox.yml creates.
REVISIONS_BUCKET = "bluegreen-revisions"
CODEDEPLOY_APP = "cdapp"
# CodeDeploy's deployments that still move; a deployment left so when its application is removed would be found
# again by the next application of the same name.
ACTIVE_DEPLOYMENTS = ["Created", "Queued", "InProgress", "Baking", "Ready"]
# The snapshots of the sandbox as the fixture provisions it (strategy alb, the operator without a policy), with
# strategy route53's traffic layer besides, and as the cycles before one run apart left it.
PROVISIONED = "least-privilege"
ROUTE53_LAYER = "least-privilege-route53"
BEFORE_APART = "least-privilege-before-apart"
NOT_EXERCISED = {
    "autoscaling:DisableMetricsCollection": "a deploy calls it when the idle fleet collects metrics and the live one "
    "does not; moto does not implement it (the sandbox answers 500)",
    "cloudwatch:DescribeAlarms": "teal.bluegreen.release_gate reads the alarms, and no playbook calls it yet; "
    "tests/integration/test_release_gate.py runs it",
    "cloudwatch:GetMetricData": "teal.bluegreen.release_gate reads the load balancers' metrics, and no playbook calls "
    "it yet; tests/integration/test_release_gate.py runs it",
    "sns:Publish": "teal.bluegreen.release_notify publishes a switch's phases to a topic, which no playbook of the "
    "cycles does yet (tests/integration/test_release_notify.py publishes; tests/sandbox/test_sandbox_authorization.py "
    "shows the statement's scope)",
}

# Called, but a refusal does not fail the playbook, by design: the policy grants them so that nothing is left
# behind or unreported.
TOLERATED = {
    "ec2:DeleteLaunchTemplateVersions": "asg_clone reports the versions it could not delete as kept (moto does not "
    "implement the call at all)",
    "autoscaling:DescribeWarmPool": "asg_clone reports the warm pool as not copied ('could not read')",
    "autoscaling:DescribeNotificationConfigurations": "asg_clone reports them as not copied ('could not read')",
    "autoscaling:DescribeTrafficSources": "asg_clone reports them as not copied ('could not read')",
    "s3:GetBucketOwnershipControls": "amazon.aws.s3_object takes a refused read of the bucket's ownership controls for "
    "a bucket with ACLs enabled, and sets the revision's ACL (s3:PutObjectAcl); a bucket whose ACLs are disabled "
    "(BucketOwnerEnforced, S3's default for new buckets) may refuse that ACL, so the policy keeps the read",
}
# Refused, the playbook fails, but with an error that does not name the action. moto's S3 answers a refusal with
# "Access Denied" alone, and a refused HEAD with no body at all: the output names the refused call instead.
MASKED = {
    "s3:ListBucket": f"Permission denied accessing bucket '{REVISIONS_BUCKET}' (during bucket_check)",
    "s3:GetObject": "(403) when calling the HeadObject operation: Forbidden",
    "s3:PutObject": "(AccessDenied) when calling the PutObject operation",
    "s3:PutObjectAcl": "(AccessDenied) when calling the PutObjectAcl operation",
    "s3:GetObjectTagging": "(AccessDenied) when calling the GetObjectTagging operation",
    "s3:PutObjectTagging": "(AccessDenied) when calling the PutObjectTagging operation",
}
OUTPUT = ROOT / "tests" / "output" / "reliability"
# demo's production listener (inventories/local), and the target group fitted_out puts a hand-made idle fleet in.
PRODUCTION_PORT = 80
HAND_MADE_TARGET_GROUP = "demo-hand-made"

# Actions taken away per cycle in a sampled run (0: all of them), and the seed of the draw.
SAMPLE = int(os.environ.get("BLUEGREEN_LEAST_PRIVILEGE_SAMPLE") or 0)
SEED = int(os.environ.get("BLUEGREEN_RELIABILITY_SEED") or 1)

pytestmark = pytest.mark.long


def policy_actions():
    statements = json.loads(POLICY.read_text(encoding="utf-8"))["Statement"]
    actions = set()
    for statement in statements:
        granted = statement["Action"]
        actions.update([granted] if isinstance(granted, str) else granted)
    return actions


def shipped_policy(actions, path=POLICY):
    """The policy as shipped, each statement keeping only the actions of ``actions``; statements left without one
    go."""
    document = json.loads(path.read_text(encoding="utf-8"))
    statements = []
    for statement in document["Statement"]:
        granted = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        kept = [action for action in granted if action in actions]
        if kept:
            statements.append({**statement, "Action": kept})
    return json.dumps({**document, "Statement": statements})


class Enforced(Sandbox):
    """A sandbox whose IAM enforcement can be switched on and off, and the keys of its operator."""

    def __init__(self, port, directory):
        super().__init__(port, directory)
        self.env["INITIAL_NO_AUTH_ACTION_COUNT"] = "1000000000"
        self.keys = None
        self.newest_image = None
        self.granted = None
        self.policy = POLICY
        self.saved = set()

    def enforce(self, on):
        data = b"0" if on else b"1000000000"
        # Not a form: moto reads the count from the raw body, which Flask empties for form data.
        request = urllib.request.Request(
            f"{self.endpoint}/moto-api/reset-auth", data=data, method="POST", headers={"Content-Type": "text/plain"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def grant(self, actions, policy=None):
        self.enforce(False)
        self.policy = policy or self.policy
        self.client("iam").put_user_policy(
            UserName=USER, PolicyName="bluegreen", PolicyDocument=shipped_policy(actions, self.policy)
        )
        self.granted = frozenset(actions)

    def save(self, name=PROVISIONED):
        super().save(name)
        self.saved.add(name)

    def restore(self, name=PROVISIONED):
        """Put a snapshot back, with the operator's policy as granted now: the snapshot holds the one of its time."""
        self.enforce(False)
        super().restore(name)
        if self.granted is not None:
            self.grant(self.granted)

    def decisions(self, forget=False):
        """The sandbox's IAM decisions since they were last forgotten (and forgets them, with ``forget``)."""
        request = urllib.request.Request(f"{self.endpoint}{DECISIONS}", method="DELETE" if forget else "GET")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())["decisions"]

    def as_operator(self, playbook, extra_vars, endpoint=None):
        extra_vars = {
            **FAST,
            **extra_vars,
            "bluegreen_aws_access_key": self.keys["AccessKeyId"],
            "bluegreen_aws_secret_key": self.keys["SecretAccessKey"],
            "bluegreen_aws_endpoint_url": endpoint or self.endpoint,
        }
        self.enforce(True)
        try:
            return self.playbook(PLAYBOOKS / f"{playbook}.yml", extra_vars=extra_vars)
        finally:
            self.enforce(False)

    def as_root(self, playbook, extra_vars):
        done = self.playbook(PLAYBOOKS / f"{playbook}.yml", extra_vars={**FAST, **extra_vars})
        assert done.returncode == 0, done.stdout + done.stderr
        return done


def remove_cdapp(sandbox):
    """Remove cdapp and whatever its deploys left: CodeDeploy's application, the fleets, parameters and revisions, the
    load balancer and the target group."""
    codedeploy, autoscaling, elbv2, ec2, ssm, s3 = (
        sandbox.client(name) for name in ("codedeploy", "autoscaling", "elbv2", "ec2", "ssm", "s3")
    )
    if CODEDEPLOY_APP in codedeploy.list_applications()["applications"]:
        for group in codedeploy.list_deployment_groups(applicationName=CODEDEPLOY_APP)["deploymentGroups"]:
            for deployment in codedeploy.list_deployments(
                applicationName=CODEDEPLOY_APP, deploymentGroupName=group, includeOnlyStatuses=ACTIVE_DEPLOYMENTS
            )["deployments"]:
                codedeploy.stop_deployment(deploymentId=deployment, autoRollbackEnabled=False)
        codedeploy.delete_application(applicationName=CODEDEPLOY_APP)
    for name in sandbox.groups(CODEDEPLOY_APP):
        autoscaling.delete_auto_scaling_group(AutoScalingGroupName=name, ForceDelete=True)
    # A group is listed, and its name taken, until its instances have drained and terminated (docs/sandbox.md).
    deadline = time.monotonic() + SANDBOX_WAIT
    while sandbox.groups(CODEDEPLOY_APP) and time.monotonic() < deadline:
        time.sleep(0.5)
    for name in ("live", "lock", "deployment"):
        if sandbox.parameter(f"/bluegreen/{CODEDEPLOY_APP}/{name}") is not None:
            ssm.delete_parameter(Name=f"/bluegreen/{CODEDEPLOY_APP}/{name}")
    revisions = s3.list_objects_v2(Bucket=REVISIONS_BUCKET, Prefix=f"revisions/{CODEDEPLOY_APP}/")
    for item in revisions.get("Contents", []):
        s3.delete_object(Bucket=REVISIONS_BUCKET, Key=item["Key"])
    for balancer in elbv2.describe_load_balancers()["LoadBalancers"]:
        if balancer["LoadBalancerName"] == CODEDEPLOY_APP:
            elbv2.delete_load_balancer(LoadBalancerArn=balancer["LoadBalancerArn"])
    for group in elbv2.describe_target_groups()["TargetGroups"]:
        if group["TargetGroupName"] == CODEDEPLOY_APP:
            elbv2.delete_target_group(TargetGroupArn=group["TargetGroupArn"])
    if any(item["LaunchTemplateName"] == CODEDEPLOY_APP for item in ec2.describe_launch_templates()["LaunchTemplates"]):
        ec2.delete_launch_template(LaunchTemplateName=CODEDEPLOY_APP)


def new_cdapp(sandbox):
    """cdapp as nothing deployed it yet: live on blue, one group of one instance registered in the target group cdapp,
    no CodeDeploy application and no revision (Sandbox.codedeploy_app, as tests/integration/
    test_codedeploy_strategy.py makes it)."""
    remove_cdapp(sandbox)
    sandbox.codedeploy_app(CODEDEPLOY_APP)


def plain(sandbox):
    """demo without what fitted_out adds, with one fleet (one_fleet)."""
    elbv2 = sandbox.client("elbv2")
    for name in sandbox.groups():
        sandbox.remove_attached(name)
    for rule in elbv2.describe_rules(ListenerArn=production_listener(sandbox))["Rules"]:
        if not rule["IsDefault"]:
            elbv2.delete_rule(RuleArn=rule["RuleArn"])
    one_fleet(sandbox)
    for group in elbv2.describe_target_groups()["TargetGroups"]:
        if group["TargetGroupName"] == HAND_MADE_TARGET_GROUP:
            elbv2.delete_target_group(TargetGroupArn=group["TargetGroupArn"])


def production_listener(sandbox):
    elbv2 = sandbox.client("elbv2")
    [balancer] = elbv2.describe_load_balancers(Names=["demo"])["LoadBalancers"]
    listeners = elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    return next(listener["ListenerArn"] for listener in listeners if listener["Port"] == PRODUCTION_PORT)


def fitted_out(sandbox):
    """demo with one fleet, which has a lifecycle hook, a scaling policy, a scheduled action and a listener rule, and
    an idle fleet made by hand: in another target group, with a tag of its own and a hook, a policy and a scheduled
    action the live fleet does not have.

    Hooks, policies and scheduled actions are named apart on the two fleets: moto keys policies and scheduled
    actions by name across groups."""
    plain(sandbox)
    live = app_state(sandbox)["live_color"]
    idle = "green" if live == "blue" else "blue"
    autoscaling, elbv2 = sandbox.client("autoscaling"), sandbox.client("elbv2")
    source = sandbox.groups()[f"demo-{live}"]
    elbv2.create_rule(
        ListenerArn=production_listener(sandbox),
        Priority=10,
        Conditions=[{"Field": "path-pattern", "Values": ["/api/*"]}],
        Actions=[{"Type": "forward", "TargetGroupArn": sandbox.target_group_arn(live)}],
    )
    hand_made = elbv2.create_target_group(
        Name=HAND_MADE_TARGET_GROUP,
        Protocol="HTTP",
        Port=80,
        VpcId=elbv2.describe_target_groups(Names=["demo-blue"])["TargetGroups"][0]["VpcId"],
    )["TargetGroups"][0]["TargetGroupArn"]
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=f"demo-{idle}",
        LaunchTemplate={key: source["LaunchTemplate"][key] for key in ("LaunchTemplateName", "Version")},
        MinSize=source["MinSize"],
        MaxSize=source["MaxSize"],
        DesiredCapacity=source["DesiredCapacity"],
        VPCZoneIdentifier=source["VPCZoneIdentifier"],
        TargetGroupARNs=[hand_made],
        Tags=[
            {"Key": "bluegreen:app", "Value": "demo", "PropagateAtLaunch": True},
            {"Key": "bluegreen:color", "Value": idle, "PropagateAtLaunch": True},
            {"Key": "made-by", "Value": "hand", "PropagateAtLaunch": False},
        ],
    )
    for name, prefix in ((source["AutoScalingGroupName"], ""), (f"demo-{idle}", "hand-")):
        autoscaling.put_lifecycle_hook(
            AutoScalingGroupName=name,
            LifecycleHookName=f"{prefix}drain",
            LifecycleTransition="autoscaling:EC2_INSTANCE_TERMINATING",
            HeartbeatTimeout=120,
            DefaultResult="CONTINUE",
        )
        autoscaling.put_scaling_policy(
            AutoScalingGroupName=name,
            PolicyName=f"{prefix}step-out",
            PolicyType="SimpleScaling",
            AdjustmentType="ChangeInCapacity",
            ScalingAdjustment=1,
        )
        autoscaling.put_scheduled_update_group_action(
            AutoScalingGroupName=name,
            ScheduledActionName=f"{prefix}nightly",
            Recurrence="0 2 * * *",
            MinSize=source["MinSize"],
            MaxSize=source["MaxSize"],
            DesiredCapacity=source["DesiredCapacity"],
        )


def route53_layer(sandbox):
    """demo with strategy route53's traffic layer, as tests/integration/route53_sandbox.py provisions it: a load
    balancer per colour, the live name www.example.com aliasing blue's, the staging name staging.example.internal
    green's, blue live with one fleet. Provisioned the first time from the sandbox as the fixture left it, and saved;
    put back from that snapshot afterwards."""
    if ROUTE53_LAYER in sandbox.saved:
        sandbox.restore(ROUTE53_LAYER)
        return
    sandbox.restore(PROVISIONED)
    route53 = sandbox.client("route53")
    public = route53.list_hosted_zones_by_name(DNSName="example.com.")["HostedZones"][0]["Id"].split("/")[-1]
    renew_zone(sandbox, public, record_sets(sandbox, public, WWW))
    provision_route53(sandbox)
    sandbox.save(ROUTE53_LAYER)


def staging_zone_by_id(sandbox):
    """bluegreen_staging_records with the private zone given by its id, which the playbooks read with GetHostedZone
    where they look a zone given by name up with ListHostedZonesByName."""
    zones = sandbox.client("route53").list_hosted_zones_by_name(DNSName=f"{STAGING['zone']}.")["HostedZones"]
    [zone] = [item for item in zones if item["Name"] == f"{STAGING['zone']}." and item["Config"]["PrivateZone"]]
    return {"bluegreen_staging_records": {**STAGING, "zone": zone["Id"].split("/")[-1], "type": "A"}}


@dataclasses.dataclass(frozen=True)
class Cycle:
    """Playbooks run one after the other on one application, each with its extra variables; how to put the
    application where the cycle starts (as root), and how to read the state a check starts from. With ``new_image``,
    the operator's deploys release the sandbox's newest image; ``sandbox_vars`` adds variables read from the sandbox
    (as root) to each of the operator's runs. A cycle ``apart`` runs on a sandbox laid out otherwise: the sandbox is
    put back as the cycles before it left it once it has run."""

    name: str
    steps: tuple[tuple[str, dict], ...]
    restart: Callable[[Enforced], None]
    state: Callable[[Enforced], dict]
    new_image: bool = False
    sandbox_vars: Callable[[Enforced], dict] | None = None
    apart: bool = False

    def operator_vars(self, enforced, index):
        playbook, extra_vars = self.steps[index]
        if self.sandbox_vars is not None:
            extra_vars = {**extra_vars, **self.sandbox_vars(enforced)}
        if self.new_image and playbook == "deploy":
            return {**extra_vars, "bluegreen_image_id": enforced.newest_image}
        return extra_vars


# Two whole cycles: the second clean removes a fleet the deploy made, with launch template versions of its own.
ALB = Cycle(
    "alb",
    tuple(
        (playbook, {}) for playbook in ("deploy", "switch", "rollback", "switch", "clean", "deploy", "switch", "clean")
    ),
    plain,
    snapshot,
    new_image=True,
)
# As tests/integration/test_codedeploy_strategy.py drives cdapp: release 1 switched to and rolled back while the
# original instances wait, release 2 switched to and cleaned. Release 2 also shortens the originals' wait, which
# updates the deployment group.
CODEDEPLOY_VARS = {"bluegreen_app": CODEDEPLOY_APP, "bluegreen_strategy": "codedeploy"}
CODEDEPLOY = Cycle(
    "codedeploy",
    (
        ("deploy", {**CODEDEPLOY_VARS, "bluegreen_artifact_version": "1"}),
        ("switch", CODEDEPLOY_VARS),
        ("rollback", CODEDEPLOY_VARS),
        (
            "deploy",
            {**CODEDEPLOY_VARS, "bluegreen_artifact_version": "2", "bluegreen_codedeploy_termination_wait_minutes": 60},
        ),
        ("switch", CODEDEPLOY_VARS),
        ("clean", CODEDEPLOY_VARS),
    ),
    new_cdapp,
    snapshot,
)
# The idle fleet a deploy finds made by hand, and a live fleet with everything a clone copies: lifecycle hooks,
# scaling policies, scheduled actions, and a listener rule that forwards to it. The deploy converges the idle fleet
# (put what the live fleet has, delete what it has not), the switch moves the rule with the listener, in a weighted
# step first, whose group stickiness it decides from the target groups' attributes (docs/switch.md, "Sticky canary
# steps").
CONVERGE = Cycle("converge", (("deploy", {}), ("switch", {"bluegreen_canary_steps": [50, 100]})), fitted_out, snapshot)
# Strategy route53 on demo: the switch flips the live name's alias records to the new colour's load balancer and the
# staging name's to the old one, once the new colour's target group is healthy, and waits for the changes to be in
# sync; the deploy and the clean read the live records to find the live colour. The live zone is given by name, as
# inventories/local has it, the staging zone by id (staging_zone_by_id). Its load balancers' listeners would put the
# idle colour's targets in use for the other cycles (docs/sandbox.md): it runs apart, and its test last.
ROUTE53_VARS = {"bluegreen_strategy": "route53", "bluegreen_dns_poll_interval": 1}
ROUTE53 = Cycle(
    "route53",
    tuple((playbook, ROUTE53_VARS) for playbook in ("deploy", "switch", "clean")),
    route53_layer,
    snapshot,
    sandbox_vars=staging_zone_by_id,
    apart=True,
)
CYCLES = (ALB, CODEDEPLOY, CONVERGE, ROUTE53)


@pytest.fixture(scope="module")
def enforced():
    instance = Enforced(LEAST_PRIVILEGE_PORT, ROOT / "tests" / "output" / f"sandbox-{LEAST_PRIVILEGE_PORT}-iam")
    started = instance.tool("start")
    assert started.returncode == 0, started.stdout + started.stderr
    instance.enforce(False)
    assert instance.tool("reset").returncode == 0
    instance.provision()
    iam = instance.client("iam")
    iam.create_user(UserName=USER)
    instance.keys = iam.create_access_key(UserName=USER)["AccessKey"]
    instance.newest_image = instance.images()[-1]
    instance.save(PROVISIONED)
    yield instance
    instance.enforce(False)
    instance.tool("remove")


@pytest.fixture(scope="module")
def exercised(enforced):
    """{cycle name: {step index: IAM actions its playbook called}}, from each cycle run once with the whole policy,
    every playbook of which must pass."""
    enforced.grant(policy_actions())
    back_to_blue(enforced)
    called = {}
    for cycle in CYCLES:
        if cycle.apart:
            enforced.save(BEFORE_APART)
        cycle.restart(enforced)
        called[cycle.name] = {}
        for index, (playbook, _vars) in enumerate(cycle.steps):
            enforced.decisions(forget=True)
            done = enforced.as_operator(playbook, cycle.operator_vars(enforced, index))
            failure = f"{cycle.name} cycle: {playbook} failed with only the policy: {ansible_errors(done.stdout)}"
            assert done.returncode == 0, failure
            decisions = enforced.decisions()
            called[cycle.name][index] = {item["action"] for item in decisions if item["outcome"] == "allowed"}
            refused = sorted({(item["action"], item["resource"]) for item in decisions if item["outcome"] != "allowed"})
            assert refused == [], f"{cycle.name} cycle: {playbook} was refused {refused} with the whole policy"
        if cycle.apart:
            enforced.restore(BEFORE_APART)
    plain(enforced)
    back_to_blue(enforced)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    record = {
        cycle.name: {
            f"{index} {cycle.steps[index][0]}": sorted(actions) for index, actions in called[cycle.name].items()
        }
        for cycle in CYCLES
    }
    (OUTPUT / "least_privilege.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return called


def test_the_policy_grants_what_the_playbooks_call_and_each_grant_is_accounted_for(exercised):
    granted = policy_actions()
    called = set().union(*(actions for steps in exercised.values() for actions in steps.values()))
    assert sorted(called - granted) == [], "called but not granted"
    assert sorted(granted - called) == sorted(NOT_EXERCISED), "granted but neither called nor in NOT_EXERCISED"


# The application each cycle works on, which the one-application policy's operator is tagged with.
CYCLE_APPS = {"alb": "demo", "codedeploy": CODEDEPLOY_APP, "converge": "demo", "route53": "demo"}
ANOTHER_APP = "another-app"


def tag_operator(enforced, app):
    enforced.client("iam").tag_user(UserName=USER, Tags=[{"Key": "bluegreen:app", "Value": app}])


def tag_listeners(enforced, app):
    """Tag each listener and listener rule with ``app``, as a team that scopes its operators by application does with
    the ones its switches move (the one-application policy's MoveTrafficOnApplicationLoadBalancers)."""
    elbv2 = enforced.client("elbv2")
    arns = []
    for balancer in elbv2.describe_load_balancers()["LoadBalancers"]:
        for listener in elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]:
            arns.append(listener["ListenerArn"])
            rules = elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
            arns += [rule["RuleArn"] for rule in rules if not rule["IsDefault"]]
    for start in range(0, len(arns), 20):
        elbv2.add_tags(ResourceArns=arns[start : start + 20], Tags=[{"Key": "bluegreen:app", "Value": app}])


def settled_state(enforced, cycle, timeout=120):
    """The cycle's state once no target is in its first health checks (``initial``): the sandbox's health model moves
    them on its own clock, which is no change of the operator's."""
    deadline = time.monotonic() + timeout
    while True:
        state = cycle.state(enforced)
        groups = state.get("elbv2", {}).get("target_groups", {})
        if "initial" not in json.dumps(groups, default=str) or time.monotonic() > deadline:
            return state
        time.sleep(2)


def test_the_one_application_policy_runs_each_cycle_for_its_application_and_refuses_another(enforced, exercised):
    """docs/iam/bluegreen-policy-one-app.json, whole: tagged with another application, the operator's first playbook
    of each cycle fails refused and changes nothing; tagged with the cycle's, every playbook passes, refused
    nothing. The sampled run leaves it to `make reliability`: tests/sandbox/test_sandbox_authorization.py shows each of
    its scoped statements refusing another application's resource."""
    if SAMPLE:
        pytest.skip("the sampled run leaves the one-application policy's cycles to `make reliability`")
    enforced.grant(policy_actions(), ONE_APP_POLICY)
    try:
        back_to_blue(enforced)
        for cycle in CYCLES:
            if cycle.apart:
                enforced.save(BEFORE_APART)
            cycle.restart(enforced)
            tag_listeners(enforced, CYCLE_APPS[cycle.name])
            tag_operator(enforced, ANOTHER_APP)
            before = settled_state(enforced, cycle)
            enforced.decisions(forget=True)
            done = enforced.as_operator(cycle.steps[0][0], cycle.operator_vars(enforced, 0))
            refused = [item for item in enforced.decisions() if item["outcome"] != "allowed"]
            assert done.returncode != 0, f"{cycle.name} cycle: {cycle.steps[0][0]} passed for {ANOTHER_APP}'s operator"
            assert refused and "not authorized to perform" in done.stdout, ansible_errors(done.stdout)
            assert differences(before, cycle.state(enforced)) == []
            tag_operator(enforced, CYCLE_APPS[cycle.name])
            for index, (playbook, _vars) in enumerate(cycle.steps):
                enforced.decisions(forget=True)
                done = enforced.as_operator(playbook, cycle.operator_vars(enforced, index))
                failure = f"{cycle.name} cycle: {playbook} failed with the one-application policy: "
                assert done.returncode == 0, failure + ansible_errors(done.stdout)
                refused = sorted(
                    {
                        (item["action"], item["resource"])
                        for item in enforced.decisions()
                        if item["outcome"] != "allowed"
                    }
                )
                assert refused == [], f"{cycle.name} cycle: {playbook} was refused {refused}"
            if cycle.apart:
                enforced.restore(BEFORE_APART)
    finally:
        enforced.client("iam").untag_user(UserName=USER, TagKeys=["bluegreen:app"])
        enforced.grant(policy_actions(), POLICY)
        plain(enforced)
        back_to_blue(enforced)


def run_until_a_failure(enforced, cycle, start):
    """Run the cycle as the operator from its step ``start`` until a playbook fails; (its index, its run), or the
    last's."""
    for index in range(start, len(cycle.steps)):
        done = enforced.as_operator(cycle.steps[index][0], cycle.operator_vars(enforced, index))
        if done.returncode != 0:
            break
    return index, done


def without_each_action(enforced, cycle, first_use):
    """Each action of ``first_use`` ({action: index of the step that first calls it}) in turn: the cycle runs without
    it from that step, until a playbook fails; what went otherwise than expected.

    The checks go in the order of the cycle. The state a check starts from, that of the cycle before the step that
    first calls its action, is prepared as root, without enforcement: from the state prepared for the check before, by
    the playbooks between the two, when no check changed it since; otherwise from where the cycle starts
    (``cycle.restart``).
    """
    wrong, prepared, before = [], None, None
    for action, start in sorted(first_use.items(), key=lambda item: (item[1], item[0])):
        if prepared != start:
            enforced.grant(policy_actions())
            if prepared is None:
                cycle.restart(enforced)
                prepared = 0
            for playbook, extra_vars in cycle.steps[prepared:start]:
                enforced.as_root(playbook, extra_vars)
            prepared, before = start, cycle.state(enforced)
        enforced.grant(policy_actions() - {action})
        index, done = run_until_a_failure(enforced, cycle, start)
        output = done.stdout + done.stderr
        expected = MASKED.get(action, f"not authorized to perform: {action}")
        if done.returncode == 0 or expected not in output:
            outcome = "every playbook passed" if done.returncode == 0 else f"{cycle.steps[index][0]} failed otherwise"
            wrong.append(f"{action}: {outcome}: {ansible_errors(output)[:300]}")
        if index != start or differences(before, cycle.state(enforced)):
            prepared = None
    return wrong


def first_calls(steps, leave_out=frozenset(), sample=SAMPLE, seed=SEED):
    """{action: index of the first step that calls it} for the actions the steps call, but those left out; only
    ``sample`` of them, drawn with ``seed``, when ``sample`` is not 0."""
    first_use = {}
    for index in sorted(steps):
        for action in sorted(steps[index] - set(TOLERATED) - leave_out):
            first_use.setdefault(action, index)
    if sample:
        drawn = random.Random(seed).sample(sorted(first_use), min(sample, len(first_use)))
        print(f"seed {seed}: of {len(first_use)} actions, {sorted(drawn)} are taken away one at a time")
        first_use = {action: first_use[action] for action in drawn}
    return first_use


def test_without_any_one_action_some_playbook_of_the_alb_cycle_fails_naming_it(enforced, exercised):
    """Each action the alb cycle calls; demo is put back with one fleet, whichever colour is live (the colours play
    the same part)."""
    wrong = without_each_action(enforced, ALB, first_calls(exercised["alb"]))
    assert wrong == [], "\n".join(wrong)


def test_without_any_one_action_some_playbook_of_the_codedeploy_cycle_fails_naming_it(enforced, exercised):
    """Each action the codedeploy cycle calls and the alb cycle does not; cdapp is made again as nothing deployed it."""
    checked = set().union(*exercised["alb"].values())
    wrong = without_each_action(enforced, CODEDEPLOY, first_calls(exercised["codedeploy"], leave_out=checked))
    assert wrong == [], "\n".join(wrong)


def test_without_any_one_action_a_deploy_that_converges_a_fleet_or_a_switch_that_moves_a_rule_fails_naming_it(
    enforced, exercised
):
    """Each action the converge cycle calls and the other two do not; demo is fitted out again after a check that
    changed it."""
    checked = set().union(*exercised["alb"].values(), *exercised["codedeploy"].values())
    try:
        wrong = without_each_action(enforced, CONVERGE, first_calls(exercised["converge"], leave_out=checked))
    finally:
        plain(enforced)
    assert wrong == [], "\n".join(wrong)


def test_without_any_one_action_some_playbook_of_the_route53_cycle_fails_naming_it(enforced, exercised):
    """Each action the route53 cycle calls and the other three do not; demo's route53 layer is put back from its
    snapshot after a check that changed it, and the sandbox as provisioned at the end."""
    checked = set().union(
        *(actions for name in ("alb", "codedeploy", "converge") for actions in exercised[name].values())
    )
    try:
        wrong = without_each_action(enforced, ROUTE53, first_calls(exercised["route53"], leave_out=checked))
    finally:
        enforced.restore(PROVISIONED)
    assert wrong == [], "\n".join(wrong)
