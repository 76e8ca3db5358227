# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a release tells the outside at each phase of a switch: the checks of the webhooks, the JSON body that every
hook and the SNS message get, the hooks as they may be shown (their secrets masked), and which gating hooks failed.

A hook is a dict: ``url`` (http or https), ``phases`` (of PHASES, all by default), ``method`` (POST or PUT),
``headers`` (their values are secrets), ``timeout`` and ``retry_delay`` (seconds), ``retries``, ``expected_status``
(the statuses that count as an answer) and ``gating`` (whether a failure of the hook fails the phase). The secrets of
a hook are its headers' values and the userinfo, query string and fragment of its URL: nothing here puts them in a
message or a result.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

PHASES = ("pre-switch", "step", "post-switch", "rollback")
METHODS = ("POST", "PUT")
VERDICTS = ("pass", "fail", "inconclusive")
# Ansible's own mask for values it must not show.
MASK = "********"
HOOK_DEFAULTS = {
    "phases": list(PHASES),
    "method": "POST",
    "headers": {},
    "timeout": 10,
    "retries": 2,
    "retry_delay": 2,
    "expected_status": [200, 201, 202, 204],
    "gating": False,
}
HOOK_KEYS = ("url",) + tuple(HOOK_DEFAULTS)
# The bounds of a hook's whole numbers: seconds for the timeout and the delay between attempts.
HOOK_BOUNDS = {"timeout": (1, 300), "retries": (0, 10), "retry_delay": (0, 300)}
HTTP_STATUSES = (100, 599)
# RFC 9110's token: the characters of a header's name.
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
PAYLOAD_KEYS = (
    "app",
    "phase",
    "from_color",
    "to_color",
    "step",
    "step_index",
    "steps",
    "deployment_id",
    "verdict",
    "reasons",
    "timestamp",
)
# A standard topic's ARN: a FIFO topic (name ending in .fifo) takes only messages with a message group.
TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$")
# SNS takes a subject of fewer than 100 ASCII characters.
SUBJECT_LIMIT = 99
VERDICT_WORDS = {"pass": "passed", "fail": "failed", "inconclusive": "inconclusive"}


def _parts(url):
    """(scheme with its "://", userinfo, the rest of the authority, path, query, fragment) of ``url``, for any text.

    Without "://", what comes before the first "/" is taken as the authority, so that a mistyped URL with credentials
    ("user:secret@host/hook") does not show them either.
    """
    text = str(url)
    scheme, separator, rest = text.partition("://")
    if not separator:
        scheme, rest = "", text
    end = min([rest.index(sign) for sign in "/?#" if sign in rest] + [len(rest)])
    authority, tail = rest[:end], rest[end:]
    userinfo, at, host = authority.rpartition("@")
    before_fragment, _hash, fragment = tail.partition("#")
    path, _question, query = before_fragment.partition("?")
    return scheme + separator, userinfo if at else None, host, path, query, fragment


def redact_url(url):
    """``url`` as it may be shown: its userinfo, query string and fragment each replaced by MASK."""
    start, userinfo, host, path, query, fragment = _parts(url)
    shown = start + (f"{MASK}@" if userinfo is not None else "") + host + path
    if query:
        shown += f"?{MASK}"
    if fragment:
        shown += f"#{MASK}"
    return shown


def url_secrets(url):
    """The parts of ``url`` that are never shown: its userinfo, query string and fragment (those not empty)."""
    _start, userinfo, _host, _path, query, fragment = _parts(url)
    return [part for part in (userinfo, query, fragment) if part]


def hook_secrets(hook):
    """Every secret of a hook: its headers' values and its URL's secret parts."""
    headers = hook.get("headers") if isinstance(hook.get("headers"), dict) else {}
    found = [str(value) for value in headers.values() if value not in (None, "")]
    return found + url_secrets(hook.get("url") or "")


def scrub(text, hook):
    """``text`` (an error a hook's request raised) with each secret of the hook replaced by MASK."""
    scrubbed = str(text)
    for secret in sorted(hook_secrets(hook), key=len, reverse=True):
        scrubbed = scrubbed.replace(secret, MASK)
    return scrubbed


def label(index, hook):
    """How messages name a hook: its place in webhooks and its URL as it may be shown."""
    url = hook.get("url") if isinstance(hook, dict) else None
    return f"webhooks[{index}] ({redact_url(url)})" if isinstance(url, str) and url else f"webhooks[{index}]"


def _url_problem(url):
    if not isinstance(url, str) or not url.strip():
        return "no url; give the http:// or https:// address the hook listens on"
    if any(character.isspace() or ord(character) < 32 for character in url):
        return "url holds a space or a control character; give the address on one line, its spaces encoded as %20"
    try:
        parts = urlsplit(url)
        port_is_valid = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_is_valid = None, False
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname or not port_is_valid:
        return (
            "url is not an http:// or https:// address with a host; give one such as https://hooks.example.com/release"
        )
    return None


