# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting for record changes to reach every Route 53 DNS server (status INSYNC)."""

from __future__ import annotations

import math
import time

from ..waiter import WaiterFactory
from .common import Route53ErrorHandler


class Route53WaiterFactory(WaiterFactory):
    """botocore's ResourceRecordSetsChanged model, with throttling retried by the factory rather than fatal."""

    @property
    def _waiter_model_data(self):
        return {
            "ResourceRecordSetsChanged": {
                "operation": "GetChange",
                "delay": 30,
                "maxAttempts": 60,
                "acceptors": [
                    {"matcher": "path", "argument": "ChangeInfo.Status", "expected": "INSYNC", "state": "success"}
                ],
            }
        }


@Route53ErrorHandler.common_error_handler("wait for the record changes to reach every Route 53 server")
def wait_for_changes(client, change_ids, timeout, poll_interval):
    """Wait until every change in ``change_ids`` is INSYNC, ``timeout`` seconds in all; WaitTimeout after that."""
    factory = Route53WaiterFactory()
    deadline = time.monotonic() + timeout
    for change_id in change_ids:
        remaining = max(0, math.ceil(deadline - time.monotonic()))
        factory.wait(client, "ResourceRecordSetsChanged", remaining, poll_interval, Id=change_id)
