# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the verification after a switch step finds wrong, from a state read back or alb_swap's own result."""

from __future__ import annotations

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils.switch_plan import verification_failures

PLAN = {"from": "blue", "to": "green"}


def read(healthy=2, total=2, share=100, layer="alb", consistent=True, live="green", reasons=()):
    return {
        "live_color": live,
        "consistent": consistent,
        "reasons": list(reasons),
        "colors": {"green": {"target_group_name": "shop-green", "targets_healthy": healthy, "targets_total": total}},
        "layers": {layer: {"weights": {"green": share, "blue": 100 - share}}},
    }


def swap(healthy=2, total=2, share=100):
    return {"target_health": {"green": {"healthy": healthy, "total": total}}, "weights": {"green": share}}


@pytest.mark.parametrize(
    "strategy, percent, given, expected",
    [
        pytest.param("alb", 100, {"state_read": read()}, [], id="alb-verified"),
        pytest.param(
            "alb",
            100,
            {"state_read": read(healthy=1), "min_healthy_targets": 2},
            [
                "target group shop-green (green) has 1 of 2 targets healthy, fewer than bluegreen_min_healthy_targets (2)"
            ],
            id="alb-short-of-healthy-targets",
        ),
        pytest.param(
            "alb",
            50,
            {"state_read": read(share=10), "listener_port": 8080},
            ["the listener on port 8080 sends 10% of production traffic to green, not 50%"],
            id="alb-wrong-share",
        ),
        pytest.param(
            "route53",
            25,
            {"state_read": read(share=0, layer="route53")},
            ["the live names send 0% of production traffic to green, not 25%"],
            id="route53-wrong-share",
        ),
        pytest.param(
            "codedeploy",
            100,
            {"state_read": read(share=0, layer="codedeploy"), "codedeploy_target_group": "shop"},
            ["target group shop sends 0% of production traffic to green, not 100%"],
            id="codedeploy-wrong-share",
        ),
        pytest.param(
            "codedeploy",
            100,
            {"state_read": read(healthy=0, share=0, layer="codedeploy"), "check_mode": True},
            [],
            id="codedeploy-check-mode-has-not-rerouted",
        ),
        pytest.param(
            "alb",
            100,
            {"state_read": read(healthy=0, share=0), "check_mode": True},
            ["target group shop-green (green) has 0 of 2 targets healthy"],
            id="alb-check-mode-checks-health-only",
        ),
        pytest.param("efs", 100, {"state_read": read(healthy=0, layer="efs")}, [], id="efs-checks-no-target-health"),
        pytest.param(
            "efs",
            100,
            {
                "state_read": read(layer="efs", consistent=False, reasons=["web2 points at blue"]),
                "final": True,
                "app": "shop",
            },
            ["shop is not consistently live on green after the switch: web2 points at blue"],
            id="efs-final-inconsistent",
        ),
        pytest.param(
            "efs",
            100,
            {"state_read": read(layer="efs", live="blue"), "final": True, "app": "shop"},
            ["shop is not consistently live on green after the switch: it is live on blue"],
            id="efs-final-on-the-other-colour",
        ),
        pytest.param(
            "alb",
            100,
            {"moved": swap(), "planned_state": {"colors": {"green": {"target_group_name": "shop-green"}}}},
            [],
            id="from-alb-swap",
        ),
        pytest.param(
            "alb",
            100,
            {
                "moved": swap(healthy=0, share=50),
                "planned_state": {"colors": {"green": {"target_group_name": "shop-green"}}},
            },
            [
                "target group shop-green (green) has 0 of 2 targets healthy, fewer than bluegreen_min_healthy_targets (1)",
                "the listener on port 80 sends 50% of production traffic to green, not 100%",
            ],
            id="from-alb-swap-both-wrong",
        ),
    ],
)
def test_a_step_verifies_the_target_colour_s_health_share_and_at_the_end_every_layer(
    strategy, percent, given, expected
):
    found = verification_failures(PLAN, strategy, percent, **given)
    assert len(found) == len(expected), found
    for message, start in zip(found, expected):
        assert message.startswith(start)