def _whole_number_problem(key, value):
    low, high = HOOK_BOUNDS[key]
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{key} {value!r} is not a whole number; use {low} to {high}"
    if not low <= value <= high:
        return f"{key} {value} is out of range; use {low} to {high}"
    return None


def _phases_problem(phases):
    if not isinstance(phases, list):
        return f"phases {phases!r} is not a list; give some of {', '.join(PHASES)}, or leave it out for all of them"
    if not phases:
        return "phases is empty, so the hook would never be called; leave it out for all of them"
    unknown = [phase for phase in phases if phase not in PHASES]
    if unknown:
        return f"phases has {', '.join(repr(phase) for phase in unknown)}; use {', '.join(PHASES)}"
    return None


def _headers_problems(headers):
    """The problems of a hook's headers, which name a header but never show its value."""
    if not isinstance(headers, dict):
        return ["headers is not a dict; give each header's name and its value"]
    problems = []
    for name, value in headers.items():
        if not HEADER_NAME.match(str(name)):
            problems.append(f"header name {name!r} is not an HTTP header name; use letters, digits and '-'")
        elif not isinstance(value, str):
            problems.append(f"header {name!r} is not a string; quote its value")
        elif "\r" in value or "\n" in value:
            problems.append(f"header {name!r} holds a line break; give its value on one line")
    return problems


def _credentials_problem(url, headers):
    """Credentials in the URL are sent as the Authorization header, which would replace the hook's own."""
    if not isinstance(url, str) or _parts(url)[1] is None or not isinstance(headers, dict):
        return None
    if any(str(name).lower() == "authorization" for name in headers):
        return "url holds credentials (user:password@) and headers an Authorization; give only one of them"
    return None


def _expected_status_problem(statuses):
    low, high = HTTP_STATUSES
    if not isinstance(statuses, list) or not statuses:
        return f"expected_status {statuses!r} is not a list of HTTP statuses; leave it out for 200, 201, 202 and 204"
    wrong = [status for status in statuses if isinstance(status, bool) or not isinstance(status, int)]
    wrong += [status for status in statuses if status not in wrong and not low <= status <= high]
    if wrong:
        return (
            f"expected_status holds {', '.join(repr(status) for status in wrong)}; use HTTP statuses, {low} to {high}"
        )
    return None


def with_defaults(hook):
    """The hook with every key it leaves out (or gives as None, as Ansible hands an unset option) at its default."""
    given = {key: value for key, value in hook.items() if value is not None}
    return {"url": None, **HOOK_DEFAULTS, **given}


def check_hook(index, hook):
    """The problems of webhooks[index], each naming the hook and saying what to give instead."""
    if not isinstance(hook, dict):
        return [f"webhooks[{index}] is a {type(hook).__name__}, not a hook; give a dict with at least url"]
    name = label(index, hook)
    problems = []
    unknown = sorted(str(key) for key in hook if key not in HOOK_KEYS)
    if unknown:
        keys = ", ".join(repr(key) for key in unknown)
        problems.append(f"unknown key{'s' if len(unknown) > 1 else ''} {keys}; a hook takes {', '.join(HOOK_KEYS)}")
    full = with_defaults(hook)
    problems.append(_url_problem(full["url"]))
    problems.append(_phases_problem(full["phases"]))
    if full["method"] not in METHODS:
        problems.append(f"method {full['method']!r} is not one a hook takes; use POST or PUT")
    problems += _headers_problems(full["headers"])
    problems.append(_credentials_problem(full["url"], full["headers"]))
    problems += [_whole_number_problem(key, full[key]) for key in HOOK_BOUNDS]
    problems.append(_expected_status_problem(full["expected_status"]))
    if not isinstance(full["gating"], bool):
        problems.append(f"gating {full['gating']!r} is not true or false")
    return [f"{name}: {problem}" for problem in problems if problem]


def check_hooks(webhooks):
    """Every problem of ``webhooks`` (a list of hooks), each naming its hook by index and URL (as shown) and the fix;
    empty when they can be sent."""
    if not isinstance(webhooks, list):
        return [f"webhooks is a {type(webhooks).__name__}; give a list of hooks"]
    return [problem for index, hook in enumerate(webhooks) for problem in check_hook(index, hook)]


def _check_phase(phase):
    if phase not in PHASES:
        raise ValueError(f"phase {phase!r} is not a phase of a switch; use {', '.join(PHASES)}")


def hooks_for(webhooks, phase):
    """The hooks of ``webhooks`` (checked) called at ``phase``, each with its defaults and its ``index`` in
    webhooks."""
    _check_phase(phase)
    hooks = [dict(with_defaults(hook), index=index) for index, hook in enumerate(webhooks)]
    return [hook for hook in hooks if phase in hook["phases"]]


def check_event(event):
    """The problems of an event beyond its options' types and bounds."""
    problems = []
    index, steps = event.get("step_index"), event.get("steps")
    if index is not None and steps is not None and index > steps:
        problems.append(f"event.step_index {index} is past event.steps {steps}; count the steps from 1 to steps")
    if event.get("verdict") not in (None,) + VERDICTS:
        problems.append(f"event.verdict {event['verdict']!r} is not a verdict; use {', '.join(VERDICTS)}")
    return problems


