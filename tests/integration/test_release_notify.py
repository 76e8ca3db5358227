# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""teal.bluegreen.release_notify sends the hooks of a phase to a local HTTP server of the test's own, which records
each request and answers with the status set for its path, and publishes to the sandbox's SNS, read back through an SQS
queue subscribed to the topic. The secrets of the hooks (a header's value, the URL's password and query string) never
appear in the module's output."""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import socket
import threading

import pytest

HEADER_SECRET = "header-canary-5f1c"
PASSWORD = "password-canary-9b2e"
TOKEN = "token-canary-37d0"
SECRETS = (HEADER_SECRET, PASSWORD, TOKEN)
MASK = "********"
EVENT = {
    "app": "demo",
    "from_color": "blue",
    "to_color": "green",
    "step": 25,
    "step_index": 2,
    "steps": 4,
    "deployment_id": "demo-7",
    "verdict": "pass",
    "reasons": ["error rate 0.2% against 0.3% on blue"],
}
EXPECTED = "expected 200, 201, 202 or 204"


class HookServer:
    """An HTTP server on 127.0.0.1 that records every request (method, path, query, headers, JSON body) and answers
    with the status set for its path in ``statuses``, 200 otherwise."""

    def __init__(self):
        self.requests = []
        self.statuses = {}
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                path, _question, query = self.path.partition("?")
                recorder.requests.append(
                    {
                        "method": self.command,
                        "path": path,
                        "query": query,
                        "headers": {name.lower(): value for name, value in self.headers.items()},
                        "body": json.loads(self.rfile.read(length) or b"null"),
                    }
                )
                self.send_response(recorder.statuses.get(path, 200))
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_PUT = answer

            def log_message(self, *args):
                """Quiet: the test reads the requests, not a log."""

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path, secret=False):
        """The URL of ``path``; with ``secret``, with a password in its userinfo and a token in its query string."""
        if secret:
            return f"http://bot:{PASSWORD}@127.0.0.1:{self.port}{path}?key={TOKEN}"
        return f"http://127.0.0.1:{self.port}{path}"

    def shown(self, path, secret=False):
        """The URL of ``path`` as the module shows it."""
        return f"http://{MASK}@127.0.0.1:{self.port}{path}?{MASK}" if secret else self.url(path)

    def paths(self):
        return [request["path"] for request in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hooks():
    server = HookServer()
    yield server
    server.close()


@pytest.fixture
def topic(sandbox):
    """An SNS topic with an SQS queue subscribed to it: (the topic's ARN, a function that reads the queue's
    notifications)."""
    sns, sqs = sandbox.client("sns"), sandbox.client("sqs")
    topic_arn = sns.create_topic(Name="bluegreen-demo")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="bluegreen-demo-notifications")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)

    def notifications():
        found = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        return [json.loads(message["Body"]) for message in found]

    yield topic_arn, notifications
    sqs.delete_queue(QueueUrl=queue_url)
    sns.delete_topic(TopicArn=topic_arn)


def notify(sandbox, phase, webhooks=(), check=False, **args):
    return sandbox.module("release_notify", check=check, phase=phase, event=EVENT, webhooks=list(webhooks), **args)


def assert_no_secret(result):
    output = json.dumps(result)
    assert [secret for secret in SECRETS if secret in output] == [], output


def closed_port():
    """A port on 127.0.0.1 that nothing listens on."""
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_hooks_of_the_phase_get_the_json_body_and_their_headers_and_the_others_are_not_called(sandbox, hooks):
    webhooks = [
        {"url": hooks.url("/release", secret=True), "headers": {"X-Release-Token": HEADER_SECRET}},
        {"url": hooks.url("/rollback"), "phases": ["rollback"]},
        {"url": hooks.url("/put"), "phases": ["step", "post-switch"], "method": "PUT", "gating": True},
    ]
    with sandbox.api_calls() as calls:
        result = notify(sandbox, "step", webhooks)

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert_no_secret(result)
    assert hooks.paths() == ["/release", "/put"]
    release, put = hooks.requests
    assert (release["method"], put["method"]) == ("POST", "PUT")
    assert release["body"] == put["body"] == result["payload"]
    assert result["payload"] == dict(EVENT, phase="step", timestamp=result["payload"]["timestamp"])
    assert result["payload"]["timestamp"].endswith("Z")
    assert release["headers"]["content-type"] == put["headers"]["content-type"] == "application/json"
    assert release["headers"]["x-release-token"] == HEADER_SECRET
    assert release["query"] == f"key={TOKEN}"
    assert release["headers"]["authorization"] == "Basic " + base64.b64encode(f"bot:{PASSWORD}".encode()).decode()
    assert result["hooks"] == [
        {
            "index": 0,
            "url": hooks.shown("/release", secret=True),
            "method": "POST",
            "gating": False,
            "expected_status": [200, 201, 202, 204],
            "status": 200,
            "attempts": 1,
            "ok": True,
            "error": None,
        },
        {
            "index": 2,
            "url": hooks.url("/put"),
            "method": "PUT",
            "gating": True,
            "expected_status": [200, 201, 202, 204],
            "status": 200,
            "attempts": 1,
            "ok": True,
            "error": None,
        },
    ]
    assert result["sns"] is None
    assert result["warnings"] == []
    assert calls == []


