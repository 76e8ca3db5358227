"""The sandbox's EC2: moto's, patched where it differs from what AWS documents.

CreateLaunchTemplateVersion. What moto 5.2.5 does (moto/ec2/responses/launch_templates.py,
``LaunchTemplates.create_launch_template_version``, and moto/ec2/models/launch_templates.py, ``LaunchTemplate``):

- it ignores SourceVersion: the new version holds only the LaunchTemplateData of the request, so a version made
  with SourceVersion and a new ImageId has no InstanceType, UserData, SecurityGroupIds, TagSpecifications... and
  launches m1.small instances without them;
- it keeps the request's UserData as a plain str, where CreateLaunchTemplate parses it into moto's
  Base64EncodedString. ``LaunchTemplateVersion.user_data`` asserts the latter, so an Auto Scaling group launching
  from such a version answers HTTP 500 (AssertionError), and invalid base64 is not refused.

What AWS documents. The Amazon EC2 API Reference, CreateLaunchTemplateVersion
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplateVersion.html), SourceVersion:
"If you specify this parameter, the new version inherits the launch parameters from the source version. If you
specify additional launch parameters for the new version, they overwrite any corresponding launch parameters
inherited from the source version. If you omit this parameter, the new version contains only the launch parameters
that you specify for the new version." Its earlier wording says which parameters: "The new version inherits the
same launch parameters as the source version, except for parameters that you specify in LaunchTemplateData." They
are the members of LaunchTemplateData (RequestLaunchTemplateData), so a member given replaces the source's whole
member: a list (SecurityGroupIds, TagSpecifications, NetworkInterfaces, BlockDeviceMappings) or a structure
(MetadataOptions) is replaced, never merged item by item. The same paragraph: "Snapshots applied to the block device
mapping are ignored when creating a new version unless they are explicitly included": inherited BlockDeviceMappings
lose their Ebs SnapshotId.
RequestLaunchTemplateData, UserData: "You must provide base64-encoded text"; the EC2 User Guide ("Work with instance
user data"): "what you specify is what you get back upon retrieval".

- it ignores ClientToken, so a request sent again after its answer was lost makes a second version. The EC2
  Developer Guide, "Ensuring idempotency in Amazon EC2 API requests": "If you repeat a request with the same client
  token and the same parameters, Amazon EC2 returns the same result [...] If you repeat the request with the same
  client token, but change one or more parameters, Amazon EC2 returns an IdempotentParameterMismatch error"; and
  CreateLaunchTemplateVersion, ClientToken: "If a client token isn't specified, a randomly generated token is used
  in the request to ensure idempotency" (botocore generates it once per call, so its own retries send the same one).

The patch, as it could go upstream: ``LaunchTemplate.create_version`` takes an optional ``source`` version and
builds the new version's data from the source's (`inherited`); CreateLaunchTemplateVersion parses UserData as
CreateLaunchTemplate does and passes SourceVersion on. SourceVersion is resolved as moto resolves a version (a
number, $Latest or $Default); an unknown one is InvalidLaunchTemplateId.VersionNotFound. The inherited data is the
new LaunchTemplateVersion's own ``data`` (a deep copy), in moto's backend, so tools/sandbox_snapshot.py saves it
with everything else. The answers given to each ClientToken are kept on the template (``sandbox_client_tokens``),
with the request they answered: the same token answers the same request with the first answer, and a different one
with IdempotentParameterMismatch. This module keeps no state of its own.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.exceptions import InvalidLaunchTemplateVersionNotFound
from moto.ec2.models.launch_templates import LaunchTemplate
from moto.ec2.models.launch_templates import LaunchTemplateVersion
from moto.ec2.responses.launch_templates import LaunchTemplates
from moto.ec2.utils import parse_user_data

_MOTO_CREATE_VERSION = LaunchTemplate.create_version


def inherited(source: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """A new version's launch template data: the source version's, each member given replacing the source's."""
    data = copy.deepcopy(source)
    if "BlockDeviceMappings" not in given:
        for mapping in data.get("BlockDeviceMappings") or []:
            (mapping.get("Ebs") or {}).pop("SnapshotId", None)
    data.update((key, value) for key, value in given.items() if value is not None)
    return data


def source_version(template: LaunchTemplate, version: str) -> LaunchTemplateVersion:
    """The version SourceVersion names: a number from 1, $Latest or $Default."""
    text = str(version)
    if text.lower() not in ("$latest", "$default") and not (text.isdigit() and int(text) >= 1):
        raise InvalidLaunchTemplateVersionNotFound(version=text, template_id=template.id)
    return template.get_version(text)


def create_version(
    self: LaunchTemplate, data: dict[str, Any], description: str, source: str | None = None
) -> LaunchTemplateVersion:
    """moto's LaunchTemplate.create_version, the new version inheriting from version ``source`` when one is given."""
    if source is not None:
        data = inherited(source_version(self, source).data, data)
    return _MOTO_CREATE_VERSION(self, data, description)


def create_launch_template_version(self: Any) -> ActionResult:
    """moto's LaunchTemplates.create_launch_template_version, with SourceVersion and UserData parsed."""
    name = self._get_param("LaunchTemplateName")
    tmpl_id = self._get_param("LaunchTemplateId")
    if tmpl_id:
        template = self.ec2_backend.get_launch_template(tmpl_id)
    else:
        template = self.ec2_backend.get_launch_template_by_name(name)

    version_description = self._get_param("VersionDescription")

    template_data = self._get_param("LaunchTemplateData", {})
    token = self._get_param("ClientToken")
    request = json.dumps(
        [template_data, version_description, self._get_param("SourceVersion")], sort_keys=True, default=str
    )
    tokens = template.__dict__.setdefault("sandbox_client_tokens", {})
    if token and token in tokens:
        answered, result = tokens[token]
        if answered != request:
            raise EC2ClientError(
                "IdempotentParameterMismatch",
                f"The client token {token} was used before with different parameters.",
            )
        self.error_on_dryrun()
        return ActionResult(copy.deepcopy(result))
    if "UserData" in template_data:
        template_data["UserData"] = parse_user_data(template_data["UserData"])

    self.error_on_dryrun()

    version = template.create_version(template_data, version_description, self._get_param("SourceVersion"))

    result = {
        "LaunchTemplateVersion": {
            "CreateTime": version.create_time,
            "CreatedBy": f"arn:{self.partition}:iam::{self.current_account}:root",
            "DefaultVersion": template.is_default(version),
            "LaunchTemplateData": version.data,
            "LaunchTemplateId": template.id,
            "LaunchTemplateName": template.name,
            "VersionDescription": version.description,
            "VersionNumber": version.number,
        },
    }
    if token:
        tokens[token] = (request, copy.deepcopy(result))
    return ActionResult(result)


def install() -> None:
    """Patch moto, in the sandbox server's process."""
    LaunchTemplate.create_version = create_version
    LaunchTemplates.create_launch_template_version = create_launch_template_version
