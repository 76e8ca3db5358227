# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import copy
import datetime

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils import clone

NOW = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
LB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop/50dc6c495c0c9188"
OTHER_LB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop-idle/6d0ecf831eec9f09"
BLUE_TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-blue/73e2d6bc24d8a067"
GREEN_TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-green/943f017f100becff"
BLUE_LABEL = "app/shop/50dc6c495c0c9188/targetgroup/shop-blue/73e2d6bc24d8a067"
GREEN_LABEL = "app/shop/50dc6c495c0c9188/targetgroup/shop-green/943f017f100becff"
TEMPLATE = {"LaunchTemplateId": "lt-1", "Version": "3", "record": ""}


def source_group(**extra):
    group = {
        "AutoScalingGroupName": "shop-blue",
        "LaunchTemplate": {"LaunchTemplateId": "lt-1", "LaunchTemplateName": "shop", "Version": "3"},
        "MinSize": 2,
        "MaxSize": 6,
        "DesiredCapacity": 3,
        "VPCZoneIdentifier": "subnet-a,subnet-b",
        "HealthCheckType": "ELB",
        "HealthCheckGracePeriod": 90,
        "TerminationPolicies": ["OldestInstance"],
        "DefaultCooldown": 300,
        "CapacityRebalance": False,
        "TargetGroupARNs": [BLUE_TG],
        "EnabledMetrics": [
            {"Metric": "GroupMaxSize", "Granularity": "1Minute"},
            {"Metric": "GroupMinSize", "Granularity": "1Minute"},
        ],
        "Instances": [
            {"InstanceId": "i-1", "LifecycleState": "InService", "HealthStatus": "Healthy"},
            {"InstanceId": "i-2", "LifecycleState": "InService", "HealthStatus": "Unhealthy"},
            {"InstanceId": "i-3", "LifecycleState": "Pending", "HealthStatus": "Healthy"},
        ],
        "Tags": [
            {"Key": "Name", "Value": "shop-blue", "PropagateAtLaunch": True},
            {"Key": "bluegreen:app", "Value": "shop", "PropagateAtLaunch": True},
            {"Key": "bluegreen:color", "Value": "blue", "PropagateAtLaunch": True},
            {"Key": "cost", "Value": "web", "PropagateAtLaunch": False},
            {"Key": "aws:cloudformation:stack-name", "Value": "x", "PropagateAtLaunch": False},
            {"Key": clone.RECORD_TAG, "Value": "lt-1:2", "PropagateAtLaunch": False},
        ],
        "SuspendedProcesses": [],
    }
    group.update(extra)
    return group


def tracking_policy(label):
    return {
        "AutoScalingGroupName": "shop-blue",
        "PolicyName": "requests",
        "PolicyARN": "arn:...",
        "PolicyType": "TargetTrackingScaling",
        "StepAdjustments": [],
        "Alarms": [{"AlarmName": "x"}],
        "TargetTrackingConfiguration": {
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ALBRequestCountPerTarget",
                "ResourceLabel": label,
            },
            "TargetValue": 100.0,
        },
    }


HOOK = {
    "AutoScalingGroupName": "shop-blue",
    "LifecycleHookName": "drain",
    "LifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING",
    "HeartbeatTimeout": 120,
    "GlobalTimeout": 12000,
    "DefaultResult": "CONTINUE",
}
NIGHTLY = {
    "AutoScalingGroupName": "shop-blue",
    "ScheduledActionName": "nightly",
    "Recurrence": "0 2 * * *",
    "StartTime": NOW - datetime.timedelta(days=3),
    "MinSize": 1,
    "MaxSize": 2,
    "DesiredCapacity": 1,
}


def overrides(**extra):
    values = {"name": "shop-green", "target_group_arns": [GREEN_TG]}
    values.update(extra)
    return values


def plan(source=None, hooks=(), policies=(), scheduled=(), template=None, **extra):
    return clone.plan_clone(
        source or source_group(),
        list(hooks),
        list(policies),
        list(scheduled),
        overrides(**extra),
        "green",
        "shop",
        template or TEMPLATE,
        NOW,
        {GREEN_TG: [LB]},
    )


