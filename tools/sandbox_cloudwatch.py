"""The sandbox's CloudWatch: moto's, with GetMetricData and PutMetricAlarm as AWS documents them, and a traffic feeder
that stands in for the requests an application load balancer would count.

What moto 5.2.5 does (moto/cloudwatch/models.py):

- GetMetricData finds a query's datapoints by comparing the query's dimensions with each datapoint's as ordered lists
  (``sorted`` over a Dimension whose ``__lt__`` orders nothing), so ``LoadBalancer, TargetGroup`` does not find what
  was written as ``TargetGroup, LoadBalancer``; and once a query has dimensions, it no longer compares the namespace.
- A percentile statistic (``p99``) is computed as nothing: the answer fails to serialize, and the call answers 500.
- PutMetricAlarm makes every alarm ``OK`` ("Unchecked: Initial alarm creation"), and an alarm put again starts over as
  ``OK`` whatever its state.

What AWS documents:

- Amazon CloudWatch User Guide, "Metrics concepts", Dimensions: "CloudWatch treats each unique combination of
  dimensions as a separate metric", and statistics are retrieved only for a combination that was published: a metric
  is its namespace, its name and the set of its dimensions, in no order.
- Amazon CloudWatch API Reference, GetMetricStatistics (which GetMetricData's statistics follow): percentiles
  (``pNN.NN``) are computed from the raw values; "If you publish data using a statistic set instead, you can only
  retrieve percentile statistics for this data if one of the following conditions is true: The SampleCount value of
  the statistic set is 1. The Min and the Max values of the statistic set are equal." and "Percentile statistics are
  not available for metrics when any of the metric values are negative numbers."
- Amazon CloudWatch API Reference, PutMetricAlarm: "When this operation creates an alarm, the alarm state is
  immediately set to INSUFFICIENT_DATA." and "When you update an existing alarm, its state is left unchanged".

The patch: GetMetricData's metric queries are answered by the sandbox, a datapoint matching by namespace, name and
the set of its dimensions, with Sum, SampleCount, Average, Minimum, Maximum (moto's arithmetic) and percentiles (the
nearest rank of the raw values, a statistic set of equal values counting as that many; AWS does not say how it
interpolates); another statistic is refused by name rather
than answered wrong. Math expressions over them and Metrics Insights queries stay moto's. PutMetricAlarm gives a new
alarm INSUFFICIENT_DATA and keeps the state of one put again. The sandbox evaluates no alarm: SetAlarmState moves it.

The traffic feeder, ``POST /_sandbox/cloudwatch/traffic``, writes what an application load balancer reports for
its target groups each minute (Elastic Load Balancing, "CloudWatch metrics for your Application Load Balancer"):
RequestCount, HTTPCode_Target_5XX_Count and TargetResponseTime in the namespace AWS/ApplicationELB, for the target
group (dimensions LoadBalancer and TargetGroup) and for the load balancer (LoadBalancer), and nothing for a metric
without a value ("If there are no requests flowing through the load balancer or no data for a metric, the metric is
not reported"). AWS refuses PutMetricData in the AWS/ namespaces, so the feeder writes moto's backend, as the other
control endpoints do; it is not an AWS API and is never recorded.
"""

from __future__ import annotations

import json
import math
import re
import urllib.request
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import Any

from moto.cloudwatch.exceptions import InvalidParameterValue
from moto.cloudwatch.exceptions import ValidationError
from moto.cloudwatch.metric_data_expression_parser import parse_expression
from moto.cloudwatch.models import CloudWatchBackend
from moto.cloudwatch.models import MetricAggregatedDatum
from moto.cloudwatch.models import MetricDatum
from moto.cloudwatch.models import Statistics
from moto.cloudwatch.models import cloudwatch_backends
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.base_backend import backend_lock
from moto.elbv2.models import elbv2_backends

