# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every wait of the collection shares, on top of amazon.aws's BaseWaiterFactory: the transient errors a poll
rides out, the wait's time given as a timeout and a poll interval, and WaitTimeout when that time runs out.

Each service's factory (``_<service>/waiters.py``) holds the models of its waiters; a model that depends on a
number or a milestone takes it through the factory's constructor.
"""

from __future__ import annotations

try:
    from botocore.exceptions import WaiterError
    from botocore.waiter import is_valid_waiter_error
except ImportError:
    pass  # The modules report the missing botocore.

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.waiter import BaseWaiterFactory
from ansible_collections.amazon.aws.plugins.module_utils.waiter import custom_waiter_config

# The errors a poll may meet on its way, retried rather than ending the wait at the first one. BaseWaiterFactory
# retries most of them already, but not ThrottlingException, the throttling code of the JSON protocols (CodeDeploy).
RETRIED_ERRORS = ("Throttling", "ThrottlingException", "RequestLimitExceeded", "ServiceUnavailable", "InternalFailure")


class WaitTimeout(AnsibleAWSError):
    """The state a wait waited for had not come when its time ran out.

    A wait that ends any other way (a failure state of its model, an error no acceptor expects) raises
    botocore's WaiterError, which the services' error handlers report as the service's error.
    """


class WaiterFactory(BaseWaiterFactory):
    """BaseWaiterFactory whose waiters also retry every code of RETRIED_ERRORS, with ``wait`` to run one of them."""

    def _inject_ratelimit_retries(self, model_data):
        model_data = super()._inject_ratelimit_retries(model_data)
        for waiter in model_data.values():
            retried = {
                item["expected"]
                for item in waiter["acceptors"]
                if (item["matcher"], item["state"]) == ("error", "retry")
            }
            waiter["acceptors"].extend(_retry(code) for code in RETRIED_ERRORS if code not in retried)
        return model_data

    def wait(self, client, waiter_name, timeout, poll_interval, **params):
        """Poll with ``params`` every ``poll_interval`` seconds until the waiter's success, ``timeout`` seconds at most.

        Raises WaitTimeout when the time runs out, and botocore's WaiterError when the wait fails otherwise.
        """
        waiter = self.get_waiter(client, waiter_name)
        try:
            waiter.wait(WaiterConfig=custom_waiter_config(timeout=timeout, default_pause=poll_interval), **params)
        except WaiterError as e:
            if not _ran_out_of_attempts(waiter, e.last_response):
                raise
            raise WaitTimeout(message=f"{waiter_name} not reached within {timeout}s", exception=e) from e


def _ran_out_of_attempts(waiter, last_response):
    """Whether ``waiter``, which raised a WaiterError on ``last_response``, stopped because it had no attempt left.

    Told from the answer as the waiter judges it: botocore takes the first acceptor that matches, and fails
    on a failure acceptor, or on an error that no acceptor matches; any other answer leaves it waiting, so on
    its last attempt it gives up.
    """
    for acceptor in waiter.config.acceptors:
        if acceptor.matcher_func(last_response):
            return acceptor.state == "retry"
    return not is_valid_waiter_error(last_response)


def _retry(code):
    return {"matcher": "error", "expected": code, "state": "retry"}
