"""DynamoDB expression languages (being written)."""
