"""Draw cloudlet's ratio against each peer, per case, on a log scale, from a results JSON.

    <plot venv>/bin/python benchmarks/plot.py results.json results.png

Runs in its own virtualenv with matplotlib (see plot_venv.py); imports nothing from cloudlet. A bar
right of 1 means cloudlet is ahead of that peer on that case; the dashed line marks the 3x target of
the event-path cases. A peer that could not run a case gets no bar, and its cell text is written in
its place.
"""

from __future__ import annotations

import json
import sys
from typing import Any

COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def draw(doc: dict[str, Any], png: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    reference = "cloudlet" if "cloudlet" in doc["targets"] else doc["targets"][0]
    peers = [t for t in doc["targets"] if t != reference]
    entries = list(doc["table"])
    height = 0.8 / max(1, len(peers))
    fig, ax = plt.subplots(figsize=(11, 1.6 + 0.2 * len(entries) * max(2, len(peers))))
    values = [r for e in entries for r in e["ratios"].values()] or [1.0]
    low, high = min(min(values), 0.5) / 2, max(max(values), 5.0) * 3
    for i, entry in enumerate(entries):
        for j, peer in enumerate(peers):
            y = i + (j - (len(peers) - 1) / 2) * height
            ratio = entry["ratios"].get(peer)
            colour = COLOURS[j % len(COLOURS)]
            if ratio is None:
                cell = entry["cells"].get(peer, {})
                text = cell.get("status", "-") if cell.get("status") != "ok" else "-"
                ax.text(low * 1.1, y, text, va="center", fontsize=7, color=colour, alpha=0.8)
                continue
            ax.barh(y, ratio - 1.0, height=height * 0.9, left=1.0, color=colour)  # from 1 to the ratio
            ahead = ratio >= 1.0
            x, align = (ratio * 1.05, "left") if ahead else (ratio / 1.05, "right")
            ax.text(x, y, _times(ratio), va="center", ha=align, fontsize=7)
    ax.set_xscale("log")
    ax.set_xlim(low, high)
    ticks = [t for t in (0.01, 0.03, 0.1, 0.3, 0.5, 1, 2, 3, 5, 10, 30, 100, 300, 1000) if low <= t <= high]
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t:g}x" for t in ticks])
    ax.minorticks_off()
    ax.axvline(1.0, color="black", linewidth=1)
    ax.axvline(3.0, color="grey", linewidth=1, linestyle="--")
    ax.set_yticks(range(len(entries)))
    ax.set_yticklabels([e["title"] for e in entries], fontsize=8)
    ax.set_ylim(len(entries) - 0.5, -0.5)  # first case on top
    ax.set_xlabel(f"{reference} vs peer (> 1: {reference} ahead; log scale; dashed: 3x)")
    machine = doc.get("machine", {})
    fig.suptitle(
        f"{reference} vs peers, {machine.get('date', '')}, {machine.get('nproc', '?')} CPUs, "
        f"Python {machine.get('python', '?')}",
        fontsize=10,
    )
    versions = doc.get("versions", {})
    handles = [plt.Rectangle((0, 0), 1, 1, color=COLOURS[j % len(COLOURS)]) for j in range(len(peers))]
    labels = [f"{p} {versions.get(p, '')}".strip() for p in peers]
    if handles:
        ax.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(peers), fontsize=8)
    ax.grid(axis="x", which="both", alpha=0.2)
    fig.tight_layout(rect=(0, 0, 1, 0.98))
    fig.savefig(png, dpi=110)
    plt.close(fig)


def _times(ratio: float) -> str:
    return f"{ratio:,.0f}x" if ratio >= 100 else f"{ratio:.3g}x"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: plot.py results.json results.png", file=sys.stderr)
        return 2
    with open(argv[0]) as fh:
        draw(json.load(fh), argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
