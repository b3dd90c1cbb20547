"""The service registry: operation maps, the typo guard, and the generated coverage page."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

import pytest

from cloudlet.protocol import catalog
from cloudlet.services import coverage
from cloudlet.services.registry import SERVICES, select
from cloudlet.services.spec import unknown_functions

IMPLEMENTED = [
    pytest.param(spec, model, module, id=f"{spec.name}-{model}")
    for spec in SERVICES
    for model, module in spec.models.items()
    if module
]


@pytest.mark.parametrize(("spec", "model", "module_path"), IMPLEMENTED)
def test_every_operation_function_names_a_model_operation(spec, model, module_path):
    assert unknown_functions(import_module(module_path), list(spec.models)) == []


def test_every_served_model_exists_in_botocore():
    for spec in SERVICES:
        for model in spec.models:
            assert catalog.service_model(model).operation_names


def test_coverage_page_is_current():
    page = Path(__file__).parents[2] / "docs" / "coverage.md"
    assert page.read_text() == coverage.render(), (
        "run: python -m cloudlet.services.coverage > docs/coverage.md"
    )


def test_select_keeps_sts_and_refuses_unknown_names():
    assert {spec.name for spec in select(("sqs",))} == {"sqs", "sts"}
    with pytest.raises(ValueError, match="nope"):
        select(("nope",))
