# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The lower bounds the benchmark sets deploy, switch and clean against (benchmarks/bench_bounds.py): plain numbers."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

MODULE = Path(__file__).resolve().parents[3] / "benchmarks" / "bench_bounds.py"
if not MODULE.exists():
    # The built collection leaves benchmarks/ out (galaxy.yml build_ignore); these tests run from a clone.
    pytest.skip(f"{MODULE} is not there", allow_module_level=True)
_spec = importlib.util.spec_from_file_location("bluegreen_bench_bounds", MODULE)
bounds = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = bounds
_spec.loader.exec_module(bounds)

# AWS's defaults for an HTTP target group of instances.
DEFAULTS = bounds.TargetGroupTiming(interval=30, healthy_threshold=5, deregistration_delay=300, in_use=True)


def test_boot_time_is_the_sandbox_clock_s():
    assert bounds.BOOT_SECONDS == 30


def test_defaults_all_at_once_with_the_old_group_in_use():
    assert bounds.lower_bounds(DEFAULTS, DEFAULTS) == {"deploy.yml": 180, "switch.yml": 0, "clean.yml": 300}


def test_deploy_waits_for_boot_and_every_healthy_check_of_the_new_group():
    new = bounds.TargetGroupTiming(interval=10, healthy_threshold=3, deregistration_delay=0, in_use=False)
    assert bounds.lower_bounds(new, DEFAULTS)["deploy.yml"] == 30 + 3 * 10
    assert bounds.lower_bounds(new, DEFAULTS, boot_seconds=0)["deploy.yml"] == 30


def test_an_old_group_no_listener_uses_has_nothing_to_drain():
    unused = bounds.TargetGroupTiming(interval=30, healthy_threshold=5, deregistration_delay=300, in_use=False)
    assert bounds.lower_bounds(DEFAULTS, unused)["clean.yml"] == 0
    assert bounds.lower_bounds(DEFAULTS, unused, clean_bake_seconds=600)["clean.yml"] == 600


def test_clean_adds_the_bake_to_the_draining():
    quick = bounds.TargetGroupTiming(interval=30, healthy_threshold=5, deregistration_delay=20, in_use=True)
    assert bounds.lower_bounds(DEFAULTS, quick, clean_bake_seconds=60)["clean.yml"] == 80


@pytest.mark.parametrize(
    ("steps", "bake", "expected"),
    [((100,), 0, 0), ((100,), 300, 0), ((10, 100), 300, 300), ((25, 50, 75, 100), 60, 180)],
)
def test_switch_bakes_between_steps_not_after_the_last(steps, bake, expected):
    assert (
        bounds.lower_bounds(DEFAULTS, DEFAULTS, canary_steps=steps, canary_bake_seconds=bake)["switch.yml"] == expected
    )


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        bounds.lower_bounds(DEFAULTS, DEFAULTS, canary_steps=())
    with pytest.raises(ValueError):
        bounds.lower_bounds(DEFAULTS, DEFAULTS, clean_bake_seconds=-1)


def test_weakest_takes_the_least_of_each_setting():
    other = bounds.TargetGroupTiming(interval=10, healthy_threshold=7, deregistration_delay=600, in_use=False)
    assert bounds.weakest([DEFAULTS, other]) == bounds.TargetGroupTiming(
        interval=10, healthy_threshold=5, deregistration_delay=300, in_use=False
    )
    assert bounds.weakest([DEFAULTS]) == DEFAULTS


def test_clock_split_without_a_fixed_cost():
    split = bounds.clock_split(sandbox_seconds=12.0, factor=60, bound=180)
    assert split["aws_seconds"] == 720
    assert split["ratio"] == 4
    assert split["overhead"] == 540
    assert "waiting" not in split


def test_clock_split_separates_the_fixed_cost():
    split = bounds.clock_split(sandbox_seconds=12.0, factor=60, bound=180, fixed_seconds=8.5)
    assert split["waiting"] == pytest.approx(3.5)
    assert split["waiting_aws"] == pytest.approx(210)
    assert split["waiting_overhead"] == pytest.approx(30)
    assert split["estimate"] == pytest.approx(8.5 + 210)


def test_clock_split_has_no_ratio_without_a_bound():
    split = bounds.clock_split(sandbox_seconds=5.0, factor=60, bound=0, fixed_seconds=5.2)
    assert split["ratio"] is None
    assert split["overhead"] == 300
    assert split["waiting"] == pytest.approx(-0.2)
