# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The sandbox's IAM policy evaluation (tools/sandbox_policy.py), case by case from AWS's documented rules.

IAM User Guide: "Policy evaluation logic" (an explicit deny wins, no allow is an implicit deny), "IAM JSON policy
elements: Condition operators" (an absent key makes a condition false, a negated one true, ...IfExists true, Null
tests the absence), "Conditions with multiple context keys or values" (operators and keys ANDed, values ORed, NORed
when negated; ForAllValues holds for an absent key, ForAnyValue does not), "IAM JSON policy elements: Action"
(case-insensitive) and "Resource" (case-sensitive, wildcards). moto, which the sandbox patches, reads no Condition
and matches every request against the resource "*": most of the cases below it decides the other way.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

from sandbox_policy import ALLOW  # noqa: E402  pylint: disable=wrong-import-position
from sandbox_policy import EXPLICIT_DENY  # noqa: E402  pylint: disable=wrong-import-position
from sandbox_policy import IMPLICIT_DENY  # noqa: E402  pylint: disable=wrong-import-position
from sandbox_policy import Request  # noqa: E402  pylint: disable=wrong-import-position
from sandbox_policy import Unsupported  # noqa: E402  pylint: disable=wrong-import-position
from sandbox_policy import condition_holds  # noqa: E402  pylint: disable=wrong-import-position
from sandbox_policy import decide  # noqa: E402  pylint: disable=wrong-import-position
from sandbox_policy import decide_all  # noqa: E402  pylint: disable=wrong-import-position

PARAMETER = "arn:aws:ssm:us-east-1:123456789012:parameter/bluegreen/demo/live"
GROUP = "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/demo-green"


def policy(*statements):
    return [{"Version": "2012-10-17", "Statement": list(statements)}]


def allow(action, resource="*", condition=None, sid="Granted"):
    statement = {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


def test_an_explicit_deny_wins_over_an_allow_and_no_allow_is_an_implicit_deny():
    documents = policy(
        allow("ssm:*"), {"Sid": "NotThat", "Effect": "Deny", "Action": "ssm:DeleteParameter", "Resource": "*"}
    )
    assert decide(documents, Request("ssm:GetParameter", PARAMETER)).outcome == ALLOW
    denied = decide(documents, Request("ssm:DeleteParameter", PARAMETER))
    assert (denied.outcome, denied.statement) == (EXPLICIT_DENY, "NotThat")
    assert decide(documents, Request("ec2:RunInstances")).outcome == IMPLICIT_DENY
    assert decide([], Request("ssm:GetParameter", PARAMETER)).outcome == IMPLICIT_DENY


def test_actions_match_without_regard_to_case_and_with_wildcards():
    documents = policy(allow("autoscaling:Describe*"))
    assert decide(documents, Request("autoscaling:DescribeAutoScalingGroups")).outcome == ALLOW
    assert decide(documents, Request("AutoScaling:describeLifecycleHooks")).outcome == ALLOW
    assert decide(documents, Request("autoscaling:DeleteAutoScalingGroup")).outcome == IMPLICIT_DENY
    assert decide(policy(allow("ec2:?unInstances")), Request("ec2:RunInstances")).outcome == ALLOW


def test_resources_match_with_case_and_wildcards_and_an_action_without_resource_level_permissions_needs_star():
    documents = policy(allow("ssm:GetParameter", "arn:aws:ssm:*:*:parameter/bluegreen/*"))
    assert decide(documents, Request("ssm:GetParameter", PARAMETER)).outcome == ALLOW
    assert decide(documents, Request("ssm:GetParameter", PARAMETER.replace("bluegreen", "Bluegreen"))).outcome == (
        IMPLICIT_DENY
    )
    other = "arn:aws:ssm:us-east-1:123456789012:parameter/shop/database-password"
    assert decide(documents, Request("ssm:GetParameter", other)).outcome == IMPLICIT_DENY
    # An action checked against "*" is covered only by a statement for every resource.
    assert decide(documents, Request("ssm:GetParameter", "*")).outcome == IMPLICIT_DENY
    assert decide(policy(allow("ssm:DescribeParameters")), Request("ssm:DescribeParameters")).outcome == ALLOW


def test_not_action_and_not_resource_cover_everything_else():
    documents = policy(
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "ssm:PutParameter", "NotResource": "arn:aws:ssm:*:*:parameter/bluegreen/*"},
    )
    assert decide(documents, Request("ssm:PutParameter", PARAMETER)).outcome == ALLOW
    assert decide(documents, Request("ssm:PutParameter", PARAMETER.replace("bluegreen", "shop"))).outcome == (
        EXPLICIT_DENY
    )
    assert decide(documents, Request("iam:PassRole", "arn:aws:iam::123456789012:role/x")).outcome == IMPLICIT_DENY


