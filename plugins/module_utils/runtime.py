# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every module of the collection runs on: the error that means bad input, the runner that turns errors into the
module's failure, the AWS clients of a run, the check of an application's name and the argument specs the modules
share."""

from __future__ import annotations

import re

try:
    import boto3
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing libraries

from ansible.module_utils.ansible_release import __version__ as ansible_version

from ansible_collections.amazon.aws.plugins.module_utils.botocore import enable_placebo
from ansible_collections.amazon.aws.plugins.module_utils.botocore import get_aws_connection_info
from ansible_collections.amazon.aws.plugins.module_utils.common import get_collection_info
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

APP_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+$")

# Argument spec of the ``target_groups`` option, documented by the teal.bluegreen.target_groups fragment.
# Options naming a resource per colour (target_groups, load_balancers): {blue: <name|arn>, green: <name|arn>}.
COLOR_NAMES_SPEC = dict(
    type="dict",
    options=dict(blue=dict(type="str", required=True), green=dict(type="str", required=True)),
)
TARGET_GROUPS_SPEC = COLOR_NAMES_SPEC

# Options naming alias records (live_records, staging_records).
RECORDS_SPEC = dict(
    type="dict",
    options=dict(
        zone=dict(type="str", required=True),
        private_zone=dict(type="bool", default=False),
        names=dict(type="list", elements="str", required=True),
        type=dict(type="str", choices=["A", "AAAA"], default="A"),
    ),
)


class BlueGreenError(Exception):
    """Bad input or a resource that is not there: the module fails with this message and changes nothing."""


def run_module(module, do):
    """Run ``do(module)``; bad input (BlueGreenError) and AWS errors become the module's failure."""
    try:
        do(module)
    except BlueGreenError as e:
        module.fail_json(msg=str(e))
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)


class Clients:
    """The AWS clients of one module run, each made on first use (``clients("elbv2")``), all from one boto3 session.

    Every module of the collection makes its clients here. AnsibleAWSModule.client() starts a new session for
    every client, and every session loads botocore's endpoint data and list of services again: about 0.1 s of
    CPU per client, a third of a state_info run. The session and the clients are otherwise made as
    AnsibleAWSModule.client() makes them: from the module's connection options, with amazon.aws's user agent
    and the module's aws_config.
    """

    def __init__(self, module):
        self._module = module
        self._session = None
        self._clients = {}

    def __call__(self, service):
        if service not in self._clients:
            self._clients[service] = self._connect(service)
        return self._clients[service]

    def _connect(self, service):
        region, endpoint_url, connect = get_aws_connection_info(self._module)
        connect = dict(connect)
        profile = connect.pop("profile_name", None)
        config = botocore.config.Config(user_agent=_user_agent())
        extra = connect.pop("aws_config", None)
        if extra:
            config = config.merge(extra)
        try:
            if self._session is None:
                self._session = boto3.session.Session(profile_name=profile)
                enable_placebo(self._session)
            return self._session.client(
                service, config=config, region_name=region, endpoint_url=endpoint_url, **connect
            )
        except botocore.exceptions.NoRegionError:
            self._module.fail_json(
                msg=f"The {self._module._name} module requires a region and none was found in configuration, "
                "environment variables or module parameters"
            )
        except (ValueError, botocore.exceptions.BotoCoreError) as e:
            self._module.fail_json_aws(e, msg="Couldn't connect to AWS")


def _user_agent():
    """The user agent amazon.aws gives its clients: APN/1.0 Ansible/<version> <collection>/<version>."""
    info = get_collection_info()
    agent = f"APN/1.0 Ansible/{ansible_version}"
    if info["name"]:
        agent += f" {info['name']}/{info['version']}" if info["version"] is not None else f" {info['name']}"
    return agent


def check_app(app):
    if not APP_PATTERN.match(app or ""):
        raise BlueGreenError(f"app {app!r} may hold only letters, digits, '.', '_' and '-'")
