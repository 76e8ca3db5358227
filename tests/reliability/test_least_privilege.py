# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""docs/iam/bluegreen-policy.json is enough for deploy, switch, rollback and clean, and each action it grants is needed.

A sandbox of its own (port LEAST_PRIVILEGE_PORT) runs with moto's IAM enforcement: started with
INITIAL_NO_AUTH_ACTION_COUNT, then switched on and off with /moto-api/reset-auth, so that provisioning
and the restores between the checks run unchecked. The playbooks run with the keys of an IAM user whose
only policy is the file's, as moto can check it: every action on every resource, without conditions
(moto matches resources as given to it, "*", and evaluates no condition keys; docs/reliability.md).

The cycle of playbooks runs once with the whole policy, through a fault proxy that records every call:
each action the policy grants is either called by the cycle or listed in NOT_EXERCISED with the reason.
Then, for each action the cycle calls (but those in TOLERATED), the cycle runs with the policy less that
action from the playbook that first calls it, and some playbook must fail, naming it (or, for those in
MASKED, with the error that hides it).
"""

from __future__ import annotations

import json
import os
import urllib.request

import pytest

from conftest import ROOT
from conftest import Sandbox

from .faults import new_proxy
from .sandbox_state import FAST
from .sandbox_state import PLAYBOOKS
from .sandbox_state import ansible_errors
from .sandbox_state import back_to_blue
from .sandbox_state import differences
from .sandbox_state import one_fleet
from .sandbox_state import snapshot

POLICY = ROOT / "docs" / "iam" / "bluegreen-policy.json"
# Outside the fault proxies' ports (faults.PROXY_PORTS), which runs going on at once take.
LEAST_PRIVILEGE_PORT = int(os.environ.get("BLUEGREEN_LEAST_PRIVILEGE_PORT") or 4598)
USER = "bluegreen-operator"
# Two whole cycles: the second clean removes a fleet the deploy made, with launch template versions of its own.
CYCLE = ("deploy", "switch", "rollback", "switch", "clean", "deploy", "switch", "clean")
# IAM's prefix of each service, by botocore's name for it.
IAM_PREFIX = {"elbv2": "elasticloadbalancing", "resourcegroupstaggingapi": "tag"}
# moto names the action after the service's signing name, which differs from the IAM prefix for this one.
MOTO_PREFIX = {"tag": "tagging"}
# What the codedeploy_deployment module calls, and what the deploy role's upload of the revision (amazon.aws.s3_object)
# calls: moto would check them (docs/reliability.md), but the cycle below does not reach CodeDeploy.
CODEDEPLOY = (
    "codedeploy:BatchGetDeploymentTargets",
    "codedeploy:ContinueDeployment",
    "codedeploy:CreateApplication",
    "codedeploy:CreateDeployment",
    "codedeploy:CreateDeploymentGroup",
    "codedeploy:GetApplication",
    "codedeploy:GetDeployment",
    "codedeploy:GetDeploymentGroup",
    "codedeploy:ListDeploymentTargets",
    "codedeploy:ListDeployments",
    "codedeploy:StopDeployment",
    "codedeploy:UpdateDeploymentGroup",
    "s3:GetBucketOwnershipControls",
    "s3:GetObject",
    "s3:GetObjectTagging",
    "s3:ListBucket",
    "s3:PutObject",
    "s3:PutObjectAcl",
    "s3:PutObjectTagging",
)
NOT_EXERCISED = {
    "autoscaling:AttachLoadBalancerTargetGroups": "only when a clone's target groups are converged again",
    "autoscaling:DetachLoadBalancerTargetGroups": "only when a clone's target groups are converged again",
    "autoscaling:CreateOrUpdateTags": "AWS checks it for the tags given to CreateAutoScalingGroup; moto does not",
    "autoscaling:DeleteTags": "only when a clone's tags are converged again",
    "autoscaling:DisableMetricsCollection": "only when a clone's metrics are converged again",
    "autoscaling:PutLifecycleHook": "only when the live fleet has lifecycle hooks; demo's has none",
    "autoscaling:DeleteLifecycleHook": "only when a clone's lifecycle hooks are converged again",
    "autoscaling:PutScalingPolicy": "only when the live fleet has scaling policies; demo's has none",
    "autoscaling:DeletePolicy": "only when a clone's scaling policies are converged again",
    "autoscaling:PutScheduledUpdateGroupAction": "only when the live fleet has scheduled actions; demo's has none",
    "autoscaling:DeleteScheduledAction": "only when a clone's scheduled actions are converged again",
    "ec2:RunInstances": "AWS checks it when a group is created from a launch template; moto does not",
    "ec2:CreateTags": "AWS checks it when the launch template tags instances or volumes; moto does not",
    "iam:PassRole": "AWS checks it when the launch template names an instance profile, and for the CodeDeploy service "
    "role a deployment group is created or updated with; moto does neither",
    "ssm:AddTagsToResource": "AWS checks it for the tags given to PutParameter; moto does not",
    # The cycle's deploy and switch record with deploy_lock (its record option); community.aws.ssm_parameter, which
    # makes these calls, records the deployments and switches of strategies efs and codedeploy.
    "ssm:GetParameter": "community.aws.ssm_parameter: strategies efs and codedeploy; the cycle runs strategy alb",
    "ssm:DescribeParameters": "community.aws.ssm_parameter: strategies efs and codedeploy; the cycle runs strategy alb",
    "ssm:ListTagsForResource": "community.aws.ssm_parameter: strategies efs and codedeploy; the cycle runs strategy alb",
    "elasticloadbalancing:ModifyRule": "only when the production listener has rules; demo's has none",
    "elasticloadbalancing:DescribeTargetGroupAttributes": "strategy route53, whose switch reads the target health with "
    "community.aws.elb_target_group_info; the sandbox runs strategy alb",
    "route53:GetChange": "strategy route53; the sandbox runs strategy alb",
    "route53:GetHostedZone": "strategy route53; the sandbox runs strategy alb",
    "route53:ListHostedZonesByName": "strategy route53; the sandbox runs strategy alb",
    "route53:ListResourceRecordSets": "strategy route53; the sandbox runs strategy alb",
    "route53:ChangeResourceRecordSets": "strategy route53; the sandbox runs strategy alb",
    **{
        action: "CodeDeploy (strategy codedeploy, or bluegreen_codedeploy); the cycle runs strategy alb without it"
        for action in CODEDEPLOY
    },
}

# Called, but a refusal does not fail the playbook, by design: the policy grants them so that nothing is left
# behind or unreported.
TOLERATED = {
    "ec2:DeleteLaunchTemplateVersions": "asg_clone reports the versions it could not delete as kept (moto does not "
    "implement the call at all)",
    "autoscaling:DescribeWarmPool": "asg_clone reports the warm pool as not copied ('could not read')",
    "autoscaling:DescribeNotificationConfigurations": "asg_clone reports them as not copied ('could not read')",
    "autoscaling:DescribeTrafficSources": "asg_clone reports them as not copied ('could not read')",
}
# Refused, the playbook fails, but with an error that does not name the action. community.aws.ssm_parameter reads a
# refused GetParameter as "no such parameter", then tries to create it (bug 3 of docs/reliability.md), but the cycle
# no longer calls it.
MASKED = {}
OUTPUT = ROOT / "tests" / "output" / "reliability"

pytestmark = pytest.mark.long


def policy_actions():
    statements = json.loads(POLICY.read_text(encoding="utf-8"))["Statement"]
    actions = set()
    for statement in statements:
        granted = statement["Action"]
        actions.update([granted] if isinstance(granted, str) else granted)
    return actions


def moto_policy(actions):
    """The policy as moto can check it: the actions, on every resource, without conditions."""
    names = sorted(moto_name(action) for action in actions)
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": names, "Resource": "*"}]})


def moto_name(action):
    prefix, name = action.split(":", 1)
    return f"{MOTO_PREFIX.get(prefix, prefix)}:{name}"


def iam_action(operation_key):
    service, operation = operation_key.split(":", 1)
    return f"{IAM_PREFIX.get(service, service)}:{operation}"


class Enforced(Sandbox):
    """A sandbox whose IAM enforcement can be switched on and off, and the keys of its operator."""

    def __init__(self, port, directory):
        super().__init__(port, directory)
        self.env["INITIAL_NO_AUTH_ACTION_COUNT"] = "1000000000"
        self.keys = None
        self.newest_image = None

    def enforce(self, on):
        data = b"0" if on else b"1000000000"
        # Not a form: moto reads the count from the raw body, which Flask empties for form data.
        request = urllib.request.Request(
            f"{self.endpoint}/moto-api/reset-auth", data=data, method="POST", headers={"Content-Type": "text/plain"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def grant(self, actions):
        self.enforce(False)
        self.client("iam").put_user_policy(UserName=USER, PolicyName="bluegreen", PolicyDocument=moto_policy(actions))

    def as_operator(self, playbook, endpoint=None):
        extra_vars = {
            **FAST,
            "bluegreen_aws_access_key": self.keys["AccessKeyId"],
            "bluegreen_aws_secret_key": self.keys["SecretAccessKey"],
            "bluegreen_aws_endpoint_url": endpoint or self.endpoint,
        }
        if playbook == "deploy":
            extra_vars["bluegreen_image_id"] = self.newest_image
        self.enforce(True)
        try:
            return self.playbook(PLAYBOOKS / f"{playbook}.yml", extra_vars=extra_vars)
        finally:
            self.enforce(False)

    def as_root(self, playbook):
        done = self.playbook(PLAYBOOKS / f"{playbook}.yml", extra_vars=FAST)
        assert done.returncode == 0, done.stdout + done.stderr
        return done


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
    yield instance
    instance.enforce(False)
    instance.tool("stop")


@pytest.fixture(scope="module")
def exercised(enforced):
    """{playbook index in CYCLE: IAM actions it called}, from one cycle with the whole policy, which must pass."""
    enforced.grant(policy_actions())
    back_to_blue(enforced)
    called = {}
    with new_proxy(enforced.endpoint) as recorder:
        for index, playbook in enumerate(CYCLE):
            recorder.reset_stats()
            done = enforced.as_operator(playbook, endpoint=recorder.url)
            assert done.returncode == 0, f"{playbook} failed with only the policy: {ansible_errors(done.stdout)}"
            called[index] = {iam_action(key) for key in recorder.stats()["operations"] if key != "unsigned"}
    back_to_blue(enforced)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    record = {f"{index} {CYCLE[index]}": sorted(actions) for index, actions in called.items()}
    (OUTPUT / "least_privilege.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return called


def test_the_policy_grants_what_the_playbooks_call_and_each_grant_is_accounted_for(exercised):
    granted = policy_actions()
    called = set().union(*exercised.values())
    assert sorted(called - granted) == [], "called but not granted"
    assert sorted(granted - called) == sorted(NOT_EXERCISED), "granted but neither called nor in NOT_EXERCISED"


def run_until_a_failure(enforced, start):
    """Run the cycle as the operator from CYCLE[start] until a playbook fails; (its index, its run), or the last's."""
    for index in range(start, len(CYCLE)):
        done = enforced.as_operator(CYCLE[index])
        if done.returncode != 0:
            break
    return index, done


