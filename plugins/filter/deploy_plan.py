# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.teal.bluegreen.plugins.module_utils import deploy_plan as planner
from ansible_collections.teal.bluegreen.plugins.module_utils.variables import whole_number


def deploy_plan(
    state,
    app,
    strategy="alb",
    asg_names=None,
    min_healthy_targets=1,
    revision_uri=None,
    codedeploy_target_group=None,
):
    """The deploy role's plan from the registered result of state_info; see module_utils/deploy_plan.py."""
    if not isinstance(state, dict) or "colors" not in state:
        raise AnsibleFilterError("deploy_plan expects the registered result of teal.bluegreen.state_info")
    minimum = whole_number(min_healthy_targets)
    if minimum is None:
        raise AnsibleFilterError(f"deploy_plan: min_healthy_targets {min_healthy_targets!r} is not a whole number")
    return planner.plan_deploy(
        state,
        app,
        strategy=strategy,
        asg_names=asg_names or {},
        min_healthy_targets=minimum,
        revision_uri=revision_uri or None,
        codedeploy_target_group=codedeploy_target_group,
    )


def deploy_variable_problems(
    strategy,
    launch_template_version=None,
    image_id=None,
    user_data=None,
    instance_type=None,
    codedeploy=False,
    codedeploy_bucket=None,
    artifact_version=None,
    codedeploy_service_role_arn=None,
):
    """What is wrong with the deploy role's own variables; see module_utils/deploy_plan.py."""
    return planner.variable_problems(
        strategy,
        launch_template_version=launch_template_version,
        image_id=image_id,
        user_data=user_data,
        instance_type=instance_type,
        codedeploy=boolean(codedeploy or False, strict=False),
        codedeploy_bucket=codedeploy_bucket,
        artifact_version=artifact_version,
        codedeploy_service_role_arn=codedeploy_service_role_arn,
    )


def deploy_idle_refusal(plan, app, under_way=None):
    """Strategy codedeploy: why the idle colour's group stops the deploy, as a list of one message or none; see module_utils/deploy_plan.py."""
    return planner.idle_refusal(plan, app, under_way if isinstance(under_way, dict) else None)


def deploy_recorded(deployment, record):
    """Whether the deployment parameter already records ``record`` but for its id."""
    return planner.recorded(deployment if isinstance(deployment, dict) else None, record)


def deploy_previous_release(deployment, plan, revision_uri):
    """Strategy codedeploy: the release the live colour runs; see module_utils/deploy_plan.py."""
    return planner.previous_release(deployment if isinstance(deployment, dict) else None, plan, revision_uri)


class FilterModule:
    def filters(self):
        return {
            "deploy_plan": deploy_plan,
            "deploy_variable_problems": deploy_variable_problems,
            "deploy_idle_refusal": deploy_idle_refusal,
            "deploy_recorded": deploy_recorded,
            "deploy_previous_release": deploy_previous_release,
        }
