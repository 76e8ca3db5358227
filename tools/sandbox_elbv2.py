"""The sandbox's Elastic Load Balancing v2: moto's, with the ARNs of network and gateway load balancers as AWS makes them.

What moto 5.2.5 does (moto/elbv2/utils.py, ``make_arn_for_load_balancer``): every load balancer's ARN reads
``loadbalancer/app/<name>/<id>``, whatever its type, and its listeners' and rules' ARNs follow it
(``listener/app/...``, ``listener-rule/app/...``).

What AWS documents (Service Authorization Reference, "Actions, resources, and condition keys for Elastic Load
Balancing V2", resource types): an application load balancer is ``loadbalancer/app/<name>/<id>`` with listeners
``listener/app/...``; a network load balancer ``loadbalancer/net/<name>/<id>`` with listeners ``listener/net/...``;
a gateway load balancer ``loadbalancer/gwy/...`` with ``listener/gwy/...``. IAM policies tell them apart by these ARNs
(``arn:aws:elasticloadbalancing:*:*:listener/app/*`` covers the listeners of application load balancers only).

The patch: a network or gateway load balancer is given the ARN of its type when it is created; its listeners and
rules, whose ARNs moto derives from it, follow.
"""

from __future__ import annotations

from typing import Any

from moto.elbv2.models import ELBv2Backend

KINDS = {"network": "net", "gateway": "gwy"}

_MOTO_CREATE_LOAD_BALANCER = ELBv2Backend.create_load_balancer


def create_load_balancer(self: ELBv2Backend, *args: Any, **kwargs: Any) -> Any:
    """moto's load balancer, its ARN naming its type."""
    balancer = _MOTO_CREATE_LOAD_BALANCER(self, *args, **kwargs)
    kind = KINDS.get(balancer.type)
    if kind:
        old = balancer.arn
        balancer.arn = old.replace(":loadbalancer/app/", f":loadbalancer/{kind}/")
        self.load_balancers[balancer.arn] = self.load_balancers.pop(old)
        tags = self.tagging_service.get_tag_dict_for_resource(old)
        self.tagging_service.delete_all_tags_for_resource(old)
        if tags:
            self.tagging_service.tag_resource(
                balancer.arn, [{"Key": key, "Value": value} for key, value in tags.items()]
            )
    return balancer


def install() -> None:
    """Patch moto, in the sandbox server's process."""
    ELBv2Backend.create_load_balancer = create_load_balancer
