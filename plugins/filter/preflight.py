# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.teal.bluegreen.plugins.module_utils import preflight as planner


def preflight_problems(strategy, **given):
    """Every reason not to read the state; see module_utils/preflight.py for what is given."""
    for name in ("variable_problems", "caller_failures", "missing_hosts"):
        given[name] = list(given.get(name) or [])
    given["links"] = given.get("links") if isinstance(given.get("links"), dict) else {}
    return planner.variable_refusals(strategy, **given)


def preflight_refusals(state, app, operation="switch", owner=None, force_unlock=False, repair=False):
    """The reasons the run does not start, from the registered result of state_info; see module_utils/preflight.py."""
    if not isinstance(state, dict) or "consistent" not in state:
        raise AnsibleFilterError("preflight_refusals expects the registered result of teal.bluegreen.state_info")
    return planner.start_refusals(
        state,
        app,
        operation=operation or "switch",
        owner=owner,
        force_unlock=boolean(force_unlock or False, strict=False),
        repair=boolean(repair or False, strict=False),
    )


class FilterModule:
    def filters(self):
        return {"preflight_problems": preflight_problems, "preflight_refusals": preflight_refusals}
