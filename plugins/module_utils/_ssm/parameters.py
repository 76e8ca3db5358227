# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin wrappers of the SSM Parameter Store calls the modules need."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from .common import SSMErrorHandler


@SSMErrorHandler.common_error_handler("read parameters")
@AWSRetry.jittered_backoff()
def get_parameters(client, names):
    """The parameters called names as {name: parameter}; missing ones map to None."""
    result = client.get_parameters(Names=list(names))
    found = {parameter["Name"]: parameter for parameter in result.get("Parameters", [])}
    return {name: found.get(name) for name in names}
