# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""tools/fault_proxy.py, imported from its path: tools/ is a directory of scripts, not a package."""

from __future__ import annotations

import importlib.util
import socket
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Ports the reliability tests may listen on besides the sandbox's own.
PROXY_PORTS = range(4580, 4590)

if "fault_proxy" in sys.modules:
    fault_proxy = sys.modules["fault_proxy"]
else:
    _spec = importlib.util.spec_from_file_location("fault_proxy", ROOT / "tools" / "fault_proxy.py")
    fault_proxy = importlib.util.module_from_spec(_spec)
    # Registered before it runs: dataclasses look their module up in sys.modules.
    sys.modules[_spec.name] = fault_proxy
    _spec.loader.exec_module(fault_proxy)


def free_port():
    """A free port of PROXY_PORTS for a fault proxy (skips the test when there is none)."""
    for port in PROXY_PORTS:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    pytest.skip(f"no free port in {PROXY_PORTS.start}-{PROXY_PORTS.stop - 1} for a fault proxy")


def new_proxy(upstream):
    """A fault proxy to ``upstream``, not started, on the first port of PROXY_PORTS it can bind (skips the test when
    there is none). Binding is the test, not a probe before it: runs going on at once never race for a port."""
    for port in PROXY_PORTS:
        try:
            return fault_proxy.FaultProxy(upstream, port=port)
        except OSError:
            continue
    pytest.skip(f"no free port in {PROXY_PORTS.start}-{PROXY_PORTS.stop - 1} for a fault proxy")


def run_at_once(proxies, tasks):
    """Start ``proxies``, run the callables ``tasks`` each in a thread of its own, wait for all (raising the first
    failure), then stop the proxies."""
    try:
        for proxy in proxies:
            proxy.start()
        with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
            for future in [pool.submit(task) for task in tasks]:
                future.result()
    finally:
        for proxy in proxies:
            proxy.stop()
