"""Load and cache botocore ServiceModels, with cloudlet's extras merged in.

Extras live in `protocol/data/<service>/<api-version>/service-2.cloudlet-extras.json` (model gaps filled
from the AWS documentation; each folder has a PROVENANCE.md) and are merged by botocore's own extras
mechanism. Models are immutable once loaded, so one process-wide cache serves every App.
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel

DATA_DIR = Path(__file__).parent / "data"


@lru_cache(maxsize=1)
def _loader() -> Loader:
    loader = Loader(extra_search_paths=[str(DATA_DIR)])
    loader.extras_types.append("cloudlet")
    return loader


@cache
def service_model(name: str) -> ServiceModel:
    """The model of botocore service `name` (e.g. "sqs", "cloudwatch"), extras merged."""
    return ServiceModel(_loader().load_service_model(name, "service-2"), service_name=name)


@cache
def operations(name: str) -> dict[str, OperationModel]:
    model = service_model(name)
    return {op: model.operation_model(op) for op in model.operation_names}


def protocols(model: ServiceModel) -> tuple[str, ...]:
    """Every wire protocol the service accepts, preferred first (`metadata.protocols`)."""
    listed = model.metadata.get("protocols") or [model.protocol]
    return tuple(listed)


def signing_name(model: ServiceModel) -> str:
    return model.metadata.get("signingName") or model.endpoint_prefix
