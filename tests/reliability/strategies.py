# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What must hold for an application of each strategy however a run ends, read from the sandbox with boto3.

Each strategy class says, for an application of the sandbox:

- ``apps(sandbox, count)``: that many applications of its own, each with one fleet, unlocked;
- ``production(sandbox, app)``: {colour: percent} of the production traffic, from the traffic layer itself;
- ``check(sandbox, app, completed, where)``: production only on colours with healthy targets and a fleet; after a
  run that completed, one colour, the live parameter naming it, no lock and every layer agreeing;
- ``leaks(sandbox, app)``: resources of the application that its settled state does not account for;
- ``position(sandbox, app)`` and ``MOVES``: where a settled application stands in the cycle, and which step takes
  it where.

None of this asks the collection: the traffic layers are read as a user's own boto3 would read them, and only the
"layers agree" check of a completed run calls state_info.
"""

from __future__ import annotations

import collections
import json
import os
import urllib.error
import urllib.request
from pathlib import Path

from .sandbox_state import DEMO
from .sandbox_state import App
from .sandbox_state import app_state
from .sandbox_state import forget_old_targets
from .sandbox_state import one_fleet
from .sandbox_state import provision_apps

COLORS = ("blue", "green")
# Where an application stands in the cycle.
ONE_FLEET, DEPLOYED, SWITCHED = "one fleet", "deployed", "switched"
# The steps of the cycle: a playbook and the variables that make it that step ("discard": a clean that throws an
# unswitched deployment away).
STEPS = {
    "deploy": ("deploy", {}),
    "switch": ("switch", {}),
    "rollback": ("rollback", {}),
    "clean": ("clean", {}),
    "discard": ("clean", {"bluegreen_discard_deployment": True}),
}
RUNNING = ("pending", "running")


def tags_of(items):
    return {tag["Key"]: tag["Value"] for tag in items or []}


def group_color(group):
    return tags_of(group.get("Tags")).get("bluegreen:color")


def serving(group):
    return [item for item in group["Instances"] if item["LifecycleState"] == "InService"]


def check_fleet(sandbox, app, color, healthy, where):
    """``color`` takes production traffic: it must have ``healthy`` targets (ids) and a group with instances in
    service, among them the healthy targets."""
    assert healthy, f"{where}: production goes to {app.name}'s {color}, which has no healthy target"
    groups = [group for group in sandbox.groups(app.name).values() if group_color(group) == color]
    assert groups, f"{where}: production goes to {app.name}'s {color}, which has no Auto Scaling group"
    in_service = {item["InstanceId"] for group in groups for item in serving(group)}
    assert in_service, f"{where}: the Auto Scaling group of {color}, which takes production traffic, is empty"
    assert set(healthy) & in_service, f"{where}: none of {color}'s healthy targets {healthy} is in its fleet"


def healthy_targets(sandbox, target_group_arn):
    """The ids of a target group's healthy targets."""
    health = sandbox.client("elbv2").describe_target_health(TargetGroupArn=target_group_arn)
    return [
        item["Target"]["Id"]
        for item in health["TargetHealthDescriptions"]
        if item["TargetHealth"]["State"] == "healthy"
    ]


def fleet_leaks(sandbox, app, wanted):
    """What leaked of an application whose colours are Auto Scaling groups: other than ``wanted`` groups with capacity,
    two groups of one colour, instances outside every group, parameters besides live and deployment."""
    found = []
    groups = sandbox.groups(app.name)
    fleets = [name for name, group in groups.items() if group["DesiredCapacity"] > 0]
    if len(fleets) != wanted:
        found.append(f"{len(fleets)} groups with capacity where {wanted} belong: {sorted(fleets)}")
    colors = sorted(group_color(group) for group in groups.values())
    if len(set(colors)) != len(colors):
        found.append(f"two groups of one colour: {colors}")
    found += fleet_strays(sandbox, app)
    return found


def check_completed(sandbox, app, weights, where, state):
    assert len(weights) == 1, f"{where}: production is split after a completed run: {weights}"
    live = next(iter(weights))
    recorded = sandbox.parameter(app.live)
    assert recorded == live, f"{where}: {app.live} says {recorded}, traffic goes to {live}"
    assert sandbox.parameter(app.lock) is None, f"{where}: the lock is left: {sandbox.parameter(app.lock)}"
    assert state["consistent"], f"{where}: {state['reasons']}"
    return live


