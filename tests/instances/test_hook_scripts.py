# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The hook scripts of teal.bluegreen.codedeploy_hooks, on this machine: shellcheck, and the functions of lib.sh.

The Molecule scenario (test_molecule.py) runs the hooks on Debian roots as CodeDeploy runs them; these tests
exercise, faster and without root where they can, what that scenario cannot reach: every refusal of the web
root switch (the same as teal.bluegreen.efs_symlink_switch's, docs/efs.md), the fstab entry of the EFS mount,
the HTTP check's answers, the check secret read from SSM (a moto server of the tests' own) and where it must never
show, the settings file's safety and the revision's launcher.
"""

from __future__ import annotations

import http.server
import os
import secrets
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import boto3
import pytest
import yaml
from moto.server import ThreadedMotoServer

from ansible_collections.teal.bluegreen.plugins.module_utils.hooks_settings import MOUNT_OPTIONS
from conftest import run_on_localhost

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ROLE = ROOT / "roles" / "codedeploy_hooks"
HOOKS = ROLE / "files" / "hooks"
LIB = HOOKS / "lib.sh"
LAUNCHER = ROLE / "files" / "revision" / "run-hook.sh"
EVENTS = [
    "BeforeInstall",
    "AfterInstall",
    "ApplicationStart",
    "ValidateService",
    "BeforeAllowTraffic",
    "AfterAllowTraffic",
]
AS_ROOT = pytest.mark.skipif(os.geteuid() != 0, reason="needs root: files owned by root, or by another user")


def bash(script, *args, env=None):
    """Run ``script`` in bash with lib.sh sourced and ``args`` as "$@"; returns the CompletedProcess."""
    return subprocess.run(
        ["bash", "-c", f'set -euo pipefail; source "{LIB}"; {script}', "test", *args],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, LIFECYCLE_EVENT="Test", **(env or {})),
    )


def test_scripts_pass_shellcheck():
    scripts = sorted(HOOKS.glob("*.sh")) + [LAUNCHER]
    assert {path.stem for path in scripts} >= set(EVENTS) | {"lib", "run-hook"}
    done = subprocess.run(
        [str(BIN / "shellcheck"), "--external-sources", *map(str, scripts)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_event_has_an_executable_hook():
    for event in EVENTS:
        assert os.access(HOOKS / f"{event}.sh", os.X_OK), event
    files = yaml.safe_load((ROLE / "vars" / "main.yml").read_text(encoding="utf-8"))["bluegreen_codedeploy_hooks_files"]
    assert {item["name"] for item in files} == {path.name for path in HOOKS.iterdir()}


def test_hooks_hold_no_templating():
    for path in list(HOOKS.iterdir()) + [LAUNCHER]:
        text = path.read_text(encoding="utf-8")
        assert "{{" not in text and "{%" not in text, path


class Site:
    """A document root ``www/html`` and the releases under ``efs/shop``, as docs/efs.md describes them."""

    def __init__(self, base):
        self.base = base
        self.path = base / "www" / "html"
        self.root = base / "efs" / "shop"
        for release in ("blue", "green"):
            (self.root / release).mkdir(parents=True)
            (self.root / release / "index.html").write_text(f"{release}\n", encoding="utf-8")
        (self.root / "empty").mkdir()
        (self.root / "notes.txt").write_text("not a release\n", encoding="utf-8")
        (base / "outside").mkdir()
        (base / "outside" / "index.html").write_text("outside\n", encoding="utf-8")
        (self.root / "escape").symlink_to("../../outside")
        (self.root / "current").symlink_to("green")
        self.path.parent.mkdir()

    def switch(self, release, path=None, root=None, require_file="index.html", replace_directory="false"):
        return bash(
            'switch_web_root "$@"',
            str(path or self.path),
            str(root or self.root),
            release,
            require_file,
            replace_directory,
            "",
            "",
        )

    def snapshot(self):
        entries = {}
        for directory, dirs, files in os.walk(self.base):
            for name in [".", *dirs, *files]:
                full = os.path.normpath(os.path.join(directory, name))
                info = os.lstat(full)
                link = os.readlink(full) if stat.S_ISLNK(info.st_mode) else None
                entries[os.path.relpath(full, self.base)] = (info.st_mode, info.st_ino, link)
        return entries


@pytest.fixture
def site(tmp_path):
    return Site(tmp_path)


def test_switch_creates_then_repoints_then_keeps(site):
    done = site.switch("blue")
    assert done.returncode == 0, done.stderr
    assert os.readlink(site.path) == f"{site.root}/blue"
    assert (site.path / "index.html").read_text(encoding="utf-8") == "blue\n"

    done = site.switch("green")
    assert done.returncode == 0, done.stderr
    assert os.readlink(site.path) == f"{site.root}/green"
    assert f"was {site.root}/blue" in done.stdout

    before = site.snapshot()
    done = site.switch("green")
    assert done.returncode == 0, done.stderr
    assert "already points at" in done.stdout
    assert site.snapshot() == before
    assert [name for name in os.listdir(site.path.parent) if name != "html"] == []


def test_switch_normalises_the_link_text(site):
    site.path.symlink_to(f"{site.root}//green/")
    done = site.switch("green", root=f"{site.root}//")
    assert done.returncode == 0, done.stderr
    assert os.readlink(site.path) == f"{site.root}/green"


def test_switch_follows_a_release_that_links_inside_root(site):
    done = site.switch("current")
    assert done.returncode == 0, done.stderr
    assert os.readlink(site.path) == f"{site.root}/current"


def test_switch_moves_a_directory_aside_only_when_told(site):
    site.path.mkdir()
    (site.path / "index.html").write_text("debian default\n", encoding="utf-8")
    before = site.snapshot()
    done = site.switch("blue")
    assert done.returncode == 1
    assert "is a real directory, not a symlink: set bluegreen_web_root_replace_directory" in done.stderr
    assert site.snapshot() == before

    done = site.switch("blue", replace_directory="true")
    assert done.returncode == 0, done.stderr
    assert os.readlink(site.path) == f"{site.root}/blue"
    backups = [name for name in os.listdir(site.path.parent) if name.startswith("html.bluegreen-backup-")]
    assert len(backups) == 1
    assert (site.path.parent / backups[0] / "index.html").read_text(encoding="utf-8") == "debian default\n"


@pytest.mark.parametrize(
    "release, arguments, message",
    [
        ("../x", {}, "release '../x' is not a valid release name: use letters, digits"),
        ("a/b", {}, "release 'a/b' is not a valid release name"),
        ("/etc", {}, "release '/etc' is not a valid release name"),
        ("..", {}, "release '..' is not a valid release name: it must name a directory inside root"),
        ("", {}, "release '' is not a valid release name"),
        ("escape", {}, "leads to"),
        ("purple", {}, "release directory '{root}/purple' does not exist: put release 'purple' there first"),
        ("notes.txt", {}, "release directory '{root}/notes.txt' is not a directory"),
        ("empty", {}, "'index.html' is not a file in release directory '{root}/empty'"),
        ("blue", {"require_file": "../outside/index.html"}, "require_file '../outside/index.html' is not a file name"),
        ("blue", {"require_file": "/etc/passwd"}, "require_file '/etc/passwd' is not a file name"),
        ("blue", {"root": "{base}/nothing"}, "root '{base}/nothing' does not exist: mount the file system"),
        ("blue", {"root": "{root}/blue/index.html"}, "is not a directory; give the directory that holds the releases"),
        ("blue", {"root": "efs/shop"}, "root 'efs/shop' is not an absolute path"),
        ("blue", {"path": "www/html"}, "path 'www/html' is not an absolute path"),
        (
            "blue",
            {"path": "{base}/missing/html"},
            "the directory '{base}/missing' of path '{base}/missing/html' does not exist",
        ),
        ("blue", {"path": "/"}, "is the file system root"),
    ],
)
def test_switch_refuses_and_changes_nothing(site, release, arguments, message):
    values = {"base": site.base, "root": site.root}
    arguments = {key: value.format(**values) for key, value in arguments.items()}
    before = site.snapshot()
    done = site.switch(release, **arguments)
    assert done.returncode == 1
    assert message.format(**values) in done.stderr
    assert site.snapshot() == before


def test_switch_refuses_a_regular_file(site):
    site.path.write_text("a file\n", encoding="utf-8")
    before = site.snapshot()
    done = site.switch("blue")
    assert done.returncode == 1
    assert "is a regular file or another kind of file; not replacing it" in done.stderr
    assert site.snapshot() == before


def test_switch_never_leaves_the_document_root_missing(site):
    """Requests made while the link moves back and forth always find a document root."""
    assert site.switch("blue").returncode == 0
    misses = []
    stop = threading.Event()

    def look():
        while not stop.is_set():
            try:
                os.stat(site.path / "index.html")
            except FileNotFoundError:
                misses.append(1)

    reader = threading.Thread(target=look)
    reader.start()
    try:
        done = bash(
            'for i in $(seq 50); do switch_web_root "$1" "$2" green "" false "" ""; '
            'switch_web_root "$1" "$2" blue "" false "" ""; done',
            str(site.path),
            str(site.root),
        )
    finally:
        stop.set()
        reader.join()
    assert done.returncode == 0, done.stderr
    assert misses == []
    assert sorted(os.listdir(site.path.parent)) == ["html"]


@pytest.fixture
def fstab(tmp_path):
    path = tmp_path / "fstab"
    path.write_text(
        "# /etc/fstab: static file system information.\n"
        "UUID=1234 / ext4 errors=remount-ro 0 1\n"
        "fs-old.efs.eu-west-1.amazonaws.com:/ /mnt/efs nfs4 nfsvers=4.0 0 0\n"
        "tmpfs /tmp tmpfs defaults 0 0\n",
        encoding="utf-8",
    )
    return path


EFS_LINE = (
    "fs-0123.efs.eu-west-1.amazonaws.com:/ /mnt/efs nfs4 "
    "nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport,_netdev 0 0"
)


def test_fstab_entry_replaces_the_mount_points_entry_once(fstab):
    done = bash('fstab_ensure "$@"', str(fstab), "/mnt/efs", EFS_LINE)
    assert done.returncode == 0, done.stderr
    assert fstab.read_text(encoding="utf-8").splitlines() == [
        "# /etc/fstab: static file system information.",
        "UUID=1234 / ext4 errors=remount-ro 0 1",
        EFS_LINE,
        "tmpfs /tmp tmpfs defaults 0 0",
    ]
    inode = fstab.stat().st_ino
    done = bash('fstab_ensure "$@"', str(fstab), "/mnt/efs", EFS_LINE)
    assert done.returncode == 0, done.stderr
    assert "already mounts /mnt/efs as wanted" in done.stdout
    assert fstab.stat().st_ino == inode
    assert [path.name for path in fstab.parent.iterdir()] == ["fstab"]


def test_fstab_entry_is_added_once_and_duplicates_go(fstab):
    fstab.write_text(fstab.read_text(encoding="utf-8") + "other:/ /mnt/efs nfs4 defaults 0 0\n", encoding="utf-8")
    done = bash('fstab_ensure "$@"', str(fstab), "/mnt/efs", EFS_LINE)
    assert done.returncode == 0, done.stderr
    assert fstab.read_text(encoding="utf-8").count("/mnt/efs") == 1
    missing = fstab.parent / "new-fstab"
    done = bash('fstab_ensure "$@"', str(missing), "/mnt/efs", EFS_LINE)
    assert done.returncode == 0, done.stderr
    assert missing.read_text(encoding="utf-8") == EFS_LINE + "\n"


def test_efs_mount_uses_the_options_aws_recommends(tmp_path):
    assert "nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport" in MOUNT_OPTIONS["nfs"]
    assert "_netdev,noresvport,tls" in MOUNT_OPTIONS["efs"]


def answer(handler, status):
    """Answer the request HANDLER is serving with STATUS and a page that names it."""
    body = f"<h1>shop {status}</h1>\n".encode()
    handler.send_response(status)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class Answers(http.server.BaseHTTPRequestHandler):
    """/200, /500 and /slow-then-200 (500 twice, then 200) answer with their status and a page."""

    calls = {}

    def do_GET(self):  # noqa: N802 - the name http.server calls
        count = Answers.calls[self.path] = Answers.calls.get(self.path, 0) + 1
        status = 500 if self.path == "/500" or (self.path == "/slow-then-200" and count < 3) else 200
        answer(self, status)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    Answers.calls = {}
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(
    "path, body, status, message",
    [
        ("/200", "", 0, "answered 200 (attempt 1 of 3)"),
        ("/200", "shop", 0, "answered 200"),
        ("/slow-then-200", "", 0, "answered 200 (attempt 3 of 3)"),
        (
            "/500",
            "",
            1,
            "/500 answered 500 after 3 attempts, expected 200: the instance does not serve the application",
        ),
        ("/200", "blue", 1, "answered 200 without 'blue' in the page after 3 attempts"),
    ],
)
def test_http_check(server, path, body, status, message):
    done = bash('http_check "$@"', server + path, "200", body, "3", "0", "5")
    assert done.returncode == status, done.stdout + done.stderr
    assert message in done.stdout + done.stderr


def test_http_check_without_a_server():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = bash('http_check "$@"', f"http://127.0.0.1:{port}/", "200", "", "2", "0", "2")
    assert done.returncode == 1
    assert "no HTTP answer (curl exit 7) after 2 attempts" in done.stderr


class Guarded(http.server.BaseHTTPRequestHandler):
    """/check answers 200 to requests whose X-Bluegreen-Check header holds ``secret``, 403 to others.

    While each request is open, curl runs: the handler looks for the secret in the command line and environment of
    every process it may read, where any user of the instance could find it with ps.
    """

    secret = ""
    received = []
    exposed = []

    def do_GET(self):  # noqa: N802 - the name http.server calls
        Guarded.received.append(self.headers.get("X-Bluegreen-Check"))
        Guarded.exposed.extend(processes_showing(Guarded.secret))
        status = 200 if self.headers.get("X-Bluegreen-Check") == Guarded.secret else 403
        answer(self, status)

    def log_message(self, *args):
        pass


def processes_showing(secret):
    """The /proc files (cmdline, environ) of the running processes that hold ``secret``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        for name in ("cmdline", "environ"):
            try:
                content = (entry / name).read_bytes()
            except OSError:
                continue
            if secret.encode() in content:
                found.append(str(entry / name))
    return found


