"""The sandbox's CodeDeploy: moto's backend, extended so that EC2 deployments run as they do in AWS.

moto stores applications, deployment groups and deployments, but a deployment never leaves "Created" and several
operations are missing. `install()` adds, in the moto server's process:

- the missing operations, with AWS's request and response shapes and error codes: UpdateDeploymentGroup,
  DeleteDeploymentGroup, DeleteApplication, BatchGetDeploymentGroups, StopDeployment, ContinueDeployment,
  ListDeploymentTargets, BatchGetDeploymentTargets, GetDeploymentTarget, ListDeploymentInstances,
  BatchGetDeploymentInstances and GetDeploymentInstance;
- what moto leaves empty: a deployment's errorInformation, rollbackInfo, previousRevision, start and completion
  times, deploymentOverview and instanceTerminationWaitTimeStarted; a deployment group's lastAttemptedDeployment,
  lastSuccessfulDeployment and targetRevision;
- a lifecycle engine, below, and the outcome queue that tests and demos use to make a deployment fail or hang.

How a deployment moves. AWS runs a deployment by itself; the sandbox moves it one stage each time a client reads
it (GetDeployment, BatchGetDeployments, BatchGetDeploymentTargets), so that a poller sees every stage, always in the
same order:

- read 1 shows "Created";
- read 2 starts it: "InProgress", the targets are known (blue/green: the replacement Auto Scaling group
  `CodeDeploy_<group>_<deployment id>` exists) and the first lifecycle event of the first batch is InProgress;
- every further read completes the current event on the instances of the current batch and starts the next one,
  so that each event takes one read. Instances are deployed in batches as the deployment configuration says
  (OneAtATime: 1, HalfAtATime: half rounded down, AllAtOnce: all), the instances of a batch in step;
- in-place: the read that completes the last event of the last batch shows "Succeeded". With B batches and E events
  (7, or 13 with traffic control) that is read 2 + B x E;
- blue/green: the replacement instances run the 7 install events per batch; the read that completes the last
  (read 2 + B x 7) shows "Ready" when deploymentReadyOption.actionOnTimeout is STOP_DEPLOYMENT, and stays there until
  ContinueDeployment(READY_WAIT), which at once starts BeforeAllowTraffic, or until waitTimeInMinutes (real minutes,
  counted from "Ready"; 0 waits for ever) have passed, when a read stops it as AWS does ("Stopped", errorInformation
  TIMEOUT, the replacement group left in place). With CONTINUE_DEPLOYMENT the same read
  starts BeforeAllowTraffic. The 3 allow-traffic events on the replacement instances then the 3 block-traffic events
  on the original ones take one read each, AllowTraffic more (it attaches the replacement group to the target
  groups, and lasts until the load balancer finds its instances healthy on the sandbox's clock,
  tools/sandbox_time.py; BlockTraffic detaches the original group); the 6th read ends in the termination wait (terminationWaitTimeInMinutes
  > 0: instanceTerminationWaitTimeStarted is true, still "InProgress") or, without a wait, in the termination
  (or KEEP_ALIVE), which the next read performs and reports "Succeeded". After ContinueDeployment(TERMINATION_WAIT),
  the next read terminates the original group and reports "Succeeded". The sandbox does not count a termination
  wait's minutes: it lasts until ContinueDeployment (or StopDeployment).

A failed event fails its instance, whose later events are Skipped. When the instances can no longer meet the
deployment configuration's minimum of healthy hosts (checked after each batch), the deployment is "Failed" with
errorInformation HEALTH_CONSTRAINTS and the instances not deployed to are Skipped.

A rollback (automatic on DEPLOYMENT_FAILURE, or StopDeployment with autoRollbackEnabled) is a new deployment, as in
AWS (creator codeDeployRollback): in-place, the last successful revision deployed again; blue/green, the original
instances allow traffic again, the replacement ones block it, and the replacement group is deleted. It moves when it
is read, and also each time the deployment that triggered it is read.

Outcomes. By default every event succeeds. POST /_sandbox/codedeploy/outcomes queues an outcome for a deployment
group, which the next CreateDeployment in that group takes: see `control()` for the contract.

The pure functions at the top (event order, batches, health verdicts, status decisions) take plain data; the
classes below them hold moto's objects.
"""

from __future__ import annotations

import collections
import copy
import dataclasses
import json
import math
import random
import string
import threading
import urllib.parse
from collections.abc import Iterable
from collections.abc import Sequence
from datetime import datetime
from datetime import timedelta
from typing import Any

from moto.autoscaling.models import autoscaling_backends
from moto.codedeploy import models as codedeploy_models
from moto.codedeploy import responses as codedeploy_responses
from moto.codedeploy.exceptions import CodeDeployException
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.responses import ActionResult
from moto.core.responses import EmptyResult
from moto.core.utils import utcnow
from moto.ec2.models import ec2_backends
from moto.elbv2.exceptions import TargetGroupNotFoundError
from moto.elbv2.models import elbv2_backends
from moto.s3.exceptions import MissingBucket
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition

import sandbox_lifecycle

# ---------------------------------------------------------------------------------------------------------------
# Pure logic: plain data in, plain data out.

INSTALL_EVENTS = (
    "ApplicationStop",
    "DownloadBundle",
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "ApplicationStart",
    "ValidateService",
)
BLOCK_TRAFFIC_EVENTS = ("BeforeBlockTraffic", "BlockTraffic", "AfterBlockTraffic")
ALLOW_TRAFFIC_EVENTS = ("BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic")
ALL_EVENTS = BLOCK_TRAFFIC_EVENTS + INSTALL_EVENTS + ALLOW_TRAFFIC_EVENTS
# Run by the CodeDeploy agent or the service itself, never by a script of the AppSpec file.
RESERVED_EVENTS = frozenset({"DownloadBundle", "Install", "BlockTraffic", "AllowTraffic"})
# The events whose failures ignoreApplicationStopFailures lets the deployment go past.
STOP_EVENTS = frozenset({"ApplicationStop", "BeforeBlockTraffic", "AfterBlockTraffic"})

IN_PLACE = "IN_PLACE"
BLUE_GREEN = "BLUE_GREEN"
BLUE_GREEN_ROLLBACK = "BLUE_GREEN_ROLLBACK"

ORIGINAL = "Blue"
REPLACEMENT = "Green"

FINAL_STATUSES = frozenset({"Succeeded", "Failed", "Stopped"})
ACTIVE_STATUSES = frozenset({"Created", "Queued", "InProgress", "Baking", "Ready"})
TARGET_STATUSES = ("Pending", "InProgress", "Succeeded", "Failed", "Skipped", "Unknown", "Ready")
SERVER_CONFIGS = ("CodeDeployDefault.OneAtATime", "CodeDeployDefault.HalfAtATime", "CodeDeployDefault.AllAtOnce")

OUTCOMES = ("succeed", "fail", "hold")
OUTCOME_FIELDS = frozenset(
    {"application", "deployment_group", "region", "account", "outcome", "event", "instance_index"}
    | {"error_code", "script_name", "message", "log_tail"}
)
LIFECYCLE_ERROR_CODES = ("ScriptMissing", "ScriptNotExecutable", "ScriptTimedOut", "ScriptFailed", "UnknownError")
DEFAULT_OUTCOME_EVENT = "ValidateService"
DEFAULT_SCRIPT = "bluegreen/run-hook.sh"

# AWS's words, where a real response was available to copy them from.
HEALTH_CONSTRAINTS_MESSAGE = (
    "The overall deployment failed because too many individual instances failed deployment, too few healthy "
    "instances are available for deployment, or some instances in your deployment group are experiencing problems."
)
NO_INSTANCES_MESSAGE = (
    "The deployment failed because no instances were found for your deployment group. Check your deployment group "
    "settings to make sure the tags for your Amazon EC2 instances or Auto Scaling groups correctly identify the "
    "instances you want to deploy to, and then try again."
)
# Not confirmed against AWS: no published example shows these.
MANUAL_STOP_MESSAGE = "The deployment was stopped by the user."
READY_TIMEOUT_MESSAGE = "The deployment was stopped because traffic was not rerouted before the wait time ran out."
NO_ROLLBACK_MESSAGE = "Automatic rollback was not triggered: the deployment group has no successful deployment."


