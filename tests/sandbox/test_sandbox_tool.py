"""tools/sandbox.py: the decisions as plain functions, and the CLI against a real moto server.

The servers run on ports from 4610 up, in a temporary directory, so they never meet the sandbox a
developer has running on 4599.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import boto3
import pytest

from conftest import load_sandbox_tool

TOOL = Path(__file__).resolve().parents[2] / "tools" / "sandbox.py"
FIRST_TEST_PORT = 4610

sandbox = load_sandbox_tool()


def free_port(start: int = FIRST_TEST_PORT, count: int = 90) -> int:
    for port in range(start, start + count):
        if sandbox.port_is_free(port):
            return port
    pytest.skip(f"no free port in {start}-{start + count - 1}")


def run(directory: Path, port: int, *command: str, env: dict | None = None) -> subprocess.CompletedProcess:
    argv = [sys.executable, str(TOOL)]
    if directory is not None:
        argv += ["--dir", str(directory)]
    if port is not None:
        argv += ["--port", str(port)]
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("BLUEGREEN_SANDBOX_")}
    return subprocess.run(
        argv + list(command), capture_output=True, text=True, timeout=60, env={**clean_env, **(env or {})}, check=False
    )


def recorded_pid(directory: Path) -> int:
    return int((directory / "moto.pid").read_text())


def is_running(pid: int) -> bool:
    return sandbox.process_argv(pid) is not None


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def sandbox_dir(tmp_path):
    directory = tmp_path / "sandbox"
    yield directory
    # Whatever a test left behind: stop it and remove its local state through the tool, then make sure by pid.
    run(directory, None, "remove")
    pid_file = directory / "moto.pid"
    if pid_file.exists():
        pid = sandbox.parse_int(pid_file.read_text())
        argv = sandbox.process_argv(pid) if pid else None
        if argv and sandbox.is_moto_server(argv, sandbox.parse_int((directory / "moto.port").read_text())):
            os.kill(pid, 9)


@pytest.fixture
def port():
    return free_port()


@pytest.fixture
def running(sandbox_dir, port):
    result = run(sandbox_dir, port, "start")
    assert result.returncode == 0, result.stderr
    return sandbox_dir, port


# Decisions, with plain data.


@pytest.mark.parametrize(
    ("record", "port", "expected"),
    [
        (sandbox.Record(pid=None, port=None, server_alive=False), 4599, sandbox.StartAction.START),
        (sandbox.Record(pid=123, port=4599, server_alive=False), 4599, sandbox.StartAction.DISCARD_STALE_AND_START),
        (sandbox.Record(pid=None, port=4599, server_alive=False), 4599, sandbox.StartAction.DISCARD_STALE_AND_START),
        (sandbox.Record(pid=123, port=4599, server_alive=True), 4599, sandbox.StartAction.REUSE),
        (sandbox.Record(pid=123, port=4600, server_alive=True), 4599, sandbox.StartAction.CONFLICT),
    ],
)
def test_plan_start(record, port, expected):
    assert sandbox.plan_start(record, port) is expected


@pytest.mark.parametrize(
    ("argv", "port", "expected"),
    [
        (["/venv/bin/python", "-m", "moto.server", "-H", "127.0.0.1", "-p", "4599"], 4599, True),
        (["/venv/bin/moto_server", "-p", "4599"], 4599, True),
        (["/venv/bin/moto_server", "--port=4599"], 4599, True),
        (["/venv/bin/python", "/repo/tools/sandbox_server.py", "-H", "127.0.0.1", "-p", "4599"], 4599, True),
        (["/venv/bin/python", "/repo/tools/sandbox_server.py", "-p", "4600"], 4599, False),
        (["/venv/bin/python", "-m", "moto.server", "-p", "4600"], 4599, False),
        (["/venv/bin/python", "-m", "http.server", "-p", "4599"], 4599, False),
        (["/venv/bin/python", "-m", "moto.server", "-p", "4599"], None, False),
        ([], 4599, False),
    ],
)
def test_is_moto_server(argv, port, expected):
    assert sandbox.is_moto_server(argv, port) is expected


def test_the_server_is_the_sandbox_server_and_is_recognised():
    command = sandbox.server_command(4599)

    assert command[:2] == [sys.executable, str(TOOL.parent / "sandbox_server.py")]
    assert command[2:] == ["-H", "127.0.0.1", "-p", "4599"]
    assert sandbox.is_moto_server(command, 4599)


def test_tail_keeps_the_last_lines():
    assert sandbox.tail("a\nb\nc\n", lines=2) == "b\nc"


@pytest.mark.parametrize(("text", "expected"), [("4599\n", 4599), (" 12 ", 12), ("", None), ("x", None), (None, None)])
def test_parse_int(text, expected):
    assert sandbox.parse_int(text) == expected


# The CLI against a real server.


def test_start_records_the_server_and_it_answers(running):
    directory, port = running
    assert (directory / "moto.port").read_text().strip() == str(port)
    assert is_running(recorded_pid(directory))
    assert sandbox.answers(port)
    assert (directory / "moto.log").exists()


def test_second_start_reuses_the_running_server(running):
    directory, port = running
    pid = recorded_pid(directory)

    result = run(directory, port, "start")

    assert result.returncode == 0, result.stderr
    assert "already running" in result.stdout
    assert f"http://127.0.0.1:{port}" in result.stdout
    assert recorded_pid(directory) == pid


def test_status_and_endpoint_of_a_running_server(running):
    directory, port = running

    status = run(directory, port, "status")
    endpoint = run(directory, port, "endpoint")

    assert status.returncode == 0
    assert status.stdout.startswith(f"running at http://127.0.0.1:{port}")
    assert endpoint.stdout.strip() == f"http://127.0.0.1:{port}"


def test_start_with_another_port_names_the_running_one(running):
    directory, port = running
    other = free_port(port + 1)

    result = run(directory, other, "start")

    assert result.returncode == 1
    assert f"already runs at http://127.0.0.1:{port}" in result.stderr
    assert f"BLUEGREEN_SANDBOX_PORT={port}" in result.stderr


def client(service, port):
    return boto3.client(
        service,
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_reset_wipes_the_emulated_state(running):
    directory, port = running
    ssm = client("ssm", port)
    ssm.put_parameter(Name="/bluegreen/test/live", Value="blue", Type="String")

    result = run(directory, port, "reset")

    assert result.returncode == 0, result.stderr
    assert ssm.describe_parameters()["Parameters"] == []


def test_stop_ends_the_server_and_forgets_it(running):
    directory, port = running
    pid = recorded_pid(directory)

    result = run(directory, port, "stop")

    assert result.returncode == 0, result.stderr
    assert not is_running(pid)
    assert not (directory / "moto.pid").exists()
    assert not (directory / "moto.port").exists()
    assert sandbox.port_is_free(port)


def test_stop_and_status_when_nothing_runs(sandbox_dir, port):
    stop = run(sandbox_dir, port, "stop")
    status = run(sandbox_dir, port, "status")
    reset = run(sandbox_dir, port, "reset")

    assert stop.returncode == 0
    assert "not running" in stop.stdout
    assert status.returncode == 3
    assert status.stdout.strip() == "stopped"
    assert reset.returncode == 3


def test_start_replaces_the_record_of_a_dead_process(sandbox_dir, port):
    sandbox_dir.mkdir(parents=True)
    stale = dead_pid()
    (sandbox_dir / "moto.pid").write_text(f"{stale}\n")
    (sandbox_dir / "moto.port").write_text(f"{port}\n")
    assert run(sandbox_dir, port, "status").returncode == 3

    result = run(sandbox_dir, port, "start")

    assert result.returncode == 0, result.stderr
    assert f"stale record of pid {stale}" in result.stdout
    assert recorded_pid(sandbox_dir) != stale
    assert sandbox.answers(port)


def test_a_recorded_pid_that_is_not_a_moto_server_is_left_alone(sandbox_dir, port):
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        sandbox_dir.mkdir(parents=True)
        (sandbox_dir / "moto.pid").write_text(f"{bystander.pid}\n")
        (sandbox_dir / "moto.port").write_text(f"{port}\n")

        stop = run(sandbox_dir, port, "stop")
        assert stop.returncode == 0
        assert bystander.poll() is None

        (sandbox_dir / "moto.pid").write_text(f"{bystander.pid}\n")
        (sandbox_dir / "moto.port").write_text(f"{port}\n")
        start = run(sandbox_dir, port, "start")

        assert start.returncode == 0, start.stderr
        assert recorded_pid(sandbox_dir) != bystander.pid
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


def test_start_refuses_a_port_held_by_something_else(sandbox_dir, port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()

        result = run(sandbox_dir, port, "start")

    assert result.returncode == 1
    assert f"port {port}" in result.stderr
    assert "BLUEGREEN_SANDBOX_PORT" in result.stderr
    assert not (sandbox_dir / "moto.pid").exists()


def test_settings_come_from_the_environment(sandbox_dir, port):
    env = {"BLUEGREEN_SANDBOX_DIR": str(sandbox_dir), "BLUEGREEN_SANDBOX_PORT": str(port)}

    start = run(None, None, "start", env=env)
    endpoint = run(None, None, "endpoint", env=env)
    stop = run(None, None, "stop", env=env)

    assert start.returncode == 0, start.stderr
    assert endpoint.stdout.strip() == f"http://127.0.0.1:{port}"
    assert stop.returncode == 0
    assert f"stopped the sandbox at http://127.0.0.1:{port}" in stop.stdout


def test_an_invalid_port_is_a_usage_error(sandbox_dir):
    result = run(sandbox_dir, None, "start", env={"BLUEGREEN_SANDBOX_PORT": "http"})

    assert result.returncode == 2
    assert "not a TCP port" in result.stderr


def test_stop_falls_back_to_sigkill(sandbox_dir, port, monkeypatch):
    # Ignores SIGTERM, and carries a moto server's arguments so that the tool takes it for its server.
    ignore_sigterm = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(flush=True); time.sleep(60)"
    )
    stubborn = subprocess.Popen(
        [sys.executable, "-c", ignore_sigterm, "moto.server", "-p", str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        stubborn.stdout.readline()
        sandbox_dir.mkdir(parents=True)
        (sandbox_dir / "moto.pid").write_text(f"{stubborn.pid}\n")
        (sandbox_dir / "moto.port").write_text(f"{port}\n")
        monkeypatch.setattr(sandbox, "STOP_TIMEOUT", 1.0)

        assert sandbox.stop(sandbox_dir) == sandbox.EXIT_OK

        assert stubborn.wait(timeout=5) == -9
        assert not (sandbox_dir / "moto.pid").exists()
    finally:
        if stubborn.poll() is None:
            stubborn.kill()
            stubborn.wait()


# Local state that Apache's workers can read wherever the checkout is.

STRANGER = 54321


@pytest.fixture
def open_tmp():
    """A folder everyone may enter, under one everyone may enter: pytest's tmp_path is below a folder of mode 700."""
    folder = Path(tempfile.mkdtemp(prefix="teal-bluegreen-test-", dir="/var/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize(
    ("modes", "expected"),
    [
        ((0o755, 0o755), True),
        ((0o711, 0o711), True),
        ((0o700, 0o755), False),
        ((0o755, 0o700), False),
        ((0o750, 0o755), False),
    ],
)
def test_a_user_enters_a_folder_only_with_search_permission_on_it_and_every_folder_above(open_tmp, modes, expected):
    outer, inner = open_tmp / "outer", open_tmp / "outer" / "inner"
    inner.mkdir(parents=True)
    outer.chmod(modes[0])
    inner.chmod(modes[1])

    assert sandbox.can_enter(inner / "not-yet", STRANGER, frozenset({STRANGER})) is expected


def test_the_folder_that_blocks_a_user_is_the_highest_closed_one(open_tmp):
    closed = open_tmp / "closed"
    (closed / "also-closed" / "sandbox").mkdir(parents=True)
    closed.chmod(0o700)
    (closed / "also-closed").chmod(0o700)

    assert sandbox.blocking_folder(closed / "also-closed" / "sandbox", STRANGER, frozenset()) == closed
    assert sandbox.blocking_folder(open_tmp, STRANGER, frozenset()) is None


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="Apache's workers run as www-data only under root")


