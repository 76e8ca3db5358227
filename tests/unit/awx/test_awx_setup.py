# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""playbooks/awx_setup.yml, without an AWX server: it parses, and it calls the awx.awx modules as they are.

Every option a task passes must be one the installed module's argument spec accepts (read from the module itself,
by running its main() up to the point where it builds its AnsibleModule); the workflow's nodes, which the module
takes as plain dicts, must use the suboptions its documentation describes. The workflow must be the release
pipeline: Deploy, an approval, Switch, then Clean on success or Rollback on failure.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from unittest import mock

import pytest
import yaml
from ansible.module_utils import basic
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
from ansible.template import trust_as_template

from awx_support import ROOT
from awx_support import SURVEYS
from awx_support import job_templates
from awx_support import module_of
from awx_support import setup_play
from awx_support import tasks

BIN = os.path.dirname(sys.executable)
TYPES = {"str": str, "bool": bool, "int": int, "float": (int, float), "list": list, "dict": dict, "path": str}


class _Built(Exception):
    """Raised in place of building the AnsibleModule, once its argument spec is known."""


def argument_spec(module):
    """The full argument spec of an awx.awx module, the connection options included."""
    found = {}

    def build(self, argument_spec=None, **kwargs):
        found.update(argument_spec)
        raise _Built

    loaded = importlib.import_module(f"ansible_collections.awx.awx.plugins.modules.{module}")
    with mock.patch.object(basic.AnsibleModule, "__init__", build), pytest.raises(_Built):
        loaded.main()
    return found


def documented_suboptions(module, option):
    loaded = importlib.import_module(f"ansible_collections.awx.awx.plugins.modules.{module}")
    return yaml.safe_load(loaded.DOCUMENTATION)["options"][option]["suboptions"]


def awx_tasks():
    return [task for task in tasks() if (module_of(task) or "").startswith("awx.awx.")]


def workflow_nodes():
    (task,) = [task for task in awx_tasks() if module_of(task) == "awx.awx.workflow_job_template"]
    return task["awx.awx.workflow_job_template"]["workflow_nodes"]


def literal(value):
    return not (isinstance(value, str) and "{{" in value)


