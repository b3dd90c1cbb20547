"""SQS as SDKs built on its last query-protocol model see it (shared by protocol and SQS tests)."""

from __future__ import annotations

import copy
from typing import Any

from botocore.loaders import Loader

from cloudlet.protocol import catalog


def legacy_sqs_model_data() -> dict[str, Any]:
    """The SQS model with the extras applied and their `queryName`s turned into `locationName`s."""
    loader = Loader(extra_search_paths=[str(catalog.DATA_DIR)])
    loader.extras_types.append("cloudlet")
    data = copy.deepcopy(loader.load_service_model("sqs", "service-2"))

    def rename(node: Any) -> None:
        if isinstance(node, dict):
            if "queryName" in node:
                node["locationName"] = node.pop("queryName")
            for child in node.values():
                rename(child)

    rename(data["shapes"])
    return data
