"""Turn the measured rounds into the results table (one row per case, one cell per target, a ratio
column), judge the issue's targets, describe the machine, and print the table with rich.

A ratio is always "cloudlet vs a peer", > 1 meaning cloudlet is better: throughput divided by the
peer's, the peer's p50 (or start-up time, or idle memory) divided by cloudlet's. "Best runnable peer"
is the peer with the best figure on that case among those that ran it; peers that could not run a
case (unsupported, not runnable here, error) are left out of the ratio and shown in their cell.

The results table is part of the JSON (`table`), so the Markdown and the plot are drawn from the
same figures as the printed table.
"""

from __future__ import annotations

import datetime
import math
import os
import platform
import statistics
from typing import Any

from benchmarks.cases import Result
from benchmarks.catalog import Case

CEILING = "trivial"
REFERENCE = "cloudlet"
EVENT_PATH = frozenset(
    {
        "sqs_send_batch",
        "sqs_receive_delete_1",
        "sqs_receive_delete_8",
        "sqs_send",
        "sqs_long_poll",
        "sns_fanout",
        "sns_fanout_latency",
        "events_put",
        "events_put_1000_rules",
        "events_latency",
        "s3_notify_latency",
        "lambda_sqs_esm",
        "feedback_flow",
        "feedback_load_c8",
    }
)
"""Cases on an event path (a message or event handed from one service to the next)."""
EVENT_PATH_RATIO = 3.0
WARM_INVOKE_P50_MS = 3.0
STARTUP_S = 0.5


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
        "p50_ms": _finite(best.p50),
        "p99_ms": _finite(best.pct(99)),
        "requests": best.requests,
        "messages": best.messages,
        "note": "; ".join(notes),
    }


def _finite(value: float) -> float | None:
    """Rounded, or None for NaN (a case that times no single request): the JSON stays standard."""
    return round(value, 3) if math.isfinite(value) else None


