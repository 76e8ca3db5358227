# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin wrappers of the CodeDeploy calls the modules need, one call each."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from .common import CodeDeployErrorHandler

# Statuses of a deployment that is still under way: CodeDeploy allows one per deployment group.
ACTIVE_STATUSES = ("Created", "Queued", "InProgress", "Baking", "Ready")
# BatchGetDeploymentTargets takes at most this many target ids per call.
TARGETS_PER_CALL = 25


@CodeDeployErrorHandler.list_error_handler("get application")
@AWSRetry.jittered_backoff()
def get_application(client, name):
    """The application called name, or None."""
    return client.get_application(applicationName=name)["application"]


@CodeDeployErrorHandler.common_error_handler("create application")
@AWSRetry.jittered_backoff()
def create_application(client, name):
    return client.create_application(applicationName=name, computePlatform="Server")["applicationId"]


@CodeDeployErrorHandler.list_error_handler("get deployment group")
@AWSRetry.jittered_backoff()
def get_deployment_group(client, application, name):
    """The deployment group called name in application, or None (also when the application is missing)."""
    return client.get_deployment_group(applicationName=application, deploymentGroupName=name)["deploymentGroupInfo"]


@CodeDeployErrorHandler.common_error_handler("create deployment group")
@AWSRetry.jittered_backoff()
def create_deployment_group(client, application, name, config):
    """Create a deployment group from config, a dict of CreateDeploymentGroup's own parameters."""
    return client.create_deployment_group(applicationName=application, deploymentGroupName=name, **config)[
        "deploymentGroupId"
    ]


@CodeDeployErrorHandler.common_error_handler("update deployment group")
@AWSRetry.jittered_backoff()
def update_deployment_group(client, application, name, config):
    client.update_deployment_group(applicationName=application, currentDeploymentGroupName=name, **config)


@CodeDeployErrorHandler.list_error_handler("list deployments", default_value=[])
@AWSRetry.jittered_backoff()
def list_active_deployments(client, application, group):
    """Ids of the deployments of the group that are still under way (at most one, as CodeDeploy allows)."""
    paginator = client.get_paginator("list_deployments")
    return paginator.paginate(
        applicationName=application, deploymentGroupName=group, includeOnlyStatuses=list(ACTIVE_STATUSES)
    ).build_full_result()["deployments"]


@CodeDeployErrorHandler.list_error_handler("get deployment")
@AWSRetry.jittered_backoff()
def get_deployment(client, deployment_id):
    """The deployment's DeploymentInfo, or None when there is no such deployment."""
    return client.get_deployment(deploymentId=deployment_id)["deploymentInfo"]


@CodeDeployErrorHandler.common_error_handler("create deployment")
@AWSRetry.jittered_backoff()
def create_deployment(client, application, group, revision, description):
    return client.create_deployment(
        applicationName=application, deploymentGroupName=group, revision=revision, description=description
    )["deploymentId"]


@CodeDeployErrorHandler.common_error_handler("continue deployment")
@AWSRetry.jittered_backoff()
def continue_deployment(client, deployment_id, wait_type):
    """Reroute the traffic (READY_WAIT) or end the termination wait (TERMINATION_WAIT) of a blue/green deployment."""
    client.continue_deployment(deploymentId=deployment_id, deploymentWaitType=wait_type)


@CodeDeployErrorHandler.common_error_handler("stop deployment")
@AWSRetry.jittered_backoff()
def stop_deployment(client, deployment_id, rollback):
    return client.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=rollback)


@CodeDeployErrorHandler.list_error_handler("list deployment targets", default_value=[])
@AWSRetry.jittered_backoff()
def list_deployment_targets(client, deployment_id):
    """The deployment's target ids; none before CodeDeploy has started it."""
    paginator = client.get_paginator("list_deployment_targets")
    try:
        return paginator.paginate(deploymentId=deployment_id).build_full_result()["targetIds"]
    except is_boto3_error_code("DeploymentNotStartedException"):
        return []


@CodeDeployErrorHandler.list_error_handler("get deployment targets", default_value=[])
@AWSRetry.jittered_backoff()
def _batch_get_deployment_targets(client, deployment_id, target_ids):
    return client.batch_get_deployment_targets(deploymentId=deployment_id, targetIds=target_ids)["deploymentTargets"]


def get_deployment_targets(client, deployment_id):
    """Every target of the deployment with its lifecycle events, in batches of TARGETS_PER_CALL."""
    target_ids = list_deployment_targets(client, deployment_id)
    targets = []
    for start in range(0, len(target_ids), TARGETS_PER_CALL):
        targets.extend(
            _batch_get_deployment_targets(client, deployment_id, target_ids[start : start + TARGETS_PER_CALL])
        )
    return targets
