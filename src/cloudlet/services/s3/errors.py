"""S3's errors, named by their codes (AWS "Error responses" page, List of error codes). The model
declares only a few; the rest carry their HTTP status here. Extra fields (BucketName, Key, Condition
...) are rendered as elements of the `<Error>` document, as S3 does.
"""

from __future__ import annotations

from cloudlet.protocol.errors import ServiceError


class S3Error(ServiceError):
    status = 400
    sender_fault = True


class NoSuchBucket(S3Error):
    status = 404


class NoSuchKey(S3Error):
    status = 404


class NoSuchVersion(S3Error):
    status = 404


class NoSuchUpload(S3Error):
    status = 404


class BucketAlreadyExists(S3Error):
    status = 409


class BucketAlreadyOwnedByYou(S3Error):
    status = 409


class BucketNotEmpty(S3Error):
    status = 409


class InvalidBucketName(S3Error):
    pass


class InvalidArgument(S3Error):
    pass


class InvalidRequest(S3Error):
    pass


class InvalidRange(S3Error):
    status = 416


class PreconditionFailed(S3Error):
    status = 412


class NotModified(S3Error):
    status = 304


class EntityTooSmall(S3Error):
    pass


class EntityTooLarge(S3Error):
    pass


class InvalidPart(S3Error):
    pass


class InvalidPartOrder(S3Error):
    pass


class BadDigest(S3Error):
    pass


class InvalidDigest(S3Error):
    pass


class MalformedXML(S3Error):
    pass


class IllegalLocationConstraintException(S3Error):
    pass


class InvalidLocationConstraint(S3Error):
    pass


class InvalidTag(S3Error):
    pass


class IncompleteBody(S3Error):
    pass


class KeyTooLongError(S3Error):
    pass


class MethodNotAllowed(S3Error):
    status = 405


class AccessDenied(S3Error):
    status = 403


class InvalidBucketState(S3Error):
    status = 409


class MissingContentLength(S3Error):
    status = 411


class InvalidStorageClass(S3Error):
    pass


class InvalidEncryptionAlgorithmError(S3Error):
    pass


class NoSuchConfiguration(S3Error):
    status = 404


class MalformedPolicy(S3Error):
    pass


class MissingSecurityHeader(S3Error):
    pass


class AccessControlListNotSupported(S3Error):
    pass


class InvalidBucketAclWithObjectOwnership(S3Error):
    pass


class InvalidTargetBucketForLogging(S3Error):
    pass


class CrossLocationLoggingProhibitted(S3Error):
    status = 403


class AuthorizationQueryParametersError(S3Error):
    pass


class AccessForbidden(S3Error):
    """A CORS preflight (OPTIONS) that no rule allows."""

    status = 403


class BadRequest(S3Error):
    pass


class NotFoundConfiguration(S3Error):
    """A "configuration not found" error whose code is chosen per sub-resource (NoSuchTagSet,
    NoSuchCORSConfiguration, ServerSideEncryptionConfigurationNotFoundError ...), all 404."""

    status = 404

    def __init__(self, code: str, message: str, **fields: object) -> None:
        super().__init__(message, **fields)
        self.code = code  # type: ignore[misc]


def no_such_bucket(name: str) -> NoSuchBucket:
    return NoSuchBucket("The specified bucket does not exist", BucketName=name)


def no_such_key(key: str) -> NoSuchKey:
    return NoSuchKey("The specified key does not exist.", Key=key)


def no_such_version(key: str, version_id: str) -> NoSuchVersion:
    return NoSuchVersion("The specified version does not exist.", Key=key, VersionId=version_id)


def invalid_argument(message: str, name: str, value: object) -> InvalidArgument:
    return InvalidArgument(message, ArgumentName=name, ArgumentValue="" if value is None else str(value))
