# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The benchmark's own sandbox: start, provision and stop it, run the collection's modules and playbooks
against it, and read back which AWS API calls they made from moto's request recorder.

Nothing here imports from tests/: the benchmark runs from a fresh clone without the test tree on the path.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import json
import os
import re
import resource
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import boto3

from bench_bounds import aws_calls
from bench_bounds import sandbox_time

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COLLECTIONS = ROOT / ".venv" / "collections"
REGION = "us-east-1"
INVENTORY = ROOT / "inventories" / "local"

# The signing name in a request's credential scope, shortened to the name people use for the service.
SERVICES = {
    "elasticloadbalancing": "elbv2",
    "autoscaling": "autoscaling",
    "ssm": "ssm",
    "tagging": "tagging",
    "ec2": "ec2",
    "route53": "route53",
}

# Route 53 speaks REST: the operation is in the method and the path.
ROUTE53_OPERATIONS = (
    ("POST", re.compile(r"/hostedzone/[^/]+/rrset/?$"), "ChangeResourceRecordSets"),
    ("GET", re.compile(r"/hostedzone/[^/]+/rrset/?$"), "ListResourceRecordSets"),
    ("GET", re.compile(r"/hostedzone/[^/]+/?$"), "GetHostedZone"),
    ("GET", re.compile(r"/hostedzone/?$"), "ListHostedZones"),
    ("GET", re.compile(r"/hostedzonesbyname/?$"), "ListHostedZonesByName"),
    ("GET", re.compile(r"/change/[^/]+/?$"), "GetChange"),
    ("GET", re.compile(r"/tags/hostedzone/[^/]+/?$"), "ListTagsForResource"),
)


CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d+/[^/]+/([^/]+)/")
TASK_LINE = re.compile(r"^(?P<name>.+?) -+ (?P<seconds>\d+\.\d+)s$")
# A task whose name names a colour ("Move production traffic to green (100%)") is one task whichever colour
# a run moves to.
COLOR_WORD = re.compile(r"\b(blue|green)\b")


@dataclasses.dataclass(frozen=True)
class Call:
    """One AWS API request the sandbox received."""

    service: str
    operation: str
    params: dict
    path: str

    @property
    def name(self):
        return f"{self.service}:{self.operation}"

    @property
    def is_write(self):
        return aws_calls.is_write(self.operation)


def parse_call(entry):
    """The Call of a recorded request: Query and JSON protocols name the operation, Route 53 by method and path."""
    headers = {key.lower(): value for key, value in entry["headers"].items()}
    scope = CREDENTIAL_SCOPE.search(headers.get("authorization", ""))
    service = SERVICES.get(scope.group(1), scope.group(1)) if scope else "?"
    path = urllib.parse.urlparse(entry["url"]).path
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    target = headers.get("x-amz-target")
    if target:
        try:
            params = json.loads(body) if body else {}
        except ValueError:
            params = {}
        return Call(service, target.split(".")[-1], params, path)
    form = urllib.parse.parse_qs(body)
    if "Action" in form:
        return Call(service, form["Action"][0], {key: values[0] for key, values in form.items()}, path)
    for method, pattern, operation in ROUTE53_OPERATIONS:
        if entry["method"] == method and pattern.search(path):
            return Call(service, operation, {}, path)
    return Call(service, f"{entry['method']} {path}", {}, path)


def count(calls):
    return Counter(call.name for call in calls)


class Recording:
    """The calls recorded inside one ``Sandbox.recording()`` block, and when the benchmark first saw each one."""

    def __init__(self):
        self.calls = []
        self.seen = []


