"""What IAM authorizes for a request to the sandbox: its actions, the ARNs they act on and the request context.

moto checks each request as its one action on the resource "*", with an empty context (tools/sandbox_policy.py).
AWS checks an action on the resources the request names, with condition keys taken from the request and from those
resources, and some operations need other actions besides their own. This module works that out, for the operations
the collection calls whose IAM action supports resource-level permissions or condition keys, from each service's
"Actions, resources, and condition keys" page of the Service Authorization Reference and these pages:

- Amazon EC2 Auto Scaling User Guide, "Amazon EC2 Auto Scaling API permissions": CreateAutoScalingGroup and
  UpdateAutoScalingGroup with a launch template also need ec2:RunInstances, ec2:CreateTags when the template has tag
  specifications, iam:PassRole when it names an instance profile; PutLifecycleHook with a role needs iam:PassRole.
  "Control access with tags": autoscaling:ResourceTag/<key> (and aws:ResourceTag/<key>) hold the group's tags,
  aws:RequestTag/<key> and aws:TagKeys the tags a request creates.
- AWS Systems Manager User Guide, "Tagging parameters": PutParameter with Tags also needs ssm:AddTagsToResource.
- CodeDeploy User Guide, "CodeDeploy permissions reference": CreateDeploymentGroup and UpdateDeploymentGroup with a
  service role need iam:PassRole on it; IAM User Guide, "Grant a user permissions to pass a role":
  iam:PassedToService is the service the role is passed to.
- Elastic Load Balancing, "Identity and access management": elasticloadbalancing:ResourceTag/<key> and
  aws:ResourceTag/<key> hold the tags of the resource acted on.
- Amazon SNS, "Actions, resources, and condition keys": sns:Publish acts on the topic it publishes to.

Any other operation is checked as moto checks it: its action on "*". ``requests`` returns the list of
tools/sandbox_policy.Request that must all be allowed.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import unquote

from sandbox_policy import Request

# IAM's prefix of a service, by its signing name where the two differ: CloudWatch signs as "monitoring", and its
# actions are "cloudwatch:..." (Service Authorization Reference, "Actions, resources, and condition keys for Amazon
# CloudWatch").
PREFIX = {"tagging": "tag", "monitoring": "cloudwatch"}


class Call:
    """One request as the sandbox received it: the service's signing name, the operation, the parameters (a query
    request's fields, a JSON request's body, a REST request's path), the region and the account."""

    def __init__(self, service: str, operation: str, params: Any, path: str, region: str, account: str, method="GET"):
        self.method = method
        self.service = service
        self.operation = operation
        self.params = params
        self.path = path
        self.region = region
        self.account = account

    def field(self, name: str) -> str | None:
        value = self.params.get(name) if isinstance(self.params, dict) else None
        if isinstance(value, list):
            return value[0] if value else None
        return value

    def members(self, prefix: str, suffix: str = "") -> list[str]:
        """A query request's list fields ``<prefix>.member.<n><suffix>``, in order of n."""
        pattern = re.compile(rf"^{re.escape(prefix)}\.member\.(\d+){re.escape(suffix)}$")
        found = []
        for key in self.params if isinstance(self.params, dict) else ():
            match = pattern.match(key)
            if match:
                found.append((int(match.group(1)), self.field(key)))
        return [value for _index, value in sorted(found)]

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if region else ''}:{self.account if account else ''}:{resource}"


def parse_params(body: bytes | str | None, data: Any, headers: Any) -> Any:
    """The request's parameters: the JSON body of a JSON request, else the form fields moto parsed."""
    content_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
    raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else body or ""
    if content_type.startswith("application/x-amz-json") and raw:
        return json.loads(raw)
    if content_type == "application/x-www-form-urlencoded" and raw:
        return parse_qs(raw, keep_blank_values=True)
    return data if isinstance(data, dict) else {}


def _tags(items: Any) -> dict[str, str]:
    found = {}
    for item in items or []:
        key = item.get("Key", item.get("key"))
        if key is not None:
            found[key] = item.get("Value", item.get("value"))
    return found


def tag_context(prefix: str, resource_tags: dict[str, str] | None, request_tags: dict[str, str] | None) -> dict:
    """The condition keys of a resource's tags (``<prefix>:ResourceTag/<key>`` and ``aws:ResourceTag/<key>``) and of
    the tags a request creates (``aws:RequestTag/<key>``, ``aws:TagKeys``), lower-cased."""
    context: dict[str, Any] = {}
    for key, value in (resource_tags or {}).items():
        context[f"aws:resourcetag/{key}".lower()] = value
        context[f"{prefix}:resourcetag/{key}".lower()] = value
    if request_tags:
        for key, value in request_tags.items():
            context[f"aws:requesttag/{key}".lower()] = value
        context["aws:tagkeys"] = sorted(request_tags)
    return context


