# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Strategy efs through the deploy, switch, rollback and clean playbooks against the test sandbox.

The instances are the inventory's group bluegreen_web (web1, web2): local hosts, each a real Apache from
Debian's packages serving its web root, a symlink into the sandbox's EFS stand-in. What they serve is
checked over HTTP, and what the playbooks do in AWS through the sandbox's request recorder.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT
from conftest import is_write

DEPLOY = ROOT / "playbooks" / "deploy.yml"
SWITCH = ROOT / "playbooks" / "switch.yml"
ROLLBACK = ROOT / "playbooks" / "rollback.yml"
CLEAN = ROOT / "playbooks" / "clean.yml"
LIVE_PARAMETER = "/bluegreen/site/live"
LOCK = "/bluegreen/site/lock"
DEPLOYMENT = "/bluegreen/site/deployment"
HOSTS = ("web1", "web2")
EFS = {"bluegreen_strategy": "efs", "bluegreen_hosts": "bluegreen_web"}
# Apache from Debian's apache2-bin, by its full path as the inventory gives it: a user's PATH may lack /usr/sbin.
APACHE = "/usr/sbin/apache2"


def web_port(sandbox, host):
    """The port of an instance's Apache, as inventories/local/group_vars/bluegreen_web.yml derives it."""
    return 20000 + (sandbox.port % 1000) * 10 + HOSTS.index(host) + 1


def served(sandbox, host, path="/.release.json"):
    """What the instance's web server answers for ``path``: (status, body)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{web_port(sandbox, host)}{path}", timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, ""


def served_versions(sandbox):
    """{host: (colour, version)} of the release marker each instance serves."""
    found = {}
    for host in HOSTS:
        status, body = served(sandbox, host)
        assert status == 200, (host, status)
        marker = json.loads(body)
        found[host] = (marker["color"], marker["version"])
    return found


def links(sandbox):
    return {host: os.readlink(sandbox.web / host / "html") for host in HOSTS}


def efs_dir(sandbox, color):
    return sandbox.efs / "site" / color


def run(sandbox, playbook, *args, **extra_vars):
    done = sandbox.playbook(playbook, *args, extra_vars={**EFS, **extra_vars})
    done.log = done.stdout + done.stderr
    return done


def recaps(done):
    """{host: {"ok": .., "changed": .., "failed": ..}} of every host in the play recap."""
    found = {}
    for host, numbers in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", done.stdout, re.MULTILINE):
        found[host] = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", numbers)}
    assert set(HOSTS) <= set(found), done.log
    return found


def changed(done):
    return {host: numbers["changed"] for host, numbers in recaps(done).items()}


def message(done):
    return " ".join(done.stdout.split())


def artifact(directory, version):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "index.html").write_text(f"<h1>demo {version}</h1>\n", encoding="utf-8")
    (directory / "health").write_text("OK\n", encoding="utf-8")
    return directory


def pin_document_root(sandbox, host, directory=None):
    """Make an instance's Apache serve ``directory`` instead of its web root (None: the web root again).

    An instance stuck on what it served before, whatever its link says, as a cache that is never
    reloaded would leave it.
    """
    config = sandbox.web / host / "httpd.conf"
    root = Path(directory or sandbox.web / host / "html")
    # By the real path of its folder, as the playbook writes it: <sandbox>/web may link to a folder www-data can
    # enter (tools/sandbox.py).
    root = root.parent.resolve() / root.name
    text = re.sub(r"(?m)^DocumentRoot .*$", f"DocumentRoot {root}", config.read_text(encoding="utf-8"))
    config.write_text(text, encoding="utf-8")
    subprocess.run([APACHE, "-f", str(config), "-k", "graceful"], check=True, capture_output=True)
    for _attempt in range(50):
        if served(sandbox, host, "/health")[0] == 200:
            return
        subprocess.run(["sleep", "0.2"], check=True)
    raise AssertionError(f"the web server of {host} did not come back")


@pytest.fixture(scope="module")
def efs_sandbox(sandbox):
    """Starts with every instance serving blue's first release; puts links, parameters and servers back."""
    assert set(links(sandbox).values()) == {str(efs_dir(sandbox, "blue"))}, links(sandbox)
    assert {version[0] for version in served_versions(sandbox).values()} == {"blue"}
    yield sandbox
    for host in HOSTS:
        link = sandbox.web / host / "html"
        temp = link.with_name("html.test-cleanup")
        temp.unlink(missing_ok=True)
        temp.symlink_to(efs_dir(sandbox, "blue"))
        temp.replace(link)
    pin_document_root(sandbox, "web2")
    ssm = sandbox.client("ssm")
    if sandbox.parameter(LIVE_PARAMETER) != "blue":
        ssm.put_parameter(Name=LIVE_PARAMETER, Value="blue", Type="String", Overwrite=True, Description="test cleanup")
    for name in (LOCK, DEPLOYMENT):
        if sandbox.parameter(name) is not None:
            ssm.delete_parameter(Name=name)


