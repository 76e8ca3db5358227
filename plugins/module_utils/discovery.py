# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Finding an app's load balancers, listeners, colour target groups and hosted zones, shared by the modules.

Each function reads through the thin wrappers in _elbv2 and raises BlueGreenError, with a message
that says what was wrong and what to do, when the input names something that is not there.
"""

from __future__ import annotations

from . import state
from ._elbv2 import resources as elbv2_api
from ._route53 import records as route53_api
from .runtime import BlueGreenError


def _one_per_color(elbv2, given, kind, describe_named, describe_one, same, missing, same_resource, keys=state.COLORS):
    """The ELBv2 resource of each colour, a copy of its Describe entry, from ``given`` ({blue, green} names or ARNs;
    or two other ``keys``, such as release_gate's new colour and baseline).

    ``kind`` is the prefix of the entry's name and ARN keys (``TargetGroup``). ``describe_named(elbv2, values)``
    reads all the values at once (None when one is missing), ``describe_one(elbv2, value)`` one (None when missing).
    The messages are format strings: ``same`` takes the value given for both colours, ``missing`` a value and its
    colour, ``same_resource`` the name of the one resource both values name (a name and its ARN, say).
    """
    first, second = keys
    if given[first] == given[second]:
        raise BlueGreenError(same.format(given[first]))
    found = describe_named(elbv2, [given[key] for key in keys])
    if found is None:
        # One of them is missing: look them up one by one to say which.
        found = [describe_one(elbv2, given[key]) for key in keys]
    result = {}
    for key in keys:
        value = given[key]
        item = next((item for item in found if item and value in (item[f"{kind}Name"], item[f"{kind}Arn"])), None)
        if item is None:
            raise BlueGreenError(missing.format(value, key))
        result[key] = dict(item)
    if result[first][f"{kind}Arn"] == result[second][f"{kind}Arn"]:
        raise BlueGreenError(same_resource.format(result[first][f"{kind}Name"]))
    return result


def _explicit_target_groups(elbv2, explicit):
    return _one_per_color(
        elbv2,
        explicit,
        "TargetGroup",
        elbv2_api.describe_target_groups_named,
        elbv2_api.describe_target_group,
        same="target_groups maps both colours to {!r}; give each colour its own target group",
        missing="target group {!r} given for {} does not exist; check target_groups",
        same_resource="target_groups maps both colours to {!r}; give each colour its own target group",
    )


def _tagged_target_groups(elbv2, tagging, app):
    tagged = elbv2_api.find_tagged(tagging, "targetgroup", {state.APP_TAG: app})
    by_color = {}
    for arn, tags in sorted(tagged.items()):
        color = state.color_of_tags(tags)
        if color is None:
            continue
        if color in by_color:
            raise BlueGreenError(
                f"target groups {by_color[color]} and {arn} are both tagged {state.APP_TAG}={app} and "
                f"{state.COLOR_TAG}={color}; tag only one per colour or pass target_groups"
            )
        by_color[color] = arn
    groups = {group["TargetGroupArn"]: group for group in elbv2_api.describe_target_groups(elbv2, by_color.values())}
    return {color: dict(groups[arn], tags=tagged[arn]) for color, arn in by_color.items() if arn in groups}


def resolve_target_groups(elbv2, tagging, app, explicit, with_tags=True):
    """Map colour -> target group (a DescribeTargetGroups entry with a ``tags`` dict when known).

    With ``explicit`` ({blue, green} names or ARNs) those are used; otherwise the target groups tagged
    with the app, their colour read from their colour tag.
    """
    if not explicit:
        return _tagged_target_groups(elbv2, tagging, app)
    found = _explicit_target_groups(elbv2, explicit)
    if with_tags:
        tags = elbv2_api.describe_tags(elbv2, [group["TargetGroupArn"] for group in found.values()])
        for group in found.values():
            group["tags"] = tags.get(group["TargetGroupArn"], {})
    return found


def find_load_balancer(elbv2, load_balancer):
    lb = elbv2_api.describe_load_balancer(elbv2, load_balancer)
    if lb is None:
        raise BlueGreenError(f"load balancer {load_balancer!r} not found; check load_balancer (a name or an ARN)")
    return lb


def pick_listener(lb, listeners, port, option="listener_port"):
    """The listener of ``lb`` on ``port``, from its DescribeListeners entries."""
    listener = next((item for item in listeners if item["Port"] == port), None)
    if listener is None:
        ports = ", ".join(str(item["Port"]) for item in sorted(listeners, key=lambda item: item["Port"])) or "none"
        raise BlueGreenError(
            f"load balancer {lb['LoadBalancerName']!r} has no listener on port {port} (its listener ports: {ports}); "
            f"set {option} to one of them"
        )
    return listener


def find_load_balancers(elbv2, given):
    """The load balancer of each colour, from ``given`` ({blue, green} names or ARNs, option load_balancers)."""
    return _one_per_color(
        elbv2,
        given,
        "LoadBalancer",
        elbv2_api.describe_load_balancers_named,
        elbv2_api.describe_load_balancer,
        same="load_balancers maps both colours to {!r}; give each colour its own load balancer",
        missing="load balancer {!r} given for {} not found; check load_balancers (names or ARNs)",
        same_resource="load_balancers maps both colours to load balancer {!r}; give each colour its own load balancer",
    )


def _compared(elbv2, kind, noun, options, values, describe_named, describe_one):
    """The ELBv2 resources release_gate compares, {"new": entry, "baseline": entry}, from ``values`` given for the
    ``options`` (the new colour's first), names or ARNs; ``noun`` names their kind in the messages."""
    new_option, baseline_option = options
    found = _one_per_color(
        elbv2,
        dict(zip(options, values)),
        kind,
        describe_named,
        describe_one,
        same=f"{new_option} and {baseline_option} are both {{!r}}; compare the new colour's {noun} with the old "
        "colour's",
        missing=f"{noun} {{!r}} given as {{}} not found; check it (a name or an ARN)",
        same_resource=f"{new_option} and {baseline_option} both name {noun} {{!r}}; compare the new colour's {noun} "
        "with the old colour's",
        keys=options,
    )
    return {"new": found[new_option], "baseline": found[baseline_option]}


def find_compared_target_groups(elbv2, target_group, baseline):
    """The target groups of the new colour and of the baseline (release_gate's target_group and
    baseline_target_group)."""
    return _compared(
        elbv2,
        "TargetGroup",
        "target group",
        ("target_group", "baseline_target_group"),
        (target_group, baseline),
        elbv2_api.describe_target_groups_named,
        elbv2_api.describe_target_group,
    )


def find_compared_load_balancers(elbv2, load_balancer, baseline):
    """The load balancers of the new colour and of the baseline (release_gate's load_balancer and
    baseline_load_balancer)."""
    return _compared(
        elbv2,
        "LoadBalancer",
        "load balancer",
        ("load_balancer", "baseline_load_balancer"),
        (load_balancer, baseline),
        elbv2_api.describe_load_balancers_named,
        elbv2_api.describe_load_balancer,
    )


def find_hosted_zone(route53, zone, private_zone, option):
    """The hosted zone named or with the id ``zone``, of the kind ``private_zone`` asks for.

    ``option`` names the option that gave the zone and private_zone (``live_records``), for the messages.
    """
    zone_id = route53_api.zone_id_of(zone)
    if zone_id:
        found = route53_api.get_zone_by_id(route53, zone_id)
        candidates = [found] if found else []
    else:
        candidates = route53_api.find_zones_by_name(route53, zone)
    matching = [item for item in candidates if item.get("Config", {}).get("PrivateZone", False) == private_zone]
    kind = "private" if private_zone else "public"
    if not matching:
        if candidates:
            other = "public" if private_zone else "private"
            raise BlueGreenError(
                f"{kind} hosted zone {zone!r} not found, but a {other} one is ({candidates[0]['Id']}); "
                f"check private_zone in {option}"
            )
        raise BlueGreenError(f"{kind} hosted zone {zone!r} not found; check {option}.zone (a zone name or id)")
    if len(matching) > 1:
        ids = ", ".join(item["Id"].split("/")[-1] for item in matching)
        raise BlueGreenError(
            f"{len(matching)} {kind} hosted zones are named {zone!r} ({ids}); give {option}.zone as the id of one "
            "of them"
        )
    return matching[0]


def qualify_names(names, zone, option):
    """The fully qualified name of each of ``names`` (option ``option``.names) in the hosted zone ``zone``."""
    try:
        return [route53_api.qualify_record_name(name, zone["Name"]) for name in names]
    except ValueError as e:
        raise BlueGreenError(f"{e}; give {option}.names relative to the zone or inside it") from None


def read_live_records(route53, spec, option="live_records"):
    """The hosted zone of ``spec`` (an option like live_records) and its alias records that answer.

    One entry per answering record set of each name: ``{name, type, set_identifier, alias_dns_name,
    weight}``; a name without one (missing, or weighted 0 only) gives an entry whose alias_dns_name is None,
    as does a record that is not an alias.
    """
    zone = find_hosted_zone(route53, spec["zone"], spec["private_zone"], option)
    records = []
    for fqdn in qualify_names(spec["names"], zone, option):
        sets = route53_api.get_record_sets(route53, zone["Id"], fqdn, spec["type"])
        answering = [item for item in sets if item.get("Weight", 1) != 0] or [{}]
        for item in answering:
            records.append(
                {
                    "name": fqdn,
                    "type": spec["type"],
                    "set_identifier": item.get("SetIdentifier"),
                    "alias_dns_name": (item.get("AliasTarget") or {}).get("DNSName"),
                    "weight": item.get("Weight"),
                }
            )
    return zone, records
