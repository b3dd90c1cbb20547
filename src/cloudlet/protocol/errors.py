"""Errors raised by service code and the protocol layer, and their lookup in the service model.

An error carries only its AWS code (the model's error shape name), a message and extra members. The
HTTP status, sender fault and query-compatible code are looked up in the service model when the error
is serialized (`error_info`), falling back to `COMMON_ERRORS` for errors no model declares.

    ServiceError
      ├── <service errors, one class per model error shape, e.g. sqs.errors.QueueDoesNotExist>
      └── CommonError subclasses below (protocol- and gateway-level errors)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

from botocore.model import ServiceModel, Shape


class ServiceError(Exception):
    """An AWS error. Subclasses are named exactly as the model's error shape.

    `code` defaults to the class name. `status`/`sender_fault` class attributes override the model
    only for errors the model does not declare.
    """

    code: ClassVar[str] = ""
    status: ClassVar[int | None] = None
    sender_fault: ClassVar[bool | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:
            cls.code = cls.__name__

    def __init__(self, message: str = "", **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields
        """Extra members of the error shape (e.g. `CancellationReasons`), AWS member names."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class CodedError(ServiceError):
    """An error whose code is chosen at run time (e.g. a per-service validation error name)."""

    def __init__(self, code: str, message: str = "", status: int | None = None, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.code = code  # type: ignore[misc]
        if status is not None:
            self.status = status  # type: ignore[misc]


# --- errors any protocol or the gateway may raise -------------------------------------------------


class InternalFailure(ServiceError):
    status = 500
    sender_fault = False


class InternalError(ServiceError):
    status = 500
    sender_fault = False


class NotImplementedOperation(ServiceError):
    code = "NotImplemented"
    status = 501
    sender_fault = False


class UnknownOperationException(ServiceError):
    status = 400


class InvalidAction(ServiceError):
    status = 400


class MissingAction(ServiceError):
    status = 400


class SerializationException(ServiceError):
    status = 400


class MalformedXML(ServiceError):
    status = 400


class MalformedQueryString(ServiceError):
    status = 404


class InvalidArgument(ServiceError):
    status = 400


class UnknownService(ServiceError):
    """No served service matches the request. Not an AWS code: AWS would not resolve the host."""

    code = "UnknownService"
    status = 400


COMMON_ERRORS: dict[str, tuple[int, bool]] = {
    # code: (HTTP status, sender fault). From the AWS "Common Errors" pages of the API references.
    "AccessDenied": (403, True),
    "AccessDeniedException": (400, True),
    "IncompleteSignature": (400, True),
    "InternalFailure": (500, False),
    "InternalError": (500, False),
    "InternalServerError": (500, False),
    "InvalidAction": (400, True),
    "InvalidArgument": (400, True),
    "InvalidClientTokenId": (403, True),
    "InvalidParameterCombination": (400, True),
    "InvalidParameterValue": (400, True),
    "InvalidQueryParameter": (400, True),
    "InvalidRequest": (400, True),
    "MalformedQueryString": (404, True),
    "MalformedXML": (400, True),
    "MethodNotAllowed": (405, True),
    "MissingAction": (400, True),
    "MissingAuthenticationToken": (403, True),
    "MissingParameter": (400, True),
    "NotImplemented": (501, False),
    "OptInRequired": (403, True),
    "RequestExpired": (400, True),
    "SerializationException": (400, True),
    "ServiceUnavailable": (503, False),
    "ThrottlingException": (400, True),
    "UnknownOperationException": (400, True),
    "UnrecognizedClientException": (400, True),
    "ValidationError": (400, True),
    "ValidationException": (400, True),
}


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    code: str
    """Code on the wire for json/rest/cbor protocols (`__type`, `x-amzn-ErrorType`, S3 `<Code>`)."""
    query_code: str
    """Code for the query protocol and the `x-amzn-query-error` header of query-compatible services."""
    status: int
    sender_fault: bool
    shape: Shape | None
    """The model's error shape, for serializing extra members; None for common errors."""


def error_info(service: ServiceModel | None, error: ServiceError) -> ErrorInfo:
    """Status, fault and codes of `error` for `service`: the model first, then the common table.

    A status set on the instance (`CodedError(status=...)`) always wins; a class-level status applies
    only to codes the model does not declare.
    """
    info = _model_error_info(service, error.code) if service is not None else None
    pinned = error.__dict__.get("status")
    if info is not None and pinned is None:
        return info
    status = pinned if pinned is not None else error.status
    if status is not None:
        fault = error.sender_fault if error.sender_fault is not None else status < 500
    else:
        status, fault = COMMON_ERRORS.get(error.code, (400, True))
    if info is not None:
        return ErrorInfo(info.code, info.query_code, status, fault, info.shape)
    return ErrorInfo(error.code, error.code, status, fault, None)


@lru_cache(maxsize=4096)
def _model_error_info(service: ServiceModel, code: str) -> ErrorInfo | None:
    shape = _error_shape(service, code)
    if shape is None:
        return None
    meta = shape.metadata.get("error", {})
    status = int(meta.get("httpStatusCode", 400))
    fault = bool(meta.get("senderFault", status < 500))
    return ErrorInfo(shape.name, meta.get("code", shape.name), status, fault, shape)


def _error_shape(service: ServiceModel, code: str) -> Shape | None:
    for shape in service.error_shapes:
        if shape.name == code:
            return shape
    # Query services may raise by wire code (`NotFound`) rather than shape name (`NotFoundException`).
    for shape in service.error_shapes:
        if shape.metadata.get("error", {}).get("code") == code:
            return shape
    return None
