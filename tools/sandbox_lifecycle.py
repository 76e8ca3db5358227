"""The sandbox's Auto Scaling instance lifecycle: instances that launch and terminate on the clock of sandbox_time.

moto puts an instance that a group launches `InService` the moment it is launched, and takes an instance out of its
group and terminates it the moment the group scales in; it keeps lifecycle hooks (PutLifecycleHook,
DescribeLifecycleHooks) but never holds an instance for them, and CompleteLifecycleAction and
RecordLifecycleActionHeartbeat are not implemented. `install()` patches moto, in the sandbox server's process, so that
an instance goes through the states of the Amazon EC2 Auto Scaling User Guide, "Amazon EC2 Auto Scaling instance
lifecycle" and "How lifecycle hooks work in Auto Scaling groups", each lasting its AWS time divided by the speed
factor of tools/sandbox_time.py (`BLUEGREEN_SANDBOX_TIME_FACTOR`; 0 leaves moto's behaviour exactly as it is):

- Launch. An instance the group launches is `Pending` while it boots (sandbox_time.BOOT_SECONDS), then `InService`:
  "These instances start in the Pending state [...] When each instance is fully configured and passes the Amazon EC2
  health checks, it is attached to the Auto Scaling group and it enters the InService state". A Pending instance
  already counts toward the desired capacity (the group launched it for that capacity), as moto counts it.
- Launch hooks. When the group has lifecycle hooks for `autoscaling:EC2_INSTANCE_LAUNCHING` as the instance launches,
  it is `Pending:Wait` after its boot until every one of them has a result: CompleteLifecycleAction's
  LifecycleActionResult (by LifecycleActionToken or InstanceId), or the hook's DefaultResult once HeartbeatTimeout
  seconds have passed since the wait began or since the last RecordLifecycleActionHeartbeat ("you can restart the
  timeout period by recording a heartbeat"), and at the latest after the global timeout (API Reference,
  LifecycleHook, GlobalTimeout: "The maximum time, in seconds, that an instance can remain in a wait state. The
  maximum is 172800 seconds (48 hours) or 100 times HeartbeatTimeout, whichever is smaller"). All CONTINUE:
  `Pending:Proceed`, in which the group registers the instance with its target groups (the same guide: a group with
  a load balancer registers the instance before it reaches InService; until then it is no target), then `InService`.
  Any ABANDON: the instance is terminated, and the group launches another in its place to keep its desired
  capacity. Without launch hooks the instance is registered at launch, as moto does, and sandbox_time keeps the
  target `initial` while it boots.
- Termination (a scale-in by SetDesiredCapacity, UpdateAutoScalingGroup, a policy, TerminateInstanceInAutoScalingGroup,
  DeleteAutoScalingGroup with ForceDelete). The instance leaves the group's capacity at once (a replacement is
  launched when the desired capacity calls for one), and stays listed by DescribeAutoScalingGroups and
  DescribeAutoScalingInstances: `Terminating` while it drains (the same guide: with Elastic Load Balancing, the
  terminating instance is first deregistered from the load balancer, and the deregistration completes once its
  connections have drained; also "Use Elastic Load Balancing to distribute incoming application traffic in your
  Auto Scaling group"): it is deregistered from the group's target groups and drains for the deregistration delay
  where sandbox_time drains it (a target group a listener forwards to), at once elsewhere; then `Terminating:Wait` for
  the `autoscaling:EC2_INSTANCE_TERMINATING` hooks, with the same results and timeouts as at launch (either result
  lets the instance terminate), and `Terminating:Proceed`; then its EC2 instance is terminated and it leaves the
  group. Instances already `Terminating` are never chosen again by a scale-in.
- DeleteAutoScalingGroup ("If the group has instances or scaling activities in progress, you must specify the option
  to force the deletion in order for it to succeed"): without ForceDelete, a group that still lists instances
  (`Terminating` ones included) is refused with ResourceInUse; with ForceDelete every instance terminates as above
  (protected ones too), the group is listed with Status `Delete in progress` until the last one is gone, and only
  then deleted. CreateAutoScalingGroup of the name of a group being deleted is refused with AlreadyExists.
- CreateAutoScalingGroup's LifecycleHookSpecificationList, which moto ignores: "One or more lifecycle hooks to add to
  the Auto Scaling group before instances are launched" (API Reference, CreateAutoScalingGroup). The hooks are put
  before moto makes the group, so that they hold its first instances, with PutLifecycleHook's defaults
  (HeartbeatTimeout 3600, DefaultResult ABANDON).
- A deleted group's lifecycle hooks go with it: moto keeps them, and a later group of the same name would find them.

`Pending:Proceed` and `Terminating:Proceed` last PROCEED_SECONDS: AWS documents no duration for them.

The state is kept on moto's own objects, the instance's and group's (wall-clock times, read through
sandbox_time.aws_seconds_since), so that a snapshot of tools/sandbox_snapshot.py holds it. It is brought up to date
lazily, before every Auto Scaling call and before DescribeInstances and DescribeTargetHealth: that is when an
instance goes InService, is registered, abandoned, replaced or terminated, and when a force-deleted group goes.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from moto.autoscaling.exceptions import AutoscalingClientError
from moto.autoscaling.exceptions import ValidationError

import sandbox_time

LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING"
TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING"
# AWS seconds an instance stays Pending:Proceed or Terminating:Proceed: undocumented, long enough to be seen.
PROCEED_SECONDS = 5.0
# LifecycleHook, GlobalTimeout: a wait lasts at most 48 hours or 100 times the heartbeat timeout, whichever is smaller.
GLOBAL_TIMEOUT_SECONDS = 48 * 3600
DELETING = "Delete in progress"
# The states in which an instance counts toward its group's desired capacity.
COUNTED = ("Pending", "Pending:Wait", "Pending:Proceed", "InService")

_ORIGINAL: dict[str, Any] = {}
_LOCK = threading.RLock()
_LOCAL = threading.local()


class ResourceInUseError(AutoscalingClientError):
    code = "ResourceInUse"
    message = (
        "You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in"
        " the group."
    )


class AlreadyExistsError(AutoscalingClientError):
    code = "AlreadyExists"


def _running() -> bool:
    return bool(sandbox_time._state["factor"])  # pylint: disable=protected-access


# ---------------------------------------------------------------------------------------------------------------
# Pure decisions: where a wait stands, given how long (AWS seconds) things have been so.


def hook_result(hook: dict[str, Any], waited: float, since_heartbeat: float | None) -> str | None:
    """CONTINUE or ABANDON once the hook has its result, None while the instance still waits for it.

    ``waited`` is how long the wait has lasted, ``since_heartbeat`` how long ago the last heartbeat was recorded."""
    if hook.get("result"):
        return hook["result"]
    quiet = waited if since_heartbeat is None else min(waited, since_heartbeat)
    timeout = float(hook["timeout"])
    if quiet >= timeout or waited >= min(GLOBAL_TIMEOUT_SECONDS, 100 * timeout):
        return hook["default"]
    return None


def launch_state(booted_for: float, results: list[str | None], proceeding_for: float | None) -> str:
    """Pending, Pending:Wait, Pending:Proceed, InService or Abandoned for a launching instance."""
    if booted_for < sandbox_time.BOOT_SECONDS:
        return "Pending"
    if not results:
        return "InService"
    if None in results:
        return "Pending:Wait"
    if "ABANDON" in results:
        return "Abandoned"
    if proceeding_for is None or proceeding_for < PROCEED_SECONDS:
        return "Pending:Proceed"
    return "InService"


def termination_state(
    terminating_for: float, drain: float, results: list[str | None], proceeding_for: float | None
) -> str:
    """Terminating, Terminating:Wait, Terminating:Proceed or Terminated for an instance leaving its group."""
    if terminating_for < drain:
        return "Terminating"
    if not results:
        return "Terminated"
    if None in results:
        return "Terminating:Wait"
    if proceeding_for is None or proceeding_for < PROCEED_SECONDS:
        return "Terminating:Proceed"
    return "Terminated"


# ---------------------------------------------------------------------------------------------------------------
# The record of a wait, kept on moto's InstanceState: {"since": wall time the transition began, "drain": AWS seconds
# before the wait (boot or draining), "hooks": {name: {"token", "timeout", "default", "heartbeat", "result"}},
# "proceeding": wall time it was first found proceeding, or None}.


def _hooks(backend: Any, group_name: str, transition: str) -> dict[str, dict[str, Any]]:
    return {
        hook.name: {
            "token": str(uuid.uuid4()),
            "timeout": int(hook.heartbeat_timeout),
            "default": hook.default_result,
            "heartbeat": None,
            "result": None,
        }
        for hook in backend.lifecycle_hooks.values()
        if hook.auto_scaling_group_name == group_name and hook.lifecycle_transition == transition
    }


def _results(record: dict[str, Any]) -> list[str | None]:
    waited = sandbox_time.aws_seconds_since(record["since"]) - record["drain"]
    return [
        hook_result(
            hook,
            waited,
            None if hook["heartbeat"] is None else sandbox_time.aws_seconds_since(hook["heartbeat"]),
        )
        for hook in record["hooks"].values()
    ]


def _proceeding_for(record: dict[str, Any]) -> float | None:
    return None if record["proceeding"] is None else sandbox_time.aws_seconds_since(record["proceeding"])


def _launch_state(state: Any) -> str:
    record = state.sandbox_launch
    state_now = launch_state(sandbox_time.aws_seconds_since(record["since"]), _results(record), _proceeding_for(record))
    if state_now == "Pending:Proceed" and record["proceeding"] is None:
        record["proceeding"] = time.time()
    return state_now


def _termination_state(state: Any) -> str:
    record = state.sandbox_termination
    state_now = termination_state(
        sandbox_time.aws_seconds_since(record["since"]), record["drain"], _results(record), _proceeding_for(record)
    )
    if state_now == "Terminating:Proceed" and record["proceeding"] is None:
        record["proceeding"] = time.time()
    return state_now


def _held(state: Any) -> bool:
    """Whether a launching instance waits for launch hooks and so is no target of its group's target groups yet."""
    record = getattr(state, "sandbox_launch", None)
    return bool(record and record["hooks"] and record["proceeding"] is None)