@dataclasses.dataclass(frozen=True)
class Phase:
    """One part of a deployment's plan: lifecycle events on one fleet, a wait, or an action on Auto Scaling groups."""

    kind: str  # events | ready_wait | termination_wait | terminate_originals | keep_originals | remove_replacement
    label: str | None = None
    events: tuple[str, ...] = ()
    batched: bool = False


def in_place_events(traffic_control: bool) -> tuple[str, ...]:
    """The lifecycle events of an in-place deployment, in the order CodeDeploy runs them on an instance."""
    return BLOCK_TRAFFIC_EVENTS + INSTALL_EVENTS + ALLOW_TRAFFIC_EVENTS if traffic_control else INSTALL_EVENTS


def plan(
    kind: str,
    traffic_control: bool = False,
    ready_action: str = "CONTINUE_DEPLOYMENT",
    termination_action: str = "TERMINATE",
    termination_wait: int = 0,
) -> tuple[Phase, ...]:
    """The phases of a deployment, from the deployment group's settings (kind: IN_PLACE, BLUE_GREEN or its rollback)."""
    if kind == IN_PLACE:
        return (Phase("events", ORIGINAL, in_place_events(traffic_control), batched=True),)
    if kind == BLUE_GREEN_ROLLBACK:
        return (
            Phase("events", ORIGINAL, ALLOW_TRAFFIC_EVENTS),
            Phase("events", REPLACEMENT, BLOCK_TRAFFIC_EVENTS),
            Phase("remove_replacement"),
        )
    phases = [Phase("events", REPLACEMENT, INSTALL_EVENTS, batched=True)]
    if ready_action == "STOP_DEPLOYMENT":
        phases.append(Phase("ready_wait"))
    phases += [Phase("events", REPLACEMENT, ALLOW_TRAFFIC_EVENTS), Phase("events", ORIGINAL, BLOCK_TRAFFIC_EVENTS)]
    if termination_action == "TERMINATE":
        if termination_wait > 0:
            phases.append(Phase("termination_wait"))
        phases.append(Phase("terminate_originals"))
    else:
        phases.append(Phase("keep_originals"))
    return tuple(phases)


def label_events(phases: Sequence[Phase], label: str) -> tuple[str, ...]:
    """The lifecycle events an instance with this label goes through, in order."""
    return tuple(event for phase in phases if phase.label == label for event in phase.events)


def config_rule(config_name: str | None) -> str:
    """AllAtOnce, HalfAtATime or OneAtATime: the predefined configuration a name stands for (OneAtATime by default)."""
    for rule in ("AllAtOnce", "HalfAtATime"):
        if config_name and config_name.endswith(rule):
            return rule
    return "OneAtATime"


