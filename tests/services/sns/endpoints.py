"""A real HTTP endpoint on loopback that records what SNS POSTs to it (test helper)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Recorder:
    """`url` accepts POSTs, answers `status` (settable), and keeps each request's headers and body."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                with recorder._changed:
                    recorder.requests.append({"headers": dict(self.headers), "body": body, "path": self.path})
                    recorder._changed.notify_all()
                self.send_response(recorder.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/sns"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        with self._changed:
            arrived = self._changed.wait_for(lambda: len(self.requests) >= count, timeout)
            assert arrived, f"{len(self.requests)} of {count} requests arrived within {timeout} s"
            return list(self.requests)

    def messages(self, kind: str = "Notification") -> list[dict[str, Any]]:
        with self._changed:
            return [
                json.loads(r["body"])
                for r in self.requests
                if r["headers"].get("x-amz-sns-message-type") == kind
            ]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
