# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils import swap

BLUE = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-blue/1"
GREEN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-green/2"
OTHER = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/legacy/3"
ARNS = {"blue": BLUE, "green": GREEN}


def plain(arn):
    return [{"Type": "forward", "TargetGroupArn": arn}]


def weighted(*pairs, stickiness=None):
    config = {"TargetGroups": [{"TargetGroupArn": arn, "Weight": weight} for arn, weight in pairs]}
    if stickiness:
        config["TargetGroupStickinessConfig"] = stickiness
    return [{"Type": "forward", "ForwardConfig": config}]


class TestWeights:
    def test_full_switch(self):
        assert swap.wanted_weights("green", 100) == {"green": 100}

    def test_canary(self):
        assert swap.wanted_weights("green", 10) == {"green": 10, "blue": 90}

    @pytest.mark.parametrize("percent", [0, 101, -5])
    def test_out_of_range(self, percent):
        with pytest.raises(ValueError, match=f"traffic_percent {percent} is out of range"):
            swap.wanted_weights("green", percent)

    @pytest.mark.parametrize("percent, expected", [(100, "green"), (50, "green"), (49, "blue"), (10, "blue")])
    def test_production_color(self, percent, expected):
        assert swap.production_color("green", percent) == expected

    def test_current_live_color(self):
        assert swap.current_live_color({"blue": 90, "green": 10}) == "blue"
        assert swap.current_live_color({"blue": 50, "green": 50}) is None
        assert swap.current_live_color({}) is None

    def test_expected_color_holds_with_half_or_more(self):
        assert swap.expected_color_holds({"blue": 50, "green": 50}, "blue")
        assert swap.expected_color_holds({"blue": 100}, "blue")
        assert not swap.expected_color_holds({"blue": 10, "green": 90}, "blue")
        assert not swap.expected_color_holds({}, "blue")


class TestPlanListener:
    def test_switch_is_one_plain_forward(self):
        changed, after = swap.plan_listener(plain(BLUE), ARNS, {"green": 100})
        assert changed is True
        assert after == plain(GREEN)

    def test_already_there_changes_nothing(self):
        actions = plain(GREEN)
        assert swap.plan_listener(actions, ARNS, {"green": 100}) == (False, actions)

    def test_same_share_in_another_form_changes_nothing(self):
        actions = weighted((GREEN, 1))
        assert swap.plan_listener(actions, ARNS, {"green": 100})[0] is False
        assert swap.plan_listener(weighted((GREEN, 9), (BLUE, 1)), ARNS, {"green": 90, "blue": 10})[0] is False

    def test_canary_writes_a_weighted_forward(self):
        changed, after = swap.plan_listener(plain(BLUE), ARNS, {"green": 10, "blue": 90})
        assert changed is True
        assert after == weighted((BLUE, 90), (GREEN, 10))

    def test_keeps_other_actions_and_order(self):
        actions = [
            {"Type": "authenticate-cognito", "Order": 1, "AuthenticateCognitoConfig": {"UserPoolArn": "pool"}},
            {"Type": "forward", "Order": 2, "TargetGroupArn": BLUE},
        ]
        changed, after = swap.plan_listener(actions, ARNS, {"green": 100})
        assert changed is True
        assert after == [actions[0], {"Type": "forward", "Order": 2, "TargetGroupArn": GREEN}]

    def test_foreign_target_group_is_refused(self):
        with pytest.raises(ValueError, match=f"forwards to target group {OTHER}, which is neither"):
            swap.plan_listener(plain(OTHER), ARNS, {"green": 100})

    def test_foreign_target_group_at_zero_weight_is_ignored(self):
        changed, after = swap.plan_listener(weighted((BLUE, 1), (OTHER, 0)), ARNS, {"green": 100})
        assert (changed, after) == (True, plain(GREEN))

    def test_redirect_is_refused(self):
        with pytest.raises(ValueError, match=r"does not forward to a target group \(default action: redirect\)"):
            swap.plan_listener([{"Type": "redirect"}], ARNS, {"green": 100})


