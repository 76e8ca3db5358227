# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Error handling shared by the per-service wrappers, beyond what amazon.aws's AWSErrorHandler covers."""

from __future__ import annotations

import functools

try:
    from botocore.parsers import ResponseParserError
except ImportError:
    pass  # The modules report the missing botocore.


def unparsable_as_error(exception_class, description):
    """Turn a response botocore cannot parse into ``exception_class`` (an AnsibleAWSError).

    Endpoints that do not implement a call (emulators, some partitions) may answer with an HTML error
    page, which botocore reports outside its ClientError/BotoCoreError hierarchy; callers that can do
    without the call then catch one exception type.
    """

    def wrapper(func):
        @functools.wraps(func)
        def handler(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except ResponseParserError as e:
                raise exception_class(
                    message=f"Failed to {description}: the endpoint's answer could not be parsed", exception=e
                ) from e

        return handler

    return wrapper
