# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Planning a target-group swap on an ALB listener: pure functions over DescribeListeners/Rules data."""

from __future__ import annotations

import copy

from . import state

# Target states of a target that is leaving its target group and takes no new requests (ELB target health states).
LEAVING = ("draining", "unhealthy.draining")

# The group stickiness of a weighted forward to a target group that is sticky but names no duration for its cookie.
# AWS lists one for the cookie types of an ALB's target groups (lb_cookie and app_cookie, a day until set), so this
# is a fallback; an hour outlasts a canary step and its bake.
DEFAULT_STICKINESS_SECONDS = 3600


def staying_targets(states):
    """How many of a target group's targets, given by their health states, stay in it: the colour's fleet."""
    return sum(1 for item in states if item not in LEAVING)


def not_in_use(states):
    """Whether a target group's targets, given by their health states, are all ``unused``: no listener of the load
    balancer forwards to it, so none is health checked (Elastic Load Balancing User Guide, "Target health status":
    Target.NotInUse, "Target group is not configured to receive traffic from the load balancer")."""
    return bool(states) and all(item == "unused" for item in states)


def settle_seconds(group):
    """How long a target group's health checks take to find a new target healthy, with one interval to spare: the
    interval times one more than the healthy threshold (AWS's defaults, 30 s and 5: 180 s)."""
    interval = int(group.get("HealthCheckIntervalSeconds") or 30)
    return interval * (int(group.get("HealthyThresholdCount") or 5) + 1)


def target_stickiness(attributes):
    """How long a target group keeps a client on one of its targets, from its attributes as DescribeTargetGroupAttributes
    lists them (``{key: value}``): None when its stickiness is off, else the duration of the cookie of its
    ``stickiness.type`` in seconds, 0 when the attributes give none."""
    if str(attributes.get("stickiness.enabled", "false")).lower() != "true":
        return None
    kind = attributes.get("stickiness.type") or "lb_cookie"
    try:
        return int(attributes.get(f"stickiness.{kind}.duration_seconds") or 0)
    except ValueError:
        return 0


def group_stickiness(stickiness_seconds, attributes):
    """How long a weighted forward between the colours keeps a client on the colour it first sent it to, in seconds,
    or None for no group stickiness.

    ``stickiness_seconds`` (the module's option) wins. Without it, a weighted forward to a sticky target group must be
    sticky itself (ALB refuses it otherwise, "You must enable group-level stickiness if you enabled stickiness on any of
    the target groups"): as long as the longest target stickiness of the colours' target groups (``attributes``,
    colour -> attributes), so that no client leaves the target its cookie binds it to while that cookie holds, or
    DEFAULT_STICKINESS_SECONDS when they name no duration. Target groups that are not sticky ask for none.
    """
    if stickiness_seconds is not None:
        return stickiness_seconds
    durations = [seconds for seconds in map(target_stickiness, attributes.values()) if seconds is not None]
    if not durations:
        return None
    return max(durations) or DEFAULT_STICKINESS_SECONDS


def stickiness_config(seconds):
    """The TargetGroupStickinessConfig of a forward that keeps a client on its target group for ``seconds``."""
    return {"Enabled": True, "DurationSeconds": seconds}


def forward_stickiness(actions):
    """The group stickiness of an action list's forward in seconds, or None when it has none (or no forward)."""
    for action in actions or []:
        if action.get("Type") == "forward":
            config = (action.get("ForwardConfig") or {}).get("TargetGroupStickinessConfig") or {}
            return int(config.get("DurationSeconds") or 0) if config.get("Enabled") else None
    return None


def bring_into_use(actions, arn, stickiness=None):
    """``actions`` with target group ``arn`` added to their forward action at weight 0: no traffic goes to it, but the
    load balancer uses it, and so health checks its targets. The other target groups keep their weights and the other
    actions stay as they are. The forward, now to more than one target group, gets the group stickiness of
    ``stickiness`` seconds when given (see group_stickiness), else keeps its own."""
    result = []
    for action in actions:
        if action.get("Type") != "forward":
            result.append(copy.deepcopy(action))
            continue
        config = copy.deepcopy(action.get("ForwardConfig") or {})
        groups = config.get("TargetGroups") or [{"TargetGroupArn": action["TargetGroupArn"], "Weight": 1}]
        if arn not in [group["TargetGroupArn"] for group in groups]:
            groups.append({"TargetGroupArn": arn, "Weight": 0})
        config["TargetGroups"] = groups
        if stickiness:
            config["TargetGroupStickinessConfig"] = stickiness_config(stickiness)
        forward = {"Type": "forward", "ForwardConfig": config}
        if "Order" in action:
            forward["Order"] = action["Order"]
        result.append(forward)
    return result


def wanted_weights(live_color, traffic_percent):
    """Share of production traffic per colour: ``traffic_percent`` to ``live_color``, the rest to the other."""
    if not 1 <= traffic_percent <= 100:
        raise ValueError(f"traffic_percent {traffic_percent} is out of range; use 1 to 100")
    weights = {live_color: traffic_percent}
    if traffic_percent < 100:
        weights[state.other_color(live_color)] = 100 - traffic_percent
    return weights


def production_color(live_color, traffic_percent):
    """The colour tagged IsProduction: the one that takes at least half of the traffic."""
    return live_color if traffic_percent >= 50 else state.other_color(live_color)