PATH = "/_sandbox/cloudwatch/traffic"
NAMESPACE = "AWS/ApplicationELB"
DEFAULT_REGION = "us-east-1"
# moto's own statistics, which the sandbox leaves to moto's arithmetic.
SIMPLE_STATISTICS = ("Sum", "SampleCount", "Average", "Minimum", "Maximum")
PERCENTILE = re.compile(r"^p(\d{1,3}(?:\.\d{1,2})?)$")
MAX_MINUTES = 1440

_MOTO_GET_METRIC_DATA = CloudWatchBackend.get_metric_data
_MOTO_PUT_METRIC_ALARM = CloudWatchBackend.put_metric_alarm


# ---------------------------------------------------------------------------------------------------------------
# Statistics: pure functions first.


def percentile_rank(statistic: str) -> float | None:
    """The percentile a statistic asks for (``p99`` -> 99.0, ``p99.9`` -> 99.9), None when it is no percentile."""
    match = PERCENTILE.match(statistic)
    if not match or float(match.group(1)) > 100:
        return None
    return float(match.group(1))


def percentile(values: list[tuple[float, float]], rank: float) -> float | None:
    """The ``rank`` percentile of ``values``, (value, how many times) pairs, by nearest rank; None without values or
    with a negative one."""
    if not values or min(value for value, _count in values) < 0:
        return None
    total = sum(count for _value, count in values)
    wanted = max(math.ceil(rank / 100 * total), 1)
    seen = 0.0
    for value, count in sorted(values):
        seen += count
        if seen >= wanted:
            return value
    return max(value for value, _count in values)


def raw_values(data: list[Any]) -> list[tuple[float, float]] | None:
    """The raw values of a period's datapoints as (value, how many times) pairs, None when a statistic set hides them
    (neither one sample nor its Minimum equal to its Maximum)."""
    values: list[tuple[float, float]] = []
    for datum in data:
        if isinstance(datum, MetricAggregatedDatum):
            if datum.sample_count == 1:
                values.append((float(datum.sum), 1.0))
            elif datum.min == datum.max:
                values.append((float(datum.min), float(datum.sample_count)))
            else:
                return None
        else:
            values.append((float(datum.value), 1.0))
    return values


def statistic(data: list[Any], name: str, moment: datetime) -> float | None:
    """The statistic ``name`` of a period's datapoints; InvalidParameterValue for a statistic the sandbox does not
    compute."""
    rank = percentile_rank(name)
    if rank is not None:
        values = raw_values(data)
        return None if values is None else percentile(values, rank)
    if name not in SIMPLE_STATISTICS:
        raise InvalidParameterValue(
            f"The sandbox computes {', '.join(SIMPLE_STATISTICS)} and percentiles (pNN.NN), not {name}."
        )
    stats = Statistics([name], moment)
    stats.metric_data = data
    found = stats.get_statistics_for_type(name)
    return None if found is None else float(found)