def as_existing(desired):
    """A described group that matches ``desired``, as AWS would return it after the clone."""
    group = {"AutoScalingGroupName": desired["name"], **copy.deepcopy(desired["settings"])}
    group["LaunchTemplate"] = dict(group["LaunchTemplate"], LaunchTemplateName="shop")
    group["TargetGroupARNs"] = list(desired["target_group_arns"])
    group["Tags"] = [dict(tag, ResourceId=desired["name"]) for tag in desired["tags"].values()]
    metrics = desired["metrics"]
    group["EnabledMetrics"] = [{"Metric": m, "Granularity": metrics["Granularity"]} for m in metrics["Metrics"]]
    return group


class TestRepointResourceLabel:
    def test_moves_the_target_group_part(self):
        assert clone.repoint_resource_label(BLUE_LABEL, BLUE_TG, GREEN_TG) == GREEN_LABEL

    def test_moves_the_load_balancer_part_when_asked(self):
        moved = clone.repoint_resource_label(BLUE_LABEL, BLUE_TG, GREEN_TG, OTHER_LB)
        assert moved == "app/shop-idle/6d0ecf831eec9f09/targetgroup/shop-green/943f017f100becff"

    def test_label_of_another_target_group_is_unchanged(self):
        other = "app/shop/50dc6c495c0c9188/targetgroup/legacy/1111"
        assert clone.repoint_resource_label(other, BLUE_TG, GREEN_TG) == other

    @pytest.mark.parametrize("label", ["", None, "not-a-label"])
    def test_odd_labels_are_unchanged(self, label):
        assert clone.repoint_resource_label(label, BLUE_TG, GREEN_TG) == label


class TestLaunchTemplate:
    def test_launch_template(self):
        assert clone.launch_template_of(source_group()) == {
            "kind": "launch_template",
            "LaunchTemplateId": "lt-1",
            "Version": "3",
        }

    def test_mixed_instances_policy(self):
        policy = {"LaunchTemplate": {"LaunchTemplateSpecification": {"LaunchTemplateId": "lt-9", "Version": "$Latest"}}}
        group = source_group(MixedInstancesPolicy=policy)
        del group["LaunchTemplate"]
        assert clone.launch_template_of(group)["kind"] == "mixed_instances_policy"
        desired = plan(group, template={"LaunchTemplateId": "lt-9", "Version": "4"})
        spec = desired["settings"]["MixedInstancesPolicy"]["LaunchTemplate"]["LaunchTemplateSpecification"]
        assert spec == {"LaunchTemplateId": "lt-9", "Version": "4"}
        assert "mixed instances policy" in desired["copied"]

    def test_launch_configuration_is_refused(self):
        group = source_group(LaunchConfigurationName="old")
        del group["LaunchTemplate"]
        with pytest.raises(ValueError, match="launches from launch configuration 'old'"):
            clone.launch_template_of(group)

    def test_template_data_overrides(self):
        source = {"ImageId": "ami-1", "InstanceType": "t3.micro", "KeyName": "ops"}
        data = clone.template_data(source, "ami-2", "#!/bin/sh\n", "t3.large")
        assert data == {
            "ImageId": "ami-2",
            "InstanceType": "t3.large",
            "KeyName": "ops",
            "UserData": "IyEvYmluL3NoCg==",
        }
        assert source["ImageId"] == "ami-1"

    def test_record_round_trip(self):
        record = clone.parse_record("lt-1:2, lt-1:3,lt-2:1,garbage,lt-1:2")
        assert record == {"lt-1": [2, 3], "lt-2": [1]}
        assert clone.format_record(record) == "lt-1:2,lt-1:3,lt-2:1"
        assert clone.parse_record(None) == {}

    @pytest.mark.parametrize("image", ["ami-12345678", "ami-0123456789abcdef0"])
    def test_image_pattern_accepts(self, image):
        assert clone.IMAGE_PATTERN.match(image)

    @pytest.mark.parametrize("image", ["ami-XYZ", "ami-1234567", "ami-0123456789abcdef01", "i-12345678", ""])
    def test_image_pattern_refuses(self, image):
        assert not clone.IMAGE_PATTERN.match(image)


