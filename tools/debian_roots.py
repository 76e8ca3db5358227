"""Debian root file systems for tests that need real instances: built with debootstrap, entered with chroot.

Usage:
  debian_roots.py build [--cache DIR] [--suite SUITE] [--mirror URL] [--include PKG,...]
  debian_roots.py create --tarball FILE --root DIR [--bind SOURCE:TARGET ...]
  debian_roots.py destroy --root DIR

`build` prints the path of a tarball of a Debian root built by debootstrap from Debian's packages, built once
and cached (default ~/.cache/teal-bluegreen, env BLUEGREEN_ROOTS_CACHE) under a name that changes with the
suite, the mirror, the architecture and the packages. `create` unpacks it into DIR, mounts a proc file system
there and binds the given host directories; `destroy` ends the processes that run inside DIR, unmounts
everything under it and only then deletes it. Needs root. Exit status 0 success, 1 error, 2 missing tools.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
# Bump when what a root holds changes in a way the other parts of the key do not show.
FORMAT = "1"
STOP_TIMEOUT = 10.0


class RootError(Exception):
    """A failure the user can act on; the message says what to do."""


def cache_dir() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "teal-bluegreen"
    return Path(os.environ.get("BLUEGREEN_ROOTS_CACHE") or default)


def architecture() -> str:
    done = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RootError("dpkg is not available to name this machine's architecture: build the roots on Debian")
    return done.stdout.strip()


def tarball_name(suite: str, mirror: str, arch: str, include: list[str]) -> str:
    key = "\n".join([FORMAT, suite, mirror, arch, *sorted(include)])
    return f"debian-{suite}-{arch}-{hashlib.sha256(key.encode()).hexdigest()[:12]}.tar.zst"


def require_root_and(*tools: str) -> None:
    if os.geteuid() != 0:
        raise RootError("building and entering Debian roots needs root (debootstrap, chroot, mount)")
    missing = [tool for tool in tools if shutil.which(tool) is None and not Path("/usr/sbin", tool).exists()]
    if missing:
        raise RootError(f"missing {', '.join(missing)}: install them (apt-get install {' '.join(missing)})")


def tool(name: str) -> str:
    return shutil.which(name) or str(Path("/usr/sbin", name))


def root_env() -> dict[str, str]:
    """This process's environment with the sbin folders on PATH: debootstrap calls chroot, and dpkg inside the root
    calls ldconfig and start-stop-daemon, by name; a user's PATH on Debian lacks them."""
    path = os.environ.get("PATH", "").split(os.pathsep)
    extra = [folder for folder in ("/usr/local/sbin", "/usr/sbin", "/sbin") if folder not in path]
    return dict(os.environ, PATH=os.pathsep.join([*path, *extra]))


@contextlib.contextmanager
def locked(path: Path):
    """One build at a time per cache, so that runs started together debootstrap once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def build(cache: Path, suite: str, mirror: str, include: list[str]) -> Path:
    require_root_and("debootstrap", "zstd", "tar")
    tarball = cache / tarball_name(suite, mirror, architecture(), include)
    with locked(cache / "build.lock"):
        if tarball.exists():
            return tarball
        work = Path(tempfile.mkdtemp(prefix="debootstrap.", dir=cache))
        try:
            root = work / "root"
            started = time.monotonic()
            command = [
                tool("debootstrap"),
                "--variant=minbase",
                f"--include={','.join(include)}",
                suite,
                str(root),
                mirror,
            ]
            print(f"building a Debian {suite} root: {' '.join(command)}", file=sys.stderr)
            done = subprocess.run(command, capture_output=True, text=True, check=False, env=root_env())
            if done.returncode != 0:
                log = "\n".join((done.stdout + done.stderr).splitlines()[-20:])
                raise RootError(f"debootstrap failed (exit {done.returncode}); its last lines:\n{log}")
            # Downloaded packages are not needed in the root; the package lists stay, for apt inside it.
            subprocess.run([tool("chroot"), str(root), "apt-get", "clean"], check=True, env=root_env())
            scratch = cache / f".{tarball.name}.{os.getpid()}"
            subprocess.run(["tar", "--zstd", "-C", str(root), "-cf", str(scratch), "."], check=True)
            os.replace(scratch, tarball)
            print(f"built {tarball} in {time.monotonic() - started:.0f}s", file=sys.stderr)
        finally:
            unmount_all(work)
            remove_tree(work)
    return tarball


def mounts_under(root: Path) -> list[str]:
    """Mount points at or below ``root``, deepest first, from this process's view of the mount table."""
    prefix = str(root).rstrip("/")
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as table:
        for line in table:
            # Field 5 is the mount point, with spaces and other special characters as octal escapes.
            point = line.split()[4].encode().decode("unicode_escape")
            if point == prefix or point.startswith(prefix + "/"):
                found.append(point)
    return sorted(found, key=len, reverse=True)


def mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RootError(f"mount {' '.join(args)} failed: {done.stderr.strip()}")


def create(tarball: Path, root: Path, binds: list[str]) -> None:
    require_root_and("chroot", "zstd", "tar")
    if not tarball.is_file():
        raise RootError(f"no tarball at {tarball}: run `debian_roots.py build` first")
    if root.exists():
        raise RootError(f"{root} already exists: destroy it first (`debian_roots.py destroy --root {root}`)")
    root.mkdir(parents=True)
    subprocess.run(["tar", "--zstd", "-C", str(root), "-xf", str(tarball)], check=True)
    shutil.copyfile("/etc/resolv.conf", root / "etc" / "resolv.conf")
    mount("-t", "proc", "proc", str(root / "proc"))
    for bind in binds:
        source, separator, target = bind.partition(":")
        inside = root / target.lstrip("/")
        if not separator or not source or not target.startswith("/") or not Path(source).is_dir():
            raise RootError(f"--bind {bind!r} is not SOURCE:TARGET with an existing source directory")
        inside.mkdir(parents=True, exist_ok=True)
        # --bind, not --rbind: only the directory itself, never the mounts below it.
        mount("--bind", source, str(inside))


def processes_inside(root: Path) -> list[int]:
    """Processes whose root directory is ``root`` or below: those started in it with chroot."""
    prefix = str(root.resolve())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            where = os.readlink(entry / "root")
        except OSError:
            continue
        if where == prefix or where.startswith(prefix + "/"):
            found.append(int(entry.name))
    return found


def stop_processes(root: Path) -> None:
    for signum in (signal.SIGTERM, signal.SIGKILL):
        pids = processes_inside(root)
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)
        deadline = time.monotonic() + STOP_TIMEOUT
        while processes_inside(root) and time.monotonic() < deadline:
            time.sleep(0.2)
    if processes_inside(root):
        raise RootError(f"processes {processes_inside(root)} still run inside {root}; not deleting it")


def remove_tree(path: Path) -> None:
    """Delete ``path`` without ever leaving its file system, and only when nothing is mounted below it."""
    if not path.exists():
        return
    left = mounts_under(path)
    if left:
        raise RootError(f"{', '.join(left)} still mounted under {path}; not deleting it")
    subprocess.run(["rm", "-rf", "--one-file-system", "--", str(path)], check=True)


def unmount_all(root: Path) -> None:
    for point in mounts_under(root):
        done = subprocess.run(["umount", point], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RootError(f"could not unmount {point}: {done.stderr.strip()}; not deleting {root}")


def destroy(root: Path) -> None:
    if os.geteuid() != 0:
        raise RootError("destroying Debian roots needs root (umount)")
    if not root.exists():
        return
    root = root.resolve()
    stop_processes(root)
    unmount_all(root)
    remove_tree(root)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_command = commands.add_parser("build", help="print the cached tarball's path, building it when missing")
    build_command.add_argument("--cache", type=Path, default=None)
    build_command.add_argument("--suite", default=SUITE)
    build_command.add_argument("--mirror", default=MIRROR)
    build_command.add_argument("--include", default="", help="packages to install, comma-separated")
    create_command = commands.add_parser("create", help="unpack a root, mount /proc and bind directories")
    create_command.add_argument("--tarball", type=Path, required=True)
    create_command.add_argument("--root", type=Path, required=True)
    create_command.add_argument("--bind", action="append", default=[], metavar="SOURCE:TARGET")
    destroy_command = commands.add_parser("destroy", help="stop, unmount and delete a root")
    destroy_command.add_argument("--root", type=Path, required=True)
    args = parser.parse_args(argv)

    try:
        if args.command == "build":
            include = [name for name in args.include.split(",") if name]
            print(build(args.cache or cache_dir(), args.suite, args.mirror, include))
        elif args.command == "create":
            create(args.tarball, args.root.resolve(), args.bind)
        else:
            destroy(args.root)
    except RootError as error:
        print(f"debian_roots: {error}", file=sys.stderr)
        return 2 if "missing" in str(error) or "needs root" in str(error) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
