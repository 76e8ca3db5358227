#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: release_notify
version_added: 0.3.0
short_description: Tell webhooks and an SNS topic about a phase of a blue/green switch
description:
  - Sends the event of one phase of a switch (O(phase)) as a JSON body to the webhooks called at that phase, then
    publishes one message about it to an SNS topic (O(sns_topic_arn)).
  - The body of every hook and the SNS message are the same JSON object, RV(payload), made of O(event), the phase and
    the time in UTC.
  - A hook that does not answer with one of its O(webhooks[].expected_status) is sent again after
    O(webhooks[].retry_delay) seconds, up to O(webhooks[].retries) times.
  - A gating hook (O(webhooks[].gating=true)) that still has not answered as expected fails the module, which then
    publishes nothing to SNS, so a step can wait on the checks of its own team. Any other hook that fails is a warning
    and the module goes on.
  - The values of O(webhooks[].headers), and the userinfo (C(user:password@)), query string and fragment of each
    O(webhooks[].url), are secrets. The module never shows them, in its results, its warnings or its errors; Ansible
    masks them wherever else they would appear in its output.
  - Options that Ansible itself refuses before the module runs (an unknown key of a hook, a value of the wrong type,
    a choice that is not one) are shown as given in that refusal's C(invocation), URLs included; the headers' values
    stay masked there too. Keep a hook's secrets in its headers where that matters.
author:
  - Teal Ops (@teal-ops)
