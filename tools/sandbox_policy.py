"""IAM's decision on a request, from the identity policies of its principal: the sandbox's policy evaluation.

moto 5.2.5 evaluates identity policies on the action alone: every request is checked against the resource "*", and
no Condition element is read (moto/iam/access_control.py, whose first lines say so). A policy that grants an
action on some ARNs only, or under a tag condition, is then refused where AWS allows and allowed where AWS refuses.
This module decides as AWS documents it, for what one account's identity policies can say:

- IAM User Guide, "Policy evaluation logic" (reference_policies_evaluation-logic.html): a request is allowed when a
  statement of the principal's policies allows it and none denies it; an explicit deny wins over any allow, and
  without an allow the request is implicitly denied. A request that acts on several resources is allowed only
  when each of them is.
- "IAM JSON policy elements: Action / NotAction, Resource / NotResource" (reference_policies_elements_*.html): action
  names are matched case-insensitively, resource ARNs case-sensitively, and both with the wildcards ``*`` (any run
  of characters) and ``?`` (one character). An action that supports no resource-level permission is checked against
  the resource ``*``, which only the statements that name ``*`` (or a pattern matching it) cover.
- "IAM JSON policy elements: Condition operators" (reference_policies_elements_condition_operators.html): a key
  absent from the request context makes a condition false, except that a negated operator (``StringNotEquals``,
  ``ArnNotLike``...) is then true, ``...IfExists`` is then true and ``Null`` tests the absence itself. Keys are
  case-insensitive, String values case-sensitive but for the ``IgnoreCase`` operators.
- "Conditions with multiple context keys or values" (reference_policies_multi-value-conditions.html): the operators
  of a Condition block are ANDed, the keys of one operator ANDed, the values of one key ORed (NORed for a negated
  operator). ``ForAllValues:`` holds when every value of a multivalued key (``aws:TagKeys``) matches one of the
  policy's, and when the key is absent; ``ForAnyValue:`` when at least one does, and never when the key is absent.

- "IAM policy elements: Variables and tags" (reference_policies_variables.html): ``${key}`` in a Resource or in the
  value of a String or ARN condition stands for the request context's value of ``key`` (``aws:PrincipalTag/...``,
  ``aws:username``...), ``${key, 'default'}`` for the default when the key has no value; a variable without a value
  leaves its resource matching nothing and makes its condition false, negated or not: AWS then takes the statement
  as invalid. ``${*}``, ``${?}`` and ``${$}`` are the characters
  themselves, never wildcards. A multivalued key is no variable.

An operator this module does not know makes the statement raise ``Unsupported``, so that a policy is never judged
by a rule it does not follow. Pure functions: tools/sandbox_authorization.py works out a request's resources and
context and calls ``decide``.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

ALLOW, EXPLICIT_DENY, IMPLICIT_DENY = "allowed", "explicitly denied", "implicitly denied"
NEGATED = {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike"}
# The operators evaluated here (each also with IfExists, and but Null with ForAllValues: or ForAnyValue:).
OPERATORS = NEGATED | {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike", "Bool", "Null"}


class Unsupported(Exception):
    """A policy element this module cannot evaluate."""


@dataclasses.dataclass(frozen=True)
class Request:
    """One authorization: an action on a resource ARN ("*" for an action without resource-level permissions), with the
    request context's keys (lower-cased names; a value is a string or, for a multivalued key, a list of strings)."""

    action: str
    resource: str = "*"
    context: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Decision:
    outcome: str
    request: Request
    statement: str | None = None

    @property
    def allowed(self) -> bool:
        return self.outcome == ALLOW


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# ${*} and ${?} in a policy: the characters themselves. Substituted into a pattern as these stand-ins, which _glob
# matches literally and literal() turns back.
LITERAL = {"*": "\x00", "?": "\x01", "$": "$"}
VARIABLE = re.compile(r"\$\{([^}]*)\}")
DEFAULTED = re.compile(r"^\s*([^,\s]+)\s*,\s*'((?:[^']|'')*)'\s*$")


def substitute(text: str, context: dict[str, Any]) -> str | None:
    """A policy value with its variables replaced from the request context; None when one has no value."""
    missing = False

    def value(match: re.Match) -> str:
        nonlocal missing
        inside = match.group(1)
        if inside in LITERAL:
            return LITERAL[inside]
        defaulted = DEFAULTED.match(inside)
        key, default = (defaulted.group(1), defaulted.group(2).replace("''", "'")) if defaulted else (inside, None)
        found = context.get(key.strip().lower())
        if isinstance(found, str):
            # A value is matched as it is: its own * and ? are no wildcards.
            return found.replace("*", LITERAL["*"]).replace("?", LITERAL["?"])
        if default is not None:
            return default
        missing = True
        return ""

    result = VARIABLE.sub(value, text)
    return None if missing else result


def literal(text: str) -> str:
    """A substituted value as the characters it stands for."""
    return text.replace(LITERAL["*"], "*").replace(LITERAL["?"], "?")