def _leaving(group: Any) -> list[Any]:
    if not hasattr(group, "sandbox_leaving"):
        group.sandbox_leaving = []
    return group.sandbox_leaving


# ---------------------------------------------------------------------------------------------------------------
# Termination: out of the group's capacity at once, deregistered, drained, held by hooks, then terminated.


def _deregister(backend: Any, group: Any, instance_id: str) -> float:
    """Deregister the instance from the group's target groups; the longest time (AWS seconds) it drains in one."""
    drain = 0.0
    for arn in list(group.target_group_arns):
        target_group = backend.elbv2_backend.target_groups.get(arn)
        if target_group is None or instance_id not in target_group.targets:
            continue
        target_group.deregister([{"Id": instance_id}])
        if instance_id in getattr(target_group, "sandbox_draining", {}):
            drain = max(drain, sandbox_time._delay(target_group))  # pylint: disable=protected-access
    return drain


def _start_leaving(backend: Any, group: Any, states: list[Any]) -> None:
    now = time.time()
    for state in states:
        if state in group.instance_states:
            group.instance_states.remove(state)
        state.sandbox_launch = None
        state.lifecycle_state = "Terminating"
        state.sandbox_termination = {
            "since": now,
            "drain": _deregister(backend, group, state.instance.id),
            "hooks": _hooks(backend, group.name, TERMINATING),
            "proceeding": None,
        }
        _leaving(group).append(state)


