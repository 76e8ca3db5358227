# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin wrappers of the Auto Scaling group calls the modules need."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.autoscaling import AutoScalingErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


@AutoScalingErrorHandler.list_error_handler("describe Auto Scaling groups", default_value=[])
@AWSRetry.jittered_backoff()
def describe_groups_by_tags(client, tags):
    """The Auto Scaling groups carrying all tags, each with its tags as a tags dict."""
    paginator = client.get_paginator("describe_auto_scaling_groups")
    groups = paginator.paginate(
        Filters=[{"Name": f"tag:{key}", "Values": [value]} for key, value in tags.items()]
    ).build_full_result()["AutoScalingGroups"]
    for group in groups:
        group["tags"] = {tag["Key"]: tag["Value"] for tag in group.get("Tags", [])}
    return groups


@AutoScalingErrorHandler.list_error_handler("describe Auto Scaling groups", default_value=[])
@AWSRetry.jittered_backoff()
def describe_all_groups(client):
    """Every Auto Scaling group of the region (to find which ones use a launch template version).

    No filter of the API finds the groups that launch from a given launch template, so this reads them all, in
    pages of the largest size the API allows (100, where the default is 50).
    """
    paginator = client.get_paginator("describe_auto_scaling_groups")
    return paginator.paginate(PaginationConfig={"PageSize": 100}).build_full_result()["AutoScalingGroups"]


@AutoScalingErrorHandler.list_error_handler("describe Auto Scaling group", default_value=None)
@AWSRetry.jittered_backoff()
def describe_group(client, name):
    """The Auto Scaling group called name, with its tags as a tags dict, or None."""
    found = client.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
    if not found:
        return None
    group = found[0]
    group["tags"] = {tag["Key"]: tag["Value"] for tag in group.get("Tags", [])}
    return group


@AutoScalingErrorHandler.common_error_handler("create Auto Scaling group")
@AWSRetry.jittered_backoff()
def create_group(client, name, settings):
    client.create_auto_scaling_group(AutoScalingGroupName=name, **settings)


@AutoScalingErrorHandler.common_error_handler("update Auto Scaling group")
@AWSRetry.jittered_backoff(catch_extra_error_codes=["ScalingActivityInProgress"])
def update_group(client, name, settings):
    client.update_auto_scaling_group(AutoScalingGroupName=name, **settings)


@AutoScalingErrorHandler.deletion_error_handler("delete Auto Scaling group")
@AWSRetry.jittered_backoff(catch_extra_error_codes=["ScalingActivityInProgress", "ResourceInUse"])
def delete_group(client, name):
    """Delete a group; False when there was none. Auto Scaling answers a missing group with ValidationError ("not
    found"), which is also what a delete sent again after its answer was lost gets."""
    try:
        client.delete_auto_scaling_group(AutoScalingGroupName=name)
    except is_boto3_error_code("ValidationError") as error:
        if "not found" not in str(error):
            raise
        return False
    return True


@AutoScalingErrorHandler.common_error_handler("attach target groups")
@AWSRetry.jittered_backoff()
def attach_target_groups(client, name, arns):
    client.attach_load_balancer_target_groups(AutoScalingGroupName=name, TargetGroupARNs=list(arns))


@AutoScalingErrorHandler.common_error_handler("detach target groups")
@AWSRetry.jittered_backoff()
def detach_target_groups(client, name, arns):
    client.detach_load_balancer_target_groups(AutoScalingGroupName=name, TargetGroupARNs=list(arns))


@AutoScalingErrorHandler.common_error_handler("tag Auto Scaling group")
@AWSRetry.jittered_backoff()
def put_tags(client, name, tags):
    """Create or update tags given as [{Key, Value, PropagateAtLaunch}]."""
    client.create_or_update_tags(
        Tags=[dict(tag, ResourceId=name, ResourceType="auto-scaling-group") for tag in tags],
    )


@AutoScalingErrorHandler.common_error_handler("untag Auto Scaling group")
@AWSRetry.jittered_backoff()
def delete_tags(client, name, keys):
    client.delete_tags(Tags=[{"Key": key, "ResourceId": name, "ResourceType": "auto-scaling-group"} for key in keys])


@AutoScalingErrorHandler.common_error_handler("enable metrics collection")
@AWSRetry.jittered_backoff()
def enable_metrics_collection(client, name, metrics, granularity):
    client.enable_metrics_collection(AutoScalingGroupName=name, Metrics=list(metrics), Granularity=granularity)


@AutoScalingErrorHandler.common_error_handler("disable metrics collection")
@AWSRetry.jittered_backoff()
def disable_metrics_collection(client, name, metrics):
    client.disable_metrics_collection(AutoScalingGroupName=name, Metrics=list(metrics))
