"""`python -m benchmarks [--endpoint URL] [--peers moto,ministack] [--cases sqs] [--seconds S] [--out FILE]`

Without --endpoint, starts cloudlet (durable, temp data dir) itself and measures start-up to first
answer and idle memory too. Peers run from their own virtualenvs (see benchmarks/peers.py); a peer
that cannot be installed or started is reported as not runnable here. The boto3 ceiling is boto3
against a trivial canned-response server. For each case, targets run in alternating order
(A B A B over --rounds) so drift cancels out; the table shows the median round. A case that fails
on a target shows as "error: ..." in that target's row.
"""

from __future__ import annotations

import argparse
import json
import sys

from benchmarks import catalog, peers, report, servers
from benchmarks.cases import Result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--endpoint", help="measure an already running AWS-compatible endpoint")
    parser.add_argument(
        "--peers", default="", help=f"comma-separated peers to compare: {', '.join(peers.PEERS)}"
    )
    parser.add_argument(
        "--cases", default="all", help="comma-separated groups (sts, sqs) or case ids; default all"
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each timed case")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per case")
    parser.add_argument("--in-memory", action="store_true", help="run cloudlet with --in-memory")
    parser.add_argument("--out", help="write the results as JSON")
    args = parser.parse_args(argv)
    try:
        selected = catalog.select(args.cases)
    except ValueError as exc:
        parser.error(str(exc))
    wanted_peers = [p for p in args.peers.split(",") if p]
    for name in wanted_peers:
        if name not in peers.PEERS:
            parser.error(f"unknown peer {name!r}; known: {', '.join(peers.PEERS)}")

    targets: list[servers.Running] = []
    startup: dict[str, list[float]] = {}
    peer_status: dict[str, str] = {}
    ceiling: servers.Running | None = None
    try:
        if args.endpoint:
            targets.append(servers.Running("endpoint", args.endpoint.rstrip("/"), None))
        else:
            for _ in range(3):  # start-up to first answer: three cold starts
                probe = servers.start_cloudlet(args.in_memory)
                startup.setdefault("cloudlet", []).append(probe.startup_s or 0.0)
                probe.stop()
            targets.append(servers.start_cloudlet(args.in_memory))
        for name in wanted_peers:
            try:
                running, label = peers.start(name)
            except peers.NotRunnable as exc:
                peer_status[name] = f"not runnable here: {exc}"
                print(f"peer {name}: {peer_status[name]}", file=sys.stderr)
                continue
            peer_status[name] = label
            startup.setdefault(name, []).append(running.startup_s or 0.0)
            targets.append(running)
        if any(case.on_ceiling for case in selected):
            ceiling = servers.start_trivial()
        results = _run(selected, targets, ceiling, args.seconds, args.rounds)
        memory = {t.name: t.rss_mib() for t in targets}
        network = {t.name: peers.foreign_sockets(t.process.pid) for t in targets if t.process is not None}
    finally:
        for target in [*targets, *([ceiling] if ceiling else [])]:
            target.stop()

    rows = [
        report.summarise(case, target, rounds)
        for case in selected
        for (case_id, target), rounds in results.items()
        if case_id == case.id
    ]
    report.print_table(selected, rows)
    report.print_footer(peer_status, startup, memory, network)
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(
                {
                    "rows": rows,
                    "peers": peer_status,
                    "startup_s": startup,
                    "idle_rss_mib": memory,
                    "non_loopback_sockets": network,
                    "seconds": args.seconds,
                    "rounds": args.rounds,
                },
                fh,
                indent=2,
            )
    return 0


def _run(
    selected: list[catalog.Case],
    targets: list[servers.Running],
    ceiling: servers.Running | None,
    seconds: float,
    rounds: int,
) -> dict[tuple[str, str], list[Result]]:
    """Each case against every target, alternating targets within each round (A B A B)."""
    results: dict[tuple[str, str], list[Result]] = {}
    for case in selected:
        case_targets = [*targets, *([ceiling] if ceiling and case.on_ceiling else [])]
        for _ in range(rounds):
            for target in case_targets:
                print(f"  {case.id} on {target.name} ...", file=sys.stderr, flush=True)
                results.setdefault((case.id, target.name), []).append(
                    _run_one(case, target.name, target.endpoint, seconds)
                )
    return results


def _run_one(case: catalog.Case, target: str, endpoint: str, seconds: float) -> Result:
    try:
        result = case.run(target, endpoint, seconds)
    except Exception as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return Result(case.title, target, 0, 0.0, [], error=f"error: {type(exc).__name__}: {message}"[:300])
    result.case = case.title
    return result


if __name__ == "__main__":
    sys.exit(main())