def _terminate(backend: Any, instance_ids: list[str]) -> None:
    running = [
        instance_id
        for instance_id in instance_ids
        if backend.ec2_backend.get_instance_by_id(instance_id) is not None
        and backend.ec2_backend.get_instance_by_id(instance_id).state != "terminated"
    ]
    if running:
        backend.ec2_backend.terminate_instances(running)


# ---------------------------------------------------------------------------------------------------------------
# Bringing every group up to date: called before the calls that read or change what it changes.


def advance(backend: Any) -> None:
    """Move every instance of the backend's groups on to the state the clock has brought it to.

    Also at speed factor 0, where every time has passed: what was left waiting when the clock stopped finishes."""
    with _LOCK:
        for group in list(backend.autoscaling_groups.values()):
            _advance_group(backend, group)


def _advance_group(backend: Any, group: Any) -> None:
    abandoned, registering = [], False
    for state in list(group.instance_states):
        record = getattr(state, "sandbox_launch", None)
        if not record:
            continue
        if state.lifecycle_state not in COUNTED:
            state.sandbox_launch = None  # moved on by another call (standby, detach): no longer launching
            continue
        was_held = _held(state)
        found = _launch_state(state)
        registering = registering or (was_held and not _held(state))
        if found == "Abandoned":
            abandoned.append(state)
        elif found == "InService":
            state.sandbox_launch = None
            state.lifecycle_state = "InService"
        else:
            state.lifecycle_state = found
    if registering and group.name in backend.autoscaling_groups:
        backend.update_attached_target_groups(group.name)
    finished = []
    for state in list(_leaving(group)):
        found = _termination_state(state)
        if found == "Terminated":
            finished.append(state)
        else:
            state.lifecycle_state = found
    if finished:
        for state in finished:
            group.sandbox_leaving.remove(state)
        _terminate(backend, [state.instance.id for state in finished])
    if abandoned:
        for state in abandoned:
            group.instance_states.remove(state)
            state.sandbox_launch = None
        _terminate(backend, [state.instance.id for state in abandoned])
        if not getattr(group, "sandbox_deleting", False):
            group.set_desired_capacity(group.desired_capacity)
            backend.update_attached_elbs(group.name)
    if getattr(group, "sandbox_deleting", False) and not group.instance_states and not group.sandbox_leaving:
        if backend.autoscaling_groups.get(group.name) is group:
            delete_auto_scaling_group(backend, group.name)


