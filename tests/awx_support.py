# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What AWX does with the survey files under awx/surveys and the job templates of playbooks/awx_setup.yml.

The survey rules are AWX's own: the checks its API makes when a survey is saved (JobTemplateSurveySpec), and
the ones it makes when a job is launched with answers (SurveyJobTemplateMixin), which also decide which defaults
reach the job. A job's extra variables are the job template's, then the survey defaults, then the answers; AWX
writes the answers with the ``!unsafe`` tag, so that only the job template's own variables may hold templates.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SURVEYS = ROOT / "awx" / "surveys"
AWX_SETUP = ROOT / "playbooks" / "awx_setup.yml"

# The answer type of each question type, as AWX checks survey defaults.
SURVEY_TYPES = {
    "text": str,
    "textarea": str,
    "password": str,
    "multiplechoice": str,
    "multiselect": str,
    "integer": int,
    "float": float,
}
CHOICE_TYPES = ("multiplechoice", "multiselect")


class Unsafe(str):
    """A string Ansible must not template: YAML ``!unsafe``."""


class _Loader(yaml.SafeLoader):
    pass


class _Dumper(yaml.SafeDumper):
    pass


_Loader.add_constructor("!unsafe", lambda loader, node: Unsafe(loader.construct_scalar(node)))
_Dumper.add_representer(Unsafe, lambda dumper, data: dumper.represent_scalar("!unsafe", str(data)))


def load_yaml(path):
    """A YAML file as plain data; ``!unsafe`` strings become :class:`Unsafe`."""
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 (a SafeLoader)


def dump_yaml(data):
    return yaml.dump(data, Dumper=_Dumper, default_flow_style=False, sort_keys=True)


def survey(name):
    return json.loads((SURVEYS / f"{name}.json").read_text(encoding="utf-8"))


def surveys():
    """Every survey file by its name (deploy, switch, ...)."""
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(SURVEYS.glob("*.json"))}


def choices(question):
    """A choice question's choices: AWX takes a list or a string with one choice a line."""
    found = question.get("choices", [])
    if isinstance(found, str):
        return [choice for choice in found.splitlines() if choice.strip()]
    return list(found)


def _is(value, kind):
    # bool is an int to Python, never to a survey.
    return isinstance(value, kind) and not isinstance(value, bool)


def spec_errors(spec):
    """Why AWX would refuse to save ``spec`` as a survey, as its API checks it; [] when it would not."""
    errors = []
    for field, kind in (("name", str), ("description", str), ("spec", list)):
        if not isinstance(spec.get(field), kind):
            errors.append(f"'{field}' is missing or not a {kind.__name__}")
    if errors:
        return errors
    if not spec["spec"]:
        return ["'spec' has no question"]
    seen = set()
    for index, question in enumerate(spec["spec"]):
        where = f"question {index} ({question.get('variable', '?') if isinstance(question, dict) else '?'})"
        if not isinstance(question, dict):
            errors.append(f"{where} is not an object")
            continue
        missing = [field for field in ("type", "question_name", "variable", "required") if field not in question]
        if missing:
            errors.append(f"{where} lacks {', '.join(missing)}")
            continue
        for field in ("type", "question_name", "variable"):
            if not isinstance(question[field], str):
                errors.append(f"{where}: '{field}' is not a string")
        if not isinstance(question["required"], bool):
            errors.append(f"{where}: 'required' is not a boolean")
        if question["variable"] in seen:
            errors.append(f"{where}: variable {question['variable']} is asked twice")
        seen.add(question["variable"])
        kind = question["type"]
        if kind not in SURVEY_TYPES:
            errors.append(f"{where}: type {kind!r} is not one of {', '.join(SURVEY_TYPES)}")
            continue
        default = question.get("default")
        if "default" in question and default != "" and not _is(default, SURVEY_TYPES[kind]):
            errors.append(f"{where}: default {default!r} is not a {SURVEY_TYPES[kind].__name__}")
        for limit in ("min", "max"):
            if question.get(limit) is not None and not _is(question[limit], int):
                errors.append(f"{where}: '{limit}' is not an integer")
        if kind in CHOICE_TYPES:
            if "choices" not in question:
                errors.append(f"{where}: a {kind} question needs choices")
                continue
            listed = choices(question)
            if not listed or not all(isinstance(choice, str) for choice in listed):
                errors.append(f"{where}: choices must be strings, at least one")
            if isinstance(default, str) and default:
                defaults = default.splitlines()
                if kind == "multiplechoice" and len(defaults) > 1:
                    errors.append(f"{where}: a multiplechoice question has one default at most")
                if any(item not in listed for item in defaults):
                    errors.append(f"{where}: default {default!r} is not among the choices {listed}")
    return errors


