# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every whole-number option of every module has bounds, and each module refuses a value past either bound before it
reads anything: the modules' argument specs are enumerated from their own main(), with the module class replaced by
one that records the spec and the refusal."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils import bounds

ROOT = Path(__file__).resolve().parents[4]
MODULES = sorted(path.stem for path in (ROOT / "plugins" / "modules").glob("*.py") if path.stem != "__init__")


class Refused(Exception):
    pass


class Started(Exception):
    """The module went past its checks: it would have read from AWS now."""


def fake_module_class(params, seen):
    class FakeModule:
        def __init__(self, argument_spec, **options):
            seen["spec"] = argument_spec
            if params is None:
                raise Started()
            self.params = params
            self.check_mode = False
            self.no_log_values = set()

        def fail_json(self, msg, **result):
            raise Refused(msg)

    return FakeModule


def run_main(monkeypatch, name, params=None):
    """Run module ``name``'s main() with ``params`` (None: only read its argument spec); returns (spec, outcome)."""
    module = importlib.import_module(f"ansible_collections.teal.bluegreen.plugins.modules.{name}")
    seen = {}
    fake = fake_module_class(params, seen)
    for attribute in ("AnsibleAWSModule", "AnsibleModule"):
        if hasattr(module, attribute):
            monkeypatch.setattr(module, attribute, fake)

    def started(*arguments):
        raise Started()

    if hasattr(module, "run_module"):
        monkeypatch.setattr(module, "run_module", started)
    try:
        module.main()
    except (Refused, Started) as outcome:
        return seen["spec"], outcome
    raise AssertionError(f"{name}'s main() neither refused nor started")


def params_for(spec):
    """Parameters as Ansible would hand them over with nothing but the required options given."""
    params = {}
    for name, option in spec.items():
        value = option.get("default")
        if value is None and option.get("required"):
            kind = option.get("type", "str")
            value = (option.get("choices") or ["x"])[0] if kind == "str" else ["x"] if kind == "list" else None
        if option.get("type") == "dict" and option.get("options") and (value is not None or option.get("required")):
            value = dict(params_for(option["options"]), **(value or {}))
        params[name] = value
    return params


def set_path(params, spec, path, value):
    """``params`` with the option at ``path`` set to ``value``, the dict options above it filled in."""
    *parents, leaf = path.split(".")
    target, options = params, spec
    for parent in parents:
        if target.get(parent) is None:
            target[parent] = params_for(options[parent]["options"])
        target, options = target[parent], options[parent]["options"]
    target[leaf] = value
    return params


def int_options():
    found = []
    for name in MODULES:
        with pytest.MonkeyPatch.context() as monkeypatch:
            spec = run_main(monkeypatch, name)[0]
        found.extend((name, path) for path in bounds.int_options(spec))
    return found


OPTIONS = int_options()


def test_every_int_option_of_every_module_has_bounds_and_every_bound_an_option():
    assert len(OPTIONS) >= 20
    assert {option[1] for option in OPTIONS} == set(bounds.BOUNDS)


@pytest.mark.parametrize(("name", "path"), OPTIONS, ids=[f"{name}:{path}" for name, path in OPTIONS])
def test_a_value_past_either_bound_is_refused_naming_it_before_anything_is_read(monkeypatch, name, path):
    low, high = bounds.BOUNDS[path]
    spec = run_main(monkeypatch, name)[0]
    for value in (low - 1, high + 1):
        outcome = run_main(monkeypatch, name, set_path(params_for(spec), spec, path, value))[1]
        assert isinstance(outcome, Refused), f"{name} went on with {path}={value}"
        message = str(outcome)
        assert f"{path.split('.')[-1]} {value}" in message or f"{path} is {value}" in message, message
        assert "use " in message or "allows" in message, message


@pytest.mark.parametrize(("name", "path"), OPTIONS, ids=[f"{name}:{path}" for name, path in OPTIONS])
def test_the_bounds_themselves_pass(name, path):
    low, high = bounds.BOUNDS[path]
    spec = {path.split(".")[0]: {"type": "int"}} if "." not in path else None
    for value in (low, high):
        params = {}
        parent, leaf = path.rpartition(".")[::2]
        if parent:
            params[parent] = {leaf: value}
            spec = {parent: {"type": "dict", "options": {leaf: {"type": "int"}}}}
        else:
            params[leaf] = value
        assert bounds.out_of_range(spec, params) == []


def test_unset_options_and_unset_dicts_are_not_checked():
    spec = {"weights": {"type": "dict", "options": {"blue": {"type": "int"}}}, "wait_timeout": {"type": "int"}}
    assert bounds.out_of_range(spec, {"weights": None, "wait_timeout": None}) == []
    assert bounds.out_of_range(spec, {"weights": {"blue": 256}, "wait_timeout": -1}) == [
        "weights.blue 256 is out of range; use 0 to 255",
        "wait_timeout -1 is out of range; use 0 to 432000",
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"wait_timeout": 0, "poll_interval": 1}, None),
        ({"wait_timeout": None, "poll_interval": 1}, None),
        ({"wait_timeout": -1, "poll_interval": 1}, "wait_timeout -1 is negative; use 0 or more"),
        ({"wait_timeout": 10, "poll_interval": 0}, "poll_interval 0 is too small; use 1 or more"),
        ({"wait_timeout": -5, "poll_interval": 0}, "wait_timeout -5 is negative; use 0 or more"),
    ],
)
def test_the_first_option_under_its_minimum_is_named_with_that_minimum(params, expected):
    assert bounds.under_minimum(params, ("wait_timeout", "poll_interval")) == expected
