# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Planning a Route 53 alias flip: pure functions over ListResourceRecordSets and DescribeLoadBalancers data.

A name is either a simple alias record (one record set, no set identifier) for the live colour's load
balancer, or, during a gradual shift, two weighted alias records whose set identifiers are the colours.
A record set that keeps its identity (name, type and set identifier) is updated in place with UPSERT;
one that goes away is deleted exactly as it was read and a new one is created, in the same batch, so
moving between a simple and a weighted alias is one transactional change. Route 53 rejects the whole
batch when a deleted record set no longer matches what was read, or a created one already exists.
"""

from __future__ import annotations

from . import state

MAX_WEIGHT = 255

# The kinds of names a flip changes, in the order their zones' batches are sent: production last.
KINDS = ("staging", "live")

# Record types that cannot share a name with an A or AAAA record.
CONFLICTING_TYPES = ("CNAME",)

# Keys that give a record set a routing policy other than simple or weighted.
OTHER_ROUTING_KEYS = (
    "Region",
    "GeoLocation",
    "Failover",
    "MultiValueAnswer",
    "CidrRoutingConfig",
    "GeoProximityLocation",
)


def check_weights(live_color, weights):
    """Validate ``weights`` ({blue: N, green: M}, relative Route 53 weights) for a shift towards ``live_color``.

    Returns the weights to write, or None when the other colour's weight is 0: the shift is complete
    and the names go back to a simple alias. Raises ValueError saying what to change.
    """
    if weights is None:
        return None
    for color in state.COLORS:
        value = weights.get(color)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_WEIGHT:
            raise ValueError(f"weights.{color} is {value!r}; give each colour a whole number from 0 to {MAX_WEIGHT}")
    if weights[live_color] == 0:
        other = state.other_color(live_color)
        raise ValueError(
            f"weights give live_color {live_color} a weight of 0; give it more than 0, or set live_color to {other}"
        )
    if weights[state.other_color(live_color)] == 0:
        return None
    return {color: weights[color] for color in state.COLORS}


def percentages(weights, live_color):
    """Share of the traffic per colour, in percent, of the wanted weights (None: all to ``live_color``)."""
    if weights is None:
        return {live_color: 100}
    total = sum(weights.values())
    return {color: round(100 * value / total) for color, value in weights.items() if value}


def alias_target(load_balancer, evaluate_target_health):
    """The AliasTarget of a record for a load balancer (a DescribeLoadBalancers entry)."""
    return {
        "HostedZoneId": load_balancer["CanonicalHostedZoneId"],
        "DNSName": load_balancer["DNSName"],
        "EvaluateTargetHealth": bool(evaluate_target_health),
    }


def wanted_record_sets(name, record_type, targets, live_color, weights):
    """The record sets ``name`` should have: one simple alias, or one weighted alias per colour.

    ``targets`` maps each colour to its AliasTarget; ``weights`` is what check_weights returned.
    """
    if weights is None:
        return [{"Name": name, "Type": record_type, "AliasTarget": dict(targets[live_color])}]
    return [
        {
            "Name": name,
            "Type": record_type,
            "SetIdentifier": color,
            "Weight": weights[color],
            "AliasTarget": dict(targets[color]),
        }
        for color in state.COLORS
    ]


def target_colors(targets):
    """Map normalised alias DNS names to colours, for reading which colour a record points at."""
    return {state.normalize_dns_name(target["DNSName"]): color for color, target in targets.items()}


def _comparable(record_set):
    alias = record_set.get("AliasTarget") or {}
    return (
        record_set.get("Type"),
        record_set.get("SetIdentifier"),
        record_set.get("Weight"),
        state.normalize_dns_name(alias.get("DNSName")),
        (alias.get("HostedZoneId") or "").upper(),
        bool(alias.get("EvaluateTargetHealth")),
        tuple(sorted(item.get("Value", "") for item in record_set.get("ResourceRecords") or [])),
    )


def color_of(record_set, colors_by_dns):
    """The colour of the load balancer an alias record set points at, or None."""
    alias = record_set.get("AliasTarget")
    if not alias:
        return None
    return colors_by_dns.get(state.normalize_dns_name(alias.get("DNSName")))


def shares(record_sets, colors_by_dns):
    """Percent of a name's answers per colour; traffic to anything else is counted under None.

    A simple record takes everything; weighted records share by weight (all weights 0 share evenly,
    as Route 53 does). Returns {} when the name has no record set.
    """
    if not record_sets:
        return {}
    weighted = [item for item in record_sets if "Weight" in item]
    if not weighted:
        return {color_of(record_sets[0], colors_by_dns): 100}
    total = sum(item["Weight"] for item in weighted)
    result = {}
    for item in weighted:
        share = 100 * item["Weight"] / total if total else 100 / len(weighted)
        color = color_of(item, colors_by_dns)
        result[color] = result.get(color, 0) + share
    return {color: round(share) for color, share in result.items() if round(share)}


def majority_color(by_color):
    """The colour with more than half of the traffic of ``by_color`` (from shares), or None."""
    return next((color for color, share in by_color.items() if color and share > 50), None)


def describe_shares(by_color):
    """Human-readable form of shares: ``blue``, ``blue 90% / green 10%``, ``nothing``."""
    if not by_color:
        return "nothing (the record does not exist)"
    labels = {color: color or "a target of neither colour" for color in by_color}
    if len(by_color) == 1:
        return labels[next(iter(by_color))]
    ordered = sorted(by_color, key=lambda color: (color is None, color or ""))
    return " / ".join(f"{labels[color]} {by_color[color]}%" for color in ordered)


def view(record_sets, colors_by_dns):
    """What a name's record sets say, for results and diffs: one entry per record set."""
    entries = []
    for item in record_sets:
        alias = item.get("AliasTarget")
        entry = {"type": item["Type"], "set_identifier": item.get("SetIdentifier"), "weight": item.get("Weight")}
        if alias:
            entry.update(
                alias_dns_name=alias.get("DNSName"),
                alias_hosted_zone_id=alias.get("HostedZoneId"),
                evaluate_target_health=bool(alias.get("EvaluateTargetHealth")),
                color=color_of(item, colors_by_dns),
            )
        else:
            entry.update(
                values=[value.get("Value") for value in item.get("ResourceRecords") or []],
                ttl=item.get("TTL"),
                color=None,
            )
        entries.append(entry)
    return sorted(entries, key=lambda entry: (entry["type"], entry["set_identifier"] or ""))


