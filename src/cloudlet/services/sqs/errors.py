"""SQS errors: one class per error shape of the SQS model, plus the common codes SQS answers with.

Codes, HTTP status and the query-protocol codes (`AWS.SimpleQueueService.NonExistentQueue` ...) come
from the model and its extras file when the error is serialized; nothing here carries a status.
"""

from __future__ import annotations

from cloudlet.protocol.errors import ServiceError


class QueueDoesNotExist(ServiceError):
    def __init__(self, message: str = "The specified queue does not exist.") -> None:
        super().__init__(message)


class QueueNameExists(ServiceError):
    pass


class QueueDeletedRecently(ServiceError):
    pass


class InvalidAttributeName(ServiceError):
    pass


class InvalidAttributeValue(ServiceError):
    pass


class InvalidMessageContents(ServiceError):
    pass


class ReceiptHandleIsInvalid(ServiceError):
    pass


class MessageNotInflight(ServiceError):
    pass


class PurgeQueueInProgress(ServiceError):
    pass


class OverLimit(ServiceError):
    pass


class TooManyEntriesInBatchRequest(ServiceError):
    pass


class EmptyBatchRequest(ServiceError):
    pass


class BatchEntryIdsNotDistinct(ServiceError):
    pass


class BatchRequestTooLong(ServiceError):
    pass


class InvalidBatchEntryId(ServiceError):
    pass


class ResourceNotFoundException(ServiceError):
    pass


class UnsupportedOperation(ServiceError):
    pass


class InvalidParameterValue(ServiceError):
    """Not a model shape: SQS's generic 400 for a bad parameter (AWS Common Errors)."""

    status = 400


class MissingParameter(ServiceError):
    """Not a model shape: a required parameter is absent or empty (AWS Common Errors)."""

    status = 400


class InvalidAddress(ServiceError):
    pass
