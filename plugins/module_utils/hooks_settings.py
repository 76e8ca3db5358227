# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The checks the codedeploy_hooks role makes of its variables before anything changes on an instance.

Every value the role writes into the hooks' settings file, the agent's configuration or a mount is checked against
what the shell, systemd, mount and HTTP accept, so that nothing the role installs can be led astray by a value. Each
problem is one sentence naming the variable, its value and what to give; the role stops on them.
"""

from __future__ import annotations

import re

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


def _fails(pattern, value):
    return not pattern.match(str(value) if value is not None else "")


def _number(value, default=0):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


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
