# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""runtime.Clients: the clients of a module run, from one boto3 session, made as AnsibleAWSModule.client() makes them.

Making a client calls no AWS API, so these tests need no sandbox.
"""

from __future__ import annotations

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils.runtime import Clients


class FakeModule:
    """The parts of AnsibleAWSModule that Clients uses: the AWS connection options and the failures."""

    _name = "state_info"

    def __init__(self, **params):
        self.params = dict(
            region="eu-west-1",
            endpoint_url="http://127.0.0.1:4599",
            access_key="testing",
            secret_key="testing",
            session_token=None,
            profile=None,
            validate_certs=True,
            aws_ca_bundle=None,
            aws_config=None,
        )
        self.params.update(params)

    def fail_json(self, **kwargs):
        raise AssertionError(kwargs["msg"])

    def fail_json_aws(self, exception, msg=None):
        raise AssertionError(f"{msg}: {exception}")


def test_each_client_is_made_once_and_all_share_one_session():
    clients = Clients(FakeModule())

    elbv2, ssm = clients("elbv2"), clients("ssm")

    assert clients("elbv2") is elbv2
    # One session: one loader of botocore's data for every client.
    assert elbv2._loader is ssm._loader


def test_clients_take_the_module_connection_options_and_amazon_aws_user_agent():
    clients = Clients(FakeModule(aws_config={"connect_timeout": 7}))

    ssm = clients("ssm")

    assert ssm.meta.region_name == "eu-west-1"
    assert ssm.meta.endpoint_url == "http://127.0.0.1:4599"
    assert ssm.meta.config.connect_timeout == 7
    assert ssm.meta.config.user_agent.startswith("APN/1.0 Ansible/")
    assert ssm._request_signer._credentials.access_key == "testing"


def test_a_missing_region_fails_the_module_with_the_module_name(monkeypatch):
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    clients = Clients(FakeModule(region=None, endpoint_url=None))

    with pytest.raises(AssertionError, match="The state_info module requires a region"):
        clients("ssm")
