# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the benchmark measures, phase by phase, with bench_runner's Runner: the modules, full cycles of the
playbooks and the baseline switch, the waits, the fixed cost on a fast clock, the account at scale, the fan-out of
strategy efs and route53_alias_flip."""

from __future__ import annotations

import statistics
import sys
import time

from bench_bounds import PLAYBOOKS as CLOCKED
from bench_bounds import TargetGroupTiming
from bench_bounds import clock_split
from bench_bounds import lower_bounds
from bench_bounds import weakest
from bench_fanout import Fanout
from bench_runner import STATE_DIR
from bench_runner import Runner
from bench_sandbox import COLLECTIONS
from bench_sandbox import ROOT
from bench_sandbox import module_result

BASELINE = ROOT / "benchmarks" / "baseline_switch.yml"
# The module the baseline moves the listeners with, measured on its own beside alb_swap.
BASELINE_MODULE = "amazon.aws.elb_application_lb"
STATE_ARGS = {"app": "demo", "load_balancer": "demo"}
LIVE_RECORDS = {"zone": "example.com", "names": ["www"]}
STAGING_RECORDS = {"zone": "example.internal", "private_zone": True, "names": ["staging"]}
LOAD_BALANCERS = {"blue": "demo-blue", "green": "demo-green"}

# Unrelated resources added for the account-scale measurement.
NOISE = {"auto_scaling_groups": 2000, "target_groups": 500, "parameters": 1000}
# Times each of state_info's reads is sent directly, in the empty and in the crowded account.
PROBES = 7
# Poll intervals and the moments, as fractions of an interval after a poll, at which the awaited state is
# reached: the wait should notice it at the next poll, within one interval.
WAIT_INTERVALS = (1, 2)
WAIT_OFFSETS = (0.25, 0.5, 0.75)
# The fan-out of strategy efs: the instances of each run, and the Ansible settings compared at the largest size,
# as environment variables of ansible-playbook; FORKS stands for as many forks as instances. The first setting
# is the one measured at every size.
FANOUT_SIZES = (1, 10, 50)
FORKS = "instances"
FANOUT_SETTINGS = {
    "forks = instances, linear": {"ANSIBLE_FORKS": FORKS},
    "forks = instances, linear, pipelining": {"ANSIBLE_FORKS": FORKS, "ANSIBLE_PIPELINING": "true"},
    "forks 5 (Ansible's default), linear": {"ANSIBLE_FORKS": "5"},
    "forks = instances, ANSIBLE_STRATEGY=free": {"ANSIBLE_FORKS": FORKS, "ANSIBLE_STRATEGY": "free"},
}
# Settings measured at another size than the largest. The free strategy cannot run the role (its run_once tasks
# would run on every instance), so the switch playbook keeps the linear one: 10 instances show that it does, in a
# fifth of the time of 50.
FANOUT_SIZE_OF = {"forks = instances, ANSIBLE_STRATEGY=free": 10}
# AWS seconds per sandbox second for the fixed-cost runs: AWS's waits (minutes) take well under a millisecond.
FAST_CLOCK = 1e6
ACCOUNTS = {
    "empty": "",
    "scale": " (account scale)",
    "after": " (account scale, removed again)",
    "fast_clock": " (fast clock)",
}


def other(color):
    return "green" if color == "blue" else "blue"


class Bench(Runner):
    """One benchmark run, phase by phase, against one sandbox; every phase leaves the application consistent
    (every layer on one colour) for the next."""

    def __init__(self, sandbox, runs, quick):
        super().__init__(sandbox, ACCOUNTS)
        self.runs = runs
        self.quick = quick
        # The sandbox's speed factor (AWS seconds per sandbox second), and the target group settings the lower
        # bounds come from: {"new": [TargetGroupTiming of each deploy's colour], "old": [... of each clean's]}.
        self.factor = None
        self.timings = {"new": [], "old": []}
        self.noise = {}
        self.provisioning = {}
        self.not_measured = {}
        self.probes = {}
        self.fanout = []
        self.cycle = 0

    def live_color(self):
        result = self.unmeasured("state_info", **STATE_ARGS)
        if not result["consistent"]:
            raise RuntimeError(f"the sandbox is not consistent: {result['reasons']}")
        return result["live_color"]

    # Phases

    def provision(self):
        self.log("starting the sandbox and provisioning demo (strategy alb)")
        self.sandbox.start()
        self.factor = self.sandbox.clock()
        self.log(f"sandbox clock: {self.factor:g} AWS seconds per sandbox second")
        self.provisioning["alb"] = self.sandbox.provision()
        self.images = self.sandbox.images()

    def state_infos(self, account):
        self.log(f"state_info x{self.runs}")
        for _ in range(self.runs):
            self.module(account, "state_info", "state_info", **STATE_ARGS)

    def modules(self, account="empty"):
        self.state_infos(account)
        self.log(f"asg_clone clone and absent x{self.runs}")
        for run in range(self.runs):
            self.clone(account, self.images[run % 2], measure=True)
            self.remove_clone(account, measure=True)
        self.clone(account, self.images[0], measure=False)
        self.log(f"alb_swap x{2 * self.runs}")
        for _ in range(self.runs):
            for color in ("green", "blue"):
                _, recording = self.module(
                    account,
                    "alb_swap",
                    "alb_swap",
                    app="demo",
                    load_balancer="demo",
                    test_listener_port=8080,
                    live_color=color,
                )
                self.check_alb_cutover(f"alb_swap to {color}", recording)
        self.log(f"amazon.aws.elb_application_lb x{2 * self.runs}")
        elbv2 = self.sandbox.client("elbv2")
        lb = elbv2.describe_load_balancers(Names=["demo"])["LoadBalancers"][0]
        arns = {color: self.sandbox.target_group_arn(color) for color in ("blue", "green")}
        for _ in range(self.runs):
            for color in ("green", "blue"):
                _, recording = self.module(
                    account,
                    BASELINE_MODULE,
                    BASELINE_MODULE,
                    name="demo",
                    scheme=lb["Scheme"],
                    subnets=[zone["SubnetId"] for zone in lb["AvailabilityZones"]],
                    security_groups=lb["SecurityGroups"],
                    listeners=[
                        {
                            "Protocol": "HTTP",
                            "Port": port,
                            "DefaultActions": [{"Type": "forward", "TargetGroupArn": arns[to]}],
                        }
                        for port, to in ((80, color), (8080, other(color)))
                    ],
                    purge_listeners=False,
                    state="present",
                )
                self.check_alb_cutover(f"{BASELINE_MODULE} to {color}", recording)

    def clone(self, account, image, measure):
        args = dict(
            source="demo-blue",
            name="demo-green",
            color="green",
            app="demo",
            image_id=image,
            target_group_arns=[self.sandbox.target_group_arn("green")],
            test_listener_ports=[8080],
            wait=True,
            wait_timeout=120,
            poll_interval=1,
        )
        if not measure:
            self.unmeasured("asg_clone", **args)
            return
        _, recording = self.module(account, "asg_clone (clone, with its wait)", "asg_clone", **args)
        self.note_polls("asg_clone clone: from its last write to its end", recording)

    def remove_clone(self, account, measure):
        args = dict(name="demo-green", app="demo", state="absent", test_listener_ports=[8080], poll_interval=1)
        if measure:
            _, recording = self.module(account, "asg_clone (absent)", "asg_clone", **args)
            self.note_polls(
                "asg_clone absent: between scaling to zero and deleting",
                recording,
                start="autoscaling:UpdateAutoScalingGroup",
                end="autoscaling:DeleteAutoScalingGroup",
            )
        else:
            self.unmeasured("asg_clone", **args)
        self.sandbox.forget_terminated_targets()

    def waits_phase(self):
        """How long after the awaited state each wait notices it; needs the green clone running, blue live."""
        sys.path.insert(0, str(COLLECTIONS))
        from ansible_collections.teal.bluegreen.plugins.module_utils._autoscaling import waiters as asg_waiters
        from ansible_collections.teal.bluegreen.plugins.module_utils._elbv2 import waiters as elbv2_waiters

        sandbox = self.sandbox
        autoscaling, elbv2, ec2 = sandbox.client("autoscaling"), sandbox.client("elbv2"), sandbox.client("ec2")
        ids = sorted(item["InstanceId"] for item in sandbox.group("demo-green")["Instances"])
        green = sandbox.target_group_arn("green")
        intervals = WAIT_INTERVALS[:1] if self.quick else WAIT_INTERVALS
        offsets = WAIT_OFFSETS[1:2] if self.quick else WAIT_OFFSETS

        def in_service(interval):
            return lambda: asg_waiters.wait_in_service(autoscaling, "demo-green", len(ids), 60, interval)

        def targets(interval):
            return lambda: elbv2_waiters.wait_targets_healthy(elbv2, green, ids, 60, interval)

        def unhealthy():
            for instance in ids:
                autoscaling.set_instance_health(InstanceId=instance, HealthStatus="Unhealthy")

        def healthy():
            for instance in ids:
                autoscaling.set_instance_health(InstanceId=instance, HealthStatus="Healthy")

        def stop():
            ec2.stop_instances(InstanceIds=ids)

        def start():
            ec2.start_instances(InstanceIds=ids)

        self.log("waits: asg_clone's two waiters and alb_swap's health wait")
        for interval in intervals:
            for offset in offsets:
                self.measure_waiter(
                    "asg_clone: instances InService and Healthy (waiters.wait_in_service)",
                    "autoscaling:DescribeAutoScalingGroups",
                    interval,
                    offset,
                    unhealthy,
                    healthy,
                    in_service(interval),
                )
                self.measure_waiter(
                    "asg_clone: instances healthy in the target group (waiters.wait_targets_healthy)",
                    "elbv2:DescribeTargetHealth",
                    interval,
                    offset,
                    stop,
                    start,
                    targets(interval),
                )
                self.measure_alb_swap_wait(interval, offset, stop, start)

    def measure_alb_swap_wait(self, interval, offset, spoil, repair):
        """alb_swap to green while green has no healthy target; green turns healthy during the health wait."""
        spoil()
        with self.sandbox.recording(watch=True) as recording:
            process = self.sandbox.module_process(
                "alb_swap",
                app="demo",
                load_balancer="demo",
                test_listener_port=8080,
                live_color="green",
                health_wait_timeout=60,
                health_poll_interval=interval,
            )
            # The module reads both colours' health before it waits: the wait's first poll is the third read.
            first_poll = None
            while first_poll is None and process.poll() is None:
                reads = [seen for seen, call in recording.seen if call.operation == "DescribeTargetHealth"]
                first_poll = reads[2] if len(reads) > 2 else None
                time.sleep(0.005)
            if first_poll is None:
                raise RuntimeError(f"alb_swap ended before its health wait: {process.communicate()}")
            time.sleep(max(0.0, first_poll + offset * interval - time.monotonic()))
            repair()
            ready = time.monotonic()
            stdout, stderr = process.communicate(timeout=90)
            time.sleep(0.05)
        module_result("alb_swap", stdout, stderr)
        switched = next(seen for seen, call in recording.seen if call.operation == "ModifyListener")
        # Not counted: the module's reads of both colours' health before the wait, and of green's after it.
        polls = sum(1 for call in recording.calls if call.operation == "DescribeTargetHealth") - 3
        self.waits.append(
            dict(
                label="alb_swap: health_wait_timeout (_elbv2.waiters.wait_for_healthy_targets)",
                interval=interval,
                reached=offset,
                polls=polls,
                noticed=switched - ready,
                total=switched - first_poll,
            )
        )
        self.unmeasured("alb_swap", app="demo", load_balancer="demo", test_listener_port=8080, live_color="blue")

    def cycles(self):
        self.log(f"full cycles x{self.runs}: deploy, switch, rollback, switch, baseline x2, clean")
        self.remove_clone("empty", measure=False)
        noop = STATE_DIR / "noop.yml"
        noop.write_text(
            "- name: Nothing\n  hosts: localhost\n  gather_facts: false\n  tasks:\n"
            "    - name: Say nothing\n      ansible.builtin.debug:\n        msg: nothing\n",
            encoding="utf-8",
        )
        for _ in range(self.runs):
            self.playbook("empty", "ansible-playbook, one debug task", noop)
        for _ in range(self.runs):
            self.full_cycle()

    def full_cycle(self):
        """Deploy to the idle colour, switch, roll back, switch again, the baseline there and back, clean."""
        self.cycle_around("empty", with_rollback=True)

    def cycle_around(self, account, with_rollback):
        live = self.live_color()
        self.cycle += 1
        suffix = ACCOUNTS[account]
        image = self.images[self.cycle % 2]
        if account == "empty":
            self.timings["new"].append(self.timing(other(live)))
        self.product(account, "deploy.yml", bluegreen_image_id=image, bluegreen_artifact_version=f"bench-{self.cycle}")
        _, recording = self.product(account, "switch.yml")
        self.check_alb_cutover(f"switch.yml{suffix}", recording)
        if with_rollback:
            _, recording = self.product(account, "rollback.yml")
            self.check_alb_cutover(f"rollback.yml{suffix}", recording)
            _, recording = self.product(account, "switch.yml")
            self.check_alb_cutover(f"switch.yml{suffix}", recording)
            for _ in range(2):
                _, recording = self.playbook(account, "baseline_switch.yml", BASELINE)
                self.check_alb_cutover(f"baseline_switch.yml{suffix}", recording)
        if account == "empty":
            self.timings["old"].append(self.timing(live))
        self.product(account, "clean.yml")
        self.sandbox.forget_terminated_targets()
        if self.live_color() != other(live):
            raise RuntimeError(f"the cycle from {live} did not end on {other(live)}")

    def timing(self, color):
        return TargetGroupTiming(**self.sandbox.target_group_settings(color))

    def fixed_cost(self):
        """Deploy, switch and clean with the sandbox's clock at FAST_CLOCK: what they take when AWS's waits take
        nothing (Ansible, the modules, the API calls, the polls that find the state reached), then the factor back."""
        self.log(f"fixed cost: deploy, switch and clean x{self.runs} with the clock at {FAST_CLOCK:g}")
        self.sandbox.clock(FAST_CLOCK)
        try:
            for _ in range(self.runs):
                self.cycle_around("fast_clock", with_rollback=False)
        finally:
            self.sandbox.clock(self.factor)
        # Targets registered or deregistered under the fast clock are judged again by the usual one: give them
        # the time they take there to be settled before anything else is measured.
        bounds = self.bounds()
        if self.factor:
            time.sleep(min(30.0, (bounds["deploy.yml"] + bounds["clean.yml"]) / self.factor))

    def bounds(self):
        """{playbook: the lower bound of its AWS seconds} from the settings of the target groups read in the cycles,
        the weakest of them (canary steps and bakes: the roles' defaults, which the bench keeps)."""
        if not self.timings["new"] or not self.timings["old"]:
            return {}
        return lower_bounds(weakest(self.timings["new"]), weakest(self.timings["old"]))

    def clock_rows(self):
        """{playbook: clock_split(...)} of the medians of the empty account and of the fast-clock runs."""
        bounds = self.bounds()
        found = {}
        if self.factor is None or not bounds:
            return found
        for label in CLOCKED:
            op, fast = self.ops["empty"].get(label), self.ops["fast_clock"].get(label)
            if not op:
                continue
            found[label] = clock_split(op.median, self.factor, bounds[label], fast.median if fast else None) | {
                "runs": len(op.seconds),
                "fast_runs": len(fast.seconds) if fast else 0,
            }
        return found

    def scale(self):
        self.probe("empty")
        self.add_noise()
        self.probe("crowded")
        self.log("account scale: state_info, then deploy, switch and clean")
        self.state_infos("scale")
        for _ in range(self.runs):
            self.cycle_around("scale", with_rollback=False)
        # Measured once more without them, so that a drift of the machine's speed during the run shows as
        # a difference between the empty account before and after, not as an effect of the account's size.
        self.remove_noise()
        self.log("account scale: state_info, deploy, switch and clean again, the unrelated resources removed")
        self.state_infos("after")
        for _ in range(self.runs):
            self.cycle_around("after", with_rollback=False)

    def probe(self, account):
        """How long the sandbox takes to answer each of state_info's reads, called directly with boto3."""
        sandbox = self.sandbox
        elbv2 = sandbox.client("elbv2")
        lb = elbv2.describe_load_balancers(Names=["demo"])["LoadBalancers"][0]["LoadBalancerArn"]
        arns = [sandbox.target_group_arn(color) for color in ("blue", "green")]
        names = ["/bluegreen/demo/live", "/bluegreen/demo/lock", "/bluegreen/demo/deployment"]
        tagged = [{"Key": "bluegreen:app", "Values": ["demo"]}]
        reads = {
            "autoscaling:DescribeAutoScalingGroups (tag filter)": lambda: sandbox.client(
                "autoscaling"
            ).describe_auto_scaling_groups(Filters=[{"Name": "tag:bluegreen:app", "Values": ["demo"]}]),
            "tagging:GetResources (tag filter)": lambda: sandbox.client("resourcegroupstaggingapi").get_resources(
                TagFilters=tagged, ResourceTypeFilters=["elasticloadbalancing:targetgroup"]
            ),
            "elbv2:DescribeTargetGroups (2 ARNs)": lambda: elbv2.describe_target_groups(TargetGroupArns=arns),
            "elbv2:DescribeLoadBalancers (1 name)": lambda: elbv2.describe_load_balancers(Names=["demo"]),
            "elbv2:DescribeListeners": lambda: elbv2.describe_listeners(LoadBalancerArn=lb),
            "elbv2:DescribeTargetHealth": lambda: elbv2.describe_target_health(TargetGroupArn=arns[0]),
            "ssm:GetParameters (3 names)": lambda: sandbox.client("ssm").get_parameters(Names=names),
            "ssm:GetParameterHistory": lambda: sandbox.client("ssm").get_parameter_history(Name=names[0]),
        }
        for name, read in reads.items():
            took = []
            for _ in range(PROBES):
                started = time.monotonic()
                read()
                took.append(time.monotonic() - started)
            self.probes.setdefault(name, {})[account] = statistics.median(took)

    def add_noise(self):
        """Unrelated resources: other apps' tagged groups, target groups and parameters, and untagged ones."""
        sandbox = self.sandbox
        autoscaling, elbv2, ssm, ec2 = (sandbox.client(name) for name in ("autoscaling", "elbv2", "ssm", "ec2"))
        fleet = sandbox.group(f"demo-{self.live_color()}")
        vpc = elbv2.describe_target_groups(Names=["demo-blue"])["TargetGroups"][0]["VpcId"]
        ec2.create_launch_template(
            LaunchTemplateName="bench-noise", LaunchTemplateData={"ImageId": self.images[0], "InstanceType": "t3.micro"}
        )

        def tags(index, kind):
            found = {"team": f"team-{index % 20}"}
            if index % 2 == 0:
                found.update(
                    {
                        "bluegreen:app": f"noise-{kind}-{index // 4}",
                        "bluegreen:color": ("blue", "green")[index // 2 % 2],
                    }
                )
            return found

        self.log(f"account scale: creating {NOISE['auto_scaling_groups']} Auto Scaling groups")
        started = time.monotonic()
        for index in range(NOISE["auto_scaling_groups"]):
            autoscaling.create_auto_scaling_group(
                AutoScalingGroupName=f"noise-{index:04d}",
                LaunchTemplate={"LaunchTemplateName": "bench-noise", "Version": "1"},
                MinSize=0,
                MaxSize=1,
                DesiredCapacity=0,
                VPCZoneIdentifier=fleet["VPCZoneIdentifier"],
                Tags=[
                    {"Key": key, "Value": value, "PropagateAtLaunch": False}
                    for key, value in tags(index, "asg").items()
                ],
            )
        self.noise["auto_scaling_groups"] = time.monotonic() - started

        self.log(f"account scale: creating {NOISE['target_groups']} target groups")
        started = time.monotonic()
        for index in range(NOISE["target_groups"]):
            elbv2.create_target_group(
                Name=f"noise-{index:03d}",
                Protocol="HTTP",
                Port=80,
                VpcId=vpc,
                TargetType="instance",
                Tags=[{"Key": key, "Value": value} for key, value in tags(index, "tg").items()],
            )
        self.noise["target_groups"] = time.monotonic() - started

        self.log(f"account scale: creating {NOISE['parameters']} SSM parameters")
        started = time.monotonic()
        for index in range(NOISE["parameters"]):
            name = self.noise_parameter(index)
            ssm.put_parameter(Name=name, Value="blue" if name.endswith("/live") else "{}", Type="String")
        self.noise["parameters"] = time.monotonic() - started

    def remove_noise(self):
        sandbox = self.sandbox
        autoscaling, elbv2, ssm, ec2 = (sandbox.client(name) for name in ("autoscaling", "elbv2", "ssm", "ec2"))
        self.log("account scale: removing the unrelated resources")
        started = time.monotonic()
        for index in range(NOISE["auto_scaling_groups"]):
            autoscaling.delete_auto_scaling_group(AutoScalingGroupName=f"noise-{index:04d}", ForceDelete=True)
        ec2.delete_launch_template(LaunchTemplateName="bench-noise")
        for page in elbv2.get_paginator("describe_target_groups").paginate():
            for group in page["TargetGroups"]:
                if group["TargetGroupName"].startswith("noise-"):
                    elbv2.delete_target_group(TargetGroupArn=group["TargetGroupArn"])
        names = [self.noise_parameter(index) for index in range(NOISE["parameters"])]
        for first in range(0, len(names), 10):
            ssm.delete_parameters(Names=names[first : first + 10])
        self.noise["removing"] = time.monotonic() - started

    @staticmethod
    def noise_parameter(index):
        """Half under /bluegreen/<other app>/ (a live and a deployment parameter each), half elsewhere."""
        if index % 4 < 2:
            return f"/bluegreen/noise-{index // 2}/{('live', 'deployment')[index % 2]}"
        return f"/noise/{index}"

    def fanout_phase(self):
        """Strategy efs's switch across 1, 10 and 50 instances; at 50, the Ansible settings side by side."""
        largest = FANOUT_SIZES[-1]
        fanout = Fanout(self.sandbox, STATE_DIR / "fanout", largest)
        self.log(f"fan-out: {largest} instances of strategy efs, served by one Apache")
        try:
            fanout.set_up()
            first = next(iter(FANOUT_SETTINGS))
            plan = [(size, first) for size in FANOUT_SIZES[:-1] for _ in range(self.runs)]
            # A switch of the largest size takes a minute or more: each setting runs once.
            plan += [(FANOUT_SIZE_OF.get(setting, largest), setting) for setting in FANOUT_SETTINGS]
            for size, setting in plan:
                env = {key: str(size) if value == FORKS else value for key, value in FANOUT_SETTINGS[setting].items()}
                self.log(f"fan-out: switch of {size} instance(s), {setting}")
                result = self.fanout_switch(fanout, size, env)
                self.fanout.append(dict(result, instances=size, setting=setting))
        except RuntimeError as error:
            self.not_measured["fan-out (strategy efs)"] = str(error).splitlines()[0]
            self.log(f"fan-out not measured: {error}")
        finally:
            fanout.tear_down()

    def route53(self):
        """route53_alias_flip needs the route53 traffic layer: a fresh sandbox provisioned for it."""
        self.log("route53_alias_flip: resetting the sandbox and provisioning strategy route53")
        self.sandbox.reset()
        try:
            self.provisioning["route53"] = self.sandbox.provision(bluegreen_strategy="route53")
            for _ in range(self.runs):
                for color in ("green", "blue"):
                    _, recording = self.module(
                        "empty",
                        "route53_alias_flip",
                        "route53_alias_flip",
                        load_balancers=LOAD_BALANCERS,
                        live_records=LIVE_RECORDS,
                        staging_records=STAGING_RECORDS,
                        live_color=color,
                        poll_interval=1,
                    )
                    self.check_route53_cutover(f"route53_alias_flip to {color}", recording)
                    self.note_polls("route53_alias_flip: after its last change batch", recording)
        except RuntimeError as error:
            self.not_measured["route53_alias_flip"] = str(error).splitlines()[0]
            self.ops["empty"].pop("route53_alias_flip", None)
            self.log(f"route53_alias_flip not measured: {error}")