@needs_root
def test_under_a_folder_www_data_cannot_enter_the_local_state_is_linked_to_one_it_can(open_tmp, port):
    closed = open_tmp / "closed"
    closed.mkdir(mode=0o700)
    directory = closed / "sandbox"
    try:
        started = run(directory, port, "start")
        assert started.returncode == 0, started.stderr
        targets = {name: (directory / name).resolve() for name in sandbox.LOCAL_STATE}
        assert f"www-data cannot enter {closed}" in started.stdout, started.stdout
        for name, target in targets.items():
            assert (directory / name).is_symlink(), name
            assert target.parent == sandbox.SERVED_PARENT and target.name.startswith(f"teal-bluegreen-{name}-")
            assert sandbox.can_enter(target, *sandbox.web_user())
        (targets["efs"] / "site").mkdir()

        reset = run(directory, port, "reset")
        again = run(directory, port, "start")

        assert reset.returncode == 0 and again.returncode == 0, reset.stderr + again.stderr
        assert {name: (directory / name).resolve() for name in sandbox.LOCAL_STATE} == targets
        assert not (targets["efs"] / "site").exists(), "reset keeps the links and empties them"
    finally:
        removed = run(directory, port, "remove")
    assert removed.returncode == 0, removed.stderr
    assert not any(target.exists() for target in targets.values())
    assert not any((directory / name).is_symlink() for name in sandbox.LOCAL_STATE)


