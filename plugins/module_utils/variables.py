# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The checks every role of the collection makes of its variables before anything is read or written.

- A ``bluegreen_`` variable the collection does not know is a misspelling until said otherwise (listed in
  ``bluegreen_extra_variables``): the message names it and the nearest variable the collection documents.
- A required variable that is missing is named, with what it is.
- Every number is a whole number within its bounds: counts are at least 1 where 0 would be unsafe, seconds are never
  negative, ports and HTTP statuses are what they can be, and nothing is unbounded.
- What a new fleet runs (image, instance type, launch template version, user data) is never empty text, which would
  silently keep the live colour's.

Pure functions; the ``teal.bluegreen.variable_problems`` lookup gives them the play's variables.
"""

from __future__ import annotations

import difflib
import re

PREFIX = "bluegreen_"
EXTRA = "bluegreen_extra_variables"
NAME = re.compile(r"\bbluegreen_[a-z0-9_]+")

DAY = 86400
COUNT = 10000
PORT = (1, 65535)
STATUS = (100, 599)
# CodeDeploy waits at most two days for a replacement fleet to be rerouted to and before it ends the original one.
CODEDEPLOY_MINUTES = (0, 2880)

# Every whole-number variable of the roles (meta/argument_specs.yml), with the values it may take.
BOUNDS = {
    "bluegreen_listener_port": PORT,
    "bluegreen_test_listener_port": PORT,
    "bluegreen_min_size": (0, COUNT),
    "bluegreen_max_size": (1, COUNT),
    "bluegreen_desired_capacity": (1, COUNT),
    "bluegreen_min_healthy_targets": (1, COUNT),
    "bluegreen_lock_max_age": (0, 365 * DAY),
    "bluegreen_wait_timeout": (0, DAY),
    "bluegreen_poll_interval": (1, 3600),
    "bluegreen_bake_seconds": (0, DAY),
    "bluegreen_canary_bake_seconds": (0, DAY),
    "bluegreen_post_switch_bake_seconds": (0, DAY),
    "bluegreen_gate_poll_interval": (1, 3600),
    # ALB's range of a forward's group stickiness (TargetGroupStickinessConfig, DurationSeconds): 1 s to 7 days.
    "bluegreen_canary_stickiness_seconds": (1, 7 * DAY),
    "bluegreen_health_wait_timeout": (0, DAY),
    "bluegreen_health_poll_interval": (1, 3600),
    "bluegreen_dns_wait_timeout": (0, DAY),
    "bluegreen_dns_poll_interval": (1, 3600),
    "bluegreen_efs_marker_retries": (0, 1000),
    "bluegreen_efs_marker_delay": (0, 3600),
    "bluegreen_verify_status": STATUS,
    "bluegreen_deploy_verify_retries": (0, 1000),
    "bluegreen_deploy_verify_delay": (0, 3600),
    "bluegreen_codedeploy_ready_wait_minutes": CODEDEPLOY_MINUTES,
    "bluegreen_codedeploy_termination_wait_minutes": CODEDEPLOY_MINUTES,
    "bluegreen_hooks_check_status": STATUS,
    "bluegreen_hooks_check_retries": (0, 1000),
    "bluegreen_hooks_check_delay": (0, 3600),
    "bluegreen_hooks_check_timeout": (1, 3600),
}

# The variables without which no role of the collection can start, and what each is.
REQUIRED = {"bluegreen_app": "the application's name, as in its bluegreen:app tags"}

# What a new fleet runs, when it should differ from the live colour's; unset (null), each keeps the live colour's.
# An empty text, which an unset shell or CI variable gives (-e bluegreen_image_id=$AMI), would keep it as well
# without a word, and a deploy meant to change the image would roll out the old one: empty text is refused.
NOT_EMPTY = {
    "bluegreen_image_id": ("an AMI id like ami-0123456789abcdef0", "image"),
    "bluegreen_instance_type": ("an instance type like t3.micro", "instance type"),
    "bluegreen_launch_template_version": (
        "a version of the launch template (a number, $Latest or $Default)",
        "version",
    ),
    "bluegreen_user_data": ("the instances' user data", "user data"),
}


def whole_number(value):
    """``value`` as an int when it is a whole number (as text too: surveys and -e give text), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
        return int(value)
    return None


def bound_problems(values, bounds=None):
    """A message for each of ``values`` (name -> value) that is not a whole number within its bounds; null (unset)
    is left to the role's default."""
    found = []
    for name, (low, high) in (bounds or BOUNDS).items():
        if name not in values or values[name] is None or values[name] == "":
            continue
        value = values[name]
        number = whole_number(value)
        if number is None:
            found.append(f"{name} {value!r} is not a whole number; use {low} to {high}")
        elif not low <= number <= high:
            found.append(f"{name} {number} is out of range; use {low} to {high}")
    return found


def nearest(name, documented):
    """The documented variable ``name`` most likely meant, or None: "colour" is read as "color" first."""
    spelled = name.replace("colour", "color")
    if spelled != name and spelled in documented:
        return spelled
    # Compared without the prefix every name shares, which would make any two names look alike.
    suffixes = {item[len(PREFIX) :]: item for item in documented if item.startswith(PREFIX)}
    close = difflib.get_close_matches(spelled[len(PREFIX) :], sorted(suffixes), n=1, cutoff=0.75)
    return suffixes[close[0]] if close else None


def unknown_problems(names, known, documented, extra=()):
    """A message for each ``bluegreen_`` name that is neither ``known`` nor listed in ``extra``."""
    found = []
    allowed = set(known) | set(extra or ())
    for name in sorted(names):
        if not name.startswith(PREFIX) or name in allowed:
            continue
        guess = nearest(name, documented)
        hint = f": did you mean {guess}?" if guess else "."
        found.append(
            f"{name} is not a variable of teal.bluegreen{hint} Variables of your own that start with {PREFIX} go in "
            f"{EXTRA}"
        )
    return found


def required_problems(values, required=None):
    return [
        f"{name} is required ({what})"
        for name, what in (required or REQUIRED).items()
        if values.get(name) is None or values.get(name) == ""
    ]


def empty_problems(values, not_empty=None):
    """A message for each of ``values`` that is given as empty text where empty text would mean unset."""
    return [
        f"{name} is empty: give {what}, or leave it unset (null) to keep the live colour's {kept}"
        for name, (what, kept) in (not_empty or NOT_EMPTY).items()
        if isinstance(values.get(name), str) and not values[name].strip()
    ]


def problems(values, known, documented, required=None, bounds=None, not_empty=None):
    """Every problem with the variables ``values`` (name -> value, rendered), unknown names first."""
    extra = values.get(EXTRA) or []
    if isinstance(extra, str):
        extra = [extra]
    return (
        unknown_problems(values, known, documented, extra)
        + required_problems(values, required)
        + bound_problems(values, bounds)
        + empty_problems(values, not_empty)
    )


def names_in(text):
    """The ``bluegreen_`` names a file of the collection mentions: its variables, role facts and registered results."""
    return set(NAME.findall(text))
