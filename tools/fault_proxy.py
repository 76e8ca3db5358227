"""A fault-injecting HTTP proxy in front of the local AWS sandbox (or any AWS-compatible endpoint).

Clients talk to the proxy exactly as to AWS (boto3 ``endpoint_url``, the playbooks'
``bluegreen_aws_endpoint_url``). Each request is named by its service and operation, as botocore's
service models describe them, and the rules decide, with a seeded random generator, whether it is
answered by a fault instead of the upstream:

    throttle            the service's own throttling error, in its protocol's wire format: Throttling
                        (query: elbv2, autoscaling, iam, sts), ThrottlingException (json and rpc-v2-cbor:
                        ssm, resourcegroupstaggingapi), RequestLimitExceeded with HTTP 503 (ec2),
                        Throttling (Route 53, HTTP 400), SlowDown (s3); ``throttle=CODE`` names the code,
                        e.g. ``throttle=PriorRequestNotComplete`` for Route 53
    http500, http503    an internal error / service unavailable, in the same wire format
    delay=SECONDS       wait before forwarding (adds to whatever else happens); new rules end the wait
    drop                close the connection without forwarding or answering
    drop_after          forward, then close the connection without answering (the call happened upstream)

Usage:
    python tools/fault_proxy.py --upstream http://127.0.0.1:4593 --port 4581 --rule '*:*:throttle:0.3'
    python tools/fault_proxy.py --upstream http://127.0.0.1:4593 --port 4581 --rules rules.json --seed 7

A rule on the command line is ``service:operation:fault:rate[:limit]``; service and operation are
botocore names and may be shell-style patterns (``elbv2:Describe*:delay=0.5:1``); limit caps how many
times the rule fires. A rules file holds ``{"seed": 7, "rules": [{"service": "ssm", "operation": "*",
"fault": "throttle", "rate": 0.3}, ...]}``. The proxy itself answers under ``/_faults/``:

    GET /_faults/stats      counters per service:operation: requests, forwarded, upstream_errors (answers of
                            the upstream with HTTP 400 or more), and one per fault kind injected
    DELETE /_faults/stats   reset the counters
    GET /_faults/rules      the rules in force
    PUT /_faults/rules      replace the rules (a rules document as above; the generator is seeded again, and
                            requests being delayed go on at once)
    PUT /_faults/crash      arm the crash point: ``{"after": N}``, or ``{"after": N, "match": "elbv2:Modify*"}`` to
                            count only the writes whose service:operation matches the pattern
    GET /_faults/crash      the crash point: armed after how many writes, the writes forwarded so far, the one
                            it tripped on, how many requests it holds
    DELETE /_faults/crash   disarm it; the requests it holds are dropped, never forwarded
    PUT /_faults/write      fault one write: ``{"at": N, "fault": "drop_after"}`` answers the Nth write from now
                            (of those matching ``match``, as for the crash point) with the fault (drop_after,
                            drop, http500, http503 or throttle), once; the writes before and after it go through
    GET /_faults/write      the write fault: at which write, the writes counted so far, the one it fired on
    DELETE /_faults/write   disarm it

The crash point stands for a client killed right after a write: it counts the forwarded calls that change
something (by operation name: Create*, Delete*, Put*, Modify*, ...; unnamed REST calls by method) and, once
the answer to the Nth has been sent, holds every later request, so the upstream sees exactly N writes
whatever the client does next. A test kills the client then (``FaultProxy.crashed`` is set, or poll
``GET /_faults/crash``) and disarms the point.

The write fault stands for the answer to one write lost on the way (drop_after: the call happened, the client never
hears) or a server error in place of the write (http500, http503): the client's retry of that write is the next write,
and goes through. Run after run, N going 1, 2, ..., it finds the writes whose retry is not idempotent.

Requests the proxy cannot name (not signed, e.g. ``/moto-api/``) are forwarded untouched.
"""

from __future__ import annotations

import argparse
import dataclasses
import fnmatch
import functools
import http.client
import http.server
import json
import random
import re
import signal
import socket
import sys
import threading
import urllib.parse
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# Its sibling tools/aws_calls.py, also when the tests load this file from its path rather than run it.
sys.path.insert(0, str(Path(__file__).resolve().parent))
import aws_calls  # noqa: E402  pylint: disable=wrong-import-position

