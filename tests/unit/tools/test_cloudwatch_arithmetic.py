# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The arithmetic of the sandbox's CloudWatch (tools/sandbox_cloudwatch.py), with plain data: no server.

Percentiles follow the Amazon CloudWatch API Reference, GetMetricStatistics: computed from the raw values, a
statistic set counting only when its values are known (SampleCount 1, or Minimum equal to Maximum), never over a
negative value. The traffic feeder's response times must give the p99 it was asked for, for any request rate and any
number of minutes.
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import datetime
from datetime import timezone
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[3] / "tools" / "sandbox_cloudwatch.py"
_spec = importlib.util.spec_from_file_location("bluegreen_sandbox_cloudwatch", TOOL)
cloudwatch = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = cloudwatch
_spec.loader.exec_module(cloudwatch)


@pytest.mark.parametrize(
    ("statistic", "rank"),
    [("p99", 99.0), ("p99.9", 99.9), ("p95.45", 95.45), ("p0", 0.0), ("p100", 100.0), ("p101", None), ("Sum", None)],
)
def test_percentile_rank(statistic, rank):
    assert cloudwatch.percentile_rank(statistic) == rank


@pytest.mark.parametrize(
    ("values", "rank", "expected"),
    [
        ([(0.1, 90), (0.2, 9), (0.9, 1)], 99, 0.2),
        ([(0.1, 90), (0.2, 9), (0.9, 1)], 99.5, 0.9),
        ([(0.1, 90), (0.2, 9), (0.9, 1)], 90, 0.1),
        ([(0.9, 1), (0.1, 90), (0.2, 9)], 91, 0.2),
        ([(0.3, 1)], 99, 0.3),
        ([(0.3, 1)], 0, 0.3),
        ([], 99, None),
        ([(-1.0, 1), (2.0, 1)], 50, None),
    ],
)
def test_percentile_by_nearest_rank(values, rank, expected):
    assert cloudwatch.percentile(values, rank) == expected


@pytest.mark.parametrize("requests", [1, 2, 49, 50, 51, 99, 100, 101, 777, 5000, 10**6])
@pytest.mark.parametrize("minutes", [1, 5, 60])
def test_the_fed_response_times_have_the_p99_asked_for(requests, minutes):
    values = [(seconds, count * minutes) for seconds, count in cloudwatch.response_times(requests, 0.4)]
    assert sum(count for _seconds, count in values) == requests * minutes
    assert cloudwatch.percentile(values, 99) == 0.4
    assert max(seconds for seconds, _count in values) == 0.4


def test_the_fed_minutes_are_the_whole_minutes_before_the_end():
    end = datetime(2026, 12, 8, 10, 7, 42, tzinfo=timezone.utc)
    assert cloudwatch.traffic_minutes(end, 3) == [
        datetime(2026, 12, 8, 10, 4),
        datetime(2026, 12, 8, 10, 5),
        datetime(2026, 12, 8, 10, 6),
    ]


def test_a_minute_without_errors_reports_no_error_count_and_one_without_requests_nothing():
    moment = datetime(2026, 12, 8, 10, 4)
    dimensions = [{"Name": "LoadBalancer", "Value": "app/shop/1"}]
    names = [datum.name for datum in cloudwatch.minute_datapoints(100, 0, 100, dimensions, moment)]
    assert sorted(set(names)) == ["RequestCount", "TargetResponseTime"]
    assert cloudwatch.minute_datapoints(0, 0.5, 100, dimensions, moment) == []
    errors = [
        datum.value
        for datum in cloudwatch.minute_datapoints(200, 0.05, 100, dimensions, moment)
        if datum.name == "HTTPCode_Target_5XX_Count"
    ]
    assert errors == [10.0]
