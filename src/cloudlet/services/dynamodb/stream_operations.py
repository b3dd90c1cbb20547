"""DynamoDB Streams operations (being written)."""

__all__: list[str] = []