HOST = "127.0.0.1"
CONTROL_PREFIX = "/_faults/"
UPSTREAM_TIMEOUT = 120.0

THROTTLE = "throttle"
HTTP500 = "http500"
HTTP503 = "http503"
DELAY = "delay"
DROP = "drop"
DROP_AFTER = "drop_after"
FAULTS = (THROTTLE, HTTP500, HTTP503, DELAY, DROP, DROP_AFTER)
# What the crash point does with a request (Injector.pass_crash_point); HELD is also its counter's name.
FORWARD = "forward"
LAST_WRITE = "last_write"
HELD = "crash_held"

# Hop-by-hop headers (RFC 9110 section 7.6.1) belong to one connection and are never passed on.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)

# The SigV4 signing name of a request does not always equal botocore's service name; where several
# services share one (elb and elbv2), the API version of the request decides.
SIGNING_NAMES = {
    "elasticloadbalancing": ("elbv2", "elb"),
    "tagging": ("resourcegroupstaggingapi",),
    "elasticfilesystem": ("efs",),
    "monitoring": ("cloudwatch",),
    "email": ("ses", "sesv2"),
    "states": ("stepfunctions",),
}
CREDENTIAL = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/,\s]+/([^/,\s]+)/aws4_request")


class RuleError(ValueError):
    """A rule that cannot be read; the message names it and says what is expected."""


@dataclasses.dataclass(frozen=True)
class Rule:
    """Answer ``rate`` of the matching requests with ``fault`` (at most ``limit`` times, when set)."""

    service: str = "*"
    operation: str = "*"
    fault: str = THROTTLE
    rate: float = 1.0
    seconds: float = 0.0
    code: str | None = None
    limit: int | None = None

    def __post_init__(self):
        if self.fault not in FAULTS:
            raise RuleError(f"unknown fault {self.fault!r} in {self}; expected one of {', '.join(FAULTS)}")
        if not 0.0 <= self.rate <= 1.0:
            raise RuleError(f"rate {self.rate!r} of {self.label} is not between 0 and 1")
        if self.fault == DELAY and self.seconds <= 0:
            raise RuleError(f"{self.label} delays by {self.seconds!r} seconds; give a positive delay=SECONDS")
        if self.limit is not None and self.limit < 0:
            raise RuleError(f"limit {self.limit!r} of {self.label} is negative")

    @property
    def label(self) -> str:
        return f"{self.service}:{self.operation}:{self.fault}"

    def matches(self, service: str, operation: str) -> bool:
        return fnmatch.fnmatchcase(service, self.service) and fnmatch.fnmatchcase(operation, self.operation)

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in dataclasses.asdict(self).items() if value is not None}


def parse_rule(text: str) -> Rule:
    """``service:operation:fault:rate[:limit]``, fault being e.g. ``throttle``, ``throttle=CODE``, ``delay=0.5``."""
    fields = text.split(":")
    if len(fields) not in (4, 5):
        raise RuleError(f"rule {text!r} is not service:operation:fault:rate[:limit], e.g. '*:*:throttle:0.3'")
    service, operation, fault, rate = fields[:4]
    kind, _equals, argument = fault.partition("=")
    options: dict[str, Any] = {}
    if kind == DELAY and not argument:
        raise RuleError(f"rule {text!r}: a delay takes its length in seconds, like delay=0.5")
    try:
        options["rate"] = float(rate)
        if len(fields) == 5:
            options["limit"] = int(fields[4])
        if kind == DELAY:
            options["seconds"] = float(argument)
    except ValueError:
        raise RuleError(f"rule {text!r}: rate, limit and delay=SECONDS must be numbers") from None
    if argument and kind == THROTTLE:
        options["code"] = argument
    elif argument and kind != DELAY:
        raise RuleError(f"rule {text!r}: only throttle=CODE and delay=SECONDS take an argument")
    return Rule(service=service or "*", operation=operation or "*", fault=kind, **options)


