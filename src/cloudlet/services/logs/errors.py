"""CloudWatch Logs errors: one class per error shape of the logs model that cloudlet raises.

HTTP status and fault come from the model when the error is serialized; nothing here carries a status.
"""

from __future__ import annotations

from cloudlet.protocol.errors import ServiceError

GROUP_NOT_FOUND = "The specified log group does not exist."
STREAM_NOT_FOUND = "The specified log stream does not exist."


class InvalidParameterException(ServiceError):
    pass


class ResourceNotFoundException(ServiceError):
    pass


class ResourceAlreadyExistsException(ServiceError):
    pass


class LimitExceededException(ServiceError):
    pass


class TooManyTagsException(ServiceError):
    pass


class ValidationException(ServiceError):
    pass
