# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""tools/fault_proxy.py: its rules and answers without AWS, then botocore and the collection's retries through it.

The first half builds real requests with botocore and hands them, and the proxy's answers, to botocore
again without any network: a request is named as botocore's service model names it, and an injected
throttling error is parsed by botocore to the code it retries as throttling. The second half sends calls
through a running proxy to the test sandbox.
"""

from __future__ import annotations

import json
import re
import threading
import time
import types
import urllib.error
import urllib.request

import boto3
import botocore.config
import botocore.endpoint
import botocore.parsers
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from botocore.exceptions import ConnectionClosedError
from botocore.retries.standard import RetryContext
from botocore.retries.standard import ThrottledRetryableChecker

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.teal.bluegreen.plugins.module_utils._autoscaling import groups as asg_api
from ansible_collections.teal.bluegreen.plugins.module_utils._ec2 import launch_templates as lt_api
from ansible_collections.teal.bluegreen.plugins.module_utils._elbv2 import resources as elbv2_api
from ansible_collections.teal.bluegreen.plugins.module_utils._elbv2 import waiters as elbv2_waiters
from ansible_collections.teal.bluegreen.plugins.module_utils._route53 import records as route53_api
from ansible_collections.teal.bluegreen.plugins.module_utils._route53 import waiters as route53_waiters
from ansible_collections.teal.bluegreen.plugins.module_utils._ssm import parameters as ssm_api

from .faults import fault_proxy as fp
from .faults import free_port

REGION = "us-east-1"
LIVE = "/bluegreen/demo/live"


def client(service, endpoint="https://aws.invalid", **retries):
    """A boto3 client; with retries={} as the modules make theirs (botocore's default retries)."""
    config = botocore.config.Config(retries=retries) if retries else None
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=config,
    )


# One call per protocol the collection's services speak, and the operation and protocol the proxy must name.
CALLS = [
    ("ec2", "describe_images", {"Owners": ["amazon"]}, "DescribeImages", "ec2"),
    (
        "ec2",
        "create_launch_template_version",
        {"LaunchTemplateId": "lt-1", "LaunchTemplateData": {}},
        "CreateLaunchTemplateVersion",
        "ec2",
    ),
    ("elbv2", "modify_listener", {"ListenerArn": "arn:aws:x", "DefaultActions": []}, "ModifyListener", "query"),
    ("elb", "describe_load_balancers", {}, "DescribeLoadBalancers", "query"),
    (
        "autoscaling",
        "create_auto_scaling_group",
        {"AutoScalingGroupName": "a", "MinSize": 0, "MaxSize": 1},
        "CreateAutoScalingGroup",
        "query",
    ),
    ("ssm", "put_parameter", {"Name": LIVE, "Value": "blue"}, "PutParameter", "json"),
    ("resourcegroupstaggingapi", "get_resources", {}, "GetResources", "json"),
    (
        "route53",
        "change_resource_record_sets",
        {
            "HostedZoneId": "Z1",
            "ChangeBatch": {"Changes": [{"Action": "DELETE", "ResourceRecordSet": {"Name": "a", "Type": "A"}}]},
        },
        "ChangeResourceRecordSets",
        "rest-xml",
    ),
    (
        "route53",
        "list_resource_record_sets",
        {"HostedZoneId": "Z1", "StartRecordName": "www"},
        "ListResourceRecordSets",
        "rest-xml",
    ),
    ("route53", "get_change", {"Id": "C1"}, "GetChange", "rest-xml"),
    ("route53", "list_hosted_zones_by_name", {"DNSName": "example.com."}, "ListHostedZonesByName", "rest-xml"),
    ("s3", "get_object", {"Bucket": "b", "Key": "a/b.txt"}, "GetObject", "rest-xml"),
    ("s3", "head_object", {"Bucket": "b", "Key": "a/b.txt"}, "HeadObject", "rest-xml"),
    ("s3", "head_bucket", {"Bucket": "b"}, "HeadBucket", "rest-xml"),
    # The same method and request URI: only CopyObject's x-amz-copy-source header tells them apart.
    ("s3", "put_object", {"Bucket": "b", "Key": "a/b.zip", "Body": b"zip"}, "PutObject", "rest-xml"),
    ("s3", "copy_object", {"Bucket": "b", "Key": "a/c.zip", "CopySource": "b/a/b.zip"}, "CopyObject", "rest-xml"),
    ("s3", "put_bucket_tagging", {"Bucket": "b", "Tagging": {"TagSet": []}}, "PutBucketTagging", "rest-xml"),
    ("efs", "describe_file_systems", {}, "DescribeFileSystems", "rest-json"),
    ("iam", "create_user", {"UserName": "operator"}, "CreateUser", "query"),
    ("sts", "get_caller_identity", {}, "GetCallerIdentity", "query"),
]
CALL_IDS = [f"{item[0]}.{item[3]}" for item in CALLS]


