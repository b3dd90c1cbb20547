"""The README-ready "Performance" section from a results document (what `--out` writes).

    python -m benchmarks.markdown results.json [results.md]

renders it again from a saved JSON (to stdout without a second argument).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from benchmarks.report import CEILING, ratio_text, short

MARK = {True: "met", False: "**missed**", None: "not measured"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    targets = doc["targets"]
    columns = [*targets, *([CEILING] if any(CEILING in e["cells"] for e in doc["table"]) else [])]
    versions = doc.get("versions", {})
    heads = [f"{name} {versions[name]}" if versions.get(name) else name for name in columns]
    lines = [
        "## Performance",
        "",
        f"Measured {m['date']} on {m['nproc']} CPUs, {m['ram_gib']} GiB RAM, Python {m['python']} "
        f"({m['os']}), every target on the same machine in the same run, cases in alternating order "
        f"(A B A B, {doc['rounds']} round(s) of {doc['seconds']:g} s, median round); cloudlet "
        f"{'durable (its default)' if doc['durable'] else 'in memory'}. Reproduce with:",
        "",
        "```",
        doc["command"],
        "```",
        "",
        "| case | " + " | ".join(heads) + " | cloudlet vs best runnable peer |",
        "|---" * (len(columns) + 2) + "|",
    ]
    for entry in doc["table"]:
        cells = []
        for name in columns:
            cell = entry["cells"].get(name, {"status": "not measured", "text": "-"})
            text = cell["text"] if cell["status"] == "ok" else short(cell["text"], 70)
            cells.append(_cell(text))
        ratio = ratio_text(entry)
        if entry["ratio"] is not None:
            ratio = f"**{ratio}**"
        row = "| " + " | ".join([_cell(entry["title"]), *cells, ratio]) + " |"
        lines.append(row)
    lines += [
        "",
        "Ratios are cloudlet's figure against the best peer that ran the case (throughput divided by "
        "the peer's; the peer's p50, start-up time or memory divided by cloudlet's): above 1, cloudlet "
        "is ahead. Absolute figures drift from run to run; the ratios within one run are the comparison.",
        "",
        "Goals:",
        "",
    ]
    lines += [f"- {t['target']}: {MARK[t['met']]} ({t['detail']})" for t in doc["targets_met"]]
    statuses = doc.get("peers", {})
    if statuses:
        shown = [s if s.startswith(name) else f"{name}: {s}" for name, s in statuses.items()]
        lines += ["", "Targets: " + "; ".join(shown) + "."]
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not 1 <= len(args) <= 2:
        print("usage: python -m benchmarks.markdown results.json [results.md]", file=sys.stderr)
        return 2
    with open(args[0]) as fh:
        text = render(json.load(fh))
    if len(args) == 2:
        with open(args[1], "w") as out:
            out.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
