# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The health guard's options (module_utils/health.py). Each module describes min_healthy_targets and
    # health_wait_timeout itself, since what they guard differs.
    DOCUMENTATION = r"""
options:
  min_healthy_targets:
    type: int
    default: 1
  health_wait_timeout:
    type: int
    default: 0
  health_poll_interval:
    description: Seconds between two health checks while waiting.
    type: int
    default: 5
"""
