"""Cold start and warm invoke latency of the pool, in process (not collected by pytest).

Run: python -m tests.runtime.bench_pool [warm invokes]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from cloudlet.app import create_app
from cloudlet.runtime.pool import FunctionSpec, Pool
from cloudlet.settings import Settings


async def main(n: int) -> None:
    tmp = Path(tempfile.mkdtemp())
    code = tmp / "code"
    code.mkdir()
    (code / "app.py").write_text(textwrap.dedent("def echo(event, context):\n    return event\n"))
    app = create_app(Settings(data_dir=tmp, virtual_clock=True))
    await app.start()
    pool = Pool(app, lambda *_: None)
    colds: list[float] = []
    inits: list[float] = []
    for i in range(10):
        spec = FunctionSpec(
            key=f"bench-{i}",
            function_arn=f"arn:aws:lambda:us-east-1:000000000000:function:b{i}",
            name=f"b{i}",
            version="$LATEST",
            account="000000000000",
            region="us-east-1",
            handler="app.echo",
            runtime="python3.12",
            code_dir=code,
            layer_dirs=(),
            memory_mb=128,
            timeout_s=3.0,
            environment={},
            endpoint_url="http://127.0.0.1:4566",
            log_group=f"/aws/lambda/b{i}",
        )
        began = time.perf_counter()
        result = await pool.invoke(spec, b'{"hello": "world"}', f"cold-{i}")
        colds.append((time.perf_counter() - began) * 1000)
        inits.append(result.init_duration_ms or 0.0)
    warm: list[float] = []
    for i in range(n):
        began = time.perf_counter()
        await pool.invoke(spec, b'{"hello": "world"}', f"warm-{i}")
        warm.append((time.perf_counter() - began) * 1000)
    await pool.close()
    await app.stop()
    warm.sort()
    print(f"cold start (invoke wall time): median {statistics.median(colds):.1f} ms, max {max(colds):.1f} ms")
    print(f"  of which Init Duration:      median {statistics.median(inits):.1f} ms")
    print(
        f"warm invoke over {n}: p50 {warm[n // 2]:.3f} ms, p99 {warm[int(n * 0.99)]:.3f} ms, "
        f"mean {statistics.mean(warm):.3f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
