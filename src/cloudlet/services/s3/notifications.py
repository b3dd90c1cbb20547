"""S3 event notifications (placeholder until the notification engine lands)."""

from __future__ import annotations

from typing import Any


def emit(s3: Any, tx: Any, bucket: Any, event_name: str, obj: Any, origin: Any, **extra: Any) -> None:
    return None