def _glob(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM's wildcard match: ``*`` any run of characters (``/`` and ``:`` too), ``?`` one character."""
    expression = "".join(".*" if char == "*" else "." if char == "?" else re.escape(literal(char)) for char in pattern)
    return re.fullmatch(expression, value, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


def action_matches(pattern: str, action: str) -> bool:
    return _glob(pattern, action, ignore_case=True)


def resource_matches(pattern: str, resource: str) -> bool:
    if resource == "*":
        # An action without resource-level permissions: only a statement for every resource applies.
        return set(pattern) == {"*"}
    return _glob(pattern, resource)


def _arn_matches(pattern: str, arn: str) -> bool:
    """ArnEquals and ArnLike: each of the six colon-separated parts matched on its own, with wildcards."""
    wanted, found = pattern.split(":", 5), arn.split(":", 5)
    return len(wanted) == len(found) == 6 and all(_glob(part, value) for part, value in zip(wanted, found))


def _compare(operator: str, wanted: str, value: str) -> bool:
    if operator in ("StringEquals", "StringNotEquals"):
        return literal(wanted) == value
    if operator in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        return literal(wanted).lower() == value.lower()
    if operator in ("StringLike", "StringNotLike"):
        return _glob(wanted, value)
    if operator in ("ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike"):
        return _arn_matches(wanted, value)
    if operator == "Bool":
        return wanted.lower() == value.lower()
    raise Unsupported(f"condition operator {operator}")


def _key_holds(qualifier: str | None, operator: str, wanted: list[str | None], found: Any) -> bool:
    """One key of one operator: the policy's values ``wanted`` (None for one whose variable has no value, which makes
    the key false) against the request context's ``found`` (None when the key is absent)."""
    negated = operator in NEGATED

    if None in wanted:
        return False

    def matches(value: Any) -> bool:
        return any(_compare(operator, item, str(value)) for item in wanted)

    if qualifier is None:
        if found is None:
            return negated
        matched = any(matches(value) for value in _listed(found))
        return not matched if negated else matched
    values = [] if found is None else _listed(found)
    if qualifier == "forallvalues":
        return all(matches(value) != negated for value in values)
    return any(matches(value) != negated for value in values)


def condition_holds(block: dict[str, Any] | None, context: dict[str, Any]) -> bool:
    """Whether a statement's Condition block holds for a request context (keys lower-cased)."""
    for operator, keys in (block or {}).items():
        qualifier = None
        name = operator
        if ":" in operator:
            qualifier, name = operator.split(":", 1)
            qualifier = qualifier.lower()
        if_exists = name.endswith("IfExists")
        name = name.removesuffix("IfExists")
        if name not in OPERATORS or qualifier not in (None, "forallvalues", "foranyvalue"):
            raise Unsupported(f"condition operator {operator}")
        for key, wanted in keys.items():
            found = context.get(key.lower())
            wanted = [str(item).lower() if isinstance(item, bool) else str(item) for item in _listed(wanted)]
            if name == "Null":
                if qualifier is not None or if_exists:
                    raise Unsupported(f"condition operator {operator}")
                absent = found is None or found == []
                if not any((item.lower() == "true") == absent for item in wanted):
                    return False
                continue
            if if_exists and found is None:
                continue
            if name != "Bool":
                wanted = [substitute(item, context) for item in wanted]
            if not _key_holds(qualifier, name, wanted, found):
                return False
    return True


def _resource_matches(pattern: str, request: Request) -> bool:
    pattern = substitute(pattern, request.context)
    return pattern is not None and resource_matches(pattern, request.resource)


def statement_applies(statement: dict[str, Any], request: Request) -> bool:
    """Whether a statement covers the request: its action, its resource and its condition."""
    if "Principal" in statement or "NotPrincipal" in statement:
        raise Unsupported("Principal in an identity policy")
    if "Action" in statement:
        if not any(action_matches(item, request.action) for item in _listed(statement["Action"])):
            return False
    elif any(action_matches(item, request.action) for item in _listed(statement.get("NotAction", []))):
        return False
    if "Resource" in statement:
        if not any(_resource_matches(item, request) for item in _listed(statement["Resource"])):
            return False
    elif any(_resource_matches(item, request) for item in _listed(statement.get("NotResource", []))):
        return False
    return condition_holds(statement.get("Condition"), request.context)


def decide(documents: list[dict[str, Any]], request: Request) -> Decision:
    """IAM's decision on one request, given the principal's policy documents."""
    allowed_by = None
    for document in documents:
        for index, statement in enumerate(_listed(document.get("Statement", []))):
            if not statement_applies(statement, request):
                continue
            name = statement.get("Sid") or f"statement {index + 1}"
            if statement.get("Effect") == "Deny":
                return Decision(EXPLICIT_DENY, request, name)
            allowed_by = allowed_by or name
    if allowed_by:
        return Decision(ALLOW, request, allowed_by)
    return Decision(IMPLICIT_DENY, request)


def decide_each(documents: list[dict[str, Any]], requests: list[Request]) -> list[Decision]:
    """The decision on each of ``requests``, up to the first refusal."""
    decisions = []
    for request in requests:
        decisions.append(decide(documents, request))
        if not decisions[-1].allowed:
            break
    return decisions


def decide_all(documents: list[dict[str, Any]], requests: list[Request]) -> Decision:
    """The decision on a call that needs every one of ``requests`` allowed: the first refusal, else the last allow."""
    decision = None
    for request in requests:
        decision = decide(documents, request)
        if not decision.allowed:
            return decision
    assert decision is not None, "a call needs at least one authorization"
    return decision
