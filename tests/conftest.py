"""Test-suite wide settings: hypothesis profiles (deterministic by default)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# database=None: deterministic runs keep no example database (print_blob reproduces failures).
settings.register_profile(
    "ci",
    database=None,
    max_examples=10,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    print_blob=True,
)
settings.register_profile(
    "thorough",
    database=None,
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
