# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.teal.bluegreen.plugins.module_utils import hooks_settings as checks


def codedeploy_hooks_instance_problems(app, hooks_dir, **settings):
    """Every problem with the settings the codedeploy_hooks role installs; see module_utils/hooks_settings.py."""
    if "efs_mount" in settings:
        settings["efs_mount"] = boolean(settings["efs_mount"] or False, strict=False)
    return checks.instance_problems(app, hooks_dir, **settings)


def codedeploy_hooks_revision_problems(app, hooks_dir, revision_dir=None, appspec_files=()):
    """Every problem with the settings of a revision; see module_utils/hooks_settings.py."""
    return checks.revision_problems(app, hooks_dir, revision_dir=revision_dir, appspec_files=appspec_files)


class FilterModule:
    def filters(self):
        return {
            "codedeploy_hooks_instance_problems": codedeploy_hooks_instance_problems,
            "codedeploy_hooks_revision_problems": codedeploy_hooks_revision_problems,
        }