def stray_instances(sandbox, app):
    """Instances tagged with the app, pending or running, that no group of the app holds: launched and lost."""
    members = {item["InstanceId"] for group in sandbox.groups(app.name).values() for item in group["Instances"]}
    found = sandbox.client("ec2").describe_instances(
        Filters=[
            {"Name": "tag:bluegreen:app", "Values": [app.name]},
            {"Name": "instance-state-name", "Values": list(RUNNING)},
        ]
    )
    ids = {item["InstanceId"] for reservation in found["Reservations"] for item in reservation["Instances"]}
    return sorted(ids - members)


def fleet_strays(sandbox, app):
    """Instances of the app outside every group, and parameters besides live and deployment."""
    found = []
    stray = stray_instances(sandbox, app)
    if stray:
        found.append(f"instances outside every group: {stray}")
    extra = stray_parameters(sandbox, app, {app.live, app.deployment})
    if extra:
        found.append(f"parameters: {extra}")
    return found


def stray_parameters(sandbox, app, allowed):
    ssm = sandbox.client("ssm")
    found = ssm.get_parameters_by_path(Path=f"/bluegreen/{app.name}", Recursive=True)["Parameters"]
    return sorted(item["Name"] for item in found if item["Name"] not in allowed)


def next_version(sandbox, app):
    """One more than the artifact version of the app's recorded deployment (1 without one)."""
    recorded = sandbox.parameter(app.deployment)
    if recorded is None:
        return 1
    return int(json.loads(recorded).get("artifact_version") or 0) + 1


class Alb:
    """Strategy alb: the production listener (port 80) of the app's load balancer forwards to a colour's target
    group, each colour one Auto Scaling group."""

    name = "alb"
    MOVES = {
        ONE_FLEET: {"deploy": DEPLOYED},
        DEPLOYED: {"switch": SWITCHED, "discard": ONE_FLEET},
        SWITCHED: {"rollback": DEPLOYED, "clean": ONE_FLEET},
    }

    def __init__(self, first=2):
        # Applications demo<first>, demo<first + 1>, ... (demo itself is the other tests').
        self.first = first

    def apps(self, sandbox, count):
        wanted = [App(f"demo{index}") for index in range(self.first, self.first + count)]
        # Restoring the sandbox (each test file, demo_from_blue) takes them away: ask the sandbox, not a memory.
        missing = [app for app in wanted if sandbox.parameter(app.live) is None]
        if missing:
            provision_apps(sandbox, missing)
        for app in wanted:
            one_fleet(sandbox, app)
        return wanted

    def step_vars(self, sandbox, app, step):
        """What a step of this strategy needs besides the inventory's variables: nothing."""
        return {}

    def production(self, sandbox, app=DEMO):
        """{colour: percent} of the target groups the production listener forwards to."""
        elbv2 = sandbox.client("elbv2")
        balancer = elbv2.describe_load_balancers(Names=[app.name])["LoadBalancers"][0]
        listeners = elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
        listener = next(item for item in listeners if item["Port"] == 80)
        colors = {sandbox.target_group_arn(color, app.name): color for color in COLORS}
        weights = {}
        for action in listener["DefaultActions"]:
            assert action["Type"] == "forward", listener["DefaultActions"]
            groups = action.get("ForwardConfig", {}).get("TargetGroups") or [
                {"TargetGroupArn": action["TargetGroupArn"], "Weight": 1}
            ]
            total = sum(group.get("Weight", 1) for group in groups)
            for group in groups:
                if group.get("Weight", 1) > 0:
                    weights[colors[group["TargetGroupArn"]]] = round(100 * group.get("Weight", 1) / total)
        return weights

    def check(self, sandbox, app, completed, where):
        elbv2 = sandbox.client("elbv2")
        weights = self.production(sandbox, app)
        assert weights, f"{where}: production forwards to no target group"
        for color in weights:
            check_fleet(sandbox, app, color, healthy_targets(sandbox, sandbox.target_group_arn(color, app.name)), where)
        groups = sandbox.groups(app.name)
        assert len(groups) <= 2, f"{where}: {app.name} has {len(groups)} Auto Scaling groups: {sorted(groups)}"
        if completed:
            live = check_completed(sandbox, app, weights, where, app_state(sandbox, app))
            arns = {sandbox.target_group_arn(color, app.name): color for color in COLORS}
            tagged = {
                arns[item["ResourceArn"]]: tags_of(item["Tags"]).get("IsProduction")
                for item in elbv2.describe_tags(ResourceArns=list(arns))["TagDescriptions"]
            }
            wanted = {color: "true" if color == live else "false" for color in COLORS}
            assert tagged == wanted, f"{where}: the IsProduction tags are {tagged}, traffic goes to {live}"

    def position(self, sandbox, app):
        """One fleet (a group kept at zero instances does not count), deployed (the new one not live) or switched."""
        fleets = [group for group in sandbox.groups(app.name).values() if group["DesiredCapacity"] > 0]
        if len(fleets) == 1:
            return ONE_FLEET
        deployed = json.loads(sandbox.parameter(app.deployment))["color"]
        return SWITCHED if sandbox.parameter(app.live) == deployed else DEPLOYED

    def leaks(self, sandbox, app):
        """A settled application has its load balancer's two listeners, its two target groups, one group per colour
        with capacity where it stands, no instance outside them and no parameter besides live and deployment."""
        elbv2 = sandbox.client("elbv2")
        found = fleet_leaks(sandbox, app, 1 if self.position(sandbox, app) == ONE_FLEET else 2)
        target_groups = [
            group["TargetGroupName"]
            for group in elbv2.describe_target_groups()["TargetGroups"]
            if group["TargetGroupName"].startswith(f"{app.name}-")
        ]
        if sorted(target_groups) != [f"{app.name}-{color}" for color in COLORS]:
            found.append(f"target groups: {sorted(target_groups)}")
        balancer = elbv2.describe_load_balancers(Names=[app.name])["LoadBalancers"][0]
        ports = sorted(
            item["Port"] for item in elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
        )
        if ports != [80, 8080]:
            found.append(f"listeners on ports {ports}")
        return found

    def settle(self, sandbox, app):
        """What a real target group would have done by the time the next run starts: forgotten old targets."""
        forget_old_targets(sandbox, app)


