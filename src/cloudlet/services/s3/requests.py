"""What S3 checks of a parsed request before the generic model validation: presigned URL expiry
(presign.py), and enum values S3 rejects with its own codes and messages rather than the generic
"validation error detected" (S3 API reference pages of PutObject, CopyObject, ListObjectsV2)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.services.s3 import presign
from cloudlet.services.s3.errors import InvalidArgument, InvalidStorageClass

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

STORAGE_CLASSES = frozenset(
    (
        "STANDARD",
        "REDUCED_REDUNDANCY",
        "STANDARD_IA",
        "ONEZONE_IA",
        "INTELLIGENT_TIERING",
        "GLACIER",
        "DEEP_ARCHIVE",
        "OUTPOSTS",
        "GLACIER_IR",
        "SNOW",
        "EXPRESS_ONEZONE",
        "FSX_OPENZFS",
        "FSX_ONTAP",
    )
)
_SSE = frozenset(("AES256", "aws:kms", "aws:kms:dsse", "aws:fsx"))


def prepare(ctx: RequestContext, params: dict[str, Any]) -> None:
    presign.prepare(ctx, params)
    storage_class = params.get("StorageClass")
    if storage_class is not None and storage_class not in STORAGE_CLASSES:
        raise InvalidStorageClass(
            "The storage class you specified is not valid", StorageClassRequested=storage_class
        )
    encoding = params.get("EncodingType")
    if encoding is not None and encoding != "url":
        raise InvalidArgument(
            "Invalid Encoding Method specified in Request",
            ArgumentName="encoding-type",
            ArgumentValue=encoding,
        )
    for member, header, message in (
        ("MetadataDirective", "x-amz-metadata-directive", "Unknown metadata directive."),
        ("TaggingDirective", "x-amz-tagging-directive", "Unknown tagging directive."),
    ):
        value = params.get(member)
        if value is not None and value not in ("COPY", "REPLACE"):
            raise InvalidArgument(message, ArgumentName=header, ArgumentValue=value)
    sse = params.get("ServerSideEncryption")
    if sse is not None and sse not in _SSE:
        raise InvalidArgument(
            "The encryption method specified is not supported",
            ArgumentName="x-amz-server-side-encryption",
            ArgumentValue=sse,
        )