def test_a_gating_hook_that_answers_500_fails_after_retries_and_one_attempts_naming_it_and_nothing_is_published(
    sandbox, hooks, topic
):
    topic_arn, notifications = topic
    hooks.statuses["/gate"] = 500
    webhooks = [
        {"url": hooks.url("/chat")},
        {"url": hooks.url("/gate", secret=True), "gating": True, "retries": 2, "retry_delay": 0},
    ]
    with sandbox.api_calls() as calls:
        result = notify(sandbox, "step", webhooks, sns_topic_arn=topic_arn)

    assert result["failed"] is True
    assert_no_secret(result)
    assert hooks.paths() == ["/chat", "/gate", "/gate", "/gate"]
    assert result["msg"] == (
        f"gating hook failed: webhooks[1] ({hooks.shown('/gate', secret=True)}) answered 500 after 3 attempts; "
        f"{EXPECTED}. No SNS message was published. Fix the hook's service and run again, or set gating: false on a "
        "hook that should only be told"
    )
    assert [(item["status"], item["attempts"], item["ok"]) for item in result["hooks"]] == [
        (200, 1, True),
        (500, 3, False),
    ]
    assert result["changed"] is True
    assert calls == []
    assert notifications() == []


def test_hooks_that_are_not_gating_and_fail_are_warnings_and_the_phase_goes_on(sandbox, hooks, topic):
    topic_arn, _notifications = topic
    hooks.statuses["/chat"] = 503
    port = closed_port()
    nobody = f"http://127.0.0.1:{port}/hook?key={TOKEN}"
    webhooks = [
        {"url": hooks.url("/chat"), "retries": 1, "retry_delay": 0},
        {"url": nobody, "retries": 0, "headers": {"Authorization": f"Bearer {HEADER_SECRET}"}},
    ]
    with sandbox.api_calls() as calls:
        result = notify(sandbox, "post-switch", webhooks, sns_topic_arn=topic_arn)

    assert not result.get("failed"), result.get("msg")
    assert_no_secret(result)
    assert hooks.paths() == ["/chat", "/chat"]
    chat, refused = result["hooks"]
    assert (chat["status"], chat["attempts"], chat["ok"], chat["error"]) == (503, 2, False, None)
    assert (refused["status"], refused["attempts"], refused["ok"]) == (None, 1, False)
    assert "refused" in refused["error"].lower()
    assert refused["url"] == f"http://127.0.0.1:{port}/hook?{MASK}"
    assert result["warnings"] == [
        f"webhooks[0] ({hooks.url('/chat')}) answered 503 after 2 attempts; {EXPECTED}; not gating, so the release "
        "goes on",
        f"webhooks[1] ({refused['url']}) did not answer after 1 attempt ({refused['error']}); {EXPECTED}; not gating, "
        "so the release goes on",
    ]
    assert result["changed"] is True
    assert calls == ["Publish"]


def test_check_mode_sends_nothing_and_reports_what_it_would_send(sandbox, hooks, topic):
    topic_arn, notifications = topic
    webhooks = [{"url": hooks.url("/release", secret=True), "headers": {"X-Release-Token": HEADER_SECRET}}]
    with sandbox.api_calls() as calls:
        result = notify(sandbox, "rollback", webhooks, check=True, sns_topic_arn=topic_arn)

    assert not result.get("failed"), result.get("msg")
    assert_no_secret(result)
    assert hooks.requests == []
    assert calls == []
    assert notifications() == []
    assert result["changed"] is True
    assert result["hooks"] == [
        {
            "index": 0,
            "url": hooks.shown("/release", secret=True),
            "method": "POST",
            "gating": False,
            "expected_status": [200, 201, 202, 204],
            "status": None,
            "attempts": 0,
            "ok": None,
            "error": None,
        }
    ]
    assert result["sns"] == {"topic_arn": topic_arn, "subject": "demo: switch to green rolled back", "message_id": None}
    assert result["payload"]["phase"] == "rollback"


