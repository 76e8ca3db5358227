# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import datetime

import json

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils import state

BLUE = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-blue/1"
GREEN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-green/2"
OTHER = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/legacy/3"
TG_COLORS = {BLUE: "blue", GREEN: "green"}


def listener(actions, port=80):
    return {"ListenerArn": "arn:listener", "Port": port, "DefaultActions": actions}


def forward(*weights):
    return [
        {
            "Type": "forward",
            "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": arn, "Weight": weight} for arn, weight in weights]},
        }
    ]


def group(name, color, desired=2, tgs=(), in_service=None):
    return {
        "AutoScalingGroupName": name,
        "DesiredCapacity": desired,
        "MinSize": 0,
        "MaxSize": 4,
        "TargetGroupARNs": list(tgs),
        "Instances": [{"LifecycleState": "InService"}] * (desired if in_service is None else in_service),
        "tags": {"bluegreen:color": color} if color else {},
    }


class TestColors:
    def test_other_color_flips(self):
        assert state.other_color("blue") == "green"
        assert state.other_color("green") == "blue"

    def test_other_color_rejects_unknown(self):
        with pytest.raises(ValueError, match="'red'"):
            state.other_color("red")

    @pytest.mark.parametrize(
        "prefix, expected",
        [("/bluegreen", "/bluegreen/shop/live"), ("bluegreen/", "/bluegreen/shop/live"), ("/a/b", "/a/b/shop/live")],
    )
    def test_parameter_names(self, prefix, expected):
        names = state.parameter_names(prefix, "shop")
        assert names["live"] == expected
        assert names["lock"] == expected.replace("/live", "/lock")
        assert names["deployment"] == expected.replace("/live", "/deployment")

    def test_parse_deployment(self):
        parameter = {"Value": '{"id": "d1", "color": "green", "auto_scaling_group": "shop-green"}', "Version": 3}
        record = state.parse_deployment(parameter)
        assert record["valid"] and record["color"] == "green" and record["id"] == "d1"
        assert record["image_id"] is None and record["version"] == 3
        assert state.parse_deployment(None) is None
        assert state.parse_deployment({"Value": "green"})["valid"] is False
        assert state.parse_deployment({"Value": '{"color": "red"}'})["valid"] is False

    def test_deployment_pending_until_its_colour_has_been_live(self):
        at = datetime.datetime(2026, 11, 22, 10, 0, tzinfo=datetime.timezone.utc)
        later = at + datetime.timedelta(minutes=5)
        deployed = {"Value": '{"color": "green"}', "LastModifiedDate": at}
        assert state.parse_deployment(
            deployed, {"Value": "blue", "LastModifiedDate": at - datetime.timedelta(minutes=5)}
        )["pending"]
        assert state.parse_deployment(deployed, None)["pending"]
        # switched to green
        assert not state.parse_deployment(deployed, {"Value": "green", "LastModifiedDate": later})["pending"]
        # switched to green and rolled back to blue after the deployment
        assert not state.parse_deployment(deployed, {"Value": "blue", "LastModifiedDate": later})["pending"]

    def test_with_the_history_a_failed_switch_that_kept_the_colour_leaves_the_deployment_pending(self):
        at = datetime.datetime(2026, 11, 22, 10, 0, tzinfo=datetime.timezone.utc)
        deployed = {"Value": '{"color": "green"}', "LastModifiedDate": at}
        live = {"Value": "blue", "LastModifiedDate": at + datetime.timedelta(minutes=9)}

        def version(number, value, minutes):
            moment = (at + datetime.timedelta(minutes=minutes)).isoformat()
            return {"version": number, "value": value, "description": "", "last_modified": moment}

        kept = [version(3, "blue", 9), version(2, "blue", -60), version(1, "green", -120)]
        assert state.parse_deployment(deployed, live, kept)["pending"]
        # Without the history, a version written since looks like a switch.
        assert not state.parse_deployment(deployed, live)["pending"]
        rolled_back = [version(4, "blue", 9), version(3, "green", 5), version(2, "blue", -60)]
        assert not state.parse_deployment(deployed, live, rolled_back)["pending"]
        # Ten versions all written after the deployment do not reach back to it: the history cannot tell.
        crowded = [version(20 - index, "blue", 9 - index / 10) for index in range(state.HISTORY_LIMIT)]
        assert not state.parse_deployment(deployed, live, crowded)["pending"]

    def test_color_of_tags_ignores_other_values(self):
        assert state.color_of_tags({"bluegreen:color": "green"}) == "green"
        assert state.color_of_tags({"bluegreen:color": "Green"}) is None
        assert state.color_of_tags(None) is None


