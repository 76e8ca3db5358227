# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A module's failure in the words of the role that called it."""

from __future__ import annotations

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils.vocabulary import failure_messages
from ansible_collections.teal.bluegreen.plugins.module_utils.vocabulary import in_role_terms

TERMS = {
    "health_wait_timeout": "bluegreen_health_wait_timeout",
    "min_healthy_targets": "bluegreen_min_healthy_targets",
    "wait_timeout": "bluegreen_wait_timeout",
    "teal.bluegreen.state_info": "the teal.bluegreen.status playbook",
}
GUARD = (
    "target group 'demo-green' (green) has 1 of 2 targets healthy, fewer than min_healthy_targets=2; not switching "
    "(wait longer with health_wait_timeout, or see teal.bluegreen.state_info)"
)


@pytest.mark.parametrize(
    "message, expected",
    [
        pytest.param(
            GUARD,
            "target group 'demo-green' (green) has 1 of 2 targets healthy, fewer than bluegreen_min_healthy_targets=2; "
            "not switching (wait longer with bluegreen_health_wait_timeout, or see the teal.bluegreen.status playbook)",
            id="the-health-guard",
        ),
        pytest.param(
            "raise wait_timeout (now 900)", "raise bluegreen_wait_timeout (now 900)", id="a-shorter-option-on-its-own"
        ),
        pytest.param(
            "bluegreen_wait_timeout 0 is out of range",
            "bluegreen_wait_timeout 0 is out of range",
            id="already-a-variable",
        ),
        pytest.param("see module.wait_timeout", "see module.wait_timeout", id="after-a-dot"),
        pytest.param("my_wait_timeouts", "my_wait_timeouts", id="inside-a-longer-word"),
        pytest.param("nothing to change", "nothing to change", id="no-option"),
    ],
)
def test_options_become_the_role_s_variables_where_they_stand_alone(message, expected):
    assert in_role_terms(message, TERMS) == expected


def test_without_terms_the_message_stays_as_it_is():
    assert in_role_terms(GUARD, None) == GUARD


@pytest.mark.parametrize(
    "result, expected",
    [
        pytest.param({"msg": "raise wait_timeout"}, ["raise bluegreen_wait_timeout"], id="a-task"),
        pytest.param(
            {
                "msg": "One or more items failed",
                "results": [
                    {"failed": False, "msg": "ok"},
                    {"failed": True, "msg": "https://a/ answered 500"},
                    {"failed": True},
                ],
            },
            ["https://a/ answered 500", "failed"],
            id="the-failed-items-of-a-loop",
        ),
        pytest.param({"results": [{"failed": False}]}, ["failed"], id="a-loop-without-failed-items"),
        pytest.param(None, ["failed"], id="nothing-known"),
        pytest.param(
            {
                "failed": True,
                "msg": "Task failed: Action failed: Unknown error.",
                "verdict": "fail",
                "reasons": ["alarm demo-5xx is in ALARM", "error rate 0.05 > 0.01"],
            },
            ["alarm demo-5xx is in ALARM; error rate 0.05 > 0.01"],
            id="a-verdict-failed-by-failed_when-says-its-reasons",
        ),
    ],
)
def test_the_messages_of_a_failed_task(result, expected):
    assert failure_messages(result, TERMS) == expected
