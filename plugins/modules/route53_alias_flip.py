#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: route53_alias_flip
version_added: 0.1.0
short_description: Point Route 53 alias records at the load balancer of one colour
description:
  - Moves the traffic of a blue/green application whose colours each have their own load balancer, by
    pointing the live names (alias records, usually in a public zone) at the load balancer of
    O(live_color) and the staging names (usually in a private zone) at the other colour's.
  - Declarative. O(live_color) is the wanted state; when the records already point that way nothing is
    written, so running the module again changes nothing.
  - All the changes to one hosted zone are sent in one C(ChangeResourceRecordSets) batch, which Route 53
    applies completely or not at all, so no moment exists in which some live names point at one colour
    and the rest at the other.
  - The staging zone's batch is sent before the live zone's. Production moves last, only once the staging
    names have been accepted; a failure before that leaves production on the colour it was on, and in
    between both kinds of names point at a running colour, never at nothing. When live and staging names
    share a zone, they change together in that zone's one batch.
  - O(weights) shifts the live names gradually with weighted alias records, one per colour, whose set
    identifiers are the colours. A weight of 0 for the other colour ends the shift, and the names go back
    to a simple alias.
  - An alias record that keeps its name, type and set identifier is updated in place (C(UPSERT)). Moving
    between a simple and a weighted alias deletes the old record sets exactly as they were read and creates
    the new ones in the same batch; Route 53 rejects that whole batch if a deleted record set changed in
    the meantime.
author:
  - Teal Ops (@teal-ops)
options:
  load_balancers:
    description: The load balancer of each colour, by name or ARN.
    required: true
  live_color:
    description: The colour whose load balancer the live names should point at.
    type: str
    choices: [blue, green]
    required: true
  expected_live_color:
    description:
      - Compare-and-swap. When the live names must change, fail and change nothing unless this colour
        currently takes at least half of the answers of every live name.
      - Not checked when the live names already point as wanted, so a finished switch can be re-run.
    type: str
    choices: [blue, green]
  live_records:
    description: The names that carry the production traffic.
    required: true
  staging_records:
    description:
      - The names that reach the colour that is not live, for smoke tests before a switch and for checks
        of the previous release after it. They always get a simple alias to the other colour's load balancer.
      - Same suboptions as O(live_records). When omitted, no staging names are changed.
  weights:
    description:
      - Relative weights (0 to 255) of the colours for a gradual shift of the live names, for example 90
        for blue and 10 for green to send one answer in ten to green with O(live_color=green).
      - O(live_color) must have a weight above 0. When the other colour's weight is 0 the shift is complete
        and the names become a simple alias to O(live_color) again.
      - When omitted, the live names are a simple alias to O(live_color).
    type: dict
    suboptions:
      blue:
        description: Weight of the blue colour.
        type: int
        required: true
      green:
        description: Weight of the green colour.
        type: int
        required: true
  health_target_group:
    description:
      - The target group behind the load balancer of O(live_color), by name or ARN. Given, it must have
        O(min_healthy_targets) healthy targets before the live names move towards O(live_color), or nothing
        changes; O(health_wait_timeout) waits for them.
      - Route 53 knows nothing of target groups, so without this option the module does not look at target health.
      - Not checked when the live names already point as wanted.
    type: str
  min_healthy_targets:
    description:
      - Healthy targets O(health_target_group) must have before the live names move; at least V(1).
      - Ignored without O(health_target_group).
  health_wait_timeout:
    description:
      - Seconds to wait for O(min_healthy_targets) healthy targets in O(health_target_group) before giving up. V(0)
        does not wait.
      - Check mode never waits, and only warns that a real run would.
  evaluate_target_health:
    description:
      - The alias records' C(EvaluateTargetHealth). With weighted records it lets Route 53 stop answering
        with a colour whose load balancer has no healthy targets, which is what a gradual shift wants.
      - With a simple alias Route 53 answers anyway, as it has nothing else to offer.
    type: bool
    default: true
  overwrite_non_alias:
    description:
      - Replace a record at one of the names that is not an alias (for example an A record with addresses,
        or a CNAME) instead of failing.
      - Records with another routing policy (latency, failover, geolocation...) are never replaced.
    type: bool
    default: false
  wait:
    description:
      - Wait until Route 53 reports every change C(INSYNC), that is, answered by all its DNS servers.
      - Check mode never waits.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait, in total, for the changes to be C(INSYNC).
    type: int
    default: 300
  poll_interval:
    description: Seconds between two checks of a change's status while waiting.
    type: int
    default: 10
