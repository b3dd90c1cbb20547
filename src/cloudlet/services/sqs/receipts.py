"""Receipt handles: opaque to clients, naming (queue, message row, receive nonce); new on every receive."""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import NamedTuple

from cloudlet.services.sqs.errors import ReceiptHandleIsInvalid

__all__ = ["Receipt", "decode", "encode", "new_nonce"]

_PREFIX = "AQEB"


class Receipt(NamedTuple):
    queue_id: int
    row_id: int
    nonce: str


def new_nonce() -> str:
    return secrets.token_hex(8)


def encode(queue_id: int, row_id: int, nonce: str) -> str:
    raw = f"{queue_id}:{row_id}:{nonce}".encode()
    return _PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(handle: str) -> Receipt:
    """Raises ReceiptHandleIsInvalid for anything this server did not hand out."""
    try:
        if not handle.startswith(_PREFIX):
            raise ValueError(handle)
        body = handle[len(_PREFIX) :]
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
        queue_id, row_id, nonce = raw.split(":")
        return Receipt(int(queue_id), int(row_id), nonce)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise ReceiptHandleIsInvalid(
            f'The input receipt handle "{handle}" is not a valid receipt handle.'
        ) from None