class TestForwardWeights:
    def test_plain_forward_is_all_traffic(self):
        assert state.forward_weights([{"Type": "forward", "TargetGroupArn": BLUE}]) == {BLUE: 100}

    def test_weighted_forward_in_percent(self):
        assert state.forward_weights(forward((BLUE, 9), (GREEN, 1))) == {BLUE: 90, GREEN: 10}

    def test_forward_config_wins_over_target_group_arn(self):
        actions = forward((BLUE, 1))
        actions[0]["TargetGroupArn"] = BLUE
        assert state.forward_weights(actions) == {BLUE: 100}

    def test_redirect_is_not_a_forward(self):
        assert state.forward_weights([{"Type": "redirect", "RedirectConfig": {}}]) is None

    def test_forward_after_authentication(self):
        actions = [{"Type": "authenticate-oidc"}, {"Type": "forward", "TargetGroupArn": GREEN}]
        assert state.forward_weights(actions) == {GREEN: 100}


class TestAlbLayer:
    def test_single_colour(self):
        layer = state.alb_layer(listener([{"Type": "forward", "TargetGroupArn": GREEN}]), TG_COLORS)
        assert layer["live_color"] == "green"
        assert layer["weights"] == {"green": 100}
        assert layer["reasons"] == []

    def test_zero_weight_colour_does_not_count(self):
        layer = state.alb_layer(listener(forward((BLUE, 0), (GREEN, 1))), TG_COLORS)
        assert layer["live_color"] == "green"
        assert layer["weights"] == {"blue": 0, "green": 100}

    def test_split_traffic_is_undecided(self):
        layer = state.alb_layer(listener(forward((BLUE, 90), (GREEN, 10))), TG_COLORS)
        assert layer["live_color"] is None
        assert layer["reasons"] == ["listener on port 80 splits traffic blue 90% / green 10% (a canary is in progress)"]

    def test_unknown_target_group(self):
        layer = state.alb_layer(listener([{"Type": "forward", "TargetGroupArn": OTHER}]), TG_COLORS)
        assert layer["live_color"] is None
        assert OTHER in layer["reasons"][0]
        assert "neither colour" in layer["reasons"][0]

    def test_fixed_response(self):
        layer = state.alb_layer(listener([{"Type": "fixed-response"}], port=443), TG_COLORS)
        assert layer["live_color"] is None
        assert layer["reasons"] == [
            "listener on port 443 does not forward to a target group (default action: fixed-response)"
        ]


class TestTestListener:
    def test_on_the_idle_colour_is_in_place(self):
        layer = state.alb_layer(
            listener([{"Type": "forward", "TargetGroupArn": BLUE}]),
            TG_COLORS,
            listener([{"Type": "forward", "TargetGroupArn": GREEN}], port=8080),
        )
        assert layer["live_color"] == "blue"
        assert layer["test_listener"]["weights"] == {"green": 100}
        assert layer["test_listener"]["port"] == 8080
        assert layer["reasons"] == [] == layer["test_listener"]["reasons"]

    @pytest.mark.parametrize("weights, percent", [(((BLUE, 1),), 100), (((BLUE, 1), (GREEN, 3)), 25)])
    def test_any_share_on_the_live_colour_is_a_reason(self, weights, percent):
        layer = state.alb_layer(
            listener([{"Type": "forward", "TargetGroupArn": BLUE}]), TG_COLORS, listener(forward(*weights), port=8080)
        )
        reason = (
            f"the test listener on port 8080 forwards {percent}% to the live colour blue, so checks through it would "
            "reach the fleet that serves production, not the idle colour green"
        )
        assert layer["live_color"] == "blue"
        assert layer["reasons"] == [reason]
        summary = state.summarize({"alb": layer})
        assert (summary["consistent"], summary["reasons"]) == (False, [f"alb: {reason}"])

    def test_not_read_without_one(self):
        layer = state.alb_layer(listener([{"Type": "forward", "TargetGroupArn": BLUE}]), TG_COLORS)
        assert "test_listener" not in layer

    def test_during_a_canary_nothing_is_live_to_compare_with(self):
        layer = state.alb_layer(
            listener(forward((BLUE, 90), (GREEN, 10))),
            TG_COLORS,
            listener([{"Type": "forward", "TargetGroupArn": BLUE}], port=8080),
        )
        assert layer["test_listener"]["reasons"] == []
        assert layer["reasons"] == ["listener on port 80 splits traffic blue 90% / green 10% (a canary is in progress)"]


