"""(being written) Scheduled rules."""

from __future__ import annotations

from typing import Any


def register(app: Any, events: Any) -> None:
    return None
