"""The Runtime API server over raw HTTP/1.1: paths, headers, status codes, keep-alive, chunked bodies."""

from __future__ import annotations

import asyncio
import json

import pytest

from cloudlet.runtime.runtime_api import InitFailed, Invocation, RuntimeApi

BASE = "/2018-06-01/runtime"


async def _request(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    chunked: bool = False,
) -> tuple[int, dict[str, str], bytes]:
    head = [f"{method} {path} HTTP/1.1", "Host: x"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if chunked:
        head.append("Transfer-Encoding: chunked")
        mid = len(body) // 2
        payload = b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in (body[:mid], body[mid:]) if p)
        payload += b"0\r\n\r\n"
    else:
        head.append(f"Content-Length: {len(body)}")
        payload = body
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
    await writer.drain()
    status_line = await reader.readuntil(b"\r\n")
    raw = (await reader.readuntil(b"\r\n\r\n")).decode()
    out = {}
    for line in raw.split("\r\n"):
        if line:
            k, _, v = line.partition(":")
            out[k.strip().lower()] = v.strip()
    data = await reader.readexactly(int(out.get("content-length", 0)))
    return int(status_line.split()[1]), out, data


def run(coro_fn):
    async def main():
        api = RuntimeApi()
        await api.start()
        try:
            return await asyncio.wait_for(coro_fn(api), 5)
        finally:
            api.close()

    return asyncio.run(main())


def test_next_waits_for_an_invocation_then_response_is_accepted():
    async def scenario(api: RuntimeApi):
        reader, writer = await asyncio.open_connection("127.0.0.1", api.port)
        pending = asyncio.ensure_future(_request(reader, writer, "GET", f"{BASE}/invocation/next"))
        await asyncio.sleep(0.05)
        assert not pending.done() and api.init_done.done()
        inv = Invocation(
            "req-1",
            b'{"k": 1}',
            1700000000000,
            "arn:aws:lambda:us-east-1:1:function:f",
            trace_id="Root=1-a-b",
            client_context='{"custom": {}}',
        )
        api.dispatch(inv)
        status, headers, body = await pending
        assert status == 200 and body == b'{"k": 1}'
        assert headers["lambda-runtime-aws-request-id"] == "req-1"
        assert headers["lambda-runtime-deadline-ms"] == "1700000000000"
        assert headers["lambda-runtime-invoked-function-arn"] == "arn:aws:lambda:us-east-1:1:function:f"
        assert headers["lambda-runtime-trace-id"] == "Root=1-a-b"
        assert headers["lambda-runtime-client-context"] == '{"custom": {}}'
        assert "lambda-runtime-cognito-identity" not in headers
        # Same connection (keep-alive), chunked body.
        status, _, body = await _request(
            reader, writer, "POST", f"{BASE}/invocation/req-1/response", b'"result"', chunked=True
        )
        assert status == 202 and json.loads(body) == {"status": "OK"}
        outcome = await inv.future
        writer.close()
        return outcome

    outcome = run(scenario)
    assert (outcome.kind, outcome.body) == ("ok", b'"result"')


def test_error_post_carries_the_error_type_header():
    async def scenario(api: RuntimeApi):
        inv = Invocation("req-2", b"{}", 0, "arn")
        api.dispatch(inv)
        reader, writer = await asyncio.open_connection("127.0.0.1", api.port)
        await _request(reader, writer, "GET", f"{BASE}/invocation/next")
        status, _, _ = await _request(
            reader,
            writer,
            "POST",
            f"{BASE}/invocation/req-2/error",
            b'{"errorType": "ValueError"}',
            headers={"Lambda-Runtime-Function-Error-Type": "ValueError"},
        )
        writer.close()
        return status, await inv.future

    status, outcome = run(scenario)
    assert status == 202
    assert (outcome.kind, outcome.error_type) == ("error", "ValueError")


def test_unknown_request_id_and_unknown_path():
    async def scenario(api: RuntimeApi):
        reader, writer = await asyncio.open_connection("127.0.0.1", api.port)
        unknown_id = await _request(reader, writer, "POST", f"{BASE}/invocation/nope/response", b"{}")
        unknown_path = await _request(reader, writer, "GET", "/2018-06-01/other")
        writer.close()
        return unknown_id, unknown_path

    (s1, _, b1), (s2, _, _) = run(scenario)
    assert s1 == 400 and json.loads(b1)["errorType"] == "InvalidRequestID"
    assert s2 == 404


def test_init_error_fails_init_done():
    async def scenario(api: RuntimeApi):
        reader, writer = await asyncio.open_connection("127.0.0.1", api.port)
        status, _, _ = await _request(
            reader,
            writer,
            "POST",
            f"{BASE}/init/error",
            b'{"errorType": "Runtime.ImportModuleError"}',
            headers={"Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError"},
        )
        writer.close()
        with pytest.raises(InitFailed) as info:
            await api.init_done
        return status, info.value

    status, exc = run(scenario)
    assert status == 202
    assert exc.error_type == "Runtime.ImportModuleError"
    assert json.loads(exc.body) == {"errorType": "Runtime.ImportModuleError"}
