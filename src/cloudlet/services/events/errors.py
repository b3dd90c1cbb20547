"""EventBridge's errors, named as the model's error shapes (status and fault come from the model)."""

from __future__ import annotations

from cloudlet.protocol.errors import ServiceError


class ResourceNotFoundException(ServiceError):
    pass


class ResourceAlreadyExistsException(ServiceError):
    pass


class InvalidEventPatternException(ServiceError):
    pass


class ValidationException(ServiceError):
    status = 400
    sender_fault = True


class LimitExceededException(ServiceError):
    pass


class ManagedRuleException(ServiceError):
    pass


class IllegalStatusException(ServiceError):
    pass


class InvalidStateException(ServiceError):
    pass


class ConcurrentModificationException(ServiceError):
    pass


class PolicyLengthExceededException(ServiceError):
    pass
