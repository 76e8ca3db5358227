# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Everything the sandbox holds, as plain data to compare, and the way back to the sandbox as provisioned.

``snapshot`` reads every resource a playbook or module of the collection could touch: Auto Scaling groups,
launch templates with every version, target groups with their tags and targets, load balancers with their
listeners and rules, Route 53 record sets, SSM parameters with their whole history, CodeDeploy's applications with
their deployment groups and deployments, S3's objects, IAM's roles and users with their policies, and the local EFS
stand-in and web roots. Two snapshots are equal exactly when nothing of that changed.

Besides demo, the long runs work on applications of their own in the same sandbox (``App``, ``provision_apps``), so
that several cycles can run at once without sharing a lock.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = ROOT / "playbooks"
# The group of the inventory that provision_apps writes: one host per application.
APPS_GROUP = "bluegreen_reliability_apps"
FAST = {"bluegreen_poll_interval": 1, "bluegreen_wait_timeout": 120, "bluegreen_test_listener_port": 8080}
# Files of the instances' web servers that change whenever they serve or restart; not state of the product.
VOLATILE = {"httpd.pid", "error.log", "access.log"}


@dataclasses.dataclass(frozen=True)
class App:
    """An application of the sandbox with strategy alb: demo, as inventories/local describes it, or one that
    provision_apps made beside it, with a load balancer, target groups and live name of its own, all named after it."""

    name: str = "demo"

    @property
    def live(self):
        return f"/bluegreen/{self.name}/live"

    @property
    def lock(self):
        return f"/bluegreen/{self.name}/lock"

    @property
    def deployment(self):
        return f"/bluegreen/{self.name}/deployment"

    @property
    def extra_vars(self):
        """What the playbooks need to act on this application rather than on the inventory's demo."""
        return {"bluegreen_app": self.name, "bluegreen_load_balancer": self.name}

    @property
    def state_args(self):
        """The options of state_info that read its traffic layer."""
        return {"load_balancer": self.name}

    @property
    def host_vars(self):
        """What playbooks/sandbox.yml needs to provision it: the above, and a live name no other application uses.

        The CodeDeploy bucket and role are left out: demo's provisioning made them, and the playbook would tag them
        with each application in turn."""
        return {
            **self.extra_vars,
            "ansible_connection": "local",
            "ansible_python_interpreter": "{{ ansible_playbook_python }}",
            "bluegreen_live_records": {"zone": "example.com", "private_zone": False, "names": [self.name], "type": "A"},
            "bluegreen_codedeploy_bucket": None,
            "bluegreen_codedeploy_service_role_arn": None,
        }


DEMO = App()
LIVE = DEMO.live
LOCK = DEMO.lock
DEPLOYMENT = DEMO.deployment


def _tags(items):
    return {tag["Key"]: tag["Value"] for tag in items or []}


def _groups(sandbox):
    autoscaling = sandbox.client("autoscaling")
    groups = autoscaling.get_paginator("describe_auto_scaling_groups").paginate().build_full_result()
    found = {}
    for group in groups["AutoScalingGroups"]:
        name = group["AutoScalingGroupName"]
        hooks = autoscaling.describe_lifecycle_hooks(AutoScalingGroupName=name)["LifecycleHooks"]
        policies = autoscaling.describe_policies(AutoScalingGroupName=name)["ScalingPolicies"]
        scheduled = autoscaling.describe_scheduled_actions(AutoScalingGroupName=name)["ScheduledUpdateGroupActions"]
        found[name] = {
            "launch_template": group.get("LaunchTemplate"),
            "sizes": (group["MinSize"], group["MaxSize"], group["DesiredCapacity"]),
            "target_groups": sorted(group.get("TargetGroupARNs", [])),
            "tags": {tag["Key"]: (tag["Value"], tag.get("PropagateAtLaunch")) for tag in group.get("Tags", [])},
            "instances": sorted(item["InstanceId"] for item in group.get("Instances", [])),
            "metrics": sorted((item["Metric"], item.get("Granularity")) for item in group.get("EnabledMetrics", [])),
            "lifecycle_hooks": {hook.pop("LifecycleHookName"): hook for hook in hooks},
            "scaling_policies": {policy.pop("PolicyName"): policy for policy in policies},
            "scheduled_actions": {action.pop("ScheduledActionName"): action for action in scheduled},
        }
    return found


def _launch_templates(sandbox):
    ec2 = sandbox.client("ec2")
    found = {}
    for template in ec2.describe_launch_templates()["LaunchTemplates"]:
        versions = ec2.describe_launch_template_versions(LaunchTemplateId=template["LaunchTemplateId"])
        found[template["LaunchTemplateName"]] = {
            "id": template["LaunchTemplateId"],
            "default": template["DefaultVersionNumber"],
            "latest": template["LatestVersionNumber"],
            "versions": {
                item["VersionNumber"]: (item.get("VersionDescription"), item["LaunchTemplateData"])
                for item in versions["LaunchTemplateVersions"]
            },
        }
    return found


