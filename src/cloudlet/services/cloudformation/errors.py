"""CloudFormation errors: the model's error shapes used here, and the validation error helpers."""

from __future__ import annotations

from cloudlet.protocol.errors import CodedError, ServiceError


class AlreadyExistsException(ServiceError):
    pass


class InsufficientCapabilitiesException(ServiceError):
    pass


class ChangeSetNotFoundException(ServiceError):
    pass


class InvalidChangeSetStatusException(ServiceError):
    pass


class LimitExceededException(ServiceError):
    pass


class TokenAlreadyExistsException(ServiceError):
    pass


def validation(message: str) -> CodedError:
    """CloudFormation's `ValidationError` (HTTP 400)."""
    return CodedError("ValidationError", message, 400)


def format_error(message: str) -> CodedError:
    """`ValidationError` with AWS's "Template format error: ..." prefix."""
    return validation(f"Template format error: {message}")


def template_error(message: str) -> CodedError:
    """`ValidationError` with AWS's "Template error: ..." prefix."""
    return validation(f"Template error: {message}")


def stack_not_found(name: str) -> CodedError:
    return validation(f"Stack with id {name} does not exist")