# ---------------------------------------------------------------------------------------------------------------
# Patches of moto's group and backend.


def replace_instances(self: Any, count_needed: int, propagated_tags: dict[str, str]) -> None:
    before = set(map(id, self.instance_states))
    _ORIGINAL["replace_autoscaling_group_instances"](self, count_needed, propagated_tags)
    if not _running():
        return
    hooks_for = _hooks(self.autoscaling_backend, self.name, LAUNCHING)
    for state in self.instance_states:
        if id(state) in before:
            continue
        launched = getattr(state.instance, "sandbox_launched_at", None) or time.time()
        state.sandbox_launch = {
            "since": launched,
            "drain": sandbox_time.BOOT_SECONDS,
            "hooks": {name: dict(hook, token=str(uuid.uuid4())) for name, hook in hooks_for.items()},
            "proceeding": None,
        }
        state.lifecycle_state = "Pending"


def active_instances(self: Any) -> list[Any]:
    return [state for state in self.instance_states if state.lifecycle_state in COUNTED]


def set_desired_capacity(self: Any, new_capacity: int | None) -> None:
    if not _running() or getattr(_LOCAL, "deferring", None) is not None:
        return _ORIGINAL["set_desired_capacity"](self, new_capacity)
    before = list(self.instance_states)
    _LOCAL.deferring, _LOCAL.deferred = self, []
    try:
        _ORIGINAL["set_desired_capacity"](self, new_capacity)
    finally:
        deferred, _LOCAL.deferring, _LOCAL.deferred = _LOCAL.deferred, None, []
    removed = [state for state in before if state not in self.instance_states and state.instance.id in deferred]
    # moto took them out of the group; they stay listed, Terminating, until drained and released by their hooks.
    _start_leaving(self.autoscaling_backend, self, removed)
    return None