def answer_errors(question, answers):
    """Why AWX would refuse ``answers`` (the launch's extra variables) for one question; [] when it would not."""
    variable = question["variable"]
    if variable not in answers:
        return [f"{variable}: value missing"] if question["required"] else []
    value = answers[variable]
    kind = question["type"]
    low, high = question.get("min"), question.get("max")
    if kind in ("text", "textarea", "password"):
        if not isinstance(value, str):
            return [f"{variable}: {value!r} is not a string"]
        measure = len(value)
    elif kind == "integer":
        if not _is(value, int):
            return [f"{variable}: {value!r} is not an integer"]
        measure = value
    elif kind == "float":
        if not (_is(value, int) or _is(value, float)):
            return [f"{variable}: {value!r} is not a number"]
        measure = value
    elif kind == "multiselect":
        if not isinstance(value, list):
            return [f"{variable}: {value!r} is not a list"]
        return [
            f"{variable}: {item!r} is not among {choices(question)}" for item in value if item not in choices(question)
        ]
    else:
        return [] if value in choices(question) else [f"{variable}: {value!r} is not among {choices(question)}"]
    errors = []
    if low not in ("", None) and measure < int(low):
        errors.append(f"{variable}: {value!r} is below the minimum {low}")
    if high not in ("", None) and measure > int(high):
        errors.append(f"{variable}: {value!r} is above the maximum {high}")
    return errors


def survey_defaults(spec):
    """The defaults AWX adds to a job: those that break the survey's own rules never reach one."""
    return {
        question["variable"]: question["default"]
        for question in spec["spec"]
        if question.get("default") is not None
        and not answer_errors(question, {question["variable"]: question["default"]})
    }


def launch_answers(spec, given):
    """The answers of a launch form that starts with the survey's defaults, as AWX takes them.

    Raises ValueError, as AWX refuses the launch, when an answer breaks the survey's rules.
    """
    answers = {**survey_defaults(spec), **given}
    errors = [error for question in spec["spec"] for error in answer_errors(question, answers)]
    if errors:
        raise ValueError("; ".join(errors))
    return answers


def job_extra_vars(template_vars, spec, launched):
    """A job's extra variables: the job template's, its survey's defaults, then ``launched`` (the launch's answers,
    or the variables of the workflow that started the job, which AWX passes to every job of the workflow)."""
    return {**template_vars, **survey_defaults(spec), **launched}


def extravars_file(extra_vars, template_vars):
    """env/extravars as AWX writes it: only the job template's own variables may hold templates, every other string
    is tagged !unsafe."""

    def unsafe(value):
        if isinstance(value, str):
            return Unsafe(value)
        if isinstance(value, list):
            return [unsafe(item) for item in value]
        if isinstance(value, dict):
            return {key: unsafe(item) for key, item in value.items()}
        return value

    return dump_yaml(
        {
            name: value if name in template_vars and template_vars[name] == value else unsafe(value)
            for name, value in extra_vars.items()
        }
    )


def setup_play():
    """The play of playbooks/awx_setup.yml."""
    plays = load_yaml(AWX_SETUP)
    assert len(plays) == 1, "awx_setup.yml is one play"
    return plays[0]


def _stored(value):
    """A value as AWX stores it, in JSON: the !unsafe that kept awx_setup from rendering it is gone."""
    if isinstance(value, dict):
        return {key: _stored(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_stored(item) for item in value]
    return str(value) if isinstance(value, Unsafe) else value


def job_templates():
    """awx_setup's job templates by their short name (Deploy, Switch, ...), as AWX stores them."""
    return {item["name"]: _stored(item) for item in setup_play()["vars"]["bluegreen_awx_job_templates"]}


def tasks(items=None):
    """Every task of awx_setup, those in blocks included, in order."""
    found = []
    for task in setup_play()["tasks"] if items is None else items:
        found.append(task)
        for section in ("block", "rescue", "always"):
            found.extend(tasks(task.get(section, [])))
    return found


def module_of(task):
    """The module a task calls (its key that names one), or None for a block."""
    keywords = {
        "name",
        "when",
        "loop",
        "loop_control",
        "register",
        "no_log",
        "vars",
        "block",
        "rescue",
        "always",
        "tags",
        "changed_when",
        "failed_when",
        "delegate_to",
        "environment",
    }
    names = [key for key in task if key not in keywords]
    assert len(names) <= 1, f"task {task.get('name')!r} calls {names}"
    return names[0] if names else None