class Captured(Exception):
    """Raised by the before-send hook once it holds the request, so that nothing is sent."""


class _Raw:
    def __init__(self, body):
        self._body = body

    def stream(self, **_kwargs):
        yield self._body


def prepared_request(service, method, params):
    """The request botocore would send for one call (signed), captured before it leaves."""
    api = client(service)
    found = []

    def capture(request, **_kwargs):
        found.append(request)
        raise Captured()

    api.meta.events.register("before-send", capture)
    with pytest.raises(Captured):
        getattr(api, method)(**params)
    return found[0]


def name_of(request):
    url = request.url.split("://", 1)[1]
    path = "/" + url.split("/", 1)[1] if "/" in url else "/"
    # As the proxy receives them: header values are text, the body bytes.
    headers = {key: value.decode() if isinstance(value, bytes) else value for key, value in request.headers.items()}
    body = request.body or b""
    return fp.identify(request.method, path, headers, body.encode() if isinstance(body, str) else body)


@pytest.fixture
def no_backoff(monkeypatch):
    """botocore retries at once: the tests count its attempts, they need not wait between them."""
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=lambda _seconds: None))


def answered_with(service, method, params, answer, **retries):
    """Call ``method`` with every attempt answered by ``answer`` (status, headers, body); returns (error, attempts)."""
    api = client(service, **retries)
    attempts = []

    def reply(request, **_kwargs):
        attempts.append(request)
        status, headers, body = answer
        return AWSResponse(request.url, status, headers, _Raw(body))

    api.meta.events.register("before-send", reply)
    with pytest.raises(ClientError) as raised:
        getattr(api, method)(**params)
    return raised.value, len(attempts)


# --- rules -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("*:*:throttle:0.3", dict(service="*", operation="*", fault="throttle", rate=0.3)),
        ("ssm:GetParameters:http500:1", dict(service="ssm", operation="GetParameters", fault="http500", rate=1.0)),
        ("elbv2:Describe*:delay=0.5:0.2", dict(service="elbv2", operation="Describe*", fault="delay", seconds=0.5)),
        (
            "route53:ChangeResourceRecordSets:throttle=PriorRequestNotComplete:1:2",
            dict(service="route53", fault="throttle", code="PriorRequestNotComplete", limit=2),
        ),
        ("autoscaling:CreateAutoScalingGroup:drop_after:0.1", dict(fault="drop_after", rate=0.1)),
        ("::drop:1", dict(service="*", operation="*", fault="drop")),
    ],
)
def test_a_rule_reads_as_service_operation_fault_rate(text, expected):
    rule = fp.parse_rule(text)
    assert {key: getattr(rule, key) for key in expected} == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("*:*:throttle", "is not service:operation:fault:rate[:limit]"),
        ("*:*:explode:0.5", "unknown fault 'explode'"),
        ("*:*:throttle:1.5", "rate 1.5 of *:*:throttle is not between 0 and 1"),
        ("*:*:throttle:often", "rate, limit and delay=SECONDS must be numbers"),
        ("*:*:delay:1", "a delay takes its length in seconds, like delay=0.5"),
        ("*:*:delay=0:1", "delays by 0.0 seconds; give a positive delay=SECONDS"),
        ("*:*:drop=now:1", "only throttle=CODE and delay=SECONDS take an argument"),
        ("*:*:throttle:1:-1", "limit -1 of *:*:throttle is negative"),
    ],
)
def test_a_bad_rule_is_refused_saying_what_is_expected(text, message):
    with pytest.raises(fp.RuleError, match=re.escape(message)):
        fp.parse_rule(text)