class CodeDeployApp(App):
    """An application of strategy codedeploy (Sandbox.codedeploy_app): one target group named after it, in which
    CodeDeploy registers the colour it moves the traffic to."""

    @property
    def extra_vars(self):
        return {"bluegreen_app": self.name, "bluegreen_strategy": "codedeploy"}

    @property
    def state_args(self):
        return {"codedeploy_target_group": self.name}


class CodeDeploy:
    """Strategy codedeploy: CodeDeploy copies the live group, and moves the traffic by registering the copy's
    instances in the app's one target group and deregistering the originals'."""

    name = "codedeploy"
    MOVES = {
        ONE_FLEET: {"deploy": DEPLOYED},
        DEPLOYED: {"switch": SWITCHED},
        SWITCHED: {"rollback": ONE_FLEET, "clean": ONE_FLEET},
    }
    # CodeDeploy's statuses of a deployment that has not ended.
    UNFINISHED = ["Created", "Queued", "InProgress", "Baking", "Ready"]

    def apps(self, sandbox, count):
        wanted = [CodeDeployApp(f"cdcrash{index}") for index in range(1, count + 1)]
        for app in wanted:
            if sandbox.parameter(app.live) is None:
                sandbox.codedeploy_app(app.name)
        for app in wanted:
            sandbox.wait_for_healthy(self.target_group(sandbox, app), 1)
            assert self.position(sandbox, app) == ONE_FLEET, sandbox.groups(app.name)
        return wanted

    def step_vars(self, sandbox, app, step):
        """A deploy names its revision: one more than the recorded deployment's."""
        if step != "deploy":
            return {}
        return {"bluegreen_artifact_version": str(next_version(sandbox, app))}

    @staticmethod
    def target_group(sandbox, app):
        return sandbox.client("elbv2").describe_target_groups(Names=[app.name])["TargetGroups"][0]["TargetGroupArn"]

    def registered(self, sandbox, app):
        """{state: [instance ids]} of the targets registered in the app's target group."""
        found = collections.defaultdict(list)
        health = sandbox.client("elbv2").describe_target_health(TargetGroupArn=self.target_group(sandbox, app))
        for item in health["TargetHealthDescriptions"]:
            found[item["TargetHealth"]["State"]].append(item["Target"]["Id"])
        return found

    def colors_of(self, sandbox, app):
        """{instance id: colour} of the instances of the app's groups."""
        return {
            item["InstanceId"]: group_color(group)
            for group in sandbox.groups(app.name).values()
            for item in group["Instances"]
        }

    def production(self, sandbox, app):
        """{colour: percent} of the registered targets that are not draining, by their group's colour."""
        registered = self.registered(sandbox, app)
        colors = self.colors_of(sandbox, app)
        serving = [target for state, targets in registered.items() if state != "draining" for target in targets]
        counts = collections.Counter(colors.get(target) for target in serving)
        return {color: round(100 * count / len(serving)) for color, count in counts.items()}

    def check(self, sandbox, app, completed, where):
        registered = self.registered(sandbox, app)
        colors = self.colors_of(sandbox, app)
        weights = self.production(sandbox, app)
        assert weights, f"{where}: {app.name}'s target group has no target to send production to"
        assert None not in weights, f"{where}: targets of no group of {app.name} take production: {dict(registered)}"
        for color in weights:
            healthy = [target for target in registered["healthy"] if colors.get(target) == color]
            check_fleet(sandbox, app, color, healthy, where)
        groups = sandbox.groups(app.name)
        assert len(groups) <= 2, f"{where}: {app.name} has {len(groups)} Auto Scaling groups: {sorted(groups)}"
        if completed:
            check_completed(sandbox, app, weights, where, app_state(sandbox, app))

    def position(self, sandbox, app):
        if len(sandbox.groups(app.name)) == 1:
            return ONE_FLEET
        deployed = json.loads(sandbox.parameter(app.deployment))["color"]
        return SWITCHED if sandbox.parameter(app.live) == deployed else DEPLOYED

    def leaks(self, sandbox, app):
        """One group where the app has one fleet, two otherwise; no instance outside them; no parameter besides live
        and deployment; CodeDeploy's unfinished deployments only the recorded one, while it has two fleets."""
        found = []
        groups = sandbox.groups(app.name)
        where = self.position(sandbox, app)
        wanted = 1 if where == ONE_FLEET else 2
        if len(groups) != wanted:
            found.append(f"{len(groups)} groups where {wanted} belong: {sorted(groups)}")
        found += fleet_strays(sandbox, app)
        codedeploy = sandbox.client("codedeploy")
        groups_of_app = codedeploy.list_deployment_groups(applicationName=app.name)["deploymentGroups"]
        unfinished = [
            deployment
            for group in groups_of_app
            for deployment in codedeploy.list_deployments(
                applicationName=app.name, deploymentGroupName=group, includeOnlyStatuses=self.UNFINISHED
            )["deployments"]
        ]
        recorded = sandbox.parameter(app.deployment)
        allowed = [] if where == ONE_FLEET else [json.loads(recorded)["codedeploy_deployment_id"]]
        if sorted(unfinished) != allowed:
            found.append(f"CodeDeploy deployments not ended: {unfinished}, where {allowed or 'none'} belong")
        # Once a run has ended, no deployment moves traffic on its own: each waits in Ready, or its originals wait
        # for their termination (a deploy waits for Ready before it ends).
        for info in codedeploy.batch_get_deployments(deploymentIds=unfinished)["deploymentsInfo"] if unfinished else []:
            if info["status"] != "Ready" and not info.get("instanceTerminationWaitTimeStarted"):
                found.append(f"CodeDeploy deployment {info['deploymentId']} is {info['status']}, moving on its own")
        return found

    def settle(self, sandbox, app):
        """Nothing to forget: CodeDeploy deregisters what it moves the traffic from."""