@needs_root
def test_stop_ends_the_web_servers_started_from_the_linked_folder_before_it_returns(open_tmp, port):
    closed = open_tmp / "closed"
    closed.mkdir(mode=0o700)
    directory = closed / "sandbox"
    started = run(directory, port, "start")
    assert started.returncode == 0, started.stderr
    instance = (directory / "web").resolve() / "web1"
    instance.mkdir()
    # What the playbook starts: Apache named by the configuration's real path, under /var/tmp here.
    web_server = subprocess.Popen(
        ["apache2", "-c", "import time; time.sleep(60)", "-f", str(instance / "httpd.conf")], executable=sys.executable
    )
    try:
        (instance / "httpd.pid").write_text(f"{web_server.pid}\n")

        stopped = run(directory, port, "stop")

        assert stopped.returncode == 0, stopped.stderr
        assert f"stopped the web server of instance web1 (pid {web_server.pid})" in stopped.stdout
        assert not is_running(web_server.pid), "stop returns once the web server is gone, its port free"
    finally:
        web_server.kill()
        web_server.wait()
        run(directory, port, "remove")


@needs_root
def test_local_state_left_in_a_folder_www_data_cannot_enter_is_refused_with_the_fix(open_tmp, port):
    closed = open_tmp / "closed"
    closed.mkdir(mode=0o700)
    (closed / "sandbox" / "efs" / "site").mkdir(parents=True)

    started = run(closed / "sandbox", port, "start")

    assert started.returncode == 1
    assert f"{closed / 'sandbox' / 'efs'} holds local state that www-data cannot read ({closed} is closed" in (
        started.stderr
    )
    assert "sandbox.py remove" in started.stderr
    assert not (closed / "sandbox" / "moto.pid").exists()


