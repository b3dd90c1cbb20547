"""Log line splitting and the platform lines' exact text."""

from __future__ import annotations

import re

from cloudlet.runtime import logs


def test_splitter_keeps_partial_lines_and_turns_carriage_returns_into_newlines():
    splitter = logs.LineSplitter()
    assert splitter.feed(b"one\ntw") == ["one"]
    assert splitter.feed(b"o\r\n[ERROR] E: m\rTraceback\rline\n") == ["two", "[ERROR] E: m\nTraceback\nline"]
    assert splitter.feed(b"tail") == []
    assert splitter.flush() == ["tail"]
    assert splitter.feed("ü\n".encode()) == ["ü"]


def test_report_line():
    line = logs.report_line(
        "r", duration_ms=1.234, billed_ms=2, memory_mb=128, max_memory_mb=40, init_duration_ms=120.456
    )
    assert line == (
        "REPORT RequestId: r\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB"
        "\tMax Memory Used: 40 MB\tInit Duration: 120.46 ms"
    )
    timed_out = logs.report_line(
        "r",
        duration_ms=3000,
        billed_ms=3000,
        memory_mb=128,
        max_memory_mb=40,
        init_duration_ms=None,
        status="timeout",
    )
    assert timed_out.endswith("Max Memory Used: 40 MB\tStatus: timeout")


def test_stream_name_and_timeout_line():
    assert re.fullmatch(r"2026/11/23/\[\$LATEST\][0-9a-f]{32}", logs.log_stream_name(1795392000.0, "$LATEST"))
    assert (
        logs.timeout_line(1795392000.5, "r", 3)
        == "2026-11-23T00:00:00.500Z r Task timed out after 3.00 seconds"
    )
