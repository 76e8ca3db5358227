# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin wrappers of the SSM Parameter Store calls the modules need."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from .common import SSMErrorHandler


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


# Concurrent writes to one parameter get TooManyUpdates; retried, a create then sees ParameterAlreadyExists,
# which is the answer a compare-and-create wants.
@SSMErrorHandler.common_error_handler("write parameter")
@AWSRetry.jittered_backoff(catch_extra_error_codes=["ThrottlingException", "TooManyUpdates"])
def put_parameter(client, name, value, description, overwrite=False, tags=None):
    """Write a String parameter and return its new version.

    Without overwrite the call is a compare-and-create: it returns None, writing nothing, when the
    parameter already exists. ``tags`` ({key: value}) are given to a parameter it creates; Parameter Store
    takes them only without overwrite.
    """
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