extends_documentation_fragment:
  - teal.bluegreen.health
  - teal.bluegreen.load_balancers
  - teal.bluegreen.records
  - teal.bluegreen.records.staging
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reads everything and predicts the changes; calls no API that changes anything and never waits.
  diff_mode:
    support: full
    description: Shows the record sets of every live and staging name, with their alias targets, before and after.
notes:
  - Needs C(elasticloadbalancing:DescribeLoadBalancers), C(route53:ListHostedZonesByName) (zones given
    by name) or C(route53:GetHostedZone) (zones given by id), C(route53:ListResourceRecordSets),
    C(route53:ChangeResourceRecordSets), with O(wait) C(route53:GetChange), and with O(health_target_group)
    C(elasticloadbalancing:DescribeTargetGroups) and C(elasticloadbalancing:DescribeTargetHealth).
  - A switch of one live and one staging name in two zones given by name makes 9 API calls when the
    load balancers are given by name and the changes are in sync at the first check; a run that changes
    nothing makes 5 and no write call.
  - Route 53 throttling and C(PriorRequestNotComplete) are retried with a jittered backoff of at most
    20 seconds between tries.
  - An alias target is the load balancer's C(DNSName) and C(CanonicalHostedZoneId). Existing records that
    use the C(dualstack.) form of the same name count as pointing at that load balancer.
seealso:
  - module: teal.bluegreen.state_info
  - module: teal.bluegreen.alb_swap
"""

EXAMPLES = r"""
- name: Switch the shop to green, and its staging name to blue
  teal.bluegreen.route53_alias_flip:
    load_balancers:
      blue: shop-blue
      green: shop-green
    live_color: green
    expected_live_color: blue
    # Only once green's target group has 2 healthy targets, waiting up to 5 minutes for them.
    health_target_group: shop-green
    min_healthy_targets: 2
    health_wait_timeout: 300
    live_records:
      zone: example.com
      names: [www, shop.example.com]
    staging_records:
      zone: example.internal
      private_zone: true
      names: [staging]
  register: flip

- name: Send one answer in ten to green, through weighted records
  teal.bluegreen.route53_alias_flip:
    load_balancers:
      blue: shop-blue
      green: shop-green
    live_color: green
    weights:
      blue: 90
      green: 10
    live_records:
      zone: Z0123456789EXAMPLE
      names: [www]

- name: Finish the shift, back to a simple alias record
  teal.bluegreen.route53_alias_flip:
    load_balancers:
      blue: shop-blue
      green: shop-green
    live_color: green
    live_records:
      zone: Z0123456789EXAMPLE
      names: [www]
    wait_timeout: 600
"""

RETURN = r"""
previous_live_color:
  description:
    - The colour that took more than half of the answers of every live name before the run.
    - Null when the names disagree, split evenly, or point at neither colour.
  returned: always
  type: str
  sample: blue
live_color:
  description: The colour the live names point at after the run (O(live_color)).
  returned: always
  type: str
  sample: green
weights:
  description: Share of the live names' answers per colour after the run, in percent.
  returned: always
  type: dict
  sample: {"green": 100}
previous_weights:
  description:
    - Share of the live names' answers per colour before the run, in percent; a target of neither
      colour is counted under C(other).
    - Null when the live names did not all have the same shares.
  returned: always
  type: dict
  sample: {"blue": 100}
changes:
  description:
    - The change batches, one per hosted zone, in the order they are (or, in check mode, would be) sent;
      empty when nothing changes.
  returned: always
  type: list
  elements: dict
  contains:
    zone_id:
      description: Id of the hosted zone.
      type: str
      sample: Z0123456789EXAMPLE
    zone_name:
      description: Name of the hosted zone.
      type: str
      sample: example.com.
    records:
      description: Which names the batch changes, V(live), V(staging), or both.
      type: list
      elements: str
      sample: [live]
    change_id:
      description: Id of the change Route 53 returned; null in check mode.
      type: str
      sample: /change/C2682N5HXP0BZ4
    changes:
      description: The batch's changes, C(DELETE)s first, as sent to C(ChangeResourceRecordSets).
      type: list
      elements: dict
      sample:
        - action: DELETE
          resource_record_set:
            name: www.example.com.
            type: A
            alias_target: {"dns_name": "shop-blue-1234.us-east-1.elb.amazonaws.com", "evaluate_target_health": true,
                           "hosted_zone_id": "Z35SXDOTRQ7X7K"}
        - action: CREATE
          resource_record_set:
            name: www.example.com.
            type: A
            alias_target: {"dns_name": "shop-green-5678.us-east-1.elb.amazonaws.com", "evaluate_target_health": true,
                           "hosted_zone_id": "Z35SXDOTRQ7X7K"}
