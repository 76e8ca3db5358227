# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The load balancer of each colour (strategy route53), runtime.COLOR_NAMES_SPEC. Each module gives the
    # option's description, since what it does with them differs, and whether it is required.
    DOCUMENTATION = r"""
options:
  load_balancers:
    type: dict
    suboptions:
      blue:
        description: Name or ARN of the blue colour's load balancer.
        type: str
        required: true
      green:
        description: Name or ARN of the green colour's load balancer.
        type: str
        required: true
"""