def sticky(seconds):
    return {"Enabled": True, "DurationSeconds": seconds}


# What AWS answers for a weighted forward without group stickiness: the config, disabled.
NOT_STICKY = {"Enabled": False}


def attributes(enabled, kind="lb_cookie", **durations):
    """A target group's attributes as DescribeTargetGroupAttributes lists them: every value a string."""
    found = {"stickiness.enabled": str(enabled).lower(), "stickiness.type": kind}
    found.update({f"stickiness.{key}.duration_seconds": str(value) for key, value in durations.items()})
    return found


class TestGroupStickiness:
    """The group stickiness of a weighted forward, from the option and the colours' target groups' attributes."""

    @pytest.mark.parametrize(
        "option, blue, green, expected",
        [
            pytest.param(None, attributes(False), attributes(False), None, id="off: neither option nor sticky group"),
            pytest.param(600, attributes(False), attributes(False), 600, id="the option alone"),
            pytest.param(600, attributes(True, lb_cookie=86400), attributes(False), 600, id="the option wins"),
            pytest.param(None, attributes(True, lb_cookie=900), attributes(False), 900, id="one sticky group"),
            pytest.param(
                None, attributes(True, lb_cookie=900), attributes(True, lb_cookie=1800), 1800, id="the longer of two"
            ),
            pytest.param(
                None,
                attributes(True, "app_cookie", app_cookie=1200, lb_cookie=86400),
                attributes(False, lb_cookie=604800),
                1200,
                id="the duration of the group's stickiness type; a group that is not sticky counts for nothing",
            ),
            pytest.param(None, attributes(True), attributes(False), 3600, id="sticky without a duration: an hour"),
            pytest.param(None, {}, {}, None, id="no attributes: not sticky"),
        ],
    )
    def test_decided_from_the_option_and_the_target_groups(self, option, blue, green, expected):
        assert swap.group_stickiness(option, {"blue": blue, "green": green}) == expected

    @pytest.mark.parametrize(
        "found, expected",
        [
            (attributes(False, lb_cookie=86400), None),
            (attributes(True, lb_cookie=86400), 86400),
            ({"stickiness.enabled": "TRUE", "stickiness.lb_cookie.duration_seconds": "60"}, 60),
            (attributes(True, "app_cookie", lb_cookie=60), 0),
            ({"stickiness.enabled": "true", "stickiness.lb_cookie.duration_seconds": "soon"}, 0),
        ],
    )
    def test_target_stickiness(self, found, expected):
        assert swap.target_stickiness(found) == expected


