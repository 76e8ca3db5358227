# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The CloudWatch alarms' read: one call for up to 100 alarms of both kinds."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from .common import CloudWatchErrorHandler

# DescribeAlarms' largest page (MaxRecords) and the most names it takes (AlarmNames): a page holds every alarm asked for.
PAGE = 100


@CloudWatchErrorHandler.list_error_handler("describe alarms", default_value=[])
@AWSRetry.jittered_backoff()
def describe_alarms(client, names):
    """The metric and composite alarms called ``names``, as DescribeAlarms entries; a name that no alarm has is left
    out. One call for up to 100 names, further pages followed should AWS answer with a NextToken.

    AlarmTypes asks for both kinds: without it DescribeAlarms returns metric alarms only.
    """
    if not names:
        return []
    paginator = client.get_paginator("describe_alarms")
    found = paginator.paginate(
        AlarmNames=list(names),
        AlarmTypes=["MetricAlarm", "CompositeAlarm"],
        PaginationConfig={"PageSize": PAGE},
    ).build_full_result()
    return found.get("MetricAlarms", []) + found.get("CompositeAlarms", [])
