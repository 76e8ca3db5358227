"""The sandbox's server: moto's server, with the sandbox's CodeDeploy (tools/sandbox_codedeploy.py) installed and moto
patched where it differs from AWS (tools/sandbox_autoscaling.py, sandbox_cloudwatch.py, sandbox_ec2.py, sandbox_efs.py,
sandbox_elbv2.py, sandbox_iam.py, sandbox_lifecycle.py, sandbox_time.py).

Usage: sandbox_server.py [-H HOST] [-p PORT] (the arguments of `python -m moto.server`)

tools/sandbox.py starts it. It serves everything moto serves, the recorder (MOTO_RECORDER_FILEPATH,
/moto-api/recorder/*) and /moto-api/reset included, plus the control endpoints of the CodeDeploy outcomes
(/_sandbox/codedeploy/outcomes), the snapshots (/_sandbox/snapshots), the clock (/_sandbox/clock), the IAM
decisions (/_sandbox/iam/decisions) and the load balancers' traffic (/_sandbox/cloudwatch/traffic), which are not AWS
APIs and so are never recorded.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import moto.server
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

import sandbox_autoscaling
import sandbox_cloudwatch
import sandbox_codedeploy
import sandbox_ec2
import sandbox_efs
import sandbox_elbv2
import sandbox_iam
import sandbox_lifecycle
import sandbox_snapshot
import sandbox_time


class SandboxApplication(DomainDispatcherApplication):
    """moto's WSGI application, with the sandbox's own endpoints in front of it."""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO", "").startswith("/_sandbox/codedeploy/"):
            return sandbox_codedeploy.control(environ, start_response)
        if environ.get("PATH_INFO", "").startswith(sandbox_snapshot.PATH):
            return sandbox_snapshot.control(environ, start_response)
        if environ.get("PATH_INFO", "").startswith(sandbox_iam.PATH):
            return sandbox_iam.control(environ, start_response)
        if environ.get("PATH_INFO", "").startswith(sandbox_time.PATH):
            return sandbox_time.control(environ, start_response)
        if environ.get("PATH_INFO", "").startswith(sandbox_cloudwatch.PATH):
            return sandbox_cloudwatch.control(environ, start_response)
        return super().__call__(environ, start_response)


def main(argv: Sequence[str] | None = None) -> None:
    sandbox_codedeploy.install()
    sandbox_autoscaling.install()
    sandbox_cloudwatch.install()
    sandbox_ec2.install()
    sandbox_efs.install()
    sandbox_elbv2.install()
    sandbox_iam.install()
    sandbox_time.install()
    sandbox_lifecycle.install()
    # moto's main builds its application from this name; everything else (arguments, signals, threads) stays moto's.
    moto.server.DomainDispatcherApplication = SandboxApplication
    moto.server.main(list(argv) if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
