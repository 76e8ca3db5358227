# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The codedeploy_hooks role's checks of its variables, one case per variable and kind of bad value."""

from __future__ import annotations

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils.hooks_settings import MOUNT_OPTIONS
from ansible_collections.teal.bluegreen.plugins.module_utils.hooks_settings import appspec_hooks
from ansible_collections.teal.bluegreen.plugins.module_utils.hooks_settings import download_failure
from ansible_collections.teal.bluegreen.plugins.module_utils.hooks_settings import instance_plan
from ansible_collections.teal.bluegreen.plugins.module_utils.hooks_settings import instance_problems
from ansible_collections.teal.bluegreen.plugins.module_utils.hooks_settings import revision_plan
from ansible_collections.teal.bluegreen.plugins.module_utils.hooks_settings import revision_problems

GOOD = {
    "aws_region": "eu-west-1",
    "aws_endpoint_url": None,
    "parameter_prefix": "/bluegreen",
    "settings_group": "root",
    "packages": ["curl", "ruby-full"],
    "efs_root": "/mnt/efs",
    "efs_mount": True,
    "efs_file_system_id": "fs-0123456789abcdef0",
    "efs_mount_helper": None,
    "efs_dns_name": None,
    "efs_mount_options": None,
    "web_root": "/var/www/html",
    "release_require_file": "index.html",
    "web_service": "apache2",
    "check_url": "http://127.0.0.1/",
    "check_status": 200,
    "check_retries": 10,
    "check_delay": 3,
    "check_timeout": 5,
    "check_secret_parameter": None,
    "check_secret_header": "X-Bluegreen-Check",
}


def test_good_settings_have_no_problem():
    assert instance_problems("shop", "/opt/bluegreen", **GOOD) == []


@pytest.mark.parametrize(
    "app, hooks_dir, expected",
    [
        ("shop;rm", "/opt/bluegreen", "bluegreen_app 'shop;rm' is not a valid name"),
        ("..", "/opt/bluegreen", "bluegreen_app '..' is not a valid name"),
        ("shop", "opt/bluegreen", "bluegreen_hooks_dir 'opt/bluegreen' is not an absolute path"),
        ("shop", "/opt/../etc", "bluegreen_hooks_dir '/opt/../etc' is not an absolute path"),
        ("shop", "/opt/./x", "bluegreen_hooks_dir '/opt/./x' is not an absolute path"),
        ("shop", "/opt/blue green", "bluegreen_hooks_dir '/opt/blue green' is not an absolute path"),
    ],
)
def test_the_name_and_the_hooks_directory_of_instances_and_revisions(app, hooks_dir, expected):
    for found in (instance_problems(app, hooks_dir, **GOOD), revision_problems(app, hooks_dir, revision_dir="/tmp/r")):
        assert len(found) == 1 and found[0].startswith(expected)