class Backends:
    """Reads of moto's backends the decisions need: tags, launch templates, instance profiles, deployments."""

    def __init__(self, account: str, region: str):
        self.account = account
        self.region = region

    def group_tags(self, name: str) -> dict[str, str] | None:
        from moto.autoscaling.models import autoscaling_backends  # pylint: disable=import-outside-toplevel

        group = autoscaling_backends[self.account][self.region].autoscaling_groups.get(name)
        return None if group is None else _tags(group.tags)

    def launch_template(self, template_id: str | None, name: str | None) -> Any:
        from moto.ec2.models import ec2_backends  # pylint: disable=import-outside-toplevel

        backend = ec2_backends[self.account][self.region]
        template_id = template_id or backend.launch_template_name_to_ids.get(name or "")
        return backend.launch_templates.get(template_id) if template_id else None

    def launch_template_tags(self, template: Any) -> dict[str, str]:
        return _tags(template.get_tags())

    def elbv2_tags(self, arn: str) -> dict[str, str]:
        from moto.elbv2.models import elbv2_backends  # pylint: disable=import-outside-toplevel

        return elbv2_backends[self.account][self.region].tagging_service.get_tag_dict_for_resource(arn)

    def instance_profile_roles(self, profile: dict[str, str]) -> list[str]:
        from moto.iam.models import iam_backends  # pylint: disable=import-outside-toplevel

        backend = iam_backends[self.account]["aws"]
        for item in backend.instance_profiles.values():
            if profile.get("Arn") == item.arn or profile.get("Name") == item.name:
                return [role.arn for role in item.roles]
        return []

    def deployment_group_of(self, deployment_id: str) -> tuple[str, str] | None:
        from moto.codedeploy.models import codedeploy_backends  # pylint: disable=import-outside-toplevel

        deployment = codedeploy_backends[self.account][self.region].deployments.get(deployment_id)
        if deployment is None:
            return None
        return deployment.application_name, deployment.deployment_group_name


def _group_arn(call: Call, name: str) -> str:
    return call.arn("autoscaling", f"autoScalingGroup:*:autoScalingGroupName/{name}")


def _template_version_data(template: Any, version: str | None) -> dict[str, Any]:
    """A launch template version's data as moto keeps it (PascalCase keys), for a version number, $Latest or $Default."""
    if template is None:
        return {}
    try:
        if version in (None, "", "$Default"):
            found = template.default_version()
        elif version == "$Latest":
            found = template.latest_version()
        else:
            found = template.get_version(int(version))
    except (ValueError, KeyError, IndexError, AttributeError):
        return {}
    return getattr(found, "data", {}) or {}


def _launch_requests(call: Call, backends: Backends, template_id: str | None, name: str | None, version: str | None):
    """What launching from a launch template needs besides the group's own action."""
    if not (template_id or name):
        return []
    template = backends.launch_template(template_id, name)
    data = _template_version_data(template, version)
    found = [Request("ec2:RunInstances", "*")]
    if data.get("TagSpecifications"):
        found.append(Request("ec2:CreateTags", "*"))
    profile = data.get("IamInstanceProfile")
    if profile:
        for role in backends.instance_profile_roles(profile):
            found.append(Request("iam:PassRole", role, {"iam:passedtoservice": "ec2.amazonaws.com"}))
    return found


def _autoscaling(call: Call, backends: Backends) -> list[Request] | None:
    action = f"autoscaling:{call.operation}"
    if call.operation in ("CreateOrUpdateTags", "DeleteTags"):
        names = call.members("Tags", ".ResourceId")
        keys = call.members("Tags", ".Key")
        values = call.members("Tags", ".Value")
        request_tags = dict(zip(keys, values)) if call.operation == "CreateOrUpdateTags" else {}
        return [
            Request(
                action,
                _group_arn(call, name),
                tag_context("autoscaling", backends.group_tags(name), request_tags or {key: "" for key in keys}),
            )
            for name in dict.fromkeys(names)
        ]
    name = call.field("AutoScalingGroupName")
    if not name:
        return None
    existing = backends.group_tags(name)
    request_tags = None
    if call.operation == "CreateAutoScalingGroup":
        request_tags = dict(zip(call.members("Tags", ".Key"), call.members("Tags", ".Value")))
    found = [Request(action, _group_arn(call, name), tag_context("autoscaling", existing, request_tags))]
    if call.operation in ("CreateAutoScalingGroup", "UpdateAutoScalingGroup"):
        found += _launch_requests(
            call,
            backends,
            call.field("LaunchTemplate.LaunchTemplateId"),
            call.field("LaunchTemplate.LaunchTemplateName"),
            call.field("LaunchTemplate.Version"),
        )
    if call.operation == "PutLifecycleHook" and call.field("RoleARN"):
        found.append(
            Request("iam:PassRole", call.field("RoleARN"), {"iam:passedtoservice": "autoscaling.amazonaws.com"})
        )
    return found