def terminate_instances(self: Any, instance_ids: list[str]) -> Any:
    if getattr(_LOCAL, "deferring", None) is not None:
        _LOCAL.deferred.extend(instance_ids)
        return []
    return _ORIGINAL["terminate_instances"](self, instance_ids)


def update_attached_target_groups(self: Any, group_name: str) -> None:
    group = self.autoscaling_groups[group_name]
    held = [state for state in group.instance_states if _held(state)]
    if not held:
        return _ORIGINAL["update_attached_target_groups"](self, group_name)
    everyone = group.instance_states
    group.instance_states = [state for state in everyone if not _held(state)]
    try:
        return _ORIGINAL["update_attached_target_groups"](self, group_name)
    finally:
        group.instance_states = everyone


def describe_auto_scaling_instances(self: Any, instance_ids: list[str]) -> list[Any]:
    found = _ORIGINAL["describe_auto_scaling_instances"](self, instance_ids)
    for group in self.autoscaling_groups.values():
        found += [state for state in _leaving(group) if not instance_ids or state.instance.id in instance_ids]
    return found


def terminate_instance(self: Any, instance_id: str, should_decrement: bool) -> Any:
    if not _running():
        return _ORIGINAL["terminate_instance"](self, instance_id, should_decrement)
    from moto.autoscaling.models import TerminateInstanceActivity

    for group in self.autoscaling_groups.values():
        for state in _leaving(group):
            if state.instance.id == instance_id:
                return TerminateInstanceActivity(state.instance, group.desired_capacity)
    state = next(
        (
            state
            for group in self.autoscaling_groups.values()
            for state in group.instance_states
            if state.instance.id == instance_id
        ),
        None,
    )
    if state is None:
        return _ORIGINAL["terminate_instance"](self, instance_id, should_decrement)
    group = state.instance.autoscaling_group
    original_size = group.desired_capacity
    _start_leaving(self, group, [state])
    if should_decrement:
        group.desired_capacity = original_size - 1
    group.set_desired_capacity(group.desired_capacity)
    self.update_attached_elbs(group.name)
    return TerminateInstanceActivity(state.instance, original_size)


def instances(self: Any) -> list[Any]:
    return list(self.instance_states) + list(getattr(self, "sandbox_leaving", []))


# ---------------------------------------------------------------------------------------------------------------
# The calls: DeleteAutoScalingGroup's ForceDelete, CreateAutoScalingGroup of a group being deleted, and the two
# lifecycle actions moto lacks.


def call_action(self: Any) -> Any:
    advance(self.autoscaling_backend)
    return _ORIGINAL["call_action"](self)


def delete_auto_scaling_group_response(self: Any) -> Any:
    if not _running():
        return _ORIGINAL["delete_auto_scaling_group_response"](self)
    from moto.core.responses import EmptyResult

    name = self._get_param("AutoScalingGroupName")
    force = self._get_bool_param("ForceDelete", False)
    backend = self.autoscaling_backend
    group = backend.autoscaling_groups.get(name)
    if group is None:
        return _ORIGINAL["delete_auto_scaling_group_response"](self)
    if (group.instance_states or _leaving(group)) and not force:
        raise ResourceInUseError()
    if start_deleting(backend, group):
        return EmptyResult()
    return _ORIGINAL["delete_auto_scaling_group_response"](self)


