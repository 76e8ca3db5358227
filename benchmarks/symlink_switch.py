# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Zero-downtime benchmark of the document root switch (run through benchmarks/symlink_switch.sh).

A dedicated Apache on a loopback port serves a document root that is a symlink to one of two release
directories. For each method, wrk loads it for BENCH_DURATION seconds while the link is switched back
and forth as fast as the method allows; every request that found no document root is a non-2xx answer.

Methods:
  none        no switching: the server's throughput on this machine, for reference
  module      teal.bluegreen's switch (module_utils/symlink.py, as efs_symlink_switch runs it) in a loop
  ln-sfn      `ln -sfn <release> <link>` in a shell loop
  rm-ln       `rm -f <link> && ln -s <release> <link>` in a shell loop, what a naive script does
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / ".venv" / "collections"))

from ansible_collections.teal.bluegreen.plugins.module_utils import symlink  # noqa: E402

METHODS = ("none", "module", "ln-sfn", "rm-ln")
RELEASES = ("blue", "green")
APACHE_MODULES = Path("/usr/lib/apache2/modules")

APACHE_CONFIG = """\
# A throw-away Apache for the benchmark only: its own port, pid file, logs and runtime directory.
LoadModule mpm_event_module {modules}/mod_mpm_event.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule dir_module {modules}/mod_dir.so
LoadModule mime_module {modules}/mod_mime.so
ServerRoot {work}/apache
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {work}/apache/httpd.pid
DefaultRuntimeDir {work}/apache
Mutex file:{work}/apache default
ErrorLog {work}/apache/error.log
LogLevel warn
User {user}
Group {group}
TypesConfig /dev/null
AddType text/html .html
DirectoryIndex index.html
DocumentRoot {work}/www/html
<Directory />
    Options FollowSymLinks
    AllowOverride None
    Require all granted
</Directory>
"""

# The shell baselines: switch until the deadline, then print how many switches were made.
SHELL_LOOP = """\
blue=$1 green=$2 link=$3 end=$((SECONDS + $4)) n=0
while ((SECONDS < end)); do
    {switch_blue}
    {switch_green}
    n=$((n + 2))
done
echo "$n"
"""
SHELL_SWITCHES = {
    "ln-sfn": ('ln -sfn "$blue" "$link"', 'ln -sfn "$green" "$link"'),
    "rm-ln": ('rm -f "$link" && ln -s "$blue" "$link"', 'rm -f "$link" && ln -s "$green" "$link"'),
}


def parse_wrk(output):
    """Requests, seconds, non-2xx/3xx answers and socket errors (in all and by kind) from wrk's report."""
    done = re.search(r"(\d+) requests in ([\d.]+)(m?s|m)\b", output)
    if not done:
        raise RuntimeError(f"no request count in wrk's output:\n{output}")
    seconds = float(done.group(2)) * {"ms": 0.001, "s": 1, "m": 60}[done.group(3)]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    kinds = (
        dict(zip(("connect", "read", "write", "timeout"), (int(count) for count in errors.groups()))) if errors else {}
    )
    return {
        "requests": int(done.group(1)),
        "seconds": seconds,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(kinds.values()),
        "socket_error_kinds": {kind: count for kind, count in kinds.items() if count},
    }


def module_loop(path, root, seconds, result):
    """Switch ``path`` between the releases with teal.bluegreen's switch until ``seconds`` have passed."""
    switches, started = 0, time.monotonic()
    deadline = started + seconds
    try:
        while time.monotonic() < deadline:
            symlink.switch(path, root, RELEASES[switches % 2], require_file="index.html")
            switches += 1
    except symlink.SymlinkError as e:
        result.put((switches, time.monotonic() - started, str(e)))
        return
    result.put((switches, time.monotonic() - started, None))


class Switcher:
    """Switches the link in another process for ``seconds``; ``finish()`` returns (switches, seconds)."""

    def __init__(self, method, work, seconds):
        self.method = method
        self.started = time.monotonic()
        path, root = str(work / "www" / "html"), str(work / "efs" / "shop")
        if method == "module":
            self.result = multiprocessing.get_context("fork").Queue()
            self.process = multiprocessing.get_context("fork").Process(
                target=module_loop, args=(path, root, seconds, self.result)
            )
            self.process.start()
        elif method in SHELL_SWITCHES:
            script = SHELL_LOOP.format(switch_blue=SHELL_SWITCHES[method][0], switch_green=SHELL_SWITCHES[method][1])
            releases = [os.path.join(root, release) for release in RELEASES]
            self.process = subprocess.Popen(
                ["bash", "-c", script, "switch", *releases, path, str(seconds)], stdout=subprocess.PIPE, text=True
            )
        else:
            self.process = None

    def finish(self):
        if self.method == "module":
            switches, seconds, error = self.result.get()
            self.process.join()
            if error:
                raise SystemExit(f"module: switch {switches + 1} failed: {error}")
            return switches, seconds
        if self.process is not None:
            output = self.process.communicate()[0]
            return int(output.strip()), time.monotonic() - self.started
        return 0, 0.0


