# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The guard before traffic moves to a colour: enough healthy targets, waited for when asked, or the run fails.

Used by alb_swap (the colour's target group on the listener) and route53_alias_flip (the target group behind the
colour's load balancer).
"""

from __future__ import annotations

from ansible_collections.teal.bluegreen.plugins.module_utils import state
from ansible_collections.teal.bluegreen.plugins.module_utils._elbv2 import resources as elbv2_api
from ansible_collections.teal.bluegreen.plugins.module_utils._elbv2 import waiters as elbv2_waiters
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import BlueGreenError
from ansible_collections.teal.bluegreen.plugins.module_utils.waiter import WaitTimeout


def read(elbv2, group):
    """The health counts of ``group``'s targets."""
    return state.health_counts(elbv2_api.describe_target_health(elbv2, group["TargetGroupArn"]))


def ensure_healthy(module, elbv2, group, color, health, wanted, timeout, poll_interval):
    """Return the health counts of ``group`` (the target group of ``color``) once it has ``wanted`` healthy targets,
    ``health`` being the counts already read. Below that, wait up to ``timeout`` seconds, then fail saying how many
    are healthy; check mode never waits, and only warns when a real run would."""
    if health["healthy"] >= wanted:
        return health
    name = group["TargetGroupName"]
    if timeout > 0 and module.check_mode:
        module.warn(
            f"target group {name!r} has {health['healthy']} healthy targets; a real run would wait up to {timeout}s "
            f"for {wanted}"
        )
        return health
    if timeout > 0:
        try:
            elbv2_waiters.wait_for_healthy_targets(elbv2, group["TargetGroupArn"], wanted, timeout, poll_interval)
            return read(elbv2, group)
        except WaitTimeout:
            health = read(elbv2, group)
        waited = f" after waiting {timeout}s"
        advice = "check the targets' health checks, or see teal.bluegreen.state_info"
    else:
        waited = ""
        advice = "wait longer with health_wait_timeout, or see teal.bluegreen.state_info"
    raise BlueGreenError(
        f"target group {name!r} ({color}) has {health['healthy']} of {health['total']} targets healthy{waited}, fewer "
        f"than min_healthy_targets={wanted}; not switching ({advice})"
    )
