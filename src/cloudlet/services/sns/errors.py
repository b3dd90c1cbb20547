"""SNS errors: one class per error shape of the SNS model (codes and status come from the model)."""

from __future__ import annotations

from cloudlet.protocol.errors import ServiceError


class InvalidParameterException(ServiceError):
    pass


class InvalidParameterValueException(ServiceError):
    pass


class NotFoundException(ServiceError):
    pass


class ResourceNotFoundException(ServiceError):
    pass


class AuthorizationErrorException(ServiceError):
    pass


class BatchEntryIdsNotDistinctException(ServiceError):
    pass


class BatchRequestTooLongException(ServiceError):
    pass


class EmptyBatchRequestException(ServiceError):
    pass


class InvalidBatchEntryIdException(ServiceError):
    pass


class TooManyEntriesInBatchRequestException(ServiceError):
    pass


class TagLimitExceededException(ServiceError):
    pass


class FilterPolicyLimitExceededException(ServiceError):
    pass


def invalid(message: str) -> InvalidParameterException:
    """`InvalidParameter` with SNS's "Invalid parameter: ..." wording."""
    return InvalidParameterException(f"Invalid parameter: {message}")
