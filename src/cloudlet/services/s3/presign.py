"""Presigned URLs (placeholder)."""

from __future__ import annotations

from typing import Any


def prepare(ctx: Any, params: dict[str, Any]) -> None:
    return None
