#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: alb_swap
version_added: 0.1.0
short_description: Point an ALB's production listener at the target group of one colour
description:
  - Moves the production traffic of an Application Load Balancer between the blue and the green
    target group of an application, in one atomic step or as a weighted share for canary steps.
  - Declarative. O(live_color) is the wanted state; when the listener already forwards that way
    nothing is written, so running the module again changes nothing.
  - The production listener is changed by exactly one C(ModifyListener) call, so there is no moment
    in which production forwards to neither colour. The test listener, when given, takes one more
    call and receives the other colour.
  - Before anything changes, the target group of O(live_color) must have O(min_healthy_targets)
    healthy targets; O(health_wait_timeout) waits for them.
  - Listener rules that forward to a colour's target group move with the default action
    (O(swap_rules)), and the C(IsProduction) tags of both target groups follow the traffic.
  - The module neither takes the deployment lock nor reads it, and leaves the live parameter
    (C(<prefix>/<app>/live)) as it was; M(teal.bluegreen.state_info) then reports the layers as disagreeing. To move
    production traffic while other runs may be deploying or switching, use the teal.bluegreen.switch role or
    playbook, or take the lock with M(teal.bluegreen.deploy_lock) first, and afterwards record the live colour and
    release the lock with M(teal.bluegreen.deploy_lock) (C(state=absent) and C(record)), as the last examples do.
author:
  - Teal Ops (@teal-ops)
options:
  load_balancer:
    description: Name or ARN of the Application Load Balancer.
    type: str
    required: true
  listener_port:
    description: Port of the production listener.
    type: int
    default: 80
  test_listener_port:
    description:
      - Port of the test listener, which receives all its traffic on the colour that is not
        O(live_color), so the idle colour can be tested before and after a switch.
      - When omitted, no test listener is changed.
    type: int
  app:
    description:
      - Application whose tagged target groups are used when O(target_groups) is omitted.
      - Mutually exclusive with O(target_groups); one of the two is required.
    type: str
  live_color:
    description: The colour that should take the production traffic.
    type: str
    choices: [blue, green]
    required: true
  expected_live_color:
    description:
      - Compare-and-swap. When the listener must change, fail and change nothing unless this colour
        currently takes at least half of the production traffic.
      - Not checked when the listener already forwards as wanted, so a finished switch can be re-run.
    type: str
    choices: [blue, green]
  traffic_percent:
    description:
      - Share of the production traffic, in percent (1 to 100), that O(live_color) takes; the other
        colour takes the rest through a weighted forward. Canary and linear steps use values below 100.
    type: int
    default: 100
  stickiness_seconds:
    description:
      - Group stickiness of a weighted forward (O(traffic_percent) below 100), in seconds, 1 to 604800 (7 days). A
        client the load balancer first sent to one colour keeps going to that colour for this long, instead of
        bouncing between the colours from one request to the next during a canary step.
      - When omitted, a weighted forward is sticky only when the target group of either colour has stickiness enabled
        (its C(stickiness.enabled) attribute), since ALB refuses a weighted forward to such a target group without
        group stickiness (C(InvalidLoadBalancerAction)). It is then sticky for as long as the longer of the sticky
        target groups' cookies last (C(stickiness.lb_cookie.duration_seconds) or
        C(stickiness.app_cookie.duration_seconds), after their C(stickiness.type)), so that no client leaves its
        target while its cookie binds it there, or for 3600 seconds when they give no duration. The target groups'
        attributes are read only for a weighted forward, and only without this option.
      - A forward to one colour (O(traffic_percent=100)) has no group stickiness; any the listener had is removed, as
        is any on the test listener. The stickiness of a weighted forward follows this option and the target groups at
        each run; whatever the listener had before is not kept.
      - Listener rules moved with the default action (O(swap_rules)) get the same stickiness.
    type: int
  swap_rules:
    description:
      - Also move the listener rules whose forward actions reach only the colours' target groups,
        so path- or host-based rules follow the default action.
      - Rules that forward to a colour and to another target group are left alone and reported in
        RV(rules_skipped).
    type: bool
    default: true
  min_healthy_targets:
    description:
      - Healthy targets the target group of O(live_color) must have before traffic moves to it; at least V(1).
  health_wait_timeout:
    description:
      - Seconds to wait for O(min_healthy_targets) healthy targets before giving up. V(0) does not wait.
      - A target group that no listener uses (its targets C(unused), as after a switch interrupted between its
        listeners) is first added to the production listener at weight 0, no traffic moved, so that its targets are
        health checked; the run then waits at least as long as the checks take to judge them (the health check
        interval times one more than the healthy threshold), whatever this option says.
      - Check mode never waits, and only warns that it would add such a target group.
  force_unhealthy:
    description:
      - Move the traffic even when the target group of O(live_color) lacks healthy targets.
      - Only for emergencies, such as returning to a colour whose health checks are themselves broken. The run warns
        that it moved the traffic regardless.
      - Never moves traffic to a colour without a fleet; a target group with no target, or only targets that are
        draining, is refused all the same.
    type: bool
    default: false