@pytest.fixture
def guarded():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Guarded)
    Guarded.secret = "canary-check-secret-" + secrets.token_hex(16)
    Guarded.received = []
    Guarded.exposed = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/check"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def ssm():
    """An SSM endpoint of these tests' own (moto, in this process, on a free port) and a client of it."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    endpoint = "http://%s:%d" % server.get_host_and_port()
    client = boto3.client(
        "ssm", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="x"
    )
    yield endpoint, client
    server.stop()


def check_with_secret(ssm, url, parameter):
    """check_application with the settings of a check that sends the secret of ``parameter``."""
    endpoint, _client = ssm
    settings = {
        "BLUEGREEN_CHECK_URL": url,
        "BLUEGREEN_CHECK_STATUS": "200",
        "BLUEGREEN_CHECK_BODY": "shop",
        "BLUEGREEN_CHECK_RETRIES": "2",
        "BLUEGREEN_CHECK_DELAY": "0",
        "BLUEGREEN_CHECK_TIMEOUT": "5",
        "BLUEGREEN_CHECK_SECRET_PARAMETER": parameter,
        "BLUEGREEN_CHECK_SECRET_HEADER": "X-Bluegreen-Check",
        "BLUEGREEN_AWS_REGION": "us-east-1",
        "BLUEGREEN_AWS_ENDPOINT_URL": endpoint,
        # The hooks' python3 is the instance's, with boto3; here the tests' own.
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    return bash("check_application", env=settings)


def test_check_sends_the_secret_of_its_parameter_and_shows_it_nowhere(ssm, guarded):
    _endpoint, client = ssm
    client.put_parameter(Name="/shop/check-secret", Value=Guarded.secret, Type="SecureString", Overwrite=True)
    done = check_with_secret(ssm, guarded, "/shop/check-secret")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "answered 200 with header X-Bluegreen-Check from /shop/check-secret (attempt 1 of 2)" in done.stdout
    assert Guarded.received == [Guarded.secret]
    assert Guarded.secret not in done.stdout + done.stderr
    assert Guarded.exposed == []


@pytest.mark.parametrize(
    "value, message",
    [
        (
            "wrong-" + secrets.token_hex(8),
            "answered 403 with header X-Bluegreen-Check from /shop/check-secret after 2 attempts, expected 200: the "
            "application refused the request; check that /shop/check-secret holds the value it expects",
        ),
        (None, "could not read the check secret from /shop/check-secret: check that it exists in us-east-1 and that"),
        ("first-" + secrets.token_hex(8) + "\nsecond", "the check secret in /shop/check-secret has a line break"),
    ],
    ids=["wrong", "missing", "two-lines"],
)
def test_check_fails_naming_the_parameter_never_the_value(ssm, guarded, value, message):
    _endpoint, client = ssm
    client.delete_parameters(Names=["/shop/check-secret"])
    if value is not None:
        client.put_parameter(Name="/shop/check-secret", Value=value, Type="SecureString")
    done = check_with_secret(ssm, guarded, "/shop/check-secret")
    assert done.returncode == 1, done.stdout + done.stderr
    assert message in done.stderr
    for shown in [Guarded.secret, *(value or "").splitlines()]:
        assert shown not in done.stdout + done.stderr
    assert Guarded.exposed == []


def test_check_warns_of_a_secret_stored_in_clear(ssm, guarded):
    _endpoint, client = ssm
    client.put_parameter(Name="/shop/clear", Value=Guarded.secret, Type="String", Overwrite=True)
    done = check_with_secret(ssm, guarded, "/shop/clear")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "parameter /shop/clear is a String, not a SecureString" in done.stderr
    assert Guarded.secret not in done.stdout + done.stderr


def apply_role(tmp_path, **variables):
    """The role's main entry point on this machine, without the EFS file system id that it requires: its check of
    the settings fails, listing every problem, before anything changes."""
    playbook = tmp_path / "role.yml"
    play = {
        "name": "Apply the role",
        "hosts": "localhost",
        "gather_facts": False,
        "roles": ["teal.bluegreen.codedeploy_hooks"],
    }
    playbook.write_text(yaml.safe_dump([play]), encoding="utf-8")
    extra = {
        "ansible_python_interpreter": sys.executable,
        "bluegreen_app": "shop",
        "bluegreen_aws_region": "eu-west-1",
        "bluegreen_hooks_dir": str(tmp_path / "hooks"),
        **variables,
    }
    done = run_on_localhost(playbook, extra)
    assert done.returncode != 0 and "bluegreen_efs_file_system_id is not set" in done.stdout, done.stdout + done.stderr
    assert not (tmp_path / "hooks").exists()
    return done.stdout


def test_role_checks_the_secret_parameter_and_header_names(tmp_path):
    bad = apply_role(
        tmp_path,
        bluegreen_hooks_check_secret_parameter="shop/check-secret",
        bluegreen_hooks_check_secret_header="X-Check: 1",
    )
    assert (
        "bluegreen_hooks_check_secret_parameter 'shop/check-secret' is not the full name of an SSM parameter: give its "
        "path from the root, like '/shop/check-secret'" in bad
    )
    assert "bluegreen_hooks_check_secret_header 'X-Check: 1' is not an HTTP header name" in bad
    good = apply_role(
        tmp_path,
        bluegreen_hooks_check_secret_parameter="/shop/check-secret",
        bluegreen_hooks_check_secret_header="X-Shop_Check.2",
    )
    assert "bluegreen_hooks_check_secret" not in good


def render_settings(tmp_path, settings):
    """The role's settings template rendered with ``settings`` as its values, as the role renders it."""
    playbook = tmp_path / "settings.yml"
    destination = tmp_path / "hooks.env"
    play = {
        "name": "Render the settings",
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [
            {
                "name": "Render hooks.env",
                "ansible.builtin.template": {
                    "src": str(ROLE / "templates" / "hooks.env.j2"),
                    "dest": str(destination),
                    "mode": "0640",
                },
            }
        ],
    }
    playbook.write_text(yaml.safe_dump([play]), encoding="utf-8")
    extra = {
        "ansible_python_interpreter": sys.executable,
        "bluegreen_codedeploy_hooks_instance": {"settings": settings},
    }
    done = run_on_localhost(playbook, extra)
    assert done.returncode == 0, done.stdout + done.stderr
    return destination