@pytest.mark.parametrize(
    "playbook",
    ["teal.bluegreen.awx_setup", "playbooks/awx_setup.yml", "teal.bluegreen.rollback_deployment"],
    ids=["awx_setup by name", "awx_setup by path", "rollback_deployment"],
)
def test_the_playbook_parses(playbook):
    # By name, it is the copy `make install` put into .venv/collections, as users run it.
    env = dict(
        os.environ,
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".venv" / "collections"),
    )
    done = subprocess.run(
        [os.path.join(BIN, "ansible-playbook"), "--syntax-check", playbook],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_it_manages_every_object_of_the_release_pipeline():
    modules = [module_of(task) for task in awx_tasks()]
    for module in (
        "awx.awx.credential",
        "awx.awx.execution_environment",
        "awx.awx.project",
        "awx.awx.inventory",
        "awx.awx.inventory_source",
        "awx.awx.job_template",
        "awx.awx.workflow_job_template",
    ):
        assert module in modules
    # Idempotent: every object is declared present, nothing is launched or destroyed.
    for task in awx_tasks():
        args = task[module_of(task)]
        assert args.get("state") == "present", task["name"]
        assert not args.get("destroy_current_nodes"), task["name"]


@pytest.mark.parametrize("task", awx_tasks(), ids=lambda task: task["name"])
def test_every_option_is_one_the_module_takes(task):
    module = module_of(task).split(".")[-1]
    spec = argument_spec(module)
    names = {name: name for name in spec}
    names.update({alias: name for name, option in spec.items() for alias in option.get("aliases", [])})
    args = task[module_of(task)]
    unknown = sorted(set(args) - set(names))
    assert not unknown, f"awx.awx.{module} has no option {unknown}"
    missing = [name for name, option in spec.items() if option.get("required") and name not in args]
    assert not missing, f"awx.awx.{module} requires {missing}"
    for key, value in args.items():
        option = spec[names[key]]
        if not literal(value):
            continue
        if option.get("choices"):
            assert value in option["choices"], f"{key}: {value!r} is not one of {option['choices']}"
        kind = TYPES[option.get("type", "str")]
        assert isinstance(value, kind), f"{key}: {value!r} is not a {option.get('type', 'str')}"


def check_suboptions(value, suboptions, where):
    assert isinstance(value, dict), where
    unknown = sorted(set(value) - set(suboptions))
    assert not unknown, f"{where}: no suboption {unknown}"
    for key, item in value.items():
        nested = suboptions[key].get("suboptions")
        if nested and suboptions[key].get("type") == "list":
            for index, element in enumerate(item):
                check_suboptions(element, nested, f"{where}.{key}[{index}]")
        elif nested:
            check_suboptions(item, nested, f"{where}.{key}")


def test_workflow_nodes_use_the_documented_suboptions():
    suboptions = documented_suboptions("workflow_job_template", "workflow_nodes")
    required = [name for name, option in suboptions.items() if option.get("required")]
    for node in workflow_nodes():
        check_suboptions(node, suboptions, node.get("identifier", "?"))
        assert all(name in node for name in required), node
        # The module looks a node's template up by name and type, and needs both.
        assert {"name", "type"} <= set(node["unified_job_template"]), node


def rendered(value):
    """A value of awx_setup as the play renders it, with the play's own settings."""
    return Templar(loader=DataLoader(), variables=setup_play()["vars"]).template(trust_as_template(value))


def test_the_workflow_is_deploy_approve_switch_then_clean_or_rollback():
    nodes = {node["identifier"]: node for node in workflow_nodes()}
    assert len(nodes) == len(workflow_nodes()), "identifiers must be unique"
    links = {
        (identifier, kind, target["identifier"])
        for identifier, node in nodes.items()
        for kind, targets in node.get("related", {}).items()
        for target in targets
    }
    assert {link[2] for link in links} <= set(nodes)
    names = {rendered(f"{{{{ bluegreen_awx_name }}}} {name}"): name for name in job_templates()}
    assert "Blue-green Deploy" in names
    kinds = {}
    for identifier, node in nodes.items():
        template = node["unified_job_template"]
        if template["type"] == "workflow_approval":
            kinds[identifier] = "approval"
        else:
            assert template["type"] == "job_template"
            kinds[identifier] = names[rendered(template["name"])]
    by_kind = {kind: identifier for identifier, kind in kinds.items()}
    assert sorted(kinds.values()) == ["Clean", "Deploy", "Rollback", "Switch", "approval"]
    assert links == {
        (by_kind["Deploy"], "success_nodes", by_kind["approval"]),
        (by_kind["approval"], "success_nodes", by_kind["Switch"]),
        (by_kind["Switch"], "success_nodes", by_kind["Clean"]),
        (by_kind["Switch"], "failure_nodes", by_kind["Rollback"]),
    }
    approval = nodes[by_kind["approval"]]["unified_job_template"]
    assert rendered(approval["timeout"]) == setup_play()["vars"]["bluegreen_awx_approval_timeout"]


@pytest.mark.parametrize("name", sorted(job_templates()))
def test_job_templates_run_the_collection_playbooks_with_a_survey(name):
    template = job_templates()[name]
    assert (ROOT / template["playbook"]).is_file(), template["playbook"]
    assert (SURVEYS / template["survey"]).is_file(), template["survey"]


def test_the_inventory_source_groups_instances_by_colour():
    (task,) = [task for task in awx_tasks() if module_of(task) == "awx.awx.inventory_source"]
    source = task["awx.awx.inventory_source"]
    # "ec2" is AWX's source for the amazon.aws.aws_ec2 inventory plugin.
    assert source["source"] == "ec2"
    assert {"key": "tags['bluegreen:color']", "prefix": "bluegreen", "separator": "_"} in source["source_vars"][
        "keyed_groups"
    ]
    assert source["update_on_launch"] is True


def test_aws_keys_come_from_the_credential_only():
    (credential,) = [task for task in awx_tasks() if module_of(task) == "awx.awx.credential"]
    assert credential["no_log"] is True
    assert credential["awx.awx.credential"]["credential_type"] == "Amazon Web Services"
    for template in job_templates().values():
        assert not [name for name in template["extra_vars"] if "key" in name], template["name"]
    (job_template,) = [task for task in awx_tasks() if module_of(task) == "awx.awx.job_template"]
    assert "bluegreen_awx_aws_credential" in job_template["awx.awx.job_template"]["credentials"]
