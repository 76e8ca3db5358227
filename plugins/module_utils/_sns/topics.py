# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin wrapper of the one SNS call the modules make: a message published to a topic."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from .common import SNSErrorHandler


# SNS answers too many calls with the error code Throttled.
@SNSErrorHandler.common_error_handler("publish to the SNS topic")
@AWSRetry.jittered_backoff(catch_extra_error_codes=["Throttled"])
def publish(client, topic_arn, subject, message, attributes):
    """Publish ``message`` with ``subject`` to the topic; its MessageId. ``attributes`` ({name: text}) become the
    message's String attributes."""
    result = client.publish(
        TopicArn=topic_arn,
        Subject=subject,
        Message=message,
        MessageAttributes={name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()},
    )
    return result["MessageId"]