def topic_problems(topic_arn):
    """The problems of the topic to publish to (none when there is no topic)."""
    if topic_arn is None:
        return []
    if topic_arn.endswith(".fifo"):
        return [
            f"sns_topic_arn {topic_arn!r} is a FIFO topic, whose messages need a message group; give a standard one"
        ]
    if not TOPIC_ARN.match(topic_arn):
        return [
            f"sns_topic_arn {topic_arn!r} is not the ARN of an SNS topic; give one such as "
            "arn:aws:sns:eu-west-1:123456789012:bluegreen-shop"
        ]
    return []


def payload(event):
    """The JSON body of every hook and the message of SNS, from an event that names its phase and timestamp."""
    _check_phase(event.get("phase"))
    document = {key: event.get(key) for key in PAYLOAD_KEYS}
    document["reasons"] = list(document["reasons"] or [])
    return document


def encode(event):
    """The payload as the bytes a hook is sent."""
    return json.dumps(payload(event), sort_keys=True).encode("utf-8")


def redact(hook):
    """A hook as it may be shown in a result or a message: its URL redacted (redact_url), its headers' values MASK."""
    shown = dict(hook, url=redact_url(hook.get("url") or ""))
    if isinstance(hook.get("headers"), dict):
        shown["headers"] = {name: MASK for name in hook["headers"]}
    return shown


def outcome(hook, status, error, attempts):
    """The result of a hook sent ``attempts`` times, the last answering ``status`` (None: no answer, for ``error``)."""
    shown = redact(hook)
    return {
        "index": hook["index"],
        "url": shown["url"],
        "method": hook["method"],
        "gating": hook["gating"],
        "expected_status": list(hook["expected_status"]),
        "status": status,
        "attempts": attempts,
        "ok": status in hook["expected_status"],
        "error": None if error is None else scrub(error, hook),
    }


def planned(hook):
    """The result of a hook that check mode does not send: no attempt, no answer, ``ok`` unknown (None)."""
    return dict(outcome(hook, None, None, 0), ok=None)


def delays(hook):
    """The seconds to wait before each attempt after the first: the hook's retry_delay, once per retry."""
    return [hook["retry_delay"]] * hook["retries"]


def _expected(statuses):
    shown = [str(status) for status in statuses]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"


def describe(result):
    """What a hook that failed did, by its result: what answered (or why nothing did) and what was expected."""
    tries = f"{result['attempts']} attempt{'s' if result['attempts'] != 1 else ''}"
    name = f"webhooks[{result['index']}] ({result['url']})"
    if result["status"] is None:
        happened = f"did not answer after {tries} ({result['error']})"
    else:
        happened = f"answered {result['status']} after {tries}"
    return f"{name} {happened}; expected {_expected(result['expected_status'])}"


def judge(results):
    """(the results of the gating hooks that failed, the message that fails the phase, or None when none did)."""
    failed = [result for result in results if result["gating"] and result["ok"] is False]
    if not failed:
        return [], None
    message = (
        f"gating {'hooks' if len(failed) > 1 else 'hook'} failed: {'; '.join(describe(result) for result in failed)}. "
        "No SNS message was published. Fix the hook's service and run again, or set gating: false on a hook that "
        "should only be told"
    )
    return failed, message


def warnings_for(results):
    """One warning per hook that is not gating and failed: the release goes on without it."""
    return [
        f"{describe(result)}; not gating, so the release goes on"
        for result in results
        if not result["gating"] and result["ok"] is False
    ]


def _step_words(event):
    words = "step"
    if event.get("step_index") is not None and event.get("steps") is not None:
        words += f" {event['step_index']} of {event['steps']}"
    if event.get("step") is not None:
        words += f" ({event['step']}%)"
    verdict = VERDICT_WORDS.get(event.get("verdict"))
    return f"{words} {verdict}" if verdict else words


def subject(event):
    """The SNS subject of an event, e.g. "demo: switch to green rolled back", cut to SUBJECT_LIMIT characters."""
    _check_phase(event.get("phase"))
    app, to_color = event.get("app"), event.get("to_color")
    what = {
        "pre-switch": f"switch from {event.get('from_color')} to {to_color} starting",
        "step": f"switch to {to_color}, {_step_words(event)}",
        "post-switch": f"switch to {to_color} done",
        "rollback": f"switch to {to_color} rolled back",
    }[event["phase"]]
    text = f"{app}: {what}"
    return text if len(text) <= SUBJECT_LIMIT else text[: SUBJECT_LIMIT - 3] + "..."


def sns_message(event):
    """(subject, message, attributes) of the event's SNS message: the message is the payload as JSON, the
    attributes ({name: text}) its app and phase, by which subscriptions can filter."""
    document = payload(event)
    return subject(event), json.dumps(document, sort_keys=True), {"app": document["app"], "phase": document["phase"]}
