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

from .faults import new_proxy
from .strategies import Alb


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
    with new_proxy(sandbox.endpoint) as running:
        yield running


@pytest.fixture
def demo_from_blue(sandbox):
    """The sandbox as provisioned (demo live on blue, one fleet) before and after the test, however the test leaves it."""
    sandbox.restore()
    yield sandbox
    sandbox.restore()


@pytest.fixture(scope="session")
def apps(sandbox):
    """``apps(count)``: that many applications besides demo (demo2, demo3, ...), each with one fleet, unlocked.

    Each is provisioned when a test asks for it and the sandbox lacks it; the long runs work on them so that their cycles can go on
    at once, and demo stays as the other tests expect it.
    """
    # boto3's default session sets itself up with its first clients; the threads of the long runs must not race for it.
    for service in ("autoscaling", "ec2", "elbv2", "ssm"):
        sandbox.client(service)

    def take(count):
        return Alb().apps(sandbox, count)

    return take