def rule_from_dict(item: dict[str, Any]) -> Rule:
    known = {field.name for field in dataclasses.fields(Rule)}
    unknown = sorted(set(item) - known)
    if unknown:
        raise RuleError(f"rule {item!r} has unknown keys {unknown}; expected some of {sorted(known)}")
    return Rule(**item)


def rules_from_document(document: Any) -> tuple[list[Rule], int | None]:
    """The rules and seed of a rules document: ``{"seed": N, "rules": [...]}`` or a bare list of rules."""
    if isinstance(document, list):
        document = {"rules": document}
    if not isinstance(document, dict) or not isinstance(document.get("rules", []), list):
        raise RuleError('a rules document is {"seed": N, "rules": [{"service", "operation", "fault", "rate"}, ...]}')
    rules = [parse_rule(item) if isinstance(item, str) else rule_from_dict(item) for item in document.get("rules", [])]
    return rules, document.get("seed")


# --- naming a request -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Call:
    """What a request is: botocore's service and operation names, and the wire protocol it speaks."""

    service: str
    operation: str
    protocol: str  # query, ec2, json, rpc-v2-cbor, rest-xml, rest-json
    api_version: str = ""
    json_version: str = "1.1"

    @property
    def key(self) -> str:
        return f"{self.service}:{self.operation}"


@functools.lru_cache(maxsize=None)
def _service_model(service: str):
    import botocore.session  # pylint: disable=import-outside-toplevel

    try:
        return botocore.session.get_session().get_service_model(service)
    except Exception:  # pylint: disable=broad-except
        # An unknown service still gets faults by service name, just not by REST operation.
        return None


def _required_headers(operation) -> tuple[str, ...]:
    """The headers an operation's input must carry (lower case): S3's PutObject and CopyObject share their method and
    request URI, and only CopyObject's x-amz-copy-source tells them apart."""
    shape = operation.input_shape
    if shape is None:
        return ()
    return tuple(
        shape.members[member].serialization["name"].lower()
        for member in shape.required_members
        if shape.members[member].serialization.get("location") == "header"
    )


@functools.lru_cache(maxsize=None)
def _rest_routes(service: str) -> list[tuple[int, str, re.Pattern, tuple[str, ...], tuple[str, ...], str]]:
    """(specificity, method, path pattern, required query keys, required headers, operation) of each REST operation,
    most specific first."""
    model = _service_model(service)
    routes = []
    for name in model.operation_names if model else ():
        operation = model.operation_model(name)
        http = operation.http
        path, _mark, query = http.get("requestUri", "/").partition("?")
        pattern = re.sub(
            r"\\\{([A-Za-z0-9_]+)(\\\+)?\\\}",
            lambda match: ".+" if match.group(2) else "[^/]+",
            re.escape(path.rstrip("/")),
        )
        keys = tuple(part.split("=")[0] for part in query.split("&") if part)
        headers = _required_headers(operation)
        literal = len(re.sub(r"\{[^}]*\}", "", path))
        score = literal + 100 * (len(keys) + len(headers))
        routes.append((score, http.get("method", "GET"), re.compile(f"^{pattern}/?$"), keys, headers, name))
    routes.sort(key=lambda route: -route[0])
    return routes


def rest_operation(
    service: str, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str] | None = None
) -> str | None:
    """The operation of a REST request, by its service model's method, request URI templates and required headers
    (``headers`` with lower-case names)."""
    headers = headers or {}
    for _score, route_method, pattern, keys, required, name in _rest_routes(service):
        if (
            route_method == method
            and pattern.match(path)
            and all(key in query for key in keys)
            and all(header in headers for header in required)
        ):
            return name
    return None


def _service_for(signing_name: str, api_version: str, target: str) -> str:
    candidates = SIGNING_NAMES.get(signing_name, (signing_name,))
    for candidate in candidates:
        model = _service_model(candidate)
        if model is None:
            continue
        if api_version and model.api_version == api_version:
            return candidate
        if target and model.metadata.get("targetPrefix") == target:
            return candidate
    return candidates[0]


