"""The sandbox's IAM enforcement (INITIAL_NO_AUTH_ACTION_COUNT, /moto-api/reset-auth): moto's, patched where it
differs from what AWS documents.

What moto 5.2.5 does (moto/iam/access_control.py, ``IAMRequestBase._create_aws_request``, and
moto/core/authorization.py):

- to check a request's signature, it signs the request again, with the body ``self._body or self._data``: the raw
  body, or when there is none, the parameters moto parsed from the request. Those are the form's fields for a query
  request, whose raw body the server does not keep, but for a request that has no body they are its query string or,
  when it has none either, its headers (``BaseResponse.setup_class`` falls back on them). The body signed again is
  then not the empty one the client signed: every correctly signed GET or DELETE of a REST service that goes
  through ``IAMRequest`` answers SignatureDoesNotMatch, whatever the policy: Route 53's GetHostedZone,
  ListHostedZonesByName, ListResourceRecordSets, GetChange... (S3 signs the payload's hash in a header of its own
  and is not affected).
- it answers a refusal (AccessDenied, SignatureDoesNotMatch, InvalidClientTokenId) with the error document of the
  query services, ``<ErrorResponse><Errors><Error>``, for every service. A REST-XML client reads Route 53's errors
  as ``<ErrorResponse><Error>`` and finds neither code nor message in it, and a JSON client (SSM, CodeDeploy) reads
  the document as its JSON body: boto3 raises a ClientError whose code is the HTTP status, and the refused action
  is named nowhere.

What AWS documents. Signature Version 4 (IAM User Guide, "Create a signed AWS API request",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html): the canonical request
ends with the hex SHA-256 of the request's payload, that of the empty string for a request without one (a GET, in
its example); the query string is a line of its own of the canonical request, never a payload. The Route 53 API
Reference, "REST Responses" (https://docs.aws.amazon.com/Route53/latest/APIReference/requests-rest-responses.html):
a REST request that results in an error has an XML error document as the response body, ``<ErrorResponse xmlns=
"https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type><Code>...</Code><Message>...</Message>
</Error><RequestId>...</RequestId></ErrorResponse>``; "Amazon Route 53 API permissions reference"
(https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/r53-api-permissions-ref.html) names the action each
operation needs, route53:<Operation>.

- it decides on the action alone, against the resource "*", without reading a statement's Condition: a policy
  scoped to ARNs or tags is judged wrongly both ways. ``check_action_permitted`` below decides as AWS does instead:
  tools/sandbox_authorization.py works out what the request needs authorized (its actions, their resources, the
  request context), tools/sandbox_policy.py evaluates the principal's policies on each.

The patch, as it could go upstream: the body signed again is the request's own; the parsed parameters stand in for it
only when the request is a form (Content-Type application/x-www-form-urlencoded), whose body the server parses. A
refusal to a REST-XML service other than S3 (which has its own errors) is written in that protocol's error document,
and one to a JSON or RPC v2 CBOR service (SSM, CodeDeploy) as moto answers that protocol's errors, which its client
reads (``__type``, ``message``).
The decisions it takes while enforcement is on are kept, last ones first dropped past DECISIONS_KEPT, for the tests
to read: GET /_sandbox/iam/decisions lists them (action, resource, outcome, statement), DELETE forgets them.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from typing import Any

from botocore.awsrequest import AWSRequest
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import JsonRESTError
from moto.core.exceptions import _RESTError  # pylint: disable=protected-access
from moto.core.utils import get_service_model
from moto.core.exceptions import AccessDeniedError
from moto.iam.access_control import IAMPolicy
from moto.iam.access_control import IAMRequestBase
from moto.iam.access_control import S3IAMRequest
from xmltodict import unparse

import sandbox_authorization
import sandbox_policy

FORM = "application/x-www-form-urlencoded"
PATH = "/_sandbox/iam/decisions"
DECISIONS_KEPT = 100000
_decisions: list[dict[str, Any]] = []
_decisions_lock = threading.Lock()
# The namespace of the error documents of the REST-XML services that go through IAMRequest.
NAMESPACES = {"route53": "https://route53.amazonaws.com/doc/2013-04-01/"}

_MOTO_CREATE_AWS_REQUEST = IAMRequestBase._create_aws_request  # pylint: disable=protected-access
_MOTO_AUTHENTICATE = ActionAuthenticatorMixin._authenticate_and_authorize_normal_action


def is_form(headers: Any) -> bool:
    return (headers.get("Content-Type") or "").split(";")[0].strip().lower() == FORM


def create_aws_request(self: IAMRequestBase) -> AWSRequest:
    """moto's request signed again, with the body the client sent: empty when it sent none."""
    request = _MOTO_CREATE_AWS_REQUEST(self)
    if not self._body and not is_form(self._headers):  # pylint: disable=protected-access
        request.data = b""
    return request


