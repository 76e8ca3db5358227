"""Which AWS API calls change something: the one classifier of the tests, the benchmark and the fault proxy.

A call is named by its operation (``CreateAutoScalingGroup``: the Query and JSON protocols name it) or, for the REST
protocols, by its method and path (``POST /2013-04-01/hostedzone/Z1/rrset``). Every operation of the services the
collection calls that is not a write reads: Describe*, Get*, List*, BatchGet*.
"""

from __future__ import annotations

# The verbs of the AWS operations that change something.
WRITE_PREFIXES = (
    "Add",
    "Associate",
    "Attach",
    "Authorize",
    "Cancel",
    "Change",
    "Complete",
    "Continue",
    "Copy",
    "Create",
    "Delete",
    "Deregister",
    "Detach",
    "Disable",
    "Disassociate",
    "Enable",
    "Execute",
    "Modify",
    "Publish",
    "Put",
    "Reboot",
    "Record",
    "Register",
    "Remove",
    "Replace",
    "Restore",
    "Resume",
    "Revoke",
    "Run",
    "Send",
    "Set",
    "Start",
    "Stop",
    "Suspend",
    "Tag",
    "Terminate",
    "Untag",
    "Update",
)
# The methods by which a REST call changes something.
WRITE_METHODS = ("POST", "PUT", "DELETE", "PATCH")


def is_write(operation: str) -> bool:
    """Whether the call ``operation`` (an operation name, or "METHOD /path") changes something; Batch* as the calls it
    batches (BatchDeleteScheduledAction writes, BatchGetDeployments reads)."""
    name = operation[len("Batch") :] if operation.startswith("Batch") else operation
    return name.startswith(WRITE_PREFIXES) or operation.split(" ", 1)[0] in WRITE_METHODS