def _ec2(call: Call, backends: Backends) -> list[Request] | None:
    if call.operation not in ("CreateLaunchTemplateVersion", "DeleteLaunchTemplateVersions", "ModifyLaunchTemplate"):
        return None
    template = backends.launch_template(call.field("LaunchTemplateId"), call.field("LaunchTemplateName"))
    if template is None:
        return None
    return [
        Request(
            f"ec2:{call.operation}",
            call.arn("ec2", f"launch-template/{template.id}"),
            tag_context("ec2", backends.launch_template_tags(template), None),
        )
    ]


def _elbv2(call: Call, backends: Backends) -> list[Request] | None:
    action = f"elasticloadbalancing:{call.operation}"
    if call.operation in ("AddTags", "RemoveTags"):
        keys = call.members("Tags", ".Key") if call.operation == "AddTags" else call.members("TagKeys")
        values = call.members("Tags", ".Value") if call.operation == "AddTags" else [""] * len(keys)
        return [
            Request(action, arn, tag_context("elasticloadbalancing", backends.elbv2_tags(arn), dict(zip(keys, values))))
            for arn in call.members("ResourceArns")
        ]
    for field in ("ListenerArn", "RuleArn", "TargetGroupArn", "LoadBalancerArn"):
        arn = call.field(field)
        if arn:
            return [Request(action, arn, tag_context("elasticloadbalancing", backends.elbv2_tags(arn), None))]
    return None


def _ssm(call: Call, _backends: Backends) -> list[Request] | None:
    params = call.params if isinstance(call.params, dict) else {}
    names = params.get("Names") or ([params["Name"]] if isinstance(params.get("Name"), str) else [])
    if call.operation in ("AddTagsToResource", "RemoveTagsFromResource", "ListTagsForResource"):
        names = [params["ResourceId"]] if params.get("ResourceType") == "Parameter" and params.get("ResourceId") else []
    if not names:
        return None
    action = f"ssm:{call.operation}"
    found = [Request(action, call.arn("ssm", f"parameter/{name.lstrip('/')}")) for name in names]
    if call.operation == "PutParameter" and params.get("Tags"):
        found += [Request("ssm:AddTagsToResource", request.resource) for request in found]
    return found


def _route53(call: Call, _backends: Backends) -> list[Request] | None:
    match = re.search(r"/hostedzone/([^/?]+)", call.path)
    if not match:
        return None
    return [
        Request(f"route53:{call.operation}", call.arn("route53", f"hostedzone/{unquote(match.group(1))}", False, False))
    ]


def _codedeploy(call: Call, backends: Backends) -> list[Request] | None:
    params = call.params if isinstance(call.params, dict) else {}
    action = f"codedeploy:{call.operation}"
    application = params.get("applicationName")
    group = params.get("deploymentGroupName") or params.get("currentDeploymentGroupName")
    if params.get("deploymentId") and not group:
        found = backends.deployment_group_of(params["deploymentId"])
        if found:
            application, group = found
    if application and group:
        requests = [Request(action, call.arn("codedeploy", f"deploymentgroup:{application}/{group}"))]
    elif application:
        requests = [Request(action, call.arn("codedeploy", f"application:{application}"))]
    else:
        return None
    if call.operation in ("CreateDeploymentGroup", "UpdateDeploymentGroup") and params.get("serviceRoleArn"):
        requests.append(
            Request("iam:PassRole", params["serviceRoleArn"], {"iam:passedtoservice": "codedeploy.amazonaws.com"})
        )
    return requests


def _sns(call: Call, _backends: Backends) -> list[Request] | None:
    topic = call.field("TopicArn") if call.operation == "Publish" else None
    return [Request("sns:Publish", topic)] if topic else None


def _s3(call: Call, resource: str) -> list[Request]:
    """moto names S3's actions after its own map (moto/s3/responses.py, ACTION_MAP): a HEAD on a bucket is
    s3:HeadBucket, which IAM does not have (Amazon S3 API Reference, HeadBucket: "you must have the s3:ListBucket
    permission"), and GetBucketOwnershipControls, which the map lacks, s3:ListBucket."""
    action = f"s3:{call.operation}"
    if action == "s3:HeadBucket":
        action = "s3:ListBucket"
    query = call.path.split("?", 1)[1] if "?" in call.path else ""
    if call.method == "GET" and "ownershipControls" in [part.split("=")[0] for part in query.split("&")]:
        action = "s3:GetBucketOwnershipControls"
    return [Request(action, resource)]


RESOLVERS = {
    "autoscaling": _autoscaling,
    "ec2": _ec2,
    "elasticloadbalancing": _elbv2,
    "ssm": _ssm,
    "route53": _route53,
    "codedeploy": _codedeploy,
    "sns": _sns,
}


def requests(call: Call, backends: Backends, resource: str = "*") -> list[Request]:
    """The authorizations the call needs, each a tools/sandbox_policy.Request; ``resource`` is the ARN moto worked
    out itself (S3's bucket or object), "*" otherwise."""
    prefix = PREFIX.get(call.service, call.service)
    if call.service == "s3":
        return _s3(call, resource)
    resolver = RESOLVERS.get(call.service)
    found = resolver(call, backends) if resolver else None
    return found or [Request(f"{prefix}:{call.operation}", resource)]