class TestRoute53Layer:
    LBS = {"blue-lb-1.us-east-1.elb.amazonaws.com": "blue", "green-lb-2.us-east-1.elb.amazonaws.com": "green"}

    def record(self, target, name="www.example.com."):
        return {"name": name, "type": "A", "alias_dns_name": target}

    def test_colour_from_tagged_load_balancer(self):
        layer = state.route53_layer([self.record("dualstack.Green-LB-2.us-east-1.elb.amazonaws.com.")], self.LBS)
        assert layer["live_color"] == "green"
        assert layer["records"][0]["color"] == "green"

    def test_shared_load_balancer_follows_the_listener(self):
        layer = state.route53_layer(
            [self.record("app-1.elb.amazonaws.com")], {}, shared_lb_dns="app-1.elb.amazonaws.com.", shared_color="blue"
        )
        assert layer["live_color"] == "blue"
        assert layer["reasons"] == []

    def test_half_moved_records(self):
        records = [
            self.record("blue-lb-1.us-east-1.elb.amazonaws.com"),
            self.record("green-lb-2.us-east-1.elb.amazonaws.com", name="shop.example.com."),
        ]
        layer = state.route53_layer(records, self.LBS)
        assert layer["live_color"] is None
        assert "half done" in layer["reasons"][0]

    def test_missing_record_and_foreign_target(self):
        records = [self.record(None), self.record("elsewhere.example.net", name="shop.example.com.")]
        layer = state.route53_layer(records, self.LBS)
        assert layer["live_color"] is None
        assert len(layer["reasons"]) == 2

    def weighted(self, blue, green, name="www.example.com."):
        return [
            dict(self.record("blue-lb-1.us-east-1.elb.amazonaws.com", name=name), set_identifier="blue", weight=blue),
            dict(
                self.record("green-lb-2.us-east-1.elb.amazonaws.com", name=name), set_identifier="green", weight=green
            ),
        ]

    def test_weighted_shift_in_progress(self):
        layer = state.route53_layer(self.weighted(90, 10) + self.weighted(9, 1, name="shop.example.com."), self.LBS)
        assert layer["live_color"] is None
        assert layer["weights"] == {"blue": 90, "green": 10}
        assert layer["reasons"] == [
            "live records split their answers blue 90% / green 10% (a weighted shift is in progress)"
        ]

    def test_weighted_records_with_one_colour_serving(self):
        layer = state.route53_layer(self.weighted(90, 10)[1:], self.LBS)
        assert (layer["live_color"], layer["weights"], layer["reasons"]) == ("green", {"green": 100}, [])

    def test_names_at_different_weights_are_half_done(self):
        layer = state.route53_layer(self.weighted(90, 10) + self.weighted(50, 50, name="shop.example.com."), self.LBS)
        assert layer["live_color"] is None
        assert layer["weights"] == {}
        assert "half done" in layer["reasons"][0]