@AS_ROOT
def test_settings_are_values_never_code(tmp_path):
    marker = tmp_path / "ran"
    hostile = f'it\'s $(touch {marker}) `touch {marker}` "quoted" ${{HOME}}\nsecond line; touch {marker}'
    path = render_settings(tmp_path, {"BLUEGREEN_CHECK_BODY": hostile, "BLUEGREEN_APP": "shop"})
    done = bash('load_settings "$1"; printf %s "$BLUEGREEN_CHECK_BODY"', str(path))
    assert done.returncode == 0, done.stderr
    assert done.stdout == hostile
    assert not marker.exists()


@AS_ROOT
@pytest.mark.parametrize("mode, owner, message", [(0o660, 0, "mode 660"), (0o640, 65534, "uid 65534")])
def test_settings_writable_by_others_are_refused(tmp_path, mode, owner, message):
    marker = tmp_path / "ran"
    path = tmp_path / "hooks.env"
    path.write_text(f"touch {marker}\n", encoding="utf-8")
    os.chmod(path, mode)
    os.chown(path, owner, 0)
    done = bash('load_settings "$1"', str(path))
    assert done.returncode == 1
    assert message in done.stderr and "not using it" in done.stderr
    assert not marker.exists()


def test_missing_settings_are_named(tmp_path):
    done = bash('load_settings "$1"', str(tmp_path / "hooks.env"))
    assert done.returncode == 1
    assert "apply the teal.bluegreen.codedeploy_hooks role to this instance" in done.stderr


