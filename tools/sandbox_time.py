"""The sandbox's clock: AWS's timings, sped up, where moto answers at once.

moto registers a target and reports it `healthy` in the same breath, forgets a deregistered target at once, keeps
the targets of terminated instances `healthy`, and answers Route 53's GetChange with `INSYNC` for any change. AWS
takes time for each of these, and those minutes are exactly what a blue/green deployment has to wait out. `install()`
patches moto, in the sandbox server's process, so that the same things take AWS's time divided by a speed factor:

- `BLUEGREEN_SANDBOX_TIME_FACTOR` (the server's environment): AWS seconds per sandbox second, 60 unless set, so
  that the default health check (5 checks 30 s apart, 150 s) takes 2.5 s and the default deregistration delay
  (300 s) 5 s: every state lasts longer than the tests' and the demo's poll interval of 1 s, and make test stays
  within its time. 0 turns the model off: moto's timings, everything at once.

What it models, each after the AWS documentation named:

- Target health, Elastic Load Balancing User Guide for Application Load Balancers, "Health checks for your target
  groups" (target health states and reason codes):
  - a registered target is `initial` (Elb.InitialHealthChecking) until HealthyThresholdCount x
    HealthCheckIntervalSeconds of its target group have passed, then `healthy`. The guide says a newly registered
    target must pass one health check; the sandbox takes the whole threshold, the slower of the two, so that nothing
    that passes here can be too quick for AWS;
  - the first of those seconds start when the instance has booted: a target whose instance launched less than
    `BOOT_SECONDS` ago is `initial` with Elb.RegistrationInProgress;
  - a target of a target group that no listener (default action or rule, any weight) forwards to is `unused`
    (Target.NotInUse): "Before the load balancer sends a health check request to a target, you must ... specify its
    target group in a listener rule";
  - an instance tagged (itself, or its image) `sandbox:health` = `unhealthy` never passes: `initial` until
    UnhealthyThresholdCount x HealthCheckIntervalSeconds, then `unhealthy` (Target.FailedHealthChecks). This is how
    tests and demos make a release that fails its health checks;
  - a deregistered target is `draining` (Target.DeregistrationInProgress) for the target group's
    `deregistration_delay.timeout_seconds` (300 unless set) when its target group is in use, and listed by
    DescribeTargetHealth until then ("Deregistration delay" in the same guide); then it is gone, as moto has it;
  - a terminated instance is deregistered from every target group as it terminates, so it drains rather than
    staying `healthy` for ever. Amazon EC2 Auto Scaling User Guide, "Use Elastic Load Balancing to distribute
    incoming application traffic in your Auto Scaling group": the group deregisters an instance from its target
    groups before terminating it, and waits for the deregistration delay.
- Route 53: ChangeResourceRecordSets answers a change of its own id, `PENDING` until `DNS_PROPAGATION_SECONDS`
  have passed, then `INSYNC` (Route 53 API Reference, GetChange: "PENDING indicates that the changes in this
  request have not propagated to all Amazon Route 53 DNS servers managing the hosted zone"). GetChange of an id the
  sandbox did not give (moto's fixed ids of other operations) stays moto's `INSYNC`.

The times are kept on moto's own objects (wall-clock seconds), so that the snapshots of tools/sandbox_snapshot.py
hold them; a snapshot restored later finds its targets as settled as they were, or more.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
import uuid
from typing import Any

FACTOR_VARIABLE = "BLUEGREEN_SANDBOX_TIME_FACTOR"
DEFAULT_FACTOR = 60.0
# How long an instance takes from launch to answering health checks, in AWS seconds: a Linux AMI's typical boot.
BOOT_SECONDS = 30.0
# How long a Route 53 change takes to reach every DNS server, in AWS seconds ("generally within 60 seconds").
DNS_PROPAGATION_SECONDS = 60.0
UNHEALTHY_TAG = "sandbox:health"

_state = {"factor": DEFAULT_FACTOR}


def speed_factor(environ: dict[str, str] | None = None) -> float:
    """AWS seconds per sandbox second, from the environment; 0 means moto's timings."""
    text = (os.environ if environ is None else environ).get(FACTOR_VARIABLE, "").strip()
    if not text:
        return DEFAULT_FACTOR
    value = float(text)
    if value < 0:
        raise ValueError(f"{FACTOR_VARIABLE} {text} is negative: use 0 (off) or AWS seconds per sandbox second")
    return value


