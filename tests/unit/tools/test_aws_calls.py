# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which AWS calls write (tools/aws_calls.py): the classifier the tests' "no writes" assertions, the benchmark's
counts and the fault proxy's crash points share."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[3] / "tools" / "aws_calls.py"
_spec = importlib.util.spec_from_file_location("bluegreen_aws_calls", TOOL)
aws_calls = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = aws_calls
_spec.loader.exec_module(aws_calls)

# Calls the collection makes, or that a user's setup does beside it, that change something.
WRITES = [
    "CreateAutoScalingGroup",
    "BatchPutScheduledUpdateGroupAction",
    "BatchDeleteScheduledAction",
    "CompleteLifecycleAction",
    "RecordLifecycleActionHeartbeat",
    "ModifyListener",
    "AddTags",
    "AddTagsToResource",
    "TagResource",
    "UntagResource",
    "CreateOrUpdateTags",
    "RunInstances",
    "StartInstances",
    "StopDeployment",
    "ContinueDeployment",
    "CancelSpotInstanceRequests",
    "SendCommand",
    "Publish",
    "ChangeResourceRecordSets",
    "POST /2013-04-01/hostedzone/Z1/rrset",
    "PUT /revisions/demo/7.zip",
    "DELETE /revisions/demo/7.zip",
]
READS = [
    "DescribeAutoScalingGroups",
    "DescribeTargetHealth",
    "GetParameter",
    "GetParameters",
    "GetChange",
    "ListResourceRecordSets",
    "ListHostedZonesByName",
    "BatchGetDeployments",
    "BatchGetDeploymentTargets",
    "GET /2013-04-01/change/C1",
    "HEAD /revisions/demo/7.zip",
]


@pytest.mark.parametrize("operation", WRITES)
def test_a_call_that_changes_something_is_a_write(operation):
    assert aws_calls.is_write(operation)


@pytest.mark.parametrize("operation", READS)
def test_a_call_that_only_reads_is_not(operation):
    assert not aws_calls.is_write(operation)