def identify(method: str, raw_path: str, headers: dict[str, str], body: bytes) -> Call | None:
    """Name a request, or None when it is not a signed AWS API request (then no rule applies to it)."""
    headers = {key.lower(): value for key, value in headers.items()}
    credential = CREDENTIAL.search(headers.get("authorization", ""))
    if not credential:
        return None
    signing_name = credential.group(1)
    url = urllib.parse.urlsplit(raw_path)
    query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
    content_type = headers.get("content-type", "")
    if headers.get("smithy-protocol") == "rpc-v2-cbor":
        match = re.search(r"/service/([^/]+)/operation/([^/?]+)", url.path)
        target, operation = match.groups() if match else ("", "*")
        return Call(_service_for(signing_name, "", target), operation, "rpc-v2-cbor")
    if "x-amz-target" in headers:
        target, _dot, operation = headers["x-amz-target"].rpartition(".")
        version = content_type.rpartition("application/x-amz-json-")[2] or "1.1"
        return Call(_service_for(signing_name, "", target), operation, "json", json_version=version)
    form = dict(query)
    if "x-www-form-urlencoded" in content_type and body:
        form.update(urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True))
    if "Action" in form:
        version = form.get("Version", [""])[0]
        service = _service_for(signing_name, version, "")
        return Call(service, form["Action"][0], "ec2" if service == "ec2" else "query", api_version=version)
    service = _service_for(signing_name, "", "")
    model = _service_model(service)
    protocol = model.protocol if model is not None and model.protocol.startswith("rest-") else "rest-xml"
    operation = (
        rest_operation(service, method, urllib.parse.unquote(url.path), query, headers) or f"{method} {url.path}"
    )
    return Call(service, operation, protocol)


def is_mutating(call: Call | None) -> bool:
    """Whether a request changes something upstream; requests the proxy cannot name are not counted."""
    return call is not None and aws_calls.is_write(call.operation)


# --- the answers ----------------------------------------------------------------------------------------

# By protocol; S3 has its own.
THROTTLE_CODES = {
    "query": "Throttling",
    "ec2": "RequestLimitExceeded",
    "json": "ThrottlingException",
    "rpc-v2-cbor": "ThrottlingException",
    "rest-json": "ThrottlingException",
    "rest-xml": "Throttling",
    "s3": "SlowDown",
}
SERVER_CODES = {HTTP500: ("InternalFailure", 500), HTTP503: ("ServiceUnavailable", 503)}
EC2_SERVER_CODES = {HTTP500: ("InternalError", 500), HTTP503: ("Unavailable", 503)}
MESSAGES = {
    "Throttling": "Rate exceeded",
    "ThrottlingException": "Rate exceeded",
    "RequestLimitExceeded": "Request limit exceeded.",
    "PriorRequestNotComplete": "The request was rejected because Route 53 was still processing a prior request.",
    "SlowDown": "Please reduce your request rate.",
}


def _cbor_text(text: str) -> bytes:
    data = text.encode("utf-8")
    return _cbor_head(3, len(data)) + data


def _cbor_head(major: int, length: int) -> bytes:
    if length < 24:
        return bytes([major << 5 | length])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if length < 256**size:
            return bytes([major << 5 | info]) + length.to_bytes(size, "big")
    raise ValueError("too long for CBOR")