def status_of(error: str) -> str:
    """'unsupported', 'not runnable here' or 'error' for the error text of a cell."""
    text = error.lower()
    if text.startswith("not runnable here") or "not runnable here" in text[:80]:
        return "not runnable here"
    if text.startswith("unsupported") or ": unsupported" in text[:80]:
        return "unsupported"
    return "error"


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _case_cell(case: Case, row: dict[str, Any] | None, ceiling: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:
        return {"status": "not measured", "text": "-", "value": None}
    if "error" in row:
        status = status_of(row["error"])
        text = "unsupported" if status == "unsupported" else row["error"]
        return {"status": status, "text": text, "value": None, "detail": row["error"]}
    p50, p99 = row["p50_ms"], row["p99_ms"]
    if case.metric == "latency" or row.get("rps") is None:
        text, value = "no request timed", p50
        if p50 is not None and p99 is not None:
            text = f"p50 {_ms(p50)} ms, p99 {_ms(p99)} ms"
    else:
        value = row.get("mps") or row["rps"]
        unit = "msg/s" if row.get("mps") else "req/s"
        text = f"{value:,.0f} {unit}" + (f" (p50 {_ms(p50)} ms)" if p50 is not None else "")
        if case.kind == "boto3" and ceiling and "error" not in ceiling and ceiling.get("rps"):
            text += f" = {row['rps'] / ceiling['rps']:.0%} of the boto3 ceiling"
    cell = {"status": "ok", "text": text, "value": value, "p50_ms": p50, "p99_ms": p99}
    if row.get("note"):
        cell["note"] = row["note"]
    return cell


def _ratio(better: str, mine: float, theirs: float) -> float | None:
    if not (mine and theirs):
        return None
    ratio = mine / theirs if better == "higher" else theirs / mine
    return ratio if math.isfinite(ratio) and ratio > 0 else None


def _with_ratios(entry: dict[str, Any], better: str, reference: str) -> dict[str, Any]:
    cells = entry["cells"]
    mine = cells.get(reference, {}).get("value")
    ratios: dict[str, float] = {}
    if mine is not None:
        for target, cell in cells.items():
            if target in (reference, CEILING) or cell.get("value") is None:
                continue
            if (ratio := _ratio(better, mine, cell["value"])) is not None:
                ratios[target] = round(ratio, 3)
    best = min(ratios, key=lambda t: ratios[t]) if ratios else None
    return {**entry, "better": better, "ratios": ratios, "best_peer": best, "ratio": ratios.get(best or "")}


def build_table(
    cases: list[Case],
    rows: list[dict[str, Any]],
    targets: list[str],
    unavailable: dict[str, str],
    startup: dict[str, list[float]],
    idle_rss: dict[str, float | None],
    after_rss: dict[str, float | None],
) -> list[dict[str, Any]]:
    """One entry per case (start-up and idle memory first): cells per target, ratios vs the reference."""
    reference = REFERENCE if REFERENCE in targets else targets[0]
    table: list[dict[str, Any]] = []

    def down(target: str) -> dict[str, Any]:
        return {"status": "not runnable here", "text": unavailable[target], "value": None}

    if startup:
        cells = {}
        for t in targets:
            if t in unavailable:
                cells[t] = down(t)
            elif startup.get(t):
                median = statistics.median(startup[t])
                text = f"{median * 1000:,.0f} ms (median of {len(startup[t])})"
                cells[t] = {"status": "ok", "text": text, "value": median, "runs_s": startup[t]}
            else:
                cells[t] = {"status": "not measured", "text": "-", "value": None}
        entry = {"id": "startup", "title": "start-up to first answer", "metric": "startup", "cells": cells}
        table.append(_with_ratios({**entry, "event_path": False}, "lower", reference))
    if any(v is not None for v in idle_rss.values()):
        cells = {}
        for t in targets:
            if t in unavailable:
                cells[t] = down(t)
            elif idle_rss.get(t) is not None:
                after = after_rss.get(t)
                text = f"{idle_rss[t]:,.0f} MiB" + (f" ({after:,.0f} after the run)" if after else "")
                cells[t] = {"status": "ok", "text": text, "value": idle_rss[t], "after_run_mib": after}
            else:
                cells[t] = {"status": "not measured", "text": "-", "value": None}
        entry = {"id": "idle_memory", "title": "idle memory (RSS, process tree)", "metric": "memory"}
        table.append(_with_ratios({**entry, "cells": cells, "event_path": False}, "lower", reference))
    for case in cases:
        by_target = {r["target"]: r for r in rows if r["case_id"] == case.id}
        cells = {}
        for t in [*targets, *([CEILING] if CEILING in by_target else [])]:
            cells[t] = (
                down(t) if t in unavailable else _case_cell(case, by_target.get(t), by_target.get(CEILING))
            )
        entry = {
            "id": case.id,
            "title": case.title,
            "metric": case.metric,
            "kind": case.kind,
            "event_path": case.id in EVENT_PATH,
            "cells": cells,
        }
        table.append(_with_ratios(entry, "lower" if case.metric == "latency" else "higher", reference))
    return table


def judge_targets(table: list[dict[str, Any]], reference: str, durable: bool) -> list[dict[str, Any]]:
    """The issue's targets, each met (True), missed (False) or not measured (None), with the detail."""
    judged = []
    event = [e for e in table if e.get("event_path")]
    compared = [e for e in event if e["ratio"] is not None]
    missed = [e for e in compared if e["ratio"] < EVENT_PATH_RATIO]
    detail = ", ".join(f"{e['id']} {times(e['ratio'])} {e['best_peer']}" for e in missed)
    if not compared:
        met, detail = None, "no event-path case ran on both cloudlet and a peer"
    else:
        met = not missed
        uncompared = [e["id"] for e in event if e["ratio"] is None]
        detail = (f"missed on {detail}" if missed else f"all {len(compared)} compared cases") + (
            f"; no runnable peer on {', '.join(uncompared)}" if uncompared else ""
        )
    if not durable:
        detail += "; measured in memory, the target is for durable"
    judged.append(
        {
            "target": f"cloudlet ≥ {EVENT_PATH_RATIO:g}x the best runnable peer on every event-path case",
            "met": met,
            "detail": detail,
        }
    )
    warm = next((e for e in table if e["id"] == "lambda_warm_raw"), None)
    p50 = (warm or {}).get("cells", {}).get(reference, {}).get("p50_ms")
    judged.append(
        {
            "target": f"warm invoke p50 < {WARM_INVOKE_P50_MS:g} ms",
            "met": None if p50 is None else p50 < WARM_INVOKE_P50_MS,
            "detail": "lambda_warm_raw did not run on cloudlet" if p50 is None else f"p50 {p50:.2f} ms",
        }
    )
    start = next((e for e in table if e["id"] == "startup"), None)
    seconds = (start or {}).get("cells", {}).get(reference, {}).get("value")
    judged.append(
        {
            "target": f"start-up < {STARTUP_S:g} s",
            "met": None if seconds is None else seconds < STARTUP_S,
            "detail": "cloudlet was not started" if seconds is None else f"median {seconds * 1000:.0f} ms",
        }
    )
    return judged


def machine() -> dict[str, Any]:
    """nproc, RAM, Python, OS and the date of the run."""
    ram_gib = None
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    ram_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
                    break
    except OSError:
        pass
    cpu = ""
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), "")
    except OSError:
        pass
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count() or 0
    return {
        "nproc": nproc,
        "ram_gib": ram_gib,
        "cpu": cpu,
        "python": platform.python_version(),
        "os": platform.platform(),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def ratio_text(entry: dict[str, Any]) -> str:
    if entry["ratio"] is None:
        return "no runnable peer" if entry["cells"] else ""
    return f"{times(entry['ratio'])} {entry['best_peer']}"


def times(ratio: float) -> str:
    return f"{ratio:,.0f}x" if ratio >= 100 else f"{ratio:.3g}x"


def short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def print_results(doc: dict[str, Any]) -> None:
    """The results table (rich), the targets met or missed, and the notes behind error cells."""
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(140, Console().width))
    targets = doc["targets"]
    columns = [*targets, *([CEILING] if any(CEILING in e["cells"] for e in doc["table"]) else [])]
    m = doc["machine"]
    table = Table(
        title=f"cloudlet vs peers — {m['date']}, {m['nproc']} CPUs, {m['ram_gib']} GiB, Python {m['python']}",
        caption=f"{doc['seconds']:g} s per case, {doc['rounds']} round(s), median round; "
        f"cloudlet {'durable' if doc['durable'] else 'in memory'}",
        show_lines=True,
    )
    table.add_column("case", max_width=34)
    for name in columns:
        table.add_column(f"{name}\n{doc.get('versions', {}).get(name, '')}".strip(), max_width=30)
    table.add_column("cloudlet vs best runnable peer", max_width=20)
    for entry in doc["table"]:
        cells = []
        for name in columns:
            cell = entry["cells"].get(name, {"status": "not measured", "text": "-"})
            text = short(cell["text"], 60)
            style = {"ok": "", "unsupported": "yellow", "not runnable here": "dim", "error": "red"}
            cells.append(
                f"[{style[cell['status']]}]{_esc(text)}[/]" if style.get(cell["status"]) else _esc(text)
            )
        ratio = entry["ratio"]
        colour = (
            ""
            if ratio is None
            else "green"
            if ratio >= EVENT_PATH_RATIO
            else "yellow"
            if ratio >= 1
            else "red"
        )
        shown = _esc(ratio_text(entry))
        table.add_row(_esc(entry["title"]), *cells, f"[{colour}]{shown}[/]" if colour else shown)
    console.print(table)
    for judged in doc["targets_met"]:
        mark = {True: "[green]met[/]", False: "[red]missed[/]", None: "[dim]not measured[/]"}[judged["met"]]
        console.print(f"target {_esc(judged['target'])}: {mark} ({_esc(judged['detail'])})")
    for entry in doc["table"]:
        for name, cell in entry["cells"].items():
            if cell["status"] != "ok" and len(cell.get("detail", "")) > 60:
                console.print(f"[dim]{entry['id']} on {name}: {_esc(short(cell['detail'], 300))}[/]")
    for name, found in doc.get("non_loopback_sockets", {}).items():
        console.print(f"sockets after the run, {name}: {', '.join(found) if found else 'loopback only'}")


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)
