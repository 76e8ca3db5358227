"""Named snapshots of the sandbox's emulated AWS state, taken and put back inside the server.

POST /_sandbox/snapshots/NAME           save the state of every service as NAME (replacing an earlier NAME)
POST /_sandbox/snapshots/NAME/restore   put NAME's state back: every service as it was when NAME was saved
GET  /_sandbox/snapshots                -> {"snapshots": [names]}
DELETE /_sandbox/snapshots[/NAME]       forget NAME, or every snapshot

Provisioning the sandbox (playbooks/sandbox.yml) takes a minute and a half of Ansible; putting its result
back takes a fraction of a second, so the tests can start each file from the same provisioned state.
The state is moto's backends, every account and region of every service in use, copied in one deep copy so
that objects shared between services stay shared in the copy. /moto-api/reset keeps the snapshots.
This endpoint is not an AWS API, so the recorder never logs it.
"""

from __future__ import annotations

import collections
import copy
import copyreg
import json
import re
import threading
from typing import Any

from moto.core.base_backend import BackendDict, backend_lock
from moto.ssm.models import ParameterDict

PATH = "/_sandbox/snapshots"
NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")

_SNAPSHOTS: dict[str, tuple[list[tuple[BackendDict, str, str]], list[Any]]] = {}
_LOCK = threading.Lock()


def _mapping(cls: type, factory: Any, attributes: dict[str, Any], items: list[tuple[Any, Any]]) -> Any:
    """A dict subclass rebuilt without calling its __init__, which may want arguments a copy cannot give."""
    mapping = cls.__new__(cls)
    if isinstance(mapping, collections.defaultdict):
        mapping.default_factory = factory
    mapping.__dict__.update(attributes)
    for key, value in items:
        dict.__setitem__(mapping, key, value)
    return mapping


def _reduce_mapping(mapping: Any) -> tuple[Any, tuple[Any, ...]]:
    return _mapping, (type(mapping), getattr(mapping, "default_factory", None), mapping.__dict__, list(mapping.items()))


# moto's mappings whose __init__ takes arguments: copy and deepcopy would call it without them.
for _cls in (ParameterDict,):
    copyreg.pickle(_cls, _reduce_mapping)


def save(name: str) -> int:
    """Copy every backend in use under ``name``; returns how many (account, region) backends were copied."""
    with backend_lock:
        places, backends = [], []
        for service in BackendDict._instances:  # pylint: disable=protected-access
            for account, regional in service.items():
                for region, backend in regional.items():
                    places.append((service, account, region))
                    backends.append(backend)
        _SNAPSHOTS[name] = (places, copy.deepcopy(backends))
    return len(places)


def restore(name: str) -> int:
    """Replace every backend with a fresh copy of ``name``'s; a service unused then starts empty again."""
    places, saved = _SNAPSHOTS[name]
    backends = copy.deepcopy(saved)
    with backend_lock:
        for service in list(BackendDict._instances):  # pylint: disable=protected-access
            service.clear()
        BackendDict._instances.clear()  # pylint: disable=protected-access
        for (service, account, region), backend in zip(places, backends):
            dict.__setitem__(service[account], region, backend)
    return len(places)


def control(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    method = environ.get("REQUEST_METHOD", "GET")
    parts = [part for part in environ.get("PATH_INFO", "")[len(PATH) :].split("/") if part]
    try:
        with _LOCK:
            if method == "GET" and not parts:
                return _respond(start_response, 200, {"snapshots": sorted(_SNAPSHOTS)})
            if method == "DELETE" and len(parts) <= 1:
                names = parts or list(_SNAPSHOTS)
                deleted = [name for name in names if _SNAPSHOTS.pop(name, None) is not None]
                return _respond(start_response, 200, {"deleted": deleted})
            if method == "POST" and len(parts) == 1 and NAME.match(parts[0]):
                return _respond(start_response, 201, {"saved": parts[0], "backends": save(parts[0])})
            if method == "POST" and len(parts) == 2 and parts[1] == "restore":
                if parts[0] not in _SNAPSHOTS:
                    return _respond(
                        start_response, 404, {"error": f"no snapshot named {parts[0]!r}; saved: {sorted(_SNAPSHOTS)}"}
                    )
                return _respond(start_response, 200, {"restored": parts[0], "backends": restore(parts[0])})
    except Exception as error:  # pylint: disable=broad-except
        return _respond(start_response, 500, {"error": f"{type(error).__name__}: {error}"})
    return _respond(
        start_response, 400, {"error": f"{method} {environ.get('PATH_INFO')}: see {PATH} in tools/sandbox_snapshot.py"}
    )


def _respond(start_response: Any, status: int, body: dict[str, Any]) -> list[bytes]:
    reasons = {200: "OK", 201: "Created", 400: "Bad Request", 404: "Not Found", 500: "Internal Server Error"}
    data = json.dumps(body).encode("utf-8")
    start_response(
        f"{status} {reasons[status]}", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]