def test_where_www_data_can_enter_the_local_state_stays_in_the_sandbox_folder(open_tmp, port):
    directory = open_tmp / "sandbox"

    started = run(directory, port, "start")
    run(directory, port, "stop")

    assert started.returncode == 0, started.stderr
    assert not any((directory / name).is_symlink() for name in sandbox.LOCAL_STATE)


def test_a_link_the_sandbox_did_not_make_is_unlinked_and_its_folder_kept(open_tmp):
    directory, own = open_tmp / "sandbox", open_tmp / "own-efs"
    (own / "site").mkdir(parents=True)
    directory.mkdir()
    (directory / "efs").symlink_to(own, target_is_directory=True)

    sandbox.clear_local_state(directory, keep_links=True)

    assert not (directory / "efs").exists() and not (directory / "efs").is_symlink()
    assert (own / "site").is_dir()


# Snapshots: save, change, restore.


def groups(port):
    found = client("autoscaling", port).describe_auto_scaling_groups()["AutoScalingGroups"]
    return {item["AutoScalingGroupName"]: (item["DesiredCapacity"], len(item["Instances"])) for item in found}


def test_restore_puts_back_every_service_and_the_local_state_as_saved(running):
    directory, port = running
    ec2, ssm, autoscaling = client("ec2", port), client("ssm", port), client("autoscaling", port)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ec2.create_launch_template(LaunchTemplateName="app", LaunchTemplateData={"ImageId": image})
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="app-blue",
        LaunchTemplate={"LaunchTemplateName": "app"},
        MinSize=1,
        MaxSize=2,
        DesiredCapacity=1,
        AvailabilityZones=["us-east-1a"],
    )
    ssm.put_parameter(Name="/bluegreen/app/live", Value="blue", Type="String")
    efs, web = directory / "efs", directory / "web" / "web1"
    (efs / "app" / "blue").mkdir(parents=True)
    (efs / "app" / "blue" / "index.html").write_text("blue", encoding="utf-8")
    web.mkdir(parents=True)
    (web / "html").symlink_to(efs / "app" / "blue")

    saved = run(directory, port, "save", "provisioned")
    assert saved.returncode == 0, saved.stderr
    assert "saved snapshot provisioned" in saved.stdout
    before = groups(port)

    ssm.put_parameter(Name="/bluegreen/app/live", Value="green", Type="String", Overwrite=True)
    ssm.put_parameter(Name="/bluegreen/app/lock", Value="held", Type="String")
    autoscaling.update_auto_scaling_group(AutoScalingGroupName="app-blue", DesiredCapacity=2)
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="app-green",
        LaunchTemplate={"LaunchTemplateName": "app"},
        MinSize=1,
        MaxSize=1,
        AvailabilityZones=["us-east-1a"],
    )
    (efs / "app" / "green").mkdir()
    (efs / "app" / "blue" / "index.html").write_text("changed", encoding="utf-8")
    (web / "html").unlink()
    (web / "html").symlink_to(efs / "app" / "green")
    assert groups(port) != before

    restored = run(directory, port, "restore", "provisioned")

    assert restored.returncode == 0, restored.stderr
    assert groups(port) == before
    assert ssm.get_parameter(Name="/bluegreen/app/live")["Parameter"]["Value"] == "blue"
    assert [item["Name"] for item in ssm.describe_parameters()["Parameters"]] == ["/bluegreen/app/live"]
    assert sorted(path.name for path in (efs / "app").iterdir()) == ["blue"]
    assert (efs / "app" / "blue" / "index.html").read_text(encoding="utf-8") == "blue"
    assert os.readlink(web / "html") == str(efs / "app" / "blue")
    # A snapshot is put back as saved however often it is restored: the state restored is a copy of it.
    ssm.delete_parameter(Name="/bluegreen/app/live")
    assert run(directory, port, "restore", "provisioned").returncode == 0
    assert ssm.get_parameter(Name="/bluegreen/app/live")["Parameter"]["Value"] == "blue"


