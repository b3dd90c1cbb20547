"""Start servers to measure (cloudlet, a trivial canned endpoint; peers in peers.py) and stop them again.

Readiness is taken from each server's own output (a real event), then confirmed by one request.
"""

from __future__ import annotations

import os
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


def spawn(
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
    try:
        with urllib.request.urlopen(endpoint + probe_path, timeout=READY_TIMEOUT_S) as response:
            response.read()
    except Exception:
        process.terminate()  # never leave a server behind that did not become ready
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        raise
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
    return spawn("cloudlet", argv, "ready in", "/_cloudlet/health", {"PYTHONUNBUFFERED": "1"}, tmp, port)


def start_trivial() -> Running:
    """A canned-response HTTP server (stdlib asyncio): the ceiling a client can reach at all.

    It answers STS GetCallerIdentity (query protocol) and SQS JSON CreateQueue, SendMessage and
    SendMessageBatch (with the real MD5OfMessageBody, which boto3 checks); for S3 (any PUT, GET, HEAD,
    DELETE, or a POST not to `/`): PUT with the body's MD5 as ETag, GET with one fixed 4 KB object."""
    port = free_port()
    code = TRIVIAL_SERVER.replace("PORT", str(port))
    return spawn("trivial", [sys.executable, "-u", "-c", code], "listening", "/", None, None, port)


TRIVIAL_SERVER = r"""
import asyncio, base64, hashlib, json, uuid, zlib
BODY = (b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
        b'<Arn>arn:aws:iam::000000000000:root</Arn><UserId>000000000000</UserId><Account>000000000000</Account>'
        b'</GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>'
        b'</GetCallerIdentityResponse>')
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n" % len(BODY)
JSON_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: %d\r\n\r\n"

def sent(body):  # what SQS answers for one message: boto3 checks the MD5 of the body
    return {"MessageId": str(uuid.uuid4()), "MD5OfMessageBody": hashlib.md5(body.encode()).hexdigest()}

def sqs(op, request):  # canned SQS JSON answers, just valid enough for boto3
    if op == "CreateQueue":
        return {"QueueUrl": "http://127.0.0.1:PORT/000000000000/" + request["QueueName"]}
    if op == "SendMessage":
        return sent(request["MessageBody"])
    if op == "SendMessageBatch":
        return {"Successful": [{"Id": e["Id"], **sent(e["MessageBody"])} for e in request["Entries"]]}
    return {}

OBJECT = bytes(range(256)) * 16  # the one 4 KB object every S3 GET answers with
OBJECT_HEAD = (b"HTTP/1.1 200 OK\r\nContent-Type: binary/octet-stream\r\nContent-Length: %d\r\n"
               b"ETag: \"%s\"\r\nx-amz-checksum-crc32: %s\r\n\r\n") % (
    len(OBJECT), hashlib.md5(OBJECT).hexdigest().encode(),
    base64.b64encode(zlib.crc32(OBJECT).to_bytes(4, "big")))

def s3(method, body):  # canned S3 REST answers, just valid enough for boto3
    if method == b"PUT":
        etag = hashlib.md5(body).hexdigest().encode()
        return b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nETag: \"%s\"\r\n\r\n" % etag
    if method == b"GET":
        return OBJECT_HEAD + OBJECT
    if method == b"HEAD":
        return OBJECT_HEAD
    if method == b"DELETE":
        return b"HTTP/1.1 204 No Content\r\n\r\n"
    answer = b'<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></DeleteResult>'
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n\r\n" % len(
        answer) + answer

async def handle(reader, writer):
    while True:
        head = await reader.readuntil(b"\r\n\r\n")
        length, target = 0, None
        method, path = (head.split(b" ", 2) + [b"", b""])[:2]
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            name = name.lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"x-amz-target" and value.strip().startswith(b"AmazonSQS."):
                target = value.strip()[10:].decode()
            elif name == b"expect" and value.strip().lower() == b"100-continue":
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = await reader.readexactly(length) if length else b""
        if method != b"POST" or path.split(b"?")[0] != b"/":
            writer.write(s3(method, body))
        elif target is None:
            writer.write(HEAD + BODY)
        else:
            answer = json.dumps(sqs(target, json.loads(body or b"{}"))).encode()
            writer.write(JSON_HEAD % len(answer) + answer)
        await writer.drain()
async def main():
    server = await asyncio.start_server(lambda r, w: handle(r, w), "127.0.0.1", PORT)
    print("listening", flush=True)
    async with server:
        await server.serve_forever()
asyncio.run(main())
"""