def test_null_tests_whether_the_key_is_present():
    present = {"Null": {"aws:RequestTag/bluegreen:app": "false"}}
    absent = {"Null": {"aws:RequestTag/bluegreen:app": "true"}}
    tagged = {"aws:requesttag/bluegreen:app": "demo"}
    assert condition_holds(present, tagged) and not condition_holds(present, {})
    assert condition_holds(absent, {}) and not condition_holds(absent, tagged)


@pytest.mark.parametrize(
    "operator, holds_without_the_key",
    [
        ("StringEquals", False),
        ("StringLike", False),
        ("StringNotEquals", True),
        ("StringNotLike", True),
        ("StringEqualsIfExists", True),
        ("ArnLike", False),
        ("ArnNotLike", True),
    ],
)
def test_a_key_absent_from_the_context_makes_a_condition_false_but_a_negated_or_if_exists_one_true(
    operator, holds_without_the_key
):
    assert condition_holds({operator: {"aws:ResourceTag/bluegreen:app": "demo"}}, {}) is holds_without_the_key


def test_values_of_a_key_are_ored_keys_anded_operators_anded_and_a_negated_operators_values_nored():
    context = {"aws:resourcetag/bluegreen:app": "demo", "aws:resourcetag/bluegreen:color": "green"}
    assert condition_holds({"StringEquals": {"aws:ResourceTag/bluegreen:app": ["shop", "demo"]}}, context)
    assert not condition_holds(
        {"StringEquals": {"aws:ResourceTag/bluegreen:app": "demo", "aws:ResourceTag/bluegreen:color": "blue"}}, context
    )
    assert not condition_holds(
        {
            "StringEquals": {"aws:ResourceTag/bluegreen:app": "demo"},
            "StringLike": {"aws:ResourceTag/bluegreen:color": "b*"},
        },
        context,
    )
    assert not condition_holds({"StringNotEquals": {"aws:ResourceTag/bluegreen:app": ["shop", "demo"]}}, context)
    assert condition_holds({"StringNotEquals": {"aws:ResourceTag/bluegreen:app": ["shop", "blog"]}}, context)


def test_key_names_ignore_case_and_values_do_not_but_for_the_ignore_case_operators():
    context = {"aws:resourcetag/bluegreen:app": "demo"}
    assert condition_holds({"StringEquals": {"AWS:ResourceTag/BlueGreen:App": "demo"}}, context)
    assert not condition_holds({"StringEquals": {"aws:ResourceTag/bluegreen:app": "Demo"}}, context)
    assert condition_holds({"StringEqualsIgnoreCase": {"aws:ResourceTag/bluegreen:app": "Demo"}}, context)


def test_for_all_values_holds_for_an_absent_key_and_for_any_value_does_not():
    only_ours = {"ForAllValues:StringEquals": {"aws:TagKeys": ["bluegreen:app", "bluegreen:color"]}}
    any_app = {"ForAnyValue:StringEquals": {"aws:TagKeys": ["bluegreen:app"]}}
    assert condition_holds(only_ours, {}) and not condition_holds(any_app, {})
    assert condition_holds(only_ours, {"aws:tagkeys": ["bluegreen:app"]})
    assert not condition_holds(only_ours, {"aws:tagkeys": ["bluegreen:app", "owner"]})
    assert condition_holds(any_app, {"aws:tagkeys": ["owner", "bluegreen:app"]})
    assert not condition_holds(any_app, {"aws:tagkeys": ["owner"]})


def test_arn_operators_match_each_part_of_the_arn_on_its_own():
    condition = {"ArnLike": {"aws:SourceArn": "arn:aws:autoscaling:*:*:autoScalingGroup:*"}}
    assert condition_holds(condition, {"aws:sourcearn": GROUP})
    assert not condition_holds(condition, {"aws:sourcearn": "arn:aws:ec2:us-east-1:123456789012:instance/i-1"})


def test_an_operator_the_sandbox_cannot_evaluate_refuses_instead_of_guessing():
    with pytest.raises(Unsupported):
        decide(
            policy(allow("ec2:*", condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})), Request("ec2:RunInstances")
        )