@pytest.mark.parametrize(
    "changed, expected",
    [
        ({"aws_region": "Europe"}, "bluegreen_aws_region 'Europe' is not a region name like 'eu-west-1'"),
        ({"aws_endpoint_url": "ftp://x"}, "bluegreen_aws_endpoint_url 'ftp://x' is not an http:// or https:// URL"),
        ({"aws_endpoint_url": "http://a b"}, "bluegreen_aws_endpoint_url 'http://a b' is not"),
        ({"parameter_prefix": "bluegreen"}, "bluegreen_parameter_prefix 'bluegreen' is not a parameter path"),
        ({"settings_group": "Web Admins"}, "bluegreen_hooks_settings_group 'Web Admins' is not a group name"),
        (
            {"packages": ["curl", "-rf", "a b"]},
            "bluegreen_hooks_packages has names that are not package names: -rf, a b",
        ),
        ({"efs_root": "/"}, "bluegreen_efs_root '/' is not an absolute path"),
        ({"efs_root": "mnt"}, "bluegreen_efs_root 'mnt' is not an absolute path"),
        ({"efs_file_system_id": None}, "bluegreen_efs_file_system_id is not set: give the id of the EFS file system"),
        ({"efs_file_system_id": "fs-XYZ"}, "bluegreen_efs_file_system_id 'fs-XYZ' is not a file system id"),
        ({"efs_mount_helper": "cifs"}, "bluegreen_efs_mount_helper 'cifs' is neither efs nor nfs"),
        ({"efs_dns_name": "a b"}, "bluegreen_efs_dns_name 'a b' is not a DNS name"),
        ({"efs_mount_options": "tls;reboot"}, "bluegreen_efs_mount_options 'tls;reboot' is not a comma-separated list"),
        ({"web_root": "/"}, "bluegreen_web_root '/' is not an absolute path"),
        ({"release_require_file": "/etc/passwd"}, "bluegreen_release_require_file '/etc/passwd' is not a path inside"),
        ({"release_require_file": "a/../../b"}, "bluegreen_release_require_file 'a/../../b' is not a path inside"),
        ({"web_service": "apache2; reboot"}, "bluegreen_web_service 'apache2; reboot' is not a service name"),
        ({"check_url": "localhost/"}, "bluegreen_hooks_check_url 'localhost/' is not an http:// or https:// URL"),
        ({"check_status": 99}, "bluegreen_hooks_check_status 99 is not an HTTP status (100 to 599)"),
        ({"check_status": "600"}, "bluegreen_hooks_check_status 600 is not an HTTP status"),
        ({"check_retries": 0}, "bluegreen_hooks_check_retries, _delay and _timeout must be at least 1, 0 and 1"),
        ({"check_delay": -1}, "bluegreen_hooks_check_retries, _delay and _timeout"),
        ({"check_secret_parameter": "secret"}, "bluegreen_hooks_check_secret_parameter 'secret' is not the full name"),
        (
            {"check_secret_header": "X Check"},
            "bluegreen_hooks_check_secret_header 'X Check' is not an HTTP header name",
        ),
        ({"check_secret_header": ""}, "bluegreen_hooks_check_secret_header '' is not an HTTP header name"),
    ],
)
def test_each_bad_setting_is_one_sentence_naming_the_variable_and_its_value(changed, expected):
    found = instance_problems("shop", "/opt/bluegreen", **dict(GOOD, **changed))
    assert len(found) == 1, found
    assert found[0].startswith(expected)


@pytest.mark.parametrize(
    "changed",
    [
        {"efs_mount": False, "efs_file_system_id": None},
        {"efs_file_system_id": None, "efs_dns_name": "fs-1.efs.eu-west-1.amazonaws.com"},
        {"aws_endpoint_url": "https://localhost:4599"},
        {"check_secret_parameter": "/shop/check-secret"},
        {"efs_mount_helper": "efs", "efs_mount_options": "_netdev,noresvport,tls"},
    ],
)
def test_settings_that_are_fine_as_given(changed):
    assert instance_problems("shop", "/opt/bluegreen", **dict(GOOD, **changed)) == []


@pytest.mark.parametrize(
    "revision_dir, files, expected",
    [
        ("/tmp/r", [{"source": "bluegreen/", "destination": "/opt/bluegreen/revision"}], []),
        (None, [], ["bluegreen_codedeploy_revision_dir is not set"]),
        ("/tmp/r", [{"source": "../x", "destination": "/srv"}], ["bluegreen_appspec_files: each source"]),
        ("/tmp/r", [{"source": "a b", "destination": "/srv"}], ["bluegreen_appspec_files: each source"]),
        ("/tmp/r", [{"source": "content/", "destination": "srv"}], ["bluegreen_appspec_files: each source"]),
    ],
)
def test_a_revision_needs_a_directory_and_appspec_files_inside_it(revision_dir, files, expected):
    found = revision_problems("shop", "/opt/bluegreen", revision_dir=revision_dir, appspec_files=files)
    assert len(found) == len(expected)
    for message, start in zip(found, expected):
        assert message.startswith(start)


EXTRA = {
    "web_root_replace_directory": False,
    "web_root_owner": None,
    "web_root_group": "www-data",
    "web_service_action": "reload",
    "check_body": None,
}


def plan(os_family="Debian", distribution="Debian", **changed):
    variables = {**GOOD, "web_service": None, **EXTRA, **changed}
    facts = {"host": "web1", "os_family": os_family, "distribution": distribution}
    return instance_plan("shop", "/opt/bluegreen/", **facts, **variables)