class TestStickyListener:
    """plan_listener with a group stickiness: every weighted forward carries it, a forward to one colour none, and a
    second run with the same inputs changes nothing."""

    @pytest.mark.parametrize(
        "actions, weights, stickiness, after",
        [
            pytest.param(plain(BLUE), {"green": 10, "blue": 90}, None, weighted((BLUE, 90), (GREEN, 10)), id="off"),
            pytest.param(
                plain(BLUE),
                {"green": 10, "blue": 90},
                600,
                weighted((BLUE, 90), (GREEN, 10), stickiness=sticky(600)),
                id="on, from the option or the target groups",
            ),
            pytest.param(
                weighted((BLUE, 90), (GREEN, 10), stickiness=sticky(600)),
                {"green": 50, "blue": 50},
                600,
                weighted((BLUE, 50), (GREEN, 50), stickiness=sticky(600)),
                id="the next weighted step carries it too",
            ),
            pytest.param(
                weighted((BLUE, 50), (GREEN, 50), stickiness=sticky(600)),
                {"green": 100},
                None,
                plain(GREEN),
                id="100% removes it",
            ),
            pytest.param(
                weighted((BLUE, 50), (GREEN, 50), stickiness=sticky(600)),
                {"green": 100},
                600,
                plain(GREEN),
                id="100% removes it, whatever the option says",
            ),
            pytest.param(
                weighted((BLUE, 90), (GREEN, 10), stickiness=sticky(600)),
                {"green": 10, "blue": 90},
                1800,
                weighted((BLUE, 90), (GREEN, 10), stickiness=sticky(1800)),
                id="another duration: same shares, changed",
            ),
            pytest.param(
                weighted((BLUE, 90), (GREEN, 10), stickiness=sticky(600)),
                {"green": 10, "blue": 90},
                None,
                weighted((BLUE, 90), (GREEN, 10)),
                id="no longer asked for: removed, not kept from the listener",
            ),
            pytest.param(
                weighted((GREEN, 1), stickiness=sticky(600)),
                {"green": 100},
                None,
                plain(GREEN),
                id="a forward to one colour with stickiness loses it",
            ),
        ],
    )
    def test_the_change(self, actions, weights, stickiness, after):
        assert swap.plan_listener(actions, ARNS, weights, stickiness) == (True, after)

    @pytest.mark.parametrize(
        "actions, weights, stickiness",
        [
            pytest.param(weighted((BLUE, 90), (GREEN, 10)), {"green": 10, "blue": 90}, None, id="off"),
            pytest.param(
                weighted((BLUE, 90), (GREEN, 10), stickiness=NOT_STICKY),
                {"green": 10, "blue": 90},
                None,
                id="off, as AWS answers it",
            ),
            pytest.param(
                weighted((BLUE, 90), (GREEN, 10), stickiness=sticky(600)),
                {"green": 10, "blue": 90},
                600,
                id="on",
            ),
            pytest.param(plain(GREEN), {"green": 100}, 600, id="100%, with the option given"),
            pytest.param(weighted((GREEN, 1), stickiness=NOT_STICKY), {"green": 100}, None, id="100%, as AWS answers"),
        ],
    )
    def test_a_second_run_with_the_same_inputs_changes_nothing(self, actions, weights, stickiness):
        assert swap.plan_listener(actions, ARNS, weights, stickiness) == (False, actions)

    @pytest.mark.parametrize("stickiness", [None, 600])
    def test_what_it_writes_is_what_it_plans_again_as_done(self, stickiness):
        """Idempotence over the plan's own output: a second run plans no change."""
        for weights in ({"green": 10, "blue": 90}, {"green": 50, "blue": 50}, {"green": 100}):
            after = swap.plan_listener(plain(BLUE), ARNS, weights, stickiness)[1]
            assert swap.plan_listener(after, ARNS, weights, stickiness) == (False, after)

    def test_the_forward_s_stickiness_read_back(self):
        assert swap.forward_stickiness(weighted((BLUE, 90), (GREEN, 10), stickiness=sticky(600))) == 600
        assert swap.forward_stickiness(weighted((BLUE, 90), (GREEN, 10), stickiness=NOT_STICKY)) is None
        assert swap.forward_stickiness(plain(BLUE)) is None
        assert swap.forward_stickiness([{"Type": "redirect"}]) is None

    def test_rules_get_the_same_stickiness(self):
        rules = [{"RuleArn": "api", "IsDefault": False, "Actions": plain(BLUE)}]
        changes, _skipped = swap.plan_rules(rules, ARNS, {"green": 10, "blue": 90}, 600)
        assert changes == [
            {
                "rule_arn": "api",
                "before": plain(BLUE),
                "after": weighted((BLUE, 90), (GREEN, 10), stickiness=sticky(600)),
            }
        ]


class TestPlanRules:
    def rule(self, arn, actions, default=False):
        return {"RuleArn": arn, "IsDefault": default, "Actions": actions}

    def test_moves_colour_rules_and_skips_mixed_ones(self):
        rules = [
            self.rule("default", plain(BLUE), default=True),
            self.rule("api", plain(BLUE)),
            self.rule("static", plain(OTHER)),
            self.rule("mixed", weighted((BLUE, 1), (OTHER, 1))),
            self.rule("fixed", [{"Type": "fixed-response"}]),
            self.rule("done", plain(GREEN)),
        ]
        changes, skipped = swap.plan_rules(rules, ARNS, {"green": 100})
        assert changes == [{"rule_arn": "api", "before": plain(BLUE), "after": plain(GREEN)}]
        assert [item["rule_arn"] for item in skipped] == ["mixed"]
        assert OTHER in skipped[0]["reason"]


