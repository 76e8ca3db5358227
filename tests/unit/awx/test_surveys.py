# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The surveys under awx/surveys: AWX takes them, and every answer reaches a role variable that takes it.

A survey answer is an extra variable of the job, so it must be a variable of the roles the job template's
playbook runs, declared in their meta/argument_specs.yml, of a type the question produces (text gives a string,
integer an int, a multiple selection a list of strings) and, for a choice, among the choices the role accepts.
A question whose answer a role cannot take as such is bridged: one of the job template's own extra variables
(rendered by the job) turns it into the role variable.
"""

from __future__ import annotations

import copy
import re

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
from ansible.template import trust_as_template

from awx_support import ROOT
from awx_support import answer_errors
from awx_support import choices
from awx_support import job_templates
from awx_support import spec_errors
from awx_support import survey
from awx_support import surveys
from awx_support import tasks

# The argument spec types a value of each question type passes as it is.
TAKES = {
    "text": {"str", "raw"},
    "textarea": {"str", "raw"},
    "password": {"str", "raw"},
    "multiplechoice": {"str", "raw"},
    "integer": {"int", "raw"},
    "float": {"float", "raw"},
}


def role_options(role):
    specs = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
    return specs["argument_specs"]["main"]["options"]


def playbook_roles(playbook):
    """The collection's roles a playbook runs: its plays' roles and the roles its tasks include or import."""
    found = set()

    def walk(items):
        for task in items or []:
            for key in ("ansible.builtin.include_role", "ansible.builtin.import_role"):
                if key in task:
                    found.add(task[key]["name"])
            for section in ("block", "rescue", "always"):
                walk(task.get(section))

    for play in yaml.safe_load((ROOT / playbook).read_text(encoding="utf-8")):
        found.update(role["role"] if isinstance(role, dict) else role for role in play.get("roles", []))
        walk(play.get("tasks"))
    return {name.split(".")[-1] for name in found if name.startswith("teal.bluegreen.")}


def workflow_templates():
    """The short names of the job templates the Release workflow runs."""
    (workflow,) = [task for task in tasks() if "awx.awx.workflow_job_template" in task]
    return [
        node["unified_job_template"]["name"].split()[-1]
        for node in workflow["awx.awx.workflow_job_template"]["workflow_nodes"]
        if node["unified_job_template"]["type"] == "job_template"
    ]


def targets():
    """Each survey with its job templates: the job template of its name, or every job the workflow runs."""
    templates = job_templates()
    found = {
        template["survey"].removesuffix(".json"): [template]
        for template in templates.values()
        if template.get("survey")
    }
    (workflow,) = [task for task in tasks() if "awx.awx.workflow_job_template" in task]
    release = re.search(r"/(\w+)\.json", workflow["awx.awx.workflow_job_template"]["survey_spec"]).group(1)
    found[release] = [templates[name] for name in workflow_templates()]
    return found


def test_every_survey_file_belongs_to_a_job_template_or_the_workflow():
    assert sorted(targets()) == sorted(surveys())


@pytest.mark.parametrize("name", sorted(surveys()))
def test_awx_takes_the_survey(name):
    assert spec_errors(survey(name)) == []


def _broken(change):
    spec = copy.deepcopy(survey("clean"))
    change(spec)
    return spec


@pytest.mark.parametrize(
    "spec, error",
    [
        (_broken(lambda spec: spec.pop("name")), "'name' is missing"),
        (_broken(lambda spec: spec.update(spec=[])), "'spec' has no question"),
        (_broken(lambda spec: spec["spec"][0].pop("question_name")), "lacks question_name"),
        (_broken(lambda spec: spec["spec"][0].update(required="yes")), "'required' is not a boolean"),
        (_broken(lambda spec: spec["spec"][1].update(variable="bluegreen_app")), "bluegreen_app is asked twice"),
        (_broken(lambda spec: spec["spec"][0].update(type="boolean")), "type 'boolean' is not one of"),
        (_broken(lambda spec: spec["spec"][2].update(default="3600")), "default '3600' is not a int"),
        (_broken(lambda spec: spec["spec"][2].update(type="float", default=3600)), "default 3600 is not a float"),
        (_broken(lambda spec: spec["spec"][2].update(min="0")), "'min' is not an integer"),
        (_broken(lambda spec: spec["spec"][3].pop("choices")), "needs choices"),
        (_broken(lambda spec: spec["spec"][3].update(default="shred")), "default 'shred' is not among the choices"),
        (_broken(lambda spec: spec["spec"][3].update(default="delete\nscale_to_zero")), "one default at most"),
    ],
    ids=[
        "no name",
        "no question",
        "no question name",
        "required not a boolean",
        "variable asked twice",
        "unknown type",
        "integer default as text",
        "float default as integer",
        "min as text",
        "choice without choices",
        "default not a choice",
        "two defaults for one choice",
    ],
)
def test_the_check_refuses_what_awx_refuses(spec, error):
    assert any(error in found for found in spec_errors(spec)), spec_errors(spec)


@pytest.mark.parametrize("name", sorted(surveys()))
def test_defaults_and_limits_agree_with_their_question(name):
    # AWX leaves a default that breaks its question's own limits out of the job without a word.
    for question in survey(name)["spec"]:
        if "default" in question:
            assert answer_errors(question, {question["variable"]: question["default"]}) == [], question
        if question.get("min") is not None and question.get("max") is not None:
            assert question["min"] <= question["max"], question
        if question["type"] in ("text", "textarea", "integer") and not question["required"]:
            # An optional answer left blank must pass its own minimum.
            assert question.get("min", 0) in (0, None), question


def test_answers_are_checked_as_awx_checks_them():
    questions = {question["variable"]: question for question in survey("release")["spec"]}
    assert answer_errors(questions["bluegreen_app"], {}) == ["bluegreen_app: value missing"]
    assert answer_errors(questions["bluegreen_app"], {"bluegreen_app": "a" * 22}) != []
    assert answer_errors(questions["bluegreen_strategy"], {"bluegreen_strategy": "dns"}) != []
    assert answer_errors(questions["bluegreen_bake_seconds"], {"bluegreen_bake_seconds": -1}) != []
    assert answer_errors(questions["bluegreen_bake_seconds"], {"bluegreen_bake_seconds": "60"}) != []
    assert answer_errors(questions["bluegreen_awx_canary_steps"], {"bluegreen_awx_canary_steps": ["33"]}) != []
    assert answer_errors(questions["bluegreen_awx_canary_steps"], {"bluegreen_awx_canary_steps": ["10", "50"]}) == []
    assert answer_errors(questions["bluegreen_image_id"], {}) == []


def bridges(template):
    """The job template's extra variables that are templates, by the survey variables they read."""
    found = {}
    for name, value in template["extra_vars"].items():
        for variable in re.findall(r"\b(bluegreen_\w+)\b", str(value)):
            found.setdefault(variable, []).append(name)
    return found