def test_deploy_switch_rollback_and_clean(efs_sandbox, tmp_path):
    sandbox = efs_sandbox
    release = artifact(tmp_path / "site-2", "2")
    deploy_vars = {"bluegreen_artifact": str(release), "bluegreen_artifact_version": "2"}

    # Check mode writes nothing, in AWS or on EFS.
    green_before = sorted(path.name for path in efs_dir(sandbox, "green").glob("*"))
    with sandbox.api_calls() as calls:
        done = run(sandbox, DEPLOY, "--check", **deploy_vars)
    assert done.returncode == 0, done.log
    assert [call for call in calls if is_write(call)] == []
    assert sorted(path.name for path in efs_dir(sandbox, "green").glob("*")) == green_before

    done = run(sandbox, DEPLOY, **deploy_vars)
    assert done.returncode == 0, done.log
    marker = json.loads((efs_dir(sandbox, "green") / ".release.json").read_text(encoding="utf-8"))
    assert (marker["color"], marker["version"], sorted(marker["files"])) == ("green", "2", ["health", "index.html"])
    record = json.loads(sandbox.parameter(DEPLOYMENT))
    assert (record["color"], record["artifact_version"], record["release_sha256"]) == ("green", "2", marker["sha256"])
    # Deployed, not live: the instances still serve blue.
    assert served_versions(sandbox) == {"web1": ("blue", "1"), "web2": ("blue", "1")}
    assert sandbox.parameter(LOCK) is None

    with sandbox.api_calls() as calls:
        again = run(sandbox, DEPLOY, **deploy_vars)
    assert again.returncode == 0, again.log
    assert set(changed(again).values()) == {0}, again.log
    assert [call for call in calls if is_write(call)] == []

    with sandbox.api_calls() as calls:
        checked = run(sandbox, SWITCH, "--check")
    assert checked.returncode == 0, checked.log
    said = " ".join(checked.stdout.split())
    assert "site: 2 instance(s) would move from blue to green" in said and "Check mode: nothing changed" in said, said
    assert [call for call in calls if is_write(call)] == []
    assert set(links(sandbox).values()) == {str(efs_dir(sandbox, "blue"))}

    done = run(sandbox, SWITCH, bluegreen_deployment_id="efs-1")
    assert done.returncode == 0, done.log
    assert set(links(sandbox).values()) == {str(efs_dir(sandbox, "green"))}
    assert served_versions(sandbox) == {"web1": ("green", "2"), "web2": ("green", "2")}
    assert served(sandbox, "web2", "/")[1] == "<h1>demo 2</h1>\n"
    assert sandbox.parameter(LIVE_PARAMETER) == "green"
    assert sandbox.parameter(LOCK) is None
    state = sandbox.module(
        "state_info",
        app="site",
        symlinks=links(sandbox),
        symlink_root=str(sandbox.efs / "site"),
    )
    assert (state["source"], state["live_color"], state["consistent"]) == ("efs", "green", True), state["reasons"]
    assert state["layers"]["efs"]["hosts"] == {"web1": "green", "web2": "green"}

    with sandbox.api_calls() as calls:
        again = run(sandbox, SWITCH)
    assert again.returncode == 0, again.log
    assert "nothing to do" in message(again)
    assert set(changed(again).values()) == {0}, again.log
    assert [call for call in calls if is_write(call)] == []

    with sandbox.api_calls() as calls:
        cleaned = run(sandbox, CLEAN)
    assert cleaned.returncode == 0, cleaned.log
    assert "stays as the rollback target" in message(cleaned)
    assert [call for call in calls if is_write(call)] == []
    assert (efs_dir(sandbox, "blue") / ".release.json").exists()

    done = run(sandbox, ROLLBACK)
    assert done.returncode == 0, done.log
    assert served_versions(sandbox) == {"web1": ("blue", "1"), "web2": ("blue", "1")}
    assert sandbox.parameter(LIVE_PARAMETER) == "blue"