def cbor_map(values: dict[str, str]) -> bytes:
    """A CBOR map of text to text, all the rpc-v2-cbor error body needs."""
    return _cbor_head(5, len(values)) + b"".join(_cbor_text(key) + _cbor_text(value) for key, value in values.items())


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def error_response(call: Call, fault: str, code: str | None = None) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of a throttling or server error, as the service's protocol sends it."""
    request_id = str(uuid.uuid4())
    s3 = call.service == "s3"
    if fault == THROTTLE:
        code = code or THROTTLE_CODES["s3" if s3 else call.protocol]
        # EC2 and S3 throttle with 503; botocore's legacy retries only treat RequestLimitExceeded as such with it.
        status = 503 if call.protocol == "ec2" or code == "SlowDown" else 400
    else:
        code, status = (EC2_SERVER_CODES if call.protocol == "ec2" else SERVER_CODES)[fault]
    message = MESSAGES.get(code, f"injected by the fault proxy ({fault})")
    kind = "Receiver" if status >= 500 else "Sender"
    if call.protocol == "ec2":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            f"<Code>{_xml(code)}</Code><Message>{_xml(message)}</Message></Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        )
        return status, {"Content-Type": "text/xml;charset=UTF-8"}, body.encode()
    if call.protocol == "json":
        body = json.dumps({"__type": code, "message": message}).encode()
        return (
            status,
            {"Content-Type": f"application/x-amz-json-{call.json_version}", "x-amzn-RequestId": request_id},
            body,
        )
    if call.protocol == "rpc-v2-cbor":
        headers = {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor", "x-amzn-RequestId": request_id}
        return status, headers, cbor_map({"__type": code, "message": message})
    if call.protocol == "rest-json":
        headers = {"Content-Type": "application/json", "x-amzn-ErrorType": code, "x-amzn-RequestId": request_id}
        return status, headers, json.dumps({"message": message}).encode()
    if s3:
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{_xml(code)}</Code><Message>{_xml(message)}</Message>"
            f"<RequestId>{request_id}</RequestId><HostId>fault-proxy</HostId></Error>"
        )
        return status, {"Content-Type": "application/xml", "x-amz-request-id": request_id}, body.encode()
    # query and rest-xml (Route 53) share the ErrorResponse document.
    namespace = (
        f"https://route53.amazonaws.com/doc/{call.api_version or '2013-04-01'}/"
        if call.service == "route53"
        else f"http://{call.service}.amazonaws.com/doc/{call.api_version}/"
    )
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="{namespace}">'
        f"<Error><Type>{kind}</Type><Code>{_xml(code)}</Code><Message>{_xml(message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return status, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, body.encode()


# --- deciding -------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Decision:
    delay: float = 0.0
    fault: str | None = None  # throttle, http500, http503, drop, drop_after, or None to forward
    code: str | None = None


