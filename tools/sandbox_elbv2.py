"""The sandbox's Elastic Load Balancing v2: moto's, with the ARNs of network and gateway load balancers as AWS makes them,
and the group stickiness of forwards checked as AWS checks it.

What moto 5.2.5 does (moto/elbv2/utils.py, ``make_arn_for_load_balancer``): every load balancer's ARN reads
``loadbalancer/app/<name>/<id>``, whatever its type, and its listeners' and rules' ARNs follow it
(``listener/app/...``, ``listener-rule/app/...``).

What AWS documents (Service Authorization Reference, "Actions, resources, and condition keys for Elastic Load
Balancing V2", resource types): an application load balancer is ``loadbalancer/app/<name>/<id>`` with listeners
``listener/app/...``; a network load balancer ``loadbalancer/net/<name>/<id>`` with listeners ``listener/net/...``;
a gateway load balancer ``loadbalancer/gwy/...`` with ``listener/gwy/...``. IAM policies tell them apart by these ARNs
(``arn:aws:elasticloadbalancing:*:*:listener/app/*`` covers the listeners of application load balancers only).

The patch: a network or gateway load balancer is given the ARN of its type when it is created; its listeners and
rules, whose ARNs moto derives from it, follow.

Group stickiness of a forward (ForwardConfig.TargetGroupStickinessConfig). What moto 5.2.5 does (moto/elbv2/models.py,
``FakeAction``, ``ELBv2Backend.modify_listener``, ``_validate_actions``): it keeps the config it is given and answers
with it (``{"Enabled": false}`` when none was given), but checks nothing of it. ModifyListener checks
no action at all ("Is currently not validated"), so a weighted forward to target groups with stickiness enabled is
accepted without group stickiness, and so is group stickiness enabled without a duration, or with one out of range.
And DescribeTargetGroupAttributes leaves out the durations of the stickiness cookies until they are set.

What AWS documents:

- the Elastic Load Balancing User Guide for Application Load Balancers, "Add a listener rule", forward to target
  groups: "You must enable group-level stickiness if you enabled stickiness on any of the target groups". ALB
  refuses such a forward with InvalidLoadBalancerAction, "You must enable group stickiness on a rule if you enabled
  target stickiness on one of its target groups" (argo-rollouts#1572 quotes the answer). A forward to one target
  group, the plain forward a sticky target group is usually behind, is not a rule "with" target groups to stick to;
  a forward to several counts each of them, whatever its weight: the sandbox refuses a weight of 0 as well, so that
  what passes here passes under either reading;
- the API Reference, TargetGroupStickinessConfig, DurationSeconds: "The range is 1-604800 seconds (7 days). You must
  specify this value when enabling target group stickiness";
- the API Reference, TargetGroupAttribute: stickiness.lb_cookie.duration_seconds and
  stickiness.app_cookie.duration_seconds, "The default value is 1 day (86400 seconds)"; its
  DescribeTargetGroupAttributes example lists ``stickiness.lb_cookie.duration_seconds`` ``86400`` for a target
  group that never set it.

The patch: CreateListener, ModifyListener, CreateRule and ModifyRule refuse, before moto's own checks, a forward
whose group stickiness is enabled without a DurationSeconds of 1 to 604800 (ValidationError), and a forward to more
than one target group without group stickiness when one of them has ``stickiness.enabled`` true
(InvalidLoadBalancerAction); a new HTTP or HTTPS target group lists both cookie durations at their default. The
attributes are moto's own, so tools/sandbox_snapshot.py saves them with everything else.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from moto.elbv2.exceptions import InvalidLoadBalancerActionException
from moto.elbv2.exceptions import ValidationError
from moto.elbv2.models import ELBv2Backend

KINDS = {"network": "net", "gateway": "gwy"}
# TargetGroupStickinessConfig, DurationSeconds.
GROUP_STICKINESS_SECONDS = (1, 604800)
# TargetGroupAttribute: the cookies' durations, 1 day until set.
COOKIE_DURATIONS = {
    "stickiness.lb_cookie.duration_seconds": "86400",
    "stickiness.app_cookie.duration_seconds": "86400",
}
# moto's calls that take a list of actions (their parameter ``actions``).
ACTION_CALLS = ("create_listener", "modify_listener", "create_rule", "modify_rule")

_MOTO_CREATE_LOAD_BALANCER = ELBv2Backend.create_load_balancer
_MOTO_CREATE_TARGET_GROUP = ELBv2Backend.create_target_group


def create_load_balancer(self: ELBv2Backend, *args: Any, **kwargs: Any) -> Any:
    """moto's load balancer, its ARN naming its type."""
    balancer = _MOTO_CREATE_LOAD_BALANCER(self, *args, **kwargs)
    kind = KINDS.get(balancer.type)
    if kind:
        old = balancer.arn
        balancer.arn = old.replace(":loadbalancer/app/", f":loadbalancer/{kind}/")
        self.load_balancers[balancer.arn] = self.load_balancers.pop(old)
        tags = self.tagging_service.get_tag_dict_for_resource(old)
        self.tagging_service.delete_all_tags_for_resource(old)
        if tags:
            self.tagging_service.tag_resource(
                balancer.arn, [{"Key": key, "Value": value} for key, value in tags.items()]
            )
    return balancer


