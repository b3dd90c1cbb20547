"""cloudlet against the peers a user would pick instead, measured in one run on one machine.

    python -m benchmarks peers [--only cloudlet,ministack,moto,localstack] [--cases ...] [--seconds S]
        [--rounds N] [--out results.json] [--plot results.png] [--markdown results.md] [--in-memory]
    python -m benchmarks [--endpoint URL] [--peers moto,ministack] [--cases sqs] [--seconds S] [--out FILE]

`peers` starts every target (cloudlet durable in a temp data dir unless --in-memory; each peer from
its own virtualenv, see benchmarks/peers.py) three times from cold for the start-up to first answer,
keeps the third running and reads its idle memory (RSS of the process tree) before any case; then
runs each case on every target in alternating order (A B A B over --rounds) so drift cancels out,
and shows the median round. A peer that cannot be installed or started is "not runnable here" in all
its cells; a case a peer lacks shows "unsupported", one that fails "error: ...".

The second form (no subcommand) is the original one: cloudlet plus --peers (none by default), every
case by default, and the boto3 cases also against a trivial canned server (the boto3 ceiling);
--endpoint measures an already running endpoint instead of starting cloudlet.

--out writes the JSON (figures, the table, the machine, the command, peer versions); --plot draws the
ratios with matplotlib from its own venv (benchmarks/plot_venv.py); --markdown writes the README's
"Performance" section (benchmarks/markdown.py).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import catalog, markdown, peers, plot_venv, report, servers
from benchmarks.cases import Result
from benchmarks.report import short

PEERS_CASES = (
    "sqs_send_batch,sqs_receive_delete_1,sqs_receive_delete_8,sqs_send,sqs_long_poll,sns_fanout,"
    "events_put,s3_notify_latency,lambda_warm_raw,lambda_cold,lambda_sqs_esm,dynamodb_put,dynamodb_get,"
    "dynamodb_query_page,apigw_crud,feedback_flow"
)
"""The issue's comparison: the default cases of `peers`."""
COLD_STARTS = 3
ORDER = ("ministack", "moto", "localstack")
"""Column order of the peers by default (others from peers.PEERS follow)."""


def _common(parser: argparse.ArgumentParser, cases: str, seconds: float, rounds: int) -> None:
    parser.add_argument("--cases", default=cases, help=f"comma-separated groups or case ids; default {cases}")
    parser.add_argument(
        "--seconds", type=float, default=seconds, help="duration of each timed case (default %(default)s)"
    )
    parser.add_argument(
        "--rounds", type=int, default=rounds, help="alternating rounds per case (default %(default)s)"
    )
    parser.add_argument("--in-memory", action="store_true", help="run cloudlet with --in-memory")
    parser.add_argument("--out", help="write the results as JSON")
    parser.add_argument("--plot", help="draw the ratios to this PNG (matplotlib, in its own venv)")
    parser.add_argument("--markdown", help="write the README-ready Performance section to this file")


def _parse(argv: list[str]) -> tuple[argparse.Namespace, list[str], str | None]:
    """(options, target names in column order, endpoint of an already running server or None)."""
    fmt = argparse.RawDescriptionHelpFormatter
    if argv[:1] == ["peers"]:
        parser = argparse.ArgumentParser(
            prog="python -m benchmarks peers", description=__doc__, formatter_class=fmt
        )
        known = sorted(peers.PEERS, key=lambda p: (ORDER.index(p) if p in ORDER else len(ORDER), p))
        everything = ",".join([report.REFERENCE, *known])
        parser.add_argument(
            "--only", default=everything, help=f"comma-separated targets; default {everything}"
        )
        _common(parser, PEERS_CASES, 2.0, 2)
        args = parser.parse_args(argv[1:])
        names = list(dict.fromkeys(n.strip() for n in args.only.split(",") if n.strip()))
        endpoint = None
    else:
        parser = argparse.ArgumentParser(
            prog="python -m benchmarks", description=__doc__, formatter_class=fmt
        )
        parser.add_argument("--endpoint", help="measure an already running AWS-compatible endpoint")
        parser.add_argument("--peers", default="", help=f"comma-separated peers: {', '.join(peers.PEERS)}")
        _common(parser, "all", 3.0, 2)
        args = parser.parse_args(argv)
        endpoint = args.endpoint.rstrip("/") if args.endpoint else None
        wanted = [p.strip() for p in args.peers.split(",") if p.strip()]
        names = ["endpoint" if endpoint else report.REFERENCE, *dict.fromkeys(wanted)]
    for name in names:
        if name not in peers.PEERS and name not in (report.REFERENCE, "endpoint"):
            parser.error(f"unknown target {name!r}; known: {', '.join([report.REFERENCE, *peers.PEERS])}")
    if args.seconds <= 0 or args.rounds < 1:
        parser.error("--seconds must be > 0 and --rounds >= 1")
    try:
        args.selected = catalog.select(args.cases)
    except ValueError as exc:
        parser.error(str(exc))
    return args, names, endpoint