options:
  phase:
    description:
      - The phase of the switch to tell about; the module sends the hooks of O(webhooks) called at this phase.
      - V(pre-switch) before any traffic moves, V(step) after a canary step, V(post-switch) once all the traffic has
        moved, V(rollback) once the traffic is back on the colour it came from.
    type: str
    required: true
    choices: [pre-switch, step, post-switch, rollback]
  event:
    description:
      - What happened, as the body of the hooks and the SNS message carry it (RV(payload)).
    type: dict
    required: true
    suboptions:
      app:
        description: The application being switched. Letters, digits, C(.), C(_) and C(-) only.
        type: str
        required: true
      from_color:
        description: The colour the switch moves the traffic away from.
        type: str
        required: true
        choices: [blue, green]
      to_color:
        description: The colour the switch moves the traffic to.
        type: str
        required: true
        choices: [blue, green]
      step:
        description: The share of the traffic on O(event.to_color) after the step, in percent (1 to 100).
        type: int
      step_index:
        description: The number of the step, counted from 1 (1 to 100), at most O(event.steps).
        type: int
      steps:
        description: How many steps the switch has (1 to 100).
        type: int
      deployment_id:
        description: The deployment being switched to, as the deploy recorded it.
        type: str
      verdict:
        description: What the gates of the phase said, for example the verdict of a release gate.
        type: str
        choices: [pass, fail, inconclusive]
      reasons:
        description: Why, in words, for example the alarm, the metric or the hook that failed the step.
        type: list
        elements: str
        default: []
  webhooks:
    description:
      - The HTTP hooks, of which the module sends those whose O(webhooks[].phases) hold O(phase), in their order.
    type: list
    elements: dict
    default: []
    suboptions:
      url:
        description:
          - The http:// or https:// address of the hook.
          - Its userinfo (C(https://user:password@host/...)) is sent as HTTP basic authentication with the first
            request.
          - Its userinfo, query string and fragment are never shown; its path is. A hook whose path holds its secret
            should take the secret in a header or the query string instead.
        type: str
        required: true
      phases:
        description: The phases at which the hook is called.
        type: list
        elements: str
        choices: [pre-switch, step, post-switch, rollback]
        default: [pre-switch, step, post-switch, rollback]
      method:
        description: The HTTP method of the request.
        type: str
        choices: [POST, PUT]
        default: POST
      headers:
        description:
          - Headers sent with the body, for example C(Authorization). Their values are never shown.
          - C(Content-Type) is always C(application/json).
        type: dict
        default: {}
      timeout:
        description: Seconds to wait for an answer to one request (1 to 300).
        type: int
        default: 10
      retries:
        description:
          - How many times the request is sent again when the hook did not answer, or answered with a status not in
            O(webhooks[].expected_status) (0 to 10).
        type: int
        default: 2
      retry_delay:
        description: Seconds between two requests to the hook (0 to 300).
        type: int
        default: 2
      expected_status:
        description: The HTTP statuses that mean the hook took the event (redirects are not followed).
        type: list
        elements: int
        default: [200, 201, 202, 204]
      gating:
        description:
          - Whether the hook's failure fails the module, and with it the step of the switch that called it.
          - A hook that is not gating and fails is reported in RV(hooks) and as a warning.
        type: bool
        default: false
  sns_topic_arn:
    description:
      - The ARN of a standard SNS topic, in the module's region, to which one message is published about the phase.
      - "The subject says what happened, for example C(demo: switch to green rolled back); the message is
        RV(payload) as JSON; the message attributes C(app) and C(phase) let subscriptions filter."
      - When omitted, nothing is published.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Sends no hook and publishes nothing; reports what it would send, the hooks and the SNS message.
  diff_mode:
    support: none
    description: Nothing in AWS changes; a message sent is not a state to compare.
notes:
  - Needs C(sns:Publish) on O(sns_topic_arn).
  - The hooks are called from the host the module runs on, usually the controller.
  - Every request carries the same body, so a hook that is sent again, or a phase run again, sees the same
    C(timestamp) of RV(payload) only within one run of the module; hooks should take an event twice without harm.
"""

EXAMPLES = r"""
- name: Tell the release channel and the ops gate that the switch of shop to green starts
  teal.bluegreen.release_notify:
    phase: pre-switch
    event:
      app: shop
      from_color: blue
      to_color: green
      deployment_id: "{{ bluegreen_deployment_id }}"
    webhooks:
      - url: https://chat.example.com/hooks/releases
        headers:
          Authorization: "Bearer {{ chat_hook_token }}"
      - url: https://gate.ops.example.com/v1/shop/ready
        phases: [pre-switch, step]
        gating: true
        timeout: 20
        retries: 5
        retry_delay: 10
    sns_topic_arn: arn:aws:sns:eu-west-1:123456789012:bluegreen-shop

- name: Report a canary step of shop and its gate's verdict
  teal.bluegreen.release_notify:
    phase: step
    event:
      app: shop
      from_color: blue
      to_color: green
      step: 25
      step_index: 2
      steps: 4
      verdict: "{{ gate.verdict }}"
      reasons: "{{ gate.reasons }}"
    sns_topic_arn: arn:aws:sns:eu-west-1:123456789012:bluegreen-shop

- name: Say that shop went back to blue, and why
  teal.bluegreen.release_notify:
    phase: rollback
    event:
      app: shop
      from_color: blue
      to_color: green
      verdict: fail
      reasons:
        - "alarm shop-5xx in ALARM at step 2 (25%)"
    webhooks:
      - url: "https://bot:{{ pager_hook_password }}@pager.example.com/events?service=shop"
        method: PUT
        expected_status: [200]
    sns_topic_arn: arn:aws:sns:eu-west-1:123456789012:bluegreen-shop
"""

RETURN = r"""
hooks:
  description:
    - The hooks of O(phase), in their order, each as sent (in check mode, as it would be sent).
    - C(index) is the hook's place in O(webhooks), counted from 0; C(url) its URL with the userinfo, query string and
      fragment masked; C(status) the HTTP status of the last answer (null when nothing answered, or in check mode);
      C(attempts) how many requests were sent; C(ok) whether the last answer was one of C(expected_status) (null in
      check mode); C(error) why nothing answered (null when something did).
  returned: always
  type: list
  elements: dict
  sample:
    - index: 0
      url: "https://********@hooks.example.com/release?********"
      method: POST
      gating: true
      expected_status: [200, 201, 202, 204]
      status: 200
      attempts: 1
      ok: true
      error: null
sns:
  description:
    - The message published to O(sns_topic_arn) (in check mode, the one that would be); null without O(sns_topic_arn).
    - C(message_id) is SNS's id of the message, null in check mode.
  returned: always
  type: dict
  sample:
    topic_arn: arn:aws:sns:eu-west-1:123456789012:bluegreen-shop
    subject: "shop: switch to green, step 2 of 4 (25%) passed"
    message_id: 5d8c1f0e-2b7a-5c43-9b0e-4f3a2d1c0b9a
payload:
  description:
    - The JSON object every hook was sent and the SNS message holds, O(event) with the phase and the time.
    - C(step), C(step_index), C(steps), C(deployment_id) and C(verdict) are null when the event does not give them;
      C(timestamp) is the time of the run in UTC, ISO-8601 with a Z.
  returned: always
  type: dict
  sample:
    app: shop
    phase: step
    from_color: blue
    to_color: green
    step: 25
    step_index: 2
    steps: 4
    deployment_id: shop-2.4.1-20261122T100400Z
    verdict: pass
    reasons: []
    timestamp: "2026-11-22T10:19:00Z"
"""

import http.client
import urllib.error
from datetime import datetime
from datetime import timezone

from ansible.module_utils import urls
from ansible.module_utils.api import retry_with_delays_and_condition

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.teal.bluegreen.plugins.module_utils import lock
from ansible_collections.teal.bluegreen.plugins.module_utils import notify
from ansible_collections.teal.bluegreen.plugins.module_utils import state
from ansible_collections.teal.bluegreen.plugins.module_utils._sns import topics as sns_api
from ansible_collections.teal.bluegreen.plugins.module_utils._sns.common import AnsibleSNSError
from ansible_collections.teal.bluegreen.plugins.module_utils.bounds import check_options
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import BlueGreenError
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import check_app
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import Clients
from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import run_module

USER_AGENT = "teal.bluegreen.release_notify"


class Unanswered(Exception):
    """One request to a hook that got no answer (``status`` None, ``error`` why), or a status the hook does not
    expect."""

    def __init__(self, status, error=None):
        super().__init__(error or f"HTTP {status}")
        self.status = status
        self.error = error


def check_input(params):
    """The options, checked before anything is sent: the hooks, the event and the topic; the event of the phase."""
    check_app(params["event"]["app"])
    problems = notify.check_hooks(params["webhooks"]) + notify.check_event(params["event"])
    problems += notify.topic_problems(params["sns_topic_arn"])
    if problems:
        raise BlueGreenError("; ".join(problems) + "; nothing was sent")
    return dict(params["event"], phase=params["phase"], timestamp=lock.timestamp(datetime.now(timezone.utc)))


def request(hook, data):
    """One request to the hook; its status when it is one the hook expects, else Unanswered."""
    headers = dict(hook["headers"], **{"Content-Type": "application/json"})
    try:
        with urls.open_url(
            hook["url"],
            data=data,
            headers=headers,
            method=hook["method"],
            timeout=hook["timeout"],
            http_agent=USER_AGENT,
            force_basic_auth=True,
            follow_redirects="none",
            use_netrc=False,
        ) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        error.close()
        status = error.code
    except urllib.error.URLError as error:
        raise Unanswered(None, str(error.reason)) from error
    except (OSError, http.client.HTTPException, urls.ConnectionError, ValueError) as error:
        raise Unanswered(None, str(error) or type(error).__name__) from error
    if status not in hook["expected_status"]:
        raise Unanswered(status)
    return status


def deliver(hook, data):
    """The hook sent, and sent again after its retry_delay while it does not answer as expected: its outcome."""
    sent = []

    @retry_with_delays_and_condition(notify.delays(hook), lambda error: isinstance(error, Unanswered))
    def attempt():
        sent.append(data)
        return request(hook, data)

    try:
        return notify.outcome(hook, attempt(), None, len(sent))
    except Unanswered as unanswered:
        return notify.outcome(hook, unanswered.status, unanswered.error, len(sent))


def ensure_hooks(check_mode, hooks, event):
    """The hooks of the phase sent (in check mode, only planned): (changed, their results).

    Something changed when a hook got the body, whatever it answered; in check mode, when there is a hook to send.
    """
    if check_mode:
        return bool(hooks), [notify.planned(hook) for hook in hooks]
    data = notify.encode(event)
    results = [deliver(hook, data) for hook in hooks]
    return any(result["status"] is not None for result in results), results


def ensure_published(clients, check_mode, topic_arn, event):
    """The phase's message published to the topic (in check mode, only composed): (changed, the sns result)."""
    if topic_arn is None:
        return False, None
    subject, message, attributes = notify.sns_message(event)
    published = dict(topic_arn=topic_arn, subject=subject, message_id=None)
    if check_mode:
        return True, published
    try:
        published["message_id"] = sns_api.publish(clients("sns"), topic_arn, subject, message, attributes)
    except AnsibleSNSError as error:
        raise AnsibleSNSError(
            message=f"{error.message} {topic_arn} (check sns_topic_arn: a standard topic in the module's region, on "
            "which sns:Publish is allowed)",
            exception=error.exception,
        ) from error
    return True, published


def report(results, published, event):
    return dict(hooks=results, sns=published, payload=notify.payload(event))


def do(module):
    params = module.params
    event = check_input(params)
    sent, results = ensure_hooks(module.check_mode, notify.hooks_for(params["webhooks"], params["phase"]), event)
    for warning in notify.warnings_for(results):
        module.warn(warning)
    failed, message = notify.judge(results)
    if failed:
        module.fail_json(msg=message, changed=sent, **report(results, None, event))
    published, sns = ensure_published(Clients(module), module.check_mode, params["sns_topic_arn"], event)
    module.exit_json(changed=sent or published, **report(results, sns, event))


def main():
    argument_spec = dict(
        phase=dict(type="str", required=True, choices=list(notify.PHASES)),
        event=dict(
            type="dict",
            required=True,
            options=dict(
                app=dict(type="str", required=True),
                from_color=dict(type="str", required=True, choices=list(state.COLORS)),
                to_color=dict(type="str", required=True, choices=list(state.COLORS)),
                step=dict(type="int"),
                step_index=dict(type="int"),
                steps=dict(type="int"),
                deployment_id=dict(type="str"),
                verdict=dict(type="str", choices=list(notify.VERDICTS)),
                reasons=dict(type="list", elements="str", default=[]),
            ),
        ),
        webhooks=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                url=dict(type="str", required=True),
                phases=dict(type="list", elements="str", choices=list(notify.PHASES), default=list(notify.PHASES)),
                method=dict(type="str", choices=list(notify.METHODS), default=notify.HOOK_DEFAULTS["method"]),
                headers=dict(type="dict", no_log=True, default={}),
                timeout=dict(type="int", default=notify.HOOK_DEFAULTS["timeout"]),
                retries=dict(type="int", default=notify.HOOK_DEFAULTS["retries"]),
                retry_delay=dict(type="int", default=notify.HOOK_DEFAULTS["retry_delay"]),
                expected_status=dict(
                    type="list", elements="int", default=list(notify.HOOK_DEFAULTS["expected_status"])
                ),
                gating=dict(type="bool", default=notify.HOOK_DEFAULTS["gating"]),
            ),
        ),
        sns_topic_arn=dict(type="str"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    # The headers' values are no_log options; the secret parts of the URLs are masked as they are, wherever they would
    # appear in the output, from the first check on.
    module.no_log_values.update(
        secret for hook in module.params["webhooks"] for secret in notify.url_secrets(hook["url"])
    )
    check_options(module, argument_spec)
    run_module(module, do)


if __name__ == "__main__":
    main()
