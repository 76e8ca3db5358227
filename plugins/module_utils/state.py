# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The colour and state model shared by the modules.

Everything here is pure: plain data in, plain data out, no AWS and no AnsibleModule, so the
decisions can be unit tested on their own.
"""

from __future__ import annotations

import datetime
import json

COLORS = ("blue", "green")
APP_TAG = "bluegreen:app"
COLOR_TAG = "bluegreen:color"
PRODUCTION_TAG = "IsProduction"

# The traffic layers, in the order in which they are trusted as the ground truth.
TRAFFIC_LAYERS = ("codedeploy", "alb", "route53", "efs")

# The Status of an Auto Scaling group that DeleteAutoScalingGroup is removing (AutoScalingGroup, Status).
DELETING_STATUS = "Delete in progress"

# How CodeDeploy names the Auto Scaling group a blue/green deployment copies (COPY_AUTO_SCALING_GROUP):
# CodeDeploy_<deployment group>_<deployment id>.
CODEDEPLOY_COPY_PREFIX = "CodeDeploy_"


def other_color(color):
    """Return the colour that is not ``color``."""
    if color not in COLORS:
        raise ValueError(f"unknown colour {color!r}: expected one of {', '.join(COLORS)}")
    return COLORS[1] if color == COLORS[0] else COLORS[0]


def parameter_names(prefix, app):
    """Names of the app's live-colour, lock and deployment-record parameters under ``prefix``."""
    base = "/" + "/".join(part for part in (prefix.strip("/"), app) if part)
    return {"live": f"{base}/live", "lock": f"{base}/lock", "deployment": f"{base}/deployment"}


def color_of_tags(tags):
    """The colour a resource's tags (a dict) give it, or None."""
    color = (tags or {}).get(COLOR_TAG)
    return color if color in COLORS else None


def forward_weights(actions):
    """Share of traffic (percent) per target group ARN of a listener's or rule's forward action.

    Returns None when there is no forward action (redirect, fixed-response, ...). A plain forward
    (``TargetGroupArn`` only) sends 100 percent to its target group.
    """
    for action in actions or []:
        if action.get("Type") != "forward":
            continue
        groups = (action.get("ForwardConfig") or {}).get("TargetGroups")
        if not groups:
            return {action["TargetGroupArn"]: 100}
        total = sum(group.get("Weight", 1) for group in groups)
        if total == 0:
            return {group["TargetGroupArn"]: 0 for group in groups}
        return {group["TargetGroupArn"]: round(100 * group.get("Weight", 1) / total) for group in groups}
    return None


def alb_layer(listener, arn_colors, test_listener=None):
    """Which colour the production listener sends traffic to.

    ``listener`` is a DescribeListeners entry, ``arn_colors`` maps target group ARNs to colours.
    Returns a dict with ``live_color`` (None when undecidable), ``weights`` per colour and the
    ``reasons`` the layer is not a clean single-colour state. With ``test_listener`` (the test listener's
    DescribeListeners entry) it also holds ``test_listener``, see test_listener_state.
    """
    layer = _production_layer(listener, arn_colors)
    if test_listener is not None:
        layer["test_listener"] = test_listener_state(test_listener, arn_colors, layer["live_color"])
        layer["reasons"].extend(layer["test_listener"]["reasons"])
    return layer


def test_listener_state(listener, arn_colors, live_color):
    """The test listener: ``port``, ``listener_arn``, ``weights`` per colour and the ``reasons`` it is not in place.

    It is in place when it forwards nothing to the live colour: the checks of a deploy through it then reach the
    idle colour, as the switch leaves it (alb_swap's test_listener_port), never the fleet that serves production.
    """
    port = listener.get("Port")
    weights = forward_weights(listener.get("DefaultActions")) or {}
    by_color = {}
    for arn, percent in weights.items():
        if arn in arn_colors and percent:
            by_color[arn_colors[arn]] = by_color.get(arn_colors[arn], 0) + percent
    found = {"port": port, "listener_arn": listener.get("ListenerArn"), "weights": by_color, "reasons": []}
    if live_color in by_color:
        found["reasons"].append(
            f"the test listener on port {port} forwards {by_color[live_color]}% to the live colour {live_color}, so "
            f"checks through it would reach the fleet that serves production, not the idle colour "
            f"{other_color(live_color)}"
        )
    return found


