# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A module's failure told in the words of the role that called it.

A module names its own options ("wait longer with health_wait_timeout"); someone who runs a playbook sets the role's
variables (bluegreen_health_wait_timeout). The roles hand their failures through failure_messages with the map of the
options they set from which variables, so that each message names what the reader can change.
"""

from __future__ import annotations

import re


def in_role_terms(message, terms):
    """``message`` with each option named in ``terms`` (option -> the role's words) replaced where it stands as a
    word of its own: not inside a longer name (bluegreen_wait_timeout keeps its words), nor after a dot."""
    text = str(message)
    for option in sorted(terms or {}, key=len, reverse=True):
        text = re.sub(rf"(?<![\w.]){re.escape(option)}(?![\w])", lambda _match, words=terms[option]: str(words), text)
    return text


def failure_messages(failed_result, terms=None):
    """The messages of a failed task's result (each failed item of a loop, else the task's own message, else the
    reasons of a verdict that ``failed_when`` failed, as teal.bluegreen.release_gate returns them), in the role's
    words."""
    result = failed_result if isinstance(failed_result, dict) else {}
    items = [item for item in result.get("results") or [] if isinstance(item, dict) and item.get("failed")]
    # A verdict that failed_when failed (teal.bluegreen.release_gate's) says why in its reasons; Ansible's own message
    # for it says only that the task failed.
    verdict = "; ".join(str(reason) for reason in result.get("reasons") or ()) if "verdict" in result else ""
    messages = [item.get("msg") or "failed" for item in items] or [verdict or result.get("msg") or "failed"]
    return [in_role_terms(message, terms) for message in messages]