extends_documentation_fragment:
  - teal.bluegreen.health
  - teal.bluegreen.target_groups
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reads everything and predicts the result; calls no API that changes anything and never waits.
  diff_mode:
    support: full
    description:
      - Shows the default actions of the production and test listeners, and the moved rules, before and after, the
        group stickiness of their forwards included.
notes:
  - Needs C(elasticloadbalancing:DescribeLoadBalancers), C(DescribeListeners), C(DescribeRules),
    C(DescribeTargetGroups), C(DescribeTargetHealth), C(DescribeTags), C(ModifyListener),
    C(ModifyRule) and C(AddTags), with O(app) C(tag:GetResources), and for a weighted forward without
    O(stickiness_seconds) C(DescribeTargetGroupAttributes).
  - A swap of the production and the test listener without rules makes 10 API calls with
    O(target_groups) given (11 with O(app)); a weighted step without O(stickiness_seconds) makes 2 more (the target
    groups' attributes). A run that changes nothing makes no write call.
"""

EXAMPLES = r"""
# Alone, as in the first three examples, the module ignores the deployment lock and leaves the live parameter behind;
# the teal.bluegreen.switch playbook takes the lock, verifies and records. See the last three examples for a locked
# move.
- name: Move all production traffic of the shop to green, and the test listener to blue
  teal.bluegreen.alb_swap:
    load_balancer: shop-alb
    listener_port: 443
    test_listener_port: 8443
    app: shop
    live_color: green
    expected_live_color: blue
    health_wait_timeout: 300

- name: Send 10 percent of the traffic to green as a canary
  teal.bluegreen.alb_swap:
    load_balancer: shop-alb
    target_groups:
      blue: shop-blue
      green: shop-green
    live_color: green
    traffic_percent: 10
  register: canary

- name: Send 10 percent of the traffic to green, each client staying with the colour it reached for 30 minutes
  teal.bluegreen.alb_swap:
    load_balancer: shop-alb
    app: shop
    live_color: green
    traffic_percent: 10
    stickiness_seconds: 1800

- name: Move everything back to blue, whatever the canary reached
  teal.bluegreen.alb_swap:
    load_balancer: shop-alb
    target_groups:
      blue: shop-blue
      green: shop-green
    live_color: blue

# Under the deployment lock, as the teal.bluegreen.switch role moves the traffic: take it, move, then record the
# new live colour and release the lock in one call, in an always section (see teal.bluegreen.deploy_lock).
- name: Move all production traffic of the shop to green, unless someone else moved it since blue was read
  teal.bluegreen.alb_swap:
    load_balancer: shop-alb
    app: shop
    live_color: green
    expected_live_color: blue
"""

RETURN = r"""
previous_live_color:
  description: The colour that took most of the production traffic before the run; null on an even split.
  returned: always
  type: str
  sample: blue
live_color:
  description: The colour that takes the production traffic after the run (O(live_color)).
  returned: always
  type: str
  sample: green
weights:
  description:
    - Share of the production traffic per colour after the run, in percent.
    - After a change, read from the listener as C(ModifyListener) returned it; in check mode, predicted.
    - When that answer differs from the shares asked for, the module fails without touching the test listener or
      the tags, so that a caller can trust these shares without reading the listener again.
  returned: always
  type: dict
  sample: {"green": 100}
previous_weights:
  description: Share of the production traffic per colour before the run, in percent.
  returned: always
  type: dict
  sample: {"blue": 100}
listener_arn:
  description: ARN of the production listener.
  returned: always
  type: str
previous_actions:
  description: Default actions of the production listener before the run, as AWS returned them.
  returned: always
  type: list
  elements: dict
actions:
  description:
    - Default actions of the production listener after the run, as C(ModifyListener) returned them when
      the run changed them (predicted in check mode).
  returned: always
  type: list
  elements: dict
test_listener_arn:
  description: ARN of the test listener.
  returned: when O(test_listener_port) is set
  type: str
test_actions:
  description: Default actions of the test listener after the run.
  returned: when O(test_listener_port) is set
  type: list
  elements: dict
rules_changed:
  description: The listener rules that moved with the default action, with their actions before and after.
  returned: always
  type: list
  elements: dict
rules_skipped:
  description: Rules that forward to a colour and to another target group, left as they are, with the reason.
  returned: always
  type: list
  elements: dict
target_groups:
  description: ARN of the target group of each colour.
  returned: always
  type: dict
target_health:
  description: Healthy and total registered targets of each colour's target group, read before any change.
  returned: always
  type: dict
  sample: {"blue": {"healthy": 2, "total": 2}, "green": {"healthy": 2, "total": 2}}
production_color:
  description: The colour whose target group is tagged C(IsProduction=true) after the run.
  returned: always
  type: str
  sample: green
stickiness_seconds:
  description:
    - Group stickiness of the production listener's forward after the run, in seconds (see O(stickiness_seconds));
      null when it has none, as a forward to one colour never has.
  returned: always
  type: int
  sample: 3600
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.teal.bluegreen.plugins.module_utils import health as health_guard
from ansible_collections.teal.bluegreen.plugins.module_utils import state
from ansible_collections.teal.bluegreen.plugins.module_utils import swap
from ansible_collections.teal.bluegreen.plugins.module_utils._elbv2 import resources as elbv2_api
from ansible_collections.teal.bluegreen.plugins.module_utils.bounds import check_minimums
from ansible_collections.teal.bluegreen.plugins.module_utils.bounds import check_options
from ansible_collections.teal.bluegreen.plugins.module_utils.discovery import find_load_balancer
from ansible_collections.teal.bluegreen.plugins.module_utils.discovery import pick_listener
from ansible_collections.teal.bluegreen.plugins.module_utils.discovery import resolve_target_groups
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import BlueGreenError
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import check_app
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import Clients
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import run_module
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import TARGET_GROUPS_SPEC


def check_target_groups(lb, target_groups, label):
    """Both colours must have a target group, in the load balancer's VPC."""
    for color in state.COLORS:
        group = target_groups.get(color)
        if group is None:
            raise BlueGreenError(
                f"no {color} target group found for {label}; tag one {state.COLOR_TAG}={color} or pass target_groups"
            )
        if group.get("VpcId") != lb.get("VpcId"):
            raise BlueGreenError(
                f"target group {group['TargetGroupName']!r} ({color}) is in {group.get('VpcId')}, but load balancer "
                f"{lb['LoadBalancerName']!r} is in {lb.get('VpcId')}; use target groups of the load balancer's VPC"
            )


def read_stickiness(module, elbv2, target_groups):
    """The group stickiness of a weighted forward between the colours (swap.group_stickiness): stickiness_seconds, or
    from the colours' target groups' attributes, read only then."""
    if module.params["stickiness_seconds"] is not None:
        return module.params["stickiness_seconds"]
    attributes = {
        color: elbv2_api.describe_target_group_attributes(elbv2, group["TargetGroupArn"])
        for color, group in target_groups.items()
    }
    return swap.group_stickiness(None, attributes)


def bring_into_use(module, elbv2, listener, target_groups, color, described, health, stickiness):
    """When no listener forwards to the colour's target group (after a switch interrupted between its listeners, say),
    its targets are ``unused``: not health checked, so neither healthy nor unhealthy. Add it to the production
    listener at weight 0 first, no traffic moved, so that they are; returns how long their health checks take to
    judge them (swap.settle_seconds), which the health guard waits at least, or 0 when they were in use.

    That forward goes to two target groups, and so needs the group stickiness of a weighted one (``stickiness``, read
    here for a step that moves all the traffic, which has not read it)."""
    group = target_groups[color]
    states = [item["TargetHealth"]["State"] for item in described[color]]
    if not swap.not_in_use(states) or module.params["force_unhealthy"]:
        return 0
    if module.check_mode:
        module.warn(
            f"target group {group['TargetGroupName']!r} ({color}) is used by no listener, so its targets are not "
            "health checked; a real run would add it to the production listener at weight 0 first"
        )
        return 0
    if module.params["traffic_percent"] == 100:
        stickiness = read_stickiness(module, elbv2, target_groups)
    elbv2_api.modify_listener(
        elbv2,
        listener["ListenerArn"],
        swap.bring_into_use(listener["DefaultActions"], group["TargetGroupArn"], stickiness),
    )
    described[color] = elbv2_api.describe_target_health(elbv2, group["TargetGroupArn"])
    health[color] = state.health_counts(described[color])
    return swap.settle_seconds(group)


def guard_health(module, elbv2, group, color, health, states, settle=0):
    """Refuse to send traffic to a colour without enough healthy targets, after waiting when asked to (at least
    ``settle`` seconds for targets just brought into use); with force_unhealthy, only a colour without a fleet
    (``states``: its targets' health states)."""
    params = module.params
    wanted = params["min_healthy_targets"]
    if health[color]["healthy"] >= wanted:
        return
    if params["force_unhealthy"]:
        if not swap.staying_targets(states):
            raise BlueGreenError(
                f"target group {group['TargetGroupName']!r} ({color}) has no target that stays registered "
                f"({health[color]['total']} listed, none but draining ones); force_unhealthy moves traffic to targets "
                f"that fail their health checks, never to a colour without a fleet: start {color}'s fleet "
                "(teal.bluegreen.asg_clone) and register it first"
            )
        module.warn(
            f"force_unhealthy: moving traffic to {color} although target group {group['TargetGroupName']!r} has "
            f"{health[color]['healthy']} of {health[color]['total']} targets healthy (min_healthy_targets={wanted})"
        )
        return
    timeout = max(params["health_wait_timeout"], settle)
    health[color] = health_guard.ensure_healthy(
        module, elbv2, group, color, health[color], wanted, timeout, params["health_poll_interval"]
    )


def plan(module, lb, listeners, target_groups, stickiness):
    """Everything the run would write, decided from what was read (``stickiness``: read_stickiness's, for a weighted
    forward); raises BlueGreenError on bad input."""
    params = module.params
    arns = {color: group["TargetGroupArn"] for color, group in target_groups.items()}
    arn_colors = {arn: color for color, arn in arns.items()}
    weights = swap.wanted_weights(params["live_color"], params["traffic_percent"])

    production = pick_listener(lb, listeners, params["listener_port"])
    try:
        before = swap.color_weights(production["DefaultActions"], arn_colors) or {}
        changed, after = swap.plan_listener(production["DefaultActions"], arns, weights, stickiness)
    except ValueError as e:
        raise BlueGreenError(
            f"the production listener (port {params['listener_port']}) {e}; alb_swap only moves forward actions "
            "between the colours' target groups"
        ) from None
    if (
        changed
        and params["expected_live_color"]
        and not swap.expected_color_holds(before, params["expected_live_color"])
    ):
        raise BlueGreenError(
            f"expected {params['expected_live_color']} to be live, but the production listener sends "
            f"{swap.describe_shares(before)}; "
            "not switching (another run may have moved the traffic: read teal.bluegreen.state_info)"
        )

    result = {
        "production": {"listener": production, "changed": changed, "after": after},
        "before": before,
        "weights": {color: percent for color, percent in weights.items() if percent},
        "arns": arns,
        "stickiness": stickiness,
        "rules": ([], []),
        "test": None,
    }
    if params["test_listener_port"] is not None:
        test = pick_listener(lb, listeners, params["test_listener_port"], option="test_listener_port")
        idle = {state.other_color(params["live_color"]): 100}
        try:
            test_changed, test_after = swap.plan_listener(test["DefaultActions"], arns, idle)
        except ValueError as e:
            raise BlueGreenError(f"the test listener (port {params['test_listener_port']}) {e}") from None
        result["test"] = {"listener": test, "changed": test_changed, "after": test_after}
    return result


def check_input(params):
    """The checks of the input that need no AWS call, beyond main()'s."""
    if params["app"]:
        check_app(params["app"])


def read(module, clients):
    """What the run decides from: the load balancer, its listeners, the colours' target groups, checked, and the group
    stickiness of a weighted forward between them (None for a forward to one colour, which has none)."""
    params = module.params
    elbv2 = clients("elbv2")
    tagging = clients("resourcegroupstaggingapi") if not params["target_groups"] else None
    lb = find_load_balancer(elbv2, params["load_balancer"])
    listeners = elbv2_api.describe_listeners(elbv2, lb["LoadBalancerArn"])
    target_groups = resolve_target_groups(elbv2, tagging, params["app"], params["target_groups"], with_tags=False)
    check_target_groups(lb, target_groups, f"app {params['app']!r}" if params["app"] else "target_groups")
    stickiness = read_stickiness(module, elbv2, target_groups) if params["traffic_percent"] < 100 else None
    return dict(lb=lb, listeners=listeners, target_groups=target_groups, stickiness=stickiness)


def read_health(elbv2, target_groups):
    """Each colour's targets as described, and their health counts."""
    described = {
        color: elbv2_api.describe_target_health(elbv2, group["TargetGroupArn"])
        for color, group in target_groups.items()
    }
    return described, {color: state.health_counts(items) for color, items in described.items()}


def plan_rules(module, elbv2, planned):
    """The production listener's rules that forward between the colours, as they would change; the others."""
    if not module.params["swap_rules"]:
        return [], []
    rules = elbv2_api.describe_rules(elbv2, planned["production"]["listener"]["ListenerArn"])
    return swap.plan_rules(rules, planned["arns"], planned["weights"], planned["stickiness"])


def plan_tags(elbv2, planned, production_color, moves_traffic):
    """The IsProduction tags to write, {target group ARN: "true" or "false"}: all of them when the traffic moves,
    else only those that differ."""
    wanted = swap.production_tags(planned["arns"], production_color)
    if moves_traffic:
        return wanted
    current = elbv2_api.describe_tags(elbv2, wanted.keys())
    return {arn: value for arn, value in wanted.items() if current.get(arn, {}).get(state.PRODUCTION_TAG) != value}


def ensure_healthy(module, elbv2, listener, target_groups, described, health, stickiness):
    """The colour that takes traffic has enough healthy targets (brought into use, waited for), or the run fails."""
    live = module.params["live_color"]
    settle = bring_into_use(module, elbv2, listener, target_groups, live, described, health, stickiness)
    states = [item["TargetHealth"]["State"] for item in described[live]]
    guard_health(module, elbv2, target_groups[live], live, health, states, settle)


def ensure_listener(module, elbv2, planned):
    """The production listener forwards as planned: (changed, the weights AWS answered with)."""
    production = planned["production"]
    if not production["changed"] or module.check_mode:
        return production["changed"], planned["weights"]
    # The listener as AWS answers the change is what the result reports, so that a caller can verify the switch
    # from it without reading the listener again.
    written = elbv2_api.modify_listener(elbv2, production["listener"]["ListenerArn"], production["after"])
    production["after"] = written["DefaultActions"]
    arn_colors = {arn: color for color, arn in planned["arns"].items()}
    weights = swap.color_weights(production["after"], arn_colors) or {}
    if swap.answer_differs(weights, planned["weights"]):
        raise BlueGreenError(
            f"AWS answered the change of the production listener (port {module.params['listener_port']}) with "
            f"{swap.describe_shares(weights)}, not the {swap.describe_shares(planned['weights'])} asked for; "
            "the listener rules, the test listener and the IsProduction tags were not changed: read "
            "teal.bluegreen.state_info and switch again"
        )
    return True, weights


def ensure_rest(module, elbv2, rule_changes, test, tag_changes):
    """The rules, the test listener and the IsProduction tags follow the production listener: changed."""
    changed = bool(rule_changes) or bool(test and test["changed"]) or bool(tag_changes)
    if not changed or module.check_mode:
        return changed
    for rule in rule_changes:
        elbv2_api.modify_rule(elbv2, rule["rule_arn"], rule["after"])
    if test and test["changed"]:
        elbv2_api.modify_listener(elbv2, test["listener"]["ListenerArn"], test["after"])
    for value in ("true", "false"):
        arns = [arn for arn, wanted in tag_changes.items() if wanted == value]
        if arns:
            elbv2_api.add_tags(elbv2, arns, {state.PRODUCTION_TAG: value})
    return True


def report(module, planned, health, rules, weights):
    """The module's result, with its diff."""
    production, test = planned["production"], planned["test"]
    rule_changes, rules_skipped = rules
    result = {
        "previous_live_color": swap.current_live_color(planned["before"]),
        "live_color": module.params["live_color"],
        "weights": weights,
        "previous_weights": planned["before"],
        "listener_arn": production["listener"]["ListenerArn"],
        "previous_actions": production["listener"]["DefaultActions"],
        "actions": production["after"],
        "rules_changed": rule_changes,
        "rules_skipped": rules_skipped,
        "target_groups": planned["arns"],
        "target_health": health,
        "production_color": planned["production_color"],
        "stickiness_seconds": swap.forward_stickiness(production["after"]),
    }
    diff_before = {"production_listener": production["listener"]["DefaultActions"]}
    diff_after = {"production_listener": production["after"]}
    if test:
        result.update(test_listener_arn=test["listener"]["ListenerArn"], test_actions=test["after"])
        diff_before["test_listener"] = test["listener"]["DefaultActions"]
        diff_after["test_listener"] = test["after"]
    if rule_changes:
        diff_before["rules"] = {rule["rule_arn"]: rule["before"] for rule in rule_changes}
        diff_after["rules"] = {rule["rule_arn"]: rule["after"] for rule in rule_changes}
    if module._diff:
        result["diff"] = {"before": diff_before, "after": diff_after}
    return result


def do(module):
    params = module.params
    check_input(params)
    clients = Clients(module)
    elbv2 = clients("elbv2")

    seen = read(module, clients)
    planned = plan(module, seen["lb"], seen["listeners"], seen["target_groups"], seen["stickiness"])
    described, health = read_health(elbv2, seen["target_groups"])
    rules = plan_rules(module, elbv2, planned)
    moves_traffic = planned["production"]["changed"] or bool(rules[0])
    if moves_traffic:
        listener = planned["production"]["listener"]
        ensure_healthy(module, elbv2, listener, seen["target_groups"], described, health, planned["stickiness"])
    planned["production_color"] = swap.production_color(params["live_color"], params["traffic_percent"])
    tag_changes = plan_tags(elbv2, planned, planned["production_color"], moves_traffic)

    listener_changed, weights = ensure_listener(module, elbv2, planned)
    rest_changed = ensure_rest(module, elbv2, rules[0], planned["test"], tag_changes)
    result = report(module, planned, health, rules, weights)
    module.exit_json(changed=listener_changed or rest_changed, **result)


def main():
    argument_spec = dict(
        load_balancer=dict(type="str", required=True),
        listener_port=dict(type="int", default=80),
        test_listener_port=dict(type="int"),
        target_groups=TARGET_GROUPS_SPEC,
        app=dict(type="str"),
        live_color=dict(type="str", choices=list(state.COLORS), required=True),
        expected_live_color=dict(type="str", choices=list(state.COLORS)),
        traffic_percent=dict(type="int", default=100),
        stickiness_seconds=dict(type="int"),
        swap_rules=dict(type="bool", default=True),
        min_healthy_targets=dict(type="int", default=1),
        health_wait_timeout=dict(type="int", default=0),
        health_poll_interval=dict(type="int", default=5),
        force_unhealthy=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[["target_groups", "app"]],
        required_one_of=[["target_groups", "app"]],
    )

    params = module.params
    if not 1 <= params["traffic_percent"] <= 100:
        module.fail_json(msg=f"traffic_percent {params['traffic_percent']} is out of range; use 1 to 100")
    if params["listener_port"] == params["test_listener_port"]:
        module.fail_json(
            msg=f"listener_port and test_listener_port are both {params['listener_port']}; use two listeners"
        )
    if params["min_healthy_targets"] < 1:
        module.fail_json(
            msg=f"min_healthy_targets {params['min_healthy_targets']} would let traffic move to a colour without a "
            "healthy target; use 1 or more (force_unhealthy is the explicit override for an emergency)"
        )
    check_minimums(module, ("health_wait_timeout", "health_poll_interval"))

    check_options(module, argument_spec)
    run_module(module, do)


if __name__ == "__main__":
    main()