def _production_layer(listener, arn_colors):
    port = listener.get("Port")
    weights = forward_weights(listener.get("DefaultActions"))
    layer = {
        "live_color": None,
        "listener_arn": listener.get("ListenerArn"),
        "listener_port": port,
        "weights": {},
        "target_group_arns": sorted(weights or {}),
        "reasons": [],
    }
    if weights is None:
        kinds = ", ".join(sorted({action.get("Type", "?") for action in listener.get("DefaultActions") or []}))
        layer["reasons"].append(
            f"listener on port {port} does not forward to a target group (default action: {kinds or 'none'})"
        )
        return layer
    for arn, percent in sorted(weights.items()):
        color = arn_colors.get(arn)
        if color is None:
            if percent:
                layer["reasons"].append(
                    f"listener on port {port} forwards {percent}% to target group {arn}, which belongs to neither colour"
                )
            continue
        layer["weights"][color] = layer["weights"].get(color, 0) + percent
    serving = {color: percent for color, percent in layer["weights"].items() if percent}
    if layer["reasons"]:
        return layer
    if len(serving) == 1:
        layer["live_color"] = next(iter(serving))
    elif len(serving) > 1:
        split = " / ".join(f"{color} {serving[color]}%" for color in COLORS if color in serving)
        layer["reasons"].append(f"listener on port {port} splits traffic {split} (a canary is in progress)")
    else:
        layer["reasons"].append(f"listener on port {port} sends no traffic to either colour")
    return layer


def normalize_dns_name(name):
    """Compare alias targets the way Route 53 does: case-insensitive, no trailing dot, no dualstack prefix."""
    name = (name or "").lower().rstrip(".")
    return name[len("dualstack.") :] if name.startswith("dualstack.") else name


def _record_shares(records):
    """Percent of a name's answers per colour, from its records (weighted ones carry a ``weight``)."""
    weighted = [record for record in records if record.get("weight") is not None]
    if not weighted:
        return {record["color"]: 100 for record in records[:1]}
    total = sum(record["weight"] for record in weighted)
    shares = {}
    for record in weighted:
        share = 100 * record["weight"] / total if total else 100 / len(weighted)
        shares[record["color"]] = shares.get(record["color"], 0) + share
    return {color: round(share) for color, share in shares.items()}


def route53_layer(records, lb_colors, shared_lb_dns=None, shared_color=None):
    """Which colour the live alias records point at.

    ``records`` is a list of ``{name, type, alias_dns_name, weight}`` (alias_dns_name None when the
    record is missing or not an alias; weight None unless the record is weighted, and then one entry
    per weighted record of the name), ``lb_colors`` maps normalised load balancer DNS names to colours.
    ``shared_lb_dns`` is the app's single load balancer (strategy alb): records aliasing it follow the
    listener, so they take ``shared_color``. ``weights`` is the share of answers per colour, in percent,
    when every name has the same.
    """
    layer = {"live_color": None, "records": [], "weights": {}, "reasons": []}
    shared = normalize_dns_name(shared_lb_dns) if shared_lb_dns else None
    by_name = {}
    for record in records:
        target = normalize_dns_name(record.get("alias_dns_name"))
        if not record.get("alias_dns_name"):
            color = None
            layer["reasons"].append(f"record {record['name']} ({record['type']}) is missing or is not an alias")
        elif target == shared:
            color = shared_color
        elif target in lb_colors:
            color = lb_colors[target]
        else:
            color = None
            layer["reasons"].append(
                f"record {record['name']} aliases {record['alias_dns_name']}, a load balancer of neither colour"
            )
        layer["records"].append(dict(record, color=color))
        by_name.setdefault(record["name"], []).append(layer["records"][-1])
    shares = {name: _record_shares(named) for name, named in by_name.items()}
    seen = {color for by_color in shares.values() for color, share in by_color.items() if color and share}
    same = len({tuple(sorted(by_color.items(), key=str)) for by_color in shares.values()}) == 1
    if same and not layer["reasons"]:
        layer["weights"] = {color: share for color, share in next(iter(shares.values())).items() if share}
    if len(seen) > 1:
        if same and not layer["reasons"]:
            split = " / ".join(f"{color} {layer['weights'][color]}%" for color in COLORS if color in layer["weights"])
            layer["reasons"].append(f"live records split their answers {split} (a weighted shift is in progress)")
        else:
            layer["reasons"].append("live records point at both colours (a switch was left half done)")
    elif len(seen) == 1 and not layer["reasons"]:
        layer["live_color"] = seen.pop()
    return layer


