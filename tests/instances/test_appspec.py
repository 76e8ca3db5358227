# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The appspec.yml that teal.bluegreen.codedeploy_hooks renders, held to the rules of CodeDeploy's AppSpec reference.

The rules (https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file.html) for an EC2 or
on-premises revision: `version` is 0.0, `os` is linux (or windows); `files` maps a `source` in the revision to
an absolute `destination`; `hooks` maps lifecycle events that run scripts to lists of scripts, each with a
`location` relative to the revision's root, an optional `timeout` in seconds (all the scripts of one event
together at most 3600) and an optional `runas` user (not on Windows); strings are not quoted; YAML indented with
spaces. The revision is rendered through a playbook on localhost, as a user renders it.
"""

from __future__ import annotations

import copy
import os
import re
import sys
from pathlib import Path

import pytest
import yaml

from conftest import recap
from conftest import run_on_localhost

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# The lifecycle events whose hooks run scripts on EC2 and on-premises instances, in the order CodeDeploy runs
# them; Start, DownloadBundle, Install, BlockTraffic, AllowTraffic and End run no scripts.
EVENTS = [
    "ApplicationStop",
    "BeforeInstall",
    "AfterInstall",
    "ApplicationStart",
    "ValidateService",
    "BeforeBlockTraffic",
    "AfterBlockTraffic",
    "BeforeAllowTraffic",
    "AfterAllowTraffic",
]
# What a replacement instance of a blue/green deployment runs, ApplicationStop aside (it runs the scripts of the
# revision last installed on the instance, and a replacement instance has none).
REPLACEMENT_EVENTS = [
    "BeforeInstall",
    "AfterInstall",
    "ApplicationStart",
    "ValidateService",
    "BeforeAllowTraffic",
    "AfterAllowTraffic",
]
SECTIONS = {"version", "os", "files", "permissions", "hooks", "file_exists_behavior"}
MAX_EVENT_SECONDS = 3600
USER = re.compile(r"^[a-z_][a-z0-9_-]*\$?$")


def appspec_problems(text, revision):
    """What in an appspec.yml ``text`` breaks the AppSpec rules for an EC2/on-premises revision at ``revision``."""
    problems = []
    if "\t" in text:
        problems.append("tabs: an AppSpec file is indented with spaces")
    for number, line in enumerate(text.splitlines(), 1):
        value = line.split(":", 1)[1].strip() if ":" in line and not line.lstrip().startswith("#") else ""
        if value[:1] in ("'", '"'):
            problems.append(f"line {number}: quoted value {value}")
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as error:
        return problems + [f"not YAML: {error}"]
    if not isinstance(spec, dict):
        return problems + ["not a mapping"]
    problems += [f"unknown section {name!r}" for name in spec if name not in SECTIONS]
    if spec.get("version") != 0.0 or not isinstance(spec.get("version"), float):
        problems.append(f"version is {spec.get('version')!r}, not 0.0")
    if spec.get("os") not in ("linux", "windows"):
        problems.append(f"os is {spec.get('os')!r}, neither linux nor windows")
    if spec.get("file_exists_behavior", "DISALLOW") not in ("DISALLOW", "OVERWRITE", "RETAIN"):
        problems.append(f"file_exists_behavior is {spec['file_exists_behavior']!r}")
    for item in spec.get("files") or []:
        if not isinstance(item, dict) or set(item) != {"source", "destination"}:
            problems.append(f"files entry {item!r} is not a source and a destination")
            continue
        source = str(item["source"])
        if source != "/" and (source.startswith("/") or ".." in source.split("/")):
            problems.append(f"files source {source!r} is not a path inside the revision")
        elif not (revision / source.lstrip("/")).exists():
            problems.append(f"files source {source!r} is not in the revision")
        if spec.get("os") == "linux" and not str(item["destination"]).startswith("/"):
            problems.append(f"files destination {item['destination']!r} is not an absolute path")
    hooks = spec.get("hooks") or {}
    if not isinstance(hooks, dict):
        return problems + ["hooks is not a mapping of events"]
    known = [event for event in hooks if event in EVENTS]
    problems += [
        f"{event!r} is not a lifecycle event with hooks on EC2/on-premises" for event in hooks if event not in EVENTS
    ]
    if known != sorted(known, key=EVENTS.index):
        problems.append(f"events {known} are not in the order CodeDeploy runs them")
    for event, scripts in hooks.items():
        if not isinstance(scripts, list) or not scripts:
            problems.append(f"{event} has no list of scripts")
            continue
        total = 0
        for script in scripts:
            if (
                not isinstance(script, dict)
                or "location" not in script
                or set(script) - {"location", "timeout", "runas"}
            ):
                problems.append(f"{event} script {script!r} is not a location with an optional timeout and runas")
                continue
            location = str(script["location"])
            path = revision / location
            if location.startswith("/") or ".." in location.split("/"):
                problems.append(f"{event} location {location!r} is not relative to the revision's root")
            elif not path.is_file():
                problems.append(f"{event} location {location!r} is not a file in the revision")
            elif not os.access(path, os.X_OK):
                problems.append(f"{event} location {location!r} is not executable")
            timeout = script.get("timeout", MAX_EVENT_SECONDS)
            if not isinstance(timeout, int) or isinstance(timeout, bool) or not 1 <= timeout <= MAX_EVENT_SECONDS:
                problems.append(f"{event} timeout {timeout!r} is not 1 to {MAX_EVENT_SECONDS} seconds")
            else:
                total += timeout
            if "runas" in script:
                if spec.get("os") == "windows":
                    problems.append(f"{event} has runas, which Windows does not support")
                elif not USER.match(str(script["runas"])):
                    problems.append(f"{event} runas {script['runas']!r} is not a user name")
        if total > MAX_EVENT_SECONDS:
            problems.append(f"{event} scripts take up to {total} seconds, more than {MAX_EVENT_SECONDS}")
    return problems


def render(directory, app="shop", **variables):
    """Render a revision into ``directory`` with the role's entry point `revision`; returns the playbook's run."""
    playbook = directory.parent / f"{directory.name}-revision.yml"
    play = {
        "name": "Render a revision",
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [
            {
                "name": "Render the revision",
                "ansible.builtin.include_role": {"name": "teal.bluegreen.codedeploy_hooks", "tasks_from": "revision"},
            }
        ],
    }
    playbook.write_text(yaml.safe_dump([play]), encoding="utf-8")
    extra = {
        "ansible_python_interpreter": sys.executable,
        "bluegreen_app": app,
        "bluegreen_codedeploy_revision_dir": str(directory),
        **variables,
    }
    return run_on_localhost(playbook, extra)


@pytest.fixture(scope="module")
def revision(tmp_path_factory):
    """A revision rendered with the defaults, except the HTTP checks as nobody, then rendered again."""
    directory = tmp_path_factory.mktemp("revision") / "shop"
    hooks = {"ValidateService": {"runas": "nobody", "timeout": 60}, "BeforeAllowTraffic": {"runas": "nobody"}}
    first = render(directory, bluegreen_appspec_hooks=hooks)
    assert first.returncode == 0, first.stdout + first.stderr
    again = render(directory, bluegreen_appspec_hooks=hooks)
    assert again.returncode == 0, again.stdout + again.stderr
    return directory, first, again


def test_rendered_appspec_follows_codedeploy_rules(revision):
    directory, _first, _again = revision
    text = (directory / "appspec.yml").read_text(encoding="utf-8")
    assert appspec_problems(text, directory) == []


def test_rendered_appspec_has_the_hooks_of_a_replacement_instance(revision):
    directory, _first, _again = revision
    spec = yaml.safe_load((directory / "appspec.yml").read_text(encoding="utf-8"))
    assert list(spec["hooks"]) == REPLACEMENT_EVENTS
    assert {event: (scripts[0]["timeout"], scripts[0]["runas"]) for event, scripts in spec["hooks"].items()} == {
        "BeforeInstall": (900, "root"),
        "AfterInstall": (300, "root"),
        "ApplicationStart": (300, "root"),
        "ValidateService": (60, "nobody"),
        "BeforeAllowTraffic": (300, "nobody"),
        "AfterAllowTraffic": (120, "root"),
    }
    assert {script["location"] for scripts in spec["hooks"].values() for script in scripts} == {"bluegreen/run-hook.sh"}
    assert spec["files"] == [{"source": "bluegreen/", "destination": "/opt/bluegreen/shop/revision"}]
    assert spec["file_exists_behavior"] == "OVERWRITE"
    assert (directory / "bluegreen" / "hooks-dir").read_text(encoding="utf-8") == "/opt/bluegreen/shop/hooks\n"


def test_rendering_again_changes_nothing(revision):
    _directory, first, again = revision
    assert recap(first)["changed"] > 0
    assert recap(again)["changed"] == 0, again.stdout


def test_events_can_be_left_out_and_files_chosen(tmp_path):
    directory = tmp_path / "shop"
    done = render(
        directory,
        bluegreen_hooks_dir="/srv/hooks/shop",
        bluegreen_appspec_hooks={"AfterAllowTraffic": {"enabled": False}, "BeforeInstall": {"timeout": 3600}},
        bluegreen_appspec_files=[{"source": "/", "destination": "/srv/shop/revision"}],
    )
    assert done.returncode == 0, done.stdout + done.stderr
    text = (directory / "appspec.yml").read_text(encoding="utf-8")
    assert appspec_problems(text, directory) == []
    spec = yaml.safe_load(text)
    assert list(spec["hooks"]) == REPLACEMENT_EVENTS[:-1]
    assert spec["hooks"]["BeforeInstall"][0]["timeout"] == 3600
    assert spec["files"] == [{"source": "/", "destination": "/srv/shop/revision"}]
    assert (directory / "bluegreen" / "hooks-dir").read_text(encoding="utf-8") == "/srv/hooks/shop/hooks\n"


@pytest.mark.parametrize(
    "variables, message",
    [
        ({"bluegreen_appspec_hooks": {"BeforeInstall": {"timeout": 3601}}}, "the BeforeInstall hook has timeout 3601"),
        ({"bluegreen_appspec_hooks": {"ValidateService": {"timeout": 0}}}, "the ValidateService hook has timeout 0"),
        ({"bluegreen_appspec_hooks": {"AfterInstall": {"runas": "web user"}}}, "runas 'web user'"),
        ({"bluegreen_appspec_hooks": {"Install": {"timeout": 60}}}, "Install"),
        ({"bluegreen_app": "../shop"}, "bluegreen_app '../shop' is not a valid name"),
        ({"bluegreen_hooks_dir": "opt/hooks"}, "bluegreen_hooks_dir 'opt/hooks' is not an absolute path"),
        (
            {"bluegreen_appspec_files": [{"source": "../etc", "destination": "/etc"}]},
            "each source must be a path in the revision",
        ),
        (
            {"bluegreen_appspec_files": [{"source": "app", "destination": "srv/app"}]},
            "each source must be a path in the revision",
        ),
    ],
    ids=["timeout-over-3600", "timeout-zero", "runas-space", "not-a-hook-event", "app", "hooks-dir", "source", "dest"],
)
def test_role_refuses_what_codedeploy_would_refuse(tmp_path, variables, message):
    directory = tmp_path / "revision"
    done = render(directory, **variables)
    assert done.returncode != 0
    assert message in done.stdout + done.stderr
    assert not directory.exists()


def good_spec():
    return {
        "version": 0.0,
        "os": "linux",
        "files": [{"source": "bluegreen/", "destination": "/opt/bluegreen/shop/revision"}],
        "hooks": {
            "BeforeInstall": [{"location": "bluegreen/run-hook.sh", "timeout": 900, "runas": "root"}],
            "ValidateService": [{"location": "bluegreen/run-hook.sh", "timeout": 300}],
        },
    }


def mutated(change):
    spec = good_spec()
    change(spec)
    return spec


@pytest.mark.parametrize(
    "spec, problem",
    [
        (mutated(lambda spec: spec.update(version=1.0)), "version is 1.0"),
        (mutated(lambda spec: spec.update(version="0.0")), "version is '0.0'"),
        (mutated(lambda spec: spec.update(os="macos")), "os is 'macos'"),
        (mutated(lambda spec: spec["hooks"].update(Install=[{"location": "bluegreen/run-hook.sh"}])), "'Install'"),
        (
            mutated(lambda spec: spec.update(hooks=dict(reversed(list(spec["hooks"].items()))))),
            "not in the order CodeDeploy runs them",
        ),
        (mutated(lambda spec: spec["hooks"]["BeforeInstall"][0].update(timeout=3601)), "timeout 3601"),
        (
            mutated(
                lambda spec: spec["hooks"]["BeforeInstall"].append(
                    {"location": "bluegreen/run-hook.sh", "timeout": 2701}
                )
            ),
            "more than 3600",
        ),
        (mutated(lambda spec: spec["hooks"]["BeforeInstall"][0].update(location="/opt/run.sh")), "not relative"),
        (mutated(lambda spec: spec["hooks"]["BeforeInstall"][0].update(location="scripts/x.sh")), "not a file"),
        (mutated(lambda spec: spec["hooks"]["BeforeInstall"][0].update(runas="web user")), "not a user name"),
        (mutated(lambda spec: spec["hooks"]["BeforeInstall"][0].update(sudo=True)), "optional timeout and runas"),
        (mutated(lambda spec: spec["files"][0].update(destination="opt/shop")), "not an absolute path"),
        (mutated(lambda spec: spec["files"][0].update(source="missing/")), "not in the revision"),
        (mutated(lambda spec: spec.update(os="windows")), "Windows does not support"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_rules_reject_what_codedeploy_rejects(revision, spec, problem):
    directory, _first, _again = revision
    text = yaml.safe_dump(spec, sort_keys=False)
    assert appspec_problems(yaml.safe_dump(good_spec(), sort_keys=False), directory) == []
    assert any(problem in found for found in appspec_problems(text, directory)), appspec_problems(text, directory)


def test_rules_reject_quotes_and_tabs(revision):
    directory, _first, _again = revision
    text = (directory / "appspec.yml").read_text(encoding="utf-8")
    quoted = text.replace("os: linux", 'os: "linux"')
    assert any("quoted value" in found for found in appspec_problems(quoted, directory))
    tabbed = text.replace("  BeforeInstall:", "\tBeforeInstall:")
    assert any("tabs" in found for found in appspec_problems(tabbed, directory))


def test_launcher_is_executable_and_alone(revision):
    directory, _first, _again = revision
    spec = copy.deepcopy(yaml.safe_load((directory / "appspec.yml").read_text(encoding="utf-8")))
    files = sorted(str(path.relative_to(directory)) for path in directory.rglob("*") if path.is_file())
    assert files == ["appspec.yml", "bluegreen/hooks-dir", "bluegreen/run-hook.sh"]
    assert os.access(directory / spec["hooks"]["BeforeInstall"][0]["location"], os.X_OK)
