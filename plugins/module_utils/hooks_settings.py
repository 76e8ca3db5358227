# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The codedeploy_hooks role's decisions: the checks of its variables, what it installs on an instance, and the hooks
of the revision it renders.

Every value the role writes into the hooks' settings file, the agent's configuration or a mount is checked against
what the shell, systemd, mount and HTTP accept, so that nothing the role installs can be led astray by a value. Each
problem is one sentence naming the variable, its value and what to give; the role stops on them. What an instance
gets (the settings the hooks read, the packages they and the agent's installer need) follows its OS family.
"""

from __future__ import annotations

import re

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.teal.bluegreen.plugins.module_utils.release_settings import require_file_problem

NAME = re.compile(r"^[A-Za-z0-9._-]+$")
PATH = re.compile(r"^/[A-Za-z0-9._/-]*$")
USER = re.compile(r"^[a-z_][a-z0-9_-]*[$]?$")
# A field name of HTTP (a token of RFC 9110), and a fully qualified SSM parameter name.
HEADER = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
PARAMETER = re.compile(r"^(/[A-Za-z0-9._-]+)+$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")
URL = re.compile(r"^https?://[^\s]+$")
PREFIX = re.compile(r"^(/[A-Za-z0-9._-]+)+/?$")
PACKAGE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9+._:=~-]*$")
DOTS = re.compile(r"(^|/)[.][.]?(/|$)")
PARENT = re.compile(r"(^|/)[.][.](/|$)")
# A path inside the revision, as appspec.yml's files name their sources.
SOURCE = re.compile(r"^[A-Za-z0-9._/-]+$")
TRAILING_SLASHES = re.compile(r"(?<=.)/+$")

# The events whose hooks CodeDeploy runs on EC2 and on-premises instances, in the order it runs them in a deployment
# with a load balancer. In a blue/green deployment, the replacement instances run ApplicationStop to ValidateService,
# then BeforeAllowTraffic and AfterAllowTraffic; the original instances the block events.
LIFECYCLE = (
    "ApplicationStop",
    "BeforeInstall",
    "AfterInstall",
    "ApplicationStart",
    "ValidateService",
    "BeforeBlockTraffic",
    "AfterBlockTraffic",
    "BeforeAllowTraffic",
    "AfterAllowTraffic",
)
# The events the role has a hook for: those of a replacement instance. ApplicationStop runs the scripts of the
# revision last installed on an instance, and a replacement instance has none. Timeouts in seconds; CodeDeploy allows
# at most 3600 for all the scripts of one event.
EVENT_DEFAULTS = {
    "BeforeInstall": {"enabled": True, "timeout": 900, "runas": "root"},
    "AfterInstall": {"enabled": True, "timeout": 300, "runas": "root"},
    "ApplicationStart": {"enabled": True, "timeout": 300, "runas": "root"},
    "ValidateService": {"enabled": True, "timeout": 300, "runas": "root"},
    "BeforeAllowTraffic": {"enabled": True, "timeout": 300, "runas": "root"},
    "AfterAllowTraffic": {"enabled": True, "timeout": 120, "runas": "root"},
}
MAX_EVENT_SECONDS = 3600
# What AWS recommends for each mount helper: https://docs.aws.amazon.com/efs/latest/ug/mounting-fs-mount-helper-ec2-linux.html
# and https://docs.aws.amazon.com/efs/latest/ug/mounting-fs-nfs-mount-settings.html
MOUNT_OPTIONS = {
    "efs": "_netdev,noresvport,tls",
    "nfs": "nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport,_netdev",
}
FAMILIES = ("Debian", "RedHat")


def _fails(pattern, value):
    return not pattern.match(str(value) if value is not None else "")


def _number(value, default=0):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _stripped(path):
    """A path without its trailing slashes (but "/" itself)."""
    return TRAILING_SLASHES.sub("", str(path or ""))


def _flag(value):
    return "true" if value else "false"


def common_problems(app, hooks_dir):
    """The application's name and the hooks' directory, which both the instances and the revision use."""
    found = []
    if _fails(NAME, app) or str(app) in (".", ".."):
        found.append(f"bluegreen_app '{app}' is not a valid name: use letters, digits, '.', '_' or '-' (like 'shop')")
    if _fails(PATH, hooks_dir) or DOTS.search(str(hooks_dir)):
        found.append(
            f"bluegreen_hooks_dir '{hooks_dir}' is not an absolute path of letters, digits, '.', '_', '-' and '/'"
        )
    return found


def instance_problems(
    app,
    hooks_dir,
    aws_region=None,
    aws_endpoint_url=None,
    parameter_prefix=None,
    settings_group=None,
    packages=(),
    efs_root=None,
    efs_mount=False,
    efs_file_system_id=None,
    efs_mount_helper=None,
    efs_dns_name=None,
    efs_mount_options=None,
    web_root=None,
    release_require_file=None,
    web_service=None,
    check_url=None,
    check_status=200,
    check_retries=1,
    check_delay=0,
    check_timeout=1,
    check_secret_parameter=None,
    check_secret_header=None,
):
    """Every problem with the settings the role installs on an instance, in the order of the role's variables."""
    found = common_problems(app, hooks_dir)
    if _fails(REGION, aws_region):
        found.append(f"bluegreen_aws_region '{aws_region}' is not a region name like 'eu-west-1'")
    if aws_endpoint_url and _fails(URL, aws_endpoint_url):
        found.append(f"bluegreen_aws_endpoint_url '{aws_endpoint_url}' is not an http:// or https:// URL")
    if _fails(PREFIX, parameter_prefix):
        found.append(f"bluegreen_parameter_prefix '{parameter_prefix}' is not a parameter path like '/bluegreen'")
    if _fails(USER, settings_group):
        found.append(f"bluegreen_hooks_settings_group '{settings_group}' is not a group name")
    bad_packages = [str(package) for package in packages or [] if _fails(PACKAGE, package)]
    if bad_packages:
        found.append(f"bluegreen_hooks_packages has names that are not package names: {', '.join(bad_packages)}")
    if _fails(PATH, efs_root) or efs_root == "/":
        found.append(
            f"bluegreen_efs_root '{efs_root}' is not an absolute path of letters, digits, '.', '_', '-' and '/'"
        )
    if efs_mount and not efs_file_system_id and not efs_dns_name:
        found.append(
            "bluegreen_efs_file_system_id is not set: give the id of the EFS file system to mount (like "
            "'fs-0123456789abcdef0'), or set bluegreen_efs_mount to false"
        )
    if efs_file_system_id and not re.match(r"^fs-[0-9a-f]+$", str(efs_file_system_id)):
        found.append(
            f"bluegreen_efs_file_system_id '{efs_file_system_id}' is not a file system id like 'fs-0123456789abcdef0'"
        )
    if efs_mount_helper not in (None, "efs", "nfs"):
        found.append(
            f"bluegreen_efs_mount_helper '{efs_mount_helper}' is neither efs nor nfs (nor null, for the distribution's)"
        )
    if efs_dns_name and not re.match(r"^[A-Za-z0-9.-]+$", str(efs_dns_name)):
        found.append(f"bluegreen_efs_dns_name '{efs_dns_name}' is not a DNS name")
    if efs_mount_options and not re.match(r"^[A-Za-z0-9_.=,-]+$", str(efs_mount_options)):
        found.append(
            f"bluegreen_efs_mount_options '{efs_mount_options}' is not a comma-separated list of mount options"
        )
    if not re.match(r"^/.", str(web_root or "")):
        found.append(f"bluegreen_web_root '{web_root}' is not an absolute path")
    found += [problem for problem in [require_file_problem(release_require_file)] if problem]
    if web_service and not re.match(r"^[A-Za-z0-9@._-]+$", str(web_service)):
        found.append(f"bluegreen_web_service '{web_service}' is not a service name")
    if _fails(URL, check_url):
        found.append(f"bluegreen_hooks_check_url '{check_url}' is not an http:// or https:// URL")
    if not 100 <= _number(check_status) <= 599:
        found.append(f"bluegreen_hooks_check_status {check_status} is not an HTTP status (100 to 599)")
    if _number(check_retries) < 1 or _number(check_delay) < 0 or _number(check_timeout) < 1:
        found.append("bluegreen_hooks_check_retries, _delay and _timeout must be at least 1, 0 and 1")
    if check_secret_parameter and _fails(PARAMETER, check_secret_parameter):
        found.append(
            f"bluegreen_hooks_check_secret_parameter '{check_secret_parameter}' is not the full name of an SSM "
            f"parameter: give its path from the root, like '/{app}/check-secret'"
        )
    if _fails(HEADER, check_secret_header or ""):
        found.append(
            f"bluegreen_hooks_check_secret_header '{check_secret_header}' is not an HTTP header name: use letters, "
            "digits and '-', like 'X-Bluegreen-Check'"
        )
    return found


def revision_problems(app, hooks_dir, revision_dir=None, appspec_files=()):
    """Every problem with the settings of a revision the role renders for CodeDeploy."""
    found = common_problems(app, hooks_dir)
    if not revision_dir:
        found.append("bluegreen_codedeploy_revision_dir is not set: give the directory to render the revision into")
    files = list(appspec_files or [])
    sources = [str(item.get("source")) for item in files]
    destinations = [item.get("destination") for item in files]
    if (
        [source for source in sources if _fails(SOURCE, source)]
        or [source for source in sources if PARENT.search(source)]
        or [destination for destination in destinations if _fails(PATH, destination)]
    ):
        found.append(
            "bluegreen_appspec_files: each source must be a path in the revision and each destination an absolute "
            "path, of letters, digits, '.', '_', '-' and '/'"
        )
    return found


def platform_problem(host, os_family, distribution):
    """Why the hooks and the agent cannot be installed on ``host``, from its facts: one sentence, or None."""
    if os_family in FAMILIES:
        return None
    return (
        f"{host} runs {distribution} ({os_family} family): the hooks and the agent are installed on Amazon Linux 2 and "
        "2023 (and the RedHat family), Debian and Ubuntu only"
    )


def instance_plan(app, hooks_dir, host=None, os_family=None, distribution=None, **variables):
    """What the role installs on an instance, from its facts and the role's variables (named as instance_problems
    names them, plus ``web_root_replace_directory``, ``web_root_owner``, ``web_root_group``, ``web_service_action``
    and ``check_body``).

    Returns ``problems`` (the platform first, then instance_problems'), ``scripts_dir`` (where the hooks go),
    ``packages`` (what the hooks run: curl for the HTTP checks, Python 3 and boto3 to read the live parameter, the
    mount helper), ``agent_packages`` (Ruby, which the agent's installer runs on, and wget, which AWS's instructions
    download it with) and ``settings``, the values the hooks read from hooks.env. Amazon Linux is of the RedHat family,
    where AWS documents the same installation of the agent; the mount helper is efs there (amazon-efs-utils is a
    package of the distribution), nfs elsewhere.
    """
    extra = {
        name: variables.pop(name, None)
        for name in (
            "web_root_replace_directory",
            "web_root_owner",
            "web_root_group",
            "web_service_action",
            "check_body",
        )
    }
    platform = platform_problem(host, os_family, distribution)
    problems = ([platform] if platform else []) + instance_problems(app, hooks_dir, **variables)
    debian = os_family == "Debian"
    helper = variables.get("efs_mount_helper") or ("efs" if distribution == "Amazon" else "nfs")
    packages = ["curl", "python3", "python3-boto3"] if debian else ["python3", "python3-boto3"]
    if variables.get("efs_mount"):
        if debian and helper == "nfs":
            packages.append("nfs-common")
        elif os_family == "RedHat":
            packages.append("amazon-efs-utils" if helper == "efs" else "nfs-utils")
    efs_root = _stripped(variables.get("efs_root"))
    check_body = extra["check_body"]
    settings = {
        "BLUEGREEN_APP": app,
        "BLUEGREEN_AWS_REGION": variables.get("aws_region"),
        "BLUEGREEN_AWS_ENDPOINT_URL": variables.get("aws_endpoint_url") or "",
        "BLUEGREEN_LIVE_PARAMETER": f"{str(variables.get('parameter_prefix') or '').rstrip('/')}/{app}/live",
        "BLUEGREEN_PACKAGES": " ".join(str(package) for package in variables.get("packages") or []),
        "BLUEGREEN_EFS_MOUNT": _flag(variables.get("efs_mount")),
        "BLUEGREEN_EFS_ROOT": efs_root,
        "BLUEGREEN_EFS_FILE_SYSTEM_ID": variables.get("efs_file_system_id") or "",
        "BLUEGREEN_EFS_MOUNT_HELPER": helper,
        "BLUEGREEN_EFS_MOUNT_OPTIONS": variables.get("efs_mount_options")
        or MOUNT_OPTIONS["efs" if helper == "efs" else "nfs"],
        "BLUEGREEN_EFS_DNS_NAME": variables.get("efs_dns_name") or "",
        "BLUEGREEN_RELEASES_ROOT": f"{efs_root}/{app}",
        "BLUEGREEN_WEB_ROOT": variables.get("web_root"),
        "BLUEGREEN_WEB_ROOT_REPLACE_DIRECTORY": _flag(extra["web_root_replace_directory"]),
        "BLUEGREEN_WEB_ROOT_OWNER": extra["web_root_owner"] or "",
        "BLUEGREEN_WEB_ROOT_GROUP": extra["web_root_group"] or "",
        "BLUEGREEN_REQUIRE_FILE": variables.get("release_require_file") or "",
        "BLUEGREEN_WEB_SERVICE": variables.get("web_service") or ("apache2" if debian else "httpd"),
        "BLUEGREEN_WEB_SERVICE_ACTION": extra["web_service_action"],
        "BLUEGREEN_CHECK_URL": variables.get("check_url"),
        "BLUEGREEN_CHECK_STATUS": variables.get("check_status"),
        "BLUEGREEN_CHECK_BODY": check_body if check_body is not None else "",
        "BLUEGREEN_CHECK_RETRIES": variables.get("check_retries"),
        "BLUEGREEN_CHECK_DELAY": variables.get("check_delay"),
        "BLUEGREEN_CHECK_TIMEOUT": variables.get("check_timeout"),
        # The name of the secret's parameter only: the hooks read its value when they check.
        "BLUEGREEN_CHECK_SECRET_PARAMETER": variables.get("check_secret_parameter") or "",
        "BLUEGREEN_CHECK_SECRET_HEADER": variables.get("check_secret_header") or "",
    }
    return {
        "problems": problems,
        "scripts_dir": f"{_stripped(hooks_dir)}/hooks",
        "packages": packages,
        "agent_packages": ["ruby-full", "wget"] if debian else ["ruby", "wget"],
        "settings": {name: "" if value is None else value for name, value in settings.items()},
    }


def download_failure(download, url, host, region):
    """Why the agent's installer could not be downloaded from ``url`` (``download``, get_url's result), and what to
    do: give the instance HTTPS access to S3, or bake the agent into the AMI."""
    reason = (download or {}).get("msg") or "no answer"
    return (
        f"could not download the CodeDeploy agent's installer from {url} on {host}: {reason}. The instance needs HTTPS "
        f"access to S3 in {region} (a NAT gateway or an S3 gateway endpoint in its VPC), or bake the agent into the AMI "
        "and set bluegreen_codedeploy_agent_install to false; nothing was installed"
    )


def appspec_hooks(overrides=None):
    """The hooks of appspec.yml: ``overrides`` (bluegreen_appspec_hooks, by event, any of enabled, timeout and runas)
    merged over EVENT_DEFAULTS, by event and key."""
    merged = {event: dict(values) for event, values in EVENT_DEFAULTS.items()}
    for event, values in (overrides or {}).items():
        merged[event] = dict(merged.get(event, {"enabled": True}), **(values or {}))
    return merged


def hook_problems(hooks):
    """Every event of ``hooks`` (appspec_hooks') that CodeDeploy would refuse: one it runs no scripts for, or an enabled
    one whose timeout is not 1 to 3600 seconds or whose runas is not a user name."""
    found = []
    unknown = [str(event) for event in hooks if event not in LIFECYCLE]
    if unknown:
        found.append(
            f"bluegreen_appspec_hooks names {', '.join(unknown)}, which CodeDeploy runs no scripts for: name events of "
            f"{', '.join(LIFECYCLE)}"
        )
    for event in LIFECYCLE:
        values = hooks.get(event) or {}
        if not values or not boolean(values.get("enabled", True), strict=False):
            continue
        timeout, runas = values.get("timeout"), values.get("runas")
        if not 1 <= _number(timeout) <= MAX_EVENT_SECONDS or _fails(USER, runas):
            found.append(
                f"the {event} hook has timeout {timeout} and runas '{runas}': CodeDeploy allows 1 to "
                f"{MAX_EVENT_SECONDS} seconds for the scripts of one event, and runas must be a user name"
            )
    return found


def appspec_events(hooks):
    """The enabled events of ``hooks`` in the order CodeDeploy runs them, each with its timeout and runas."""
    return [
        {"event": event, "timeout": _number(hooks[event].get("timeout")), "runas": hooks[event].get("runas")}
        for event in LIFECYCLE
        if event in hooks and boolean(hooks[event].get("enabled", True), strict=False)
    ]


def revision_plan(app, hooks_dir, revision_dir=None, appspec_files=None, hooks=None):
    """The revision the role renders: ``problems`` (revision_problems', then hook_problems'), ``files`` (what the
    Install event copies: bluegreen_appspec_files, or by default the revision's bluegreen/ directory to
    <hooks_dir>/revision, a record of the revision each instance runs), ``events`` (appspec_events') and
    ``scripts_dir``, where the hooks are on the instances. ``hooks`` is bluegreen_appspec_hooks (see appspec_hooks)."""
    if appspec_files is None:
        appspec_files = [{"source": "bluegreen/", "destination": f"{_stripped(hooks_dir)}/revision"}]
    merged = appspec_hooks(hooks)
    return {
        "problems": revision_problems(app, hooks_dir, revision_dir, appspec_files) + hook_problems(merged),
        "files": list(appspec_files),
        "events": appspec_events(merged),
        "scripts_dir": f"{_stripped(hooks_dir)}/hooks",
    }
