# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils import lock
from ansible_collections.teal.bluegreen.plugins.module_utils import state

NAME = "/bluegreen/shop/lock"
STARTED = "2026-11-22T10:04:00Z"


def held(owner="ci-7", operation="deploy", version=1):
    """A holder as state.parse_lock reads it from the parameter the module writes."""
    value = lock.document(owner, operation, STARTED)
    return state.parse_lock({"Value": value, "Version": version})


UNREADABLE = state.parse_lock({"Value": "locked by bob", "Version": 4})


class TestDocument:
    def test_round_trips_through_parse_lock(self):
        assert held() == {"owner": "ci-7", "operation": "deploy", "started": STARTED, "valid": True, "version": 1}
        assert held() == lock.holder("ci-7", "deploy", STARTED, 1)

    def test_is_json_with_exactly_the_three_fields(self):
        assert json.loads(lock.document("a", "switch", STARTED)) == {
            "owner": "a",
            "operation": "switch",
            "started": STARTED,
        }

    def test_timestamp_is_utc_with_z(self):
        paris = timezone(timedelta(hours=1))
        assert lock.timestamp(datetime(2026, 11, 22, 11, 4, 0, 987, tzinfo=paris)) == STARTED
        assert lock.timestamp(datetime(2026, 11, 22, 10, 4, tzinfo=timezone.utc)) == STARTED


class TestAcquire:
    def test_free_lock_is_created(self):
        assert lock.plan_lock(None, "ci-7", "deploy", "present", force=False) == lock.CREATE
        assert lock.plan_lock(None, "ci-7", "deploy", "present", force=True) == lock.CREATE

    def test_own_lock_is_kept(self):
        assert lock.plan_lock(held(), "ci-7", "deploy", "present", force=False) == lock.KEEP

    def test_force_never_rewrites_own_lock(self):
        assert lock.plan_lock(held(), "ci-7", "deploy", "present", force=True) == lock.KEEP

    @pytest.mark.parametrize(
        "current",
        [held(owner="ci-8"), held(operation="switch"), UNREADABLE, state.parse_lock({"Value": "{}", "Version": 2})],
        ids=["other owner", "same owner, other operation", "unreadable", "no owner"],
    )
    def test_anybody_elses_lock_is_refused_unless_forced(self, current):
        assert lock.plan_lock(current, "ci-7", "deploy", "present", force=False) == lock.REFUSE
        assert lock.plan_lock(current, "ci-7", "deploy", "present", force=True) == lock.TAKE_OVER


class TestRelease:
    def test_no_lock_is_nothing_to_do(self):
        assert lock.plan_lock(None, "ci-7", None, "absent", force=False) == lock.KEEP
        assert lock.plan_lock(None, "ci-7", None, "absent", force=True) == lock.KEEP

    def test_own_lock_is_deleted_whatever_its_operation(self):
        assert lock.plan_lock(held(operation="switch"), "ci-7", None, "absent", force=False) == lock.DELETE

    @pytest.mark.parametrize("current", [held(owner="ci-8"), UNREADABLE], ids=["other owner", "unreadable"])
    def test_anybody_elses_lock_is_refused_unless_forced(self, current):
        assert lock.plan_lock(current, "ci-7", None, "absent", force=False) == lock.REFUSE
        assert lock.plan_lock(current, "ci-7", None, "absent", force=True) == lock.DELETE


def test_unknown_state_is_an_error():
    with pytest.raises(ValueError, match="'locked'"):
        lock.plan_lock(None, "ci-7", "deploy", "locked", force=False)


class TestPredict:
    def test_create_is_version_one(self):
        assert lock.predict(lock.CREATE, None, "ci-7", "deploy", STARTED) == held()

    def test_take_over_is_the_next_version(self):
        after = lock.predict(lock.TAKE_OVER, held(owner="ci-8", version=3), "ci-7", "deploy", STARTED)
        assert after == held(version=4)
        assert lock.predict(lock.TAKE_OVER, UNREADABLE, "ci-7", "deploy", STARTED)["version"] == 5

    def test_keep_leaves_the_holder_and_delete_removes_it(self):
        current = held(owner="ci-7", version=2)
        assert lock.predict(lock.KEEP, current, "ci-7", "deploy", "2030-01-01T00:00:00Z") is current
        assert lock.predict(lock.KEEP, None, "ci-7", None, STARTED) is None
        assert lock.predict(lock.DELETE, current, "ci-7", None, STARTED) is None


class TestRefusal:
    def test_acquire_names_holder_operation_time_and_the_way_out(self):
        message = lock.refusal(NAME, held(owner="ci-8", operation="switch"), "ci-7", "deploy", "present")
        assert message == (
            "deployment lock /bluegreen/shop/lock is held by 'ci-8' for 'switch' since 2026-11-22T10:04:00Z, "
            "not by 'ci-7' for 'deploy'; nothing changed. Wait for that run to finish, "
            "or set force: true (bluegreen_force_unlock) if that run is dead"
        )

    def test_release_says_nothing_was_released(self):
        message = lock.refusal(NAME, held(owner="ci-8"), "ci-7", None, "absent")
        assert message.startswith("deployment lock /bluegreen/shop/lock is held by 'ci-8' for 'deploy' since ")
        assert "not by 'ci-7'; nothing released. Let that run release it, or set force: true" in message

    def test_unreadable_lock_is_described_as_such(self):
        message = lock.refusal(NAME, UNREADABLE, "ci-7", "deploy", "present")
        assert "held by something that is not a teal.bluegreen lock document (version 4)" in message

    def test_missing_fields_read_as_words(self):
        assert lock.describe(state.parse_lock({"Value": "{}", "Version": 1})) == (
            "an unnamed owner for an unnamed operation since an unknown time"
        )


class TestRecordsToWrite:
    RECORD = {"name": "live", "value": "green", "description": "switch 7: green"}

    def test_a_new_value_is_written(self):
        assert lock.records_to_write({"live": "blue"}, [self.RECORD]) == [self.RECORD]

    def test_a_missing_parameter_is_written(self):
        assert lock.records_to_write({"live": None}, [self.RECORD]) == [self.RECORD]

    def test_the_stored_value_is_not_written_again_whatever_the_description(self):
        assert lock.records_to_write({"live": "green"}, [dict(self.RECORD, description="another run")]) == []

    def test_a_record_that_says_always_is_written_even_when_the_value_is_stored(self):
        failed = dict(self.RECORD, value="blue", description="switch 8 failed: back to blue: ...", always=True)
        assert lock.records_to_write({"live": "blue"}, [failed]) == [failed]
        assert lock.records_to_write({"live": "blue"}, [dict(failed, always=False)]) == []

    def test_only_the_records_that_differ_are_written(self):
        other = {"name": "deployment", "value": "{}", "description": ""}
        assert lock.records_to_write({"live": "green", "deployment": '{"id": 1}'}, [self.RECORD, other]) == [other]
