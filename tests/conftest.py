# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures shared by the tests that need the local AWS sandbox.

The tests run their own sandbox (port BLUEGREEN_TEST_SANDBOX_PORT, state under tests/output), so
`make test` never touches the one `make demo` provisions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REGION = "us-east-1"


def _sandbox_env(port, directory):
    env = dict(os.environ)
    env.update(
        BLUEGREEN_SANDBOX_PORT=str(port),
        BLUEGREEN_SANDBOX_DIR=str(directory),
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".venv" / "collections"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
    )
    return env


class Sandbox:
    """A running, provisioned sandbox and ways to drive it."""

    def __init__(self, port, directory):
        self.port = port
        self.directory = directory
        self.endpoint = f"http://127.0.0.1:{port}"
        self.env = _sandbox_env(port, directory)

    def client(self, service):
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def tool(self, *args):
        return subprocess.run(
            [sys.executable, str(ROOT / "tools" / "sandbox.py"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )

    def playbook(self, playbook, *args, extra_vars=None):
        """Run ansible-playbook against inventories/local; returns the CompletedProcess."""
        command = [str(BIN / "ansible-playbook"), "-i", str(ROOT / "inventories" / "local"), str(playbook), *args]
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        return subprocess.run(command, env=self.env, cwd=ROOT, capture_output=True, text=True, check=False)

    def module(self, name, **args):
        """Run one of the collection's modules directly, as Ansible would, and return its JSON result."""
        args.setdefault("endpoint_url", self.endpoint)
        args.setdefault("region", REGION)
        args.setdefault("access_key", "testing")
        args.setdefault("secret_key", "testing")
        command = [
            str(BIN / "ansible"),
            "localhost",
            "-m",
            f"teal.bluegreen.{name}",
            "-a",
            json.dumps(args),
        ]
        env = dict(self.env, ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json")
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
        try:
            output = json.loads(done.stdout)
        except ValueError:
            raise AssertionError(f"no JSON from ansible: {done.stdout}\n{done.stderr}") from None
        return output["plays"][0]["tasks"][0]["hosts"]["localhost"]

    def provision(self):
        done = self.playbook(ROOT / "playbooks" / "sandbox.yml")
        assert done.returncode == 0, done.stdout + done.stderr
        return done


@pytest.fixture(scope="session")
def sandbox():
    port = int(os.environ.get("BLUEGREEN_TEST_SANDBOX_PORT", "4597"))
    instance = Sandbox(port, ROOT / "tests" / "output" / f"sandbox-{port}")
    started = instance.tool("start")
    assert started.returncode == 0, started.stdout + started.stderr
    reset = instance.tool("reset")
    assert reset.returncode == 0, reset.stdout + reset.stderr
    instance.provision()
    yield instance
    instance.tool("stop")