change_ids:
  description: Ids of the changes sent, in order; empty in check mode and when nothing changed.
  returned: always
  type: list
  elements: str
  sample: ["/change/C1PA6795UKMFR9", "/change/C2682N5HXP0BZ4"]
records:
  description:
    - The record sets of each name after the run (predicted in check mode), under C(live) and C(staging).
    - Each record set has C(type), C(set_identifier), C(weight), C(alias_dns_name), C(alias_hosted_zone_id),
      C(evaluate_target_health) and the C(color) of the load balancer it aliases.
  returned: always
  type: dict
  sample:
    live:
      www.example.com.:
        - {"type": "A", "set_identifier": null, "weight": null, "color": "green", "evaluate_target_health": true,
           "alias_dns_name": "shop-green-5678.us-east-1.elb.amazonaws.com", "alias_hosted_zone_id": "Z35SXDOTRQ7X7K"}
    staging: {}
previous_records:
  description: The record sets of each name before the run, as in RV(records); records that are not aliases have C(values) and C(ttl).
  returned: always
  type: dict
load_balancers:
  description: The load balancer of each colour, with its ARN, C(dns_name) and C(canonical_hosted_zone_id).
  returned: always
  type: dict
  sample:
    blue: {"arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop-blue/0123456789abcdef",
           "dns_name": "shop-blue-1234.us-east-1.elb.amazonaws.com", "canonical_hosted_zone_id": "Z35SXDOTRQ7X7K"}
zones:
  description: The hosted zone of the live names and, with O(staging_records), of the staging names.
  returned: always
  type: dict
  sample: {"live": {"id": "Z0123456789EXAMPLE", "name": "example.com.", "private_zone": false}}
