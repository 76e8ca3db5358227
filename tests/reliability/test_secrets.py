# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The AWS secret key and session token never show: not in -vvvv output, the log, the parameters or the files.

Deploy and switch of demo run with -vvvv and ANSIBLE_LOG_PATH set, with canary values as the secret key and the
session token (bluegreen_aws_secret_key, bluegreen_aws_session_token, from a vars file given with -e @file; the
sandbox accepts any keys). The sandbox's
recording of the requests proves that the playbooks signed with them; then neither canary may appear in the output,
the log, the history of any SSM parameter, anything else the sandbox holds (tags, launch templates, listeners,
records), or any file under the sandbox's directory (the EFS stand-in and the web roots the roles write).

The hooks' check secret (bluegreen_hooks_check_secret_parameter) never passes through these playbooks: the
codedeploy_hooks role takes the parameter's name only, and the hooks read the value on the instance. The Molecule
scenario holds it to never showing (tests/instances/test_molecule.py, test_hook_scripts.py).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess

from conftest import BIN
from conftest import ROOT

from .sandbox_state import FAST
from .sandbox_state import PLAYBOOKS
from .sandbox_state import snapshot

# A real access key id is not secret (it is in every request's Authorization header); it names the keys in use.
ACCESS_KEY = "AKIACANARY" + secrets.token_hex(5).upper()
SECRET_KEY = "canary-secret-key-" + secrets.token_hex(12)
SESSION_TOKEN = "canary-session-token-" + secrets.token_hex(24)
CANARIES = {"secret key": SECRET_KEY, "session token": SESSION_TOKEN}
# The sandbox's own recording of the requests, which holds their headers (the test reads it, then removes it).
RECORDING = "requests.jsonl"


def playbook(sandbox, name, log, credentials):
    command = [str(BIN / "ansible-playbook"), "-vvvv", "-i", str(ROOT / "inventories" / "local")]
    command += [str(PLAYBOOKS / f"{name}.yml"), "-e", json.dumps(FAST), "-e", f"@{credentials}"]
    env = dict(sandbox.env, ANSIBLE_LOG_PATH=str(log))
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def leaks(text):
    return [what for what, canary in CANARIES.items() if canary in text]


def signed_with_the_canaries(recording):
    """The recorded requests signed by the playbooks: each must carry the canary token and access key."""
    signed = []
    for line in recording.read_text(encoding="utf-8").splitlines():
        headers = {key.lower(): value for key, value in json.loads(line)["headers"].items()}
        if "authorization" in headers:
            signed.append(
                (ACCESS_KEY in headers["authorization"], headers.get("x-amz-security-token") == SESSION_TOKEN)
            )
    return signed


def test_the_secret_key_and_session_token_never_show_in_output_log_parameters_or_files(demo_from_blue, tmp_path):
    sandbox = demo_from_blue
    log = tmp_path / "ansible.log"
    # From a file, as keys should be given: ansible-playbook -vvvv prints its command line, -e values included.
    credentials = tmp_path / "credentials.json"
    credentials.write_text(
        json.dumps(
            {
                "bluegreen_aws_access_key": ACCESS_KEY,
                "bluegreen_aws_secret_key": SECRET_KEY,
                "bluegreen_aws_session_token": SESSION_TOKEN,
            }
        ),
        encoding="utf-8",
    )
    with sandbox.api_calls() as calls:
        outputs = {name: playbook(sandbox, name, log, credentials) for name in ("deploy", "switch")}
    recording = sandbox.directory / RECORDING
    signed = signed_with_the_canaries(recording)
    recording.unlink()

    assert "CreateAutoScalingGroup" in calls and "ModifyListener" in calls, calls
    assert signed and all(
        access and token for access, token in signed
    ), f"{len(signed)} requests, not all with the keys"
    assert "ESTABLISH LOCAL CONNECTION" in outputs["deploy"], "not verbose enough to tell"
    for name, output in outputs.items():
        assert not leaks(output), f"{name} -vvvv shows the {leaks(output)}"
    assert log.exists() and not leaks(log.read_text(encoding="utf-8")), "the log shows a secret"
    state = repr(snapshot(sandbox))
    assert not leaks(state), f"the sandbox holds the {leaks(state)} (SSM history, tags, templates, ...)"
    # followlinks: the EFS stand-in and the web roots may be links to folders under /var/tmp (tools/sandbox.py).
    for current, _directories, files in os.walk(sandbox.directory, followlinks=True):
        for name in files:
            path = os.path.join(current, name)
            with open(path, "rb") as handle:
                content = handle.read().decode("utf-8", "replace")
            assert not leaks(content), f"{path} holds the {leaks(content)}"