class TestAsgLayer:
    def test_only_colour_with_capacity_is_live(self):
        layer = state.asg_layer(
            [group("b", "blue", tgs=[BLUE]), group("g", "green", desired=0, tgs=[GREEN])], TG_COLORS
        )
        assert layer["live_color"] == "blue"
        assert layer["groups"]["green"]["desired_capacity"] == 0
        assert layer["reasons"] == []

    def test_both_colours_running_is_undecided_but_fine(self):
        layer = state.asg_layer([group("b", "blue"), group("g", "green")], TG_COLORS)
        assert layer["live_color"] is None
        assert layer["reasons"] == []

    def test_attached_to_other_colour(self):
        layer = state.asg_layer([group("b", "blue", tgs=[GREEN])], TG_COLORS)
        assert layer["reasons"] == ["Auto Scaling group b is tagged blue but attached to the green target group"]

    def test_duplicate_and_untagged(self):
        layer = state.asg_layer([group("b1", "blue"), group("b2", "blue"), group("x", None)], TG_COLORS)
        assert len(layer["reasons"]) == 2

    def test_counts_in_service_instances(self):
        layer = state.asg_layer([group("b", "blue", desired=3, in_service=1)], TG_COLORS)
        assert layer["groups"]["blue"]["instances_in_service"] == 1


class TestSsmAndLock:
    def test_ssm_layer(self):
        assert state.ssm_layer({"Value": "green", "Version": 4})["live_color"] == "green"
        assert state.ssm_layer(None)["reasons"] == ["the live-colour parameter does not exist"]
        assert state.ssm_layer({"Value": "purple"})["live_color"] is None

    def test_lock(self):
        value = json.dumps({"owner": "awx-12", "operation": "switch", "started": "2026-11-22T10:00:00Z"})
        lock = state.parse_lock({"Value": value, "Version": 1})
        assert lock == {
            "owner": "awx-12",
            "operation": "switch",
            "started": "2026-11-22T10:00:00Z",
            "valid": True,
            "version": 1,
        }
        assert state.parse_lock(None) is None
        assert state.parse_lock({"Value": "not json", "Version": 2})["valid"] is False


class TestSummarize:
    def layers(self, alb="blue", ssm="blue", asg=None):
        layers = {
            "alb": {"live_color": alb, "reasons": []},
            "ssm": {"live_color": ssm, "reasons": []},
        }
        if asg is not None:
            layers["asg"] = asg
        return layers

    def test_agreeing_layers(self):
        summary = state.summarize(self.layers())
        assert summary == {
            "live_color": "blue",
            "idle_color": "green",
            "consistent": True,
            "source": "alb",
            "reasons": [],
        }

    def test_parameter_disagrees_with_listener(self):
        summary = state.summarize(self.layers(ssm="green"))
        assert summary["live_color"] == "blue"
        assert summary["consistent"] is False
        assert summary["reasons"] == ["ssm: says green is live but alb sends traffic to blue"]

    def test_listener_wins_over_route53(self):
        layers = self.layers()
        layers["route53"] = {"live_color": "green", "reasons": []}
        summary = state.summarize(layers)
        assert summary["source"] == "alb"
        assert summary["reasons"] == ["route53: says green is live but alb sends traffic to blue"]

    def test_route53_is_the_source_without_alb(self):
        layers = {"route53": {"live_color": "green", "reasons": []}, "ssm": {"live_color": "green", "reasons": []}}
        summary = state.summarize(layers)
        assert (summary["source"], summary["live_color"], summary["consistent"]) == ("route53", "green", True)

    def test_ssm_alone(self):
        summary = state.summarize({"ssm": {"live_color": "green", "reasons": []}})
        assert (summary["source"], summary["live_color"], summary["consistent"]) == ("ssm", "green", True)

    def test_live_colour_without_capacity(self):
        asg = state.asg_layer([group("b", "blue", desired=0), group("g", "green")], TG_COLORS)
        summary = state.summarize(self.layers(asg=asg))
        assert summary["consistent"] is False
        assert summary["reasons"] == ["asg: the live colour's Auto Scaling group b has no capacity"]

    def test_live_colour_without_group(self):
        asg = state.asg_layer([group("g", "green")], TG_COLORS)
        summary = state.summarize(self.layers(asg=asg))
        assert summary["reasons"] == ["asg: the live colour blue has no Auto Scaling group"]

    def test_layer_reasons_are_prefixed(self):
        layers = self.layers(alb=None)
        layers["alb"]["reasons"] = ["listener on port 80 sends no traffic to either colour"]
        summary = state.summarize(layers)
        assert summary["live_color"] is None
        assert summary["idle_color"] is None
        assert summary["consistent"] is False
        assert summary["reasons"] == ["alb: listener on port 80 sends no traffic to either colour"]

    def test_nothing_known(self):
        summary = state.summarize({"ssm": {"live_color": None, "reasons": []}})
        assert summary["reasons"] == ["ssm: cannot tell which colour is live"]


