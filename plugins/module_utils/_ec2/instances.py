# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin wrapper of the EC2 tagging of instances: one call, retried, errors turned into AnsibleEC2Error."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import EC2InstanceErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


@EC2InstanceErrorHandler.common_error_handler("tag instances")
@AWSRetry.jittered_backoff(catch_extra_error_codes=["InvalidInstanceID.NotFound"])
def tag_instances(client, instance_ids, tags):
    """Create or overwrite tags ({key: value}) on the instances."""
    client.create_tags(Resources=list(instance_ids), Tags=[{"Key": key, "Value": value} for key, value in tags.items()])