def start_deleting(backend: Any, group: Any) -> bool:
    """A forced delete of a group that still has instances: "Delete in progress", at zero capacity, its instances
    leaving (deregistered, drained, held by their hooks, terminated); the group goes once they have. False when it has
    none, to be deleted at once."""
    with _LOCK:
        if not (group.instance_states or _leaving(group)):
            return False
        group.sandbox_deleting = True
        group.status = DELETING
        group.min_size = 0
        group.desired_capacity = 0
        _start_leaving(backend, group, list(group.instance_states))
        return True


def force_delete(backend: Any, name: str) -> None:
    """DeleteAutoScalingGroup with ForceDelete, as a service (CodeDeploy) calls it for the account: the same as the
    API call."""
    group = backend.autoscaling_groups.get(name)
    if group is None:
        return
    if not _running() or not start_deleting(backend, group):
        backend.delete_auto_scaling_group(name)


def create_auto_scaling_group_response(self: Any) -> Any:
    name = self._get_param("AutoScalingGroupName")
    backend = self.autoscaling_backend
    group = backend.autoscaling_groups.get(name)
    if group is not None and getattr(group, "sandbox_deleting", False):
        raise AlreadyExistsError(
            f"AutoScalingGroup by this name already exists - A group with the name {name} is being deleted."
        )
    if group is not None or not _running():
        return _ORIGINAL["create_auto_scaling_group_response"](self)
    specifications = self._get_params().get("LifecycleHookSpecificationList") or []
    for hook in specifications:
        backend.create_lifecycle_hook(
            name=hook["LifecycleHookName"],
            as_name=name,
            transition=hook["LifecycleTransition"],
            timeout=int(hook.get("HeartbeatTimeout") or 3600),
            result=hook.get("DefaultResult") or "ABANDON",
            role_arn=hook.get("RoleARN"),
            notification_target_arn=hook.get("NotificationTargetARN"),
            notification_metadata=hook.get("NotificationMetadata"),
        )
    try:
        return _ORIGINAL["create_auto_scaling_group_response"](self)
    except Exception:
        for hook in specifications:
            backend.delete_lifecycle_hook(name, hook["LifecycleHookName"])
        raise


def delete_auto_scaling_group(self: Any, group_name: str) -> None:
    _ORIGINAL["delete_auto_scaling_group"](self, group_name)
    if not _running():
        return
    for hook in [hook for hook in self.lifecycle_hooks.values() if hook.auto_scaling_group_name == group_name]:
        self.delete_lifecycle_hook(group_name, hook.name)


