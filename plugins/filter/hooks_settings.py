# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.teal.bluegreen.plugins.module_utils import hooks_settings as checks


def codedeploy_hooks_instance(facts, app, hooks_dir, host=None, **variables):
    """What the codedeploy_hooks role installs on an instance with these facts; see module_utils/hooks_settings.py."""
    facts = facts if isinstance(facts, dict) else {}
    for name in ("efs_mount", "web_root_replace_directory"):
        if name in variables:
            variables[name] = boolean(variables[name] or False, strict=False)
    return checks.instance_plan(
        app, hooks_dir, host=host, os_family=facts.get("os_family"), distribution=facts.get("distribution"), **variables
    )


def codedeploy_hooks_revision(app, hooks_dir, revision_dir=None, appspec_files=None, hooks=None):
    """The revision the codedeploy_hooks role renders; see module_utils/hooks_settings.py."""
    return checks.revision_plan(app, hooks_dir, revision_dir=revision_dir, appspec_files=appspec_files, hooks=hooks)


def codedeploy_agent_download_failure(download, url, host, region):
    """Why the CodeDeploy agent's installer could not be downloaded; see module_utils/hooks_settings.py."""
    return checks.download_failure(download if isinstance(download, dict) else {}, url, host, region)


class FilterModule:
    def filters(self):
        return {
            "codedeploy_hooks_instance": codedeploy_hooks_instance,
            "codedeploy_hooks_revision": codedeploy_hooks_revision,
            "codedeploy_agent_download_failure": codedeploy_agent_download_failure,
        }
