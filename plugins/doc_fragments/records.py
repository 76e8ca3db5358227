# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The type and suboptions of the options naming Route 53 alias records (runtime.RECORDS_SPEC). What the
    # records are for differs from module to module, so each module gives the option's description (and whether it
    # is required).

    # The live names, those that carry the production traffic.
    DOCUMENTATION = r"""
options:
  live_records:
    type: dict
    suboptions:
      zone:
        description: Name (C(example.com)) or id (C(Z123EXAMPLE)) of the hosted zone.
        type: str
        required: true
      private_zone:
        description: Whether the zone is a private hosted zone; a public and a private zone may share a name.
        type: bool
        default: false
      names:
        description:
          - Record names, relative to the zone (C(www)) or fully qualified (C(www.example.com)).
          - A name that ends with a dot is absolute and must be inside the zone.
        type: list
        elements: str
        required: true
      type:
        description: Record type of the alias records. C(AAAA) needs load balancers with IPv6 (dualstack).
        type: str
        choices: [A, AAAA]
        default: A
"""

    # The staging names (teal.bluegreen.records.staging), which reach the colour that is not live. Their suboptions
    # are those of live_records, written again because ansible-test's yamllint takes each attribute of a doc
    # fragment to be a string literal of its own.
    STAGING = r"""
options:
  staging_records:
    type: dict
    suboptions:
      zone:
        description: Name (C(example.com)) or id (C(Z123EXAMPLE)) of the hosted zone.
        type: str
        required: true
      private_zone:
        description: Whether the zone is a private hosted zone; a public and a private zone may share a name.
        type: bool
        default: false
      names:
        description:
          - Record names, relative to the zone (C(www)) or fully qualified (C(www.example.com)).
          - A name that ends with a dot is absolute and must be inside the zone.
        type: list
        elements: str
        required: true
      type:
        description: Record type of the alias records. C(AAAA) needs load balancers with IPv6 (dualstack).
        type: str
        choices: [A, AAAA]
        default: A
"""
