"""`python -m benchmarks [--endpoint URL] [--peers moto] [--seconds S] [--out FILE]`

Without --endpoint, starts cloudlet (durable, temp data dir) itself and measures start-up to first
answer and idle memory too. The boto3 ceiling is boto3 against a trivial canned-response server.
Targets run in alternating order (A B A B) so drift cancels out; the table shows the median round.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys

from benchmarks import cases, servers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--endpoint", help="measure an already running AWS-compatible endpoint")
    parser.add_argument("--peers", default="", help="comma-separated peers to compare: moto")
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each timed case")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per case")
    parser.add_argument("--in-memory", action="store_true", help="run cloudlet with --in-memory")
    parser.add_argument("--out", help="write the results as JSON")
    args = parser.parse_args(argv)

    targets: list[servers.Running] = []
    startup: dict[str, list[float]] = {}
    try:
        if args.endpoint:
            targets.append(servers.Running("endpoint", args.endpoint.rstrip("/"), None))
        else:
            for _ in range(3):  # start-up to first answer: three cold starts
                probe = servers.start_cloudlet(args.in_memory)
                startup.setdefault("cloudlet", []).append(probe.startup_s or 0.0)
                probe.stop()
            targets.append(servers.start_cloudlet(args.in_memory))
        for peer in filter(None, args.peers.split(",")):
            if peer != "moto":
                parser.error(f"unknown peer {peer!r}")
            running = servers.start_moto()
            if running is None:
                print("moto: not installed (moto_server not on PATH); skipped", file=sys.stderr)
                continue
            startup.setdefault("moto", []).append(running.startup_s or 0.0)
            targets.append(running)
        ceiling_server = servers.start_trivial()
        results: dict[tuple[str, str], list[cases.Result]] = {}
        for _ in range(args.rounds):
            for target in [*targets, ceiling_server]:
                for case in (cases.sts_raw, cases.sts_boto3):
                    result = case(target.name, target.endpoint, args.seconds)
                    results.setdefault((result.case, target.name), []).append(result)
        memory = {t.name: t.rss_mib() for t in targets}
        ceiling_server.stop()
    finally:
        for target in targets:
            target.stop()

    rows = []
    for (case, target), rounds in results.items():
        best = sorted(rounds, key=lambda r: r.rps)[len(rounds) // 2]
        rows.append(
            {
                "case": case,
                "target": target,
                "rps": round(best.rps, 1),
                "p50_ms": round(best.p50, 3),
                "p99_ms": round(best.pct(99), 3),
                "requests": best.requests,
            }
        )
    _print(rows, startup, memory)
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"rows": rows, "startup_s": startup, "idle_rss_mib": memory}, fh, indent=2)
    return 0


def _print(rows: list[dict], startup: dict[str, list[float]], memory: dict[str, float | None]) -> None:
    print(f"{'case':45} {'target':9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}  vs")
    by_case: dict[str, dict[str, dict]] = {}
    for row in rows:
        by_case.setdefault(row["case"], {})[row["target"]] = row
    for case, per_target in by_case.items():
        trivial = per_target.get("trivial", {}).get("rps")
        for target, row in per_target.items():
            note = ""
            if target != "trivial" and trivial:
                if "boto3" in case:
                    note = f"{row['rps'] / trivial:.0%} of the boto3 ceiling"
                else:
                    peers = {t: r["rps"] for t, r in per_target.items() if t not in ("trivial", target)}
                    note = ", ".join(f"{row['rps'] / v:.2f}x {t}" for t, v in peers.items() if v)
            print(f"{case:45} {target:9} {row['rps']:9.1f} {row['p50_ms']:8.3f} {row['p99_ms']:8.3f}  {note}")
    for name, values in startup.items():
        print(
            f"start-up to first answer, {name}: median {statistics.median(values) * 1000:.0f} ms "
            f"over {len(values)} start(s)"
        )
    for name, rss in memory.items():
        if rss is not None:
            print(f"memory (RSS) after the run, {name}: {rss:.0f} MiB")


if __name__ == "__main__":
    sys.exit(main())
