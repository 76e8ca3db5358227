# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The bounds of every whole-number option of the collection's modules, checked before anything is read.

Counts are at least 1 where 0 would be unsafe (healthy targets, shares of traffic), seconds are never negative and
nothing is unbounded. A module checks its own options first where it has more to say (why 0 healthy targets is
unsafe); check_options then catches the rest. Options of a dict option are named by their path, ``weights.blue``.
"""

from __future__ import annotations

DAY = 86400
PORT = (1, 65535)
COUNT = 10000
# CodeDeploy waits at most two days before it reroutes to a replacement fleet or ends the original one.
CODEDEPLOY_MINUTES = (0, 2880)

BOUNDS = {
    "listener_port": PORT,
    "test_listener_port": PORT,
    "traffic_percent": (1, 100),
    # ELB API Reference, TargetGroupStickinessConfig: DurationSeconds, 1 to 604800 seconds (7 days).
    "stickiness_seconds": (1, 604800),
    "min_healthy_targets": (1, COUNT),
    "health_wait_timeout": (0, DAY),
    "health_poll_interval": (1, 3600),
    "min_size": (0, COUNT),
    "max_size": (0, COUNT),
    "desired_capacity": (0, COUNT),
    # A CodeDeploy deployment may wait two days for its reroute and two more before it ends the originals.
    "wait_timeout": (0, 5 * DAY),
    "poll_interval": (1, 3600),
    "blue_green.ready_wait_minutes": CODEDEPLOY_MINUTES,
    "blue_green.termination_wait_minutes": CODEDEPLOY_MINUTES,
    # Route 53's weights of weighted records.
    "weights.blue": (0, 255),
    "weights.green": (0, 255),
    "lock_max_age": (0, 365 * DAY),
    # release_gate: the minutes of metrics judged at each check (an hour at most), and the observation period.
    "window": (60, 3600),
    "bake_seconds": (0, DAY),
    "metric_checks.min_requests": (0, 10**9),
    # A switch's canary steps are distinct percentages, so at most 100 of them.
    "event.step": (1, 100),
    "event.step_index": (1, 100),
    "event.steps": (1, 100),
}


def int_options(argument_spec, prefix=""):
    """The paths of the int options of ``argument_spec``, those of its dict options' options included."""
    found = []
    for name, option in argument_spec.items():
        if option.get("type") == "int":
            found.append(prefix + name)
        elif option.get("type") == "dict" and option.get("options"):
            found.extend(int_options(option["options"], f"{prefix}{name}."))
    return found


def value_at(params, path):
    """The value of the option at ``path`` in ``params``, None when it or a dict above it is unset."""
    value = params
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def out_of_range(argument_spec, params):
    """One message per int option of ``argument_spec`` whose value in ``params`` is outside its bounds."""
    problems = []
    for path in int_options(argument_spec):
        value = value_at(params, path)
        low, high = BOUNDS[path]
        if value is not None and not low <= value <= high:
            problems.append(f"{path} {value} is out of range; use {low} to {high}")
    return problems


def under_minimum(params, options):
    """The message for the first of ``options`` whose value in ``params`` is below its lower bound, or None.

    A time or size below 0 is negative, an interval below 1 second too small: said so before the range check.
    """
    for option in options:
        value = params[option]
        low = BOUNDS[option][0]
        if value is not None and value < low:
            return f"{option} {value} {'is negative' if low == 0 else 'is too small'}; use {low} or more"
    return None


def check_minimums(module, options):
    """Fail ``module``, before anything is read, when one of ``options`` is below its lower bound."""
    problem = under_minimum(module.params, options)
    if problem:
        module.fail_json(msg=problem)


def check_options(module, argument_spec):
    """Fail ``module``, before anything is read, when one of its int options is out of range."""
    problems = out_of_range(argument_spec, module.params)
    if problems:
        module.fail_json(msg="; ".join(problems))
