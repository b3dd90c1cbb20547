"""API Gateway's errors, named as the model's error shapes (v1 and v2 share these names; status and
fault come from the model of the API the request was made to)."""

from __future__ import annotations

from cloudlet.protocol.errors import ServiceError


class BadRequestException(ServiceError):
    pass


class NotFoundException(ServiceError):
    pass


class ConflictException(ServiceError):
    pass


class LimitExceededException(ServiceError):
    pass


class TooManyRequestsException(ServiceError):
    pass


class UnauthorizedException(ServiceError):
    pass


class AccessDeniedException(ServiceError):
    pass