def untagged_copies(groups):
    """The groups CodeDeploy copied that still carry the colour of the group they copy: name -> the other colour.

    CodeDeploy gives its copy the tags of the group it copies, so the copy carries that group's colour until the
    deployment tags it with its own (codedeploy_deployment's ``replacement_tags``); a run stopped in between leaves
    two groups of one colour. The later of the two is that copy when CodeDeploy named it and the other colour has
    no group: it is the other colour's fleet, its tag still to come. ``groups`` are DescribeAutoScalingGroups
    entries with a ``tags`` dict.
    """
    by_color = {color: [] for color in COLORS}
    for group in groups:
        color = color_of_tags(group.get("tags"))
        if color is not None:
            by_color[color].append(group)
    copies = {}
    for color, same in by_color.items():
        if len(same) != 2 or by_color[other_color(color)] or not all(group.get("CreatedTime") for group in same):
            continue
        older, newer = sorted(same, key=lambda group: group["CreatedTime"])
        if (
            newer["AutoScalingGroupName"].startswith(CODEDEPLOY_COPY_PREFIX)
            and older["CreatedTime"] < newer["CreatedTime"]
        ):
            copies[newer["AutoScalingGroupName"]] = other_color(color)
    return copies


def fleet_color(group, copies):
    """The colour of an Auto Scaling group: its tag's, or, for one of ``copies`` (untagged_copies), the one to come."""
    return copies.get(group["AutoScalingGroupName"]) or color_of_tags(group.get("tags"))


def asg_layer(groups, tg_colors):
    """Which colour's Auto Scaling group has capacity.

    ``groups`` are DescribeAutoScalingGroups entries with a ``tags`` dict, ``tg_colors`` maps target
    group ARNs to colours. Both colours having capacity is normal while a deployment runs, so it is
    not a reason by itself; an ASG attached to the other colour's target group is. A copy CodeDeploy made that
    still carries its original's colour counts as the other colour's, with ``awaiting_color_tag`` (untagged_copies).
    """
    layer = {"live_color": None, "groups": {}, "reasons": []}
    with_capacity = set()
    copies = untagged_copies(groups)
    for group in groups:
        name = group["AutoScalingGroupName"]
        color = fleet_color(group, copies)
        if color is None:
            layer["reasons"].append(f"Auto Scaling group {name} has no valid {COLOR_TAG} tag")
            continue
        if color in layer["groups"]:
            layer["reasons"].append(
                f"Auto Scaling groups {layer['groups'][color]['name']} and {name} are both tagged {color}"
            )
            continue
        for arn in group.get("TargetGroupARNs") or []:
            attached = tg_colors.get(arn)
            if attached and attached != color:
                layer["reasons"].append(
                    f"Auto Scaling group {name} is tagged {color} but attached to the {attached} target group"
                )
        in_service = [i for i in group.get("Instances") or [] if i.get("LifecycleState") == "InService"]
        layer["groups"][color] = {
            "name": name,
            "desired_capacity": group.get("DesiredCapacity", 0),
            "min_size": group.get("MinSize", 0),
            "max_size": group.get("MaxSize", 0),
            "instances_in_service": len(in_service),
            "target_group_arns": list(group.get("TargetGroupARNs") or []),
            # DeleteAutoScalingGroup keeps a group, Status "Delete in progress", until its instances have drained
            # and terminated.
            "deleting": group.get("Status") == DELETING_STATUS,
            "awaiting_color_tag": name in copies,
        }
        if group.get("DesiredCapacity", 0) > 0:
            with_capacity.add(color)
    if len(with_capacity) == 1:
        layer["live_color"] = next(iter(with_capacity))
    return layer


def health_counts(health):
    """How many of a target group's targets, given by their DescribeTargetHealth entries, are healthy, of how many."""
    return {
        "healthy": sum(1 for item in health if item["TargetHealth"]["State"] == "healthy"),
        "total": len(health),
    }