def color_weights(actions, arn_colors):
    """Percent of traffic per colour of a forward action list, or None when it does not forward.

    Raises ValueError naming the target group when the forward reaches one of neither colour.
    """
    weights = state.forward_weights(actions)
    if weights is None:
        return None
    by_color = {}
    for arn, percent in weights.items():
        if arn not in arn_colors:
            if percent:
                raise ValueError(arn)
            continue
        if percent:
            by_color[arn_colors[arn]] = by_color.get(arn_colors[arn], 0) + percent
    return by_color


def current_live_color(weights):
    """The colour that takes most of the traffic, or None on an even split or no traffic."""
    ranked = sorted((weights or {}).items(), key=lambda item: item[1], reverse=True)
    if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def describe_shares(weights):
    """``{'blue': 90, 'green': 10}`` as ``blue 90%, green 10%``, for messages."""
    return ", ".join(f"{color} {weights[color]}%" for color in sorted(weights)) or "no colour"


def answer_differs(answered, wanted):
    """Whether the shares a listener forwards with, as AWS answered a change, are not the ones asked for."""
    return {color: percent for color, percent in (answered or {}).items() if percent} != {
        color: percent for color, percent in wanted.items() if percent
    }


def expected_color_holds(weights, expected):
    """Compare-and-swap test: ``expected`` takes at least half of the production traffic."""
    return (weights or {}).get(expected, 0) >= 50


def serving_colors(weights):
    """The colours of ``weights`` that take a share of the traffic, in order."""
    return [color for color, percent in sorted(weights.items()) if percent]


def wanted_stickiness(weights, stickiness):
    """The group stickiness a forward with ``weights`` gets: ``stickiness`` seconds when it is weighted between the
    colours, none when one colour takes everything (a forward to one target group has no group to stick to)."""
    return stickiness if len(serving_colors(weights)) > 1 else None


def forward_to(actions, arns_by_color, weights, stickiness=None):
    """``actions`` with their forward action replaced by one that sends ``weights`` to the colours, with the group
    stickiness of wanted_stickiness.

    Other actions (authentication before the forward, for example) are kept. The forward's own stickiness is not: it
    is decided from the inputs of the step (group_stickiness), never carried over from an earlier one.
    """
    result = []
    for action in actions:
        if action.get("Type") != "forward":
            result.append(copy.deepcopy(action))
            continue
        forward = {"Type": "forward"}
        if "Order" in action:
            forward["Order"] = action["Order"]
        serving = serving_colors(weights)
        if len(serving) == 1:
            forward["TargetGroupArn"] = arns_by_color[serving[0]]
        else:
            config = {
                "TargetGroups": [
                    {"TargetGroupArn": arns_by_color[color], "Weight": weights[color]} for color in serving
                ]
            }
            if wanted_stickiness(weights, stickiness):
                config["TargetGroupStickinessConfig"] = stickiness_config(stickiness)
            forward["ForwardConfig"] = config
        result.append(forward)
    return result


def plan_listener(actions, arns_by_color, weights, stickiness=None):
    """Decide whether a listener's default actions must change: where the forward sends the traffic, and its group
    stickiness (``stickiness`` seconds on a weighted forward, none on a forward to one colour; see group_stickiness).

    Returns ``(changed, after)``; ``after`` is the action list to write (the current one when unchanged).
    Raises ValueError when the listener does not forward, or forwards to a target group of neither colour.
    """
    arn_colors = {arn: color for color, arn in arns_by_color.items()}
    try:
        current = color_weights(actions, arn_colors)
    except ValueError as e:
        raise ValueError(f"forwards to target group {e}, which is neither the blue nor the green one") from None
    if current is None:
        kinds = ", ".join(sorted({action.get("Type", "?") for action in actions})) or "none"
        raise ValueError(f"does not forward to a target group (default action: {kinds})")
    wanted = {color: percent for color, percent in weights.items() if percent}
    if current == wanted and forward_stickiness(actions) == wanted_stickiness(weights, stickiness):
        return False, actions
    return True, forward_to(actions, arns_by_color, weights, stickiness)


def plan_rules(rules, arns_by_color, weights, stickiness=None):
    """The listener rules whose forward must move with the default action, with the same group stickiness.

    A rule moves when every target group it forwards to belongs to a colour. A rule that mixes a
    colour with another target group is left alone and reported, because moving it would change where
    the other share of its traffic goes. Returns ``(changes, skipped)``: changes are
    ``{rule_arn, before, after}``, skipped are ``{rule_arn, reason}``.
    """
    arn_colors = {arn: color for color, arn in arns_by_color.items()}
    changes, skipped = [], []
    for rule in rules:
        if rule.get("IsDefault"):
            continue
        weights_by_arn = state.forward_weights(rule.get("Actions"))
        if not weights_by_arn or not any(arn in arn_colors for arn in weights_by_arn):
            continue
        foreign = sorted(arn for arn in weights_by_arn if arn not in arn_colors)
        if foreign:
            skipped.append(
                {
                    "rule_arn": rule["RuleArn"],
                    "reason": f"forwards to a colour and to {', '.join(foreign)}; left as it is",
                }
            )
            continue
        changed, after = plan_listener(rule["Actions"], arns_by_color, weights, stickiness)
        if changed:
            changes.append({"rule_arn": rule["RuleArn"], "before": rule["Actions"], "after": after})
    return changes, skipped


def production_tags(arns_by_color, production):
    """IsProduction tag value per target group ARN."""
    return {arn: "true" if color == production else "false" for color, arn in arns_by_color.items()}
