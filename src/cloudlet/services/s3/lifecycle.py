"""S3 lifecycle expiration (placeholder)."""

from __future__ import annotations

from typing import Any


def register(app: Any, s3: Any) -> None:
    return None
