# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import datetime

from ansible.errors import AnsibleFilterError

from ansible_collections.teal.bluegreen.plugins.module_utils.state import describe_age
from ansible_collections.teal.bluegreen.plugins.module_utils.state import parse_time

COLORS = ("blue", "green")


def _columns(rows):
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]


def _layer_detail(name, layer):
    if name == "alb":
        return f"listener port {layer.get('listener_port')}"
    if name == "route53":
        return ", ".join(sorted({record["name"] for record in layer.get("records", [])}))
    if name == "ssm":
        version = f" v{layer['version']}" if layer.get("version") else ""
        return f"{layer.get('name', '')}{version}"
    if name == "efs":
        hosts = layer.get("hosts", {})
        serving = [f"{sum(1 for value in hosts.values() if value == color)} {color}" for color in COLORS]
        return f"{len(hosts)} instance(s): " + ", ".join(serving)
    if name == "asg":
        running = [color for color in COLORS if layer.get("groups", {}).get(color, {}).get("desired_capacity")]
        return f"capacity in {' and '.join(running)}" if running else "no group has capacity"
    return ""


def _lock_detail(lock, now):
    if not lock.get("valid", True):
        return "not a lock document"
    started = parse_time(lock.get("started"))
    age = f", {describe_age((now - started).total_seconds())} ago" if started else ""
    return f"{lock.get('owner')} ({lock.get('operation')}) since {lock.get('started')}{age}"


def state_table(result, now=None):
    """Render a state_info result as a short table for people to read; ``now`` (ISO 8601, the current time unless
    given) gives the lock's age."""
    if not isinstance(result, dict) or "colors" not in result or "layers" not in result:
        raise AnsibleFilterError("state_table expects the registered result of teal.bluegreen.state_info")
    now = parse_time(now) if now else datetime.datetime.now(datetime.timezone.utc)
    live = result.get("live_color")
    verdict = "consistent" if result.get("consistent") else "NOT consistent"
    lines = [f"app {result.get('app')}: live {live or '?'}, idle {result.get('idle_color') or '?'}, {verdict}", ""]

    rows = [("colour", "live", "traffic", "target group", "healthy", "auto scaling group", "in service")]
    for color in COLORS:
        info = result["colors"].get(color, {})
        traffic = f"{info['traffic_percent']}%" if "traffic_percent" in info else "-"
        rows.append(
            (
                color,
                "*" if color == live else "",
                traffic,
                info.get("target_group_name") or "-",
                f"{info.get('targets_healthy', 0)}/{info.get('targets_total', 0)}",
                info.get("auto_scaling_group") or "-",
                f"{info.get('instances_in_service', 0)}/{info.get('desired_capacity', 0)}",
            )
        )
    lines.extend(_columns(rows))
    lines.append("")

    rows = [("layer", "says", "detail")]
    for name, layer in result["layers"].items():
        rows.append((name, layer.get("live_color") or "-", _layer_detail(name, layer)))
    lock = result.get("lock")
    rows.append(("lock", "held" if lock else "free", _lock_detail(lock, now) if lock else ""))
    deployment = result.get("deployment")
    if deployment and deployment.get("valid"):
        artifact = f", artifact {deployment['artifact_version']}" if deployment.get("artifact_version") else ""
        status = "not switched to yet" if deployment.get("pending") else "switched to"
        rows.append(("deploy", deployment["color"], f"{deployment.get('id')}{artifact}: {status}"))
    lines.extend(_columns(rows))

    for reason in result.get("reasons", []):
        lines.append(f"! {reason}")
    for flag in result.get("flags", []):
        lines.append(f"? {flag}")
    return "\n".join(lines)


class FilterModule:
    def filters(self):
        return {"state_table": state_table}
