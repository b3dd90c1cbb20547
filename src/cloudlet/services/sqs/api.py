"""What other services may use of SQS: hub events it publishes (more commands arrive with SNS/Lambda)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MessagesAvailable:
    """Messages were committed to a queue (sent, redriven or made visible again early)."""

    queue_arn: str