def create_target_group(self: ELBv2Backend, *args: Any, **kwargs: Any) -> Any:
    """moto's target group, listing the durations of the stickiness cookies of an HTTP or HTTPS one."""
    group = _MOTO_CREATE_TARGET_GROUP(self, *args, **kwargs)
    if group.protocol in ("HTTP", "HTTPS"):
        for key, value in COOKIE_DURATIONS.items():
            group.attributes.setdefault(key, value)
    return group


def is_true(value: Any) -> bool:
    """A boolean of a request (parsed, or as text) or a target group attribute (always text)."""
    return str(value).lower() == "true"


def check_group_stickiness(backend: ELBv2Backend, actions: list[dict[str, Any]] | None) -> None:
    """Refuse the forwards of ``actions`` whose group stickiness AWS refuses."""
    for action in actions or []:
        if action.get("Type") != "forward":
            continue
        config = action.get("ForwardConfig") or {}
        stickiness = config.get("TargetGroupStickinessConfig") or {}
        low, high = GROUP_STICKINESS_SECONDS
        seconds = stickiness.get("DurationSeconds")
        if is_true(stickiness.get("Enabled")) and seconds is None:
            raise ValidationError("You must specify a duration when enabling target group stickiness")
        if seconds is not None and not low <= int(seconds) <= high:
            raise ValidationError(f"Target group stickiness duration must be between {low} and {high} seconds")
        arns = [item.get("TargetGroupArn") for item in config.get("TargetGroups") or []]
        if len(arns) < 2 or is_true(stickiness.get("Enabled")):
            continue
        groups = [backend.target_groups.get(arn) for arn in arns]
        if any(group is not None and is_true(group.attributes.get("stickiness.enabled")) for group in groups):
            raise InvalidLoadBalancerActionException(
                "You must enable group stickiness on a rule if you enabled target stickiness on one of its target groups"
            )


def checking_group_stickiness(call: Callable[..., Any]) -> Callable[..., Any]:
    """moto's ``call``, its actions checked first (check_group_stickiness)."""
    signature = inspect.signature(call)

    @functools.wraps(call)
    def checked(self: ELBv2Backend, *args: Any, **kwargs: Any) -> Any:
        check_group_stickiness(self, signature.bind(self, *args, **kwargs).arguments.get("actions"))
        return call(self, *args, **kwargs)

    return checked


def install() -> None:
    """Patch moto, in the sandbox server's process."""
    ELBv2Backend.create_load_balancer = create_load_balancer
    ELBv2Backend.create_target_group = create_target_group
    for name in ACTION_CALLS:
        setattr(ELBv2Backend, name, checking_group_stickiness(getattr(ELBv2Backend, name)))