def test_a_call_that_needs_several_authorizations_is_refused_on_the_first_not_allowed():
    documents = policy(
        allow("autoscaling:CreateAutoScalingGroup", condition={"Null": {"aws:RequestTag/bluegreen:app": "false"}})
    )
    create = Request("autoscaling:CreateAutoScalingGroup", GROUP, {"aws:requesttag/bluegreen:app": "demo"})
    refused = decide_all(documents, [create, Request("ec2:RunInstances")])
    assert (refused.outcome, refused.request.action) == (IMPLICIT_DENY, "ec2:RunInstances")
    assert decide_all(documents + policy(allow("ec2:RunInstances")), [create, Request("ec2:RunInstances")]).allowed


# "IAM policy elements: Variables and tags": a variable stands for the request context's value of its key, in a
# Resource and in a String or ARN condition's value; without a value it matches nothing, but for its default.
TAGGED = {"aws:principaltag/bluegreen:app": "demo", "aws:username": "deployer"}


def test_a_variable_in_a_resource_stands_for_the_principals_value_and_matches_nothing_without_one():
    documents = policy(
        allow("ssm:PutParameter", "arn:aws:ssm:*:*:parameter/bluegreen/${aws:PrincipalTag/bluegreen:app}/*")
    )
    assert decide(documents, Request("ssm:PutParameter", PARAMETER, TAGGED)).outcome == ALLOW
    other = PARAMETER.replace("/demo/", "/shop/")
    assert decide(documents, Request("ssm:PutParameter", other, TAGGED)).outcome == IMPLICIT_DENY
    # Without the tag the statement covers nothing, not every parameter under /bluegreen/.
    assert decide(documents, Request("ssm:PutParameter", PARAMETER, {})).outcome == IMPLICIT_DENY
    assert decide(documents, Request("ssm:PutParameter", "arn:aws:ssm:*:*:parameter/bluegreen//x", {})).outcome == (
        IMPLICIT_DENY
    )


def test_a_variable_in_a_condition_value_compares_the_two_keys_of_the_request():
    block = {"StringEquals": {"aws:ResourceTag/bluegreen:app": "${aws:PrincipalTag/bluegreen:app}"}}
    assert condition_holds(block, {**TAGGED, "aws:resourcetag/bluegreen:app": "demo"})
    assert not condition_holds(block, {**TAGGED, "aws:resourcetag/bluegreen:app": "shop"})
    # No principal tag: the value matches nothing, not even a resource without the tag.
    assert not condition_holds(block, {"aws:resourcetag/bluegreen:app": ""})
    negated = {"StringNotEquals": {"aws:ResourceTag/bluegreen:app": "${aws:PrincipalTag/bluegreen:app}"}}
    assert condition_holds(negated, {**TAGGED, "aws:resourcetag/bluegreen:app": "shop"})
    assert not condition_holds(negated, {**TAGGED, "aws:resourcetag/bluegreen:app": "demo"})
    # Negated or not, a variable without a value makes the condition false: the statement does not apply.
    assert not condition_holds(negated, {"aws:resourcetag/bluegreen:app": "shop"})
    arn = {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/${aws:username}"}}
    assert condition_holds(arn, {**TAGGED, "aws:principalarn": "arn:aws:iam::123456789012:user/deployer"})
    assert not condition_holds(arn, {**TAGGED, "aws:principalarn": "arn:aws:iam::123456789012:user/other"})


def test_a_variables_default_stands_in_when_the_key_has_no_value_and_special_characters_are_literal():
    defaulted = {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team, 'platform'}"}}
    assert condition_holds(defaulted, {"aws:resourcetag/team": "platform"})
    assert not condition_holds(defaulted, {"aws:principaltag/team": "web", "aws:resourcetag/team": "platform"})
    documents = policy(allow("s3:GetObject", "arn:aws:s3:::bucket/${*}/${aws:username}"))
    assert decide(documents, Request("s3:GetObject", "arn:aws:s3:::bucket/*/deployer", TAGGED)).outcome == ALLOW
    assert decide(documents, Request("s3:GetObject", "arn:aws:s3:::bucket/a/deployer", TAGGED)).outcome == (
        IMPLICIT_DENY
    )
    # A substituted value is matched as it is: its * is no wildcard.
    starred = {"aws:principaltag/bluegreen:app": "*"}
    resource = policy(
        allow("ssm:GetParameter", "arn:aws:ssm:*:*:parameter/bluegreen/${aws:PrincipalTag/bluegreen:app}/*")
    )
    assert decide(resource, Request("ssm:GetParameter", PARAMETER, starred)).outcome == IMPLICIT_DENY
