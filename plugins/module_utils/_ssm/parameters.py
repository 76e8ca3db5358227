# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin wrappers of the SSM Parameter Store calls the modules need."""

from __future__ import annotations

try:
    import botocore.exceptions
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from .common import AnsibleSSMError
from .common import SSMErrorHandler

# How many times a write whose answer was lost is checked and sent again.
UNCERTAIN_ATTEMPTS = 4


class LostAnswer(Exception):
    """A PutParameter whose answer never came (the connection closed or timed out after the request was sent) or was
    a server error: Parameter Store may or may not have written it."""


def _stop_uncertain_retry(response=None, caught_exception=None, **_kwargs):
    """botocore's needs-retry handler for PutParameter: raise LostAnswer where botocore would send the request again
    without knowing whether it was written. PutParameter has no client token, so that retry could write a second
    version; put_parameter reads the parameter first instead."""
    if caught_exception is not None:
        if isinstance(caught_exception, botocore.exceptions.HTTPClientError):
            raise LostAnswer(str(caught_exception))
        return None
    if response is not None and response[0].status_code >= 500:
        raise LostAnswer(f"HTTP {response[0].status_code}")
    return None


@SSMErrorHandler.common_error_handler("read parameters")
@AWSRetry.jittered_backoff(catch_extra_error_codes=["ThrottlingException"])
def get_parameters(client, names):
    """The parameters called names as {name: parameter}; missing ones map to None."""
    result = client.get_parameters(Names=list(names))
    found = {parameter["Name"]: parameter for parameter in result.get("Parameters", [])}
    return {name: found.get(name) for name in names}


@SSMErrorHandler.list_error_handler("read parameter history", default_value=[])
@AWSRetry.jittered_backoff(catch_extra_error_codes=["ThrottlingException"])
def get_parameter_history(client, name):
    """Every stored version of the parameter called name, oldest first; empty when it does not exist."""
    paginator = client.get_paginator("get_parameter_history")
    return paginator.paginate(Name=name).build_full_result()["Parameters"]


def put_parameter(client, name, value, description, overwrite=False, tags=None):
    """Write a String parameter and return its new version; sent once, whatever the network does.

    Without overwrite the call is a compare-and-create: it returns None, writing nothing, when the
    parameter already exists. ``tags`` ({key: value}) are given to a parameter it creates; Parameter Store
    takes them only without overwrite.

    When the answer is lost or is a server error, the parameter is read: holding ``value`` it was written (its version
    is returned), else the write is sent again. So a lost answer makes no second version, nor does it turn this run's
    own create into "already exists".
    """
    client.meta.events.register_first(
        "needs-retry.ssm.PutParameter", _stop_uncertain_retry, unique_id="teal-bluegreen-put-parameter-once"
    )
    lost = None
    for _attempt in range(UNCERTAIN_ATTEMPTS):
        try:
            return _put_parameter(client, name, value, description, overwrite, tags)
        except LostAnswer as error:
            lost = error
            current = get_parameters(client, [name])[name]
            if current is not None and current["Value"] == value:
                return current["Version"]
    raise AnsibleSSMError(
        message=f"write parameter {name}: no answer to {UNCERTAIN_ATTEMPTS} attempts ({lost}), and it does not hold "
        "the value written; check Parameter Store's health and run again",
        exception=lost,
    )


# Concurrent writes to one parameter get TooManyUpdates; retried, a create then sees ParameterAlreadyExists,
# which is the answer a compare-and-create wants.
@SSMErrorHandler.common_error_handler("write parameter")
@AWSRetry.jittered_backoff(catch_extra_error_codes=["ThrottlingException", "TooManyUpdates"])
def _put_parameter(client, name, value, description, overwrite, tags):
    extra = {"Tags": [{"Key": key, "Value": tag} for key, tag in tags.items()]} if tags else {}
    try:
        result = client.put_parameter(
            Name=name, Value=value, Type="String", Description=description, Overwrite=overwrite, **extra
        )
    except is_boto3_error_code("ParameterAlreadyExists"):
        return None
    return result["Version"]


@SSMErrorHandler.deletion_error_handler("delete parameter")
@AWSRetry.jittered_backoff(catch_extra_error_codes=["ThrottlingException", "TooManyUpdates"])
def delete_parameter(client, name):
    """Delete a parameter; False when it was already gone."""
    client.delete_parameter(Name=name)
    return True
