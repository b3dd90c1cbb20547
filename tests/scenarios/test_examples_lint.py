"""Every template under `examples/` passes cfn-lint, the check that it deploys to AWS unchanged. cfn-lint
runs the SAM transform itself (with the local CodeUri folders as written). Errors and warnings fail
the test; informational findings (I-rules, which the cfn-lint command does not report by default, e.g.
I3011 "set DeletionPolicy on stateful resources") are not checked."""

from __future__ import annotations

from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TEMPLATES = sorted(EXAMPLES.glob("**/template.yaml"))


def test_there_are_templates_to_lint():
    names = {str(t.parent.relative_to(EXAMPLES)) for t in TEMPLATES}
    assert {"s3-ingest", "patterns/sqs-lambda-dlq", "patterns/deletetable-alert"} <= names


@pytest.mark.parametrize("template", TEMPLATES, ids=[str(t.parent.relative_to(EXAMPLES)) for t in TEMPLATES])
def test_template_passes_cfn_lint(template: Path):
    matches = lint(template.read_text(), config=ManualArgs(regions=["us-east-1"]))
    findings = [
        f"line {m.linenumber}: {m.rule.id} {m.message}" for m in matches if m.rule.severity != "informational"
    ]
    assert findings == [], f"{template}: " + "; ".join(findings)
