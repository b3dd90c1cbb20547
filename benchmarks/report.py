"""Summarise the rounds of each (case, target) into one row and print the table."""

from __future__ import annotations

import math
import statistics
from typing import Any

from benchmarks.cases import Result
from benchmarks.catalog import Case

CEILING = "trivial"


def summarise(case: Case, target: str, rounds: list[Result]) -> dict[str, Any]:
    """The median round (by the case's metric); the error (a whole table cell) only if no round succeeded."""
    ok = [r for r in rounds if not r.error]
    row: dict[str, Any] = {"case_id": case.id, "case": case.title, "target": target}
    if not ok:
        return {**row, "error": rounds[0].error}
    if case.metric == "latency":
        ok.sort(key=lambda r: r.p50)
    else:
        ok.sort(key=lambda r: r.mps or r.rps)
    best = ok[len(ok) // 2]
    notes = [best.note] if best.note else []
    if len(ok) < len(rounds):
        failed = next(r for r in rounds if r.error)
        notes.append(f"{len(rounds) - len(ok)}/{len(rounds)} rounds failed: {failed.error}")
    return {
        **row,
        "rps": round(best.rps, 1) if case.shows_rate else None,
        "mps": round(best.mps, 1) if case.shows_rate and best.messages else None,
        "p50_ms": round(best.p50, 3),
        "p99_ms": round(best.pct(99), 3),
        "requests": best.requests,
        "messages": best.messages,
        "note": "; ".join(notes),
    }


def _primary(case: Case, row: dict[str, Any]) -> float:
    return row["p50_ms"] if case.metric == "latency" else (row.get("mps") or row["rps"])


def comparison(case: Case, row: dict[str, Any], per_target: dict[str, dict[str, Any]]) -> str:
    """Lean cases: ratio to each other target (> 1: this one is better). boto3: share of the ceiling."""
    if "error" in row:
        return ""
    if row["target"] == CEILING:
        return "the ceiling" if case.kind == "boto3" else "canned server"
    ok = {t: r for t, r in per_target.items() if "error" not in r and t != row["target"]}
    if case.kind == "boto3":
        ceiling = ok.get(CEILING)
        return f"{row['rps'] / ceiling['rps']:.0%} of the boto3 ceiling" if ceiling else ""
    mine, parts = _primary(case, row), []
    for target, other in ok.items():
        if target == CEILING:
            continue
        theirs = _primary(case, other)
        ratio = theirs / mine if case.metric == "latency" else mine / theirs
        if math.isfinite(ratio) and ratio > 0:
            parts.append(f"{ratio:.3g}x {target}")
    suffix = " (p50)" if case.metric == "latency" else ""
    return ", ".join(parts) + (suffix if parts else "")


def _rate(row: dict[str, Any]) -> str:
    if row.get("rps") is None:
        return "-"
    if row.get("mps") and row["mps"] != row["rps"]:
        return f"{row['mps']:,.0f} msg/s, {row['rps']:,.0f} req/s"
    return f"{row['rps']:,.0f} req/s"


def print_table(cases: list[Case], rows: list[dict[str, Any]]) -> None:
    print(f"{'case':44} {'target':9} {'throughput':>26} {'p50 ms':>8} {'p99 ms':>8}  ratio / note")
    for case in cases:
        per_target = {r["target"]: r for r in rows if r["case_id"] == case.id}
        for target, row in per_target.items():
            if "error" in row:
                print(f"{case.title:44} {target:9} {row['error']}")
                continue
            extra = "; ".join(x for x in (comparison(case, row, per_target), row["note"]) if x)
            figures = f"{_rate(row):>26} {row['p50_ms']:8.3f} {row['p99_ms']:8.3f}"
            print(f"{case.title:44} {target:9} {figures}  {extra}")


def print_footer(
    peers: dict[str, str],
    startup: dict[str, list[float]],
    memory: dict[str, float | None],
    network: dict[str, list[str]],
) -> None:
    for name, status in peers.items():
        print(f"peer {name}: {status}")
    for name, values in startup.items():
        print(
            f"start-up to first answer, {name}: median {statistics.median(values) * 1000:.0f} ms "
            f"over {len(values)} start(s)"
        )
    for name, rss in memory.items():
        if rss is not None:
            print(f"memory (RSS) after the run, {name}: {rss:.0f} MiB")
    for name, found in network.items():
        print(f"sockets after the run, {name}: {', '.join(found) if found else 'loopback only'}")