def _naive_utc(moment: datetime) -> datetime:
    """moto keeps its datapoints' times as naive UTC datetimes."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def _identity(namespace: str, name: str, dimensions: list[tuple[str | None, str | None]]) -> tuple[Any, ...]:
    return namespace, name, frozenset(dimensions)


def _metric_stat_result(query: dict[str, Any], data: list[Any], start: datetime, end: datetime) -> dict[str, Any]:
    stat = query["MetricStat"]
    metric = stat["Metric"]
    wanted = _identity(
        metric["Namespace"],
        metric["MetricName"],
        [(item["Name"], item["Value"]) for item in metric.get("Dimensions") or []],
    )
    unit = stat.get("Unit")
    matching = [
        datum
        for datum in data
        if _identity(datum.namespace, datum.name, [(item.name, item.value) for item in datum.dimensions]) == wanted
        and (not unit or datum.unit == unit)
    ]
    period = timedelta(seconds=int(stat["Period"]))
    values, timestamps = [], []
    moment = start
    while moment < end:
        found = [datum for datum in matching if moment <= datum.timestamp < moment + period]
        value = statistic(found, stat["Stat"], moment) if found else None
        if value is not None:
            values.append(value)
            timestamps.append(moment)
        moment += period
    return {
        "id": query["Id"],
        "label": query.get("Label") or f"{metric['MetricName']} {stat['Stat']}",
        "values": values,
        "timestamps": timestamps,
        "status_code": "Complete",
    }


def get_metric_data(
    self: CloudWatchBackend,
    queries: list[dict[str, Any]],
    start_time: datetime,
    end_time: datetime,
    scan_by: str = "TimestampAscending",
) -> list[dict[str, Any]]:
    """GetMetricData, its metric queries answered by the sandbox."""
    start, end = _naive_utc(start_time), _naive_utc(end_time)
    if start >= end:
        raise ValidationError("The parameter EndTime must be greater than StartTime.")
    data = [datum for datum in self.get_all_metrics() if start <= datum.timestamp < end]
    results, returned = [], []
    for query in (item for item in queries if "MetricStat" in item):
        result = _metric_stat_result(query, data, start, end)
        if scan_by == "TimestampDescending":
            result["values"].reverse()
            result["timestamps"].reverse()
        results.append(result)
        if query.get("ReturnData", True):
            returned.append(result)
    insights = []
    for query in (item for item in queries if "Expression" in item):
        if query["Expression"].startswith("SELECT"):
            insights.append(query)
            continue
        values, timestamps = parse_expression(query["Expression"], results)
        label = query.get("Label") or query["Id"]
        returned.append(
            {"id": query["Id"], "label": label, "values": values, "timestamps": timestamps, "status_code": "Complete"}
        )
    if insights:
        returned += _MOTO_GET_METRIC_DATA(self, insights, start_time, end_time, scan_by)
    return returned


def put_metric_alarm(self: CloudWatchBackend, *args: Any, **kwargs: Any) -> Any:
    """PutMetricAlarm: a new alarm is INSUFFICIENT_DATA until evaluated; an alarm put again keeps its state."""
    name = kwargs["name"] if "name" in kwargs else args[0]
    before = self.alarms.get(name)
    alarm = _MOTO_PUT_METRIC_ALARM(self, *args, **kwargs)
    if before is None:
        alarm.state_value = "INSUFFICIENT_DATA"
    else:
        for attribute in ("state_value", "state_reason", "state_reason_data", "state_updated_timestamp", "history"):
            setattr(alarm, attribute, getattr(before, attribute))
    return alarm


# ---------------------------------------------------------------------------------------------------------------
# The traffic feeder.


def response_times(requests: int, latency_seconds: float) -> list[tuple[float, int]]:
    """The response times of a minute of ``requests``, as (seconds, how many requests) pairs: one request in fifty (at
    least one) takes ``latency_seconds``, the others half of it. So the p99 of any number of such minutes of a target
    group, by nearest rank, is ``latency_seconds``: more than 1% of the requests take it, and none takes longer."""
    slow = math.ceil(requests / 50)
    return [
        (seconds, count)
        for seconds, count in ((latency_seconds / 2, requests - slow), (latency_seconds, slow))
        if count
    ]


def minute_datapoints(
    requests: int, error_rate: float, latency_ms: float, dimensions: list[dict[str, str]], moment: datetime
) -> list[Any]:
    """What an application load balancer reports for one minute of a target group (or of itself): the request count,
    the 5XX answers of the targets and their response times, each as a statistic set of equal values (as AWS can
    take a percentile of); a metric without a value is not reported."""
    found: list[Any] = []
    errors = round(requests * error_rate)
    if requests:
        found.append(MetricDatum(NAMESPACE, "RequestCount", float(requests), dimensions, moment, "Count"))
        for seconds, count in response_times(requests, latency_ms / 1000):
            found.append(
                MetricAggregatedDatum(
                    NAMESPACE,
                    "TargetResponseTime",
                    min_stat=seconds,
                    max_stat=seconds,
                    sample_count=float(count),
                    sum_stat=seconds * count,
                    dimensions=dimensions,
                    timestamp=moment,
                    unit="Seconds",
                )
            )
    if errors:
        found.append(MetricDatum(NAMESPACE, "HTTPCode_Target_5XX_Count", float(errors), dimensions, moment, "Count"))
    return found


def traffic_minutes(end: datetime, minutes: int) -> list[datetime]:
    """The starts of the ``minutes`` whole minutes before ``end`` (naive UTC), oldest first."""
    last = _naive_utc(end).replace(second=0) - timedelta(minutes=1)
    return [last - timedelta(minutes=count) for count in range(minutes - 1, -1, -1)]


def _arn_parts(arn: Any, kind: str) -> tuple[str, str, str]:
    """(region, account, resource) of an ELBv2 ARN of ``kind`` (loadbalancer, targetgroup); ValueError otherwise."""
    parts = arn.split(":", 5) if isinstance(arn, str) else []
    if len(parts) != 6 or parts[2] != "elasticloadbalancing" or not parts[5].startswith(f"{kind}/"):
        raise ValueError(f"{arn!r} is not the ARN of an elasticloadbalancing {kind}")
    return parts[3], parts[4], parts[5]


def _number(payload: dict[str, Any], key: str, default: Any, low: float, high: float, whole: bool = False) -> Any:
    value = payload.get(key, default)
    if value is None:
        raise ValueError(f"{key} is required")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (whole and value != int(value)):
        raise ValueError(f"{key} {value!r} is not a {'whole ' if whole else ''}number")
    if not low <= value <= high:
        raise ValueError(f"{key} {value!r} is out of range; use {low:g} to {high:g}")
    return int(value) if whole else float(value)


def feed(payload: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Write a load balancer's metrics for the traffic ``payload`` describes; what was written. ValueError for a bad
    payload, or a load balancer or target group that does not exist."""
    region, account, resource = _arn_parts(payload.get("load_balancer"), "loadbalancer")
    balancer = elbv2_backends[account][region].load_balancers.get(payload["load_balancer"])
    if balancer is None:
        raise ValueError(f"no load balancer {payload['load_balancer']!r}")
    dimension_sets = [[{"Name": "LoadBalancer", "Value": resource.split("/", 1)[1]}]]
    if payload.get("target_group") is not None:
        group_region, group_account, group = _arn_parts(payload["target_group"], "targetgroup")
        if (group_region, group_account) != (region, account) or payload["target_group"] not in (
            elbv2_backends[account][region].target_groups
        ):
            raise ValueError(f"no target group {payload['target_group']!r} beside the load balancer")
        dimension_sets.insert(0, [{"Name": "TargetGroup", "Value": group}] + dimension_sets[0])
    requests = _number(payload, "requests_per_minute", None, 0, 10**9, whole=True)
    error_rate = _number(payload, "error_rate", 0, 0, 1)
    latency_ms = _number(payload, "latency_ms", 100, 0.001, 3_600_000)
    minutes = _number(payload, "minutes", 10, 1, MAX_MINUTES, whole=True)
    end = now
    if payload.get("end") is not None:
        try:
            end = datetime.fromisoformat(str(payload["end"]).replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"end {payload['end']!r} is not an ISO 8601 time") from None
        if end.tzinfo is None:
            end = end.replace(tzinfo=timezone.utc)
    backend = cloudwatch_backends[account][region]
    moments = traffic_minutes(end, minutes)
    written = [
        datum
        for moment in moments
        for dimensions in dimension_sets
        for datum in minute_datapoints(requests, error_rate, latency_ms, dimensions, moment)
    ]
    with backend_lock:
        backend.metric_data.extend(written)
    return {
        "namespace": NAMESPACE,
        "dimensions": dimension_sets,
        "first_minute": moments[0].isoformat() + "Z",
        "last_minute": moments[-1].isoformat() + "Z",
        "datapoints": len(written),
    }