def aws_seconds_since(moment: float | None) -> float:
    """How many AWS seconds have passed since ``moment`` (wall-clock seconds), under the speed factor."""
    if moment is None or not _state["factor"]:
        return float("inf")
    return max(0.0, (time.time() - moment) * _state["factor"])


# ---------------------------------------------------------------------------------------------------------------
# Target health: pure decisions first, then the patches that feed them.


def target_state(
    in_use: bool,
    booted_for: float,
    registered_for: float,
    failing: bool,
    healthy_threshold: int,
    unhealthy_threshold: int,
    interval: int,
) -> tuple[str, str | None, str | None]:
    """(State, Reason, Description) of a registered target, given how long (AWS seconds) things have been so."""
    if not in_use:
        return ("unused", "Target.NotInUse", "Target group is not configured to receive traffic from the load balancer")
    if booted_for < BOOT_SECONDS:
        return ("initial", "Elb.RegistrationInProgress", "Target registration is in progress")
    checked_for = min(registered_for, booted_for - BOOT_SECONDS)
    if failing:
        if checked_for < unhealthy_threshold * interval:
            return ("initial", "Elb.InitialHealthChecking", "Initial health checks in progress")
        return ("unhealthy", "Target.FailedHealthChecks", "Health checks failed")
    if checked_for < healthy_threshold * interval:
        return ("initial", "Elb.InitialHealthChecking", "Initial health checks in progress")
    return ("healthy", None, None)


def forwarded_target_groups(elbv2_backend: Any) -> set[str]:
    """ARNs of the target groups some listener forwards to, by its default action or a rule, at any weight."""
    found = set()
    for balancer in elbv2_backend.load_balancers.values():
        for listener in balancer.listeners.values():
            actions = list(listener.default_actions or [])
            for rule in listener.rules.values():
                actions += list(rule.actions or [])
            for action in actions:
                if action.type == "forward":
                    found.update(elbv2_backend._get_target_group_arns_from(action_data=action.data))
    return found


def _elbv2_backend(target_group: Any) -> Any:
    from moto.elbv2.models import elbv2_backends

    return elbv2_backends[target_group.account_id][target_group.region_name]


def _times(target_group: Any) -> tuple[dict[str, float], dict[str, tuple[float, dict[str, Any]]]]:
    """The target group's registration times and draining targets, kept on it so that snapshots hold them."""
    if not hasattr(target_group, "sandbox_registered_at"):
        target_group.sandbox_registered_at = {}
    if not hasattr(target_group, "sandbox_draining"):
        target_group.sandbox_draining = {}
    return target_group.sandbox_registered_at, target_group.sandbox_draining


def _delay(target_group: Any) -> float:
    return float(target_group.attributes.get("deregistration_delay.timeout_seconds", 300))


def _is_failing(ec2_backend: Any, instance: Any) -> bool:
    for resource in (instance.id, getattr(instance, "image_id", None)):
        if resource and ec2_backend.tags.get(resource, {}).get(UNHEALTHY_TAG) == "unhealthy":
            return True
    return False


def _start_draining(target_group: Any, target_ids: list[str], now: float) -> None:
    registered, draining = _times(target_group)
    in_use = target_group.arn in forwarded_target_groups(_elbv2_backend(target_group))
    for target_id in target_ids:
        target = target_group.targets.get(target_id)
        registered.pop(target_id, None)
        if target is not None and in_use and _delay(target_group) > 0:
            draining[target_id] = (now, dict(target))


