# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures of the reliability tests: the fault proxy (tools/fault_proxy.py) in front of the test sandbox.

The sandbox itself is tests/conftest.py's. The long runs (marked ``long``) need BLUEGREEN_RELIABILITY_RUNS,
which `make reliability` sets; a plain `pytest` skips them, so `make test` stays within CI's time.
"""

from __future__ import annotations

import os

import pytest

from .faults import fault_proxy
from .faults import free_port
from .sandbox_state import back_to_blue


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "long: a reliability run that takes minutes; runs only when BLUEGREEN_RELIABILITY_RUNS is set"
    )


def pytest_collection_modifyitems(config, items):
    if os.environ.get("BLUEGREEN_RELIABILITY_RUNS"):
        return
    skip = pytest.mark.skip(reason="a long reliability run: `make reliability` runs it (BLUEGREEN_RELIABILITY_RUNS)")
    for item in items:
        if "long" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def proxy(sandbox):
    """A fault proxy in front of the test sandbox, with no rules until the test sets some."""
    with fault_proxy.FaultProxy(sandbox.endpoint, port=free_port()) as running:
        yield running


@pytest.fixture
def demo_from_blue(sandbox):
    """demo as provisioned (blue live, one fleet) before and after the test, however the test leaves it."""
    back_to_blue(sandbox)
    yield sandbox
    back_to_blue(sandbox)