class EfsApp(App):
    """The inventory's application of strategy efs, site: the hosts of bluegreen_web serve its EFS directory."""

    @property
    def extra_vars(self):
        return {"bluegreen_strategy": "efs", "bluegreen_hosts": "bluegreen_web"}


class Efs:
    """Strategy efs: each instance's web root is a symlink to a colour's directory on EFS; the instances are the
    inventory's bluegreen_web (web1, web2), each a real Apache serving its web root."""

    name = "efs"
    HOSTS = ("web1", "web2")
    MOVES = {
        ONE_FLEET: {"deploy": DEPLOYED},
        DEPLOYED: {"switch": SWITCHED},
        SWITCHED: {"rollback": DEPLOYED, "deploy": DEPLOYED, "clean": SWITCHED},
    }

    def apps(self, sandbox, count):
        assert count == 1, "strategy efs has one application in the sandbox, site"
        app = EfsApp("site")
        if sandbox.parameter(app.lock) is not None:
            sandbox.client("ssm").delete_parameter(Name=app.lock)
        self.check(sandbox, app, True, "site before the sweep")
        return [app]

    def step_vars(self, sandbox, app, step):
        """A deploy releases a directory of its own, named by its version: one more than the recorded one's."""
        if step != "deploy":
            return {}
        version = str(next_version(sandbox, app))
        artifact = sandbox.directory / "crash-artifacts" / version
        artifact.mkdir(parents=True, exist_ok=True)
        (artifact / "index.html").write_text(f"<h1>site {version}</h1>\n", encoding="utf-8")
        (artifact / "health").write_text("OK\n", encoding="utf-8")
        return {"bluegreen_artifact": str(artifact), "bluegreen_artifact_version": version}

    def root(self, sandbox, app):
        return sandbox.efs / app.name

    def links(self, sandbox):
        return {host: os.readlink(sandbox.web / host / "html") for host in self.HOSTS}

    def served(self, sandbox, host, path):
        """(status, body) of what the host's Apache answers for ``path`` (inventories/local's port for it)."""
        port = 20000 + (sandbox.port % 1000) * 10 + self.HOSTS.index(host) + 1
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, ""

    def production(self, sandbox, app):
        """{colour: percent} of the instances whose web root is that colour's directory (None: another place)."""
        colors = {str(self.root(sandbox, app) / color): color for color in COLORS}
        counts = collections.Counter(colors.get(link) for link in self.links(sandbox).values())
        return {color: round(100 * count / len(self.HOSTS)) for color, count in counts.items()}

    def check(self, sandbox, app, completed, where):
        """Each instance serves a colour's whole release: its health check answers, and what it serves is the
        release its link points at."""
        weights = self.production(sandbox, app)
        assert None not in weights, f"{where}: a web root points at no colour's directory: {self.links(sandbox)}"
        for host, link in self.links(sandbox).items():
            status = self.served(sandbox, host, "/health")[0]
            assert status == 200, f"{where}: {host}'s health check answers {status} (its web root is {link})"
            status, body = self.served(sandbox, host, "/.release.json")
            assert status == 200, f"{where}: {host} serves no release marker (its web root is {link})"
            marker = json.loads(body)
            on_disk = json.loads((Path(link) / ".release.json").read_text(encoding="utf-8"))
            assert (marker["color"], marker["version"]) == (on_disk["color"], on_disk["version"]), (
                f"{where}: {host} serves {marker['color']} {marker['version']}, its link says "
                f"{on_disk['color']} {on_disk['version']}"
            )
        if completed:
            state = sandbox.module(
                "state_info", app=app.name, symlinks=self.links(sandbox), symlink_root=str(self.root(sandbox, app))
            )
            check_completed(sandbox, app, weights, where, state)

    def position(self, sandbox, app):
        recorded = sandbox.parameter(app.deployment)
        if recorded is None:
            return ONE_FLEET
        return SWITCHED if sandbox.parameter(app.live) == json.loads(recorded)["color"] else DEPLOYED

    def leaks(self, sandbox, app):
        """No parameter besides live and deployment, nothing in the app's EFS directory besides the colours'."""
        found = []
        extra = stray_parameters(sandbox, app, {app.live, app.deployment})
        if extra:
            found.append(f"parameters: {extra}")
        entries = sorted(path.name for path in self.root(sandbox, app).iterdir())
        if [name for name in entries if name not in COLORS]:
            found.append(f"{self.root(sandbox, app)} holds {entries}")
        return found

    def settle(self, sandbox, app):
        """Nothing to forget: the instances serve what their links say as soon as Apache reloads."""