def _still_draining(target_group: Any) -> dict[str, dict[str, Any]]:
    draining = _times(target_group)[1]
    for target_id, (since, _target) in list(draining.items()):
        if target_id in target_group.targets or aws_seconds_since(since) >= _delay(target_group):
            del draining[target_id]
    return {target_id: target for target_id, (since, target) in draining.items()}


def _install_elbv2() -> None:
    from moto.elbv2 import models as elbv2_models

    target_group_class = elbv2_models.FakeTargetGroup
    register, deregister, health_for = (
        target_group_class.register,
        target_group_class.deregister,
        target_group_class.health_for,
    )

    def register_timed(self: Any, targets: list[dict[str, Any]]) -> None:
        new = [target["Id"] for target in targets if target["Id"] not in self.targets]
        register(self, targets)
        registered, draining = _times(self)
        now = time.time()
        for target_id in new:
            registered[target_id] = now
            draining.pop(target_id, None)

    def deregister_draining(self: Any, targets: list[dict[str, Any]]) -> None:
        known = [target["Id"] for target in targets if target["Id"] in self.targets]
        _start_draining(self, known, time.time())
        deregister(self, targets)

    def health_timed(self: Any, target: dict[str, Any], ec2_backend: Any) -> Any:
        if not _state["factor"]:
            return health_for(self, target, ec2_backend)
        registered, draining = _times(self)
        current = self.targets.get(target["Id"])
        if current is None:
            if target["Id"] in _still_draining(self):
                port = target.get("Port") or draining[target["Id"]][1].get("Port", self.port)
                return elbv2_models.FakeHealthStatus(
                    target["Id"],
                    port,
                    self.health_check_port,
                    "draining",
                    "Target.DeregistrationInProgress",
                    "Target deregistration is in progress",
                )
            return health_for(self, target, ec2_backend)
        found = health_for(self, target, ec2_backend)
        if found.status != "healthy":
            return found
        instance = ec2_backend.get_instance_by_id(current["Id"]) if current["Id"].startswith("i-") else None
        state, reason, description = target_state(
            in_use=self.arn in forwarded_target_groups(_elbv2_backend(self)),
            # An instance launched before the model was installed has no launch time: booted long ago.
            booted_for=aws_seconds_since(getattr(instance, "sandbox_launched_at", None)),
            registered_for=aws_seconds_since(registered.get(current["Id"])),
            failing=instance is not None and _is_failing(ec2_backend, instance),
            healthy_threshold=int(self.healthy_threshold_count),
            unhealthy_threshold=int(self.unhealthy_threshold_count),
            interval=int(self.health_check_interval_seconds),
        )
        return elbv2_models.FakeHealthStatus(
            current["Id"], current["Port"], self.health_check_port, state, reason, description
        )

    backend_class = elbv2_models.ELBv2Backend
    describe_target_health = backend_class.describe_target_health

    def describe_with_draining(self: Any, target_group_arn: str, targets: list[dict[str, Any]]) -> list[Any]:
        target_group = self.target_groups.get(target_group_arn)
        if targets or target_group is None or not _state["factor"]:
            return describe_target_health(self, target_group_arn, targets)
        listed = list(target_group.targets.values()) + list(_still_draining(target_group).values())
        return [target_group.health_for(target, self.ec2_backend) for target in listed]

    target_group_class.register = register_timed
    target_group_class.deregister = deregister_draining
    target_group_class.health_for = health_timed
    backend_class.describe_target_health = describe_with_draining


