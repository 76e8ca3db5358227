# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The colour target groups, as every module that reads or moves ALB traffic takes them.
    DOCUMENTATION = r"""
options:
  target_groups:
    description:
      - The target group of each colour, by name or ARN.
      - When omitted, the target groups tagged C(bluegreen:app=<app>) are used, their colour taken
        from their C(bluegreen:color) tag.
    type: dict
    suboptions:
      blue:
        description: Target group of the blue colour.
        type: str
        required: true
      green:
        description: Target group of the green colour.
        type: str
        required: true
"""
