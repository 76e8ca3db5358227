# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ARNs of the sandbox's load balancers and listeners name the load balancer's type (tools/sandbox_elbv2.py).

What AWS documents (Service Authorization Reference, "Actions, resources, and condition keys for Elastic Load
Balancing V2"): ``loadbalancer/app/<name>/<id>`` and ``listener/app/...`` for an application load balancer,
``loadbalancer/net/<name>/<id>`` and ``listener/net/...`` for a network load balancer. Plain moto names every one
``app``, so that a policy granted on ``listener/app/*`` covers a network load balancer's listeners too.
"""

from __future__ import annotations

import uuid


def test_a_network_load_balancer_and_its_listener_are_named_net_and_an_application_one_app(server):
    ec2, elbv2 = server.client("ec2"), server.client("elbv2")
    suffix = uuid.uuid4().hex[:6]
    vpc = ec2.create_vpc(CidrBlock="10.78.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.78.1.0/24")["Subnet"]["SubnetId"]
    made = []
    try:
        for kind, protocol, part in (("network", "TCP", "net"), ("application", "HTTP", "app")):
            balancer = elbv2.create_load_balancer(
                Name=f"arn-{kind[:3]}-{suffix}", Subnets=[subnet], Type=kind, Tags=[{"Key": "team", "Value": "web"}]
            )["LoadBalancers"][0]
            made.append(balancer["LoadBalancerArn"])
            assert f":loadbalancer/{part}/arn-{kind[:3]}-{suffix}/" in balancer["LoadBalancerArn"]
            group = elbv2.create_target_group(Name=f"arn-{kind[:3]}-{suffix}", Protocol=protocol, Port=80, VpcId=vpc)
            made.append(group["TargetGroups"][0]["TargetGroupArn"])
            listener = elbv2.create_listener(
                LoadBalancerArn=balancer["LoadBalancerArn"],
                Protocol=protocol,
                Port=80,
                DefaultActions=[{"Type": "forward", "TargetGroupArn": group["TargetGroups"][0]["TargetGroupArn"]}],
            )["Listeners"][0]
            assert f":listener/{part}/arn-{kind[:3]}-{suffix}/" in listener["ListenerArn"]
            # The load balancer is found, and keeps its tags, under its ARN.
            found = elbv2.describe_load_balancers(LoadBalancerArns=[balancer["LoadBalancerArn"]])["LoadBalancers"]
            assert [item["Type"] for item in found] == [kind]
            tags = elbv2.describe_tags(ResourceArns=[balancer["LoadBalancerArn"]])["TagDescriptions"][0]["Tags"]
            assert tags == [{"Key": "team", "Value": "web"}]
    finally:
        for arn in made:
            if ":loadbalancer/" in arn:
                elbv2.delete_load_balancer(LoadBalancerArn=arn)
        for arn in made:
            if ":targetgroup/" in arn:
                elbv2.delete_target_group(TargetGroupArn=arn)
        ec2.delete_subnet(SubnetId=subnet)
        ec2.delete_vpc(VpcId=vpc)