def forget(account: str, region: str) -> int:
    """Forget every datapoint of AWS/ApplicationELB in one account and region; how many there were."""
    if not (account.isdigit() and len(account) == 12):
        raise ValueError(f"account must be 12 digits, not {account!r}")
    backend = cloudwatch_backends[account][region]
    with backend_lock:
        kept = [datum for datum in backend.metric_data if datum.namespace != NAMESPACE]
        forgotten = len(backend.metric_data) - len(kept)
        backend.metric_data = kept
    return forgotten


def request_traffic(endpoint: str, method: str = "POST", **fields: Any) -> dict[str, Any]:
    """The client side of PATH, for the tests and the demo: POST feeds ``fields``, DELETE forgets (``account`` and
    ``region`` may say where). Raises urllib.error.HTTPError with the sandbox's message for a bad request."""
    url = f"{endpoint}{PATH}"
    data = None
    if method == "POST":
        data = json.dumps(fields).encode("utf-8")
    elif fields:
        url += "?" + "&".join(f"{key}={value}" for key, value in fields.items())
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def control(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The traffic feeder.

    POST   /_sandbox/cloudwatch/traffic   JSON body:
           load_balancer          ARN of the load balancer the traffic goes through (required)
           target_group           ARN of the target group it goes to; without it, the load balancer's metrics only
           requests_per_minute    requests a minute, 0 or more (required)
           error_rate             share of them the targets answer with a 5XX, 0 to 1 (default 0)
           latency_ms             the p99 of the targets' response time, in milliseconds (default 100)
           minutes                how many whole minutes, 1 to 1440 (default 10)
           end                    ISO 8601 time the minutes end before (default now); a time to come is allowed, so
                                  that a window read a little later still finds every minute
           -> 201 {"namespace", "dimensions", "first_minute", "last_minute", "datapoints"}
    DELETE /_sandbox/cloudwatch/traffic[?account=&region=]   forget every AWS/ApplicationELB datapoint
           -> 200 {"deleted": n}
    Errors: 400 {"error": "..."} for a bad request, 405 for another method. Each POST adds to what is there, as
    traffic does: two target groups fed behind one load balancer add up in its LoadBalancer metrics.
    """
    method = environ.get("REQUEST_METHOD", "GET")
    try:
        if method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            try:
                payload = json.loads(environ["wsgi.input"].read(length) or b"{}")
            except json.JSONDecodeError as error:
                raise ValueError(f"the body is not JSON: {error}") from None
            if not isinstance(payload, dict):
                raise ValueError("the body must be a JSON object")
            return _respond(start_response, 201, feed(payload, datetime.now(timezone.utc)))
        if method == "DELETE":
            query = dict(item.split("=", 1) for item in environ.get("QUERY_STRING", "").split("&") if "=" in item)
            return _respond(
                start_response,
                200,
                {"deleted": forget(query.get("account", DEFAULT_ACCOUNT_ID), query.get("region", DEFAULT_REGION))},
            )
    except ValueError as error:
        return _respond(start_response, 400, {"error": f"{method} {PATH}: {error}"})
    return _respond(start_response, 405, {"error": f"{method} {PATH}: use POST or DELETE"})


def _respond(start_response: Any, status: int, body: dict[str, Any]) -> list[bytes]:
    reasons = {200: "OK", 201: "Created", 400: "Bad Request", 405: "Method Not Allowed"}
    data = json.dumps(body).encode("utf-8")
    start_response(
        f"{status} {reasons[status]}", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def install() -> None:
    """Patch moto, in the sandbox server's process."""
    CloudWatchBackend.get_metric_data = get_metric_data
    CloudWatchBackend.put_metric_alarm = put_metric_alarm
