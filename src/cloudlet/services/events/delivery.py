"""(being written) Delivery of matched events to targets."""

from __future__ import annotations

from typing import Any


def register(app: Any, events: Any) -> None:
    return None