class TestPlanClone:
    def test_copies_settings_target_groups_and_tags(self):
        desired = plan()
        settings = desired["settings"]
        assert (settings["MinSize"], settings["MaxSize"], settings["DesiredCapacity"]) == (2, 6, 3)
        assert settings["LaunchTemplate"] == {"LaunchTemplateId": "lt-1", "Version": "3"}
        assert settings["VPCZoneIdentifier"] == "subnet-a,subnet-b"
        assert settings["TerminationPolicies"] == ["OldestInstance"]
        assert settings["CapacityRebalance"] is False
        assert desired["target_group_arns"] == [GREEN_TG]
        assert desired["metrics"] == {"Granularity": "1Minute", "Metrics": ["GroupMaxSize", "GroupMinSize"]}
        tags = {key: (tag["Value"], tag["PropagateAtLaunch"]) for key, tag in desired["tags"].items()}
        assert tags == {
            "Name": ("shop-green", True),
            "bluegreen:app": ("shop", True),
            "bluegreen:color": ("green", True),
            "cost": ("web", False),
        }
        assert {
            "item": "tag aws:cloudformation:stack-name",
            "reason": "tags starting with aws: are reserved for AWS",
        } in (desired["not_copied"])

    def test_source_record_is_never_inherited(self):
        desired = plan(template=dict(TEMPLATE, record="lt-1:7"))
        assert desired["tags"][clone.RECORD_TAG]["Value"] == "lt-1:7"
        assert clone.RECORD_TAG not in plan()["tags"]

    def test_tags_override_and_keep_propagation(self):
        desired = plan(tags={"cost": "idle", "team": "shop"})
        assert desired["tags"]["cost"] == {"Key": "cost", "Value": "idle", "PropagateAtLaunch": False}
        assert desired["tags"]["team"]["PropagateAtLaunch"] is True

    def test_sizes(self):
        desired = plan(min_size=1, max_size=3, desired_capacity=1)["settings"]
        assert (desired["MinSize"], desired["MaxSize"], desired["DesiredCapacity"]) == (1, 3, 1)

    def test_match_healthy_capacity(self):
        assert plan(match_healthy_capacity=True, min_size=0)["settings"]["DesiredCapacity"] == 1

    def test_min_above_max(self):
        with pytest.raises(ValueError, match="min_size 7 is greater than max_size 6"):
            plan(min_size=7)

    def test_desired_outside(self):
        with pytest.raises(ValueError, match=r"desired_capacity 9 is outside min_size..max_size \(2..6\)"):
            plan(desired_capacity=9)

    def test_hooks(self):
        desired = plan(hooks=[HOOK])
        assert desired["hooks"] == {
            "drain": {
                "LifecycleHookName": "drain",
                "LifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING",
                "HeartbeatTimeout": 120,
                "DefaultResult": "CONTINUE",
            }
        }

    def test_tracking_policy_is_repointed(self):
        desired = plan(policies=[tracking_policy(BLUE_LABEL)])
        policy = desired["policies"]["requests"]
        assert policy["TargetTrackingConfiguration"]["PredefinedMetricSpecification"]["ResourceLabel"] == GREEN_LABEL
        assert "Alarms" not in policy and "PolicyARN" not in policy
        assert "scaling policy requests (re-pointed to the clone's target group)" in desired["copied"]

    def test_tracking_policy_kept_without_replacement(self):
        desired = plan(policies=[tracking_policy(BLUE_LABEL)], target_group_arns=None)
        label = desired["policies"]["requests"]["TargetTrackingConfiguration"]["PredefinedMetricSpecification"]
        assert label["ResourceLabel"] == BLUE_LABEL
        assert desired["target_group_arns"] == [BLUE_TG]

    def test_tracking_policy_without_counterpart(self):
        desired = plan(policies=[tracking_policy(BLUE_LABEL)], target_group_arns=[GREEN_TG, BLUE_TG])
        assert desired["policies"] == {}
        assert desired["not_copied"][-1]["item"] == "scaling policy requests"
        assert "no counterpart" in desired["not_copied"][-1]["reason"]

    def test_scheduled_actions(self):
        past = dict(NIGHTLY, ScheduledActionName="once", Recurrence=None, StartTime=NOW - datetime.timedelta(days=1))
        future = dict(past, ScheduledActionName="later", StartTime=NOW + datetime.timedelta(days=1))
        desired = plan(scheduled=[NIGHTLY, past, future])
        assert sorted(desired["scheduled"]) == ["later", "nightly"]
        assert "StartTime" not in desired["scheduled"]["nightly"]
        assert desired["scheduled"]["later"]["StartTime"] == future["StartTime"]
        assert desired["not_copied"][-1]["item"] == "scheduled action once"

    def test_reported_not_copied(self):
        source = source_group(
            LoadBalancerNames=["classic"], SuspendedProcesses=[{"ProcessName": "AZRebalance", "SuspensionReason": ""}]
        )
        items = [item["item"] for item in plan(source)["not_copied"]]
        assert "classic load balancer classic" in items
        assert "suspended process AZRebalance" in items


