# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# Route 53 answers PriorRequestNotComplete while an earlier change of the zone is being applied, and
# throttles at five requests a second per account: both are worth a few retries, but never the minutes
# between tries that a plain exponential backoff reaches.
route53_retry = AWSRetry.jittered_backoff(
    retries=8, delay=1, backoff=2.0, max_delay=20, catch_extra_error_codes=["PriorRequestNotComplete"]
)


class AnsibleRoute53Error(AnsibleAWSError):
    pass


class Route53ErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleRoute53Error

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("NoSuchHostedZone")
