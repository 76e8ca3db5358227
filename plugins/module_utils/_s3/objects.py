# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin wrapper of the one S3 read the modules need: whether a revision bundle is there."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


class AnsibleS3ObjectError(AnsibleAWSError):
    pass


class S3ObjectErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleS3ObjectError

    @classmethod
    def _is_missing(cls):
        # HeadObject has no body, so a missing object, version or bucket comes back as a bare 404.
        return is_boto3_error_code(["404", "NoSuchKey", "NoSuchBucket", "NoSuchVersion"])


@S3ObjectErrorHandler.list_error_handler("read S3 object", default_value=None)
@AWSRetry.jittered_backoff()
def head_object(client, bucket, key, version=None):
    """The object's metadata (ETag, VersionId, ContentLength), or None when the object or bucket is missing."""
    extra = {"VersionId": version} if version else {}
    return client.head_object(Bucket=bucket, Key=key, **extra)
