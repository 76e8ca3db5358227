# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.teal.bluegreen.plugins.filter.state_table import state_table

RESULT = {
    "app": "demo",
    "live_color": "blue",
    "idle_color": "green",
    "consistent": False,
    "reasons": ["ssm: says green is live but alb sends traffic to blue"],
    "colors": {
        "blue": {
            "target_group_name": "demo-blue",
            "targets_healthy": 2,
            "targets_total": 2,
            "auto_scaling_group": "demo-blue",
            "desired_capacity": 2,
            "instances_in_service": 2,
            "traffic_percent": 100,
        },
        "green": {"target_group_name": "demo-green", "traffic_percent": 0},
    },
    "layers": {
        "alb": {"live_color": "blue", "listener_port": 80},
        "ssm": {"live_color": "green", "name": "/bluegreen/demo/live", "version": 3},
        "asg": {"live_color": None, "groups": {"blue": {"desired_capacity": 2}, "green": {"desired_capacity": 2}}},
    },
    "lock": {"owner": "ci-7", "operation": "switch"},
}


def test_table_rows():
    lines = state_table(RESULT).splitlines()
    assert lines[0] == "app demo: live blue, idle green, NOT consistent"
    blue = next(line for line in lines if line.startswith("blue "))
    assert blue.split() == ["blue", "*", "100%", "demo-blue", "2/2", "demo-blue", "2/2"]
    green = next(line for line in lines if line.startswith("green "))
    assert green.split() == ["green", "0%", "demo-green", "0/0", "-", "0/0"]
    assert any(line.split()[:3] == ["ssm", "green", "/bluegreen/demo/live"] for line in lines)
    assert any(line.split()[:3] == ["lock", "held", "ci-7"] for line in lines)
    assert any(line.split() == ["asg", "-", "capacity", "in", "blue", "and", "green"] for line in lines)
    assert lines[-1] == "! ssm: says green is live but alb sends traffic to blue"


def test_deployment_row():
    result = dict(
        RESULT,
        deployment={"valid": True, "color": "green", "id": "d-7", "artifact_version": "2.1", "pending": True},
    )
    rows = [line.split() for line in state_table(result).splitlines()]
    assert ["deploy", "green", "d-7,", "artifact", "2.1:", "not", "switched", "to", "yet"] in rows
    assert not any(row[:1] == ["deploy"] for row in (line.split() for line in state_table(RESULT).splitlines()))


def test_rejects_other_input():
    with pytest.raises(AnsibleFilterError, match="state_info"):
        state_table({"changed": False})


def test_efs_layer_row_counts_the_instances_per_colour():
    layer = {"live_color": None, "hosts": {"web1": "green", "web2": "blue", "web3": "green"}, "reasons": []}
    result = {"app": "site", "live_color": None, "colors": {}, "layers": {"efs": layer}, "reasons": []}
    rows = [line.split() for line in state_table(result).splitlines()]
    assert ["efs", "-", "3", "instance(s):", "1", "blue,", "2", "green"] in rows


@pytest.mark.parametrize(
    ("lock", "expected"),
    [
        (
            {"owner": "ci-7", "operation": "switch", "started": "2026-11-22T10:00:00Z", "valid": True},
            "lock held ci-7 (switch) since 2026-11-22T10:00:00Z, 12d 2h ago",
        ),
        (
            {"owner": "ci-7", "operation": "deploy", "started": "2026-12-04T11:59:15Z", "valid": True},
            "lock held ci-7 (deploy) since 2026-12-04T11:59:15Z, 45s ago",
        ),
        (
            {"owner": None, "operation": None, "started": None, "valid": False},
            "lock held not a lock document",
        ),
    ],
)
def test_the_lock_row_says_who_holds_it_since_when_and_how_long_ago_or_that_it_is_no_lock(lock, expected):
    lines = state_table(dict(RESULT, lock=lock), now="2026-12-04T12:00:00Z").splitlines()

    row = next(line for line in lines if line.startswith("lock "))
    assert " ".join(row.split()) == expected


def test_flags_follow_the_reasons():
    flagged = dict(RESULT, reasons=["ssm: says green is live"], flags=["the live colour blue has 0 of 2 targets"])
    lines = state_table(flagged).splitlines()

    assert lines[-2:] == ["! ssm: says green is live", "? the live colour blue has 0 of 2 targets"]