@pytest.mark.parametrize("name", sorted(targets()))
def test_every_answer_reaches_a_role_variable_that_takes_it(name):
    templates = targets()[name]
    roles = set().union(*(playbook_roles(template["playbook"]) for template in templates))
    assert roles, f"the playbooks of survey {name} run none of the collection's roles"
    options = {}
    for role in sorted(roles):
        for variable, option in role_options(role).items():
            options.setdefault(variable, []).append(option)
    bridged = {}
    for template in templates:
        for variable, names in bridges(template).items():
            bridged.setdefault(variable, set()).update(names)
    for question in survey(name)["spec"]:
        variable = question["variable"]
        if variable not in options:
            assert set(bridged.get(variable, ())) & set(options), (
                f"{name}: {variable} is declared by none of the roles {sorted(roles)} and no job template variable "
                "turns it into one"
            )
            continue
        for option in options[variable]:
            if question["type"] == "multiselect":
                assert (option["type"], option.get("elements")) in (("list", "str"), ("list", None)), (variable, option)
            else:
                assert option["type"] in TAKES[question["type"]], (variable, question["type"], option["type"])
            if question["type"] in ("multiplechoice", "multiselect") and option.get("choices"):
                assert set(choices(question)) <= set(option["choices"]), (variable, option["choices"])


@pytest.mark.parametrize("name", sorted(job_templates()))
def test_job_template_variables_are_role_variables(name):
    template = job_templates()[name]
    declared = set().union(*(role_options(role) for role in playbook_roles(template["playbook"])))
    assert set(template["extra_vars"]) <= declared
    assert not {"bluegreen_aws_access_key", "bluegreen_aws_secret_key"} & set(template["extra_vars"])


def render(template, **variables):
    templar = Templar(loader=DataLoader(), variables=variables)
    return templar.template(trust_as_template(template))


@pytest.mark.parametrize(
    "answer, steps",
    [
        (None, [100]),
        ([], [100]),
        ("", [100]),
        (["50"], [50, 100]),
        (["50", "10"], [10, 50, 100]),
        (["1", "5", "10", "25", "50", "75"], [1, 5, 10, 25, 50, 75, 100]),
    ],
    ids=["left blank (null)", "none selected", "left blank (empty)", "one", "two, out of order", "all"],
)
def test_canary_steps_chosen_in_a_survey_are_the_switch_role_steps(answer, steps):
    # The switch role wants ascending whole percentages ending with 100; a multiple selection is strings.
    template = job_templates()["Switch"]["extra_vars"]["bluegreen_canary_steps"]
    rendered = render(template, bluegreen_awx_canary_steps=answer)
    assert rendered == steps
    assert all(isinstance(step, int) and not isinstance(step, bool) for step in rendered)


def test_a_variable_is_asked_the_same_way_in_every_survey():
    # Whether it is required (and so its minimum length) may differ: a switch need not name its release.
    asked = {}
    for name, spec in surveys().items():
        for question in spec["spec"]:
            shape = {key: question.get(key) for key in ("question_name", "type", "choices", "max")}
            asked.setdefault(question["variable"], {})[name] = shape
    for variable, shapes in asked.items():
        assert len({repr(shape) for shape in shapes.values()}) == 1, (variable, shapes)


def test_the_workflow_asks_what_its_jobs_need_and_nothing_else():
    release = {question["variable"]: question for question in survey("release")["spec"]}
    asked = set()
    for template in targets()["release"]:
        for question in survey(template["survey"].removesuffix(".json"))["spec"]:
            asked.add(question["variable"])
            # A workflow starts its jobs with its own variables; a job whose required answer has no default
            # and is not among them could not run.
            if question["required"] and "default" not in question:
                assert question["variable"] in release, (template["name"], question["variable"])
    assert set(release) <= asked


def test_the_surveys_ask_for_the_release_inputs():
    release = {question["variable"]: question for question in survey("release")["spec"]}
    for variable in (
        "bluegreen_app",
        "bluegreen_artifact_version",
        "bluegreen_image_id",
        "bluegreen_awx_canary_steps",
        "bluegreen_canary_bake_seconds",
        "bluegreen_bake_seconds",
    ):
        assert variable in release
    # A choice, where the roles accept a fixed set of values.
    assert release["bluegreen_strategy"]["type"] == "multiplechoice"
    assert release["bluegreen_clean_mode"]["type"] == "multiplechoice"
