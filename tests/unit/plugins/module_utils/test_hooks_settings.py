# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The codedeploy_hooks role's checks of its variables, one case per variable and kind of bad value."""

from __future__ import annotations

import pytest

from ansible_collections.teal.bluegreen.plugins.module_utils.hooks_settings import instance_problems
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