class Injector:
    """The rules, the seeded generator and the counters; thread-safe."""

    def __init__(self, rules: Sequence[Rule] = (), seed: int | None = 0):
        self._lock = threading.Lock()
        self._rules_changed = threading.Condition(self._lock)
        self._generation = 0
        self.set_rules(rules, seed)
        self._stats: dict[str, dict[str, float]] = {}
        self.crashed = threading.Event()
        self._crash_generation = 0
        self._crash_after: int | None = None
        self._crash_match = "*"
        self._writes: list[str] = []
        self._tripped_on: str | None = None
        self._held = 0
        self._write_fault: dict[str, Any] | None = None

    def set_rules(self, rules: Sequence[Rule], seed: int | None = 0) -> None:
        """Replace the rules and seed the generator again; requests being delayed go on at once."""
        with self._lock:
            self.rules = list(rules)
            self.seed = seed
            self._random = random.Random(seed)
            self._fired = [0] * len(self.rules)
            self._generation += 1
            self._rules_changed.notify_all()

    def delay(self, seconds: float) -> None:
        """Hold a request for ``seconds``, or until the rules change (a test can hold a run, then let it go)."""
        with self._lock:
            generation = self._generation
            self._rules_changed.wait_for(lambda: self._generation != generation, timeout=seconds)

    def arm_crash(self, after: int, match: str = "*") -> None:
        """Hold every request that comes after the answer to the ``after``-th write from now (see the module's doc);
        only writes whose ``service:operation`` matches the shell pattern ``match`` count."""
        if after < 1:
            raise RuleError(f"a crash point after {after!r} writes would trip before any; give 1 or more")
        with self._lock:
            self._crash_generation += 1
            self._crash_after = after
            self._crash_match = match
            self._writes = []
            self._tripped_on = None
            self._held = 0
            self.crashed.clear()
            self._rules_changed.notify_all()

    def disarm_crash(self) -> None:
        """Disarm the crash point; the requests it holds are dropped (they come from a client that is gone)."""
        with self._lock:
            self._crash_generation += 1
            self._crash_after = None
            self._rules_changed.notify_all()

    def crash_state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "after": self._crash_after,
                "match": self._crash_match,
                "writes": list(self._writes),
                "tripped_on": self._tripped_on,
                "held": self._held,
            }

    def arm_write_fault(self, at: int, fault: str, match: str = "*") -> None:
        """Answer the ``at``-th write from now (of those whose ``service:operation`` matches ``match``) with ``fault``,
        once."""
        if at < 1:
            raise RuleError(f"a write fault at write {at!r} would fault none; give 1 or more")
        if fault not in FAULTS or fault == DELAY:
            raise RuleError(f"unknown write fault {fault!r}; expected one of {', '.join(set(FAULTS) - {DELAY})}")
        with self._lock:
            self._write_fault = {"at": at, "fault": fault, "match": match, "writes": [], "fired_on": None}

    def disarm_write_fault(self) -> dict[str, Any] | None:
        """Disarm the write fault and return what it saw."""
        with self._lock:
            seen, self._write_fault = self._write_fault, None
            return seen

    def write_fault_state(self) -> dict[str, Any] | None:
        with self._lock:
            return (
                None if self._write_fault is None else dict(self._write_fault, writes=list(self._write_fault["writes"]))
            )

    def _fault_of_write(self, call: Call | None) -> str | None:
        """The write fault's fault when ``call`` is the write it waits for (under the lock)."""
        armed = self._write_fault
        if armed is None or armed["fired_on"] is not None or not is_mutating(call):
            return None
        if not fnmatch.fnmatchcase(call.key, armed["match"]):
            return None
        armed["writes"].append(call.key)
        if len(armed["writes"]) < armed["at"]:
            return None
        armed["fired_on"] = call.key
        return armed["fault"]

    def pass_crash_point(self, call: Call | None) -> str:
        """FORWARD, LAST_WRITE (forward, then call ``trip`` once its answer is sent) or HELD: the request came
        after the crash point, was held until the point was disarmed, and must be dropped unforwarded."""
        with self._lock:
            if self._crash_after is None:
                return FORWARD
            if len(self._writes) < self._crash_after:
                if not is_mutating(call) or not fnmatch.fnmatchcase(call.key, self._crash_match):
                    return FORWARD
                self._writes.append(call.key)
                return LAST_WRITE if len(self._writes) == self._crash_after else FORWARD
            self._held += 1
            counters = self._stats.setdefault(call.key if call else "unsigned", {"requests": 0, "forwarded": 0})
            counters["requests"] += 1
            counters[HELD] = counters.get(HELD, 0) + 1
            generation = self._crash_generation
            self._rules_changed.wait_for(lambda: self._crash_generation != generation)
            return HELD

    def trip(self, call: Call) -> None:
        """The answer to the crash point's last write has been sent (or its connection dropped)."""
        with self._lock:
            self._tripped_on = call.key
        self.crashed.set()

    def decide(self, call: Call | None) -> Decision:
        """What to do with one request: the delays of every matching delay rule, then the first other fault drawn."""
        decision = Decision()
        with self._lock:
            decision.fault = self._fault_of_write(call)
            if call is not None:
                for index, rule in enumerate(self.rules):
                    if decision.fault and rule.fault != DELAY:
                        continue
                    if not rule.matches(call.service, call.operation):
                        continue
                    if rule.limit is not None and self._fired[index] >= rule.limit:
                        continue
                    if self._random.random() >= rule.rate:
                        continue
                    self._fired[index] += 1
                    if rule.fault == DELAY:
                        decision.delay += rule.seconds
                    else:
                        decision.fault, decision.code = rule.fault, rule.code
            self._count(call, decision)
        return decision

    def _count(self, call: Call | None, decision: Decision) -> None:
        counters = self._stats.setdefault(call.key if call else "unsigned", {"requests": 0, "forwarded": 0})
        counters["requests"] += 1
        if decision.fault not in (THROTTLE, HTTP500, HTTP503, DROP):
            counters["forwarded"] += 1
        if decision.delay:
            counters[DELAY] = counters.get(DELAY, 0) + 1
            counters["delay_seconds"] = round(counters.get("delay_seconds", 0.0) + decision.delay, 3)
        if decision.fault:
            counters[decision.fault] = counters.get(decision.fault, 0) + 1

    def record_upstream(self, call: Call | None, status: int) -> None:
        """Count an upstream answer that is an error, so a caller can tell the writes that took effect."""
        if status >= 400:
            with self._lock:
                counters = self._stats.setdefault(call.key if call else "unsigned", {"requests": 0, "forwarded": 0})
                counters["upstream_errors"] = counters.get("upstream_errors", 0) + 1

    def stats(self) -> dict[str, Any]:
        with self._lock:
            operations = {key: dict(value) for key, value in sorted(self._stats.items())}
        totals: dict[str, float] = {}
        for counters in operations.values():
            for name, value in counters.items():
                totals[name] = round(totals.get(name, 0) + value, 3)
        return {"operations": operations, "totals": totals}

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = {}

    def rules_document(self) -> dict[str, Any]:
        with self._lock:
            return {"seed": self.seed, "rules": [rule.to_dict() for rule in self.rules]}