class TestHistory:
    def versions(self, *values):
        return [
            {"Version": number, "Value": value, "Description": f"v{number}"} for number, value in enumerate(values, 1)
        ]

    def test_newest_first_and_limited(self):
        entries = state.history_entries(self.versions(*["blue", "green"] * 8), limit=3)
        assert [entry["version"] for entry in entries] == [16, 15, 14]
        assert entries[0] == {"version": 16, "value": "green", "description": "v16", "last_modified": None}

    def test_previous_color(self):
        assert state.previous_color(state.history_entries(self.versions("blue", "green", "green"))) == "blue"
        assert state.previous_color(state.history_entries(self.versions("blue"))) is None
        assert state.previous_color([]) is None


# The EFS layer: the instances' web-root symlinks.


def test_efs_layer_agrees_when_every_instance_serves_one_colour():
    layer = state.efs_layer({"web1": "/mnt/efs/shop/green", "web2": "/mnt/efs/shop/green/"}, "/mnt/efs/shop")
    assert layer["live_color"] == "green"
    assert layer["weights"] == {"green": 100}
    assert layer["hosts"] == {"web1": "green", "web2": "green"}
    assert layer["reasons"] == []


def test_efs_layer_reports_a_half_done_switch_as_a_split():
    layer = state.efs_layer({"web1": "/efs/shop/blue", "web2": "/efs/shop/green", "web3": "/efs/shop/green"})
    assert layer["live_color"] is None
    assert layer["weights"] == {"blue": 33, "green": 67}
    assert "serve both colours (blue 33% / green 67%)" in layer["reasons"][0]


@pytest.mark.parametrize(
    "target, reason",
    [
        (None, "the web root on web2 is not a symlink"),
        ("/srv/www/green", "points at /srv/www/green, not a colour's directory in /efs/shop"),
        ("/efs/shop/2.4.1", "points at /efs/shop/2.4.1, not a colour's directory in /efs/shop"),
        ("/efs/shop/green/../blue", "not a colour's directory in /efs/shop"),
    ],
)
def test_efs_layer_names_an_instance_that_serves_no_colour(target, reason):
    layer = state.efs_layer({"web1": "/efs/shop/blue", "web2": target}, "/efs/shop")
    assert layer["live_color"] is None
    assert layer["hosts"]["web2"] is None
    assert any(reason in text for text in layer["reasons"]), layer["reasons"]


def test_efs_layer_without_instances_tells_nothing():
    layer = state.efs_layer({})
    assert layer["live_color"] is None and layer["reasons"] == ["no instance reported its web root"]


def test_summarize_trusts_the_symlinks_over_the_parameter_and_ignores_capacity():
    layers = {
        "efs": state.efs_layer({"web1": "/efs/shop/green"}),
        "ssm": {"live_color": "blue", "reasons": []},
        "asg": {"live_color": "blue", "groups": {"blue": {"name": "shop", "desired_capacity": 2}}, "reasons": []},
    }
    summary = state.summarize(layers)
    assert summary["source"] == "efs"
    assert summary["live_color"] == "green"
    assert summary["reasons"] == ["ssm: says blue is live but efs sends traffic to green"]


def test_summarize_an_efs_switch_that_agrees_is_consistent():
    layers = {"efs": state.efs_layer({"web1": "/efs/shop/green"}), "ssm": {"live_color": "green", "reasons": []}}
    summary = state.summarize(layers)
    assert summary["consistent"] and summary["idle_color"] == "blue"


def cd_group(name, color, *instance_ids):
    return {
        "AutoScalingGroupName": name,
        "tags": {"bluegreen:app": "shop", "bluegreen:color": color},
        "DesiredCapacity": len(instance_ids),
        "Instances": [{"InstanceId": item, "LifecycleState": "InService"} for item in instance_ids],
    }


def cd_target(instance_id, status="healthy"):
    return {"Target": {"Id": instance_id, "Port": 80}, "TargetHealth": {"State": status}}