"""

from itertools import zip_longest

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.teal.bluegreen.plugins.module_utils import dns
from ansible_collections.teal.bluegreen.plugins.module_utils import health as health_guard
from ansible_collections.teal.bluegreen.plugins.module_utils import state
from ansible_collections.teal.bluegreen.plugins.module_utils._elbv2 import resources as elbv2_api
from ansible_collections.teal.bluegreen.plugins.module_utils._route53 import records as route53_api
from ansible_collections.teal.bluegreen.plugins.module_utils._route53 import waiters as route53_waiters
from ansible_collections.teal.bluegreen.plugins.module_utils.bounds import check_minimums
from ansible_collections.teal.bluegreen.plugins.module_utils.bounds import check_options
from ansible_collections.teal.bluegreen.plugins.module_utils.discovery import find_hosted_zone
from ansible_collections.teal.bluegreen.plugins.module_utils.discovery import find_load_balancers
from ansible_collections.teal.bluegreen.plugins.module_utils.discovery import qualify_names
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import BlueGreenError
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import Clients
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import COLOR_NAMES_SPEC
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import RECORDS_SPEC
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import run_module


def check_input(params):
    """The weights to write (dns.check_weights), checked before anything is read."""
    try:
        return dns.check_weights(params["live_color"], params["weights"])
    except ValueError as e:
        raise BlueGreenError(str(e)) from None


def read(module, elbv2, route53):
    """The load balancers, and the hosted zone and the qualified names of each kind of names."""
    params = module.params
    load_balancers = find_load_balancers(elbv2, params["load_balancers"])
    found = {}
    for kind in dns.KINDS:
        spec = params[f"{kind}_records"]
        if not spec:
            continue
        option = f"{kind}_records"
        zone = find_hosted_zone(route53, spec["zone"], spec["private_zone"], option)
        # A name given twice, in two forms (www and www.example.com), is changed once.
        names = list(dict.fromkeys(qualify_names(spec["names"], zone, option)))
        found[kind] = {"spec": spec, "zone": zone, "names": names}
    return load_balancers, found


def check_names(found):
    """No name is both a live and a staging name in one zone."""
    if "staging" in found:
        shared = set(found["live"]["names"]) & set(found["staging"]["names"])
        if dns.zone_id(found["live"]["zone"]) == dns.zone_id(found["staging"]["zone"]) and shared:
            raise BlueGreenError(
                f"{', '.join(sorted(shared))} is both a live and a staging name; a name can only point at one colour"
            )


def read_records(route53, found):
    """The current record sets of every name, by kind of names."""
    return {
        kind: {name: route53_api.get_record_sets(route53, dns.zone_id(item["zone"]), name) for name in item["names"]}
        for kind, item in found.items()
    }


def plan(module, load_balancers, found, current, weights):
    """The plan of each kind of names; raises BlueGreenError on bad input or a failed compare-and-swap."""
    params = module.params
    live = params["live_color"]
    targets = {color: dns.alias_target(lb, params["evaluate_target_health"]) for color, lb in load_balancers.items()}
    plans = {}
    for kind, item in found.items():
        try:
            plans[kind] = dns.plan_records(
                item["names"],
                item["spec"]["type"],
                current[kind],
                targets,
                live if kind == "live" else state.other_color(live),
                weights if kind == "live" else None,
                params["overwrite_non_alias"],
            )
        except ValueError as e:
            raise BlueGreenError(f"{kind}_records: {e}") from None

    expected = params["expected_live_color"]
    if expected and plans["live"]["changed"]:
        for name, by_color in plans["live"]["shares"].items():
            if not dns.expected_color_holds(by_color, expected):
                raise BlueGreenError(
                    f"expected {expected} to be live, but {name} points at {dns.describe_shares(by_color)}; not "
                    "switching (another run may have moved the traffic: read teal.bluegreen.state_info)"
                )
    return plans


def error_code(error):
    return (getattr(error.exception, "response", None) or {}).get("Error", {}).get("Code")


def ensure_healthy(module, elbv2):
    """The target group behind live_color's load balancer has min_healthy_targets healthy targets, or the run fails
    having changed nothing."""
    params = module.params
    group = elbv2_api.describe_target_group(elbv2, params["health_target_group"])
    if group is None:
        raise BlueGreenError(
            f"health_target_group {params['health_target_group']!r} is no target group; give the name or ARN of the "
            f"target group behind {params['live_color']}'s load balancer"
        )
    health_guard.ensure_healthy(
        module,
        elbv2,
        group,
        params["live_color"],
        health_guard.read(elbv2, group),
        params["min_healthy_targets"],
        params["health_wait_timeout"],
        params["health_poll_interval"],
    )


def ensure_records(module, route53, pending):
    """The batches sent, in order: (changed, the change ids, none in check mode). Fails saying what was already
    applied."""
    change_ids = []
    if module.check_mode:
        return bool(pending), change_ids
    for batch in pending:
        names = " and ".join(batch["records"])
        comment = f"teal.bluegreen.route53_alias_flip: {names} names, live {module.params['live_color']}"
        try:
            info = route53_api.change_record_sets(route53, batch["zone_id"], batch["changes"], comment)
        except AnsibleAWSError as e:
            applied = "".join(
                f"; the {' and '.join(done['records'])} names were already changed ({change_id})"
                for done, change_id in zip(pending, change_ids)
            )
            if error_code(e) == "InvalidChangeBatch":
                advice = "a record may have changed after it was read: read teal.bluegreen.state_info and run again"
            else:
                advice = "run again"
            module.fail_json_aws(
                e.exception,
                msg=(
                    f"Route 53 refused the change of the {names} names in zone {batch['zone_name']} "
                    f"({batch['zone_id']}), so nothing of that batch was applied{applied}; {advice}"
                ),
                changed=bool(change_ids),
                change_ids=change_ids,
            )
        change_ids.append(info["Id"])
    return bool(pending), change_ids


def ensure_in_sync(module, route53, change_ids):
    """With wait, every change sent is INSYNC, or the run fails saying the records were changed all the same."""
    params = module.params
    if not params["wait"] or not change_ids:
        return
    try:
        route53_waiters.wait_for_changes(route53, change_ids, params["wait_timeout"], params["poll_interval"])
    except AnsibleAWSError as e:
        # Its timeout or any other failure: the records were changed all the same, and the result says so.
        module.fail_json_aws(
            e.exception,
            msg=(
                f"the records were changed ({', '.join(change_ids)}), but Route 53 did not report every "
                f"change INSYNC within wait_timeout={params['wait_timeout']}s; the changes complete on their "
                "own, so wait longer with wait_timeout or check them later"
            ),
            changed=True,
            change_ids=change_ids,
        )


def report(module, load_balancers, found, plans, weights, pending, change_ids):
    """The module's result, with its diff."""
    params = module.params
    previous_color, previous_weights = dns.previous_state(plans["live"]["shares"])
    result = {
        "previous_live_color": previous_color,
        "live_color": params["live_color"],
        "weights": dns.percentages(weights, params["live_color"]),
        "previous_weights": previous_weights,
        "changes": [
            {
                "zone_id": batch["zone_id"],
                "zone_name": batch["zone_name"],
                "records": batch["records"],
                "change_id": change_id,
                "changes": [camel_dict_to_snake_dict(change) for change in batch["changes"]],
            }
            for batch, change_id in zip_longest(pending, change_ids)
        ],
        "change_ids": change_ids,
        "records": {kind: plans[kind]["after"] for kind in plans},
        "previous_records": {kind: plans[kind]["before"] for kind in plans},
        "load_balancers": {
            color: {
                "arn": lb["LoadBalancerArn"],
                "dns_name": lb["DNSName"],
                "canonical_hosted_zone_id": lb["CanonicalHostedZoneId"],
            }
            for color, lb in load_balancers.items()
        },
        "zones": {
            kind: {
                "id": dns.zone_id(item["zone"]),
                "name": item["zone"]["Name"],
                "private_zone": item["zone"].get("Config", {}).get("PrivateZone", False),
            }
            for kind, item in found.items()
        },
    }
    if module._diff:
        result["diff"] = {"before": result["previous_records"], "after": result["records"]}
    return result