# --- the server -----------------------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if self.server.verbose:
            super().log_message(format, *args)

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _control(self, body: bytes) -> None:
        path = urllib.parse.urlsplit(self.path).path
        injector = self.server.injector
        answer: Any = None
        if path == "/_faults/stats" and self.command == "GET":
            answer = injector.stats()
        elif path == "/_faults/stats" and self.command == "DELETE":
            injector.reset_stats()
            answer = injector.stats()
        elif path == "/_faults/rules" and self.command == "GET":
            answer = injector.rules_document()
        elif path == "/_faults/crash" and self.command == "GET":
            answer = injector.crash_state()
        elif path == "/_faults/crash" and self.command == "DELETE":
            injector.disarm_crash()
            answer = injector.crash_state()
        elif path == "/_faults/crash" and self.command == "PUT":
            try:
                document = json.loads(body or b"{}")
                injector.arm_crash(int(document["after"]), str(document.get("match", "*")))
            except (ValueError, TypeError, KeyError) as error:
                message = (
                    f'a crash point is {{"after": N, "match": "service:operation"}}, N writes (1 or more): {error}'
                )
                self._send(400, {"Content-Type": "application/json"}, json.dumps({"error": message}).encode())
                return
            answer = injector.crash_state()
        elif path == "/_faults/write" and self.command == "GET":
            answer = injector.write_fault_state() or {}
        elif path == "/_faults/write" and self.command == "DELETE":
            answer = injector.disarm_write_fault() or {}
        elif path == "/_faults/write" and self.command == "PUT":
            try:
                document = json.loads(body or b"{}")
                injector.arm_write_fault(int(document["at"]), str(document["fault"]), str(document.get("match", "*")))
            except (ValueError, TypeError, KeyError) as error:
                message = f'a write fault is {{"at": N, "fault": "drop_after", "match": "service:operation"}}: {error}'
                self._send(400, {"Content-Type": "application/json"}, json.dumps({"error": message}).encode())
                return
            answer = injector.write_fault_state()
        elif path == "/_faults/rules" and self.command == "PUT":
            try:
                rules, seed = rules_from_document(json.loads(body or b"{}"))
            except (ValueError, TypeError) as error:
                self._send(400, {"Content-Type": "application/json"}, json.dumps({"error": str(error)}).encode())
                return
            injector.set_rules(rules, seed if seed is not None else injector.seed)
            answer = injector.rules_document()
        if answer is None:
            self._send(404, {"Content-Type": "application/json"}, b'{"error": "no such fault proxy resource"}')
            return
        self._send(200, {"Content-Type": "application/json"}, json.dumps(answer, indent=1).encode())

    def _forward(self, body: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
        upstream = self.server.upstream
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port or 80, timeout=UPSTREAM_TIMEOUT)
        try:
            headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
            headers["Content-Length"] = str(len(body))
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.reason, response.getheaders(), response.read()
        finally:
            connection.close()

    def _handle(self) -> None:
        body = self._body()
        if self.path.startswith(CONTROL_PREFIX):
            self._control(body)
            return
        call = identify(self.command, self.path, dict(self.headers.items()), body)
        passage = self.server.injector.pass_crash_point(call)
        if passage == HELD:
            self._drop()
            return
        try:
            self._answer(call, body)
        finally:
            if passage == LAST_WRITE:
                self.server.injector.trip(call)

    def _answer(self, call: Call | None, body: bytes) -> None:
        decision = self.server.injector.decide(call)
        if decision.delay:
            self.server.injector.delay(decision.delay)
        if decision.fault == DROP:
            self._drop()
            return
        if decision.fault in (THROTTLE, HTTP500, HTTP503):
            self._send(*error_response(call, decision.fault, decision.code))
            return
        try:
            status, reason, headers, content = self._forward(body)
        except OSError as error:
            self._send(502, {"Content-Type": "text/plain"}, f"fault proxy: upstream failed: {error}".encode())
            return
        self.server.injector.record_upstream(call, status)
        if decision.fault == DROP_AFTER:
            self._drop()
            return
        self.send_response(status, reason)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, injector: Injector, upstream: str, verbose: bool):
        self.injector = injector
        self.upstream = urllib.parse.urlsplit(upstream)
        self.verbose = verbose
        super().__init__(address, _Handler)