def _elbv2(sandbox):
    elbv2 = sandbox.client("elbv2")
    target_groups = elbv2.describe_target_groups()["TargetGroups"]
    tags = {}
    arns = [group["TargetGroupArn"] for group in target_groups]
    load_balancers = elbv2.describe_load_balancers()["LoadBalancers"]
    arns += [lb["LoadBalancerArn"] for lb in load_balancers]
    for start in range(0, len(arns), 20):
        for item in elbv2.describe_tags(ResourceArns=arns[start : start + 20])["TagDescriptions"]:
            tags[item["ResourceArn"]] = _tags(item.get("Tags"))
    groups = {
        group["TargetGroupName"]: {
            "arn": group["TargetGroupArn"],
            "tags": tags.get(group["TargetGroupArn"], {}),
            "targets": sorted(
                (item["Target"]["Id"], item["TargetHealth"]["State"])
                for item in elbv2.describe_target_health(TargetGroupArn=group["TargetGroupArn"])[
                    "TargetHealthDescriptions"
                ]
            ),
        }
        for group in target_groups
    }
    balancers = {}
    for lb in load_balancers:
        listeners = {}
        for listener in elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]:
            rules = elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
            listeners[listener["Port"]] = {
                "actions": listener["DefaultActions"],
                "rules": sorted(
                    ((rule["Priority"], rule.get("Conditions", []), rule.get("Actions", [])) for rule in rules),
                    key=repr,
                ),
            }
        balancers[lb["LoadBalancerName"]] = {"tags": tags.get(lb["LoadBalancerArn"], {}), "listeners": listeners}
    return {"target_groups": groups, "load_balancers": balancers}


def _records(sandbox):
    route53 = sandbox.client("route53")
    zones = {}
    for zone in route53.list_hosted_zones()["HostedZones"]:
        paginator = route53.get_paginator("list_resource_record_sets")
        sets = paginator.paginate(HostedZoneId=zone["Id"]).build_full_result()["ResourceRecordSets"]
        zones[(zone["Name"], zone["Config"].get("PrivateZone", False))] = sorted(sets, key=repr)
    return zones


def _parameters(sandbox):
    ssm = sandbox.client("ssm")
    names = [
        item["Name"] for item in ssm.get_paginator("describe_parameters").paginate().build_full_result()["Parameters"]
    ]
    history = {}
    for name in sorted(names):
        versions = ssm.get_paginator("get_parameter_history").paginate(Name=name).build_full_result()["Parameters"]
        history[name] = [(item["Version"], item["Value"], item.get("Description")) for item in versions]
    return history


def _alarms(sandbox):
    """Every CloudWatch alarm, metric or composite, with its state and its reason."""
    found = (
        sandbox.client("cloudwatch")
        .get_paginator("describe_alarms")
        .paginate(AlarmTypes=["MetricAlarm", "CompositeAlarm"])
        .build_full_result()
    )
    alarms = found.get("MetricAlarms", []) + found.get("CompositeAlarms", [])
    return {item["AlarmName"]: (item["StateValue"], item.get("StateReason")) for item in alarms}


def _codedeploy(sandbox):
    """Every CodeDeploy application's deployment groups, with their settings and their deployments' ids. The
    deployments are listed, not read: the sandbox's CodeDeploy moves a deployment on when it is read."""
    codedeploy = sandbox.client("codedeploy")
    found = {}
    for application in sorted(codedeploy.list_applications()["applications"]):
        groups = {}
        for name in sorted(codedeploy.list_deployment_groups(applicationName=application)["deploymentGroups"]):
            info = codedeploy.get_deployment_group(applicationName=application, deploymentGroupName=name)
            deployments = codedeploy.list_deployments(applicationName=application, deploymentGroupName=name)
            groups[name] = {"settings": info["deploymentGroupInfo"], "deployments": sorted(deployments["deployments"])}
        found[application] = groups
    return found


def _s3(sandbox):
    """Every bucket's objects (the CodeDeploy revisions), by key and ETag."""
    s3 = sandbox.client("s3")
    found = {}
    for bucket in sorted(item["Name"] for item in s3.list_buckets()["Buckets"]):
        objects = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket).build_full_result().get("Contents", [])
        found[bucket] = sorted((item["Key"], item["ETag"]) for item in objects)
    return found


def _iam(sandbox):
    """Every IAM role and user, with the names of its policies (inline and attached)."""
    iam = sandbox.client("iam")
    found = {}
    for kind, key in (("role", "RoleName"), ("user", "UserName")):
        names = [
            item[key] for item in iam.get_paginator(f"list_{kind}s").paginate().build_full_result()[f"{kind.title()}s"]
        ]
        for name in sorted(names):
            inline = getattr(iam, f"list_{kind}_policies")(**{key: name})["PolicyNames"]
            attached = getattr(iam, f"list_attached_{kind}_policies")(**{key: name})["AttachedPolicies"]
            found[f"{kind}/{name}"] = sorted(inline) + sorted(item["PolicyArn"] for item in attached)
    return found