def test_an_instance_that_fails_switches_every_instance_back(efs_sandbox, tmp_path):
    sandbox = efs_sandbox
    release = artifact(tmp_path / "site-3", "3")
    done = run(sandbox, DEPLOY, bluegreen_artifact=str(release), bluegreen_artifact_version="3")
    assert done.returncode == 0, done.log
    versions_before = sandbox.client("ssm").get_parameter_history(Name=LIVE_PARAMETER)["Parameters"]

    pin_document_root(sandbox, "web2", efs_dir(sandbox, "blue"))
    try:
        done = run(sandbox, SWITCH, bluegreen_efs_marker_retries=2)
        links_after = links(sandbox)
    finally:
        pin_document_root(sandbox, "web2")
    assert done.returncode != 0, done.log
    text = message(done)
    assert "failed on web2, in 'Check that the web server serves the new release'" in text, text
    assert "Every instance serves blue again" in text
    assert "web1, in" not in text
    # web1 had switched and served green: it is back on blue, as is web2's link.
    assert set(links_after.values()) == {str(efs_dir(sandbox, "blue"))}
    assert served_versions(sandbox) == {"web1": ("blue", "1"), "web2": ("blue", "1")}
    # The live parameter never moved, and the lock is released.
    versions_after = sandbox.client("ssm").get_parameter_history(Name=LIVE_PARAMETER)["Parameters"]
    assert len(versions_after) == len(versions_before)
    assert sandbox.parameter(LIVE_PARAMETER) == "blue"
    assert sandbox.parameter(LOCK) is None


def test_a_failed_verification_on_the_controller_switches_every_instance_back(efs_sandbox):
    sandbox = efs_sandbox
    # The previous test left green released; the check URL answers, but without the text asked for.
    url = f"http://127.0.0.1:{web_port(sandbox, 'web1')}/"
    done = run(sandbox, SWITCH, bluegreen_verify_url=url, bluegreen_verify_body="no such text")
    assert done.returncode != 0, done.log
    text = message(done)
    assert "failed on the controller, at the post-switch verification" in text, text
    assert "its body does not contain 'no such text'" in text
    assert set(links(sandbox).values()) == {str(efs_dir(sandbox, "blue"))}
    assert served_versions(sandbox) == {"web1": ("blue", "1"), "web2": ("blue", "1")}
    assert sandbox.parameter(LIVE_PARAMETER) == "blue"
    assert sandbox.parameter(LOCK) is None


@pytest.mark.parametrize(
    ("playbook", "variables", "expected"),
    [
        (SWITCH, {"bluegreen_canary_steps": [50, 100]}, "strategy efs points every instance at the new colour at once"),
        (SWITCH, {"bluegreen_efs_root": None}, "strategy efs needs bluegreen_efs_root"),
        (
            DEPLOY,
            {"bluegreen_efs_root": None, "bluegreen_artifact": "/srv/site", "bluegreen_artifact_version": "4"},
            "strategy efs needs bluegreen_efs_root",
        ),
        (DEPLOY, {}, "strategy efs deploys content: set bluegreen_artifact"),
        (DEPLOY, {"bluegreen_artifact": "/nonexistent/site", "bluegreen_artifact_version": "4"}, "does not exist"),
        (SWITCH, {"bluegreen_target_color": "purple"}, "bluegreen_target_color 'purple' is neither blue nor green"),
        (SWITCH, {"bluegreen_hosts": "localhost"}, "efs: the web root on localhost is not a symlink"),
    ],
    ids=[
        "canary",
        "switch without efs root",
        "deploy without efs root",
        "no artifact",
        "missing artifact",
        "colour",
        "no instances",
    ],
)
def test_bad_input_fails_clearly_and_changes_nothing(efs_sandbox, playbook, variables, expected):
    sandbox = efs_sandbox
    before = links(sandbox)
    green = sorted(str(path) for path in efs_dir(sandbox, "green").rglob("*"))
    with sandbox.api_calls() as calls:
        done = run(sandbox, playbook, **variables)
    assert done.returncode != 0, done.log
    assert expected in message(done), done.log
    assert "nothing changed" in message(done)
    assert [call for call in calls if is_write(call)] == []
    assert links(sandbox) == before
    assert sorted(str(path) for path in efs_dir(sandbox, "green").rglob("*")) == green
