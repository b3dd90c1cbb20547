"""The example at the top of docs/cloudformation.md, run exactly as written there."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

DOC = Path(__file__).parents[3] / "docs" / "cloudformation.md"


def test_the_docs_example_runs_as_written(cloudlet: Any) -> None:
    source = re.search(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert source is not None
    namespace: dict[str, Any] = {}
    exec(compile(source.group(1), str(DOC), "exec"), namespace)
    namespace["test_orders_flow_from_queue_to_table"](cloudlet)