def codedeploy_layer(target_group_arn, health, groups):
    """Which colour's instances the target group of a CodeDeploy blue/green deployment holds.

    CodeDeploy moves the traffic of an Auto Scaling group by registering the replacement group's instances with
    the one target group and deregistering the original group's, so the colour of the instances registered there
    (their group's ``bluegreen:color``) is the colour production is on. ``health`` are the target group's
    DescribeTargetHealth entries, ``groups`` the app's DescribeAutoScalingGroups entries with a ``tags`` dict.
    Draining targets are on their way out and do not count. The ``weights`` are each colour's share of the targets.
    """
    layer = {
        "live_color": None,
        "target_group_arn": target_group_arn,
        "weights": {},
        "targets": {color: {"healthy": 0, "total": 0} for color in COLORS},
        "reasons": [],
    }
    owners = {}
    copies = untagged_copies(groups)
    for group in groups:
        for instance in group.get("Instances") or []:
            owners[instance["InstanceId"]] = fleet_color(group, copies)
    strangers = []
    for item in health:
        status = item["TargetHealth"]["State"]
        if status == "draining":
            continue
        color = owners.get(item["Target"]["Id"])
        if color is None:
            strangers.append(item["Target"]["Id"])
            continue
        layer["targets"][color]["total"] += 1
        layer["targets"][color]["healthy"] += status == "healthy"
    total = sum(counts["total"] for counts in layer["targets"].values())
    if total:
        layer["weights"] = {color: round(100 * counts["total"] / total) for color, counts in layer["targets"].items()}
    if strangers:
        layer["reasons"].append(
            f"target group {target_group_arn} holds {', '.join(sorted(strangers))}, which no Auto Scaling group of a "
            "colour runs"
        )
        return layer
    serving = [color for color in COLORS if layer["targets"][color]["total"]]
    if len(serving) == 1:
        layer["live_color"] = serving[0]
    elif serving:
        split = " / ".join(f"{color} {layer['targets'][color]['total']}" for color in serving)
        layer["reasons"].append(
            f"target group {target_group_arn} holds instances of both colours ({split}): a CodeDeploy reroute is under way"
        )
    else:
        layer["reasons"].append(f"target group {target_group_arn} holds no instance of either colour")
    return layer


def efs_layer(links, root=None):
    """Which colour the instances' web roots point at (strategy efs).

    ``links`` maps each instance (inventory host) to the target of its web-root symlink, or None when the
    web root is not a symlink. A target counts as a colour when its last component is ``blue`` or
    ``green`` and, with ``root`` given, it lies directly in ``root``. The weights are the share of
    instances per colour, so a switch left half done reads as a split.
    """
    layer = {"live_color": None, "weights": {}, "hosts": {}, "reasons": []}
    base = root.rstrip("/") if root else None
    for host in sorted(links):
        target = links[host]
        text = (target or "").rstrip("/")
        parent, _sep, name = text.rpartition("/")
        color = name if name in COLORS and (base is None or parent == base) else None
        layer["hosts"][host] = color
        if target is None:
            layer["reasons"].append(f"the web root on {host} is not a symlink")
        elif color is None:
            where = f"a colour's directory in {base}" if base else "a colour's directory"
            layer["reasons"].append(f"the web root on {host} points at {target}, not {where}")
    if not links:
        layer["reasons"].append("no instance reported its web root")
        return layer
    counted = [color for color in layer["hosts"].values() if color]
    layer["weights"] = {
        color: round(100 * counted.count(color) / len(links)) for color in COLORS if counted.count(color)
    }
    if len(set(counted)) > 1:
        split = " / ".join(f"{color} {layer['weights'][color]}%" for color in layer["weights"])
        layer["reasons"].append(f"the instances serve both colours ({split}): a switch was left half done")
    elif counted and not layer["reasons"]:
        layer["live_color"] = counted[0]
    return layer


def ssm_layer(parameter):
    """The colour the live parameter records (a GetParameters entry, or None when it is missing)."""
    layer = {"live_color": None, "reasons": []}
    if parameter is None:
        layer["reasons"].append("the live-colour parameter does not exist")
        return layer
    layer.update(version=parameter.get("Version"), value=parameter.get("Value"))
    if parameter.get("Value") in COLORS:
        layer["live_color"] = parameter["Value"]
    else:
        layer["reasons"].append(f"the live-colour parameter holds {parameter.get('Value')!r}, not blue or green")
    return layer