def launch(revision, event, env=None):
    return subprocess.run(
        [str(revision / "bluegreen" / "run-hook.sh")],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, **({"LIFECYCLE_EVENT": event} if event is not None else {}), **(env or {})),
    )


@pytest.fixture
def revision(tmp_path):
    """A revision's launcher, and hooks installed as the role installs them (a fake hook per event)."""
    revision = tmp_path / "revision"
    (revision / "bluegreen").mkdir(parents=True)
    launcher = revision / "bluegreen" / "run-hook.sh"
    launcher.write_bytes(LAUNCHER.read_bytes())
    launcher.chmod(0o755)
    hooks = tmp_path / "opt" / "hooks"
    hooks.mkdir(parents=True)
    for event in EVENTS:
        script = hooks / f"{event}.sh"
        script.write_text('#!/usr/bin/env bash\necho "ran $LIFECYCLE_EVENT for $DEPLOYMENT_ID"\n', encoding="utf-8")
        script.chmod(0o755)
    (revision / "bluegreen" / "hooks-dir").write_text(f"{hooks}\n", encoding="utf-8")
    return revision, hooks


@AS_ROOT
def test_launcher_runs_the_installed_hook_of_the_event(revision):
    directory, _hooks = revision
    for event in EVENTS:
        done = launch(directory, event, {"DEPLOYMENT_ID": "d-ABCDEFGHI"})
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"ran {event} for d-ABCDEFGHI\n"