def main(argv: list[str] | None = None) -> int:
    began = time.perf_counter()
    argv = sys.argv[1:] if argv is None else argv
    args, names, endpoint = _parse(argv)
    selected: list[catalog.Case] = args.selected

    running: list[servers.Running] = []
    unavailable: dict[str, str] = {}
    statuses: dict[str, str] = {}
    startup: dict[str, list[float]] = {}
    idle_rss: dict[str, float | None] = {}
    ceiling: servers.Running | None = None
    try:
        for name in names:
            if name == "endpoint" and endpoint:
                running.append(servers.Running("endpoint", endpoint, None))
                continue
            print(f"starting {name} ({COLD_STARTS} cold starts) ...", file=sys.stderr, flush=True)
            try:
                target, label, starts = _cold_starts(name, args.in_memory)
            except peers.NotRunnable as exc:
                unavailable[name] = statuses[name] = f"not runnable here: {exc}"
                print(f"{name}: {statuses[name]}", file=sys.stderr)
                continue
            statuses[name], startup[name] = label, starts
            idle_rss[name] = _tree_rss_mib(target)
            running.append(target)
        if any(case.on_ceiling for case in selected):
            ceiling = servers.start_trivial()
        results, walls = _run(selected, running, ceiling, args.seconds, args.rounds)
        after_rss = {t.name: _tree_rss_mib(t) for t in running}
        network = {t.name: peers.foreign_sockets(t.process.pid) for t in running if t.process is not None}
    finally:
        for target in [*running, *([ceiling] if ceiling else [])]:
            target.stop()

    rows = [
        report.summarise(case, target, rounds)
        for case in selected
        for (case_id, target), rounds in results.items()
        if case_id == case.id
    ]
    table = report.build_table(selected, rows, names, unavailable, startup, idle_rss, after_rss)
    reference = report.REFERENCE if report.REFERENCE in names else names[0]
    doc: dict[str, Any] = {
        "command": "python -m benchmarks " + shlex.join(argv),
        "machine": report.machine(),
        "targets": names,
        "peers": statuses,
        "versions": _versions(names, unavailable),
        "durable": not args.in_memory,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "cases": [case.id for case in selected],
        "table": table,
        "targets_met": report.judge_targets(table, reference, not args.in_memory),
        "rows": rows,
        "startup_s": startup,
        "idle_rss_mib": idle_rss,
        "after_run_rss_mib": after_rss,
        "non_loopback_sockets": network,
        "run_wall_s": walls,
    }
    doc["elapsed_s"] = round(time.perf_counter() - began, 1)
    report.print_results(doc)
    _write_outputs(args, doc)
    print(f"elapsed: {time.perf_counter() - began:.0f} s in total", flush=True)
    return 0


def _write_outputs(args: argparse.Namespace, doc: dict[str, Any]) -> None:
    if args.out:
        Path(args.out).write_text(json.dumps(doc, indent=2))
        print(f"results JSON: {args.out}")
    if args.markdown:
        Path(args.markdown).write_text(markdown.render(doc))
        print(f"Markdown section: {args.markdown}")
    if args.plot:
        with tempfile.TemporaryDirectory(prefix="cloudlet-bench-plot-") as tmp:
            source = args.out or os.path.join(tmp, "results.json")
            if not args.out:
                Path(source).write_text(json.dumps(doc))
            try:
                plot_venv.draw(source, args.plot)
                print(f"plot: {args.plot}")
            except plot_venv.PlotError as exc:
                print(f"plot: not drawn: {exc}", file=sys.stderr)