def batch_sizes(config_name: str | None, count: int) -> list[int]:
    """How many instances each batch deploys to at once: OneAtATime 1, HalfAtATime half rounded down, AllAtOnce all."""
    rule = config_rule(config_name)
    size = count if rule == "AllAtOnce" else max(1, count // 2) if rule == "HalfAtATime" else 1
    sizes = []
    while count > 0:
        sizes.append(min(size, count))
        count -= sizes[-1]
    return sizes


def phase_verdict(config_name: str | None, total: int, succeeded: int, failed: int, pending: int) -> str:
    """'fail' when the instances can no longer meet the configuration's minimum of healthy hosts, else 'continue'.

    AllAtOnce fails only when no instance succeeded; HalfAtATime when fewer than half (rounded up) can still succeed;
    OneAtATime on any failure, except a failure on the last of several instances.
    """
    if failed == 0:
        return "continue"
    rule = config_rule(config_name)
    if rule == "AllAtOnce":
        return "fail" if succeeded == 0 and pending == 0 else "continue"
    if rule == "HalfAtATime":
        return "fail" if succeeded + pending < math.ceil(total / 2) else "continue"
    return "continue" if total > 1 and failed == 1 and pending == 0 else "fail"


def overview(statuses: Iterable[str]) -> dict[str, int]:
    """A deploymentOverview: how many targets are in each status."""
    counts = collections.Counter(statuses)
    return {key: counts.get(key, 0) for key in ("Pending", "InProgress", "Succeeded", "Failed", "Skipped", "Ready")}


def continue_refusal(status: str, kind: str, phase_kind: str | None, wait_type: str) -> str | None:
    """The exception ContinueDeployment raises for a deployment in this state, or None when it may continue."""
    if wait_type not in ("READY_WAIT", "TERMINATION_WAIT"):
        return "InvalidDeploymentWaitTypeException"
    if status in FINAL_STATUSES:
        return "DeploymentAlreadyCompletedException"
    if kind != BLUE_GREEN:
        return "UnsupportedActionForDeploymentTypeException"
    if wait_type == "READY_WAIT":
        return None if phase_kind == "ready_wait" else "DeploymentIsNotInReadyStateException"
    return None if phase_kind == "termination_wait" else "InvalidDeploymentStatusException"


def stop_refusal(status: str) -> str | None:
    """The exception StopDeployment raises for a deployment in this status, or None."""
    return "DeploymentAlreadyCompletedException" if status in ("Succeeded", "Failed") else None


def rolls_back(config: dict | None, event: str, requested: bool | None = None) -> bool:
    """Whether a deployment rolls back on an event (DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_REQUEST).

    StopDeployment's autoRollbackEnabled, when given, decides over the configuration.
    """
    if requested is not None:
        return requested
    config = config or {}
    return bool(config.get("enabled")) and event in (config.get("events") or [])


def new_deployment_id(rng: random.Random | None = None) -> str:
    """A deployment id in AWS's format: d- and nine capital letters or digits."""
    alphabet = string.ascii_uppercase + string.digits
    return "d-" + "".join((rng or random).choice(alphabet) for position in range(9))


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What happens to the next deployment of a group: every event succeeds, one fails, or one never ends."""

    kind: str = "succeed"
    event: str = DEFAULT_OUTCOME_EVENT
    instance_index: int = 0
    error_code: str = ""
    script_name: str = ""
    message: str = ""
    log_tail: str = ""

    def applies(self, kind: str, event: str, index: int) -> bool:
        return self.kind == kind and self.event == event and self.instance_index == index

    def diagnostics(self) -> dict[str, str]:
        return {
            "errorCode": self.error_code,
            "scriptName": self.script_name,
            "message": self.message,
            "logTail": self.log_tail,
        }

    def as_dict(self) -> dict[str, Any]:
        fields = dataclasses.asdict(self)
        return {"outcome": fields.pop("kind"), **fields}


def parse_outcome(payload: dict[str, Any]) -> Outcome:
    """An Outcome from the control endpoint's JSON, with AWS-like defaults; ValueError says what is wrong."""
    kind = payload.get("outcome", "succeed")
    if kind not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {kind!r}")
    event = payload.get("event") or DEFAULT_OUTCOME_EVENT
    if event not in ALL_EVENTS:
        raise ValueError(f"event must be an EC2 lifecycle event ({', '.join(ALL_EVENTS)}), not {event!r}")
    index = payload.get("instance_index", 0)
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise ValueError(f"instance_index must be an integer >= 0, not {index!r}")
    unknown = set(payload) - OUTCOME_FIELDS
    if unknown:
        raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
    if kind != "fail":
        return Outcome(kind=kind, event=event, instance_index=index)
    reserved = event in RESERVED_EVENTS
    script = payload.get("script_name", "" if reserved else DEFAULT_SCRIPT)
    error_code = payload.get("error_code") or ("UnknownError" if reserved else "ScriptFailed")
    if error_code not in LIFECYCLE_ERROR_CODES:
        raise ValueError(f"error_code must be one of {', '.join(LIFECYCLE_ERROR_CODES)}, not {error_code!r}")
    if script:
        default_message = f"Script at specified location: {script} failed with exit code 1"
        default_log = f"LifecycleEvent - {event}\nScript - {script}\n"
    else:
        default_message, default_log = f"{event} failed", ""
    return Outcome(
        kind=kind,
        event=event,
        instance_index=index,
        error_code=error_code,
        script_name=script,
        message=payload.get("message") or default_message,
        log_tail=payload.get("log_tail", default_log),
    )


# ---------------------------------------------------------------------------------------------------------------
# The engine, on moto's objects.

_LOCK = threading.RLock()
SUCCESS_DIAGNOSTICS = {"errorCode": "Success", "scriptName": "", "message": "Succeeded", "logTail": ""}


def _error(code: str, message: str) -> CodeDeployException:
    error = CodeDeployException(code, message)
    error.code = 400
    return error


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """Without the keys AWS leaves out when they have no value."""
    return {key: value for key, value in data.items() if value is not None and value != {}}


def _instance_id(value: str) -> str:
    """An instance id from an instance id or an instance ARN."""
    return value.rsplit("/", 1)[-1]


@dataclasses.dataclass
class LifecycleEvent:
    name: str
    status: str = "Pending"
    start: datetime | None = None
    end: datetime | None = None
    diagnostics: dict[str, str] | None = None

    def as_dict(self) -> dict[str, Any]:
        return _compact(
            {
                "lifecycleEventName": self.name,
                "diagnostics": self.diagnostics,
                "startTime": self.start,
                "endTime": self.end,
                "status": self.status,
            }
        )


@dataclasses.dataclass
class Target:
    instance_id: str
    arn: str
    label: str
    events: list[LifecycleEvent]
    status: str = "Pending"
    updated: datetime = dataclasses.field(default_factory=utcnow)

    def event(self, name: str) -> LifecycleEvent:
        return next(event for event in self.events if event.name == name)

    def begin(self, name: str, now: datetime) -> None:
        self.status = "InProgress"
        event = self.event(name)
        event.status, event.start = "InProgress", now
        self.updated = now

    def skip_rest(self, now: datetime, in_progress: str = "Skipped") -> None:
        for event in self.events:
            if event.status == "InProgress":
                event.status, event.end = in_progress, now
            elif event.status == "Pending":
                event.status = "Skipped"
        self.updated = now


@dataclasses.dataclass
class Run:
    """What moto's DeploymentInfo lacks to run: the plan, where it stands, the targets and the outcome."""

    deployment: Any
    kind: str
    config: str
    phases: tuple[Phase, ...]
    outcome: Outcome
    auto_rollback: dict[str, Any]
    ignore_stop_failures: bool = False
    traffic_control: bool = False
    ready_wait: int = 0
    target_group_names: list[str] = dataclasses.field(default_factory=list)
    originals: list[str] = dataclasses.field(default_factory=list)
    replacement: str | None = None
    bundle_error: str | None = None
    previous_revision: dict[str, Any] | None = None
    targets: list[Target] = dataclasses.field(default_factory=list)
    target_groups: list[str] = dataclasses.field(default_factory=list)
    reads: int = 0
    phase: int = -1
    batches: list[list[Target]] = dataclasses.field(default_factory=list)
    batch: int = 0
    step: int = 0
    wait_started: datetime | None = None
    error: dict[str, str] | None = None
    rollback: dict[str, str] | None = None
    rollback_id: str | None = None
    # The group's settings when the deployment was created, which DeploymentInfo reports whatever the group became.
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def current(self) -> Phase | None:
        return self.phases[self.phase] if 0 <= self.phase < len(self.phases) else None

    def label_index(self, target: Target) -> int:
        return [item for item in self.targets if item.label == target.label].index(target)


class Extension:
    """The sandbox's CodeDeploy state for one account and region, kept on moto's backend so /moto-api/reset drops it."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.runs: dict[str, Run] = {}
        self.outcomes: dict[tuple[str, str], collections.deque[Outcome]] = collections.defaultdict(collections.deque)

    # Other services of the same account and region, in process: these calls are not HTTP requests, so the
    # recorder does not log them as the module's API calls.
    @property
    def autoscaling(self) -> Any:
        return autoscaling_backends[self.backend.account_id][self.backend.region_name]

    @property
    def elbv2(self) -> Any:
        return elbv2_backends[self.backend.account_id][self.backend.region_name]

    @property
    def ec2(self) -> Any:
        return ec2_backends[self.backend.account_id][self.backend.region_name]

    @property
    def s3(self) -> Any:
        return s3_backends[self.backend.account_id][get_partition(self.backend.region_name)]

    # The deployment group's history.

    def group_deployments(self, group: Any) -> list[Any]:
        deployments = [item for item in self.backend.deployments.values() if item.deployment_group is group]
        return sorted(deployments, key=lambda item: item.create_time)

    def last_successful(self, group: Any, before: Any = None) -> Any:
        found = [item for item in self.group_deployments(group) if item.status == "Succeeded" and item is not before]
        return found[-1] if found else None

    # Creating a deployment.

    def create_deployment(self, application_name: str, group_name: str, params: dict[str, Any]) -> str:
        backend = self.backend
        if not application_name:
            raise _error("ApplicationNameRequiredException", "The application name was not specified.")
        application = backend.get_application(application_name)
        if not group_name:
            raise _error("DeploymentGroupNameRequiredException", "Deployment group name is required.")
        group = backend.get_deployment_group(application_name, group_name)
        revision = params.get("revision")
        if not revision:
            raise _error("RevisionRequiredException", "RevisionLocation must be specified")
        config = params.get("deploymentConfigName") or str(group.deployment_config_name)
        if application.compute_platform in (None, "Server") and config not in SERVER_CONFIGS:
            raise _error(
                "DeploymentConfigDoesNotExistException", f"No deployment configuration found for name: {config}"
            )
        for other in self.group_deployments(group):
            if other.status in ACTIVE_STATUSES:
                raise _error(
                    "DeploymentLimitExceededException",
                    f"The Deployment Group '{group_name}' already has an active Deployment '{other.deployment_id}'",
                )
        deployment = codedeploy_models.DeploymentInfo(
            application,
            group,
            revision,
            config,
            params.get("description"),
            params.get("ignoreApplicationStopFailures"),
            params.get("targetInstances"),
            params.get("autoRollbackConfiguration"),
            params.get("updateOutdatedInstancesOnly"),
            params.get("fileExistsBehavior"),
            params.get("overrideAlarmConfiguration"),
            "user",
        )
        queue = self.outcomes.get((application_name, group_name))
        outcome = queue.popleft() if queue else Outcome()
        run = self._new_run(deployment, group, outcome)
        run.bundle_error = self.bundle_error(revision)
        self._register(deployment, run)
        return deployment.deployment_id

    def _new_run(self, deployment: Any, group: Any, outcome: Outcome, kind: str | None = None) -> Run:
        kind, traffic_control, phases = group_plan(group, kind)
        ready = (group.blue_green_deployment_configuration or {}).get("deploymentReadyOption") or {}
        last = self.last_successful(group)
        return Run(
            deployment=deployment,
            kind=kind,
            config=str(deployment.deployment_config_name),
            phases=phases,
            outcome=outcome,
            auto_rollback=deployment.auto_rollback_configuration or group.auto_rollback_configuration or {},
            ignore_stop_failures=bool(deployment.ignore_application_stop_failures),
            traffic_control=traffic_control,
            ready_wait=int(ready.get("waitTimeInMinutes") or 0),
            target_group_names=[
                item["name"] for item in (group.load_balancer_info or {}).get("targetGroupInfoList") or []
            ],
            originals=list(group.auto_scaling_groups),
            previous_revision=last.revision if last else None,
            settings=copy.deepcopy(
                {
                    "deploymentStyle": group.deployment_style,
                    "blueGreenDeploymentConfiguration": group.blue_green_deployment_configuration,
                    "loadBalancerInfo": group.load_balancer_info,
                }
            ),
        )

    def _register(self, deployment: Any, run: Run) -> None:
        deployment.deployment_id = new_deployment_id()
        while deployment.deployment_id in self.backend.deployments:
            deployment.deployment_id = new_deployment_id()
        self.backend.deployments[deployment.deployment_id] = deployment
        self.runs[deployment.deployment_id] = run

    def bundle_error(self, revision: dict[str, Any]) -> str | None:
        """The S3 error the agent would meet downloading the revision, None when the bundle is there (or not in S3).

        CreateDeployment accepts a revision whatever S3 holds: the instances fail later, at DownloadBundle.
        """
        if revision.get("revisionType") != "S3":
            return None
        location = revision.get("s3Location") or {}
        try:
            found = self.s3.get_object(location.get("bucket", ""), location.get("key", ""), location.get("version"))
        except MissingBucket:
            return "The specified bucket does not exist"
        return None if found is not None else "The specified key does not exist."

    # Reading: each read moves a deployment one stage.

    def read(self, deployment: Any) -> None:
        run = self.runs.get(deployment.deployment_id)
        if run is None:
            return
        rollback = self.runs.get(run.rollback_id) if run.rollback_id else None
        self.tick(run)
        if rollback is not None:
            self.tick(rollback)

    def tick(self, run: Run) -> None:
        deployment = run.deployment
        run.reads += 1
        if deployment.status in FINAL_STATUSES or run.reads == 1:
            return
        if deployment.status == "Created":
            self.start(run)
            return
        phase = run.current
        if phase.kind == "events":
            self.step(run, phase)
        elif phase.kind == "ready_wait":
            if run.ready_wait and utcnow() - run.wait_started >= timedelta(minutes=run.ready_wait):
                self.stop(run, {"code": "TIMEOUT", "message": READY_TIMEOUT_MESSAGE}, rollback=False)
        elif phase.kind == "termination_wait":
            return
        else:
            self.act(run, phase)
            self.enter(run, run.phase + 1)

    def start(self, run: Run) -> None:
        now = utcnow()
        deployment = run.deployment
        deployment.status, deployment.start_time = "InProgress", now
        try:
            run.target_groups = self.resolve_target_groups(run.target_group_names) if run.traffic_control else []
        except TargetGroupNotFoundError:
            names = ", ".join(run.target_group_names)
            self.fail(run, "ELASTIC_LOAD_BALANCING_INVALID", f"The target groups {names} could not be found.", False)
            return
        if run.kind == BLUE_GREEN:
            self.provision_replacement(run)
        fleets = {
            IN_PLACE: [(ORIGINAL, self.group_members(run.deployment.deployment_group))],
            BLUE_GREEN: [(REPLACEMENT, self.group_instances(run.replacement)), (ORIGINAL, self.originals(run))],
            BLUE_GREEN_ROLLBACK: [
                (ORIGINAL, self.originals(run)),
                (REPLACEMENT, self.group_instances(run.replacement)),
            ],
        }[run.kind]
        partition = get_partition(self.backend.region_name)
        prefix = f"arn:{partition}:ec2:{self.backend.region_name}:{self.backend.account_id}:instance"
        for label, instances in fleets:
            events = label_events(run.phases, label)
            run.targets += [
                Target(item, f"{prefix}/{item}", label, [LifecycleEvent(name) for name in events], updated=now)
                for item in instances
            ]
        if not any(target.label == run.phases[0].label for target in run.targets):
            self.fail(run, "NO_INSTANCES", NO_INSTANCES_MESSAGE, rollback=False)
            return
        self.enter(run, 0)

    def enter(self, run: Run, index: int) -> None:
        """Make phase `index` the current one and start it; past the last phase the deployment succeeded."""
        now = utcnow()
        while index < len(run.phases):
            run.phase, phase = index, run.phases[index]
            if phase.kind != "events":
                if phase.kind == "ready_wait":
                    run.deployment.status, run.wait_started = "Ready", now
                elif phase.kind == "termination_wait":
                    run.deployment.instance_termination_wait_time_started = True
                return
            fleet = [target for target in run.targets if target.label == phase.label and target.status != "Failed"]
            if fleet:
                run.deployment.status = "InProgress"
                sizes = batch_sizes(run.config, len(fleet)) if phase.batched else [len(fleet)]
                starts = [sum(sizes[:position]) for position in range(len(sizes))]
                run.batches = [fleet[first : first + size] for first, size in zip(starts, sizes)]
                run.batch, run.step = 0, 0
                for target in run.batches[0]:
                    target.begin(phase.events[0], now)
                return
            index += 1
        self.succeed(run)

    def step(self, run: Run, phase: Phase) -> None:
        """Complete the current event on the current batch, then start the next event, batch or phase."""
        now = utcnow()
        name = phase.events[run.step]
        active = [target for target in run.batches[run.batch] if target.status == "InProgress"]
        if any(run.outcome.applies("hold", name, run.label_index(target)) for target in active):
            return
        # AllowTraffic registers the instances and ends when the load balancer finds them healthy, as on AWS: the
        # first read registers them, and it and the reads after it wait for their health checks
        # (tools/sandbox_time.py; at once when its clock is stopped).
        if name == "AllowTraffic" and active and run.target_groups and not self.allowed(run, active):
            return
        done = []
        for target in active:
            event = target.event(name)
            event.end, target.updated = now, now
            failure = self.failure(run, name, target)
            if failure is None:
                event.status, event.diagnostics = "Succeeded", dict(SUCCESS_DIAGNOSTICS)
                done.append(target)
            elif run.ignore_stop_failures and name in STOP_EVENTS:
                event.status, event.diagnostics = "Failed", failure
                done.append(target)
            else:
                event.status, event.diagnostics = "Failed", failure
                target.status = "Failed"
                target.skip_rest(now)
        if done:
            self.move_traffic(run, name, done)
        run.step += 1
        if run.step < len(phase.events) and done:
            for target in done:
                target.begin(phase.events[run.step], now)
            return
        for target in done:
            installed = run.kind == BLUE_GREEN and phase.label == REPLACEMENT and phase.events == INSTALL_EVENTS
            target.status = "Ready" if installed else "Succeeded"
        finished = [target for batch in run.batches[: run.batch + 1] for target in batch]
        failed = sum(target.status == "Failed" for target in finished)
        pending = sum(len(batch) for batch in run.batches[run.batch + 1 :])
        total = len(finished) + pending
        if phase_verdict(run.config, total, len(finished) - failed, failed, pending) == "fail":
            self.fail(run, "HEALTH_CONSTRAINTS", HEALTH_CONSTRAINTS_MESSAGE)
            return
        run.batch, run.step = run.batch + 1, 0
        if run.batch < len(run.batches):
            for target in run.batches[run.batch]:
                target.begin(phase.events[0], now)
            return
        self.enter(run, run.phase + 1)

    def failure(self, run: Run, name: str, target: Target) -> dict[str, str] | None:
        if name == "DownloadBundle" and run.bundle_error:
            return {"errorCode": "UnknownError", "scriptName": "", "message": run.bundle_error, "logTail": ""}
        if run.outcome.applies("fail", name, run.label_index(target)):
            return run.outcome.diagnostics()
        return None

    def act(self, run: Run, phase: Phase) -> None:
        if phase.kind == "terminate_originals":
            for name in run.originals[:1]:
                self.delete_group(name)
        elif phase.kind == "remove_replacement":
            self.delete_group(run.replacement)

    # Endings.

    def succeed(self, run: Run) -> None:
        deployment = run.deployment
        deployment.status, deployment.complete_time = "Succeeded", utcnow()
        if run.kind == BLUE_GREEN and run.originals:
            # AWS points the deployment group at the replacement group once it serves the traffic.
            group = deployment.deployment_group
            group.auto_scaling_groups = [
                run.replacement if name == run.originals[0] else name for name in group.auto_scaling_groups
            ]

    def fail(self, run: Run, code: str, message: str, rollback: bool = True) -> None:
        now = utcnow()
        deployment = run.deployment
        deployment.status, deployment.complete_time = "Failed", now
        run.error = {"code": code, "message": message}
        for target in run.targets:
            if target.status in ("Pending", "InProgress", "Ready"):
                target.status = "Skipped"
                target.skip_rest(now)
        if rollback and rolls_back(run.auto_rollback, "DEPLOYMENT_FAILURE"):
            self.roll_back(run)

    def stop(self, run: Run, error: dict[str, str], rollback: bool) -> None:
        now = utcnow()
        deployment = run.deployment
        deployment.status, deployment.complete_time = "Stopped", now
        run.error = error
        for target in run.targets:
            if target.status == "InProgress":
                target.status = "Failed"
                target.skip_rest(now, in_progress="Failed")
            elif target.status in ("Pending", "Ready"):
                target.status = "Skipped"
                target.skip_rest(now)
        if rollback and run.phase >= 0:
            self.roll_back(run)

    def roll_back(self, run: Run) -> None:
        """Start the rollback deployment AWS creates: the last good revision again, or the original fleet again."""
        deployment = run.deployment
        group = deployment.deployment_group
        last = self.last_successful(group, before=deployment)
        if run.kind == IN_PLACE:
            if last is None:
                run.rollback = {"rollbackMessage": NO_ROLLBACK_MESSAGE}
                return
            kind = IN_PLACE
        elif run.kind == BLUE_GREEN and run.replacement:
            kind = BLUE_GREEN_ROLLBACK
        else:
            return
        rollback = codedeploy_models.DeploymentInfo(
            deployment.application,
            group,
            last.revision if last else deployment.revision,
            run.config,
            None,
            deployment.ignore_application_stop_failures,
            None,
            None,
            None,
            deployment.file_exists_behavior,
            None,
            "codeDeployRollback",
        )
        rollback_run = self._new_run(rollback, group, Outcome(), kind=kind)
        rollback_run.auto_rollback = {}
        rollback_run.originals = list(run.originals)
        rollback_run.replacement = run.replacement
        rollback_run.target_group_names = list(run.target_group_names)
        rollback_run.traffic_control = run.traffic_control
        self._register(rollback, rollback_run)
        rollback_id, deployment_id = rollback.deployment_id, deployment.deployment_id
        rollback_run.rollback = {
            "rollbackTriggeringDeploymentId": deployment_id,
            "rollbackMessage": f"Deployment {rollback_id} is triggered to roll back deployment {deployment_id}.",
        }
        run.rollback_id = rollback_id
        run.rollback = {
            "rollbackDeploymentId": rollback_id,
            "rollbackMessage": (
                f"Deployment {deployment_id} terminated. Automatic rollback is triggered with a DeploymentId "
                f"{rollback_id}."
            ),
        }

    # The fleets and the traffic, through moto's Auto Scaling, EC2 and ELBv2 backends.

    def group_instances(self, name: str | None) -> list[str]:
        group = self.autoscaling.autoscaling_groups.get(name) if name else None
        return [state.instance.id for state in group.active_instances()] if group else []

    def originals(self, run: Run) -> list[str]:
        return self.group_instances(run.originals[0]) if run.originals else []

    def group_members(self, group: Any) -> list[str]:
        """The running instances of a deployment group: its Auto Scaling groups' and those its EC2 tags select."""
        found = [item for name in group.auto_scaling_groups for item in self.group_instances(name)]
        tag_sets = [[group.ec2_tag_filters]] if group.ec2_tag_filters else []
        tag_sets += [(group.ec2_tag_set or {}).get("ec2TagSetList") or []]
        for tag_set in tag_sets:
            if tag_set and all(tag_set):
                for instance in self.ec2.all_instances():
                    tags = {item["key"]: item["value"] for item in instance.get_tags()}
                    if instance.state == "running" and all(_matches(tags, filters) for filters in tag_set):
                        found.append(instance.id)
        return list(dict.fromkeys(found))

    def provision_replacement(self, run: Run) -> None:
        """Copy the deployment group's Auto Scaling group, as COPY_AUTO_SCALING_GROUP does."""
        source = self.autoscaling.autoscaling_groups.get(run.originals[0]) if run.originals else None
        if source is None:
            return
        group_name = run.deployment.deployment_group.deployment_group_name
        name = f"CodeDeploy_{group_name}_{run.deployment.deployment_id}"
        launch_template = None
        if source.ec2_launch_template is not None and not source.mixed_instances_policy:
            launch_template = {"LaunchTemplateId": source.ec2_launch_template.id}
            if source.provided_launch_template_version:
                launch_template["Version"] = source.provided_launch_template_version
        tags = [
            {
                "Key": tag["Key"],
                "Value": tag.get("Value", ""),
                "PropagateAtLaunch": tag.get("PropagateAtLaunch", False),
                "ResourceId": name,
                "ResourceType": "auto-scaling-group",
            }
            for tag in source.tags
        ]
        self.autoscaling.create_auto_scaling_group(
            name=name,
            availability_zones=list(source.availability_zones),
            desired_capacity=source.desired_capacity,
            max_size=source.max_size,
            min_size=source.min_size,
            launch_config_name=getattr(source, "launch_configuration_name", None),
            launch_template=launch_template,
            vpc_zone_identifier=source.vpc_zone_identifier,
            default_cooldown=source.default_cooldown,
            health_check_period=source.health_check_grace_period,
            health_check_type=source.health_check_type,
            load_balancers=[],
            target_group_arns=[],
            placement_group=source.placement_group,
            termination_policies=list(source.termination_policies),
            tags=tags,
            capacity_rebalance=source.capacity_rebalance,
            new_instances_protected_from_scale_in=source.new_instances_protected_from_scale_in,
            mixed_instances_policy=copy.deepcopy(source.mixed_instances_policy),
        )
        run.replacement = name

    def resolve_target_groups(self, names: list[str]) -> list[str]:
        if not names:
            return []
        found = self.elbv2.describe_target_groups(load_balancer_arn=None, target_group_arns=[], names=names)
        return [item.arn for item in found]

    def move_traffic(self, run: Run, event: str, targets: list[Target]) -> None:
        """AllowTraffic registers instances with the target groups, BlockTraffic deregisters them."""
        if event not in ("AllowTraffic", "BlockTraffic") or not run.target_groups:
            return
        allow = event == "AllowTraffic"
        if run.kind == IN_PLACE:
            for target in targets:
                self.set_registered([target.instance_id], run.target_groups, allow)
            return
        # Blue/green moves whole groups: the fleet's Auto Scaling group is attached to or detached from the target
        # groups, so that it keeps its instances registered as it scales.
        fleet = targets[0].label
        group = run.replacement if fleet == REPLACEMENT else (run.originals[0] if run.originals else None)
        if group in self.autoscaling.autoscaling_groups:
            attached = self.autoscaling.autoscaling_groups[group].target_group_arns
            if not allow:
                self.detach(group, run.target_groups)
            elif not set(run.target_groups) <= set(attached):
                self.autoscaling.attach_load_balancer_target_groups(group, run.target_groups)

    def allowed(self, run: Run, targets: list[Target]) -> bool:
        """Whether the targets' instances are healthy in every target group; registers them the first time."""
        groups = [self.elbv2.target_groups[arn] for arn in run.target_groups if arn in self.elbv2.target_groups]
        ids = [target.instance_id for target in targets]
        if not all(instance_id in group.targets for group in groups for instance_id in ids):
            self.move_traffic(run, "AllowTraffic", targets)
        return all(
            group.health_for({"Id": instance_id}, self.elbv2.ec2_backend).status == "healthy"
            for group in groups
            for instance_id in ids
        )

    def set_registered(self, instance_ids: list[str], target_group_arns: list[str], registered: bool) -> None:
        for arn in target_group_arns:
            target_group = self.elbv2.target_groups.get(arn)
            if target_group is None:
                continue
            for instance_id in instance_ids:
                if registered and instance_id not in target_group.targets:
                    self.elbv2.register_targets(arn, [{"Id": instance_id, "Port": target_group.port}])
                elif not registered and instance_id in target_group.targets:
                    self.elbv2.deregister_targets(arn, [{"Id": instance_id}])

    def detach(self, group_name: str, target_group_arns: list[str]) -> None:
        group = self.autoscaling.autoscaling_groups[group_name]
        group.target_group_arns = [arn for arn in group.target_group_arns if arn not in target_group_arns]
        instance_ids = [state.instance.id for state in group.instance_states]
        self.set_registered(instance_ids, target_group_arns, registered=False)

    def delete_group(self, name: str | None) -> None:
        if name not in self.autoscaling.autoscaling_groups:
            return
        self.detach(name, list(self.autoscaling.autoscaling_groups[name].target_group_arns))
        # As AWS deletes it for CodeDeploy: "Delete in progress" until its instances have terminated.
        sandbox_lifecycle.force_delete(self.autoscaling, name)

    # What the API returns.

    def deployment_info(self, deployment: Any) -> dict[str, Any]:
        run = self.runs.get(deployment.deployment_id)
        if run is None:
            return codedeploy_responses._deployment_info(deployment)
        deployment.deployment_overview = overview(target.status for target in run.targets)
        return _compact(
            {
                "applicationName": deployment.application_name,
                "deploymentGroupName": deployment.deployment_group_name,
                "deploymentConfigName": str(deployment.deployment_config_name),
                "deploymentId": deployment.deployment_id,
                "previousRevision": run.previous_revision,
                "revision": deployment.revision,
                "status": deployment.status,
                "errorInformation": run.error,
                "createTime": deployment.create_time,
                "startTime": deployment.start_time,
                "completeTime": deployment.complete_time,
                "deploymentOverview": deployment.deployment_overview,
                "description": deployment.description,
                "creator": deployment.creator,
                "ignoreApplicationStopFailures": bool(deployment.ignore_application_stop_failures),
                "autoRollbackConfiguration": run.auto_rollback or None,
                "updateOutdatedInstancesOnly": bool(deployment.update_outdated_instances_only),
                "rollbackInfo": run.rollback,
                "deploymentStyle": run.settings.get("deploymentStyle"),
                "targetInstances": deployment.target_instances,
                "instanceTerminationWaitTimeStarted": bool(deployment.instance_termination_wait_time_started),
                "blueGreenDeploymentConfiguration": run.settings.get("blueGreenDeploymentConfiguration"),
                "loadBalancerInfo": run.settings.get("loadBalancerInfo"),
                "fileExistsBehavior": deployment.file_exists_behavior,
                "deploymentStatusMessages": [],
                "computePlatform": deployment.application.compute_platform or "Server",
                "overrideAlarmConfiguration": deployment.override_alarm_configuration,
            }
        )

    def group_info(self, group: Any) -> dict[str, Any]:
        info = codedeploy_responses._deployment_group_info(group)
        deployments = self.group_deployments(group)
        last = deployments[-1] if deployments else None
        succeeded = self.last_successful(group)
        info.update(
            autoScalingGroups=[{"name": name} for name in group.auto_scaling_groups],
            alarmConfiguration=group.alarm_configuration,
            targetRevision=last.revision if last else None,
            lastAttemptedDeployment=_last_deployment(last),
            lastSuccessfulDeployment=_last_deployment(succeeded),
        )
        return _compact(info)

    def target(self, run: Run, target: Target) -> dict[str, Any]:
        return {
            "deploymentTargetType": "InstanceTarget",
            "instanceTarget": {
                "deploymentId": run.deployment.deployment_id,
                "targetId": target.instance_id,
                "targetArn": target.arn,
                "status": target.status,
                "lastUpdatedAt": target.updated,
                "lifecycleEvents": [event.as_dict() for event in target.events],
                "instanceLabel": target.label,
            },
        }

    def instance_summary(self, run: Run, target: Target) -> dict[str, Any]:
        return {
            "deploymentId": run.deployment.deployment_id,
            "instanceId": target.arn,
            "status": target.status,
            "lastUpdatedAt": target.updated,
            "lifecycleEvents": [event.as_dict() for event in target.events],
            "instanceType": target.label,
        }

    def started_run(self, deployment_id: str | None) -> Run:
        """The run of a deployment whose targets are known; the errors AWS gives otherwise."""
        if not deployment_id:
            raise _error("DeploymentIdRequiredException", "At least one deployment ID must be specified.")
        deployment = self.backend.get_deployment(deployment_id)
        run = self.runs.get(deployment.deployment_id)
        if run is None or deployment.status == "Created":
            raise _error("DeploymentNotStartedException", f"The deployment {deployment_id} has not started.")
        return run


def group_plan(group: Any, kind: str | None = None) -> tuple[str, bool, tuple[Phase, ...]]:
    """A deployment group's kind of deployment, whether it controls traffic, and the plan of its deployments."""
    style = group.deployment_style or {}
    blue_green = group.blue_green_deployment_configuration or {}
    ready = blue_green.get("deploymentReadyOption") or {}
    termination = blue_green.get("terminateBlueInstancesOnDeploymentSuccess") or {}
    kind = kind or (BLUE_GREEN if style.get("deploymentType") == BLUE_GREEN else IN_PLACE)
    traffic_control = kind != IN_PLACE or style.get("deploymentOption") == "WITH_TRAFFIC_CONTROL"
    phases = plan(
        kind,
        traffic_control=traffic_control,
        ready_action=ready.get("actionOnTimeout") or "CONTINUE_DEPLOYMENT",
        termination_action=termination.get("action") or "TERMINATE",
        termination_wait=int(termination.get("terminationWaitTimeInMinutes") or 0),
    )
    return kind, traffic_control, phases


def _matches(tags: dict[str, str], filters: list[dict[str, str]]) -> bool:
    """Whether an instance's tags match one of a tag group's EC2 tag filters (KEY_ONLY, VALUE_ONLY, KEY_AND_VALUE)."""
    for item in filters:
        kind, key, value = item.get("Type", "KEY_AND_VALUE"), item.get("Key"), item.get("Value")
        if kind == "KEY_ONLY" and key in tags:
            return True
        if kind == "VALUE_ONLY" and value in tags.values():
            return True
        if kind == "KEY_AND_VALUE" and tags.get(key) == value:
            return True
    return False


def _last_deployment(deployment: Any) -> dict[str, Any] | None:
    if deployment is None:
        return None
    return _compact(
        {
            "deploymentId": deployment.deployment_id,
            "status": deployment.status,
            "endTime": deployment.complete_time,
            "createTime": deployment.create_time,
        }
    )


def extension(backend: Any) -> Extension:
    state = backend.__dict__.get("_sandbox")
    if state is None:
        state = backend.__dict__["_sandbox"] = Extension(backend)
    return state


# ---------------------------------------------------------------------------------------------------------------
# The API: methods of moto's CodeDeployResponse, which dispatches an action to the method of its snake_case name.

_REFUSALS = {
    "DeploymentAlreadyCompletedException": "The deployment is already complete.",
    "UnsupportedActionForDeploymentTypeException": (
        "A call was submitted that is not supported for the specified deployment type."
    ),
    "DeploymentIsNotInReadyStateException": "The deployment does not have a status of Ready and can't continue yet.",
    "InvalidDeploymentStatusException": "The specified deployment status doesn't exist or cannot be determined.",
    "InvalidDeploymentWaitTypeException": "The wait type is invalid.",
}

# UpdateDeploymentGroup's fields and the attributes moto's DeploymentGroup keeps them in.
_GROUP_FIELDS = {
    "deploymentConfigName": "deployment_config_name",
    "ec2TagFilters": "ec2_tag_filters",
    "onPremisesInstanceTagFilters": "on_premises_instance_tag_filters",
    "autoScalingGroups": "auto_scaling_groups",
    "serviceRoleArn": "service_role_arn",
    "triggerConfigurations": "trigger_configurations",
    "alarmConfiguration": "alarm_configuration",
    "autoRollbackConfiguration": "auto_rollback_configuration",
    "outdatedInstancesStrategy": "outdated_instances_strategy",
    "deploymentStyle": "deployment_style",
    "blueGreenDeploymentConfiguration": "blue_green_deployment_configuration",
    "loadBalancerInfo": "load_balancer_info",
    "ec2TagSet": "ec2_tag_set",
    "ecsServices": "ecs_services",
    "onPremisesTagSet": "on_premises_tag_set",
    "terminationHookEnabled": "termination_hook_enabled",
}

_CREATE_FIELDS = (
    "revision",
    "deploymentConfigName",
    "description",
    "ignoreApplicationStopFailures",
    "targetInstances",
    "autoRollbackConfiguration",
    "updateOutdatedInstancesOnly",
    "fileExistsBehavior",
    "overrideAlarmConfiguration",
)


def _state(response: Any) -> tuple[Any, Extension]:
    backend = response.codedeploy_backend
    return backend, extension(backend)


def create_deployment(self: Any) -> ActionResult:
    with _LOCK:
        state = _state(self)[1]
        params = {name: self._get_param(name) for name in _CREATE_FIELDS}
        deployment_id = state.create_deployment(
            self._get_param("applicationName"), self._get_param("deploymentGroupName"), params
        )
    return ActionResult({"deploymentId": deployment_id})


def get_deployment(self: Any) -> ActionResult:
    with _LOCK:
        backend, state = _state(self)
        deployment_id = self._get_param("deploymentId")
        if not deployment_id:
            raise _error("DeploymentIdRequiredException", "At least one deployment ID must be specified.")
        deployment = backend.get_deployment(deployment_id)
        state.read(deployment)
        return ActionResult({"deploymentInfo": state.deployment_info(deployment)})


def batch_get_deployments(self: Any) -> ActionResult:
    with _LOCK:
        backend, state = _state(self)
        deployments = backend.batch_get_deployments(self._get_param("deploymentIds") or [])
        for deployment in deployments:
            state.read(deployment)
        return ActionResult({"deploymentsInfo": [state.deployment_info(item) for item in deployments]})


def get_deployment_group(self: Any) -> ActionResult:
    with _LOCK:
        backend, state = _state(self)
        group = backend.get_deployment_group(self._get_param("applicationName"), self._get_param("deploymentGroupName"))
        return ActionResult({"deploymentGroupInfo": state.group_info(group)})


def batch_get_deployment_groups(self: Any) -> ActionResult:
    with _LOCK:
        backend, state = _state(self)
        application_name = self._get_param("applicationName")
        backend.get_application(application_name)
        found, missing = [], []
        for name in self._get_param("deploymentGroupNames") or []:
            group = backend.deployment_groups.get(application_name, {}).get(name)
            if group is None:
                missing.append(name)
            else:
                found.append(state.group_info(group))
        result = {"deploymentGroupsInfo": found}
        if missing:
            result["errorMessage"] = f"Deployment groups not found: {', '.join(missing)}"
        return ActionResult(result)


def update_deployment_group(self: Any) -> ActionResult:
    with _LOCK:
        backend = _state(self)[0]
        application_name = self._get_param("applicationName")
        current = self._get_param("currentDeploymentGroupName")
        if not application_name:
            raise _error("ApplicationNameRequiredException", "The application name was not specified.")
        if not current:
            raise _error("DeploymentGroupNameRequiredException", "The deployment group name was not specified.")
        group = backend.get_deployment_group(application_name, current)
        new_name = self._get_param("newDeploymentGroupName")
        groups = backend.deployment_groups[application_name]
        if new_name and new_name != current:
            if new_name in groups:
                raise _error("DeploymentGroupAlreadyExistsException", f"Deployment group {new_name} already exists.")
            old_arn = backend._deployment_group_arn(application_name, current)
            tags = backend.tagger.list_tags_for_resource(old_arn)["Tags"]
            backend.tagger.delete_all_tags_for_resource(old_arn)
            if tags:
                backend.tagger.tag_resource(backend._deployment_group_arn(application_name, new_name), tags)
            groups[new_name] = groups.pop(current)
            group.deployment_group_name = new_name
        for field, attribute in _GROUP_FIELDS.items():
            value = self._get_param(field)
            if value is not None:
                setattr(group, attribute, value)
        return ActionResult({"hooksNotCleanedUp": []})


def delete_deployment_group(self: Any) -> ActionResult:
    # AWS answers success for a group (or application) that does not exist: its error model has no "not found".
    with _LOCK:
        backend = _state(self)[0]
        application_name = self._get_param("applicationName")
        name = self._get_param("deploymentGroupName")
        if not application_name:
            raise _error("ApplicationNameRequiredException", "The application name was not specified.")
        if not name:
            raise _error("DeploymentGroupNameRequiredException", "The deployment group name was not specified.")
        if backend.deployment_groups.get(application_name, {}).pop(name, None) is not None:
            backend.tagger.delete_all_tags_for_resource(backend._deployment_group_arn(application_name, name))
        return ActionResult({"hooksNotCleanedUp": []})


def delete_application(self: Any) -> EmptyResult:
    with _LOCK:
        backend = _state(self)[0]
        name = self._get_param("applicationName")
        if not name:
            raise _error("ApplicationNameRequiredException", "The application name was not specified.")
        for group_name in backend.deployment_groups.pop(name, {}):
            backend.tagger.delete_all_tags_for_resource(backend._deployment_group_arn(name, group_name))
        if backend.applications.pop(name, None) is not None:
            backend.tagger.delete_all_tags_for_resource(backend._application_arn(name))
        return EmptyResult()


def stop_deployment(self: Any) -> ActionResult:
    with _LOCK:
        backend, state = _state(self)
        deployment_id = self._get_param("deploymentId")
        if not deployment_id:
            raise _error("DeploymentIdRequiredException", "At least one deployment ID must be specified.")
        deployment = backend.get_deployment(deployment_id)
        refusal = stop_refusal(deployment.status)
        if refusal:
            raise _error(refusal, _REFUSALS[refusal])
        run = state.runs[deployment_id]
        if deployment.status != "Stopped":
            requested = self._get_param("autoRollbackEnabled")
            rollback = rolls_back(run.auto_rollback, "DEPLOYMENT_STOP_ON_REQUEST", requested)
            state.stop(run, {"code": "MANUAL_STOP", "message": MANUAL_STOP_MESSAGE}, rollback)
        return ActionResult({"status": "Succeeded"})


def continue_deployment(self: Any) -> EmptyResult:
    with _LOCK:
        backend, state = _state(self)
        deployment_id = self._get_param("deploymentId")
        if not deployment_id:
            raise _error("DeploymentIdRequiredException", "At least one deployment ID must be specified.")
        deployment = backend.get_deployment(deployment_id)
        run = state.runs[deployment_id]
        wait_type = self._get_param("deploymentWaitType") or "READY_WAIT"
        phase = run.current
        refusal = continue_refusal(deployment.status, run.kind, phase.kind if phase else None, wait_type)
        if refusal:
            raise _error(refusal, _REFUSALS[refusal])
        state.enter(run, run.phase + 1)
        return EmptyResult()


def list_deployment_targets(self: Any) -> ActionResult:
    with _LOCK:
        state = _state(self)[1]
        run = state.started_run(self._get_param("deploymentId"))
        filters = self._get_param("targetFilters") or {}
        unknown = set(filters) - {"TargetStatus", "ServerInstanceLabel"}
        if unknown:
            raise _error("InvalidTargetFilterNameException", "The target filter name is invalid.")
        statuses, labels = filters.get("TargetStatus"), filters.get("ServerInstanceLabel")
        targets = [
            target.instance_id
            for target in run.targets
            if (not statuses or target.status in statuses) and (not labels or target.label in labels)
        ]
        return ActionResult({"targetIds": targets})


def _targets(run: Run, target_ids: list[str]) -> list[Target]:
    if not target_ids:
        raise _error("DeploymentTargetIdRequiredException", "A deployment target ID was not provided.")
    known = {target.instance_id: target for target in run.targets}
    for target_id in target_ids:
        if target_id not in known:
            raise _error(
                "DeploymentTargetDoesNotExistException",
                f"The target {target_id} does not belong to the deployment {run.deployment.deployment_id}.",
            )
    return [known[target_id] for target_id in target_ids]


def batch_get_deployment_targets(self: Any) -> ActionResult:
    with _LOCK:
        backend, state = _state(self)
        deployment_id = self._get_param("deploymentId")
        if deployment_id and deployment_id in backend.deployments:
            state.read(backend.deployments[deployment_id])
        run = state.started_run(deployment_id)
        target_ids = self._get_param("targetIds") or []
        if len(target_ids) > 25:
            raise _error("DeploymentTargetListSizeExceededException", "At most 25 target IDs can be requested at once.")
        return ActionResult({"deploymentTargets": [state.target(run, item) for item in _targets(run, target_ids)]})


def get_deployment_target(self: Any) -> ActionResult:
    with _LOCK:
        state = _state(self)[1]
        run = state.started_run(self._get_param("deploymentId"))
        target_id = self._get_param("targetId")
        [target] = _targets(run, [target_id] if target_id else [])
        return ActionResult({"deploymentTarget": state.target(run, target)})


def list_deployment_instances(self: Any) -> ActionResult:
    with _LOCK:
        state = _state(self)[1]
        run = state.started_run(self._get_param("deploymentId"))
        statuses = self._get_param("instanceStatusFilter") or []
        labels = self._get_param("instanceTypeFilter") or []
        if set(statuses) - set(TARGET_STATUSES):
            raise _error("InvalidInstanceStatusException", "The specified instance status does not exist.")
        if set(labels) - {ORIGINAL, REPLACEMENT}:
            raise _error(
                "InvalidInstanceTypeException",
                "An invalid instance type was specified for instances in a blue/green deployment. Valid values "
                'include "Blue" for an original environment and "Green" for a replacement environment.',
            )
        instances = [
            target.instance_id
            for target in run.targets
            if (not statuses or target.status in statuses) and (not labels or target.label in labels)
        ]
        return ActionResult({"instancesList": instances})


def batch_get_deployment_instances(self: Any) -> ActionResult:
    with _LOCK:
        state = _state(self)[1]
        run = state.started_run(self._get_param("deploymentId"))
        instance_ids = [_instance_id(item) for item in self._get_param("instanceIds") or []]
        if not instance_ids:
            raise _error("InstanceIdRequiredException", "The instance ID was not specified.")
        known = {target.instance_id: target for target in run.targets}
        result = {
            "instancesSummary": [state.instance_summary(run, known[item]) for item in instance_ids if item in known]
        }
        missing = [item for item in instance_ids if item not in known]
        if missing:
            result["errorMessage"] = f"Instances not found in deployment {run.deployment.deployment_id}: " + ", ".join(
                missing
            )
        return ActionResult(result)


def get_deployment_instance(self: Any) -> ActionResult:
    with _LOCK:
        state = _state(self)[1]
        run = state.started_run(self._get_param("deploymentId"))
        instance_id = _instance_id(self._get_param("instanceId") or "")
        if not instance_id:
            raise _error("InstanceIdRequiredException", "The instance ID was not specified.")
        target = next((item for item in run.targets if item.instance_id == instance_id), None)
        if target is None:
            raise _error(
                "InstanceDoesNotExistException", "The specified instance does not exist in the deployment group."
            )
        return ActionResult({"instanceSummary": state.instance_summary(run, target)})


_RESPONSE_METHODS = (
    create_deployment,
    get_deployment,
    batch_get_deployments,
    get_deployment_group,
    batch_get_deployment_groups,
    update_deployment_group,
    delete_deployment_group,
    delete_application,
    stop_deployment,
    continue_deployment,
    list_deployment_targets,
    batch_get_deployment_targets,
    get_deployment_target,
    list_deployment_instances,
    batch_get_deployment_instances,
    get_deployment_instance,
)


def install() -> None:
    """Add the operations above to moto's CodeDeploy, replacing moto's own where it has one."""
    for method in _RESPONSE_METHODS:
        setattr(codedeploy_responses.CodeDeployResponse, method.__name__, method)


# ---------------------------------------------------------------------------------------------------------------
# The control endpoint, served by the sandbox server next to moto's routes.

CONTROL_PATH = "/_sandbox/codedeploy/outcomes"
DEFAULT_REGION = "us-east-1"


def control(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Queue, list and clear the outcomes of the next deployments of a deployment group.

    POST   /_sandbox/codedeploy/outcomes   JSON body:
           application, deployment_group   required; the deployment group must exist
           outcome                         "succeed" (default) | "fail" | "hold"
           event                           the lifecycle event that fails or never ends (default ValidateService);
                                           it must be one the group's deployments run
           instance_index                  which instance, counted among those that run the event (the replacement
                                           ones for install and allow-traffic events of a blue/green deployment, the
                                           original ones for block-traffic events), in Auto Scaling order; default 0
           error_code                      "fail" only: the event's diagnostics.errorCode, a LifecycleErrorCode;
                                           default ScriptFailed (UnknownError for DownloadBundle, Install,
                                           BlockTraffic, AllowTraffic)
           script_name                     default "bluegreen/run-hook.sh" ("" for the events above)
           message                         default "Script at specified location: <script> failed with exit code 1"
           log_tail                        default "LifecycleEvent - <event>\\nScript - <script>\\n"
           region, account                 default us-east-1 and moto's default account 123456789012
           -> 201 {"queued": {...}, "position": n}: the n-th outcome waiting in the group's queue
    GET    /_sandbox/codedeploy/outcomes[?region=&account=&application=&deployment_group=]
           -> 200 {"outcomes": [...]}: the queued outcomes, oldest first
    DELETE /_sandbox/codedeploy/outcomes[?region=&account=&application=&deployment_group=]
           -> 200 {"deleted": n}
    Errors: 400 {"error": "..."} for a bad request, 404 for another path, 405 for another method.

    Each CreateDeployment of a group takes the group's oldest outcome; with none queued, every event succeeds.
    "hold" keeps the event InProgress on that instance, and so the deployment InProgress, until StopDeployment.
    """
    method = environ.get("REQUEST_METHOD", "GET")
    query = {key: values[-1] for key, values in urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).items()}
    if environ.get("PATH_INFO", "").rstrip("/") != CONTROL_PATH:
        return _respond(start_response, 404, {"error": f"no such sandbox endpoint; use {CONTROL_PATH}"})
    try:
        with _LOCK:
            if method == "POST":
                payload = _json_body(environ)
                state, key, outcome = _validated(payload)
                state.outcomes[key].append(outcome)
                entry = _entry(state, key, outcome)
                return _respond(start_response, 201, {"queued": entry, "position": len(state.outcomes[key])})
            if method in ("GET", "DELETE"):
                state = extension(_backend(query))
                keys = [
                    key
                    for key in state.outcomes
                    if query.get("application", key[0]) == key[0] and query.get("deployment_group", key[1]) == key[1]
                ]
                if method == "GET":
                    entries = [_entry(state, key, item) for key in keys for item in state.outcomes[key]]
                    return _respond(start_response, 200, {"outcomes": entries})
                deleted = sum(len(state.outcomes.pop(key)) for key in keys)
                return _respond(start_response, 200, {"deleted": deleted})
    except ValueError as error:
        return _respond(start_response, 400, {"error": str(error)})
    return _respond(start_response, 405, {"error": f"method {method} not allowed; use GET, POST or DELETE"})


def _json_body(environ: dict[str, Any]) -> dict[str, Any]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        payload = json.loads(raw or b"{}")
    except json.JSONDecodeError as error:
        raise ValueError(f"the body is not JSON: {error}") from None
    if not isinstance(payload, dict):
        raise ValueError("the body must be a JSON object")
    return payload


def _backend(fields: dict[str, Any]) -> Any:
    account = str(fields.get("account") or DEFAULT_ACCOUNT_ID)
    region = fields.get("region") or DEFAULT_REGION
    if not (account.isdigit() and len(account) == 12):
        raise ValueError(f"account must be 12 digits, not {account!r}")
    backends = codedeploy_models.codedeploy_backends[account]
    if region not in backends:
        raise ValueError(f"no CodeDeploy region {region!r}")
    return backends[region]


def _validated(payload: dict[str, Any]) -> tuple[Extension, tuple[str, str], Outcome]:
    """The group's state, its key and the outcome; ValueError when the group cannot run the outcome."""
    application, group_name = payload.get("application"), payload.get("deployment_group")
    if not application or not group_name:
        raise ValueError("application and deployment_group are required")
    outcome = parse_outcome(payload)
    backend = _backend(payload)
    group = backend.deployment_groups.get(application, {}).get(group_name)
    if group is None:
        raise ValueError(f"deployment group {group_name!r} of application {application!r} does not exist")
    state = extension(backend)
    kind, phases = group_plan(group)[::2]
    labels = [label for label in (ORIGINAL, REPLACEMENT) if outcome.event in label_events(phases, label)]
    if not labels:
        runs = ", ".join(label_events(phases, ORIGINAL) + label_events(phases, REPLACEMENT))
        raise ValueError(f"the deployments of {group_name!r} ({kind}) do not run {outcome.event}; they run {runs}")
    if kind == BLUE_GREEN:
        original = group.auto_scaling_groups[0] if group.auto_scaling_groups else None
        source = state.autoscaling.autoscaling_groups.get(original) if original else None
        if labels[0] == REPLACEMENT:
            # The replacement group does not exist yet: it will have the original group's desired capacity.
            size = (source.desired_capacity or 0) if source else 0
        else:
            size = len(state.group_instances(original))
    else:
        size = len(state.group_members(group))
    if outcome.instance_index >= size:
        raise ValueError(
            f"instance_index {outcome.instance_index} is out of range: {group_name!r} runs {outcome.event} "
            f"on {size} instance(s)"
        )
    return state, (application, group_name), outcome


def _entry(state: Extension, key: tuple[str, str], outcome: Outcome) -> dict[str, Any]:
    return {
        "application": key[0],
        "deployment_group": key[1],
        "region": state.backend.region_name,
        "account": state.backend.account_id,
        **outcome.as_dict(),
    }


def _respond(start_response: Any, status: int, body: dict[str, Any]) -> list[bytes]:
    reasons = {200: "OK", 201: "Created", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}
    data = json.dumps(body).encode("utf-8")
    start_response(
        f"{status} {reasons[status]}", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]
