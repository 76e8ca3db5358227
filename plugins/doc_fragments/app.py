# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The application, as the modules that read or write its SSM parameters take it.
    DOCUMENTATION = r"""
options:
  app:
    description:
      - Name of the application, the value of the C(bluegreen:app) tag on its resources.
      - Letters, digits, C(.), C(_) and C(-) only, because it is part of the names of its SSM parameters.
    type: str
    required: true
  parameter_prefix:
    description:
      - Path under which the app's parameters C(<prefix>/<app>/live) and C(<prefix>/<app>/lock) live.
    type: str
    default: /bluegreen
"""