def test_without_any_one_action_some_playbook_fails_naming_it(enforced, exercised):
    """Each called action in turn: the cycle runs without it from the playbook that first calls it, until one fails.

    The checks go in the order of the cycle. The state a check starts from, that of the cycle before the playbook
    that first calls its action, is prepared as root, without enforcement: from the state prepared for the check
    before, by the playbooks between the two, when no check changed it since; otherwise from demo with one fleet,
    whichever colour is live (the colours play the same part).
    """
    first_use = {}
    for index in sorted(exercised):
        for action in sorted(exercised[index] - set(TOLERATED)):
            first_use.setdefault(action, index)
    wrong, prepared, before = [], None, None
    for action, start in sorted(first_use.items(), key=lambda item: (item[1], item[0])):
        if prepared != start:
            enforced.grant(policy_actions())
            if prepared is None:
                one_fleet(enforced)
                prepared = 0
            for playbook in CYCLE[prepared:start]:
                enforced.as_root(playbook)
            prepared, before = start, snapshot(enforced)
        enforced.grant(policy_actions() - {action})
        index, done = run_until_a_failure(enforced, start)
        output = done.stdout + done.stderr
        expected = MASKED.get(action, moto_name(action))
        if done.returncode == 0 or expected not in output:
            outcome = "every playbook passed" if done.returncode == 0 else f"{CYCLE[index]} failed otherwise"
            wrong.append(f"{action}: {outcome}: {ansible_errors(output)[:300]}")
        if index != start or differences(before, snapshot(enforced)):
            prepared = None
    assert wrong == [], "\n".join(wrong)