def test_a_rules_document_holds_a_seed_and_rules_as_objects_or_text():
    rules, seed = fp.rules_from_document(
        {"seed": 7, "rules": [{"service": "ssm", "fault": "throttle", "rate": 0.3}, "ec2:*:http503:0.1"]}
    )
    assert seed == 7
    assert [(rule.service, rule.operation, rule.fault, rule.rate) for rule in rules] == [
        ("ssm", "*", "throttle", 0.3),
        ("ec2", "*", "http503", 0.1),
    ]
    assert fp.rules_from_document([])[0] == []
    with pytest.raises(fp.RuleError, match="unknown keys \\['probability'\\]"):
        fp.rules_from_document({"rules": [{"probability": 1}]})


@pytest.mark.parametrize(
    "service, operation, matches",
    [
        ("elbv2", "DescribeListeners", True),
        ("elbv2", "ModifyListener", False),
        ("elb", "DescribeListeners", False),
        ("autoscaling", "DescribeAutoScalingGroups", False),
    ],
)
def test_a_rule_matches_service_and_operation_as_shell_patterns(service, operation, matches):
    assert fp.parse_rule("elbv2:Describe*:throttle:1").matches(service, operation) is matches


CALL = fp.Call("ssm", "GetParameters", "json")


def test_rates_of_zero_and_one_never_and_always_fire():
    assert fp.Injector([fp.parse_rule("*:*:throttle:0")]).decide(CALL).fault is None
    assert fp.Injector([fp.parse_rule("*:*:throttle:1")]).decide(CALL).fault == "throttle"


def test_a_limit_caps_how_often_a_rule_fires():
    injector = fp.Injector([fp.parse_rule("ssm:*:throttle:1:2")])
    assert [injector.decide(CALL).fault for _attempt in range(4)] == ["throttle", "throttle", None, None]


def test_the_same_seed_draws_the_same_faults():
    def draws(seed):
        injector = fp.Injector([fp.parse_rule("*:*:throttle:0.3")], seed=seed)
        return [injector.decide(CALL).fault for _draw in range(200)]

    assert draws(3) == draws(3)
    assert draws(3) != draws(4)
    assert 40 <= draws(3).count("throttle") <= 80


def test_delays_add_up_and_the_first_other_fault_drawn_wins():
    injector = fp.Injector(
        [
            fp.parse_rule("*:*:delay=0.25:1"),
            fp.parse_rule("ssm:*:http503:1"),
            fp.parse_rule("ssm:*:throttle:1"),
            fp.parse_rule("ssm:*:delay=0.5:1"),
        ]
    )
    decision = injector.decide(CALL)
    assert (decision.delay, decision.fault) == (0.75, "http503")


def test_requests_that_are_not_aws_calls_are_never_faulted_but_counted():
    injector = fp.Injector([fp.parse_rule("*:*:drop:1")])
    assert injector.decide(None).fault is None
    assert injector.stats()["operations"] == {"unsigned": {"requests": 1, "forwarded": 1}}


def test_counters_per_operation_and_in_total_until_reset():
    injector = fp.Injector([fp.parse_rule("ssm:*:throttle:1:1"), fp.parse_rule("*:*:delay=0.5:1")])
    for call in (CALL, CALL, fp.Call("ec2", "DescribeImages", "ec2")):
        injector.decide(call)
    injector.record_upstream(CALL, 400)
    stats = injector.stats()
    assert stats["operations"]["ssm:GetParameters"] == {
        "requests": 2,
        "forwarded": 1,
        "throttle": 1,
        "delay": 2,
        "delay_seconds": 1.0,
        "upstream_errors": 1,
    }
    assert stats["totals"]["requests"] == 3 and stats["totals"]["throttle"] == 1
    injector.reset_stats()
    assert injector.stats() == {"operations": {}, "totals": {}}


# --- naming requests and answering them, as botocore sees it ---------------------------------------------


@pytest.mark.parametrize("service, method, params, operation, protocol", CALLS, ids=CALL_IDS)
def test_a_request_is_named_by_service_and_operation_as_botocore_models_it(
    service, method, params, operation, protocol
):
    call = name_of(prepared_request(service, method, params))
    assert (call.service, call.operation, call.protocol) == (service, operation, protocol)


def test_a_request_without_a_signature_is_not_named():
    assert fp.identify("GET", "/moto-api/reset", {"Host": "127.0.0.1"}, b"") is None