def test_the_settings_the_hooks_read():
    assert plan()["settings"] == {
        "BLUEGREEN_APP": "shop",
        "BLUEGREEN_AWS_REGION": "eu-west-1",
        "BLUEGREEN_AWS_ENDPOINT_URL": "",
        "BLUEGREEN_LIVE_PARAMETER": "/bluegreen/shop/live",
        "BLUEGREEN_PACKAGES": "curl ruby-full",
        "BLUEGREEN_EFS_MOUNT": "true",
        "BLUEGREEN_EFS_ROOT": "/mnt/efs",
        "BLUEGREEN_EFS_FILE_SYSTEM_ID": "fs-0123456789abcdef0",
        "BLUEGREEN_EFS_MOUNT_HELPER": "nfs",
        "BLUEGREEN_EFS_MOUNT_OPTIONS": MOUNT_OPTIONS["nfs"],
        "BLUEGREEN_EFS_DNS_NAME": "",
        "BLUEGREEN_RELEASES_ROOT": "/mnt/efs/shop",
        "BLUEGREEN_WEB_ROOT": "/var/www/html",
        "BLUEGREEN_WEB_ROOT_REPLACE_DIRECTORY": "false",
        "BLUEGREEN_WEB_ROOT_OWNER": "",
        "BLUEGREEN_WEB_ROOT_GROUP": "www-data",
        "BLUEGREEN_REQUIRE_FILE": "index.html",
        "BLUEGREEN_WEB_SERVICE": "apache2",
        "BLUEGREEN_WEB_SERVICE_ACTION": "reload",
        "BLUEGREEN_CHECK_URL": "http://127.0.0.1/",
        "BLUEGREEN_CHECK_STATUS": 200,
        "BLUEGREEN_CHECK_BODY": "",
        "BLUEGREEN_CHECK_RETRIES": 10,
        "BLUEGREEN_CHECK_DELAY": 3,
        "BLUEGREEN_CHECK_TIMEOUT": 5,
        "BLUEGREEN_CHECK_SECRET_PARAMETER": "",
        "BLUEGREEN_CHECK_SECRET_HEADER": "X-Bluegreen-Check",
    }
    assert plan()["scripts_dir"] == "/opt/bluegreen/hooks"
    given = plan(parameter_prefix="/teams/web/", efs_root="/srv/efs//", check_body="", aws_endpoint_url="http://e:1")
    assert given["settings"]["BLUEGREEN_LIVE_PARAMETER"] == "/teams/web/shop/live"
    assert given["settings"]["BLUEGREEN_RELEASES_ROOT"] == "/srv/efs/shop"
    assert given["settings"]["BLUEGREEN_CHECK_BODY"] == ""
    assert given["settings"]["BLUEGREEN_AWS_ENDPOINT_URL"] == "http://e:1"


@pytest.mark.parametrize(
    "os_family, distribution, changed, helper, options, service, packages, agent",
    [
        (
            "Debian",
            "Ubuntu",
            {},
            "nfs",
            MOUNT_OPTIONS["nfs"],
            "apache2",
            ["curl", "python3", "python3-boto3", "nfs-common"],
            ["ruby-full", "wget"],
        ),
        (
            "Debian",
            "Debian",
            {"efs_mount": False},
            "nfs",
            MOUNT_OPTIONS["nfs"],
            "apache2",
            ["curl", "python3", "python3-boto3"],
            ["ruby-full", "wget"],
        ),
        (
            "Debian",
            "Debian",
            {"efs_mount_helper": "efs"},
            "efs",
            MOUNT_OPTIONS["efs"],
            "apache2",
            ["curl", "python3", "python3-boto3"],
            ["ruby-full", "wget"],
        ),
        (
            "RedHat",
            "Amazon",
            {},
            "efs",
            MOUNT_OPTIONS["efs"],
            "httpd",
            ["python3", "python3-boto3", "amazon-efs-utils"],
            ["ruby", "wget"],
        ),
        (
            "RedHat",
            "Amazon",
            {"efs_mount_helper": "nfs"},
            "nfs",
            MOUNT_OPTIONS["nfs"],
            "httpd",
            ["python3", "python3-boto3", "nfs-utils"],
            ["ruby", "wget"],
        ),
        (
            "RedHat",
            "Rocky",
            {"web_service": "nginx", "efs_mount_options": "tls"},
            "nfs",
            "tls",
            "nginx",
            ["python3", "python3-boto3", "nfs-utils"],
            ["ruby", "wget"],
        ),
    ],
    ids=["ubuntu", "debian without a mount", "debian with efs-utils", "amazon linux", "amazon linux with nfs", "rocky"],
)
def test_what_an_instance_gets_follows_its_os_family(
    os_family, distribution, changed, helper, options, service, packages, agent
):
    found = plan(os_family, distribution, **changed)
    settings = found["settings"]
    assert (settings["BLUEGREEN_EFS_MOUNT_HELPER"], settings["BLUEGREEN_EFS_MOUNT_OPTIONS"]) == (helper, options)
    assert settings["BLUEGREEN_WEB_SERVICE"] == service
    assert (found["packages"], found["agent_packages"]) == (packages, agent)
    assert found["problems"] == []


