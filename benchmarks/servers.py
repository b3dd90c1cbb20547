"""Start servers to measure (cloudlet, moto, a trivial canned endpoint) and stop them again.

Readiness is taken from each server's own output (a real event), then confirmed by one request.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

READY_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Running:
    name: str
    endpoint: str
    process: subprocess.Popen[str] | None
    startup_s: float | None = None
    """Spawn → first answered request."""
    tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    def rss_mib(self) -> float | None:
        if self.process is None:
            return None
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.tmp is not None:
            self.tmp.cleanup()


def _spawn(
    name: str,
    argv: list[str],
    ready_marker: str,
    probe_path: str,
    env: dict[str, str] | None = None,
    tmp: tempfile.TemporaryDirectory[str] | None = None,
    port: int = 0,
) -> Running:
    began = time.perf_counter()
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {})}
    )
    assert process.stdout is not None
    seen = []
    for line in process.stdout:  # the server's own output: a real wait
        seen.append(line)
        if ready_marker in line:
            break
        if time.perf_counter() - began > READY_TIMEOUT_S:
            break
    else:
        raise RuntimeError(f"{name} exited before it was ready:\n{''.join(seen)}")
    endpoint = f"http://127.0.0.1:{port}"
    with urllib.request.urlopen(endpoint + probe_path, timeout=READY_TIMEOUT_S) as response:
        response.read()
    startup = time.perf_counter() - began
    # Keep draining output so the server never blocks on a full pipe.
    _drain(process)
    return Running(name, endpoint, process, startup, tmp)


def _drain(process: subprocess.Popen[str]) -> None:
    import threading

    def pump() -> None:
        assert process.stdout is not None
        for _ in process.stdout:
            pass

    threading.Thread(target=pump, daemon=True).start()


def start_cloudlet(in_memory: bool = False) -> Running:
    port = free_port()
    tmp = tempfile.TemporaryDirectory(prefix="cloudlet-bench-")
    argv = [sys.executable, "-m", "cloudlet", "up", "--port", str(port), "--quiet", "--data-dir", tmp.name]
    if in_memory:
        argv.append("--in-memory")
    return _spawn("cloudlet", argv, "ready in", "/_cloudlet/health", {"PYTHONUNBUFFERED": "1"}, tmp, port)


def start_moto() -> Running | None:
    exe = shutil.which("moto_server")
    if exe is None:
        return None
    port = free_port()
    return _spawn(
        "moto", [exe, "-p", str(port)], "Running on", "/moto-api/", {"PYTHONUNBUFFERED": "1"}, None, port
    )


def start_trivial() -> Running:
    """A canned-response HTTP server (stdlib asyncio): the ceiling a client can reach at all."""
    port = free_port()
    code = TRIVIAL_SERVER.replace("PORT", str(port))
    return _spawn("trivial", [sys.executable, "-u", "-c", code], "listening", "/", None, None, port)


TRIVIAL_SERVER = r"""
import asyncio
BODY = (b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
        b'<Arn>arn:aws:iam::000000000000:root</Arn><UserId>000000000000</UserId><Account>000000000000</Account>'
        b'</GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>'
        b'</GetCallerIdentityResponse>')
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n" % len(BODY)
async def handle(reader, writer):
    while True:
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        if length:
            await reader.readexactly(length)
        writer.write(HEAD + BODY)
        await writer.drain()
async def main():
    server = await asyncio.start_server(lambda r, w: handle(r, w), "127.0.0.1", PORT)
    print("listening", flush=True)
    async with server:
        await server.serve_forever()
asyncio.run(main())
"""