def rest_xml_error(service: str, error: _RESTError) -> str:
    """The error document of a REST-XML service for one of moto's refusals."""
    fields = {"Type": "Sender", "Code": error.error_type, "Message": error.message}
    document: dict[str, Any] = {"Error": fields, "RequestId": ""}
    if service in NAMESPACES:
        document = {"@xmlns": NAMESPACES[service], **document}
    return unparse({"ErrorResponse": document}, full_document=True)


def authenticate(self: Any, resource: str = "*") -> None:
    """moto's check of the signature and the policy, its refusals in the error document of the service's protocol."""
    try:
        _MOTO_AUTHENTICATE(self, resource)
    except _RESTError as error:
        service = self.boto3_service_name
        if not isinstance(error, JsonRESTError) and service != "s3":
            protocol = get_service_model(service).metadata.get("protocol")
            if protocol == "rest-xml":
                error.description = rest_xml_error(service, error)
            elif protocol in ("json", "smithy-rpc-v2-cbor"):
                raise error.to_json() from error
        raise


class Refused(AccessDeniedError):
    """AccessDenied as IAM words it: the action, the resource, and whether a statement denied it or none allowed it."""

    def __init__(self, user_arn: str, decision: sandbox_policy.Decision, why: str | None = None) -> None:
        request = decision.request
        if why is None:
            if decision.outcome == sandbox_policy.EXPLICIT_DENY:
                why = f"with an explicit deny in an identity-based policy ({decision.statement})"
            else:
                why = f"because no identity-based policy allows the {request.action} action"
        message = (
            f"User: {user_arn} is not authorized to perform: {request.action} on resource: {request.resource} {why}"
        )
        _RESTError.__init__(self, "AccessDenied", message)  # pylint: disable=non-parent-init-called


def check_action_permitted(self: IAMRequestBase, resource: str) -> None:
    """IAM's decision on the request: every authorization it needs allowed by the principal's identity policies."""
    # pylint: disable=protected-access
    if self._action == "sts:GetCallerIdentity":
        return
    service, operation = self._action.split(":", 1)
    params = sandbox_authorization.parse_params(self._body, self._data, self._headers)
    call = sandbox_authorization.Call(
        service, operation, params, self._path, self._region, self.account_id, self._method
    )
    needed = sandbox_authorization.requests(
        call, sandbox_authorization.Backends(self.account_id, self._region), resource
    )
    principal = principal_context(self._access_key)
    needed = [dataclasses.replace(request, context={**principal, **request.context}) for request in needed]
    documents = [IAMPolicy(policy)._policy_json for policy in self._access_key.collect_policies()]
    try:
        decisions = sandbox_policy.decide_each(documents, needed)
    except sandbox_policy.Unsupported as error:
        refused = sandbox_policy.Decision(sandbox_policy.IMPLICIT_DENY, needed[0])
        raise Refused(self._access_key.arn, refused, f"because the sandbox cannot evaluate {error}") from error
    keep(decisions)
    decision = next((item for item in decisions if not item.allowed), decisions[-1])
    if decision.allowed:
        return
    if isinstance(self, S3IAMRequest):
        self._raise_access_denied()
    raise Refused(self._access_key.arn, decision)


def principal_context(access_key: Any) -> dict[str, Any]:
    """The request context keys of the IAM user that signed (IAM User Guide, "AWS global condition context keys"):
    aws:username, aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType and an aws:PrincipalTag/<key> per tag of
    the user, which policy variables name (``${aws:PrincipalTag/bluegreen:app}``)."""
    # pylint: disable=protected-access
    name = access_key._owner_user_name
    context = {
        "aws:username": name,
        "aws:principalarn": access_key.arn,
        "aws:principalaccount": access_key.account_id,
        "aws:principaltype": "User",
    }
    for tag in access_key.backend.list_user_tags(name):
        context[f"aws:principaltag/{tag['Key'].lower()}"] = tag["Value"]
    return context


def keep(decisions: list[sandbox_policy.Decision]) -> None:
    with _decisions_lock:
        _decisions.extend(
            {
                "action": item.request.action,
                "resource": item.request.resource,
                "outcome": item.outcome,
                "statement": item.statement,
            }
            for item in decisions
        )
        del _decisions[:-DECISIONS_KEPT]


def control(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """GET PATH: the decisions taken, oldest first. DELETE PATH: forget them."""
    method = environ.get("REQUEST_METHOD", "GET")
    with _decisions_lock:
        if method == "DELETE":
            _decisions.clear()
        status, body = (200, {"decisions": list(_decisions)}) if method in ("GET", "DELETE") else (400, {})
    if status != 200:
        body = {"error": f"{method} {PATH}: GET or DELETE"}
    data = json.dumps(body).encode("utf-8")
    start_response(
        f"{status} {'OK' if status == 200 else 'Bad Request'}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
    )
    return [data]


def install() -> None:
    """Patch moto, in the sandbox server's process."""
    IAMRequestBase._create_aws_request = create_aws_request  # pylint: disable=protected-access
    IAMRequestBase.check_action_permitted = check_action_permitted
    ActionAuthenticatorMixin._authenticate_and_authorize_normal_action = authenticate