class Sandbox:
    """A moto server of the benchmark's own on ``port``, with its state in ``directory``."""

    def __init__(self, port, directory):
        self.port = port
        self.directory = Path(directory)
        self.endpoint = f"http://127.0.0.1:{port}"
        self.recording_file = self.directory / "requests.jsonl"
        self.env = dict(
            os.environ,
            BLUEGREEN_SANDBOX_PORT=str(port),
            BLUEGREEN_SANDBOX_DIR=str(self.directory),
            ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
            ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
        )
        self._clients = {}

    def client(self, service):
        if service not in self._clients:
            self._clients[service] = boto3.client(
                service,
                endpoint_url=self.endpoint,
                region_name=REGION,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
        return self._clients[service]

    def tool(self, *args):
        done = subprocess.run(
            [sys.executable, str(ROOT / "tools" / "sandbox.py"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"tools/sandbox.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done

    def start(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        self.tool("start")
        self.tool("reset")

    def stop(self):
        self.tool("stop")

    def reset(self):
        self.tool("reset")

    def provision(self, **extra_vars):
        """Run playbooks/sandbox.yml; returns the seconds it took."""
        done, seconds, _ = self.playbook(ROOT / "playbooks" / "sandbox.yml", profile=False, **extra_vars)
        if done.returncode != 0:
            raise RuntimeError(f"provisioning the sandbox failed:\n{done.stdout[-4000:]}{done.stderr[-4000:]}")
        return seconds

    def playbook(self, playbook, *args, profile=True, inventory=INVENTORY, env=None, **extra_vars):
        """Run ansible-playbook against ``inventory``; returns (CompletedProcess, seconds, {task: seconds}).

        With ``profile`` the ansible.posix.profile_tasks callback times every task; a task run more than
        once (an include in a loop) counts with the sum of its runs. ``env`` adds to the environment
        (ANSIBLE_FORKS, for example).
        """
        command = [str(BIN / "ansible-playbook"), "-i", str(inventory), str(playbook), *args]
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        env = dict(self.env, **(env or {}))
        if profile:
            env.update(
                ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks",
                PROFILE_TASKS_TASK_OUTPUT_LIMIT="all",
                PROFILE_TASKS_SUMMARY_ONLY="true",
            )
        started = time.monotonic()
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
        seconds = time.monotonic() - started
        return done, seconds, task_times(done.stdout) if profile else {}

    def module_process(self, name, /, **args):
        """Start a module as its own Python process, as a host runs it; ``name`` is this collection's module or a FQCN.

        The module reads its arguments from a file, without a playbook around it, so its time is the
        module's own: starting Python, importing the module and boto3, and its API calls.
        """
        namespace, collection, module = name.split(".") if "." in name else ("teal", "bluegreen", name)
        args.setdefault("endpoint_url", self.endpoint)
        args.setdefault("region", REGION)
        args.setdefault("access_key", "testing")
        args.setdefault("secret_key", "testing")
        path = self.directory / f"args-{module}.json"
        path.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}), encoding="utf-8")
        command = [
            sys.executable,
            "-m",
            f"ansible_collections.{namespace}.{collection}.plugins.modules.{module}",
            str(path),
        ]
        env = dict(self.env, PYTHONPATH=str(COLLECTIONS))
        return subprocess.Popen(
            command, env=env, cwd=self.directory, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def module(self, name, /, **args):
        """Run a module to its end; returns (result, seconds). A module that fails raises, with its message."""
        started = time.monotonic()
        process = self.module_process(name, **args)
        stdout, stderr = process.communicate()
        seconds = time.monotonic() - started
        result = module_result(name, stdout, stderr)
        return result, seconds

    def server_cpu(self):
        """CPU seconds the sandbox's server process has used so far, all its threads together."""
        pid = int((self.directory / "moto.pid").read_text(encoding="utf-8"))
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    @contextlib.contextmanager
    def cpu(self):
        """CPU seconds used inside the block by the processes it ran and waited for (``client``: the module or
        ansible-playbook and its workers) and by the sandbox (``server``), in the yielded dict.

        Unlike wall time, they hardly change when other processes compete for the machine's CPUs.
        """
        used = {}
        before = (children_cpu(), self.server_cpu())
        try:
            yield used
        finally:
            used.update(client=children_cpu() - before[0], server=self.server_cpu() - before[1])

    def _recorder(self, action):
        request = urllib.request.Request(f"{self.endpoint}/moto-api/recorder/{action}", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    @contextlib.contextmanager
    def recording(self, watch=False):
        """Record the API calls made inside the block into the yielded Recording.

        With ``watch`` a thread reads the recorder's file while the block runs and notes, in
        ``Recording.seen``, the monotonic time at which each call first appeared (within about 5 ms).
        """
        recording = Recording()
        self._recorder("reset-recording")
        self._recorder("start-recording")
        stop = threading.Event()
        watcher = None
        if watch:
            watcher = threading.Thread(target=self._watch, args=(recording, stop), daemon=True)
            watcher.start()
        try:
            yield recording
        finally:
            stop.set()
            if watcher:
                watcher.join()
            self._recorder("stop-recording")
            lines = self.recording_file.read_text(encoding="utf-8").splitlines() if self.recording_file.exists() else []
            recording.calls = [parse_call(json.loads(line)) for line in lines if line.strip()]

    def _watch(self, recording, stop):
        offset = 0
        while True:
            finished = stop.is_set()
            if self.recording_file.exists():
                with open(self.recording_file, "rb") as handle:
                    handle.seek(offset)
                    data = handle.read()
                complete = data[: data.rfind(b"\n") + 1]
                offset += len(complete)
                now = time.monotonic()
                for line in complete.decode("utf-8").splitlines():
                    if line.strip():
                        recording.seen.append((now, parse_call(json.loads(line))))
            if finished:
                return
            time.sleep(0.005)

    def forget_terminated_targets(self, timeout=120):
        """Deregister targets that belong to no Auto Scaling group of demo, and wait until none is draining.

        The emulator keeps some instances that are gone registered in their target groups; on the sandbox's clock
        (tools/sandbox_time.py) a terminated instance drains for its target group's deregistration delay, and a
        draining target can be deregistered no more: the next run starts from settled target groups.
        """
        autoscaling = self.client("autoscaling")
        elbv2 = self.client("elbv2")
        members = {
            instance["InstanceId"]
            for page in autoscaling.get_paginator("describe_auto_scaling_groups").paginate(
                Filters=[{"Name": "tag:bluegreen:app", "Values": ["demo"]}]
            )
            for group in page["AutoScalingGroups"]
            for instance in group["Instances"]
        }
        for color in ("blue", "green"):
            arn = self.target_group_arn(color)
            registered = elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
            gone = [
                item["Target"]
                for item in registered
                if item["Target"]["Id"] not in members and item["TargetHealth"]["State"] != "draining"
            ]
            if gone:
                elbv2.deregister_targets(TargetGroupArn=arn, Targets=gone)
        deadline = time.monotonic() + timeout
        for color in ("blue", "green"):
            arn = self.target_group_arn(color)
            while any(
                item["TargetHealth"]["State"] == "draining"
                for item in elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
            ):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"targets of demo-{color} still draining after {timeout} s")
                time.sleep(0.2)

    def clock(self, factor=None):
        """The sandbox's speed factor, AWS seconds per sandbox second (GET /_sandbox/clock of tools/sandbox_time.py);
        with ``factor``, set it first (POST)."""
        return sandbox_time.request_factor(self.endpoint, factor)

    def target_group_settings(self, color):
        """The health check and deregistration settings of demo-<color>, and whether a listener forwards to it:
        {interval, healthy_threshold, deregistration_delay, in_use} (DescribeTargetGroups, DescribeTargetGroupAttributes,
        DescribeListeners)."""
        elbv2 = self.client("elbv2")
        group = elbv2.describe_target_groups(Names=[f"demo-{color}"])["TargetGroups"][0]
        attributes = {
            item["Key"]: item["Value"]
            for item in elbv2.describe_target_group_attributes(TargetGroupArn=group["TargetGroupArn"])["Attributes"]
        }
        forwarded = set()
        for balancer_arn in group.get("LoadBalancerArns", []):
            for listener in elbv2.describe_listeners(LoadBalancerArn=balancer_arn)["Listeners"]:
                actions = list(listener.get("DefaultActions", []))
                for rule in elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]:
                    actions += rule.get("Actions", [])
                for action in actions:
                    if action.get("Type") != "forward":
                        continue
                    forwarded.add(action.get("TargetGroupArn"))
                    for item in action.get("ForwardConfig", {}).get("TargetGroups", []):
                        forwarded.add(item.get("TargetGroupArn"))
        return {
            "interval": float(group["HealthCheckIntervalSeconds"]),
            "healthy_threshold": int(group["HealthyThresholdCount"]),
            "deregistration_delay": float(attributes.get("deregistration_delay.timeout_seconds", 300)),
            "in_use": group["TargetGroupArn"] in forwarded,
        }

    def target_group_arn(self, color):
        return self.client("elbv2").describe_target_groups(Names=[f"demo-{color}"])["TargetGroups"][0]["TargetGroupArn"]

    def images(self):
        return sorted(item["ImageId"] for item in self.client("ec2").describe_images(Owners=["amazon"])["Images"])

    def group(self, name):
        found = self.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[name])
        return found["AutoScalingGroups"][0] if found["AutoScalingGroups"] else None


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def module_result(name, stdout, stderr):
    try:
        result = json.loads(stdout)
    except ValueError:
        raise RuntimeError(f"no JSON from module {name}: {stdout[-2000:]}\n{stderr[-2000:]}") from None
    if result.get("failed"):
        raise RuntimeError(f"module {name} failed: {result.get('msg')}")
    return result


def task_times(stdout):
    """{task name: seconds} from profile_tasks' recap at the end of a playbook's output."""
    times = {}
    recap = stdout.rpartition("TASKS RECAP")[2]
    for line in recap.splitlines():
        found = TASK_LINE.match(line.strip())
        if found:
            name = COLOR_WORD.sub("<colour>", found["name"])
            times[name] = times.get(name, 0.0) + float(found["seconds"])
    return times
