#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: state_info
version_added: 0.1.0
short_description: Report which colour of a blue/green application is live, layer by layer
description:
  - Reads, without changing anything, every layer that records which colour of a blue/green
    application serves users, and reports whether they agree.
  - The layers are the ALB production listener (O(load_balancer)), the Route 53 live alias records
    (O(live_records)), the SSM parameter C(<parameter_prefix>/<app>/live) and the tags of the app's
    Auto Scaling groups.
  - The traffic layer is the ground truth. The target group of a CodeDeploy blue/green deployment
    (O(codedeploy_target_group)) is trusted first, then the ALB listener, then the Route 53 records, then the
    instances' web-root symlinks (O(symlinks)), and only without any of them the SSM parameter.
  - Resources are found by the tags C(bluegreen:app) and C(bluegreen:color) through filters, never by
    listing every resource of the account.
  - The deploy and switch roles refuse to start when RV(consistent) is false.
author:
  - Teal Ops (@teal-ops)
options:
  load_balancer:
    description:
      - Name or ARN of the Application Load Balancer whose production listener carries the traffic.
      - When omitted, the ALB layer is not reported.
    type: str
  listener_port:
    description:
      - Port of the production listener on O(load_balancer).
    type: int
    default: 80
  test_listener_port:
    description:
      - Port of the test listener on O(load_balancer), through which the idle colour is tested before a switch.
      - When given, the ALB layer also reports it (RV(layers)), and a test listener that forwards any traffic to
        the live colour makes the state inconsistent, since checks through it would reach the production fleet.
      - When omitted, the test listener is not read. Requires O(load_balancer).
    type: int
  live_records:
    description:
      - The alias records that carry the live traffic in Route 53.
      - Records aliasing O(load_balancer) follow its listener; records aliasing a colour's load balancer
        (O(load_balancers)) take that colour.
      - When omitted, the Route 53 layer is not reported.
  load_balancers:
    description:
      - With one load balancer per colour (strategy C(route53)), the load balancer of each colour, by name
        or ARN, as given to M(teal.bluegreen.route53_alias_flip); it tells which colour O(live_records) alias.
      - When omitted, the load balancers tagged C(bluegreen:app=<app>) and C(bluegreen:color) are the colours'.
  codedeploy_target_group:
    description:
      - With strategy C(codedeploy), name or ARN of the one target group in which CodeDeploy's blue/green
        deployments move the traffic between Auto Scaling groups. The colour of the instances registered there
        (their group's C(bluegreen:color) tag) is the live colour; they make the CodeDeploy layer, which then
        carries the traffic, and the colours' targets in RV(colors) are their instances in it.
      - When omitted, the CodeDeploy layer is not reported.
    type: str
  symlinks:
    description:
      - With strategy C(efs), the target of the web-root symlink on each instance, by instance (inventory host)
        name, as the instances report it (C(null) when the web root is not a symlink). They make the EFS layer,
        which then carries the traffic; the share of instances per colour is its weights.
      - A target is a colour's directory when its last component is C(blue) or C(green) and, with
        O(symlink_root), it lies directly in O(symlink_root).
      - When omitted, the EFS layer is not reported.
    type: dict
  symlink_root:
    description:
      - The directory that holds the colours' directories, C(<efs mount>/<app>), for O(symlinks).
    type: path
  history:
    description:
      - Whether to read the live parameter's history (one more call) for the C(history) and
        C(previous_color) of the SSM layer in RV(layers); a read that only checks the state after a change needs neither.
    type: bool
    default: true
  alarms:
    description:
      - CloudWatch alarm names (metric or composite) whose state to report in RV(alarms), with one DescribeAlarms call;
        the switch role refuses to start while one of them is in ALARM or does not exist.
      - Up to 100 names.
    type: list
    elements: str
    default: []
  min_healthy_targets:
    description:
      - The live colour with fewer healthy targets than this (in its target group) is flagged in RV(flags).
      - 1 to 10000.
    type: int
    default: 1
  lock_max_age:
    description:
      - A deployment lock held for longer than this many seconds is flagged in RV(flags), since the run that took it
        may have died.
      - 0 to 31536000 (a year).
    type: int
    default: 3600
extends_documentation_fragment:
  - teal.bluegreen.app
  - teal.bluegreen.target_groups
  - teal.bluegreen.load_balancers
  - teal.bluegreen.records
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: The module never changes anything.
  diff_mode:
    support: none
    description: The module never changes anything, so there is nothing to show.
notes:
  - Needs C(elasticloadbalancing:Describe*), C(autoscaling:DescribeAutoScalingGroups),
    C(tag:GetResources), C(ssm:GetParameters), C(ssm:GetParameterHistory) and, with O(live_records), C(route53:GetHostedZone),
    C(route53:ListHostedZonesByName) and C(route53:ListResourceRecordSets); with O(alarms), C(cloudwatch:DescribeAlarms).
"""

EXAMPLES = r"""
- name: Read the state of the shop application behind its ALB
  teal.bluegreen.state_info:
    app: shop
    load_balancer: shop-alb
  register: shop_state

- name: Refuse to go on when the layers disagree
  ansible.builtin.assert:
    that: shop_state.consistent
    fail_msg: "shop is not in a consistent state: {{ shop_state.reasons | join('; ') }}"

- name: Read the state with explicit target groups and the public alias records
  teal.bluegreen.state_info:
    app: shop
    load_balancer: shop-alb
    listener_port: 443
    target_groups:
      blue: shop-blue
      green: shop-green
    live_records:
      zone: example.com
      names: [www, shop.example.com]
  register: shop_state

- name: Show which colour is idle
  ansible.builtin.debug:
    msg: "Deploy the next release to {{ shop_state.idle_color }}"

- name: Read the state of an application whose colours each have a load balancer (strategy route53)
  teal.bluegreen.state_info:
    app: shop
    load_balancers:
      blue: shop-blue
      green: shop-green
    live_records:
      zone: example.com
      names: [www]
  register: shop_state
"""

RETURN = r"""
app:
  description: The application.
  returned: always
  type: str
  sample: demo
live_color:
  description: The colour that serves users according to the trusted layer, or null when it cannot be told.
  returned: always
  type: str
  sample: blue
idle_color:
  description: The other colour, the one the next release goes to; null when RV(live_color) is null.
  returned: always
  type: str
  sample: green
consistent:
  description: Whether every reported layer agrees with RV(live_color) and nothing is half done.
  returned: always
  type: bool
  sample: true
source:
  description: The layer RV(live_color) was taken from (V(codedeploy), V(alb), V(route53), V(efs) or V(ssm)).
  returned: always
  type: str
  sample: alb
reasons:
  description: Why the state is not consistent, one sentence per finding, prefixed by its layer.
  returned: always
  type: list
  elements: str
  sample: ["ssm: says green is live but alb sends traffic to blue"]
flags:
  description:
    - What deserves a look although it does not make the state inconsistent, one sentence each; the roles do not
      refuse because of them.
    - The live colour with fewer healthy targets than O(min_healthy_targets), a lock parameter that holds no lock
      document, and a lock older than O(lock_max_age).
  returned: always
  type: list
  elements: str
  sample: ["the live colour blue has 1 of 2 targets healthy in shop-blue, fewer than min_healthy_targets (2)"]
layers:
  description: What each reported layer says. Layers that were not asked for are absent.
  returned: always
  type: dict
  contains:
    codedeploy:
      description:
        - The target group of O(codedeploy_target_group); C(targets) counts, per colour, its instances registered
          there (C(healthy), C(total)), C(weights) is each colour's share of them (percent). Draining targets do
          not count.
      returned: when O(codedeploy_target_group) is set
      type: dict
      sample:
        live_color: green
        target_group_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop/0123456789abcdef
        weights: {"blue": 0, "green": 100}
        targets: {"blue": {"healthy": 0, "total": 0}, "green": {"healthy": 2, "total": 2}}
        reasons: []
    alb:
      description:
        - The production listener; C(weights) is the share of traffic (percent) per colour.
        - With O(test_listener_port), C(test_listener) is the test listener, with its C(port), C(listener_arn),
          C(weights) per colour and C(reasons).
      returned: when O(load_balancer) is set
      type: dict
      sample:
        live_color: blue
        listener_port: 80
        weights: {"blue": 100}
        reasons: []
        test_listener: {"port": 8080, "weights": {"green": 100}, "reasons": []}
    route53:
      description:
        - The live alias records and the colour each points at; weighted records are listed one per set
          identifier, with their C(weight).
        - C(weights) is the share of answers (percent) per colour when every name has the same; weighted
          records that split the answers between the colours mean a gradual shift is in progress.
      returned: when O(live_records) is set
      type: dict
      sample:
        live_color: blue
        weights: {"blue": 100}
        zone_id: /hostedzone/Z0123456789EXAMPLE
        records:
          - {"name": "www.example.com.", "type": "A", "set_identifier": null, "weight": null, "color": "blue",
             "alias_dns_name": "demo-blue-1234.us-east-1.elb.amazonaws.com."}
        reasons: []
    efs:
      description:
        - The web-root symlinks of the instances (O(symlinks)); C(hosts) gives the colour each instance serves
          (C(null) when its web root is not a colour's directory), C(weights) the share of instances (percent)
          per colour.
      returned: when O(symlinks) is set
      type: dict
      sample: {"live_color": "blue", "weights": {"blue": 100}, "hosts": {"web1": "blue", "web2": "blue"}, "reasons": []}
    ssm:
      description:
        - The live-colour parameter, its value and version.
        - C(history) lists its newest ten versions (with O(history)), newest first, each with C(version), C(value),
          C(description) and C(last_modified); it is the deployment audit trail.
        - C(previous_color) is the colour that was live before the current one, from that history (with O(history)).
      returned: always
      type: dict
      sample:
        live_color: blue
        name: /bluegreen/demo/live
        version: 3
        value: blue
        previous_color: green
        history:
          - {"version": 3, "value": "blue", "description": "rollback 20261122T1004: blue", "last_modified": "2026-11-22T10:04:00+00:00"}
          - {"version": 2, "value": "green", "description": "switch 20261122T0950: green", "last_modified": "2026-11-22T09:50:00+00:00"}
        reasons: []
    asg:
      description: The app's Auto Scaling groups per colour; C(live_color) is the only colour with capacity, if any.
      returned: always
      type: dict
colors:
  description:
    - The resources of each colour.
    - C(traffic_percent) is the colour's share of the traffic according to the ALB layer or, without
      O(load_balancer), the Route 53 layer.
    - C(deleting) is true while the colour's Auto Scaling group is being deleted (its instances drain and
      terminate before it goes).
    - C(awaiting_color_tag) is true when the colour's Auto Scaling group is the copy a CodeDeploy blue/green
      deployment made (C(CodeDeploy_<deployment group>_<deployment id>)) and still carries the tags of the group it
      copied, the other colour's; the deployment tags it with its colour once the copy is Ready.
  returned: always
  type: dict
  sample:
    blue:
      target_group_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-blue/0123456789abcdef
      target_group_name: demo-blue
      is_production: true
      targets_healthy: 2
      targets_total: 2
      auto_scaling_group: demo-blue
      desired_capacity: 2
      instances_in_service: 2
      deleting: false
      awaiting_color_tag: false
    green:
      target_group_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-green/fedcba9876543210
      target_group_name: demo-green
      is_production: false
      targets_healthy: 0
      targets_total: 0
      auto_scaling_group: null
      desired_capacity: 0
      instances_in_service: 0
      deleting: false
      awaiting_color_tag: false
alarms:
  description:
    - The state of each alarm of O(alarms), in their order; a name no alarm has gets RV(alarms[].state) null.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The alarm's name.
      type: str
    state:
      description: C(OK), C(ALARM) or C(INSUFFICIENT_DATA); null when no metric or composite alarm has the name.
      type: str
    reason:
      description: Why the alarm is in its state, as CloudWatch says (StateReason).
      type: str
    updated:
      description: When the alarm's state last changed, ISO 8601.
      type: str
  sample:
    - {name: demo-5xx, state: OK, reason: "Threshold Crossed: 1 datapoint [0.0] was not greater than 5.0",
       updated: "2026-12-08T01:00:00+00:00"}
lock:
  description:
    - The holder of the deployment lock C(<prefix>/<app>/lock), or null when the app is not locked.
    - C(valid) is false when the lock parameter does not hold the expected JSON document.
    - C(since) is when SSM wrote the lock parameter, by the clock that dates C(layers.ssm.history).
  returned: always
  type: dict
  sample:
    owner: awx-job-812
    operation: switch
    started: "2026-11-22T10:04:00Z"
    valid: true
    version: 1
    since: "2026-11-22T10:04:00.412000+00:00"
deployment:
  description:
    - The last deployment the teal.bluegreen.deploy role recorded in C(<prefix>/<app>/deployment), or null.
    - C(color) is the colour it deployed to, C(id) its deployment id; C(valid) is false when the parameter does
      not hold the expected JSON document.
    - C(pending) is true while that colour has not been live since the deployment, that is while the live parameter names
      the other colour and has not changed since. The clean role refuses to remove a pending deployment.
    - C(release_sha256) is the sha256 of the content released into the colour's EFS directory (strategy C(efs));
      the fleet's keys (C(auto_scaling_group), C(source), C(image_id), C(launch_template)) are null there.
    - C(codedeploy_revision) is the S3 location (C(s3://bucket/key)) of the revision CodeDeploy installed on the
      fleet, when the deploy ran with C(bluegreen_codedeploy).
  returned: always
  type: dict
  sample:
    id: "20261122T1004Z"
    color: green
    auto_scaling_group: demo-green
    source: demo-blue
    artifact_version: "2.0"
    image_id: ami-0123456789abcdef0
    launch_template: {"launch_template_id": "lt-0123456789abcdef0", "version": "3"}
    release_sha256: null
    codedeploy_revision: null
    version: 4
    last_modified: "2026-11-22T10:04:00+00:00"
    valid: true
    pending: true
parameters:
  description: Names of the app's live-colour, lock and deployment-record parameters.
  returned: always
  type: dict
  sample: {"live": "/bluegreen/demo/live", "lock": "/bluegreen/demo/lock", "deployment": "/bluegreen/demo/deployment"}
"""

import datetime

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.teal.bluegreen.plugins.module_utils import state
from ansible_collections.teal.bluegreen.plugins.module_utils._autoscaling import groups as asg_api
from ansible_collections.teal.bluegreen.plugins.module_utils._cloudwatch import alarms as cloudwatch_api
from ansible_collections.teal.bluegreen.plugins.module_utils._elbv2 import resources as elbv2_api
from ansible_collections.teal.bluegreen.plugins.module_utils._ssm import parameters as ssm_api
from ansible_collections.teal.bluegreen.plugins.module_utils.bounds import check_options
from ansible_collections.teal.bluegreen.plugins.module_utils.discovery import find_load_balancer
from ansible_collections.teal.bluegreen.plugins.module_utils.discovery import find_load_balancers
from ansible_collections.teal.bluegreen.plugins.module_utils.discovery import pick_listener
from ansible_collections.teal.bluegreen.plugins.module_utils.discovery import read_live_records
from ansible_collections.teal.bluegreen.plugins.module_utils.discovery import resolve_target_groups
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import BlueGreenError
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import check_app
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import Clients
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import COLOR_NAMES_SPEC
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import RECORDS_SPEC
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import run_module
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import TARGET_GROUPS_SPEC


def colored_load_balancers(elbv2, tagging, app, given):
    """Map normalised DNS name -> colour of the colours' load balancers: ``given``, or those tagged with a colour."""
    if given:
        found = find_load_balancers(elbv2, given)
        return {state.normalize_dns_name(lb["DNSName"]): color for color, lb in found.items()}
    tagged = elbv2_api.find_tagged(tagging, "loadbalancer", {state.APP_TAG: app})
    colored = {arn: state.color_of_tags(tags) for arn, tags in tagged.items() if state.color_of_tags(tags)}
    return {
        state.normalize_dns_name(lb["DNSName"]): colored[lb["LoadBalancerArn"]]
        for lb in elbv2_api.describe_load_balancers(elbv2, list(colored))
    }


def describe_colors(elbv2, target_groups, asg, traffic, shared=None):
    """The resources of each colour; ``traffic`` is the trusted traffic layer (alb or route53), if any.

    ``shared`` is the target group of a CodeDeploy deployment group (its DescribeTargetGroups entry) when the colours
    share one: each colour's targets are then its instances in it, as the codedeploy layer counted them.
    """
    colors = {}
    for color in state.COLORS:
        group = shared or target_groups.get(color)
        if shared:
            counts = traffic["targets"][color]
        else:
            counts = state.health_counts(
                elbv2_api.describe_target_health(elbv2, group["TargetGroupArn"]) if group else []
            )
        fleet = asg["groups"].get(color) or {}
        colors[color] = {
            "target_group_arn": group["TargetGroupArn"] if group else None,
            "target_group_name": group["TargetGroupName"] if group else None,
            "is_production": (group or {}).get("tags", {}).get(state.PRODUCTION_TAG) == "true",
            "targets_healthy": counts["healthy"],
            "targets_total": counts["total"],
            "auto_scaling_group": fleet.get("name"),
            "desired_capacity": fleet.get("desired_capacity", 0),
            "instances_in_service": fleet.get("instances_in_service", 0),
            "deleting": fleet.get("deleting", False),
            "awaiting_color_tag": fleet.get("awaiting_color_tag", False),
        }
        if traffic is not None:
            colors[color]["traffic_percent"] = traffic["weights"].get(color, 0)
    return colors


def do(module):
    params = module.params
    app = params["app"]
    check_app(app)

    clients = Clients(module)
    elbv2 = clients("elbv2")
    tagging = clients("resourcegroupstaggingapi")
    names = state.parameter_names(params["parameter_prefix"], app)

    target_groups = resolve_target_groups(elbv2, tagging, app, params["target_groups"])
    tg_colors = {group["TargetGroupArn"]: color for color, group in target_groups.items()}
    groups = asg_api.describe_groups_by_tags(clients("autoscaling"), {state.APP_TAG: app})
    ssm_client = clients("ssm")
    parameters = ssm_api.get_parameters(ssm_client, list(names.values()))

    if not target_groups and not groups and parameters[names["live"]] is None:
        raise BlueGreenError(
            f"no resources found for app {app!r}: no target group or Auto Scaling group tagged "
            f"{state.APP_TAG}={app} and no parameter {names['live']}; check the app name and region"
        )

    layers = {}
    alb = None
    shared = None
    if params["codedeploy_target_group"]:
        shared = elbv2_api.describe_target_group(elbv2, params["codedeploy_target_group"])
        if shared is None:
            raise BlueGreenError(
                f"codedeploy_target_group {params['codedeploy_target_group']!r} does not exist; give the name or ARN "
                "of the target group the CodeDeploy deployment group moves the traffic in"
            )
        layers["codedeploy"] = state.codedeploy_layer(
            shared["TargetGroupArn"], elbv2_api.describe_target_health(elbv2, shared["TargetGroupArn"]), groups
        )
    if params["load_balancer"]:
        lb = find_load_balancer(elbv2, params["load_balancer"])
        listeners = elbv2_api.describe_listeners(elbv2, lb["LoadBalancerArn"])
        listener = pick_listener(lb, listeners, params["listener_port"])
        test = None
        if params["test_listener_port"] is not None:
            test = pick_listener(lb, listeners, params["test_listener_port"], option="test_listener_port")
        alb = layers["alb"] = dict(state.alb_layer(listener, tg_colors, test), load_balancer_arn=lb["LoadBalancerArn"])
    if params["live_records"]:
        zone, records = read_live_records(clients("route53"), params["live_records"])
        layers["route53"] = dict(
            state.route53_layer(
                records,
                colored_load_balancers(elbv2, tagging, app, params["load_balancers"]),
                shared_lb_dns=lb["DNSName"] if alb else None,
                shared_color=alb["live_color"] if alb else None,
            ),
            zone_id=zone["Id"],
        )
    if params["symlinks"] is not None:
        layers["efs"] = state.efs_layer(params["symlinks"], params["symlink_root"])
    ssm = layers["ssm"] = dict(state.ssm_layer(parameters[names["live"]]), name=names["live"])
    if parameters[names["live"]] is not None and params["history"]:
        ssm["history"] = state.history_entries(ssm_api.get_parameter_history(ssm_client, names["live"]))
        ssm["previous_color"] = state.previous_color(ssm["history"])
    layers["asg"] = state.asg_layer(groups, tg_colors)

    summary = state.summarize(layers)
    traffic = [name for name in state.TRAFFIC_LAYERS if name in layers]
    colors = describe_colors(elbv2, target_groups, layers["asg"], next(map(layers.get, traffic), None), shared)
    lock = state.parse_lock(parameters[names["lock"]])
    if lock is not None:
        # When SSM wrote the lock, by the clock that also dates the live parameter's history.
        modified = parameters[names["lock"]].get("LastModifiedDate")
        lock["since"] = modified.isoformat() if hasattr(modified, "isoformat") else modified
    flags = state.flags(
        summary["live_color"],
        colors,
        lock,
        names["lock"],
        datetime.datetime.now(datetime.timezone.utc),
        min_healthy_targets=params["min_healthy_targets"],
        lock_max_age=params["lock_max_age"],
    )
    module.exit_json(
        changed=False,
        app=app,
        layers=layers,
        colors=colors,
        lock=lock,
        alarms=state.alarm_states(
            params["alarms"], cloudwatch_api.describe_alarms(clients("cloudwatch"), params["alarms"])
        ),
        deployment=state.parse_deployment(
            parameters[names["deployment"]], parameters[names["live"]], ssm.get("history")
        ),
        parameters=names,
        flags=flags,
        **summary,
    )


def main():
    argument_spec = dict(
        app=dict(type="str", required=True),
        load_balancer=dict(type="str"),
        listener_port=dict(type="int", default=80),
        test_listener_port=dict(type="int"),
        target_groups=TARGET_GROUPS_SPEC,
        live_records=RECORDS_SPEC,
        load_balancers=COLOR_NAMES_SPEC,
        codedeploy_target_group=dict(type="str"),
        symlinks=dict(type="dict"),
        symlink_root=dict(type="path"),
        parameter_prefix=dict(type="str", default="/bluegreen"),
        history=dict(type="bool", default=True),
        min_healthy_targets=dict(type="int", default=1),
        lock_max_age=dict(type="int", default=3600),
        alarms=dict(type="list", elements="str", default=[]),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec, supports_check_mode=True, required_by={"test_listener_port": "load_balancer"}
    )
    if module.params["test_listener_port"] == module.params["listener_port"]:
        module.fail_json(
            msg=f"listener_port and test_listener_port are both {module.params['listener_port']}; give the test "
            "listener's own port, or leave test_listener_port out"
        )

    if len(module.params["alarms"]) > 100:
        module.fail_json(
            msg=f"alarms names {len(module.params['alarms'])} alarms; DescribeAlarms takes at most 100 names at once, so "
            "give at most 100 (a composite alarm can stand for several)"
        )
    check_options(module, argument_spec)
    run_module(module, do)


if __name__ == "__main__":
    main()