def _install_ec2() -> None:
    from moto.ec2.models import instances as instance_models
    from moto.elbv2.models import elbv2_backends

    instance_class = instance_models.Instance
    backend_class = instance_models.InstanceBackend
    init = instance_class.__init__
    terminate_instances = backend_class.terminate_instances

    def init_timed(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self.sandbox_launched_at = time.time()

    def terminate_deregistering(self: Any, instance_ids: list[str]) -> Any:
        # As an Auto Scaling group does before it terminates: the instances leave their target groups and drain.
        done = terminate_instances(self, instance_ids)
        backend = elbv2_backends[self.account_id][self.region_name]
        now = time.time()
        for target_group in backend.target_groups.values():
            gone = [instance_id for instance_id in instance_ids if instance_id in target_group.targets]
            if gone:
                _start_draining(target_group, gone, now)
                for instance_id in gone:
                    target_group.targets.pop(instance_id, None)
        return done

    instance_class.__init__ = init_timed
    backend_class.terminate_instances = terminate_deregistering


# ---------------------------------------------------------------------------------------------------------------
# Route 53 changes.


def change_status(submitted: float | None) -> str:
    """PENDING until the change has had DNS_PROPAGATION_SECONDS (AWS seconds), then INSYNC; unknown ids INSYNC."""
    if submitted is None:
        return "INSYNC"
    return "INSYNC" if aws_seconds_since(submitted) >= DNS_PROPAGATION_SECONDS else "PENDING"


def _install_route53() -> None:
    from moto.route53 import responses as route53_responses

    response_class = route53_responses.Route53
    change_resource_record_sets = response_class.change_resource_record_sets
    get_change = response_class.get_change

    def changes(backend: Any) -> dict[str, float]:
        if not hasattr(backend, "sandbox_changes"):
            backend.sandbox_changes = {}
        return backend.sandbox_changes

    def change_with_own_id(self: Any) -> Any:
        result = change_resource_record_sets(self)
        if not _state["factor"]:
            return result
        change_id = "/change/C" + uuid.uuid4().hex[:20].upper()
        changes(self.backend)[change_id] = time.time()
        info = result.result["ChangeInfo"]
        info["Id"] = change_id
        info["Status"] = "PENDING"
        return result

    def get_change_timed(self: Any) -> Any:
        result = get_change(self)
        info = result.result["ChangeInfo"]
        change_id = info["Id"] if info["Id"].startswith("/change/") else "/change/" + info["Id"]
        info["Status"] = change_status(changes(self.backend).get(change_id))
        return result

    response_class.change_resource_record_sets = change_with_own_id
    response_class.get_change = get_change_timed


# ---------------------------------------------------------------------------------------------------------------
# The control endpoint, served by the sandbox server next to moto's routes; not an AWS API, never recorded.

PATH = "/_sandbox/clock"


def request_factor(endpoint: str, factor: float | None = None) -> float:
    """The speed factor of the sandbox server at ``endpoint``, set to ``factor`` first when given: the client side of
    PATH, for the tests and the benchmark."""
    data = None if factor is None else json.dumps({"factor": factor}).encode("utf-8")
    request = urllib.request.Request(
        f"{endpoint}{PATH}",
        data=data,
        method="GET" if data is None else "POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return float(json.loads(response.read())["factor"])


def control(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """GET /_sandbox/clock: {"factor": F}. POST /_sandbox/clock {"factor": F}: set the speed factor (0 or more).

    For tests that are about the order of events rather than their timing (tests/sandbox/test_codedeploy_sandbox.py
    counts the reads of each lifecycle event): they set 0 for the time they run, and put the factor back.
    """
    method = environ.get("REQUEST_METHOD", "GET")
    status, body = 200, {"factor": _state["factor"]}
    if method == "POST":
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            factor = float(json.loads(environ["wsgi.input"].read(length) or b"{}")["factor"])
            if factor < 0:
                raise ValueError(f"factor {factor} is negative")
            _state["factor"] = factor
            body = {"factor": factor}
        except (KeyError, TypeError, ValueError) as error:
            status, body = 400, {"error": f'POST {PATH} wants {{"factor": F}} with F >= 0: {error}'}
    elif method != "GET":
        status, body = 400, {"error": f"{method} {PATH}: GET or POST"}
    data = json.dumps(body).encode("utf-8")
    reason = "OK" if status == 200 else "Bad Request"
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def install() -> None:
    """Patch moto, in the sandbox server's process, with the speed factor of its environment."""
    _state["factor"] = speed_factor()
    _install_elbv2()
    _install_ec2()
    _install_route53()