class Route53App(App):
    """An application of strategy route53 beside demo: a load balancer per colour ({name}-blue, {name}-green), the
    live name {name}.example.com aliasing the live colour's and the staging name staging.{name}.internal (a private
    zone of its own) the other's."""

    @property
    def extra_vars(self):
        return {
            "bluegreen_app": self.name,
            "bluegreen_strategy": "route53",
            "bluegreen_dns_poll_interval": 1,
            "bluegreen_load_balancers": {color: f"{self.name}-{color}" for color in COLORS},
            "bluegreen_live_records": {"zone": "example.com", "private_zone": False, "names": [self.name], "type": "A"},
            "bluegreen_staging_records": {
                "zone": f"{self.name}.internal",
                "private_zone": True,
                "names": ["staging"],
                "type": "A",
            },
        }

    @property
    def host_vars(self):
        return {
            **self.extra_vars,
            "ansible_connection": "local",
            "ansible_python_interpreter": "{{ ansible_playbook_python }}",
            "bluegreen_codedeploy_bucket": None,
            "bluegreen_codedeploy_service_role_arn": None,
        }

    @property
    def state_args(self):
        return {
            "load_balancers": self.extra_vars["bluegreen_load_balancers"],
            "live_records": self.extra_vars["bluegreen_live_records"],
        }

    @property
    def fqdn(self):
        return f"{self.name}.example.com."