CD_GROUPS = [cd_group("shop-blue", "blue", "i-b1", "i-b2"), cd_group("CodeDeploy_shop_d-1", "green", "i-g1", "i-g2")]


def test_health_counts_counts_only_healthy_targets_as_healthy_and_every_listed_one_in_the_total():
    health = [cd_target("i-1"), cd_target("i-2", "unhealthy"), cd_target("i-3", "draining"), cd_target("i-4")]
    assert state.health_counts(health) == {"healthy": 2, "total": 4}
    assert state.health_counts([]) == {"healthy": 0, "total": 0}


def test_codedeploy_layer_the_colour_of_the_registered_instances_is_live():
    layer = state.codedeploy_layer(
        "tg", [cd_target("i-g1"), cd_target("i-g2", "initial"), cd_target("i-b1", "draining")], CD_GROUPS
    )
    assert layer["live_color"] == "green" and layer["reasons"] == []
    assert layer["targets"] == {"blue": {"healthy": 0, "total": 0}, "green": {"healthy": 1, "total": 2}}
    assert layer["weights"] == {"blue": 0, "green": 100}


def test_codedeploy_layer_both_colours_registered_is_a_reroute_under_way():
    layer = state.codedeploy_layer("tg", [cd_target("i-g1"), cd_target("i-b1"), cd_target("i-b2")], CD_GROUPS)
    assert layer["live_color"] is None
    assert layer["weights"] == {"blue": 67, "green": 33}
    assert layer["reasons"] == [
        "target group tg holds instances of both colours (blue 2 / green 1): a CodeDeploy reroute is under way"
    ]


def test_codedeploy_layer_a_stranger_or_nothing_registered_is_named():
    stranger = state.codedeploy_layer("tg", [cd_target("i-b1"), cd_target("i-x")], CD_GROUPS)
    assert stranger["live_color"] is None
    assert stranger["reasons"] == ["target group tg holds i-x, which no Auto Scaling group of a colour runs"]
    empty = state.codedeploy_layer("tg", [], CD_GROUPS)
    assert empty["reasons"] == ["target group tg holds no instance of either colour"] and empty["weights"] == {}


def created(entry, minute):
    return dict(entry, CreatedTime=datetime.datetime(2026, 12, 7, 10, minute, tzinfo=datetime.timezone.utc))


# CodeDeploy's copy of shop-blue, made before the deployment gave it its colour: it still carries blue.
ORIGINAL = created(cd_group("shop-blue", "blue", "i-b1"), 0)
UNTAGGED_COPY = created(cd_group("CodeDeploy_shop_d-2", "blue", "i-g1"), 5)


def test_a_codedeploy_copy_with_its_originals_colour_is_the_other_colours_fleet_in_the_making():
    layer = state.asg_layer([UNTAGGED_COPY, ORIGINAL], {})
    assert layer["reasons"] == []
    assert layer["groups"]["blue"]["name"] == "shop-blue" and not layer["groups"]["blue"]["awaiting_color_tag"]
    assert layer["groups"]["green"]["name"] == "CodeDeploy_shop_d-2"
    assert layer["groups"]["green"]["awaiting_color_tag"]
    registered = state.codedeploy_layer("tg", [cd_target("i-b1")], [ORIGINAL, UNTAGGED_COPY])
    assert registered["live_color"] == "blue" and registered["targets"]["green"] == {"healthy": 0, "total": 0}


@pytest.mark.parametrize(
    "groups",
    [
        # Named as CodeDeploy names its copies, but older than the other group: not a copy of it.
        [created(cd_group("CodeDeploy_shop_d-1", "blue", "i-g1"), 0), created(cd_group("shop-blue", "blue"), 5)],
        # Not named as CodeDeploy names its copies.
        [ORIGINAL, created(cd_group("shop-blue-2", "blue"), 5)],
        # The other colour has a group already.
        [ORIGINAL, UNTAGGED_COPY, created(cd_group("shop-green", "green"), 1)],
        # No creation time to tell which came first.
        [cd_group("shop-blue", "blue"), cd_group("CodeDeploy_shop_d-2", "blue")],
    ],
    ids=["older", "not-codedeploys", "other-colour-taken", "no-creation-time"],
)
def test_two_groups_of_one_colour_stay_a_reason_unless_one_is_codedeploys_later_copy(groups):
    layer = state.asg_layer(groups, {})
    assert any("are both tagged blue" in reason for reason in layer["reasons"])
    assert not any(fleet["awaiting_color_tag"] for fleet in layer["groups"].values())


