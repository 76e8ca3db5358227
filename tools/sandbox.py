"""Manage the local AWS sandbox: a moto server on loopback that the `local` inventory talks to.

Usage: sandbox.py [--dir DIR] [--port PORT] {start,stop,status,reset,remove,endpoint,save NAME,restore NAME}

The server's pid and port are recorded in DIR (default: <repo>/.sandbox, env BLUEGREEN_SANDBOX_DIR) so
that every command, `make` target and test finds the same server. Exit status: 0 success, 1 error,
3 the sandbox is not running (status, reset).

The EFS stand-in and the instances' web roots (DIR/efs, DIR/web) are served by Apache, whose workers run as
www-data when the sandbox runs as root. When www-data cannot enter DIR (a checkout under /root or in a
`mktemp -d` folder, mode 700), `start` keeps them in a folder of their own under /var/tmp and links them
from DIR; `remove` deletes them wherever they are.

`save NAME` keeps the whole state under a name: the emulated AWS state inside the server (lost when it stops),
the EFS stand-in's files and the web root links in DIR/snapshots/NAME. `restore NAME` puts it back in about a
second, where provisioning again takes minutes; the tests start each file from the provisioned state that way.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import enum
import errno
import fcntl
import json
import os
import pwd
import re
import shutil
import stat
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from collections.abc import Sequence
from pathlib import Path

HOST = "127.0.0.1"
DEFAULT_PORT = 4599
DEFAULT_DIR = Path(__file__).resolve().parent.parent / ".sandbox"
# moto's server with the sandbox's extensions (tools/sandbox_server.py), taking moto.server's arguments.
SERVER_SCRIPT = Path(__file__).resolve().parent / "sandbox_server.py"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
POLL_INTERVAL = 0.2
LOG_TAIL_LINES = 20

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_STOPPED = 3

PID_FILE = "moto.pid"
PORT_FILE = "moto.port"
RECORDING_FILE = "requests.jsonl"
LOG_FILE = "moto.log"
LOCK_FILE = "sandbox.lock"
# Where `save` keeps a snapshot's local state; the emulated AWS state stays in the server (tools/sandbox_snapshot.py).
SNAPSHOTS_DIR = "snapshots"
WEB_LINKS_FILE = "web-links.json"


class SandboxError(Exception):
    """A failure the user can act on; the message says what to do."""


class StartAction(enum.Enum):
    START = "start"
    REUSE = "reuse"
    DISCARD_STALE_AND_START = "discard-stale-and-start"
    CONFLICT = "conflict"


@dataclasses.dataclass(frozen=True)
class Record:
    """What the pid and port files say, and whether the process behind the pid is that server."""

    pid: int | None
    port: int | None
    server_alive: bool


# What the sandbox keeps on disk besides the emulator: the EFS stand-in and the instances' web roots.
LOCAL_STATE = ("efs", "web")
# The user Apache's workers run as when the sandbox runs as root (playbooks/sandbox.yml), and where the local
# state goes when that user cannot enter the sandbox's directory.
WEB_USER = "www-data"
SERVED_PARENT = Path("/var/tmp")


def endpoint_url(port: int) -> str:
    return f"http://{HOST}:{port}"


def is_moto_server(argv: Sequence[str], port: int | None) -> bool:
    """Whether a command line is a moto server listening on `port`: the sandbox's server, or plain moto.

    A recorded pid can outlive its server and be reused by an unrelated process (or by a moto server
    that another checkout started on another port), so the port is part of the identity.
    """
    is_moto = any(arg == "moto.server" or os.path.basename(arg) in ("moto_server", SERVER_SCRIPT.name) for arg in argv)
    if not is_moto or port is None:
        return False
    for flag, value in zip(argv, argv[1:]):
        if flag in ("-p", "--port") and value == str(port):
            return True
    return f"--port={port}" in argv


def plan_start(record: Record, port: int) -> StartAction:
    if record.pid is None and record.port is None:
        return StartAction.START
    if not record.server_alive:
        return StartAction.DISCARD_STALE_AND_START
    if record.port == port:
        return StartAction.REUSE
    return StartAction.CONFLICT


def parse_int(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        return None


def tail(text: str, lines: int = LOG_TAIL_LINES) -> str:
    return "\n".join(text.splitlines()[-lines:])


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def process_argv(pid: int) -> list[str] | None:
    """The command line of a live (non-zombie) process, or None when there is no such process."""
    proc = Path("/proc")
    if proc.is_dir():
        try:
            stat = (proc / str(pid) / "stat").read_text(encoding="utf-8")
            raw = (proc / str(pid) / "cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            return None
        # The state field follows the parenthesised command name, which may itself contain spaces.
        if stat.rpartition(")")[2].split()[0] in ("Z", "X"):
            return None
        return [arg.decode("utf-8", "replace") for arg in raw.split(b"\0") if arg]
    # Without /proc (macOS), ps gives the same answer with arguments split on blanks, which is enough here.
    result = subprocess.run(
        ["ps", "-p", str(pid), "-o", "stat=", "-o", "args="], capture_output=True, text=True, check=False
    )
    fields = result.stdout.split()
    if result.returncode != 0 or not fields or fields[0].startswith("Z"):
        return None
    return fields[1:]


def read_record(directory: Path) -> Record:
    pid = parse_int(read_text(directory / PID_FILE))
    port = parse_int(read_text(directory / PORT_FILE))
    argv = process_argv(pid) if pid is not None else None
    return Record(pid=pid, port=port, server_alive=argv is not None and is_moto_server(argv, port))


def write_atomically(path: Path, text: str) -> None:
    scratch = path.with_name(f".{path.name}.tmp")
    scratch.write_text(text, encoding="utf-8")
    os.replace(scratch, path)


def forget_server(directory: Path) -> None:
    for name in (PID_FILE, PORT_FILE):
        (directory / name).unlink(missing_ok=True)


@contextlib.contextmanager
def exclusive(directory: Path) -> Iterator[None]:
    """Serialise commands on one sandbox directory, so concurrent starts cannot launch two servers."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / LOCK_FILE, "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def port_is_free(port: int) -> bool:
    # SO_REUSEADDR as werkzeug sets it: sockets in TIME_WAIT from a server just stopped do not count.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint_url(port)}/moto-api/", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def server_command(port: int) -> list[str]:
    return [sys.executable, str(SERVER_SCRIPT), "-H", HOST, "-p", str(port)]