class FaultProxy:
    """The proxy, run in a background thread: ``with FaultProxy(upstream, rules) as proxy: ... proxy.url``."""

    def __init__(
        self,
        upstream: str,
        rules: Sequence[Rule] = (),
        seed: int | None = 0,
        port: int = 0,
        host: str = HOST,
        verbose: bool = False,
    ):
        self.injector = Injector(rules, seed)
        self._server = _Server((host, port), self.injector, upstream, verbose)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self._server.server_address[0]}:{self.port}"

    def start(self) -> FaultProxy:
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted, then close the socket."""
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=10)

    def set_rules(self, rules: Sequence[Rule], seed: int | None = 0) -> None:
        self.injector.set_rules(rules, seed)

    def stats(self) -> dict[str, Any]:
        return self.injector.stats()

    def arm_crash(self, after: int, match: str = "*") -> None:
        """Hold every request after the answer to the ``after``-th write (of those matching ``match``, a shell pattern
        of ``service:operation``); ``crashed`` is set when that happens."""
        self.injector.arm_crash(after, match)

    def disarm_crash(self) -> dict[str, Any]:
        """Disarm the crash point (the requests it held are dropped) and return what it saw."""
        self.injector.disarm_crash()
        return self.injector.crash_state()

    def arm_write_fault(self, at: int, fault: str, match: str = "*") -> None:
        """Answer the ``at``-th write from now (of those matching ``match``) with ``fault``, once."""
        self.injector.arm_write_fault(at, fault, match)

    def disarm_write_fault(self) -> dict[str, Any] | None:
        """Disarm the write fault and return what it saw: the writes counted, the one it fired on (or None)."""
        return self.injector.disarm_write_fault()

    @property
    def crashed(self) -> threading.Event:
        return self.injector.crashed

    def reset_stats(self) -> None:
        self.injector.reset_stats()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="fault_proxy.py", description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--upstream", required=True, help="the endpoint to forward to, e.g. http://127.0.0.1:4593")
    parser.add_argument("--port", type=int, default=0, help="loopback port to listen on (default: any free port)")
    parser.add_argument("--host", default=HOST, help="address to listen on (default %(default)s)")
    parser.add_argument("--rules", type=argparse.FileType("r"), help="a JSON rules document")
    parser.add_argument(
        "--rule", action="append", default=[], help="service:operation:fault:rate[:limit], after those of --rules"
    )
    parser.add_argument("--crash-after", type=int, help="arm the crash point: hold every request after the Nth write")
    parser.add_argument("--seed", type=int, help="seed of the random generator (default: the document's, else 0)")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        rules, seed = rules_from_document(json.load(args.rules)) if args.rules else ([], None)
        rules += [parse_rule(text) for text in args.rule]
    except (ValueError, RuleError) as error:
        print(f"fault_proxy: error: {error}", file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else seed if seed is not None else 0
    proxy = FaultProxy(args.upstream, rules, seed=seed, port=args.port, host=args.host, verbose=args.verbose)
    if args.crash_after is not None:
        try:
            proxy.arm_crash(args.crash_after)
        except RuleError as error:
            print(f"fault_proxy: error: {error}", file=sys.stderr)
            return 2
    # SIGTERM stops it like Ctrl-C, so the counters are printed either way.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    print(f"fault proxy at {proxy.url} -> {args.upstream}, {len(rules)} rule(s), seed {seed}", flush=True)
    try:
        proxy.serve_forever()
    except KeyboardInterrupt:
        pass
    print(json.dumps(proxy.stats()["totals"]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
