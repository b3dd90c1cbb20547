"""CloudFormation service state of one App (being written)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cloudlet.app import App


def setup(app: App) -> Any:
    return None
