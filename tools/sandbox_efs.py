"""The sandbox's Amazon EFS: moto's, with the file-system tag actions EFS has had since its first API version.

What moto 5.2.5 does (moto/efs/urls.py, responses.py): it serves ListTagsForResource, TagResource and UntagResource,
but not DescribeTags, CreateTags and DeleteTags, the file-system tag actions of the same API version (2015-02-01).
A call to them ends in moto's "not yet implemented" error.

What AWS documents (Amazon EFS API Reference, DescribeTags, CreateTags, DeleteTags): the three are deprecated in favour
of the resource-tag actions, yet served:
- ``GET /2015-02-01/tags/{FileSystemId}/`` returns the file system's tags (``{"Tags": [...]}``, 100 at the most, the
  rest behind ``NextMarker``);
- ``POST /2015-02-01/create-tags/{FileSystemId}`` with ``{"Tags": [...]}`` adds or overwrites tags, ``204`` with no body;
- ``POST /2015-02-01/delete-tags/{FileSystemId}`` with ``{"TagKeys": [...]}`` removes them, ``204``;
- an unknown file system is ``404 FileSystemNotFound``.
community.aws.efs reads and converges a file system's tags with them, so the sandbox's playbook can create its
file system with that module, as an operator's playbook would on AWS.

The patch: the three routes and responses, over moto's own tag store, so both families of actions see the same tags.
"""

from __future__ import annotations

import json
from typing import Any

import moto.efs.urls
from moto.efs.exceptions import FileSystemNotFound
from moto.efs.responses import EFSResponse

# DescribeTags' page size: "Currently, this number is automatically set to 100, and other values are ignored."
PAGE = 100

ROUTES = {
    "/2015-02-01/tags/<file_system_id>/": moto.efs.urls.response.dispatch,
    "/2015-02-01/create-tags/<file_system_id>": moto.efs.urls.response.dispatch,
    "/2015-02-01/delete-tags/<file_system_id>": moto.efs.urls.response.dispatch,
}

NO_CONTENT = {"status": 204, "Content-Type": "application/json"}


def _file_system_id(response: EFSResponse) -> str:
    """The file system the request names, which must exist."""
    file_system_id = response._get_param("FileSystemId").rsplit("/", 1)[-1]
    if file_system_id not in response.efs_backend.file_systems_by_id:
        raise FileSystemNotFound(file_system_id)
    return file_system_id


def describe_tags(self: EFSResponse) -> Any:
    """DescribeTags: the file system's tags, a page of PAGE at a time."""
    file_system_id = _file_system_id(self)
    tags = self.efs_backend.list_tags_for_resource(file_system_id)
    marker = self._get_param("Marker")
    start = int(marker) if marker and marker.isdigit() else 0
    body: dict[str, Any] = {"Tags": tags[start : start + PAGE]}
    if marker:
        body["Marker"] = marker
    if start + PAGE < len(tags):
        body["NextMarker"] = str(start + PAGE)
    return json.dumps(body), {"Content-Type": "application/json"}


def create_tags(self: EFSResponse) -> Any:
    """CreateTags: add the tags, overwriting the values of keys the file system already has."""
    file_system_id = _file_system_id(self)
    tags = {tag["Key"]: tag.get("Value", "") for tag in self._get_param("Tags") or []}
    self.efs_backend.tag_resource(file_system_id, tags)
    return "", NO_CONTENT


def delete_tags(self: EFSResponse) -> Any:
    """DeleteTags: remove the tags of the keys given; a key the file system lacks is no error."""
    file_system_id = _file_system_id(self)
    self.efs_backend.untag_resource(file_system_id, self._get_param("TagKeys") or [])
    return "", NO_CONTENT


def install() -> None:
    """Patch moto, in the sandbox server's process, before it builds its routes."""
    moto.efs.urls.url_paths.update(ROUTES)
    EFSResponse.describe_tags = describe_tags
    EFSResponse.create_tags = create_tags
    EFSResponse.delete_tags = delete_tags
