# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import functools

try:
    from botocore.parsers import ResponseParserError
except ImportError:
    pass  # The modules report the missing botocore.

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import AnsibleEC2Error
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler


class LaunchTemplateErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleEC2Error

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(
            [
                "InvalidLaunchTemplateId.NotFound",
                "InvalidLaunchTemplateId.Malformed",
                "InvalidLaunchTemplateName.NotFoundException",
                "InvalidLaunchTemplateId.VersionNotFound",
            ]
        )


class ImageErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleEC2Error

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(["InvalidAMIID.NotFound", "InvalidAMIID.Unavailable"])


def unparsable_as_error(description):
    """Turn a response botocore cannot parse into an AnsibleEC2Error.

    Emulators answer calls they do not implement with an HTML error page, which botocore reports outside
    its ClientError/BotoCoreError hierarchy; callers that can do without the call then catch one type.
    """

    def wrapper(func):
        @functools.wraps(func)
        def handler(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except ResponseParserError as e:
                raise AnsibleEC2Error(
                    message=f"Failed to {description}: the endpoint's answer could not be parsed", exception=e
                ) from e

        return handler

    return wrapper