def _cold_starts(name: str, in_memory: bool) -> tuple[servers.Running, str, list[float]]:
    """Start the target COLD_STARTS times (start-up to first answer each time), keeping the last one."""
    starts: list[float] = []
    label = name
    for attempt in range(COLD_STARTS):
        if name == report.REFERENCE:
            target = servers.start_cloudlet(in_memory)
            label = f"cloudlet {_cloudlet_version()} ({'in memory' if in_memory else 'durable'})"
        else:
            target, label = peers.start(name)
        starts.append(round(target.startup_s or 0.0, 4))
        if attempt < COLD_STARTS - 1:
            target.stop()
    return target, label, starts


def _cloudlet_version() -> str:
    try:
        return importlib.metadata.version("cloudlet")
    except importlib.metadata.PackageNotFoundError:
        return "?"


def _versions(names: list[str], unavailable: dict[str, str]) -> dict[str, str]:
    found = {}
    for name in names:
        if name == report.REFERENCE:
            found[name] = _cloudlet_version()
        elif name in peers.PEERS and name not in unavailable:
            found[name] = peers.version(peers.PEERS[name])
    return found


def _tree_rss_mib(target: servers.Running) -> float | None:
    """Resident memory of the target's process and all its descendants, in MiB."""
    if target.process is None or target.process.poll() is not None:
        return None
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total_kib, todo = 0, [target.process.pid]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
        except OSError:
            continue
    return round(total_kib / 1024, 1)


def _run(
    selected: list[catalog.Case],
    targets: list[servers.Running],
    ceiling: servers.Running | None,
    seconds: float,
    rounds: int,
) -> tuple[dict[tuple[str, str], list[Result]], dict[str, dict[str, list[float]]]]:
    """Each case against every target, alternating targets within each round (A B A B): the results,
    and the wall time of each run (setup included). A target that could not run a case in a round
    is not asked again in the later rounds (keeps the run bounded: failures often mean timeouts)."""
    results: dict[tuple[str, str], list[Result]] = {}
    walls: dict[str, dict[str, list[float]]] = {}
    for case in selected:
        case_targets = [*targets, *([ceiling] if ceiling and case.on_ceiling else [])]
        for _ in range(rounds):
            for target in case_targets:
                done = results.setdefault((case.id, target.name), [])
                if done and all(r.error for r in done):
                    continue
                if reason := _not_runnable(target.name, case):
                    done.append(
                        Result(case.title, target.name, 0, 0.0, [], error=f"not runnable here: {reason}")
                    )
                    continue
                print(f"  {case.id} on {target.name} ...", end="", file=sys.stderr, flush=True)
                t0 = time.perf_counter()
                done.append(_run_one(case, target.name, target.endpoint, seconds))
                wall = time.perf_counter() - t0
                walls.setdefault(case.id, {}).setdefault(target.name, []).append(round(wall, 2))
                failed = f" ({short(done[-1].error, 70)})" if done[-1].error else ""
                print(f" {wall:.1f} s{failed}", file=sys.stderr, flush=True)
    return results, walls


def _not_runnable(name: str, case: catalog.Case) -> str | None:
    """A reason a peer declares it cannot run this case on this machine (Peer.not_runnable, optional:
    case id or group -> reason), so the case is reported rather than attempted."""
    declared = getattr(peers.PEERS.get(name), "not_runnable", None) or {}
    return declared.get(case.id) or declared.get(case.group)


def _run_one(case: catalog.Case, target: str, endpoint: str, seconds: float) -> Result:
    try:
        result = case.run(target, endpoint, seconds)
    except Exception as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        if message.lower().startswith(("unsupported", "not runnable here")):
            return Result(case.title, target, 0, 0.0, [], error=message[:300])
        return Result(case.title, target, 0, 0.0, [], error=f"error: {type(exc).__name__}: {message}"[:300])
    result.case = case.title
    return result


if __name__ == "__main__":
    sys.exit(main())