class Route53(Alb):
    """Strategy route53: the live name aliases the live colour's load balancer (weighted records during a shift),
    each load balancer forwarding to its colour's target group and Auto Scaling group."""

    name = "route53"

    def apps(self, sandbox, count):
        wanted = [Route53App(f"r53crash{index}") for index in range(1, count + 1)]
        missing = [app for app in wanted if sandbox.parameter(app.live) is None]
        if missing:
            provision_apps(sandbox, missing)
        for app in wanted:
            one_fleet(sandbox, app)
        return wanted

    def production(self, sandbox, app):
        """{colour: percent} of the answers for the live name, by the load balancer each of its records aliases."""
        elbv2, route53 = sandbox.client("elbv2"), sandbox.client("route53")
        names = [f"{app.name}-{color}" for color in COLORS]
        colors = {
            lb["DNSName"].lower().rstrip("."): lb["LoadBalancerName"].rsplit("-", 1)[1]
            for lb in elbv2.describe_load_balancers(Names=names)["LoadBalancers"]
        }
        zone = route53.list_hosted_zones_by_name(DNSName="example.com.")["HostedZones"][0]["Id"]
        found = route53.list_resource_record_sets(
            HostedZoneId=zone, StartRecordName=app.fqdn, StartRecordType="A", MaxItems="10"
        )["ResourceRecordSets"]
        records = [item for item in found if item["Name"] == app.fqdn and item["Type"] == "A"]
        weights = collections.Counter()
        for item in records:
            color = colors.get(item["AliasTarget"]["DNSName"].lower().rstrip("."), item["AliasTarget"]["DNSName"])
            weights[color] += item.get("Weight", 1) if "SetIdentifier" in item else 1
        total = sum(weights.values())
        return {color: round(100 * weight / total) for color, weight in weights.items() if weight}

    def check(self, sandbox, app, completed, where):
        weights = self.production(sandbox, app)
        assert weights, f"{where}: {app.fqdn} answers nothing"
        for color in weights:
            assert color in COLORS, f"{where}: {app.fqdn} aliases {color}, no colour's load balancer"
            check_fleet(sandbox, app, color, healthy_targets(sandbox, sandbox.target_group_arn(color, app.name)), where)
        groups = sandbox.groups(app.name)
        assert len(groups) <= 2, f"{where}: {app.name} has {len(groups)} Auto Scaling groups: {sorted(groups)}"
        if completed:
            check_completed(sandbox, app, weights, where, app_state(sandbox, app))

    def leaks(self, sandbox, app):
        """As strategy alb's, with the records of the live name in place of the listeners: one per colour at most."""
        found = fleet_leaks(sandbox, app, 1 if self.position(sandbox, app) == ONE_FLEET else 2)
        route53 = sandbox.client("route53")
        zone = route53.list_hosted_zones_by_name(DNSName="example.com.")["HostedZones"][0]["Id"]
        records = [
            item
            for item in route53.list_resource_record_sets(HostedZoneId=zone, StartRecordName=app.fqdn, MaxItems="20")[
                "ResourceRecordSets"
            ]
            if item["Name"] == app.fqdn
        ]
        if len(records) > 2:
            found.append(f"{len(records)} record sets of {app.fqdn}: {records}")
        return found
