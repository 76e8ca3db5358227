"""Ensure an EFS file system with a given creation token exists; print the outcome as one JSON object.

Usage: sandbox_efs.py --creation-token TOKEN [--tag KEY=VALUE ...] [--check]

playbooks/sandbox.yml uses this instead of community.aws.efs, which reads tags through EFS's legacy
DescribeTags API on every call; the sandbox (moto) only emulates the current tagging API, which
community.aws.efs_tag uses, so tags are converged there and only set here at creation.

Connection settings are the standard AWS environment variables (AWS_ENDPOINT_URL, AWS_DEFAULT_REGION,
credentials or AWS_PROFILE), as for the AWS CLI. Output: {"changed", "file_system_id", "life_cycle_state"}.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

import boto3
from botocore.exceptions import BotoCoreError
from botocore.exceptions import ClientError

AVAILABLE = "available"
WAIT_TIMEOUT = 300.0
POLL_INTERVAL = 2.0


def parse_tag(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def find(client, creation_token: str) -> dict | None:
    systems = client.describe_file_systems(CreationToken=creation_token)["FileSystems"]
    return systems[0] if systems else None


def create(client, creation_token: str, tags: dict[str, str]) -> dict:
    return client.create_file_system(
        CreationToken=creation_token,
        PerformanceMode="generalPurpose",
        Encrypted=True,
        Tags=[{"Key": key, "Value": value} for key, value in tags.items()],
    )


def wait_until_available(client, creation_token: str, timeout: float) -> dict:
    # EFS has no botocore waiter; creation takes seconds on AWS and is immediate in the sandbox.
    deadline = time.monotonic() + timeout
    while True:
        system = find(client, creation_token)
        if system is not None and system["LifeCycleState"] == AVAILABLE:
            return system
        if time.monotonic() > deadline:
            state = system["LifeCycleState"] if system else "missing"
            raise TimeoutError(f"EFS file system '{creation_token}' is {state}, not available, after {timeout:.0f}s")
        time.sleep(POLL_INTERVAL)


def outcome(changed: bool, system: dict | None) -> dict:
    return {
        "changed": changed,
        "file_system_id": system["FileSystemId"] if system else None,
        "life_cycle_state": system["LifeCycleState"] if system else None,
    }


def ensure(client, creation_token: str, tags: dict[str, str], check: bool) -> dict:
    existing = find(client, creation_token)
    if existing is not None:
        return outcome(False, existing)
    if check:
        return outcome(True, None)
    create(client, creation_token, tags)
    return outcome(True, wait_until_available(client, creation_token, WAIT_TIMEOUT))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sandbox_efs.py", description=__doc__.splitlines()[0])
    parser.add_argument("--creation-token", required=True)
    parser.add_argument("--tag", type=parse_tag, action="append", default=[], help="KEY=VALUE, set at creation")
    parser.add_argument("--check", action="store_true", help="report what would change, change nothing")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        result = ensure(boto3.client("efs"), args.creation_token, dict(args.tag), args.check)
    except (BotoCoreError, ClientError, TimeoutError) as error:
        print(f"sandbox_efs: error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