def _local(sandbox):
    """The EFS stand-in (every file, link and directory) and each instance's web root directory."""
    found = {}
    for top in ("efs", "web"):
        base = sandbox.directory / top
        for current, directories, files in os.walk(base):
            for name in sorted(directories + files):
                path = Path(current) / name
                relative = str(path.relative_to(sandbox.directory))
                if name in VOLATILE:
                    continue
                if path.is_symlink():
                    found[relative] = ("link", os.readlink(path))
                elif path.is_dir():
                    found[relative] = ("directory",)
                else:
                    found[relative] = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
    return found


def snapshot(sandbox):
    """Every resource of the sandbox, as plain data."""
    return {
        "auto_scaling_groups": _groups(sandbox),
        "launch_templates": _launch_templates(sandbox),
        "elbv2": _elbv2(sandbox),
        "route53": _records(sandbox),
        "ssm": _parameters(sandbox),
        "codedeploy": _codedeploy(sandbox),
        "cloudwatch": _alarms(sandbox),
        "s3": _s3(sandbox),
        "iam": _iam(sandbox),
        "local": _local(sandbox),
    }


def differences(before, after, prefix=""):
    """The paths at which two snapshots differ, for an assertion message that says what changed."""
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in sorted(set(before) | set(after), key=repr):
            if key not in after:
                found.append(f"{prefix}{key}: removed")
            elif key not in before:
                found.append(f"{prefix}{key}: added")
            else:
                found += differences(before[key], after[key], f"{prefix}{key}.")
        return found
    return [] if before == after else [f"{prefix.rstrip('.')}: {before!r} -> {after!r}"]


def ansible_errors(output):
    """What Ansible reports as the errors of failed tasks, without the task source that follows, whitespace folded."""
    errors = re.findall(r"^\[ERROR\]: (.*?)(?=^Origin:|\n\n|\Z)", output, re.MULTILINE | re.DOTALL)
    return " ".join(" ".join(errors).split())


def app_state(sandbox, app=DEMO):
    return sandbox.module("state_info", app=app.name, **app.state_args)


def demo_state(sandbox):
    return app_state(sandbox)


def run(sandbox, playbook, app=DEMO, **extra_vars):
    done = sandbox.playbook(PLAYBOOKS / f"{playbook}.yml", extra_vars={**FAST, **app.extra_vars, **extra_vars})
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def forget_old_targets(sandbox, app=DEMO):
    """Leave only the app's fleets' own instances in its target groups (see Sandbox.forget_terminated_targets)."""
    members = {item["InstanceId"] for group in sandbox.groups(app.name).values() for item in group["Instances"]}
    for color in ("blue", "green"):
        sandbox.forget_terminated_targets(sandbox.target_group_arn(color, app.name), members)


def provision_apps(sandbox, apps):
    """Provision ``apps`` beside demo, in one run of playbooks/sandbox.yml with a host of their own each.

    Each gets the whole of demo's set-up under its own name (VPC, target groups, load balancer, live name, fleet,
    live parameter, first release).
    """
    inventory = sandbox.directory / "apps.yml"
    # JSON is YAML: the inventory is a group of one host per application, with the application's variables.
    inventory.write_text(
        json.dumps({APPS_GROUP: {"hosts": {app.name: app.host_vars for app in apps}}}, indent=1), encoding="utf-8"
    )
    done = sandbox.playbook(
        PLAYBOOKS / "sandbox.yml",
        "-i",
        str(inventory),
        "--limit",
        APPS_GROUP,
        "--forks",
        str(len(apps)),
        extra_vars={"bluegreen_hosts": APPS_GROUP},
    )
    assert done.returncode == 0, done.stdout + done.stderr


def one_fleet(sandbox, app=DEMO):
    """Leave ``app`` unlocked with its live fleet only, consistent, whichever colour is live."""
    if sandbox.parameter(app.lock) is not None:
        sandbox.client("ssm").delete_parameter(Name=app.lock)
    if len(sandbox.groups(app.name)) > 1:
        run(sandbox, "clean", app, bluegreen_discard_deployment=True)
    forget_old_targets(sandbox, app)
    state = app_state(sandbox, app)
    assert state["consistent"] and state["lock"] is None, state.get("reasons")
    assert len(sandbox.groups(app.name)) == 1


def back_to_blue(sandbox):
    """Leave demo as the other tests expect it: blue live with one fleet, unlocked, no deployment record.

    A deploy, switch and clean cycle moves demo from blue to green; one more brings it back, which is
    quicker than provisioning again.
    """
    if sandbox.parameter(LOCK) is not None:
        sandbox.client("ssm").delete_parameter(Name=LOCK)
    if len(sandbox.groups()) > 1:
        run(sandbox, "clean", bluegreen_discard_deployment=True)
    if demo_state(sandbox)["live_color"] == "green":
        for playbook in ("deploy", "switch", "clean"):
            run(sandbox, playbook)
    if sandbox.parameter(DEPLOYMENT) is not None:
        sandbox.client("ssm").delete_parameter(Name=DEPLOYMENT)
    sandbox.forget_old_targets()
    state = demo_state(sandbox)
    assert (state["live_color"], state["consistent"], state["lock"]) == ("blue", True, None), state.get("reasons")
    assert list(sandbox.groups()) == ["demo-blue"]
