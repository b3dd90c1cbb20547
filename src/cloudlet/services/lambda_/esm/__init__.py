"""Event source mappings: the control plane (`mappings.py`) and the SQS poller (`sqs.py`)."""
