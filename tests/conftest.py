# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures shared by the tests that need the local AWS sandbox.

The tests run their own sandbox (port BLUEGREEN_TEST_SANDBOX_PORT, state under tests/output), so
`make test` never touches the one `make demo` provisions.
"""

from __future__ import annotations

import base64
import contextlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REGION = "us-east-1"
# The snapshot of the sandbox as playbooks/sandbox.yml provisions it, which each test file starts from.
PROVISIONED = "provisioned"
# Seconds a test waits for target health or draining: at the sandbox's default speed factor (60), the default health
# check takes 3 s with the boot, a deregistration delay of 300 s takes 5 s.
SANDBOX_WAIT = 60


def _sandbox_env(port, directory):
    env = dict(os.environ)
    env.update(
        BLUEGREEN_SANDBOX_PORT=str(port),
        BLUEGREEN_SANDBOX_DIR=str(directory),
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".venv" / "collections"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
    )
    return env


class Sandbox:
    """A running, provisioned sandbox and ways to drive it."""

    def __init__(self, port, directory):
        self.port = port
        self.directory = directory
        self.endpoint = f"http://127.0.0.1:{port}"
        self.env = _sandbox_env(port, directory)

    @property
    def efs(self):
        """The EFS stand-in, by its real path: tools/sandbox.py links it to a folder under /var/tmp when Apache's
        workers (www-data) cannot enter the sandbox's directory, and the playbooks see it resolved."""
        return (self.directory / "efs").resolve()

    @property
    def web(self):
        """The instances' folders (web server configuration and web root), by their real path as ``efs``."""
        return (self.directory / "web").resolve()

    def client(self, service):
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def tool(self, *args):
        return subprocess.run(
            [sys.executable, str(ROOT / "tools" / "sandbox.py"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )

    def playbook(self, playbook, *args, extra_vars=None):
        """Run ansible-playbook against inventories/local; returns the CompletedProcess."""
        command = [str(BIN / "ansible-playbook"), "-i", str(ROOT / "inventories" / "local"), str(playbook), *args]
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        return subprocess.run(command, env=self.env, cwd=ROOT, capture_output=True, text=True, check=False)

    def module(self, name, /, check=False, diff=False, aws=True, **args):
        """Run one of the collection's installed modules with ``args`` and return its result dict.

        The module runs as its own Python process reading its arguments from a file, as Ansible runs
        it on a host, without a playbook around it; the integration targets cover the playbook path.
        Unless ``aws`` is false (a module that takes no AWS options), it is pointed at the sandbox.
        """
        if aws:
            args.setdefault("endpoint_url", self.endpoint)
            args.setdefault("region", REGION)
            args.setdefault("access_key", "testing")
            args.setdefault("secret_key", "testing")
        args.update(_ansible_check_mode=check, _ansible_diff=diff)
        # A file of its own for each run, so that runs from threads at once do not read each other's arguments.
        with tempfile.NamedTemporaryFile(
            "w", prefix=f"args-{name}-", suffix=".json", dir=self.directory, encoding="utf-8"
        ) as handle:
            handle.write(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
            handle.flush()
            command = [sys.executable, "-m", f"ansible_collections.teal.bluegreen.plugins.modules.{name}", handle.name]
            env = dict(self.env, PYTHONPATH=str(ROOT / ".venv" / "collections"))
            done = subprocess.run(command, env=env, cwd=self.directory, capture_output=True, text=True, check=False)
        try:
            result = json.loads(done.stdout)
        except ValueError:
            raise AssertionError(f"no JSON from module {name}: {done.stdout}\n{done.stderr}") from None
        # Outside a playbook, warnings come back as structured summaries; keep their messages, as Ansible shows them.
        result["warnings"] = [
            item.get("event", {}).get("msg", "") if isinstance(item, dict) else item
            for item in result.get("warnings", [])
        ]
        return result

    def _recorder(self, action):
        request = urllib.request.Request(f"{self.endpoint}/moto-api/recorder/{action}", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    @contextlib.contextmanager
    def api_calls(self):
        """Record the AWS API calls made inside the block; yields a list filled with their names on exit."""
        calls = []
        with self.api_requests() as requests:
            yield calls
        calls.extend(operation for operation, _parameters in requests)

    @contextlib.contextmanager
    def api_requests(self):
        """Record the AWS API calls made inside the block; yields a list filled on exit with (name, parameters) for
        each, the parameters of a query-protocol call as it sends them ({"DefaultActions.member.1.Type": "forward",
        ...}), those of other protocols empty."""
        requests = []
        self._recorder("reset-recording")
        self._recorder("start-recording")
        try:
            yield requests
        finally:
            self._recorder("stop-recording")
            recording = self.directory / "requests.jsonl"
            # reset-recording leaves the file, empty: without it nothing was recorded, and "no writes" would prove
            # nothing.
            assert recording.exists(), f"the sandbox recorded no calls in {recording}: is its recorder on?"
            lines = recording.read_text(encoding="utf-8").splitlines()
            entries = [json.loads(line) for line in lines if line.strip()]
            requests.extend((_operation(entry), _query_parameters(entry)) for entry in entries)

    def forget_terminated_targets(self, target_group_arn, members):
        """Deregister the registered targets not in ``members``, and wait until the target group has drained them.

        The sandbox deregisters terminated instances itself, as an Auto Scaling group does; what is left is targets a
        test registered by hand, and the draining of both, which lasts the target group's deregistration delay."""
        elbv2 = self.client("elbv2")
        registered = elbv2.describe_target_health(TargetGroupArn=target_group_arn)["TargetHealthDescriptions"]
        gone = [
            item["Target"]
            for item in registered
            if item["Target"]["Id"] not in members and item["TargetHealth"]["State"] != "draining"
        ]
        if gone:
            elbv2.deregister_targets(TargetGroupArn=target_group_arn, Targets=gone)
        self.wait_until_drained(target_group_arn)

    def clock(self, factor=None):
        """The sandbox's speed factor (tools/sandbox_time.py), set to ``factor`` first when given."""
        return load_tool("sandbox_time").request_factor(self.endpoint, factor)

    def traffic(self, load_balancer, target_group=None, **fields):
        """Write what an application load balancer reports for traffic through it to ``target_group`` (or to itself)
        into the sandbox's CloudWatch (tools/sandbox_cloudwatch.py): ``requests_per_minute``, ``error_rate``,
        ``latency_ms``, ``minutes``, ``end`` as POST /_sandbox/cloudwatch/traffic takes them. Returns what was
        written."""
        if target_group:
            fields["target_group"] = target_group
        return load_tool("sandbox_cloudwatch").request_traffic(self.endpoint, load_balancer=load_balancer, **fields)

    def put_alarm(self, name):
        """An alarm on demo's target 5XX count, as PutMetricAlarm makes one (INSUFFICIENT_DATA); tests move it with
        SetAlarmState, since the sandbox evaluates no alarm."""
        self.client("cloudwatch").put_metric_alarm(
            AlarmName=name,
            Namespace="AWS/ApplicationELB",
            MetricName="HTTPCode_Target_5XX_Count",
            Dimensions=[{"Name": "LoadBalancer", "Value": "app/demo/1"}],
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=10,
            ComparisonOperator="GreaterThanThreshold",
        )

    def forget_traffic(self):
        """Forget every load balancer metric the sandbox's CloudWatch holds; how many datapoints there were."""
        return load_tool("sandbox_cloudwatch").request_traffic(self.endpoint, "DELETE")["deleted"]

    @contextlib.contextmanager
    def hurried(self, factor=3600):
        """The sandbox's clock at ``factor`` AWS seconds per second for the block, then put back: for the waits a test
        does not look at, such as the draining that a teardown waits out. The clock measures every wait from its
        start, so a wait begun before the block ends as soon as the faster clock says it has."""
        before = self.clock()
        self.clock(factor)
        try:
            yield
        finally:
            self.clock(before)

    def target_states(self, target_group_arn):
        """Target id -> state (initial, healthy, draining, ...) of every target the target group lists."""
        found = self.client("elbv2").describe_target_health(TargetGroupArn=target_group_arn)["TargetHealthDescriptions"]
        return {item["Target"]["Id"]: item["TargetHealth"]["State"] for item in found}

    def wait_for_healthy(self, target_group_arn, count, timeout=SANDBOX_WAIT):
        """Wait until ``count`` targets of the target group are healthy: the sandbox takes AWS's health-check time."""
        deadline = time.monotonic() + timeout
        while list(self.target_states(target_group_arn).values()).count("healthy") < count:
            assert time.monotonic() < deadline, f"{target_group_arn}: {self.target_states(target_group_arn)}"
            time.sleep(0.2)

    def wait_until_drained(self, target_group_arn, timeout=SANDBOX_WAIT):
        """Wait until no target of the target group is draining (its deregistration delay, on the sandbox's clock)."""
        deadline = time.monotonic() + timeout
        while "draining" in self.target_states(target_group_arn).values():
            assert time.monotonic() < deadline, f"{target_group_arn}: {self.target_states(target_group_arn)}"
            time.sleep(0.2)

    def groups(self, app="demo"):
        """The app's Auto Scaling groups by name."""
        found = self.client("autoscaling").describe_auto_scaling_groups(
            Filters=[{"Name": "tag:bluegreen:app", "Values": [app]}]
        )["AutoScalingGroups"]
        return {item["AutoScalingGroupName"]: item for item in found}

    def parameter(self, name):
        """An SSM parameter's value, None when it does not exist."""
        found = self.client("ssm").get_parameters(Names=[name])["Parameters"]
        return found[0]["Value"] if found else None

    def images(self):
        """The emulator's Amazon images, by id."""
        return sorted(item["ImageId"] for item in self.client("ec2").describe_images(Owners=["amazon"])["Images"])

    def target_group_arn(self, color, app="demo"):
        return self.client("elbv2").describe_target_groups(Names=[f"{app}-{color}"])["TargetGroups"][0][
            "TargetGroupArn"
        ]

    def forget_old_targets(self):
        """Leave only the fleets' own instances in each colour's target group (see forget_terminated_targets)."""
        members = {item["InstanceId"] for group in self.groups().values() for item in group["Instances"]}
        for color in ("blue", "green"):
            self.forget_terminated_targets(self.target_group_arn(color), members)

    def remove_attached(self, name):
        """Delete the lifecycle hooks, scaling policies and scheduled actions of Auto Scaling group ``name``.

        The emulator keeps a deleted group's hooks and would hand them to the next group of that name."""
        autoscaling = self.client("autoscaling")
        for hook in autoscaling.describe_lifecycle_hooks(AutoScalingGroupName=name)["LifecycleHooks"]:
            autoscaling.delete_lifecycle_hook(AutoScalingGroupName=name, LifecycleHookName=hook["LifecycleHookName"])
        for policy in autoscaling.describe_policies(AutoScalingGroupName=name)["ScalingPolicies"]:
            autoscaling.delete_policy(AutoScalingGroupName=name, PolicyName=policy["PolicyName"])
        for action in autoscaling.describe_scheduled_actions(AutoScalingGroupName=name)["ScheduledUpdateGroupActions"]:
            autoscaling.delete_scheduled_action(
                AutoScalingGroupName=name, ScheduledActionName=action["ScheduledActionName"]
            )

    def codedeploy_app(self, app):
        """A new app for strategy codedeploy, live on blue: one group of one instance, {app}-blue, registered in one
        target group, {app}, which load balancer {app} forwards to (a load balancer checks the health of the target
        groups it forwards to only), in demo's subnets; returns the target group's ARN."""
        ec2, autoscaling, elbv2, ssm = (self.client(name) for name in ("ec2", "autoscaling", "elbv2", "ssm"))
        subnets = ec2.describe_subnets(Filters=[{"Name": "tag:bluegreen:app", "Values": ["demo"]}])["Subnets"]
        ec2.create_launch_template(
            LaunchTemplateName=app, LaunchTemplateData={"ImageId": self.images()[0], "InstanceType": "t3.micro"}
        )
        arn = elbv2.create_target_group(
            Name=app, Protocol="HTTP", Port=80, VpcId=subnets[0]["VpcId"], Tags=[{"Key": "bluegreen:app", "Value": app}]
        )["TargetGroups"][0]["TargetGroupArn"]
        balancer = elbv2.create_load_balancer(Name=app, Subnets=[subnet["SubnetId"] for subnet in subnets])
        elbv2.create_listener(
            LoadBalancerArn=balancer["LoadBalancers"][0]["LoadBalancerArn"],
            Protocol="HTTP",
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": arn}],
        )
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=f"{app}-blue",
            LaunchTemplate={"LaunchTemplateName": app, "Version": "$Latest"},
            MinSize=1,
            MaxSize=1,
            DesiredCapacity=1,
            VPCZoneIdentifier=",".join(subnet["SubnetId"] for subnet in subnets),
            TargetGroupARNs=[arn],
            Tags=[
                {"Key": "bluegreen:app", "Value": app, "PropagateAtLaunch": True},
                {"Key": "bluegreen:color", "Value": "blue", "PropagateAtLaunch": True},
            ],
        )
        ssm.put_parameter(
            Name=f"/bluegreen/{app}/live", Value="blue", Type="String", Description=f"{app} starts on blue"
        )
        return arn

    def provision(self):
        done = self.playbook(ROOT / "playbooks" / "sandbox.yml")
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    def save(self, name=PROVISIONED):
        """Save the whole state under ``name`` (tools/sandbox.py save): emulated AWS, EFS stand-in, web root links."""
        done = self.tool("save", name)
        assert done.returncode == 0, done.stdout + done.stderr

    def restore(self, name=PROVISIONED):
        """Put the state saved as ``name`` back, in about a second; by default the sandbox as provisioned."""
        done = self.tool("restore", name)
        assert done.returncode == 0, done.stdout + done.stderr

    def has_snapshot(self, name):
        return (self.directory / "snapshots" / name).is_dir()


def _body(entry):
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    return body


def _query_parameters(entry):
    """The parameters of a recorded query-protocol request (form-encoded body), each with its one value; {} for a
    request of another protocol."""
    headers = {key.lower(): value for key, value in entry["headers"].items()}
    if "x-www-form-urlencoded" not in headers.get("content-type", ""):
        return {}
    return {key: values[0] for key, values in urllib.parse.parse_qs(_body(entry)).items()}


def _operation(entry):
    """The API operation of a recorded request: Query and JSON protocols name it, RPC v2 (CloudWatch's, which botocore
    sends as CBOR to /service/<service>/operation/<operation>) in its path, REST ones by method and path."""
    target = entry["headers"].get("X-Amz-Target") or entry["headers"].get("x-amz-target")
    if target:
        return target.split(".")[-1]
    rpc = re.search(r"/service/[^/]+/operation/([^/?]+)$", urllib.parse.urlparse(entry["url"]).path)
    if rpc:
        return rpc.group(1)
    action = urllib.parse.parse_qs(_body(entry)).get("Action")
    if action:
        return action[0]
    return f"{entry['method']} {urllib.parse.urlparse(entry['url']).path}"


def recap(done):
    """The numbers of a playbook's recap for localhost, e.g. {"ok": 12, "changed": 2, "failed": 0, ...}."""
    line = re.search(r"^localhost\s+:(.*)$", done.stdout, re.MULTILINE)
    assert line, done.stdout + done.stderr
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", line.group(1))}


def run_on_localhost(playbook, extra):
    """ansible-playbook PLAYBOOK on this machine (local connection) with the repository's configuration and the
    installed collection, EXTRA as its extra variables; the finished process."""
    env = dict(
        os.environ,
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".venv" / "collections"),
        ANSIBLE_NOCOLOR="1",
    )
    command = [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(playbook), "-e", json.dumps(extra)]
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)


def is_write(operation):
    """Whether the recorded call ``operation`` changes something (tools/aws_calls.py)."""
    return load_tool("aws_calls").is_write(operation)


# The test files that take longest, longest first, as the summary of `make test` ranks them (the route53 pair, which
# shares a setup, counted together; the Molecule scenario, whose one test cannot be split, goes first). `make test`
# hands files to its pytest-xdist workers in this order, then the others in theirs, so that no worker is left with a
# long one at the end.
LONGEST_FIRST = (
    "tests/instances/test_molecule.py",
    "tests/integration/test_route53_strategy.py",
    "tests/integration/test_route53_alias_flip.py",
    "tests/integration/test_release_role.py",
    "tests/integration/test_codedeploy_strategy.py",
    "tests/integration/test_deploy_role.py",
    "tests/integration/test_asg_clone.py",
    "tests/integration/test_efs_strategy.py",
    "tests/reliability/test_bad_inputs.py",
    "tests/integration/test_switch_role.py",
    "tests/integration/test_deploy_lock.py",
    "tests/integration/test_codedeploy_deployment.py",
    "tests/integration/test_alb_swap.py",
    "tests/integration/test_deploy_codedeploy.py",
    "tests/reliability/test_fault_proxy.py",
)


# Test files that share a setup which each test process makes once (the route53 layer,
# tests/integration/route53_sandbox.py): `make test` hands them to one pytest-xdist worker, one after the other, so
# that only one worker makes it.
TOGETHER = {
    "tests/integration/test_route53_strategy.py": "route53",
    "tests/integration/test_route53_alias_flip.py": "route53",
}


def pytest_collection_modifyitems(items):
    """The files of LONGEST_FIRST first, each file's tests together and in their order."""

    def rank(item):
        path = item.nodeid.split("::")[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)


# Each test file's seconds (setup, call and teardown of its tests), summed in the process that reports them (the
# controller, under pytest-xdist), for the summary that ranks the files, LONGEST_FIRST's source.
FILE_SECONDS = {}


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    FILE_SECONDS[path] = FILE_SECONDS.get(path, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter):
    """The 15 test files that took longest, to keep LONGEST_FIRST in their order; not for a run of a minute."""
    if sum(FILE_SECONDS.values()) < 60:
        return
    terminalreporter.write_sep("=", "slowest 15 test files (seconds, setup and teardown included)")
    for path, seconds in sorted(FILE_SECONDS.items(), key=lambda item: -item[1])[:15]:
        terminalreporter.write_line(f"{seconds:8.1f}  {path}")


def pytest_xdist_make_scheduler(config, log):
    """Under `--dist loadfile`, a file at a time to each worker, but the files TOGETHER groups as one."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class LoadFileWithSharedSetups(LoadFileScheduling):
        def _split_scope(self, nodeid):
            path = super()._split_scope(nodeid)
            return TOGETHER.get(path, path)

    return LoadFileWithSharedSetups(config, log)


def sandbox_port():
    """The port of this test process's sandbox: BLUEGREEN_TEST_SANDBOX_PORT (4597 unless set), and under
    pytest-xdist 5 more for each worker after the first (gw1: 4602), so that the workers' sandboxes, and their
    instances' web servers (inventories/local), never meet."""
    base = int(os.environ.get("BLUEGREEN_TEST_SANDBOX_PORT") or 4597)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return base + 5 * int(worker.removeprefix("gw") or 0)


def process_sandbox():
    """A Sandbox on this test process's port, with its state under tests/output, not started."""
    port = sandbox_port()
    return Sandbox(port, ROOT / "tests" / "output" / f"sandbox-{port}")


def load_tool(name):
    """tools/<name>.py as a module."""
    key = f"bluegreen_tool_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, ROOT / "tools" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


def load_sandbox_tool():
    """tools/sandbox.py as a module, for the tests of its functions."""
    return load_tool("sandbox")


def wait_for(check, seconds, pause=0.1):
    """Poll ``check`` until it returns true or ``seconds`` pass; what it returned last."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(pause)


# This test process's sandbox once provisioned, and the test file that last had it.
_SESSION = {"sandbox": None, "file": None}


@pytest.fixture(scope="module")
def server():
    """The tests' sandbox server without the sample application, for the tests of the sandbox itself (tests/sandbox):
    started if it is not running (and then stopped), never reset: others may use it."""
    instance = process_sandbox()
    was_running = instance.tool("status").returncode == 0
    started = instance.tool("start")
    assert started.returncode == 0, started.stdout + started.stderr
    yield instance
    if not was_running:
        instance.tool("remove")


@pytest.fixture(scope="session")
def sandbox():
    """This test process's sandbox, provisioned once and saved as PROVISIONED; each test file starts from that."""
    instance = process_sandbox()
    started = instance.tool("start")
    assert started.returncode == 0, started.stdout + started.stderr
    reset = instance.tool("reset")
    assert reset.returncode == 0, reset.stdout + reset.stderr
    instance.provision()
    instance.save(PROVISIONED)
    _SESSION["sandbox"] = instance
    yield instance
    _SESSION["sandbox"] = None
    instance.tool("remove")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before the first test of a file that uses the sandbox, put the sandbox back as provisioned.

    Whichever files ran before in this process (pytest-xdist hands them out as workers come free), each file
    starts from the same state, so no test depends on what another file left behind.
    """
    if "sandbox" not in item.fixturenames:
        return
    path = item.nodeid.split("::")[0]
    if _SESSION["sandbox"] is not None and _SESSION["file"] != path:
        _SESSION["sandbox"].restore(PROVISIONED)
    _SESSION["file"] = path