def test_an_instance_of_another_family_is_refused_first():
    found = plan("Suse", "openSUSE Leap", aws_region="Europe")["problems"]
    assert found == [
        "web1 runs openSUSE Leap (Suse family): the hooks and the agent are installed on Amazon Linux 2 and 2023 (and "
        "the RedHat family), Debian and Ubuntu only",
        "bluegreen_aws_region 'Europe' is not a region name like 'eu-west-1'",
    ]


def test_appspec_hooks_are_merged_over_the_defaults_by_event_and_key():
    hooks = appspec_hooks({"ValidateService": {"runas": "nobody"}, "AfterAllowTraffic": {"enabled": False}})
    assert hooks["ValidateService"] == {"enabled": True, "timeout": 300, "runas": "nobody"}
    assert hooks["AfterAllowTraffic"]["enabled"] is False
    assert appspec_hooks(None) == appspec_hooks({})


def test_a_revision_s_events_come_in_the_order_codedeploy_runs_them():
    found = revision_plan(
        "shop",
        "/opt/bluegreen/shop/",
        revision_dir="/tmp/r",
        hooks={
            "AfterAllowTraffic": {"enabled": "false"},
            "ApplicationStop": {"timeout": 60, "runas": "root"},
            "BeforeInstall": {"timeout": "3600"},
        },
    )
    assert found["problems"] == []
    assert [(item["event"], item["timeout"], item["runas"]) for item in found["events"]] == [
        ("ApplicationStop", 60, "root"),
        ("BeforeInstall", 3600, "root"),
        ("AfterInstall", 300, "root"),
        ("ApplicationStart", 300, "root"),
        ("ValidateService", 300, "root"),
        ("BeforeAllowTraffic", 300, "root"),
    ]
    assert found["files"] == [{"source": "bluegreen/", "destination": "/opt/bluegreen/shop/revision"}]
    assert found["scripts_dir"] == "/opt/bluegreen/shop/hooks"
    files = [{"source": "/", "destination": "/srv/shop"}]
    assert revision_plan("shop", "/opt/b", revision_dir="/tmp/r", appspec_files=files)["files"] == files


@pytest.mark.parametrize(
    "hooks, expected",
    [
        (
            {"BeforeInstall": {"timeout": 3601}},
            "the BeforeInstall hook has timeout 3601 and runas 'root': CodeDeploy allows 1 to 3600 seconds for the "
            "scripts of one event, and runas must be a user name",
        ),
        ({"ValidateService": {"timeout": 0}}, "the ValidateService hook has timeout 0 and runas 'root'"),
        ({"ValidateService": {"timeout": "soon"}}, "the ValidateService hook has timeout soon"),
        ({"AfterInstall": {"runas": "web user"}}, "the AfterInstall hook has timeout 300 and runas 'web user'"),
        ({"Install": {"timeout": 60}}, "bluegreen_appspec_hooks names Install, which CodeDeploy runs no scripts for"),
    ],
)
def test_a_hook_codedeploy_would_refuse_is_named(hooks, expected):
    found = revision_plan("shop", "/opt/b", revision_dir="/tmp/r", hooks=hooks)["problems"]
    assert len(found) == 1 and found[0].startswith(expected), found


def test_a_disabled_hook_is_not_checked():
    hooks = {"BeforeInstall": {"enabled": False, "timeout": 0}}
    assert revision_plan("shop", "/opt/b", revision_dir="/tmp/r", hooks=hooks)["problems"] == []


def test_an_installer_that_could_not_be_downloaded_is_explained():
    url = "https://aws-codedeploy-eu-west-1.s3.eu-west-1.amazonaws.com/latest/install"
    assert download_failure({"msg": "Request failed: timed out"}, url, "web1", "eu-west-1") == (
        f"could not download the CodeDeploy agent's installer from {url} on web1: Request failed: timed out. The "
        "instance needs HTTPS access to S3 in eu-west-1 (a NAT gateway or an S3 gateway endpoint in its VPC), or bake "
        "the agent into the AMI and set bluegreen_codedeploy_agent_install to false; nothing was installed"
    )
    assert ": no answer. " in download_failure(None, url, "web1", "eu-west-1")
