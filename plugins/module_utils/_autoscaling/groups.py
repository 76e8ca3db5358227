# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin wrappers of the Auto Scaling read calls the modules need."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.autoscaling import AutoScalingErrorHandler
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