@pytest.mark.parametrize(
    "event, message",
    [
        (None, "LIFECYCLE_EVENT '' is not an event"),
        ("Install", "LIFECYCLE_EVENT 'Install' is not an event"),
        ("../../bin/sh", "is not an event"),
        ("ApplicationStop", "LIFECYCLE_EVENT 'ApplicationStop' is not an event"),
    ],
)
def test_launcher_refuses_other_events(revision, event, message):
    directory, _hooks = revision
    done = launch(directory, event)
    assert done.returncode == 1
    assert message in done.stderr


@pytest.mark.parametrize(
    "hooks_dir, message",
    [
        ("opt/hooks", "is not an absolute path"),
        ("/opt/../etc", "is not an absolute path"),
        ("/opt/hooks; rm -rf /", "is not an absolute path"),
        ("/nonexistent/hooks", "does not exist on this instance: apply the teal.bluegreen.codedeploy_hooks role"),
    ],
)
def test_launcher_refuses_a_bad_hooks_directory(revision, hooks_dir, message):
    directory, _hooks = revision
    (directory / "bluegreen" / "hooks-dir").write_text(hooks_dir + "\n", encoding="utf-8")
    done = launch(directory, "BeforeInstall")
    assert done.returncode == 1
    assert message in done.stderr


@AS_ROOT
def test_launcher_refuses_hooks_others_can_change(revision):
    directory, hooks = revision
    script = hooks / "BeforeInstall.sh"
    script.chmod(0o777)
    done = launch(directory, "BeforeInstall")
    assert done.returncode == 1
    assert "writable by root only; not running it" in done.stderr
    script.chmod(0o755)
    os.chown(script, 65534, 0)
    done = launch(directory, "BeforeInstall")
    assert done.returncode == 1
    assert "belongs to uid 65534" in done.stderr