# How many of the live parameter's newest versions state_info reports.
HISTORY_LIMIT = 10


def history_entries(versions, limit=HISTORY_LIMIT):
    """The newest ``limit`` versions of the live parameter, newest first, as the audit trail shows them."""
    entries = [
        {
            "version": item.get("Version"),
            "value": item.get("Value"),
            "description": item.get("Description", ""),
            "last_modified": item["LastModifiedDate"].isoformat() if item.get("LastModifiedDate") else None,
        }
        for item in versions
    ]
    return sorted(entries, key=lambda entry: entry["version"] or 0, reverse=True)[:limit]


def previous_color(history):
    """The colour that was live before the current one, from the live parameter's history (newest first)."""
    if not history:
        return None
    current = history[0]["value"]
    return next(
        (entry["value"] for entry in history[1:] if entry["value"] != current and entry["value"] in COLORS), None
    )


def alarm_states(names, described):
    """The state of each alarm of ``names`` from its DescribeAlarms entry in ``described`` (metric and composite alarms):
    name, state, reason and when it changed; state None for a name no alarm has."""
    found = {item["AlarmName"]: item for item in described}
    states = []
    for name in names:
        item = found.get(name) or {}
        updated = item.get("StateUpdatedTimestamp")
        states.append(
            {
                "name": name,
                "state": item.get("StateValue"),
                "reason": item.get("StateReason"),
                "updated": updated.isoformat() if hasattr(updated, "isoformat") else updated,
            }
        )
    return states


def parse_lock(parameter):
    """The lock holder recorded in the lock parameter, or None when the app is not locked."""
    if parameter is None:
        return None
    value = parameter.get("Value", "")
    try:
        holder = json.loads(value)
    except ValueError:
        holder = None
    if not isinstance(holder, dict):
        return {"owner": None, "operation": None, "started": None, "valid": False, "version": parameter.get("Version")}
    return {
        "owner": holder.get("owner"),
        "operation": holder.get("operation"),
        "started": holder.get("started"),
        "valid": True,
        "version": parameter.get("Version"),
    }


DEPLOYMENT_KEYS = (
    "id",
    "color",
    "auto_scaling_group",
    "source",
    "artifact_version",
    "image_id",
    "launch_template",
    "release_sha256",
    "codedeploy_revision",
    "codedeploy_deployment_id",
    "previous_artifact_version",
    "codedeploy_previous_revision",
)


def parse_deployment(parameter, live=None, history=None):
    """The last deployment recorded by the deploy role in the deployment parameter, or None.

    ``valid`` is false when the parameter does not hold a JSON object naming a colour. ``pending`` is
    true when the deployment's colour has not been live since it was recorded: the live parameter
    ``live`` names another colour, and no version of it written since named the deployment's colour. With the live
    parameter's ``history`` (history_entries, newest first) that is read from its versions; without it, from
    whether the parameter has changed at all since, which a version that keeps the colour (a failed switch saying
    why the traffic went back) makes look like a switch.
    """
    if parameter is None:
        return None
    try:
        record = json.loads(parameter.get("Value", ""))
    except ValueError:
        record = None
    modified = parameter.get("LastModifiedDate")
    result = {key: None for key in DEPLOYMENT_KEYS}
    result.update(
        version=parameter.get("Version"),
        last_modified=modified.isoformat() if hasattr(modified, "isoformat") else modified,
        valid=isinstance(record, dict) and record.get("color") in COLORS,
    )
    if isinstance(record, dict):
        result.update({key: record.get(key) for key in DEPLOYMENT_KEYS})
    live_modified = (live or {}).get("LastModifiedDate")
    since = [_moment(entry.get("last_modified")) for entry in history or ()]
    # The versions reported reach back to the deployment: all of them, or the oldest one is older.
    complete = bool(since) and (
        len(since) < HISTORY_LIMIT or (since[-1] is not None and since[-1] < (modified or since[-1]))
    )
    if complete and modified is not None:
        unseen = not any(
            entry.get("value") == result["color"] and moment is not None and moment >= modified
            for entry, moment in zip(history, since)
        )
    else:
        unseen = live_modified is None or modified is None or modified >= live_modified
    result["pending"] = bool(result["valid"] and (live or {}).get("Value") != result["color"] and unseen)
    return result


