# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin wrappers of the ELBv2 read calls: one call each, retried, errors turned into AnsibleELBv2Error."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from .common import ELBv2ErrorHandler


def _by_name_or_arn(key, value):
    if value.startswith("arn:"):
        return {f"{key}Arns": [value]}
    return {"Names": [value]}


@ELBv2ErrorHandler.list_error_handler("describe load balancer", default_value=None)
@AWSRetry.jittered_backoff()
def describe_load_balancer(client, name_or_arn):
    """The load balancer called (or with the ARN) name_or_arn, or None."""
    found = client.describe_load_balancers(**_by_name_or_arn("LoadBalancer", name_or_arn))["LoadBalancers"]
    return found[0] if found else None


@ELBv2ErrorHandler.list_error_handler("describe load balancers", default_value=[])
@AWSRetry.jittered_backoff()
def describe_load_balancers(client, arns):
    if not arns:
        return []
    return client.describe_load_balancers(LoadBalancerArns=list(arns))["LoadBalancers"]


@ELBv2ErrorHandler.list_error_handler("describe load balancers", default_value=None)
@AWSRetry.jittered_backoff()
def describe_load_balancers_named(client, values):
    """Load balancers given by name or ARN, in as few calls as possible; None when any is missing."""
    names = [value for value in values if not value.startswith("arn:")]
    arns = [value for value in values if value.startswith("arn:")]
    found = []
    if names:
        found += client.describe_load_balancers(Names=names)["LoadBalancers"]
    if arns:
        found += client.describe_load_balancers(LoadBalancerArns=arns)["LoadBalancers"]
    return found


@ELBv2ErrorHandler.list_error_handler("describe listeners", default_value=[])
@AWSRetry.jittered_backoff()
def describe_listeners(client, load_balancer_arn):
    paginator = client.get_paginator("describe_listeners")
    return paginator.paginate(LoadBalancerArn=load_balancer_arn).build_full_result()["Listeners"]


@ELBv2ErrorHandler.list_error_handler("describe target group", default_value=None)
@AWSRetry.jittered_backoff()
def describe_target_group(client, name_or_arn):
    """The target group called (or with the ARN) name_or_arn, or None."""
    found = client.describe_target_groups(**_by_name_or_arn("TargetGroup", name_or_arn))["TargetGroups"]
    return found[0] if found else None


@ELBv2ErrorHandler.list_error_handler("describe target groups", default_value=[])
@AWSRetry.jittered_backoff()
def describe_target_groups(client, arns):
    if not arns:
        return []
    return client.describe_target_groups(TargetGroupArns=list(arns))["TargetGroups"]


@ELBv2ErrorHandler.common_error_handler("describe target group attributes")
@AWSRetry.jittered_backoff()
def describe_target_group_attributes(client, target_group_arn):
    """A target group's attributes, as {key: value} (every value a string, as AWS gives them)."""
    found = client.describe_target_group_attributes(TargetGroupArn=target_group_arn)["Attributes"]
    return {item["Key"]: item["Value"] for item in found}


@ELBv2ErrorHandler.list_error_handler("describe target health", default_value=[])
@AWSRetry.jittered_backoff()
def describe_target_health(client, target_group_arn):
    return client.describe_target_health(TargetGroupArn=target_group_arn)["TargetHealthDescriptions"]


@ELBv2ErrorHandler.common_error_handler("describe tags")
@AWSRetry.jittered_backoff()
def describe_tags(client, arns):
    """Tags of up to 20 ELBv2 resources, as {arn: {key: value}}."""
    if not arns:
        return {}
    found = client.describe_tags(ResourceArns=list(arns))["TagDescriptions"]
    return {item["ResourceArn"]: {tag["Key"]: tag["Value"] for tag in item.get("Tags", [])} for item in found}


@ELBv2ErrorHandler.common_error_handler("find resources by tag")
@AWSRetry.jittered_backoff(catch_extra_error_codes=["ThrottlingException"])
def find_tagged(tagging_client, resource_type, tags):
    """ARNs and tags of the ELBv2 resources of resource_type that carry all tags.

    Uses the Resource Groups Tagging API so that only the app's resources are read, however many
    load balancers and target groups the account holds.
    """
    paginator = tagging_client.get_paginator("get_resources")
    result = paginator.paginate(
        TagFilters=[{"Key": key, "Values": [value]} for key, value in tags.items()],
        ResourceTypeFilters=[f"elasticloadbalancing:{resource_type}"],
    ).build_full_result()
    return {
        item["ResourceARN"]: {tag["Key"]: tag["Value"] for tag in item.get("Tags", [])}
        for item in result.get("ResourceTagMappingList", [])
    }


@ELBv2ErrorHandler.list_error_handler("describe listener rules", default_value=[])
@AWSRetry.jittered_backoff()
def describe_rules(client, listener_arn):
    paginator = client.get_paginator("describe_rules")
    return paginator.paginate(ListenerArn=listener_arn).build_full_result()["Rules"]


@ELBv2ErrorHandler.common_error_handler("modify listener")
@AWSRetry.jittered_backoff()
def modify_listener(client, listener_arn, actions):
    return client.modify_listener(ListenerArn=listener_arn, DefaultActions=actions)["Listeners"][0]


@ELBv2ErrorHandler.common_error_handler("modify listener rule")
@AWSRetry.jittered_backoff()
def modify_rule(client, rule_arn, actions):
    return client.modify_rule(RuleArn=rule_arn, Actions=actions)["Rules"][0]


@ELBv2ErrorHandler.common_error_handler("tag target groups")
@AWSRetry.jittered_backoff()
def add_tags(client, arns, tags):
    client.add_tags(ResourceArns=list(arns), Tags=[{"Key": key, "Value": value} for key, value in tags.items()])


@ELBv2ErrorHandler.list_error_handler("describe target groups", default_value=None)
@AWSRetry.jittered_backoff()
def describe_target_groups_named(client, values):
    """Target groups given by name or ARN, in as few calls as possible; None when any is missing."""
    names = [value for value in values if not value.startswith("arn:")]
    arns = [value for value in values if value.startswith("arn:")]
    found = []
    if names:
        found += client.describe_target_groups(Names=names)["TargetGroups"]
    if arns:
        found += client.describe_target_groups(TargetGroupArns=arns)["TargetGroups"]
    return found
