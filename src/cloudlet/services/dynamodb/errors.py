"""DynamoDB's errors, named as the model's error shapes (status and fault come from the model);
`ValidationException` is the generic validation error DynamoDB answers with."""

from __future__ import annotations

from cloudlet.protocol.errors import ServiceError


class ValidationException(ServiceError):
    status = 400
    sender_fault = True


class ResourceNotFoundException(ServiceError):
    pass


class ResourceInUseException(ServiceError):
    pass


class ConditionalCheckFailedException(ServiceError):
    pass


class TransactionCanceledException(ServiceError):
    pass


class TransactionConflictException(ServiceError):
    pass


class IdempotentParameterMismatchException(ServiceError):
    pass


class ProvisionedThroughputExceededException(ServiceError):
    pass


class ItemCollectionSizeLimitExceededException(ServiceError):
    pass


class LimitExceededException(ServiceError):
    pass


class DuplicateItemException(ServiceError):
    pass


class ExpiredIteratorException(ServiceError):
    status = 400
    sender_fault = True


class TrimmedDataAccessException(ServiceError):
    status = 400
    sender_fault = True
