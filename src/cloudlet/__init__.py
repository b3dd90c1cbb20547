"""cloudlet: a local cloud for event-driven AWS applications."""

__version__ = "0.1.0"
