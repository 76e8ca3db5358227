# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The CloudWatch metrics' read: every query of a check in one GetMetricData."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from .common import CloudWatchErrorHandler


@CloudWatchErrorHandler.common_error_handler("get metric data")
@AWSRetry.jittered_backoff()
def get_metric_data(client, queries, start, end):
    """The values of each of ``queries`` (MetricDataQueries) between ``start`` and ``end``, as {query id: [values]},
    oldest first. One call for all the queries; a NextToken, which AWS gives when the datapoints are more than one
    answer holds, is followed and the pages' values joined.
    """
    series = {query["Id"]: [] for query in queries}
    paginator = client.get_paginator("get_metric_data")
    pages = paginator.paginate(MetricDataQueries=queries, StartTime=start, EndTime=end, ScanBy="TimestampAscending")
    for page in pages:
        for result in page.get("MetricDataResults", []):
            series.setdefault(result["Id"], []).extend(result.get("Values", []))
    return series