class TestSizeProblem:
    def test_the_sources_sizes_fit(self):
        assert clone.size_problem(source_group(), overrides()) is None

    def test_overrides_that_fit(self):
        assert clone.size_problem(source_group(), overrides(min_size=0, max_size=1, desired_capacity=0)) is None

    @pytest.mark.parametrize(
        "sizes, message",
        [
            ({"min_size": 7}, "min_size 7 is greater than max_size 6"),
            ({"max_size": 1}, "min_size 2 is greater than max_size 1"),
            ({"desired_capacity": 9}, "desired_capacity 9 is outside min_size..max_size (2..6)"),
            ({"min_size": 4}, "desired_capacity 3 is outside min_size..max_size (4..6)"),
            # One of the source's three instances is InService and Healthy, and its minimum is 2.
            ({"match_healthy_capacity": True}, "desired_capacity 1 is outside min_size..max_size (2..6)"),
        ],
    )
    def test_sizes_that_do_not_fit(self, sizes, message):
        assert message in clone.size_problem(source_group(), overrides(**sizes))

    @pytest.mark.parametrize("sizes", [{"min_size": 7}, {"desired_capacity": 9}, {"match_healthy_capacity": True}])
    def test_the_same_rules_as_plan_clone(self, sizes):
        with pytest.raises(ValueError) as raised:
            plan(**sizes)
        assert clone.size_problem(source_group(), overrides(**sizes)) == str(raised.value)


class TestCompare:
    def test_new_clone(self):
        desired = plan(hooks=[HOOK])
        changes = clone.compare(None, desired)
        assert changes["create"] is True
        assert changes["hooks"] == (["drain"], [])
        assert clone.has_changes(changes)

    def test_matching_clone_has_no_changes(self):
        desired = plan(hooks=[HOOK], policies=[tracking_policy(BLUE_LABEL)], scheduled=[NIGHTLY])
        existing = as_existing(desired)
        existing["VPCZoneIdentifier"] = "subnet-b,subnet-a"
        clone_policy = dict(tracking_policy(GREEN_LABEL), AutoScalingGroupName="shop-green")
        clone_action = dict(NIGHTLY, StartTime=NOW + datetime.timedelta(hours=5))
        changes = clone.compare(existing, desired, [HOOK], [clone_policy], [clone_action])
        assert not clone.has_changes(changes), changes

    def test_changed_inputs(self):
        desired = plan(hooks=[HOOK])
        existing = as_existing(plan(hooks=[HOOK]))
        changed = plan(
            max_size=8, tags={"team": "shop"}, target_group_arns=[BLUE_TG], template=dict(TEMPLATE, Version="4")
        )
        changes = clone.compare(existing, changed, [HOOK], [tracking_policy(GREEN_LABEL)], [])
        assert sorted(changes["settings"]) == ["LaunchTemplate", "MaxSize"]
        assert (changes["attach"], changes["detach"]) == ([BLUE_TG], [GREEN_TG])
        assert changes["put_tags"] == ["team"]
        assert changes["hooks"] == ([], ["drain"])
        assert changes["policies"] == ([], ["requests"])
        assert desired["hooks"]

    def test_extra_tags_and_metrics_are_reconciled(self):
        desired = plan()
        existing = as_existing(desired)
        existing["Tags"].append({"Key": "stray", "Value": "1", "PropagateAtLaunch": True})
        existing["EnabledMetrics"] = existing["EnabledMetrics"][:1]
        changes = clone.compare(existing, desired)
        assert changes["delete_tags"] == ["stray"]
        assert changes["metrics"] == desired["metrics"]

    def test_metrics_disabled_when_the_source_has_none(self):
        source = source_group(EnabledMetrics=[])
        existing = as_existing(plan())
        changes = clone.compare(existing, plan(source))
        assert changes["metrics"] == {"Metrics": [], "Disable": ["GroupMaxSize", "GroupMinSize"]}