def launch(directory: Path, port: int) -> subprocess.Popen:
    # Requests are recorded only between /moto-api/recorder/start-recording and stop-recording; the
    # tests use that log to count the API calls a module makes.
    env = dict(os.environ, MOTO_PORT=str(port), MOTO_RECORDER_FILEPATH=str(directory / RECORDING_FILE))
    with open(directory / LOG_FILE, "ab") as log:
        return subprocess.Popen(
            server_command(port),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=directory,
            env=env,
            start_new_session=True,
        )


def wait_until_answering(process: subprocess.Popen, directory: Path, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not answers(port):
        exited = process.poll()
        if exited is not None or time.monotonic() > deadline:
            if exited is None:
                process.kill()
                process.wait()
            forget_server(directory)
            reason = f"exited with status {exited}" if exited is not None else f"did not answer within {timeout:.0f}s"
            log = read_text(directory / LOG_FILE) or ""
            raise SandboxError(
                f"the moto server on port {port} {reason}; last lines of {directory / LOG_FILE}:\n{tail(log)}"
            )
        time.sleep(POLL_INTERVAL)


def may_search(info: os.stat_result, uid: int, gids: frozenset[int]) -> bool:
    """Whether a user (``uid``, groups ``gids``) has search permission on a folder of ``info``: by owner, group or
    other, as the kernel checks it (ACLs aside)."""
    if info.st_uid == uid:
        return bool(info.st_mode & stat.S_IXUSR)
    if info.st_gid in gids:
        return bool(info.st_mode & stat.S_IXGRP)
    return bool(info.st_mode & stat.S_IXOTH)


def blocking_folder(path: Path, uid: int, gids: frozenset[int]) -> Path | None:
    """The highest folder on the way to ``path`` (itself included) that the user may not search, None when there is
    none. Folders that do not exist yet are left out: the user's way ends at the last one that does."""
    for folder in (*reversed(path.parents), path):
        try:
            info = folder.stat()
        except FileNotFoundError:
            continue
        if not may_search(info, uid, gids):
            return folder
    return None


def can_enter(path: Path, uid: int, gids: frozenset[int]) -> bool:
    """Whether the user may reach ``path``: search permission on it and every folder above it."""
    return blocking_folder(path, uid, gids) is None


def web_user() -> tuple[int, frozenset[int]] | None:
    """(uid, groups) of the user Apache's workers run as when that is not the caller: www-data under root."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(WEB_USER)
    except KeyError:
        return None
    return entry.pw_uid, frozenset(os.getgrouplist(WEB_USER, entry.pw_gid))


def serve_local_state(directory: Path) -> None:
    """Make DIR/efs and DIR/web reachable by the web servers' user: links to folders under SERVED_PARENT when it
    cannot enter DIR, plain folders otherwise (created by provisioning)."""
    user = web_user()
    if user is None or can_enter(directory, *user):
        return
    blocked = blocking_folder(directory, *user)
    for local in LOCAL_STATE:
        link = directory / local
        if link.is_symlink() and link.resolve().is_dir():
            continue
        if link.is_symlink():
            link.unlink()
        elif link.exists():
            if any(link.iterdir()):
                raise SandboxError(
                    f"{link} holds local state that {WEB_USER} cannot read ({blocked} is closed to it); "
                    f"run `sandbox.py remove` (or `make clean`), then start again"
                )
            link.rmdir()
        target = Path(tempfile.mkdtemp(prefix=f"teal-bluegreen-{local}-", dir=SERVED_PARENT))
        target.chmod(0o755)
        link.symlink_to(target, target_is_directory=True)
        print(f"{WEB_USER} cannot enter {blocked}: {link} links to {target}, which Apache's workers can read")


def is_served_folder(path: Path, local: str) -> bool:
    """Whether ``path`` is a folder that serve_local_state made for ``local``: only those are emptied or deleted
    through a link; a link to anything else is only unlinked."""
    return path.parent == SERVED_PARENT and path.name.startswith(f"teal-bluegreen-{local}-") and path.is_dir()


def clear_local_state(directory: Path, keep_links: bool) -> None:
    """Delete the EFS stand-in and the web roots; a linked folder is emptied, and deleted too unless ``keep_links``."""
    for local in LOCAL_STATE:
        path = directory / local
        if path.is_symlink():
            target = path.resolve()
            if not is_served_folder(target, local):
                path.unlink()
                print(f"removed the link {path}; {target}, which the sandbox did not make, stays")
                continue
            if keep_links:
                empty_folder(target)
            else:
                shutil.rmtree(target, ignore_errors=True)
                path.unlink()
            print(f"removed {target}")
        elif path.exists():
            shutil.rmtree(path)
            print(f"removed {path}")


def start(directory: Path, port: int) -> int:
    with exclusive(directory):
        serve_local_state(directory)
        record = read_record(directory)
        action = plan_start(record, port)
        if action is StartAction.REUSE:
            if not answers(port):
                raise SandboxError(
                    f"the sandbox server (pid {record.pid}) runs but does not answer at {endpoint_url(port)}; "
                    f"run `sandbox.py stop` and start it again (log: {directory / LOG_FILE})"
                )
            print(f"the sandbox is already running at {endpoint_url(port)} (pid {record.pid})")
            return EXIT_OK
        if action is StartAction.CONFLICT:
            raise SandboxError(
                f"the sandbox in {directory} already runs at {endpoint_url(record.port)}, not on port {port}; "
                f"stop it first, or set BLUEGREEN_SANDBOX_PORT={record.port}"
            )
        if action is StartAction.DISCARD_STALE_AND_START:
            print(f"discarding the stale record of pid {record.pid} (no sandbox server runs under it)")
            forget_server(directory)
        if not port_is_free(port):
            raise SandboxError(
                f"port {port} on {HOST} is already in use by another process; "
                "set BLUEGREEN_SANDBOX_PORT (or --port) to a free port"
            )
        # A new server holds no snapshots and no resources: the local halves of an earlier server's snapshots would
        # only mislead, and its EFS stand-in and web roots would disagree with the empty emulated AWS (a web root
        # still serving green where nothing says green is live).
        shutil.rmtree(directory / SNAPSHOTS_DIR, ignore_errors=True)
        stop_web_servers(directory)
        clear_local_state(directory, keep_links=True)
        process = launch(directory, port)
        write_atomically(directory / PID_FILE, f"{process.pid}\n")
        write_atomically(directory / PORT_FILE, f"{port}\n")
        wait_until_answering(process, directory, port, START_TIMEOUT)
        print(f"the sandbox is running at {endpoint_url(port)} (pid {process.pid}, log {directory / LOG_FILE})")
        return EXIT_OK


def wait_for_exit(pid: int, port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        argv = process_argv(pid)
        if argv is None or not is_moto_server(argv, port):
            return True
        time.sleep(POLL_INTERVAL)
    return False


def is_web_server(argv: Sequence[str] | None, config: Path) -> bool:
    """Whether a process's command line is the Apache that serves one of the sandbox's instances."""
    return bool(argv) and Path(argv[0]).name in ("apache2", "httpd") and str(config) in argv


def stop_web_servers(directory: Path) -> None:
    """Stop the web servers of the sandbox's instances (strategy efs), found by their pid files, and wait until
    they are gone, so that their ports are free when this returns.

    The playbook starts each Apache with its configuration's real path, which is under /var/tmp when `start`
    linked the instances' folder there; the pid files are looked for, and the command lines matched, there.
    """
    stopping = []
    for pid_file in sorted((directory / "web").resolve().glob("*/httpd.pid")):
        pid = parse_int(read_text(pid_file))
        if pid is not None and is_web_server(process_argv(pid), pid_file.parent / "httpd.conf"):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            stopping.append((pid, pid_file.parent))
            print(f"stopped the web server of instance {pid_file.parent.name} (pid {pid})")
        pid_file.unlink(missing_ok=True)
    deadline = time.monotonic() + STOP_TIMEOUT
    for pid, folder in stopping:
        while is_web_server(process_argv(pid), folder / "httpd.conf") and time.monotonic() < deadline:
            time.sleep(POLL_INTERVAL)


def stop(directory: Path) -> int:
    with exclusive(directory):
        stop_web_servers(directory)
        record = read_record(directory)
        if not record.server_alive:
            forget_server(directory)
            print("the sandbox is not running")
            return EXIT_OK
        with contextlib.suppress(ProcessLookupError):
            os.kill(record.pid, signal.SIGTERM)
        if not wait_for_exit(record.pid, record.port, STOP_TIMEOUT):
            with contextlib.suppress(ProcessLookupError):
                os.kill(record.pid, signal.SIGKILL)
            if not wait_for_exit(record.pid, record.port, STOP_TIMEOUT):
                raise SandboxError(f"the moto server (pid {record.pid}) survived SIGKILL; pid files kept")
        forget_server(directory)
        print(f"stopped the sandbox at {endpoint_url(record.port)} (pid {record.pid})")
        return EXIT_OK


def status(directory: Path) -> int:
    record = read_record(directory)
    if record.server_alive:
        print(f"running at {endpoint_url(record.port)} (pid {record.pid})")
        return EXIT_OK
    print("stopped")
    return EXIT_STOPPED


def reset(directory: Path) -> int:
    record = read_record(directory)
    if not record.server_alive:
        print("the sandbox is not running; nothing to reset", file=sys.stderr)
        return EXIT_STOPPED
    request = urllib.request.Request(f"{endpoint_url(record.port)}/moto-api/reset", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
    except urllib.error.URLError as error:
        raise SandboxError(f"could not reset the sandbox at {endpoint_url(record.port)}: {error}") from error
    print(f"reset all emulated AWS state at {endpoint_url(record.port)}")
    # The EFS stand-in and the instances (strategy efs) belong to that state: provisioning starts them again.
    stop_web_servers(directory)
    clear_local_state(directory, keep_links=True)
    return EXIT_OK


def remove(directory: Path) -> int:
    """Stop the sandbox and delete its local state, wherever it is kept; the log stays."""
    stop(directory)
    with exclusive(directory):
        clear_local_state(directory, keep_links=False)
        shutil.rmtree(directory / SNAPSHOTS_DIR, ignore_errors=True)
    return EXIT_OK


def snapshot_request(port: int, path: str) -> dict:
    request = urllib.request.Request(f"{endpoint_url(port)}/_sandbox/snapshots/{path}", method="POST", data=b"")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        detail = json.loads(error.read() or b"{}").get("error", error.reason)
        raise SandboxError(f"the sandbox at {endpoint_url(port)} refused {path}: {detail}") from error
    except urllib.error.URLError as error:
        raise SandboxError(f"could not reach the sandbox at {endpoint_url(port)}: {error}") from error


def web_links(web: Path) -> dict[str, str]:
    """Each instance's web root link (web/NAME/html) and where it points: what a switch of strategy efs moves."""
    if not web.is_dir():
        return {}
    return {item.parent.name: os.readlink(item) for item in sorted(web.glob("*/html")) if item.is_symlink()}


def empty_folder(path: Path) -> None:
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def save(directory: Path, name: str) -> int:
    """Save the emulated AWS state as ``name`` in the server, and the EFS stand-in and web root links beside it."""
    record = read_record(directory)
    if not record.server_alive:
        raise SandboxError("the sandbox is not running; start and provision it before saving a snapshot")
    with exclusive(directory):
        saved = snapshot_request(record.port, name)
        folder = directory / SNAPSHOTS_DIR / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        efs = (directory / "efs").resolve()
        if efs.is_dir():
            shutil.copytree(efs, folder / "efs", symlinks=True)
        write_atomically(folder / WEB_LINKS_FILE, json.dumps(web_links((directory / "web").resolve()), indent=1))
    print(f"saved snapshot {name}: {saved['backends']} emulated backends, the EFS stand-in and the web root links")
    return EXIT_OK


def restore(directory: Path, name: str) -> int:
    """Put snapshot ``name`` back: the emulated AWS state, the EFS stand-in's files and the web root links."""
    record = read_record(directory)
    if not record.server_alive:
        raise SandboxError(f"the sandbox is not running, so snapshot {name} is gone with it; provision again")
    folder = directory / SNAPSHOTS_DIR / name
    if not folder.is_dir():
        raise SandboxError(
            f"no snapshot {name} in {directory / SNAPSHOTS_DIR}; save it first (`sandbox.py save {name}`)"
        )
    with exclusive(directory):
        restored = snapshot_request(record.port, f"{name}/restore")
        efs = (directory / "efs").resolve()
        if efs.is_dir():
            empty_folder(efs)
        if (folder / "efs").is_dir():
            shutil.copytree(folder / "efs", efs, symlinks=True, dirs_exist_ok=True)
        web = (directory / "web").resolve()
        for instance, target in json.loads((folder / WEB_LINKS_FILE).read_text(encoding="utf-8")).items():
            link = web / instance / "html"
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(target)
    print(
        f"restored snapshot {name}: {restored['backends']} emulated backends, the EFS stand-in and the web root links"
    )
    return EXIT_OK


def endpoint(directory: Path, port: int) -> int:
    # A recorded server wins over the configured port: that is where clients must go.
    record = read_record(directory)
    print(endpoint_url(record.port if record.server_alive else port))
    return EXIT_OK


def valid_port(text: str) -> int:
    port = parse_int(text)
    if port is None or not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a TCP port: {text!r}")
    return port


def snapshot_name(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", text) or text.startswith("."):
        raise argparse.ArgumentTypeError(f"{text!r}: a snapshot's name is 1 to 64 letters, digits, '_', '.' or '-'")
    return text


def env_default(name: str, fallback: str) -> str:
    return os.environ.get(name) or fallback


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sandbox.py", description="Manage the local AWS sandbox (a moto server).")
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(env_default("BLUEGREEN_SANDBOX_DIR", str(DEFAULT_DIR))),
        help="where the pid, port and log files live (env BLUEGREEN_SANDBOX_DIR, default %(default)s)",
    )
    parser.add_argument(
        "--port",
        type=valid_port,
        default=env_default("BLUEGREEN_SANDBOX_PORT", str(DEFAULT_PORT)),
        help="loopback port of the server (env BLUEGREEN_SANDBOX_PORT, default %(default)s)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("start", help="start the server in the background, or reuse the running one")
    commands.add_parser("stop", help="stop the server")
    commands.add_parser("status", help="say whether the server runs (exit 0) or not (exit 3)")
    commands.add_parser("reset", help="wipe all emulated AWS state")
    commands.add_parser("remove", help="stop the server and delete the EFS stand-in and web roots")
    commands.add_parser("endpoint", help="print the endpoint URL")
    for command, text in (
        ("save", "save the emulated AWS state, the EFS stand-in and the web root links as NAME"),
        ("restore", "put snapshot NAME back, as it was saved"),
    ):
        commands.add_parser(command, help=text).add_argument("name", metavar="NAME", type=snapshot_name)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    directory = args.dir.resolve()
    commands = {
        "start": lambda: start(directory, args.port),
        "stop": lambda: stop(directory),
        "status": lambda: status(directory),
        "reset": lambda: reset(directory),
        "remove": lambda: remove(directory),
        "endpoint": lambda: endpoint(directory, args.port),
        "save": lambda: save(directory, args.name),
        "restore": lambda: restore(directory, args.name),
    }
    try:
        return commands[args.command]()
    except SandboxError as error:
        print(f"sandbox: error: {error}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