def _find_action(backend: Any, params: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The waiting instance's hook that the call names, by LifecycleActionToken or InstanceId."""
    group_name, hook_name = params.get("AutoScalingGroupName"), params.get("LifecycleHookName")
    token, instance_id = params.get("LifecycleActionToken"), params.get("InstanceId")
    if not token and not instance_id:
        raise ValidationError("Either LifecycleActionToken or InstanceId must be given.")
    group = backend.autoscaling_groups.get(group_name)
    if group is not None:
        for state in list(group.instance_states) + _leaving(group):
            if instance_id and state.instance.id != instance_id:
                continue
            if state.lifecycle_state == "Pending:Wait":
                record = state.sandbox_launch
            elif state.lifecycle_state == "Terminating:Wait":
                record = state.sandbox_termination
            else:
                continue
            hook = record["hooks"].get(hook_name)
            if hook is None or hook["result"] or (token and hook["token"] != token):
                continue
            return state, hook
    if token:
        raise ValidationError(f"No active Lifecycle Action found with token {token}")
    raise ValidationError(f"No active Lifecycle Action found with instance ID {instance_id}")


def complete_lifecycle_action_response(self: Any) -> Any:
    from moto.core.responses import ActionResult

    params = {
        key: self._get_param(key)
        for key in ("AutoScalingGroupName", "LifecycleHookName", "LifecycleActionToken", "InstanceId")
    }
    result = self._get_param("LifecycleActionResult")
    if result not in ("CONTINUE", "ABANDON"):
        raise ValidationError(f"LifecycleActionResult {result} is not valid: CONTINUE or ABANDON.")
    with _LOCK:
        advance(self.autoscaling_backend)
        _state, hook = _find_action(self.autoscaling_backend, params)
        hook["result"] = result
        advance(self.autoscaling_backend)
    return ActionResult({})


def record_lifecycle_action_heartbeat_response(self: Any) -> Any:
    from moto.core.responses import ActionResult

    params = {
        key: self._get_param(key)
        for key in ("AutoScalingGroupName", "LifecycleHookName", "LifecycleActionToken", "InstanceId")
    }
    with _LOCK:
        advance(self.autoscaling_backend)
        _state, hook = _find_action(self.autoscaling_backend, params)
        hook["heartbeat"] = time.time()
    return ActionResult({})


def _advancing(original: Any) -> Any:
    """``original``, a response method of EC2 or ELBv2, after bringing the region's Auto Scaling groups up to date."""

    def advanced(self: Any) -> Any:
        from moto.autoscaling.models import autoscaling_backends

        advance(autoscaling_backends[self.current_account][self.region])
        return original(self)

    advanced.__name__ = original.__name__
    return advanced


def _replace(cls: type, **methods: Any) -> None:
    """Put ``methods`` on ``cls`` by name, keeping the ones they replace in _ORIGINAL."""
    for name, method in methods.items():
        _ORIGINAL[name] = getattr(cls, name)
        setattr(cls, name, method)


def install() -> None:
    """Patch moto, in the sandbox server's process (once: a second call changes nothing)."""
    if _ORIGINAL:
        return
    from moto.autoscaling.models import AutoScalingBackend
    from moto.autoscaling.models import FakeAutoScalingGroup
    from moto.autoscaling.responses import AutoScalingResponse
    from moto.ec2.models.instances import InstanceBackend
    from moto.ec2.responses.instances import InstanceResponse
    from moto.elbv2.responses import ELBV2Response

    _replace(
        FakeAutoScalingGroup,
        replace_autoscaling_group_instances=replace_instances,
        active_instances=active_instances,
        set_desired_capacity=set_desired_capacity,
    )
    FakeAutoScalingGroup.instances = property(instances)
    _replace(
        AutoScalingBackend,
        update_attached_target_groups=update_attached_target_groups,
        describe_auto_scaling_instances=describe_auto_scaling_instances,
        terminate_instance=terminate_instance,
    )
    # The deletion of a force-deleted group once it is empty: whatever DeleteAutoScalingGroup does, patches included.
    _ORIGINAL["delete_auto_scaling_group"] = AutoScalingBackend.delete_auto_scaling_group
    AutoScalingBackend.delete_auto_scaling_group = delete_auto_scaling_group

    _ORIGINAL["terminate_instances"] = InstanceBackend.terminate_instances
    InstanceBackend.terminate_instances = terminate_instances
    InstanceResponse.describe_instances = _advancing(InstanceResponse.describe_instances)
    ELBV2Response.describe_target_health = _advancing(ELBV2Response.describe_target_health)

    _ORIGINAL["call_action"] = AutoScalingResponse.call_action
    AutoScalingResponse.call_action = call_action
    responses = {
        "delete_auto_scaling_group": delete_auto_scaling_group_response,
        "create_auto_scaling_group": create_auto_scaling_group_response,
        "complete_lifecycle_action": complete_lifecycle_action_response,
        "record_lifecycle_action_heartbeat": record_lifecycle_action_heartbeat_response,
    }
    for name, method in responses.items():
        if hasattr(AutoScalingResponse, name):
            _ORIGINAL[f"{name}_response"] = getattr(AutoScalingResponse, name)
        setattr(AutoScalingResponse, name, method)