class TestProductionReasons:
    GROUP = {"TargetGroupArn": GREEN_TG, "TargetGroupName": "shop-green", "LoadBalancerArns": [LB]}

    def listener(self, actions, port=80):
        return {"ListenerArn": f"listener-{port}", "Port": port, "DefaultActions": actions}

    def test_idle_target_group(self):
        listeners = {LB: [self.listener([{"Type": "forward", "TargetGroupArn": BLUE_TG}])]}
        assert clone.production_reasons([self.GROUP], listeners, {}, {GREEN_TG: {"IsProduction": "false"}}) == []

    def test_tagged(self):
        reasons = clone.production_reasons([self.GROUP], {}, {}, {GREEN_TG: {"IsProduction": "true"}})
        assert reasons == ["target group 'shop-green' is tagged IsProduction=true"]

    def test_weighted_forward(self):
        forward = {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [{"TargetGroupArn": BLUE_TG, "Weight": 90}, {"TargetGroupArn": GREEN_TG, "Weight": 10}]
            },
        }
        reasons = clone.production_reasons([self.GROUP], {LB: [self.listener([forward])]}, {}, {})
        assert reasons == ["the listener on port 80 forwards 10% of its traffic to 'shop-green'"]

    def test_zero_weight_is_not_traffic(self):
        forward = {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [{"TargetGroupArn": BLUE_TG, "Weight": 1}, {"TargetGroupArn": GREEN_TG, "Weight": 0}]
            },
        }
        assert clone.production_reasons([self.GROUP], {LB: [self.listener([forward])]}, {}, {}) == []

    def test_rule(self):
        listener = self.listener([{"Type": "forward", "TargetGroupArn": BLUE_TG}])
        rules = {
            "listener-80": [
                {"Priority": "10", "IsDefault": False, "Actions": [{"Type": "forward", "TargetGroupArn": GREEN_TG}]}
            ]
        }
        reasons = clone.production_reasons([self.GROUP], {LB: [listener]}, rules, {})
        assert reasons == ["a rule (priority 10) of the listener on port 80 forwards 100% to 'shop-green'"]


class TestLaunchTemplateVersionsInUse:
    @staticmethod
    def group(name, version, template="lt-1"):
        return {"AutoScalingGroupName": name, "LaunchTemplate": {"LaunchTemplateId": template, "Version": version}}

    def test_inherit_adds_a_version_the_source_created(self):
        assert clone.inherit_record({}, {"lt-1": [3]}, "lt-1", "3") == {"lt-1": [3]}
        assert clone.inherit_record({"lt-1": [5]}, {"lt-1": [3]}, "lt-1", "3") == {"lt-1": [5, 3]}

    def test_inherit_ignores_versions_the_source_did_not_create(self):
        assert clone.inherit_record({}, {"lt-1": [3]}, "lt-1", "1") == {}
        assert clone.inherit_record({}, {"lt-1": [3]}, "lt-1", "$Latest") == {}
        assert clone.inherit_record({}, {"lt-1": [3]}, "lt-2", "3") == {}

    def test_references_of_mixed_instances_policy(self):
        group = {
            "AutoScalingGroupName": "shop-blue",
            "MixedInstancesPolicy": {
                "LaunchTemplate": {
                    "LaunchTemplateSpecification": {"LaunchTemplateId": "lt-1", "Version": "4"},
                    "Overrides": [
                        {"InstanceType": "t3.small"},
                        {"LaunchTemplateSpecification": {"LaunchTemplateId": "lt-2"}},
                    ],
                }
            },
        }
        assert clone.template_references(group) == [("lt-1", "4"), ("lt-2", "$Default")]

    def test_numbers_and_symbols_in_use(self):
        groups = [
            self.group("a", "3"),
            self.group("b", "$Latest"),
            self.group("c", "$Default"),
            self.group("d", "9", "lt-2"),
        ]
        used = clone.versions_in_use(groups, "lt-1", latest=7, default=1)
        assert used == {3: ["a"], 7: ["b"], 1: ["c"]}

    def test_nothing_in_use(self):
        assert clone.versions_in_use([self.group("a", "3", "lt-2")], "lt-1", latest=7, default=1) == {}


def test_the_diff_shows_a_template_versions_image_and_instance_type_but_not_its_user_data():
    data = {"ImageId": "ami-0123456789abcdef0", "InstanceType": "t3.small", "UserData": "c2VjcmV0", "KeyName": "k"}
    assert clone.template_view(data) == {"ImageId": "ami-0123456789abcdef0", "InstanceType": "t3.small"}
    assert clone.template_view({"ImageId": "ami-0123456789abcdef0"}) == {"ImageId": "ami-0123456789abcdef0"}