def _check_replaceable(name, record_type, current, overwrite_non_alias):
    """Refuse record sets the module must not replace; returns the ones the change deletes."""
    deleted = []
    for item in current:
        if item["Type"] != record_type and item["Type"] not in CONFLICTING_TYPES:
            continue
        routing = [key for key in OTHER_ROUTING_KEYS if key in item]
        if routing:
            raise ValueError(
                f"record {name} ({item['Type']}, set identifier {item.get('SetIdentifier')!r}) uses "
                f"{routing[0]} routing; route53_alias_flip only manages simple and weighted alias records, so "
                "remove that record set or use other names"
            )
        values = ", ".join(value.get("Value", "") for value in item.get("ResourceRecords") or [])
        if item["Type"] != record_type:
            found = f"a {item['Type']} record ({values or 'an alias'}), which cannot share a name with an alias"
        elif "AliasTarget" not in item:
            found = f"an {record_type} record that is not an alias ({values})"
        else:
            found = None
        if found and not overwrite_non_alias:
            raise ValueError(
                f"record {name} exists as {found}; not replacing it (remove it, use another name, or set "
                "overwrite_non_alias: true to replace it)"
            )
        deleted.append(item)
    return deleted


def _identity(record_set):
    return (record_set.get("Type"), record_set.get("SetIdentifier"))


def plan_name(name, record_type, current, wanted, overwrite_non_alias=False):
    """Decide the changes of one name.

    ``current`` are all the record sets at ``name`` (any type), ``wanted`` what wanted_record_sets
    returned. Returns ``(deletes, upserts, creates)``: record sets to delete exactly as read, to update
    in place (an alias record set with the same identity exists) and to create. Record sets already as
    wanted are left alone. Raises ValueError for record sets that must not be replaced.
    """
    replaceable = _check_replaceable(name, record_type, current, overwrite_non_alias)
    unchanged = {_comparable(item) for item in replaceable} & {_comparable(item) for item in wanted}
    updatable = {_identity(item) for item in replaceable if "AliasTarget" in item and item["Type"] == record_type}
    wanted_identities = {_identity(item) for item in wanted}
    deletes = [
        item
        for item in replaceable
        if _comparable(item) not in unchanged and not (_identity(item) in updatable & wanted_identities)
    ]
    changed = [item for item in wanted if _comparable(item) not in unchanged]
    upserts = [item for item in changed if _identity(item) in updatable]
    creates = [item for item in changed if _identity(item) not in updatable]
    return deletes, upserts, creates


