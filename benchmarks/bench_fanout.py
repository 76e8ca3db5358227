# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fan-out of strategy efs: playbooks/switch.yml across many instances, and how far apart their links move.

The instances are inventory hosts of a generated inventory, each with ``ansible_connection: local`` and a web
root of its own under the benchmark's directory, all served by one Apache (Debian's apache2-bin) whose
document root holds every instance's web root, so that each instance's release marker has a URL of its own.
The application ``fanout`` has its live parameter in the benchmark's sandbox and its two colours' directories in
a local stand-in for EFS. The web server's reload is the command ``true``: one Apache serves every instance and
reads the web roots' links on every request, so no reload is needed for it to serve the new release; the check
of the marker each instance serves is the switch role's own.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from bench_sandbox import BIN
from bench_sandbox import REGION
from bench_sandbox import ROOT

APP = "fanout"
COLORS = ("blue", "green")
APACHE = Path("/usr/sbin/apache2")
APACHE_MODULES = Path("/usr/lib/apache2/modules")
START_TIMEOUT = 20


def other(color):
    return COLORS[1] if color == COLORS[0] else COLORS[0]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Fanout:
    """The instances, their web server and the application ``fanout``, in ``directory``, against ``sandbox``."""

    def __init__(self, sandbox, directory, hosts):
        self.sandbox = sandbox
        self.directory = Path(directory)
        self.hosts = [f"fan-{index:03d}" for index in range(1, hosts + 1)]
        self.efs = self.directory / "efs"
        self.web = self.directory / "web"
        self.port = None
        self.live = COLORS[0]

    @property
    def parameter(self):
        return f"/bluegreen/{APP}/live"

    def web_root(self, host):
        return self.web / host / "html"

    def release_dir(self, color):
        return self.efs / APP / color

    def set_up(self):
        """Releases, web roots on the live colour, the live parameter and a running Apache."""
        if not APACHE.exists():
            raise RuntimeError(f"{APACHE} is missing: install Debian's apache2-bin (`make venv` does, as root)")
        shutil.rmtree(self.directory, ignore_errors=True)
        for color in COLORS:
            release = self.release_dir(color)
            release.mkdir(parents=True)
            (release / "index.html").write_text(f"<p>{APP} on {color}</p>\n", encoding="utf-8")
            marker = {"app": APP, "color": color, "version": "1"}
            (release / ".release.json").write_text(json.dumps(marker, sort_keys=True) + "\n", encoding="utf-8")
        for host in self.hosts:
            self.web_root(host).parent.mkdir(parents=True)
            os.symlink(self.release_dir(self.live), self.web_root(host))
        for path in [self.directory, *self.directory.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        self.sandbox.client("ssm").put_parameter(
            Name=self.parameter,
            Value=self.live,
            Type="String",
            Overwrite=False,
            Description="fan-out benchmark: first release",
            Tags=[{"Key": "bluegreen:app", "Value": APP}],
        )
        self.start_apache()

    def start_apache(self):
        self.port = free_port()
        user = "User www-data\nGroup www-data\n" if os.geteuid() == 0 else ""
        modules = ("mpm_event", "authz_core", "dir", "mime")
        config = self.directory / "httpd.conf"
        config.write_text(
            "".join(f"LoadModule {name}_module {APACHE_MODULES}/mod_{name}.so\n" for name in modules)
            + f"ServerRoot {self.directory}\nServerName 127.0.0.1\nListen 127.0.0.1:{self.port}\n"
            + f"PidFile {self.directory}/httpd.pid\nDefaultRuntimeDir {self.directory}\n"
            + f"Mutex file:{self.directory} default\nErrorLog {self.directory}/error.log\nLogLevel warn\n{user}"
            + "TypesConfig /dev/null\nAddType application/json .json\nAddType text/html .html\n"
            + f"DocumentRoot {self.web}\n"
            + "<Directory />\n    Options FollowSymLinks\n    AllowOverride None\n    Require all granted\n</Directory>\n",
            encoding="utf-8",
        )
        subprocess.run([str(APACHE), "-f", str(config), "-k", "start"], check=True, capture_output=True, text=True)
        deadline = time.monotonic() + START_TIMEOUT
        url = f"http://127.0.0.1:{self.port}/{self.hosts[0]}/html/.release.json"
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"Apache did not answer {url} within {START_TIMEOUT} s; see {self.directory}/error.log")

    def tear_down(self):
        """Stop Apache; the directory stays for a look at what happened."""
        pid_file = self.directory / "httpd.pid"
        if pid_file.exists():
            subprocess.run(
                [str(APACHE), "-f", str(self.directory / "httpd.conf"), "-k", "stop"], capture_output=True, check=False
            )
            deadline = time.monotonic() + START_TIMEOUT
            while pid_file.exists() and time.monotonic() < deadline:
                time.sleep(0.1)

    def inventory(self, count):
        """An inventory of the first ``count`` instances, written beside them; returns its path."""
        path = self.directory / f"inventory-{count}.json"
        group = {
            "hosts": {host: {} for host in self.hosts[:count]},
            "vars": {
                "ansible_connection": "local",
                "ansible_python_interpreter": str(BIN / "python"),
                "bluegreen_app": APP,
                "bluegreen_strategy": "efs",
                "bluegreen_efs_root": str(self.efs),
                "bluegreen_web_root": str(self.web) + "/{{ inventory_hostname }}/html",
                "bluegreen_efs_marker_url": f"http://127.0.0.1:{self.port}/"
                + "{{ inventory_hostname }}/html/.release.json",
                "bluegreen_web_reload_command": ["true"],
                "bluegreen_aws_endpoint_url": self.sandbox.endpoint,
                "bluegreen_aws_region": REGION,
                "bluegreen_aws_access_key": "testing",
                "bluegreen_aws_secret_key": "testing",
            },
        }
        path.write_text(json.dumps({"all": {"children": {"fanout": group}}}, indent=1), encoding="utf-8")
        return path

    def link_changes(self, count):
        """{host: the time its web root's link was made (lstat mtime, seconds)} of the first ``count`` instances."""
        return {host: self.web_root(host).lstat().st_mtime_ns / 1e9 for host in self.hosts[:count]}

    def links(self, count):
        return {host: os.readlink(self.web_root(host)) for host in self.hosts[:count]}

    def align(self, color):
        """Point every instance's web root at ``color`` (those left out of the last run), as a switch would."""
        for host in self.hosts:
            target = str(self.release_dir(color))
            if os.readlink(self.web_root(host)) != target:
                temporary = self.web_root(host).with_name(".html.align")
                os.symlink(target, temporary)
                os.replace(temporary, self.web_root(host))
        self.live = color

    def switch(self, count, env):
        """Switch the first ``count`` instances to the other colour with playbooks/switch.yml.

        Returns {seconds, skew, first, last, tasks} (first and last link change from the start of the run), or
        {seconds, failed, moved, tasks} when the run fails: its first failures, and how many links it left on the
        other colour. A failed run is repaired (repair()) before the next.
        """
        inventory = self.inventory(count)
        started_wall = time.time()
        done, took, tasks = self.sandbox.playbook(
            ROOT / "playbooks" / "switch.yml", inventory=inventory, env=env, bluegreen_hosts=APP
        )
        wanted = str(self.release_dir(other(self.live)))
        moved = sorted(host for host, target in self.links(count).items() if target == wanted)
        if done.returncode != 0:
            recap = done.stdout.partition("TASKS RECAP")[0]
            failures = list(
                dict.fromkeys(
                    line.strip().partition("=> ")[2] or line.strip()
                    for line in recap.splitlines()
                    if line.lstrip().startswith(("fatal:", "msg:"))
                )
            )
            return {
                "seconds": took,
                "failed": " ".join(failures[:2]) or done.stderr[-500:],
                "moved": len(moved),
                "tasks": tasks,
            }
        if len(moved) != count:
            raise RuntimeError(f"the fan-out switch of {count} instances succeeded but moved only {len(moved)} links")
        changes = self.link_changes(count)
        self.align(other(self.live))
        return {
            "seconds": took,
            "skew": max(changes.values()) - min(changes.values()),
            "first": min(changes.values()) - started_wall,
            "last": max(changes.values()) - started_wall,
            "tasks": tasks,
        }

    def repair(self):
        """After a failed run: every link back on the colour the live parameter names, and no lock."""
        ssm = self.sandbox.client("ssm")
        found = ssm.get_parameters(Names=[self.parameter, f"/bluegreen/{APP}/lock"])["Parameters"]
        values = {item["Name"]: item["Value"] for item in found}
        if f"/bluegreen/{APP}/lock" in values:
            ssm.delete_parameter(Name=f"/bluegreen/{APP}/lock")
        self.align(values[self.parameter])
