# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The sandbox's CloudWatch (tools/sandbox_cloudwatch.py) through boto3, against what AWS documents.

- Amazon CloudWatch User Guide, "Metrics concepts", Dimensions: "CloudWatch treats each unique combination of
  dimensions as a separate metric": GetMetricData finds a metric by its namespace, its name and the set of its
  dimensions, in whatever order they are given. Plain moto compares them as ordered lists, and ignores the namespace
  once there are dimensions.
- Amazon CloudWatch API Reference, GetMetricStatistics: percentiles are computed from the raw values; from a
  statistic set only when its SampleCount is 1 or its Minimum equals its Maximum; never over a negative value. Plain
  moto answers a percentile with HTTP 500.
- Amazon CloudWatch API Reference, PutMetricAlarm: a new alarm is INSUFFICIENT_DATA; an update leaves the state
  unchanged. Plain moto makes both OK.

And the traffic feeder, POST /_sandbox/cloudwatch/traffic, which writes what an application load balancer reports
(Elastic Load Balancing User Guide, "CloudWatch metrics for your Application Load Balancer"): nothing for a metric
without a value, a datapoint a minute for the target group and for the load balancer. It is no AWS API, so the
recorder never sees it. The server is the tests' own (tests/conftest.py).
"""

from __future__ import annotations

import sys
import urllib.error
import uuid
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import sandbox_cloudwatch  # noqa: E402  pylint: disable=wrong-import-position

# Every datapoint is written at NOW and read around it, however long after the import a test runs (a full run of
# `make test` can reach this file half an hour later).
NOW = datetime.now(timezone.utc).replace(second=0, microsecond=0)
START, END = NOW - timedelta(minutes=10), NOW + timedelta(minutes=10)


def query(query_id, namespace, name, dimensions, stat, period=1200):
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {
                "Namespace": namespace,
                "MetricName": name,
                "Dimensions": [{"Name": key, "Value": value} for key, value in dimensions],
            },
            "Period": period,
            "Stat": stat,
        },
    }


def values(cloudwatch, *queries):
    found = cloudwatch.get_metric_data(MetricDataQueries=list(queries), StartTime=START, EndTime=END)
    return {item["Id"]: item["Values"] for item in found["MetricDataResults"]}


@pytest.fixture
def namespace():
    return f"Sandbox/Test-{uuid.uuid4().hex[:8]}"


def test_a_metric_is_found_by_its_namespace_name_and_set_of_dimensions_in_any_order(server, namespace):
    cloudwatch = server.client("cloudwatch")
    both = [("TargetGroup", "targetgroup/tg/1"), ("LoadBalancer", "app/lb/2")]
    cloudwatch.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": "RequestCount",
                "Dimensions": [{"Name": key, "Value": value} for key, value in both],
                "Value": 7,
                "Timestamp": NOW,
            },
            {
                "MetricName": "RequestCount",
                "Dimensions": [{"Name": "LoadBalancer", "Value": "app/lb/2"}],
                "Value": 9,
                "Timestamp": NOW,
            },
        ],
    )
    found = values(
        cloudwatch,
        query("given", namespace, "RequestCount", both, "Sum"),
        query("reversed", namespace, "RequestCount", list(reversed(both)), "Sum"),
        query("subset", namespace, "RequestCount", both[1:], "Sum"),
        query("elsewhere", namespace + "-other", "RequestCount", both, "Sum"),
    )
    assert found == {"given": [7.0], "reversed": [7.0], "subset": [9.0], "elsewhere": []}


def test_a_percentile_is_computed_from_the_raw_values(server, namespace):
    cloudwatch = server.client("cloudwatch")
    cloudwatch.put_metric_data(
        Namespace=namespace,
        MetricData=[{"MetricName": "Latency", "Values": [0.1, 0.2, 0.9], "Counts": [90, 9, 1], "Timestamp": NOW}],
    )
    found = values(
        cloudwatch,
        query("p99", namespace, "Latency", [], "p99"),
        query("p90", namespace, "Latency", [], "p90"),
        query("p99_5", namespace, "Latency", [], "p99.5"),
        query("average", namespace, "Latency", [], "Average"),
    )
    assert found["p99"] == [0.2]
    assert found["p90"] == [0.1]
    assert found["p99_5"] == [0.9]
    assert found["average"] == [pytest.approx((90 * 0.1 + 9 * 0.2 + 0.9) / 100)]


@pytest.mark.parametrize(
    ("statistic_set", "expected"),
    [
        ({"SampleCount": 1, "Sum": 0.4, "Minimum": 0.4, "Maximum": 0.4}, [0.4]),
        ({"SampleCount": 10, "Sum": 3.0, "Minimum": 0.3, "Maximum": 0.3}, [0.3]),
        ({"SampleCount": 10, "Sum": 3.0, "Minimum": 0.1, "Maximum": 0.5}, []),
    ],
    ids=["one sample", "minimum equals maximum", "values hidden"],
)
def test_a_percentile_of_a_statistic_set_only_where_its_values_are_known(server, namespace, statistic_set, expected):
    cloudwatch = server.client("cloudwatch")
    cloudwatch.put_metric_data(
        Namespace=namespace, MetricData=[{"MetricName": "Latency", "StatisticValues": statistic_set, "Timestamp": NOW}]
    )
    assert values(cloudwatch, query("p99", namespace, "Latency", [], "p99")) == {"p99": expected}


def test_no_percentile_over_a_negative_value(server, namespace):
    cloudwatch = server.client("cloudwatch")
    cloudwatch.put_metric_data(
        Namespace=namespace, MetricData=[{"MetricName": "Delta", "Values": [-1.0, 2.0], "Timestamp": NOW}]
    )
    assert values(
        cloudwatch, query("p50", namespace, "Delta", [], "p50"), query("sum", namespace, "Delta", [], "Sum")
    ) == {
        "p50": [],
        "sum": [1.0],
    }


def test_a_statistic_the_sandbox_does_not_compute_is_refused_by_name(server, namespace):
    cloudwatch = server.client("cloudwatch")
    cloudwatch.put_metric_data(
        Namespace=namespace, MetricData=[{"MetricName": "Latency", "Value": 1.0, "Timestamp": NOW}]
    )
    with pytest.raises(ClientError) as raised:
        values(cloudwatch, query("tm90", namespace, "Latency", [], "tm90"))
    assert "not tm90" in raised.value.response["Error"]["Message"]


def test_a_new_alarm_has_insufficient_data_and_an_alarm_put_again_keeps_its_state(server):
    cloudwatch = server.client("cloudwatch")
    name = f"sandbox-{uuid.uuid4().hex[:8]}"
    alarm = {
        "AlarmName": name,
        "Namespace": "AWS/ApplicationELB",
        "MetricName": "HTTPCode_Target_5XX_Count",
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 10,
        "ComparisonOperator": "GreaterThanThreshold",
    }
    try:
        cloudwatch.put_metric_alarm(**alarm)
        [found] = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
        assert found["StateValue"] == "INSUFFICIENT_DATA"
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="Threshold Crossed: 12 > 10")
        cloudwatch.put_metric_alarm(**dict(alarm, Threshold=20))
        [found] = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
        assert (found["StateValue"], found["StateReason"], found["Threshold"]) == (
            "ALARM",
            "Threshold Crossed: 12 > 10",
            20.0,
        )
    finally:
        cloudwatch.delete_alarms(AlarmNames=[name])


# ---------------------------------------------------------------------------------------------------------------
# The traffic feeder.


@pytest.fixture(scope="module")
def balancer(server):
    """An application load balancer with two target groups behind a listener, named for this run."""
    ec2, elbv2 = server.client("ec2"), server.client("elbv2")
    suffix = uuid.uuid4().hex[:6]
    vpc = ec2.create_vpc(CidrBlock="10.79.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.79.{index}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for index, zone in enumerate(("us-east-1a", "us-east-1b"), start=1)
    ]
    lb = elbv2.create_load_balancer(Name=f"feed-{suffix}", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    groups = [
        elbv2.create_target_group(Name=f"feed-{color}-{suffix}", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][
            0
        ]["TargetGroupArn"]
        for color in ("blue", "green")
    ]
    listener = elbv2.create_listener(
        LoadBalancerArn=lb,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[
            {
                "Type": "forward",
                "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": arn, "Weight": 50} for arn in groups]},
            }
        ],
    )["Listeners"][0]["ListenerArn"]
    yield {"lb": lb, "blue": groups[0], "green": groups[1]}
    sandbox_cloudwatch.request_traffic(server.endpoint, "DELETE")
    elbv2.delete_listener(ListenerArn=listener)
    elbv2.delete_load_balancer(LoadBalancerArn=lb)
    for arn in groups:
        elbv2.delete_target_group(TargetGroupArn=arn)
    for subnet in subnets:
        ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc)


def alb_queries(balancer, target_group=None, period=1200):
    dimensions = [("LoadBalancer", balancer["lb"].split(":loadbalancer/")[1])]
    if target_group:
        dimensions.append(("TargetGroup", target_group.split(":", 5)[5]))
    return [
        query("requests", "AWS/ApplicationELB", "RequestCount", dimensions, "Sum", period),
        query("errors", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", dimensions, "Sum", period),
        query("p99", "AWS/ApplicationELB", "TargetResponseTime", dimensions, "p99", period),
    ]


def test_fed_traffic_is_what_the_load_balancer_reports_for_the_target_group_and_for_itself(server, balancer):
    cloudwatch = server.client("cloudwatch")
    sandbox_cloudwatch.request_traffic(server.endpoint, "DELETE")
    with server.api_calls() as calls:
        fed = sandbox_cloudwatch.request_traffic(
            server.endpoint,
            load_balancer=balancer["lb"],
            target_group=balancer["green"],
            requests_per_minute=200,
            error_rate=0.05,
            latency_ms=400,
            minutes=5,
            end=NOW.isoformat(),
        )
        sandbox_cloudwatch.request_traffic(
            server.endpoint,
            load_balancer=balancer["lb"],
            target_group=balancer["blue"],
            requests_per_minute=800,
            latency_ms=100,
            minutes=5,
            end=NOW.isoformat(),
        )
    assert calls == []
    assert (fed["first_minute"], fed["last_minute"]) == (
        (NOW - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        (NOW - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    assert values(cloudwatch, *alb_queries(balancer, balancer["green"])) == {
        "requests": [1000.0],
        "errors": [50.0],
        "p99": [0.4],
    }
    # No 5XX answer is no datapoint: the load balancer reports a metric only with a value.
    assert values(cloudwatch, *alb_queries(balancer, balancer["blue"])) == {
        "requests": [4000.0],
        "errors": [],
        "p99": [0.1],
    }
    # The load balancer's own p99 is over both colours' requests: of its 1000 a minute, green's 200 take 0.2 s but
    # for one in fifty, which take 0.4 s; fewer than 1% of all.
    assert values(cloudwatch, *alb_queries(balancer)) == {"requests": [5000.0], "errors": [50.0], "p99": [0.2]}
    per_minute = values(cloudwatch, *alb_queries(balancer, balancer["green"], period=60))
    assert per_minute == {"requests": [200.0] * 5, "errors": [10.0] * 5, "p99": [0.4] * 5}


def test_forgotten_traffic_is_gone(server, balancer):
    sandbox_cloudwatch.request_traffic(
        server.endpoint, load_balancer=balancer["lb"], requests_per_minute=10, minutes=2, end=NOW.isoformat()
    )
    assert sandbox_cloudwatch.request_traffic(server.endpoint, "DELETE")["deleted"] > 0
    assert values(server.client("cloudwatch"), *alb_queries(balancer)) == {"requests": [], "errors": [], "p99": []}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"load_balancer": None}, "None is not the ARN of an elasticloadbalancing loadbalancer"),
        ({"load_balancer": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/none/1"}, "no load"),
        ({"target_group": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/1"}, "no target group"),
        ({"requests_per_minute": None}, "requests_per_minute is required"),
        ({"requests_per_minute": 1.5}, "requests_per_minute 1.5 is not a whole number"),
        ({"error_rate": 2}, "error_rate 2 is out of range; use 0 to 1"),
        ({"minutes": 0}, "minutes 0 is out of range; use 1 to 1440"),
        ({"end": "yesterday"}, "end 'yesterday' is not an ISO 8601 time"),
    ],
)
def test_a_bad_feed_is_refused_naming_what_is_wrong(server, balancer, fields, message):
    payload = {"load_balancer": balancer["lb"], "requests_per_minute": 10}
    payload.update(fields)
    payload = {key: value for key, value in payload.items() if key in fields or value is not None}
    with pytest.raises(urllib.error.HTTPError) as raised:
        sandbox_cloudwatch.request_traffic(server.endpoint, **payload)
    assert raised.value.code == 400
    assert message in raised.value.read().decode("utf-8")
