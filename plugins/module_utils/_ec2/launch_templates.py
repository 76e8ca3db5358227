# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin wrappers of the EC2 launch template calls: one call each, retried, errors turned into AnsibleEC2Error."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import AnsibleEC2Error
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ..errors import unparsable_as_error
from .common import ImageErrorHandler
from .common import LaunchTemplateErrorHandler


@LaunchTemplateErrorHandler.list_error_handler("describe launch template versions", default_value=[])
@AWSRetry.jittered_backoff()
def describe_versions(client, template_id, versions):
    """The versions (numbers, ``$Latest`` or ``$Default``) of a template; [] when the template or one is missing."""
    paginator = client.get_paginator("describe_launch_template_versions")
    return paginator.paginate(LaunchTemplateId=template_id, Versions=[str(v) for v in versions]).build_full_result()[
        "LaunchTemplateVersions"
    ]


@LaunchTemplateErrorHandler.list_error_handler("describe launch template", default_value=None)
@AWSRetry.jittered_backoff()
def describe_template(client, template_id):
    """The launch template ``template_id`` (with its latest and default version numbers), or None."""
    found = client.describe_launch_templates(LaunchTemplateIds=[template_id])["LaunchTemplates"]
    return found[0] if found else None


@LaunchTemplateErrorHandler.common_error_handler("create launch template version")
@AWSRetry.jittered_backoff()
def create_version(client, template_id, data, description, token):
    """A new version; ``token`` (ClientToken) makes the same request sent again answer with the same version."""
    return client.create_launch_template_version(
        LaunchTemplateId=template_id, LaunchTemplateData=data, VersionDescription=description, ClientToken=token
    )["LaunchTemplateVersion"]


@unparsable_as_error(AnsibleEC2Error, "delete launch template versions")
@LaunchTemplateErrorHandler.common_error_handler("delete launch template versions")
@AWSRetry.jittered_backoff()
def delete_versions(client, template_id, versions):
    """Delete versions; returns {version: reason} of those AWS refused (such as the template's default)."""
    result = client.delete_launch_template_versions(LaunchTemplateId=template_id, Versions=[str(v) for v in versions])
    return {
        str(item["VersionNumber"]): item.get("ResponseError", {}).get("Message", "refused")
        for item in result.get("UnsuccessfullyDeletedLaunchTemplateVersions", [])
    }


@ImageErrorHandler.list_error_handler("describe image", default_value=None)
@AWSRetry.jittered_backoff()
def describe_image(client, image_id):
    """The image ``image_id``, or None when there is no such image (or it is not shared with the account)."""
    found = client.describe_images(ImageIds=[image_id])["Images"]
    return found[0] if found else None
