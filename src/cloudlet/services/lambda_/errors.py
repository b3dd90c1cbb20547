"""Lambda errors: one class per error shape of the Lambda model (status and codes come from the model)."""

from __future__ import annotations

from cloudlet.protocol.errors import ServiceError


class ResourceNotFoundException(ServiceError):
    pass


class ResourceConflictException(ServiceError):
    pass


class InvalidParameterValueException(ServiceError):
    pass


class InvalidZipFileException(ServiceError):
    pass


class InvalidRuntimeException(ServiceError):
    pass


class InvalidRequestContentException(ServiceError):
    pass


class TooManyRequestsException(ServiceError):
    pass


class RequestTooLargeException(ServiceError):
    pass


class PreconditionFailedException(ServiceError):
    pass


class ServiceException(ServiceError):
    pass


def function_not_found(arn: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"Function not found: {arn}")