def prepare(work):
    """The releases, the document root link to blue, and the Apache configuration; returns the config path."""
    for release in RELEASES:
        (work / "efs" / "shop" / release).mkdir(parents=True)
        page = f"<!doctype html><title>{release}</title><p>release {release}</p>\n"
        (work / "efs" / "shop" / release / "index.html").write_text(page, encoding="utf-8")
    (work / "www").mkdir()
    (work / "www" / "html").symlink_to(work / "efs" / "shop" / "blue")
    (work / "apache").mkdir()
    # Apache's workers run as the unprivileged user and must reach the document root.
    for directory, dirs, files in os.walk(work):
        os.chmod(directory, 0o755)
        for name in files:
            os.chmod(os.path.join(directory, name), 0o644)
    return work / "apache" / "httpd.conf"


def start_apache(config, port):
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is already in use; choose another with BENCH_PORT")
    apache = subprocess.Popen(["apache2", "-f", str(config), "-DFOREGROUND"])
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if apache.poll() is not None:
            raise SystemExit(f"apache2 exited with {apache.returncode}; see {config.parent / 'error.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as response:
                if response.status == 200:
                    return apache
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    apache.terminate()
    raise SystemExit(f"apache2 did not answer on port {port} within 15 s; see {config.parent / 'error.log'}")


def run(method, work, args):
    switcher = Switcher(method, work, args.duration)
    wrk = subprocess.run(
        [
            "wrk",
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{args.duration}s",
            f"http://127.0.0.1:{args.port}/",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    switches, seconds = switcher.finish()
    link = os.readlink(work / "www" / "html")
    leftovers = sorted(set(os.listdir(work / "www")) - {"html"})
    if link not in [str(work / "efs" / "shop" / release) for release in RELEASES]:
        raise SystemExit(f"{method}: the document root ended up linking to {link!r}")
    result = parse_wrk(wrk.stdout)
    result.update(method=method, switches=switches, switch_seconds=seconds, leftovers=len(leftovers))
    if args.verbose:
        print(wrk.stdout, file=sys.stderr)
    return result


def socket_errors(result):
    """The count of socket errors, with their kinds when there are any: ``3 (timeout 3)``."""
    kinds = ", ".join(f"{kind} {count}" for kind, count in result["socket_error_kinds"].items())
    return f"{result['socket_errors']} ({kinds})" if kinds else str(result["socket_errors"])


def table(results):
    header = ("method", "duration", "requests", "non-2xx", "socket errors", "switches", "switches/s", "leftovers")
    rows = [header, tuple("-" * len(cell) for cell in header)]
    for result in results:
        rate = result["switches"] / result["switch_seconds"] if result["switch_seconds"] else 0
        rows.append(
            (
                result["method"],
                f"{result['seconds']:.1f} s",
                str(result["requests"]),
                str(result["non_2xx"]),
                socket_errors(result),
                str(result["switches"]),
                f"{rate:.0f}" if result["switches"] else "-",
                str(result["leftovers"]),
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    return "\n".join("| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths)) + " |" for row in rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", "30")))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8089")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", "2")))
    parser.add_argument("--connections", type=int, default=int(os.environ.get("BENCH_CONNECTIONS", "32")))
    parser.add_argument("--methods", default=os.environ.get("BENCH_METHODS", " ".join(METHODS)))
    parser.add_argument("--user", default=os.environ.get("BENCH_USER", "www-data"))
    parser.add_argument("--verbose", action="store_true", help="print wrk's own report of each run")
    args = parser.parse_args()
    methods = args.methods.replace(",", " ").split()
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        parser.error(f"unknown method {', '.join(unknown)}; choose from {', '.join(METHODS)}")

    work = Path(tempfile.mkdtemp(prefix="bluegreen-bench-"))
    apache = None
    try:
        config = prepare(work)
        config.write_text(
            APACHE_CONFIG.format(modules=APACHE_MODULES, work=work, port=args.port, user=args.user, group=args.user),
            encoding="utf-8",
        )
        apache = start_apache(config, args.port)
        print(
            f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s against Apache on 127.0.0.1:{args.port}, "
            f"document root {work}/www/html; {os.cpu_count()} CPUs",
            flush=True,
        )
        results = []
        for method in methods:
            print(f"running {method} for {args.duration} s ...", flush=True)
            results.append(run(method, work, args))
        print()
        print(table(results))
    finally:
        if apache is not None:
            apache.terminate()
            apache.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
