# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The webhooks' checks, the payload, the redaction of secrets, the verdict on the gating hooks and the SNS message
(plugins/module_utils/notify.py), from plain data."""

from __future__ import annotations

import json

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils import notify

MASK = notify.MASK
# Secrets a hook may hold: none of them may appear in any message or result.
PASSWORD = "pw-canary-1"
TOKEN = "token-canary-2"
HEADER = "header-canary-3"
SECRETS = (PASSWORD, TOKEN, HEADER)
HOOK = "https://hooks.example.com/release"
SECRET_HOOK = f"https://bot:{PASSWORD}@hooks.example.com/release?key={TOKEN}"
SHOWN_SECRET_HOOK = f"https://{MASK}@hooks.example.com/release?{MASK}"
EVENT = {
    "app": "demo",
    "phase": "step",
    "from_color": "blue",
    "to_color": "green",
    "step": 25,
    "step_index": 2,
    "steps": 4,
    "deployment_id": "demo-7",
    "verdict": "pass",
    "reasons": [],
    "timestamp": "2026-11-22T10:19:00Z",
}


def assert_no_secret(text):
    assert not [secret for secret in SECRETS if secret in text], text


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (HOOK, HOOK),
        (f"https://bot:{PASSWORD}@hooks.example.com/r", f"https://{MASK}@hooks.example.com/r"),
        (f"https://{PASSWORD}@hooks.example.com/r", f"https://{MASK}@hooks.example.com/r"),
        (f"https://hooks.example.com/r?key={TOKEN}", f"https://hooks.example.com/r?{MASK}"),
        (f"https://hooks.example.com/r#{TOKEN}", f"https://hooks.example.com/r#{MASK}"),
        (f"https://a:{PASSWORD}@h:8443/r?k={TOKEN}#{TOKEN}", f"https://{MASK}@h:8443/r?{MASK}#{MASK}"),
        (f"https://a:{PASSWORD}@h?k={TOKEN}", f"https://{MASK}@h?{MASK}"),
        (f"https://[::1]:8080/r?{TOKEN}", f"https://[::1]:8080/r?{MASK}"),
        ("https://hooks.example.com/r?", "https://hooks.example.com/r"),
        ("http://hooks.example.com/a@b", "http://hooks.example.com/a@b"),
        # Mistyped, without "//": what stands before the first "/" is taken as the authority all the same.
        (f"bot:{PASSWORD}@hooks.example.com/r", f"{MASK}@hooks.example.com/r"),
        (f"ftp://bot:{PASSWORD}@files.example.com/x", f"ftp://{MASK}@files.example.com/x"),
        ("", ""),
    ],
)
def test_redact_url_masks_the_userinfo_the_query_and_the_fragment(url, shown):
    assert notify.redact_url(url) == shown


@pytest.mark.parametrize(
    ("url", "secrets"),
    [
        (HOOK, []),
        (SECRET_HOOK, [f"bot:{PASSWORD}", f"key={TOKEN}"]),
        (f"https://h/r#{TOKEN}", [TOKEN]),
    ],
)
def test_url_secrets_are_the_parts_redact_url_masks(url, secrets):
    assert notify.url_secrets(url) == secrets


def test_redact_masks_the_headers_values_and_the_url_and_leaves_the_hook_alone():
    hook = {"url": SECRET_HOOK, "headers": {"X-Token": HEADER}, "method": "PUT", "gating": True}
    shown = notify.redact(hook)
    assert shown == {"url": SHOWN_SECRET_HOOK, "headers": {"X-Token": MASK}, "method": "PUT", "gating": True}
    assert hook["headers"] == {"X-Token": HEADER} and hook["url"] == SECRET_HOOK
    assert_no_secret(json.dumps(shown))


def test_scrub_masks_every_secret_of_the_hook_in_a_text():
    hook = {"url": SECRET_HOOK, "headers": {"X-Token": HEADER}}
    text = f"could not reach {SECRET_HOOK} with {HEADER}"
    assert notify.scrub(text, hook) == f"could not reach {SHOWN_SECRET_HOOK} with {MASK}"


# (title, webhooks, the problems)
PROBLEMS = [
    ("a hook with a URL only", [{"url": HOOK}], []),
    (
        "a hook with every key",
        [
            {
                "url": SECRET_HOOK,
                "phases": ["step", "rollback"],
                "method": "PUT",
                "headers": {"X-Token": HEADER},
                "timeout": 300,
                "retries": 10,
                "retry_delay": 0,
                "expected_status": [200, 299],
                "gating": True,
            }
        ],
        [],
    ),
    (
        "keys Ansible hands over unset",
        [{"url": HOOK, "phases": None, "method": None, "headers": None, "timeout": None, "gating": None}],
        [],
    ),
    ("no list", {"url": HOOK}, ["webhooks is a dict; give a list of hooks"]),
    ("no dict", ["https://x"], ["webhooks[0] is a str, not a hook; give a dict with at least url"]),
    (
        "an unknown key",
        [{"url": HOOK, "retry": 3}],
        [
            f"webhooks[0] ({HOOK}): unknown key 'retry'; a hook takes url, phases, method, headers, timeout, retries, "
            "retry_delay, expected_status, gating"
        ],
    ),
    (
        "unknown keys",
        [{"url": HOOK, "token": TOKEN, "body": "{}"}],
        [
            f"webhooks[0] ({HOOK}): unknown keys 'body', 'token'; a hook takes url, phases, method, headers, timeout, "
            "retries, retry_delay, expected_status, gating"
        ],
    ),
    ("no url", [{"gating": True}], ["webhooks[0]: no url; give the http:// or https:// address the hook listens on"]),
    (
        "another scheme",
        [{"url": f"ftp://bot:{PASSWORD}@files.example.com/x?{TOKEN}"}],
        [
            f"webhooks[0] (ftp://{MASK}@files.example.com/x?{MASK}): url is not an http:// or https:// address with a "
            "host; give one such as https://hooks.example.com/release"
        ],
    ),
    (
        "no host",
        [{"url": "https:///release"}],
        [
            "webhooks[0] (https:///release): url is not an http:// or https:// address with a host; give one such as "
            "https://hooks.example.com/release"
        ],
    ),
    (
        "no scheme",
        [{"url": f"bot:{PASSWORD}@hooks.example.com/r"}],
        [
            f"webhooks[0] ({MASK}@hooks.example.com/r): url is not an http:// or https:// address with a host; give "
            "one such as https://hooks.example.com/release"
        ],
    ),
    (
        "a port out of range",
        [{"url": "https://hooks.example.com:99999/r"}],
        [
            "webhooks[0] (https://hooks.example.com:99999/r): url is not an http:// or https:// address with a host; "
            "give one such as https://hooks.example.com/release"
        ],
    ),
    (
        "a space",
        [{"url": "https://hooks.example.com/new release"}],
        [
            "webhooks[0] (https://hooks.example.com/new release): url holds a space or a control character; give the "
            "address on one line, its spaces encoded as %20"
        ],
    ),
    (
        "an unknown phase",
        [{"url": HOOK, "phases": ["step", "deploy"]}],
        [f"webhooks[0] ({HOOK}): phases has 'deploy'; use pre-switch, step, post-switch, rollback"],
    ),
    (
        "no phase",
        [{"url": HOOK, "phases": []}],
        [f"webhooks[0] ({HOOK}): phases is empty, so the hook would never be called; leave it out for all of them"],
    ),
    (
        "phases as a string",
        [{"url": HOOK, "phases": "step"}],
        [
            f"webhooks[0] ({HOOK}): phases 'step' is not a list; give some of pre-switch, step, post-switch, rollback, "
            "or leave it out for all of them"
        ],
    ),
    (
        "method GET",
        [{"url": HOOK, "method": "GET"}],
        [f"webhooks[0] ({HOOK}): method 'GET' is not one a hook takes; use POST or PUT"],
    ),
    (
        "headers as a list",
        [{"url": HOOK, "headers": [HEADER]}],
        [f"webhooks[0] ({HOOK}): headers is not a dict; give each header's name and its value"],
    ),
    (
        "a header name with a space",
        [{"url": HOOK, "headers": {"X Token": HEADER}}],
        [f"webhooks[0] ({HOOK}): header name 'X Token' is not an HTTP header name; use letters, digits and '-'"],
    ),
    (
        "a header value that is a number",
        [{"url": HOOK, "headers": {"X-Tenant": 42}}],
        [f"webhooks[0] ({HOOK}): header 'X-Tenant' is not a string; quote its value"],
    ),
    (
        "a header value with a line break",
        [{"url": HOOK, "headers": {"X-Token": f"{HEADER}\r\nX-Admin: yes"}}],
        [f"webhooks[0] ({HOOK}): header 'X-Token' holds a line break; give its value on one line"],
    ),
    (
        "credentials twice",
        [{"url": SECRET_HOOK, "headers": {"authorization": HEADER}}],
        [
            f"webhooks[0] ({SHOWN_SECRET_HOOK}): url holds credentials (user:password@) and headers an Authorization; "
            "give only one of them"
        ],
    ),
    (
        "timeout 0",
        [{"url": HOOK, "timeout": 0}],
        [f"webhooks[0] ({HOOK}): timeout 0 is out of range; use 1 to 300"],
    ),
    (
        "timeout 301",
        [{"url": HOOK, "timeout": 301}],
        [f"webhooks[0] ({HOOK}): timeout 301 is out of range; use 1 to 300"],
    ),
    (
        "timeout in words",
        [{"url": HOOK, "timeout": "ten"}],
        [f"webhooks[0] ({HOOK}): timeout 'ten' is not a whole number; use 1 to 300"],
    ),
    (
        "retries true",
        [{"url": HOOK, "retries": True}],
        [f"webhooks[0] ({HOOK}): retries True is not a whole number; use 0 to 10"],
    ),
    (
        "retries -1 and 11",
        [{"url": HOOK, "retries": -1}, {"url": HOOK, "retries": 11}],
        [
            f"webhooks[0] ({HOOK}): retries -1 is out of range; use 0 to 10",
            f"webhooks[1] ({HOOK}): retries 11 is out of range; use 0 to 10",
        ],
    ),
    (
        "retry_delay 301",
        [{"url": HOOK, "retry_delay": 301}],
        [f"webhooks[0] ({HOOK}): retry_delay 301 is out of range; use 0 to 300"],
    ),
    (
        "no expected status",
        [{"url": HOOK, "expected_status": []}],
        [
            f"webhooks[0] ({HOOK}): expected_status [] is not a list of HTTP statuses; leave it out for 200, 201, 202 "
            "and 204"
        ],
    ),
    (
        "expected statuses that are none",
        [{"url": HOOK, "expected_status": [200, 700, "204", 99]}],
        [f"webhooks[0] ({HOOK}): expected_status holds '204', 700, 99; use HTTP statuses, 100 to 599"],
    ),
    (
        "gating in words",
        [{"url": HOOK, "gating": "yes"}],
        [f"webhooks[0] ({HOOK}): gating 'yes' is not true or false"],
    ),
    (
        "the second hook named by its index, every problem of a hook told",
        [{"url": HOOK}, {"url": SECRET_HOOK, "timeout": 0, "method": "GET"}],
        [
            f"webhooks[1] ({SHOWN_SECRET_HOOK}): method 'GET' is not one a hook takes; use POST or PUT",
            f"webhooks[1] ({SHOWN_SECRET_HOOK}): timeout 0 is out of range; use 1 to 300",
        ],
    ),
]


@pytest.mark.parametrize(("webhooks", "problems"), [case[1:] for case in PROBLEMS], ids=[case[0] for case in PROBLEMS])
def test_check_hooks_names_the_hook_what_is_wrong_and_the_fix_and_no_secret(webhooks, problems):
    found = notify.check_hooks(webhooks)
    assert found == problems
    assert_no_secret(" ".join(found))


def test_with_defaults_fills_what_a_hook_leaves_out_or_leaves_unset():
    assert notify.with_defaults({"url": HOOK, "timeout": None, "gating": True}) == {
        "url": HOOK,
        "phases": ["pre-switch", "step", "post-switch", "rollback"],
        "method": "POST",
        "headers": {},
        "timeout": 10,
        "retries": 2,
        "retry_delay": 2,
        "expected_status": [200, 201, 202, 204],
        "gating": True,
    }


def test_hooks_for_a_phase_are_those_called_at_it_with_their_index_and_defaults():
    webhooks = [
        {"url": "https://a.example.com/"},
        {"url": "https://b.example.com/", "phases": ["rollback"]},
        {"url": "https://c.example.com/", "phases": ["step", "rollback"], "gating": True},
    ]
    assert [(hook["index"], hook["url"]) for hook in notify.hooks_for(webhooks, "step")] == [
        (0, "https://a.example.com/"),
        (2, "https://c.example.com/"),
    ]
    assert [hook["index"] for hook in notify.hooks_for(webhooks, "rollback")] == [0, 1, 2]
    assert notify.hooks_for(webhooks, "pre-switch")[0]["retries"] == 2
    assert notify.hooks_for([], "post-switch") == []
    with pytest.raises(ValueError, match="phase 'deploy' is not a phase of a switch; use pre-switch, step"):
        notify.hooks_for(webhooks, "deploy")


def test_payload_carries_exactly_the_event_s_fields():
    assert notify.payload(dict(EVENT, extra="left out")) == EVENT
    assert json.loads(notify.encode(EVENT)) == EVENT


def test_payload_of_a_sparse_event_has_nulls_and_no_reasons():
    event = {"app": "demo", "phase": "pre-switch", "from_color": "blue", "to_color": "green", "reasons": None}
    assert notify.payload(dict(event, timestamp="2026-11-22T10:00:00Z")) == {
        "app": "demo",
        "phase": "pre-switch",
        "from_color": "blue",
        "to_color": "green",
        "step": None,
        "step_index": None,
        "steps": None,
        "deployment_id": None,
        "verdict": None,
        "reasons": [],
        "timestamp": "2026-11-22T10:00:00Z",
    }


@pytest.mark.parametrize("phase", [None, "deploy", "Step"])
def test_payload_refuses_a_phase_that_is_not_one(phase):
    with pytest.raises(ValueError, match="is not a phase of a switch; use pre-switch, step, post-switch, rollback"):
        notify.payload(dict(EVENT, phase=phase))


@pytest.mark.parametrize(
    ("event", "problems"),
    [
        (EVENT, []),
        (
            dict(EVENT, step_index=5),
            ["event.step_index 5 is past event.steps 4; count the steps from 1 to steps"],
        ),
        (dict(EVENT, verdict="ok"), ["event.verdict 'ok' is not a verdict; use pass, fail, inconclusive"]),
        (dict(EVENT, step_index=None, verdict=None), []),
    ],
)
def test_check_event(event, problems):
    assert notify.check_event(event) == problems


@pytest.mark.parametrize(
    ("topic_arn", "problems"),
    [
        (None, []),
        ("arn:aws:sns:eu-west-1:123456789012:bluegreen-shop", []),
        ("arn:aws-us-gov:sns:us-gov-west-1:123456789012:bluegreen_shop", []),
        (
            "arn:aws:sns:eu-west-1:123456789012:bluegreen-shop.fifo",
            [
                "sns_topic_arn 'arn:aws:sns:eu-west-1:123456789012:bluegreen-shop.fifo' is a FIFO topic, whose "
                "messages need a message group; give a standard one"
            ],
        ),
        (
            "bluegreen-shop",
            [
                "sns_topic_arn 'bluegreen-shop' is not the ARN of an SNS topic; give one such as "
                "arn:aws:sns:eu-west-1:123456789012:bluegreen-shop"
            ],
        ),
        (
            "arn:aws:sqs:eu-west-1:123456789012:bluegreen-shop",
            [
                "sns_topic_arn 'arn:aws:sqs:eu-west-1:123456789012:bluegreen-shop' is not the ARN of an SNS topic; give "
                "one such as arn:aws:sns:eu-west-1:123456789012:bluegreen-shop"
            ],
        ),
    ],
)
def test_topic_problems(topic_arn, problems):
    assert notify.topic_problems(topic_arn) == problems


def hook(index=0, **keys):
    return dict(notify.with_defaults(dict({"url": SECRET_HOOK, "headers": {"X-Token": HEADER}}, **keys)), index=index)


def test_outcome_of_a_hook_that_answered_as_expected():
    assert notify.outcome(hook(gating=True), 202, None, 1) == {
        "index": 0,
        "url": SHOWN_SECRET_HOOK,
        "method": "POST",
        "gating": True,
        "expected_status": [200, 201, 202, 204],
        "status": 202,
        "attempts": 1,
        "ok": True,
        "error": None,
    }


def test_outcome_of_a_hook_that_did_not_answer_scrubs_the_error():
    result = notify.outcome(hook(), None, f"cannot reach {SECRET_HOOK} ({HEADER})", 3)
    assert (result["status"], result["ok"], result["attempts"]) == (None, False, 3)
    assert result["error"] == f"cannot reach {SHOWN_SECRET_HOOK} ({MASK})"


def test_planned_is_a_hook_not_sent():
    result = notify.planned(hook())
    assert (result["status"], result["attempts"], result["ok"], result["error"]) == (None, 0, None, None)


@pytest.mark.parametrize(
    ("keys", "delays"), [({}, [2, 2]), ({"retries": 0}, []), ({"retries": 3, "retry_delay": 0}, [0, 0, 0])]
)
def test_delays_are_the_retry_delay_once_per_retry(keys, delays):
    assert notify.delays(hook(**keys)) == delays


FAILED_GATE = notify.outcome(hook(1, gating=True), 500, None, 3)
UNANSWERED_GATE = notify.outcome(hook(2, gating=True, expected_status=[200]), None, "Connection refused", 1)
FAILED_HOOK = notify.outcome(hook(3), 404, None, 3)
GOOD_GATE = notify.outcome(hook(0, gating=True), 200, None, 1)

# (title, results, the gating hooks that failed (by index), the message)
JUDGEMENTS = [
    ("nothing to judge", [], [], None),
    ("every hook answered", [GOOD_GATE, notify.outcome(hook(3), 204, None, 2)], [], None),
    ("a hook that is not gating failed", [GOOD_GATE, FAILED_HOOK], [], None),
    ("check mode sent nothing", [notify.planned(hook(gating=True))], [], None),
    (
        "a gating hook answered 500",
        [GOOD_GATE, FAILED_GATE, FAILED_HOOK],
        [1],
        f"gating hook failed: webhooks[1] ({SHOWN_SECRET_HOOK}) answered 500 after 3 attempts; expected 200, 201, 202 "
        "or 204. No SNS message was published. Fix the hook's service and run again, or set gating: false on a hook "
        "that should only be told",
    ),
    (
        "two gating hooks failed, one without an answer",
        [FAILED_GATE, UNANSWERED_GATE],
        [1, 2],
        f"gating hooks failed: webhooks[1] ({SHOWN_SECRET_HOOK}) answered 500 after 3 attempts; expected 200, 201, "
        f"202 or 204; webhooks[2] ({SHOWN_SECRET_HOOK}) did not answer after 1 attempt (Connection refused); expected "
        "200. No SNS message was published. Fix the hook's service and run again, or set gating: false on a hook that "
        "should only be told",
    ),
]


@pytest.mark.parametrize(
    ("results", "failed", "message"), [case[1:] for case in JUDGEMENTS], ids=[case[0] for case in JUDGEMENTS]
)
def test_judge_fails_the_phase_on_the_gating_hooks_that_failed(results, failed, message):
    found, said = notify.judge(results)
    assert ([result["index"] for result in found], said) == (failed, message)
    assert_no_secret(str(said))


def test_a_hook_that_is_not_gating_and_failed_is_a_warning():
    assert notify.warnings_for([GOOD_GATE, FAILED_GATE, FAILED_HOOK]) == [
        f"webhooks[3] ({SHOWN_SECRET_HOOK}) answered 404 after 3 attempts; expected 200, 201, 202 or 204; not "
        "gating, so the release goes on"
    ]
    assert notify.warnings_for([notify.planned(hook())]) == []


# (title, the event's changes, the subject)
SUBJECTS = [
    ("start", {"phase": "pre-switch"}, "demo: switch from blue to green starting"),
    ("step passed", {}, "demo: switch to green, step 2 of 4 (25%) passed"),
    ("step failed", {"verdict": "fail"}, "demo: switch to green, step 2 of 4 (25%) failed"),
    ("step inconclusive", {"verdict": "inconclusive"}, "demo: switch to green, step 2 of 4 (25%) inconclusive"),
    ("step without a verdict", {"verdict": None}, "demo: switch to green, step 2 of 4 (25%)"),
    ("step without numbers", {"step": None, "step_index": None}, "demo: switch to green, step passed"),
    ("done", {"phase": "post-switch"}, "demo: switch to green done"),
    ("rolled back", {"phase": "rollback", "verdict": "fail"}, "demo: switch to green rolled back"),
]


@pytest.mark.parametrize(("changes", "subject"), [case[1:] for case in SUBJECTS], ids=[case[0] for case in SUBJECTS])
def test_sns_message_says_in_its_subject_what_happened(changes, subject):
    event = dict(EVENT, **changes)
    found_subject, message, attributes = notify.sns_message(event)
    assert found_subject == subject
    assert json.loads(message) == notify.payload(event)
    assert attributes == {"app": "demo", "phase": event["phase"]}


def test_a_subject_longer_than_sns_takes_is_cut():
    subject = notify.sns_message(dict(EVENT, app="a" * 120, phase="rollback"))[0]
    assert len(subject) == notify.SUBJECT_LIMIT < 100
    assert subject == "a" * 96 + "..."
    assert subject.isascii()


def test_sns_message_refuses_a_phase_that_is_not_one():
    with pytest.raises(ValueError, match="phase 'canary'"):
        notify.sns_message(dict(EVENT, phase="canary"))
