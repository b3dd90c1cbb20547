"""Load and cache botocore ServiceModels, with cloudlet's extras merged in.

Extras live in `protocol/data/<service>/<api-version>/service-2.cloudlet-extras.json` (model gaps filled
from the AWS documentation; each folder has a PROVENANCE.md) and are merged by botocore's own extras
mechanism. Models are immutable once loaded, so one process-wide cache serves every App.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import botocore
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


def route_index(names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """What routing needs of each model, without loading the models on every start.

    Per model: targetPrefix, signingName, endpointPrefix, protocol, protocols and, for models that
    speak query, their operation names. Cached in `$XDG_CACHE_HOME/cloudlet/`, keyed by the botocore
    version and the extras files, so only the first start after an upgrade pays for loading models.
    """
    wanted = sorted(set(names))
    path = _index_path(wanted)
    if path is not None:
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            pass
    index = {name: _index_entry(service_model(name)) for name in wanted}
    if path is not None:
        _write_atomically(path, json.dumps(index))
    return index


def _index_entry(model: ServiceModel) -> dict[str, Any]:
    speaks = protocols(model)
    return {
        "targetPrefix": model.metadata.get("targetPrefix"),
        "signingName": signing_name(model),
        "endpointPrefix": model.endpoint_prefix,
        "protocol": model.protocol,
        "protocols": list(speaks),
        "queryOperations": list(model.operation_names) if "query" in speaks else [],
    }


def _index_path(names: list[str]) -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    digest = hashlib.sha256(botocore.__version__.encode())
    for name in names:
        digest.update(name.encode())
    for extra in sorted(DATA_DIR.rglob("*.json")):
        stat = extra.stat()
        digest.update(f"{extra.relative_to(DATA_DIR)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return Path(base) / "cloudlet" / f"route-index-{digest.hexdigest()[:16]}.json"


def _write_atomically(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".route-index-")
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home only costs start-up time