def test_nothing_to_send_changes_nothing(sandbox, hooks):
    webhooks = [{"url": hooks.url("/rollback"), "phases": ["rollback"]}]
    for check in (True, False):
        with sandbox.api_calls() as calls:
            result = notify(sandbox, "pre-switch", webhooks, check=check)
        assert (result.get("failed"), result["changed"], result["hooks"], result["sns"]) == (None, False, [], None)
        assert calls == []
    assert hooks.requests == []


def test_the_sns_message_reaches_a_queue_subscribed_to_the_topic(sandbox, topic):
    topic_arn, notifications = topic
    with sandbox.api_calls() as calls:
        result = notify(sandbox, "rollback", sns_topic_arn=topic_arn)

    assert not result.get("failed"), result.get("msg")
    assert calls == ["Publish"]
    assert result["changed"] is True
    [received] = notifications()
    assert received["TopicArn"] == topic_arn
    assert received["MessageId"] == result["sns"]["message_id"]
    assert received["Subject"] == result["sns"]["subject"] == "demo: switch to green rolled back"
    assert json.loads(received["Message"]) == result["payload"]
    assert result["payload"]["phase"] == "rollback"
    assert {name: item["Value"] for name, item in received["MessageAttributes"].items()} == {
        "app": "demo",
        "phase": "rollback",
    }


def test_a_publish_that_sns_refuses_fails_the_module_with_the_aws_error(sandbox):
    missing = "arn:aws:sns:us-east-1:123456789012:bluegreen-nothing-here"
    with sandbox.api_calls() as calls:
        result = notify(sandbox, "step", sns_topic_arn=missing)

    assert result["failed"] is True
    assert result["msg"].startswith(
        f"Failed to publish to the SNS topic {missing} (check sns_topic_arn: a standard topic in the module's region, "
        "on which sns:Publish is allowed): "
    )
    assert "An error occurred (NotFound) when calling the Publish operation" in result["msg"]
    assert result["error"]["code"] == "NotFound"
    assert calls == ["Publish"]


# (title, the options changed, what the message says)
BAD_INPUTS = [
    (
        "a URL that is not http",
        {"webhooks": [{"url": f"ftp://bot:{PASSWORD}@files.example.com/hook?key={TOKEN}"}]},
        f"webhooks[0] (ftp://{MASK}@files.example.com/hook?{MASK}): url is not an http:// or https:// address",
    ),
    ("an unknown phase", {"phase": "deploy"}, "value of phase must be one of: pre-switch, step, post-switch, rollback"),
    ("a timeout out of range", {"webhooks": [{"timeout": 0}]}, "timeout 0 is out of range; use 1 to 300"),
    ("an unknown key of a hook", {"webhooks": [{"retry": 3}]}, "webhooks.retry"),
    ("a step out of range", {"event": dict(EVENT, step=101)}, "event.step 101 is out of range; use 1 to 100"),
    ("a topic that is no ARN", {"sns_topic_arn": "bluegreen-demo"}, "sns_topic_arn 'bluegreen-demo' is not the ARN"),
]


@pytest.mark.parametrize(("changes", "said"), [case[1:] for case in BAD_INPUTS], ids=[case[0] for case in BAD_INPUTS])
def test_a_bad_input_fails_before_anything_is_sent(sandbox, hooks, topic, changes, said):
    topic_arn, notifications = topic
    good = {"url": hooks.url("/release", secret=True), "headers": {"X-Release-Token": HEADER_SECRET}}
    args = {"phase": "step", "event": EVENT, "sns_topic_arn": topic_arn, "webhooks": [good]}
    for name, value in changes.items():
        args[name] = [dict(good, **hook) for hook in value] + [good] if name == "webhooks" else value
    with sandbox.api_calls() as calls:
        result = sandbox.module("release_notify", **args)

    assert result["failed"] is True
    assert said in result["msg"]
    assert hooks.requests == []
    assert calls == []
    assert notifications() == []
    output = json.dumps(result)
    assert HEADER_SECRET not in output
    # What Ansible refuses before the module runs (a choice, an unknown key) it shows as given, URLs included
    # (the module's documentation says so); every refusal of the module's own hides the URLs' secrets.
    if "webhooks.retry" not in said and "value of phase" not in said:
        assert_no_secret(result)