def test_summarize_trusts_the_codedeploy_layer_first():
    layers = {
        "codedeploy": state.codedeploy_layer("tg", [cd_target("i-g1")], CD_GROUPS),
        "ssm": {"live_color": "blue", "reasons": []},
        "asg": state.asg_layer(CD_GROUPS, {}),
    }
    summary = state.summarize(layers)
    assert (summary["live_color"], summary["source"], summary["consistent"]) == ("green", "codedeploy", False)
    assert summary["reasons"] == ["ssm: says blue is live but codedeploy sends traffic to green"]


class TestFlags:
    NOW = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.timezone.utc)
    COLORS = {
        "blue": {"target_group_arn": BLUE, "target_group_name": "shop-blue", "targets_healthy": 1, "targets_total": 2},
        "green": {
            "target_group_arn": GREEN,
            "target_group_name": "shop-green",
            "targets_healthy": 0,
            "targets_total": 0,
        },
    }

    def flags(self, live="blue", colors=None, lock=None, **options):
        return state.flags(live, colors or self.COLORS, lock, "/bluegreen/shop/lock", self.NOW, **options)

    def test_nothing_to_flag(self):
        assert self.flags() == []
        assert self.flags(live=None) == []

    def test_live_colour_below_the_minimum(self):
        assert self.flags(min_healthy_targets=2) == [
            "the live colour blue has 1 of 2 targets healthy in shop-blue, fewer than min_healthy_targets (2)"
        ]

    def test_live_colour_without_a_target_group_is_not_counted(self):
        colors = {"blue": {"target_group_arn": None, "targets_healthy": 0}, "green": {}}
        assert self.flags(colors=colors, min_healthy_targets=3) == []

    def test_a_lock_that_is_no_lock_document(self):
        (flag,) = self.flags(lock={"valid": False, "owner": None, "started": None})
        assert flag.startswith("/bluegreen/shop/lock holds something that is not a lock document")
        assert "bluegreen_force_unlock=true" in flag

    @pytest.mark.parametrize(
        "started, max_age, expected",
        [
            ("2026-12-04T11:00:01Z", 3600, None),
            ("2026-12-04T10:59:59Z", 3600, "is 1h 1s old, older than lock_max_age (1h)"),
            ("2026-11-22T10:00:00Z", 86400, "is 12d 2h old, older than lock_max_age (1d)"),
            ("2026-12-04T11:59:00Z", 30, "is 1m old, older than lock_max_age (30s)"),
            ("not a time", 30, None),
        ],
    )
    def test_a_lock_older_than_the_maximum_age(self, started, max_age, expected):
        lock = {"valid": True, "owner": "ci-7", "operation": "switch", "started": started}
        found = self.flags(lock=lock, lock_max_age=max_age)
        if expected is None:
            assert found == []
        else:
            assert found == [
                f"the lock of ci-7 (switch) {expected}: the run that took it may have died; if no run is in progress, "
                "the next one takes it over with bluegreen_force_unlock=true"
            ]


def test_each_alarm_s_state_in_the_order_asked_and_none_for_a_name_no_alarm_has():
    moment = datetime.datetime(2026, 12, 8, 1, 0, tzinfo=datetime.timezone.utc)
    described = [
        {"AlarmName": "demo-latency", "StateValue": "OK", "StateReason": "fine", "StateUpdatedTimestamp": moment},
        {"AlarmName": "demo-5xx", "StateValue": "ALARM", "StateReason": "Threshold Crossed", "AlarmRule": "x"},
    ]
    assert state.alarm_states(["demo-5xx", "demo-missing", "demo-latency"], described) == [
        {"name": "demo-5xx", "state": "ALARM", "reason": "Threshold Crossed", "updated": None},
        {"name": "demo-missing", "state": None, "reason": None, "updated": None},
        {"name": "demo-latency", "state": "OK", "reason": "fine", "updated": "2026-12-08T01:00:00+00:00"},
    ]
    assert state.alarm_states([], described) == []