def test_production_tags():
    assert swap.production_tags(ARNS, "green") == {BLUE: "false", GREEN: "true"}


@pytest.mark.parametrize(
    "answered, wanted, differs",
    [
        ({"green": 100}, {"green": 100, "blue": 0}, False),
        ({"green": 10, "blue": 90}, {"green": 10, "blue": 90}, False),
        ({"blue": 100}, {"green": 100, "blue": 0}, True),
        ({"green": 20, "blue": 80}, {"green": 10, "blue": 90}, True),
        ({}, {"green": 100}, True),
        (None, {"green": 100}, True),
    ],
)
def test_answer_differs_compares_the_shares_that_carry_traffic(answered, wanted, differs):
    assert swap.answer_differs(answered, wanted) is differs


def test_describe_shares_names_each_colour_in_order():
    assert swap.describe_shares({"green": 10, "blue": 90}) == "blue 90%, green 10%"
    assert swap.describe_shares({}) == "no colour"


class TestStayingTargets:
    def test_draining_targets_are_leaving(self):
        assert swap.staying_targets(["draining", "unhealthy.draining"]) == 0

    def test_failing_and_new_targets_stay(self):
        assert swap.staying_targets(["unhealthy", "initial", "healthy", "unused", "draining"]) == 4

    def test_no_target(self):
        assert swap.staying_targets([]) == 0


class TestBringIntoUse:
    def test_targets_all_unused_are_not_in_use(self):
        assert swap.not_in_use(["unused", "unused"])
        assert not swap.not_in_use(["unused", "initial"])
        assert not swap.not_in_use([])

    def test_a_plain_forward_gets_the_target_group_at_weight_zero(self):
        after = swap.bring_into_use(plain(GREEN), BLUE)
        assert after == weighted((GREEN, 1), (BLUE, 0))
        assert swap.color_weights(after, {BLUE: "blue", GREEN: "green"}) == {"green": 100}

    def test_the_forward_to_two_target_groups_gets_the_stickiness_given(self):
        assert swap.bring_into_use(plain(GREEN), BLUE, 600) == weighted((GREEN, 1), (BLUE, 0), stickiness=sticky(600))

    def test_weights_stickiness_and_other_actions_are_kept(self):
        stickiness = {"Enabled": True, "DurationSeconds": 300}
        auth = {"Type": "authenticate-oidc", "Order": 1, "AuthenticateOidcConfig": {"Issuer": "https://id.example"}}
        actions = [auth, dict(weighted((GREEN, 90), (OTHER, 10), stickiness=stickiness)[0], Order=2)]
        after = swap.bring_into_use(actions, BLUE)
        assert after[0] == auth
        assert after[1]["Order"] == 2
        assert after[1]["ForwardConfig"] == {
            "TargetGroups": [
                {"TargetGroupArn": GREEN, "Weight": 90},
                {"TargetGroupArn": OTHER, "Weight": 10},
                {"TargetGroupArn": BLUE, "Weight": 0},
            ],
            "TargetGroupStickinessConfig": stickiness,
        }

    def test_the_health_checks_settle_in_one_interval_more_than_the_healthy_threshold(self):
        assert swap.settle_seconds({"HealthCheckIntervalSeconds": 10, "HealthyThresholdCount": 3}) == 40
        assert swap.settle_seconds({}) == 180

    def test_a_target_group_already_forwarded_to_is_not_added_again(self):
        assert swap.bring_into_use(weighted((GREEN, 1), (BLUE, 0)), BLUE) == weighted((GREEN, 1), (BLUE, 0))
