"""Reliability tests: faults, concurrency, bad inputs and least privilege (docs/reliability.md).

A package, so that its conftest.py and helpers do not take the module name ``conftest`` from tests/conftest.py,
which the tests import their helpers from.
"""
