# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The least time AWS lets a blue/green deployment on EC2 take, and the benchmark's times set against it.

`lower_bounds()` gives, in AWS seconds, what the deploy, the switch and the clean of any blue/green deployment must
wait for with the given target group settings, whoever drives it: the steps of CodeDeploy's EC2 blue/green
deployment, each of which waits on Elastic Load Balancing.

- **deploy** >= instance boot + HealthyThresholdCount x HealthCheckIntervalSeconds. The replacement instances have to
  boot (`BOOT_SECONDS`, the sandbox's model of a Linux AMI, tools/sandbox_time.py) and then pass their health checks
  before traffic may move to them. CodeDeploy User Guide, "Working with deployments in CodeDeploy"
  (https://docs.aws.amazon.com/codedeploy/latest/userguide/deployments.html): on EC2 a blue/green deployment
  provisions the replacement instances, installs the revision on them, then registers them with the load balancer
  (its AllowTraffic event, which waits for the targets to be healthy) before the original instances are
  deregistered; CodeDeploy API Reference, ContinueDeployment: "Traffic rerouting, which is achieved by registering
  instances in the replacement environment with the load balancer". Elastic Load Balancing User Guide for
  Application Load Balancers, "Health checks for Application Load Balancer target groups"
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html): a check
  every HealthCheckIntervalSeconds, and HealthyThresholdCount consecutive successes put a target in service. The
  same page says a newly registered target has to pass one check: AWS may be quicker than the threshold, but the
  sandbox takes the whole threshold, so the bound is the sandbox's, which the benchmark measures against.
- **switch** >= the bake between canary steps: nothing for all at once (one listener change), else the bake before
  each step but the last, as CodeDeploy's canary and linear configurations wait their interval between increments.
- **clean** >= the deregistration delay when a listener still forwards to the old target group (else nothing), plus
  the bake before the old instances go. User Guide for Application Load Balancers, "Edit target group attributes",
  Deregistration delay
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html): a
  deregistering target is `draining` for `deregistration_delay.timeout_seconds` (300 unless set), then `unused`;
  a target group no listener uses has no traffic to drain. CodeDeploy API Reference, BlueInstanceTerminationOption
  (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_BlueInstanceTerminationOption.html):
  terminationWaitTimeInMinutes, the wait after a successful deployment before the original instances are
  terminated.

`clock_split()` sets one playbook's times against its bound: the sandbox's wall seconds times the speed factor
(AWS-equivalent seconds), and, given the same playbook timed with the clock so fast that AWS's waits take no
time, its fixed cost (Ansible's and the API calls', which do not scale with the factor) and the rest, its waiting.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path


def _tool(name):
    """tools/<name>.py, loaded from its path: tools/ is a folder of scripts, not a package."""
    key = f"bluegreen_bench_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            key, Path(__file__).resolve().parent.parent / "tools" / f"{name}.py"
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


sandbox_time = _tool("sandbox_time")
# Which calls write: the classifier of the tests and the fault proxy.
aws_calls = _tool("aws_calls")

# Instance launch to its first health check, in AWS seconds: the sandbox's own figure.
BOOT_SECONDS = sandbox_time.BOOT_SECONDS
PLAYBOOKS = ("deploy.yml", "switch.yml", "clean.yml")


@dataclasses.dataclass(frozen=True)
class TargetGroupTiming:
    """What a target group's settings make AWS wait for; ``in_use``: a listener forwards to it."""

    interval: float
    healthy_threshold: int
    deregistration_delay: float
    in_use: bool = True


def weakest(timings):
    """One timing that no given target group is quicker than: the least of each setting, in use only if all are."""
    timings = list(timings)
    return TargetGroupTiming(
        interval=min(timing.interval for timing in timings),
        healthy_threshold=min(timing.healthy_threshold for timing in timings),
        deregistration_delay=min(timing.deregistration_delay for timing in timings),
        in_use=all(timing.in_use for timing in timings),
    )


def lower_bounds(
    new,
    old,
    canary_steps=(100,),
    canary_bake_seconds=0.0,
    clean_bake_seconds=0.0,
    boot_seconds=BOOT_SECONDS,
):
    """{playbook: AWS seconds} no blue/green deployment can beat: ``new`` is the target group the deploy fills and
    the switch moves traffic to, ``old`` the one the clean empties (its ``in_use`` when the clean starts)."""
    if not canary_steps:
        raise ValueError("canary_steps: at least one step (the last is 100)")
    if min(canary_bake_seconds, clean_bake_seconds, boot_seconds) < 0:
        raise ValueError("bakes and boot time are 0 or more seconds")
    return {
        "deploy.yml": boot_seconds + new.healthy_threshold * new.interval,
        "switch.yml": canary_bake_seconds * (len(canary_steps) - 1),
        "clean.yml": (old.deregistration_delay if old.in_use else 0.0) + clean_bake_seconds,
    }


def clock_split(sandbox_seconds, factor, bound, fixed_seconds=None):
    """One playbook's median wall time on the sandbox's clock, set against its lower bound (AWS seconds).

    ``aws_seconds``: the wall time times the factor, as if all of it were AWS's time; ``ratio`` of that to the bound
    (None without a bound) and ``overhead`` above it. With ``fixed_seconds``, the wall time of the same playbook with
    the clock so fast that AWS's waits take nothing: ``waiting`` is what the clock added (sandbox seconds),
    ``waiting_aws`` that times the factor, ``waiting_overhead`` its excess over the bound, and ``estimate`` the
    fixed cost as it is plus the waiting in AWS seconds, what the run would take against AWS.
    """
    aws_seconds = sandbox_seconds * factor
    split = {
        "sandbox_seconds": sandbox_seconds,
        "factor": factor,
        "aws_seconds": aws_seconds,
        "lower_bound": bound,
        "ratio": aws_seconds / bound if bound > 0 else None,
        "overhead": aws_seconds - bound,
    }
    if fixed_seconds is not None:
        waiting = sandbox_seconds - fixed_seconds
        split.update(
            fixed_seconds=fixed_seconds,
            waiting=waiting,
            waiting_aws=waiting * factor,
            waiting_overhead=waiting * factor - bound,
            estimate=fixed_seconds + waiting * factor,
        )
    return split