def change_batch(planned):
    """One zone's ChangeResourceRecordSets changes from ``[(deletes, upserts, creates)]`` per name.

    Every DELETE comes before the UPSERTs and CREATEs, so a name can move between a simple and a
    weighted alias in one transactional batch.
    """
    changes = []
    for action, index in (("DELETE", 0), ("UPSERT", 1), ("CREATE", 2)):
        changes += [{"Action": action, "ResourceRecordSet": item} for pair in planned for item in pair[index]]
    return changes


def expected_color_holds(by_color, expected):
    """Compare-and-swap test for one name: ``expected`` takes at least half of its answers."""
    return by_color.get(expected, 0) >= 50


def plan_records(names, record_type, current, targets, live_color, weights=None, overwrite_non_alias=False):
    """Plan one set of names (live or staging) in one zone.

    ``names`` are fully qualified, ``current`` maps each to its record sets (all types), ``targets``
    maps colours to AliasTargets. Returns a dict with ``changed``, ``changes`` (the zone's batch for
    these names), ``before`` and ``after`` (views per name) and ``shares`` (per name, before).
    """
    colors_by_dns = target_colors(targets)
    planned, before, after, by_name = [], {}, {}, {}
    for name in names:
        sets = current.get(name, [])
        wanted = wanted_record_sets(name, record_type, targets, live_color, weights)
        deletes, upserts, creates = plan_name(name, record_type, sets, wanted, overwrite_non_alias)
        planned.append((deletes, upserts, creates))
        by_name[name] = shares([item for item in sets if item["Type"] == record_type], colors_by_dns)
        before[name] = view([item for item in sets if item["Type"] == record_type or item in deletes], colors_by_dns)
        after[name] = view(wanted, colors_by_dns)
    changes = change_batch(planned)
    return {"changed": bool(changes), "changes": changes, "before": before, "after": after, "shares": by_name}


def zone_id(zone):
    """A hosted zone's id without its ``/hostedzone/`` prefix."""
    return zone["Id"].split("/")[-1]


def plan_batches(zones, plans):
    """The ChangeResourceRecordSets batches, one per hosted zone with changes, in sending order (KINDS).

    ``zones`` maps each kind of names to its hosted zone and ``plans`` to what plan_records returned. Returns
    ``[{zone_id, zone_name, records, changes}]``, ``records`` naming the kinds of names the batch changes.
    """
    result = []
    for kind in KINDS:
        if kind not in plans or not plans[kind]["changed"]:
            continue
        zone = zones[kind]
        same = next((batch for batch in result if batch["zone_id"] == zone_id(zone)), None)
        if same:
            # Live and staging names in one zone: one batch, its DELETEs still before everything else.
            same["records"].append(kind)
            same["changes"] = sorted(
                same["changes"] + plans[kind]["changes"], key=lambda change: change["Action"] != "DELETE"
            )
            continue
        result.append(
            {
                "zone_id": zone_id(zone),
                "zone_name": zone["Name"],
                "records": [kind],
                "changes": plans[kind]["changes"],
            }
        )
    return result


def previous_state(shares_by_name):
    """(previous live colour, previous weights) of the live names, from plan_records' ``shares``.

    The colour is the one that had the majority of every name's answers, else None; the weights are the names'
    shares, a target of neither colour under ``other``, when every name had the same, else None.
    """
    by_name = list(shares_by_name.values())
    colors = {majority_color(by_color) for by_color in by_name}
    previous_color = colors.pop() if len(colors) == 1 else None
    named = [{color or "other": share for color, share in by_color.items()} for by_color in by_name]
    previous_weights = named[0] if all(item == named[0] for item in named) else None
    return previous_color, previous_weights