THROTTLED = [
    ("ec2", "RequestLimitExceeded", 503),
    ("elbv2", "Throttling", 400),
    ("autoscaling", "Throttling", 400),
    ("ssm", "ThrottlingException", 400),
    ("resourcegroupstaggingapi", "ThrottlingException", 400),
    ("route53", "Throttling", 400),
    ("s3", "SlowDown", 503),
    ("efs", "ThrottlingException", 400),
    ("iam", "Throttling", 400),
]


@pytest.mark.parametrize("mode", ["standard", "legacy"])
@pytest.mark.parametrize("service, code, status", THROTTLED, ids=[item[0] for item in THROTTLED])
def test_an_injected_throttle_is_throttling_to_botocore(no_backoff, service, code, status, mode):
    """botocore parses the answer to the service's throttling code and retries it, in both retry modes."""
    _service, method, params, *_expected = next(item for item in CALLS if item[0] == service)
    call = name_of(prepared_request(service, method, params))
    error, attempts = answered_with(
        service, method, params, fp.error_response(call, "throttle"), mode=mode, total_max_attempts=2
    )
    assert (error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
    assert ThrottledRetryableChecker().is_retryable(RetryContext(1, parsed_response=error.response))
    assert attempts == 2


def test_route53_throttles_with_prior_request_not_complete_when_told(no_backoff):
    _service, method, params, *_expected = next(item for item in CALLS if item[3] == "ChangeResourceRecordSets")
    call = name_of(prepared_request("route53", method, params))
    answer = fp.error_response(call, "throttle", "PriorRequestNotComplete")
    error, attempts = answered_with("route53", method, params, answer, mode="legacy", total_max_attempts=2)
    assert (error.response["Error"]["Code"], attempts) == ("PriorRequestNotComplete", 2)
    assert ThrottledRetryableChecker().is_retryable(RetryContext(1, parsed_response=error.response))


@pytest.mark.parametrize("fault, status", [("http500", 500), ("http503", 503)])
@pytest.mark.parametrize("service", ["ec2", "elbv2", "ssm", "resourcegroupstaggingapi", "route53"])
def test_an_injected_server_error_is_parsed_and_retried_but_is_no_throttle(no_backoff, service, fault, status):
    _service, method, params, *_expected = next(item for item in CALLS if item[0] == service)
    call = name_of(prepared_request(service, method, params))
    error, attempts = answered_with(service, method, params, fp.error_response(call, fault), total_max_attempts=2)
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert error.response["Error"]["Code"] in ("InternalFailure", "InternalError", "ServiceUnavailable", "Unavailable")
    assert not ThrottledRetryableChecker().is_retryable(RetryContext(1, parsed_response=error.response))
    assert attempts == 2


def test_a_validation_error_is_not_retried(no_backoff):
    """The contrast: botocore gives up at once on a client error, so the attempts above are its retries."""
    body = b"<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>no</Message></Error>"
    body += b"</ErrorResponse>"
    _service, method, params, *_expected = next(item for item in CALLS if item[0] == "elbv2")
    error, attempts = answered_with("elbv2", method, params, (400, {}, body), total_max_attempts=3)
    assert (error.response["Error"]["Code"], attempts) == ("ValidationError", 1)


def test_an_rpc_v2_cbor_throttle_parses_as_throttling():
    """botocore prefers JSON where a service offers both; the CBOR answer is there for services that offer only it."""
    status, headers, body = fp.error_response(fp.Call("codedeploy", "GetDeployment", "rpc-v2-cbor"), "throttle")
    parsed = botocore.parsers.create_parser("smithy-rpc-v2-cbor").parse(
        {"status_code": status, "headers": headers, "body": body}, None
    )
    assert (parsed["Error"]["Code"], status) == ("ThrottlingException", 400)
    assert ThrottledRetryableChecker().is_retryable(RetryContext(1, parsed_response=parsed))


def test_cbor_maps_encode_as_rfc_8949_says():
    assert fp.cbor_map({"a": "b"}) == bytes([0xA1, 0x61, 0x61, 0x61, 0x62])
    assert fp.cbor_map({"k": "x" * 30})[3:5] == bytes([0x78, 30])


# --- through a running proxy, to the sandbox ----------------------------------------------------------------


def test_botocore_retries_each_protocols_throttles_through_the_proxy(sandbox, proxy):
    """Two throttles in a row, then the sandbox's answer: botocore's three attempts get through."""
    calls = {
        "ec2": lambda api: api.describe_images(Owners=["amazon"]),
        "elbv2": lambda api: api.describe_load_balancers(Names=["demo"]),
        "autoscaling": lambda api: api.describe_auto_scaling_groups(AutoScalingGroupNames=["demo-blue"]),
        "ssm": lambda api: api.get_parameters(Names=[LIVE]),
        "resourcegroupstaggingapi": lambda api: api.get_resources(
            TagFilters=[{"Key": "bluegreen:app", "Values": ["demo"]}]
        ),
        "route53": lambda api: api.list_hosted_zones_by_name(DNSName="example.com."),
    }
    proxy.set_rules([fp.parse_rule(f"{service}:*:throttle:1:2") for service in calls])
    for service, call in calls.items():
        response = call(client(service, endpoint=proxy.url, mode="standard", total_max_attempts=3))
        assert response["ResponseMetadata"]["RetryAttempts"] == 2, service
    operations = proxy.stats()["operations"]
    assert {key.split(":")[0]: (value["throttle"], value["forwarded"]) for key, value in operations.items()} == {
        service: (2, 1) for service in calls
    }


@pytest.mark.parametrize("fault", ["http500", "http503", "drop", "drop_after"])
def test_server_errors_and_dropped_connections_are_retried_through_the_proxy(sandbox, proxy, fault):
    proxy.set_rules([fp.parse_rule(f"ssm:GetParameters:{fault}:1:1")])
    response = client("ssm", endpoint=proxy.url, mode="standard", total_max_attempts=2).get_parameters(Names=[LIVE])
    assert response["Parameters"][0]["Value"] == sandbox.parameter(LIVE)
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert proxy.stats()["operations"]["ssm:GetParameters"][fault] == 1


def test_a_dropped_connection_is_a_connection_error_to_botocore(sandbox, proxy):
    proxy.set_rules([fp.parse_rule("ssm:*:drop:1")])
    with pytest.raises(ConnectionClosedError):
        client("ssm", endpoint=proxy.url, mode="standard", total_max_attempts=1).get_parameters(Names=[LIVE])


def test_new_rules_let_a_delayed_call_go_at_once(sandbox, proxy):
    proxy.set_rules([fp.parse_rule("ssm:GetParameters:delay=60:1")])
    release = threading.Timer(1.0, proxy.set_rules, args=([],))
    release.start()
    started = time.monotonic()
    client("ssm", endpoint=proxy.url).get_parameters(Names=[LIVE])
    assert 1.0 <= time.monotonic() - started < 30


def test_a_delay_slows_the_call_down_and_is_counted(sandbox, proxy):
    proxy.set_rules([fp.parse_rule("ssm:GetParameters:delay=0.5:1")])
    started = time.monotonic()
    client("ssm", endpoint=proxy.url).get_parameters(Names=[LIVE])
    assert time.monotonic() - started >= 0.5
    assert proxy.stats()["operations"]["ssm:GetParameters"]["delay_seconds"] == 0.5


def http(proxy, method, path, body=None):
    request = urllib.request.Request(f"{proxy.url}{path}", method=method, data=body)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_counters_and_the_rules_over_http(sandbox, proxy):
    status, rules = http(
        proxy, "PUT", "/_faults/rules", json.dumps({"seed": 5, "rules": ["ssm:*:throttle:1:1"]}).encode()
    )
    assert (status, rules) == (
        200,
        {
            "seed": 5,
            "rules": [
                {"service": "ssm", "operation": "*", "fault": "throttle", "rate": 1.0, "seconds": 0.0, "limit": 1}
            ],
        },
    )
    client("ssm", endpoint=proxy.url, mode="standard", total_max_attempts=2).get_parameters(Names=[LIVE])
    status, stats = http(proxy, "GET", "/_faults/stats")
    assert stats["operations"]["ssm:GetParameters"] == {"requests": 2, "forwarded": 1, "throttle": 1}
    assert http(proxy, "DELETE", "/_faults/stats") == (200, {"operations": {}, "totals": {}})
    status, error = http(proxy, "PUT", "/_faults/rules", b'{"rules": ["*:*:sometimes:1"]}')
    assert status == 400 and "unknown fault 'sometimes'" in error["error"]
    assert http(proxy, "GET", "/_faults/rules")[1]["seed"] == 5
    assert http(proxy, "GET", "/_faults/nothing")[0] == 404


@pytest.mark.parametrize(
    "call, writes",
    [
        (fp.Call("ssm", "PutParameter", "json"), True),
        (fp.Call("elbv2", "ModifyListener", "query"), True),
        (fp.Call("autoscaling", "CreateAutoScalingGroup", "query"), True),
        (fp.Call("ec2", "CreateLaunchTemplateVersion", "ec2"), True),
        (fp.Call("route53", "ChangeResourceRecordSets", "rest-xml"), True),
        (fp.Call("s3", "POST /bucket", "rest-xml"), True),
        (fp.Call("ssm", "GetParameterHistory", "json"), False),
        (fp.Call("elbv2", "DescribeTargetHealth", "query"), False),
        (fp.Call("codedeploy", "BatchGetDeployments", "json"), False),
        (None, False),
    ],
)
def test_the_crash_point_counts_the_calls_that_change_something(call, writes):
    assert fp.is_mutating(call) is writes


def test_the_crash_point_holds_every_request_after_the_nth_write_and_drops_them(sandbox, proxy):
    ssm = client("ssm", endpoint=proxy.url, mode="standard", total_max_attempts=1)
    proxy.arm_crash(2)
    ssm.put_parameter(Name="/crash/one", Value="1", Type="String", Overwrite=True)
    ssm.get_parameters(Names=["/crash/one"])
    assert not proxy.crashed.is_set()
    ssm.put_parameter(Name="/crash/two", Value="2", Type="String", Overwrite=True)
    assert proxy.crashed.is_set()
    failures = []

    def after_the_crash_point():
        try:
            ssm.put_parameter(Name="/crash/three", Value="3", Type="String", Overwrite=True)
        except ConnectionClosedError as error:
            failures.append(error)

    later = threading.Thread(target=after_the_crash_point)
    later.start()
    deadline = time.monotonic() + 10
    while proxy.injector.crash_state()["held"] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    seen = proxy.disarm_crash()
    later.join(timeout=10)

    assert seen == {
        "after": None,
        "match": "*",
        "writes": ["ssm:PutParameter", "ssm:PutParameter"],
        "tripped_on": "ssm:PutParameter",
        "held": 1,
    }
    assert len(failures) == 1
    assert sandbox.parameter("/crash/two") == "2" and sandbox.parameter("/crash/three") is None
    assert proxy.stats()["operations"]["ssm:PutParameter"]["crash_held"] == 1
    ssm.put_parameter(Name="/crash/three", Value="3", Type="String", Overwrite=True)
    sandbox.client("ssm").delete_parameters(Names=["/crash/one", "/crash/two", "/crash/three"])


def test_the_crash_point_can_count_only_some_writes_and_is_set_over_http(sandbox, proxy):
    status, armed = http(proxy, "PUT", "/_faults/crash", json.dumps({"after": 1, "match": "ssm:Delete*"}).encode())
    assert status == 200 and armed["after"] == 1 and armed["match"] == "ssm:Delete*"
    ssm = client("ssm", endpoint=proxy.url)
    ssm.put_parameter(Name="/crash/kept", Value="1", Type="String", Overwrite=True)
    assert not proxy.crashed.is_set()
    ssm.delete_parameter(Name="/crash/kept")
    assert proxy.crashed.is_set()
    assert http(proxy, "GET", "/_faults/crash")[1]["tripped_on"] == "ssm:DeleteParameter"
    assert http(proxy, "DELETE", "/_faults/crash")[1]["after"] is None
    status, error = http(proxy, "PUT", "/_faults/crash", b'{"after": 0}')
    assert status == 400 and "1 or more" in error["error"]


def test_a_lost_answer_to_the_nth_write_makes_botocore_write_again(sandbox, proxy):
    """drop_after on the 2nd write: the sandbox took it, botocore never heard and sent it again (the 3rd write, which
    goes through): a write whose retry is not idempotent shows here, as ParameterAlreadyExists does."""
    ssm = client("ssm", endpoint=proxy.url, mode="standard", total_max_attempts=2)
    proxy.arm_write_fault(2, "drop_after")
    ssm.put_parameter(Name="/lost/one", Value="1", Type="String", Overwrite=True)
    ssm.get_parameters(Names=["/lost/one"])
    try:
        with pytest.raises(ClientError, match="ParameterAlreadyExists"):
            ssm.put_parameter(Name="/lost/two", Value="2", Type="String")
        ssm.put_parameter(Name="/lost/three", Value="3", Type="String")
        seen = proxy.disarm_write_fault()
        counters = proxy.stats()["operations"]["ssm:PutParameter"]
    finally:
        sandbox.client("ssm").delete_parameters(Names=["/lost/one", "/lost/two", "/lost/three"])
    assert seen == {
        "at": 2,
        "fault": "drop_after",
        "match": "*",
        "writes": ["ssm:PutParameter", "ssm:PutParameter"],
        "fired_on": "ssm:PutParameter",
    }
    assert (counters["requests"], counters["forwarded"], counters["drop_after"]) == (4, 4, 1)


def test_a_server_error_in_place_of_the_nth_matching_write_is_set_over_http(sandbox, proxy):
    status, armed = http(
        proxy, "PUT", "/_faults/write", json.dumps({"at": 1, "fault": "http500", "match": "ssm:Delete*"}).encode()
    )
    assert status == 200 and armed["at"] == 1 and armed["fired_on"] is None
    ssm = client("ssm", endpoint=proxy.url, mode="standard", total_max_attempts=2)
    ssm.put_parameter(Name="/lost/kept", Value="1", Type="String", Overwrite=True)
    response = ssm.delete_parameter(Name="/lost/kept")
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert http(proxy, "GET", "/_faults/write")[1]["fired_on"] == "ssm:DeleteParameter"
    assert proxy.stats()["operations"]["ssm:DeleteParameter"] == {"requests": 2, "forwarded": 1, "http500": 1}
    assert sandbox.parameter("/lost/kept") is None
    assert http(proxy, "DELETE", "/_faults/write")[1]["fired_on"] == "ssm:DeleteParameter"
    for document, message in (
        ({"at": 0, "fault": "http500"}, "1 or more"),
        ({"at": 1, "fault": "delay"}, "unknown write fault 'delay'"),
        ({"at": 1}, "a write fault is"),
    ):
        status, error = http(proxy, "PUT", "/_faults/write", json.dumps(document).encode())
        assert status == 400 and message in error["error"], error


def test_the_proxy_runs_as_a_process(sandbox):
    import subprocess
    import sys

    port = free_port()
    command = [
        sys.executable,
        str(fp.__file__),
        "--upstream",
        sandbox.endpoint,
        "--port",
        str(port),
        "--rule",
        "ssm:*:throttle:1:1",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().startswith(
            f"fault proxy at http://127.0.0.1:{port} -> {sandbox.endpoint}, 1 rule(s)"
        )
        response = client(
            "ssm", endpoint=f"http://127.0.0.1:{port}", mode="standard", total_max_attempts=2
        ).get_parameters(Names=[LIVE])
        assert response["ResponseMetadata"]["RetryAttempts"] == 1
    finally:
        process.terminate()
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert json.loads(out.strip().splitlines()[-1]) == {"requests": 2, "forwarded": 1, "throttle": 1}


# --- the collection's own retries, over botocore's ----------------------------------------------------------

# Four throttles in a row: botocore's three attempts all fail, so only AWSRetry (or the waiter) can get the
# call through. The collection's helpers are called in-process with clients made like the modules' own.


def _load_balancer(api):
    return elbv2_api.describe_load_balancer(api["elbv2"], "demo")["LoadBalancerName"] == "demo"


def _group(api):
    return asg_api.describe_group(api["autoscaling"], "demo-blue")["AutoScalingGroupName"] == "demo-blue"


def _template(api):
    return lt_api.describe_template(api["ec2"], api["template_id"])["LaunchTemplateName"] == "demo"


def _parameter(api):
    return ssm_api.get_parameters(api["ssm"], [LIVE])[LIVE]["Value"] in ("blue", "green")


def _tagged(api):
    return len(elbv2_api.find_tagged(api["resourcegroupstaggingapi"], "targetgroup", {"bluegreen:app": "demo"})) == 2


def _zone(api):
    return route53_api.find_zones_by_name(api["route53"], "example.com")[0]["Name"] == "example.com."


def _healthy(api):
    arn = api["elbv2"].describe_target_groups(Names=["demo-blue"])["TargetGroups"][0]["TargetGroupArn"]
    elbv2_waiters.wait_for_healthy_targets(api["elbv2"], arn, 1, timeout=30, poll_interval=1)
    return True


def _change(api):
    zone = route53_api.find_zones_by_name(api["route53"], "example.com")[0]
    records = route53_api.get_record_sets(api["route53"], zone["Id"], "www.example.com.", "A")
    change = route53_api.change_record_sets(
        api["route53"], zone["Id"], [{"Action": "UPSERT", "ResourceRecordSet": records[0]}], "fault proxy test"
    )
    route53_waiters.wait_for_changes(api["route53"], [change["Id"]], timeout=30, poll_interval=1)
    return True


@pytest.mark.parametrize(
    "rule, call",
    [
        ("elbv2:DescribeLoadBalancers:throttle:1:4", _load_balancer),
        ("autoscaling:DescribeAutoScalingGroups:throttle:1:4", _group),
        ("ec2:DescribeLaunchTemplates:throttle:1:4", _template),
        ("route53:ListHostedZonesByName:throttle:1:4", _zone),
        ("route53:ChangeResourceRecordSets:throttle=PriorRequestNotComplete:1:4", _change),
        ("route53:GetChange:throttle:1:4", _change),
        ("ssm:GetParameters:throttle:1:4", _parameter),
        ("resourcegroupstaggingapi:GetResources:throttle:1:4", _tagged),
        ("elbv2:DescribeTargetHealth:throttle:1:4", _healthy),
    ],
    ids=lambda value: value if isinstance(value, str) else value.__name__.strip("_"),
)
def test_the_collection_retries_what_botocore_gave_up_on(sandbox, proxy, rule, call):
    proxy.set_rules([fp.parse_rule(rule)])
    services = ("ec2", "elbv2", "autoscaling", "ssm", "resourcegroupstaggingapi", "route53")
    api = {service: client(service, endpoint=proxy.url) for service in services}
    api["template_id"] = sandbox.groups()["demo-blue"]["LaunchTemplate"]["LaunchTemplateId"]
    try:
        assert call(api)
    except AnsibleAWSError as error:
        pytest.fail(f"{rule}: {error.message}: {error.exception}")
    key = ":".join(rule.split(":")[:2])
    assert proxy.stats()["operations"][key]["throttle"] == 4


@pytest.mark.parametrize(
    "rule",
    [
        "elbv2:DescribeListeners:throttle:1:4",
        "ssm:GetParameterHistory:throttle:1:4",
    ],
)
def test_a_module_gets_through_throttling_that_outlasts_botocore(sandbox, proxy, rule):
    """The same through a module run as Ansible runs it: state_info reads demo through the proxy."""
    proxy.set_rules([fp.parse_rule(rule)])
    result = sandbox.module("state_info", app="demo", load_balancer="demo", endpoint_url=proxy.url)
    assert not result.get("failed"), result.get("msg")
    assert result["live_color"] == sandbox.parameter(LIVE)
    assert proxy.stats()["operations"][":".join(rule.split(":")[:2])]["throttle"] == 4


@pytest.mark.parametrize("fault", ["drop_after", "http500"])
def test_a_parameter_write_whose_answer_is_lost_makes_one_version(sandbox, proxy, fault):
    """PutParameter has no client token: botocore, sending it again after a lost answer, would write a second version,
    and a create would see its own parameter as someone else's. The collection reads the parameter instead."""
    ssm = client("ssm", endpoint=proxy.url)
    name = f"/lost/{fault}"
    try:
        proxy.arm_write_fault(1, fault)
        created = ssm_api.put_parameter(ssm, name, "blue", "made once", overwrite=False)
        proxy.arm_write_fault(1, fault)
        overwritten = ssm_api.put_parameter(ssm, name, "green", "written once", overwrite=True)
        seen = proxy.disarm_write_fault()
        history = sandbox.client("ssm").get_parameter_history(Name=name)["Parameters"]
    finally:
        sandbox.client("ssm").delete_parameters(Names=[name])
    assert seen["fired_on"] == "ssm:PutParameter"
    assert (created, overwritten) == (1, 2)
    assert [(item["Version"], item["Value"]) for item in history] == [(1, "blue"), (2, "green")]
    assert proxy.stats()["operations"]["ssm:PutParameter"][fault] == 2