def _moment(value):
    """An ISO 8601 time of history_entries as a datetime, or None."""
    try:
        return datetime.datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def summarize(layers):
    """Decide the app's live colour and whether its layers agree.

    ``layers`` maps layer names (alb, route53, efs, ssm, asg) to the dicts built above; absent layers are
    simply not configured. The first traffic layer present is the ground truth; without one, the
    parameter is. Returns ``live_color``, ``idle_color``, ``consistent``, ``source`` and ``reasons``.
    """
    reasons = []
    for name, layer in layers.items():
        reasons.extend(f"{name}: {reason}" for reason in layer.get("reasons", []))

    source = next((name for name in TRAFFIC_LAYERS + ("ssm",) if name in layers), None)
    live = layers[source]["live_color"] if source else None
    if live is None and source is not None and not reasons:
        reasons.append(f"{source}: cannot tell which colour is live")

    if live is not None:
        for name in ("route53", "efs", "ssm"):
            other = layers.get(name, {}).get("live_color")
            if name != source and other is not None and other != live:
                reasons.append(f"{name}: says {other} is live but {source} sends traffic to {live}")
        # Strategy efs serves both colours from the same fleet, so the groups' capacity says nothing.
        asg = layers.get("asg") if source != "efs" else None
        if asg is not None and asg["groups"]:
            group = asg["groups"].get(live)
            if group is None:
                reasons.append(f"asg: the live colour {live} has no Auto Scaling group")
            elif group["desired_capacity"] == 0:
                reasons.append(f"asg: the live colour's Auto Scaling group {group['name']} has no capacity")

    return {
        "live_color": live,
        "idle_color": other_color(live) if live else None,
        "consistent": live is not None and not reasons,
        "source": source,
        "reasons": reasons,
    }


def parse_time(text):
    """An ISO 8601 time (``Z`` or an offset; UTC when it has neither) as an aware datetime, or None."""
    try:
        moment = datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def describe_age(seconds):
    """A duration as people read it: its two largest units, ``3d 4h``, ``12m 5s``."""
    seconds = max(int(seconds), 0)
    parts = [(seconds // 86400, "d"), (seconds % 86400 // 3600, "h"), (seconds % 3600 // 60, "m"), (seconds % 60, "s")]
    shown = [f"{value}{unit}" for value, unit in parts if value]
    return " ".join(shown[:2]) or "0s"


def flags(live_color, colors, lock, lock_parameter, now, min_healthy_targets=1, lock_max_age=3600):
    """What deserves a look although the layers may agree, one sentence each.

    The live colour with fewer healthy targets than ``min_healthy_targets`` (when it has a target group), a lock
    parameter that is not a lock document, and a lock older than ``lock_max_age`` seconds (its run may have died).
    ``colors`` are state_info's, ``lock`` parse_lock's result, ``now`` an aware datetime.
    """
    found = []
    live = (colors or {}).get(live_color) or {}
    if live.get("target_group_arn") and live.get("targets_healthy", 0) < min_healthy_targets:
        found.append(
            f"the live colour {live_color} has {live.get('targets_healthy', 0)} of {live.get('targets_total', 0)} "
            f"targets healthy in {live.get('target_group_name')}, fewer than min_healthy_targets "
            f"({min_healthy_targets})"
        )
    if lock and not lock.get("valid"):
        found.append(
            f"{lock_parameter} holds something that is not a lock document: every run refuses to start while it is "
            "there; once no run is in progress, the next one removes it with bluegreen_force_unlock=true"
        )
    elif lock:
        started = parse_time(lock.get("started"))
        age = (now - started).total_seconds() if started else None
        if age is not None and age > lock_max_age:
            found.append(
                f"the lock of {lock.get('owner')} ({lock.get('operation')}) is {describe_age(age)} old, older than "
                f"lock_max_age ({describe_age(lock_max_age)}): the run that took it may have died; if no run is in "
                "progress, the next one takes it over with bluegreen_force_unlock=true"
            )
    return found
