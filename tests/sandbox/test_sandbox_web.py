"""The sandbox's instances (strategy efs) serve their site wherever the checkout is and whatever the PATH.

Run as root, Apache's workers are www-data, which cannot enter a checkout under /root or in a `mktemp -d` folder
(mode 700); and a user's PATH on Debian lacks /usr/sbin, where apache2-bin installs apache2. The sandbox here lives
in such a folder and the playbook runs with such a PATH.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT
from conftest import Sandbox
from conftest import load_sandbox_tool

# Beside tests/sandbox/test_sandbox_tool.py's ports (4610 up), below the reliability tests' proxies.
PORTS = range(4700, 4720)
TOOL = load_sandbox_tool()
SBIN = {"/sbin", "/usr/sbin", "/usr/local/sbin"}


def free_port():
    """A free port for the sandbox, whose instances' ports (inventories/local) are free too."""
    for port in PORTS:
        if all(
            TOOL.port_is_free(candidate)
            for candidate in (port, 20000 + port % 1000 * 10 + 1, 20000 + port % 1000 * 10 + 2)
        ):
            return port
    pytest.skip(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


@pytest.mark.skipif(os.geteuid() != 0, reason="Apache's workers run as www-data only under root")
def test_the_instances_serve_from_a_folder_closed_to_www_data_with_a_path_without_sbin():
    outer = Path(tempfile.mkdtemp(prefix="teal-bluegreen-test-", dir="/var/tmp"))
    closed = outer / "closed"
    closed.mkdir(mode=0o700)
    instance = Sandbox(free_port(), closed / "sandbox")
    path = [folder for folder in instance.env["PATH"].split(os.pathsep) if folder.rstrip("/") not in SBIN]
    instance.env["PATH"] = os.pathsep.join(path)
    assert shutil.which("apache2", path=instance.env["PATH"]) is None
    try:
        started = instance.tool("start")
        assert started.returncode == 0, started.stdout + started.stderr

        done = instance.playbook(ROOT / "playbooks" / "sandbox.yml", "--limit", "bluegreen_web")

        assert done.returncode == 0, done.stdout + done.stderr
        served = dict(re.findall(r"(web\d) serves (http://127\.0\.0\.1:\d+/) from ", done.stdout))
        assert sorted(served) == ["web1", "web2"], done.stdout
        for host, url in served.items():
            with urllib.request.urlopen(f"{url}health", timeout=5) as response:
                assert (response.status, response.read()) == (200, b"OK\n"), host
            with urllib.request.urlopen(url, timeout=5) as response:
                assert b"site v1 (blue)" in response.read(), host
    finally:
        instance.tool("remove")
        shutil.rmtree(outer, ignore_errors=True)