def do(module):
    params = module.params
    clients = Clients(module)
    elbv2 = clients("elbv2")
    route53 = clients("route53")

    weights = check_input(params)
    load_balancers, found = read(module, elbv2, route53)
    check_names(found)
    current = read_records(route53, found)
    plans = plan(module, load_balancers, found, current, weights)
    pending = dns.plan_batches({kind: item["zone"] for kind, item in found.items()}, plans)
    if params["health_target_group"] and plans["live"]["changed"]:
        ensure_healthy(module, elbv2)

    changed, change_ids = ensure_records(module, route53, pending)
    ensure_in_sync(module, route53, change_ids)
    result = report(module, load_balancers, found, plans, weights, pending, change_ids)
    module.exit_json(changed=changed, **result)


def records_spec(required):
    return dict(RECORDS_SPEC, required=required)


def main():
    argument_spec = dict(
        load_balancers=dict(COLOR_NAMES_SPEC, required=True),
        live_color=dict(type="str", choices=list(state.COLORS), required=True),
        expected_live_color=dict(type="str", choices=list(state.COLORS)),
        live_records=records_spec(required=True),
        staging_records=records_spec(required=False),
        weights=dict(
            type="dict",
            options=dict(blue=dict(type="int", required=True), green=dict(type="int", required=True)),
        ),
        health_target_group=dict(type="str"),
        min_healthy_targets=dict(type="int", default=1),
        health_wait_timeout=dict(type="int", default=0),
        health_poll_interval=dict(type="int", default=5),
        evaluate_target_health=dict(type="bool", default=True),
        overwrite_non_alias=dict(type="bool", default=False),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=300),
        poll_interval=dict(type="int", default=10),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)

    params = module.params
    for kind in dns.KINDS:
        spec = params[f"{kind}_records"]
        if spec is None:
            continue
        if not spec["names"]:
            module.fail_json(msg=f"{kind}_records.names is empty; give at least one record name")
        if not all(name.strip(".") for name in spec["names"]):
            module.fail_json(msg=f"{kind}_records.names holds an empty name; remove it")
    if params["min_healthy_targets"] < 1:
        module.fail_json(
            msg=f"min_healthy_targets {params['min_healthy_targets']} would let the live names move to a colour "
            "without a healthy target; use 1 or more"
        )
    check_minimums(module, ("wait_timeout", "poll_interval", "health_wait_timeout", "health_poll_interval"))

    check_options(module, argument_spec)
    run_module(module, do)


if __name__ == "__main__":
    main()
