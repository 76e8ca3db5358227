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
  as ``<ErrorResponse><Error>`` and finds neither code nor message in it: boto3 raises a ClientError with an empty
  code, and the refused action is named nowhere.

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

The patch, as it could go upstream: the body signed again is the request's own; the parsed parameters stand in for it
only when the request is a form (Content-Type application/x-www-form-urlencoded), whose body the server parses. A
refusal to a REST-XML service other than S3 (which has its own errors) is written in that protocol's error document.
This module keeps no state.
"""

from __future__ import annotations

from typing import Any

from botocore.awsrequest import AWSRequest
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import JsonRESTError
from moto.core.exceptions import _RESTError  # pylint: disable=protected-access
from moto.core.utils import get_service_model
from moto.iam.access_control import IAMRequestBase
from xmltodict import unparse

FORM = "application/x-www-form-urlencoded"
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
            if get_service_model(service).metadata.get("protocol") == "rest-xml":
                error.description = rest_xml_error(service, error)
        raise


def install() -> None:
    """Patch moto, in the sandbox server's process."""
    IAMRequestBase._create_aws_request = create_aws_request  # pylint: disable=protected-access
    ActionAuthenticatorMixin._authenticate_and_authorize_normal_action = authenticate