def test_restoring_a_snapshot_never_saved_fails_naming_it_and_changes_nothing(running):
    directory, port = running
    ssm = client("ssm", port)
    ssm.put_parameter(Name="/bluegreen/app/live", Value="green", Type="String")

    result = run(directory, port, "restore", "nothing-here")

    assert result.returncode == 1
    assert "no snapshot nothing-here" in result.stderr and "sandbox.py save nothing-here" in result.stderr
    assert ssm.get_parameter(Name="/bluegreen/app/live")["Parameter"]["Value"] == "green"


def test_a_snapshot_needs_a_running_sandbox_and_a_plain_name(sandbox_dir, port):
    stopped = run(sandbox_dir, port, "save", "provisioned")
    assert stopped.returncode == 1
    assert "not running" in stopped.stderr
    for name in ("../up", "a b", ".hidden"):
        bad = run(sandbox_dir, port, "save", name)
        assert bad.returncode == 2
        assert repr(name) in bad.stderr and "letters, digits" in bad.stderr


def test_a_new_server_forgets_the_snapshots_of_the_one_before(running):
    # The emulated half of a snapshot lives in the server: after a stop and a start, the local half left on disk
    # must not make a snapshot look saved when restoring it can only fail.
    directory, port = running
    assert run(directory, port, "save", "provisioned").returncode == 0
    assert (directory / "snapshots" / "provisioned").is_dir()

    assert run(directory, port, "stop").returncode == 0
    assert run(directory, port, "start").returncode == 0

    assert not (directory / "snapshots" / "provisioned").exists()
    result = run(directory, port, "restore", "provisioned")
    assert result.returncode == 1
    assert "sandbox.py save provisioned" in result.stderr


def test_a_new_server_starts_without_the_local_state_of_the_one_before(running):
    # The EFS stand-in and the web roots describe the resources of the server that made them: kept across a stop and
    # a start, a web root would serve a colour that the new, empty, server knows nothing of, and the preflight of
    # the next provisioning would find the layers disagreeing.
    directory, port = running
    for local in ("efs", "web"):
        (directory / local / "site").mkdir(parents=True, exist_ok=True)
        (directory / local / "site" / "index.html").write_text("old\n", encoding="utf-8")

    assert run(directory, port, "stop").returncode == 0
    assert run(directory, port, "start").returncode == 0

    for local in ("efs", "web"):
        assert not (directory / local / "site").exists()
