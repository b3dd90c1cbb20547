"""The outbox (core): recorded e-mail and SMS, `GET /_cloudlet/outbox` with long polls, `cloudlet outbox`.

Waiting is a condition: with the virtual clock a long poll ends only when an entry commits or the clock
passes its deadline, so no test here waits on the wall clock."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner

from cloudlet.app import App, create_app
from cloudlet.cli.main import cli
from cloudlet.settings import Settings
from tests.cli_process import cli_process, read_line

T = TypeVar("T")
JOIN_S = 10.0
TOPIC = "arn:aws:sns:us-east-1:000000000000:alerts"


def with_app(data_dir: Path, body: Callable[[App], Awaitable[T]]) -> T:
    async def main() -> T:
        app = create_app(Settings(data_dir=data_dir, virtual_clock=True))
        await app.start()
        try:
            return await body(app)
        finally:
            await app.stop()

    return asyncio.run(main())


def record(app: App, kind: str = "email", to: str = "ops@example.com", body: str = "hello", **kw: Any) -> int:
    with app.db.transaction() as tx:
        return app.outbox.record(
            tx, kind, "000000000000", "us-east-1", TOPIC, to, kw.pop("subject", "Hi"), body, kw or None
        )


def get(endpoint: str, query: str = "", timeout: float = JOIN_S) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(f"{endpoint}/_cloudlet/outbox{query}", timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# -- the Outbox -------------------------------------------------------------------------------------------


def test_entries_are_kept_in_order_with_their_fields(tmp_path: Path) -> None:
    async def body(app: App) -> list[dict[str, Any]]:
        first = record(app, subject="Deploy", body="done", reason="test")
        second = record(app, "sms", "+15555550100", "code 1234", subject=None)
        assert second > first
        return app.outbox.entries()

    email, sms = with_app(tmp_path, body)
    assert email["kind"] == "email" and sms["kind"] == "sms"
    assert email["destination"] == "ops@example.com" and sms["destination"] == "+15555550100"
    assert (email["subject"], email["body"], email["meta"]) == ("Deploy", "done", {"reason": "test"})
    assert (sms["subject"], sms["body"], sms["meta"]) == (None, "code 1234", {})
    assert email["source"] == TOPIC and email["account"] == "000000000000" and email["region"] == "us-east-1"
    assert isinstance(email["created_at"], float)


def test_entries_filter_by_kind_after_and_limit(tmp_path: Path) -> None:
    async def body(app: App) -> None:
        ids = [record(app, "email" if i % 2 else "sms", body=str(i)) for i in range(6)]
        outbox = app.outbox
        assert [e["id"] for e in outbox.entries(kind="sms")] == ids[0::2]
        assert [e["id"] for e in outbox.entries(kind="email", after=ids[1])] == ids[3::2]
        assert [e["id"] for e in outbox.entries(after=ids[2], limit=2)] == ids[3:5]

    with_app(tmp_path, body)


def test_entries_survive_a_restart_and_ids_are_never_reused_after_reset(tmp_path: Path) -> None:
    async def before(app: App) -> int:
        return record(app)

    async def after(app: App) -> tuple[list[int], int]:
        kept = [e["id"] for e in app.outbox.entries()]
        app.reset()
        return kept, record(app)

    first = with_app(tmp_path, before)
    kept, later = with_app(tmp_path, after)
    assert kept == [first]
    assert later > first


def test_an_unknown_kind_or_a_rolled_back_entry_is_not_recorded(tmp_path: Path) -> None:
    async def body(app: App) -> None:
        with pytest.raises(ValueError, match="email, sms"):
            record(app, "fax")
        with pytest.raises(RuntimeError), app.db.transaction() as tx:
            app.outbox.record(tx, "email", "1", "r", "s", "d", None, "b")
            raise RuntimeError("roll back")
        assert app.outbox.entries() == []

    with_app(tmp_path, body)


def test_a_commit_wakes_a_waiting_reader(tmp_path: Path) -> None:
    async def body(app: App) -> None:
        first = record(app)
        waiting = asyncio.create_task(app.outbox.wait(first, 20))
        await asyncio.sleep(0)  # one turn: the reader checks, finds nothing after `first`, and waits
        assert app.outbox.wait_for_waiters(1, timeout=0)
        record(app, "sms")
        assert await asyncio.wait_for(waiting, JOIN_S) is True

    with_app(tmp_path, body)


def test_a_wait_for_one_kind_ignores_the_other(tmp_path: Path) -> None:
    async def body(app: App) -> None:
        waiting = asyncio.create_task(app.outbox.wait(0, 20, kind="sms"))
        await asyncio.sleep(0)
        assert app.outbox.wait_for_waiters(1, timeout=0)
        record(app, "email")
        await asyncio.sleep(0)  # the reader wakes, finds no SMS, and waits again
        assert not waiting.done() and app.outbox.wait_for_waiters(1, timeout=0)
        record(app, "sms")
        assert await asyncio.wait_for(waiting, JOIN_S) is True

    with_app(tmp_path, body)


def test_a_wait_ends_when_the_clock_passes_its_deadline_or_on_shutdown(tmp_path: Path) -> None:
    async def body(app: App) -> None:
        waiting = asyncio.create_task(app.outbox.wait(0, 20))
        await asyncio.sleep(0)
        assert app.outbox.wait_for_waiters(1, timeout=0)
        app.clock.advance(19.5)  # type: ignore[attr-defined]
        await asyncio.sleep(0)
        assert not waiting.done()
        app.clock.advance(0.5)  # type: ignore[attr-defined]
        assert await asyncio.wait_for(waiting, JOIN_S) is False

        closing = asyncio.create_task(app.outbox.wait(0, 20))
        await asyncio.sleep(0)
        assert app.outbox.wait_for_waiters(1, timeout=0)
        app.begin_shutdown()
        assert await asyncio.wait_for(closing, JOIN_S) is False

    with_app(tmp_path, body)


# -- GET /_cloudlet/outbox --------------------------------------------------------------------------------


def test_the_endpoint_lists_entries_after_an_id(cloudlet: Any) -> None:
    assert get(cloudlet.endpoint) == (200, {"entries": [], "last": 0})
    app = cloudlet.app
    a = record(app, body="one")
    b = record(app, "sms", "+15555550100", "two")
    code, page = get(cloudlet.endpoint)
    assert code == 200 and [e["id"] for e in page["entries"]] == [a, b] and page["last"] == b
    assert get(cloudlet.endpoint, f"?after={a}")[1]["entries"][0]["body"] == "two"
    assert [e["id"] for e in get(cloudlet.endpoint, "?kind=email")[1]["entries"]] == [a]
    assert get(cloudlet.endpoint, f"?after={b}") == (200, {"entries": [], "last": b})
    assert len(get(cloudlet.endpoint, "?limit=1")[1]["entries"]) == 1


@pytest.mark.parametrize("query", ["?kind=fax", "?after=x", "?after=-1", "?wait=-1", "?wait=nan", "?limit=0"])
def test_the_endpoint_refuses_bad_parameters(cloudlet: Any, query: str) -> None:
    code, body = get(cloudlet.endpoint, query)
    assert code == 400 and "error" in body


def test_the_endpoint_long_polls_until_an_entry_commits(cloudlet: Any) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        waiting = pool.submit(get, cloudlet.endpoint, "?kind=sms&wait=20")
        assert cloudlet.app.outbox.wait_for_waiters(1)
        record(cloudlet.app, "email")
        record(cloudlet.app, "sms", "+15555550100", "your code is 1234")
        code, page = waiting.result(JOIN_S)
    assert code == 200
    assert [e["body"] for e in page["entries"]] == ["your code is 1234"]


def test_an_idle_long_poll_answers_empty_when_its_wait_passes(cloudlet: Any) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        waiting = pool.submit(get, cloudlet.endpoint, "?after=0&wait=5")
        assert cloudlet.app.outbox.wait_for_waiters(1)
        cloudlet.clock.advance(5)
        assert waiting.result(JOIN_S) == (200, {"entries": [], "last": 0})


# -- cloudlet outbox --------------------------------------------------------------------------------------


def test_the_cli_prints_entries_as_text_and_json(cloudlet: Any) -> None:
    record(cloudlet.app, subject="Deploy finished", body="All green.\nSee the dashboard.")
    record(cloudlet.app, "sms", "+15555550100", "code 1234", subject=None)

    text = CliRunner().invoke(cli, ["outbox", "--endpoint-url", cloudlet.endpoint])
    assert text.exit_code == 0, text.output
    assert "to ops@example.com" in text.output and f"from {TOPIC}" in text.output
    assert "Subject: Deploy finished" in text.output and "  See the dashboard." in text.output
    assert "+15555550100" in text.output

    lines = CliRunner().invoke(
        cli, ["outbox", "--kind", "sms", "--json", "--endpoint-url", cloudlet.endpoint]
    )
    assert lines.exit_code == 0, lines.output
    [entry] = [json.loads(line) for line in lines.output.splitlines()]
    assert entry["kind"] == "sms" and entry["body"] == "code 1234"


def test_the_cli_says_so_when_the_outbox_is_empty_or_no_server_runs(cloudlet: Any) -> None:
    empty = CliRunner().invoke(cli, ["outbox", "--endpoint-url", cloudlet.endpoint])
    assert empty.exit_code == 0 and "empty" in empty.output
    gone = CliRunner().invoke(cli, ["outbox", "--endpoint-url", "http://127.0.0.1:9"])
    assert gone.exit_code == 1 and "no cloudlet answers" in gone.output


def test_the_cli_follows_new_entries_until_interrupted(cloudlet: Any) -> None:
    record(cloudlet.app, body="before")
    with cli_process("outbox", "--follow", "--json", "--endpoint-url", cloudlet.endpoint) as process:
        assert json.loads(read_line(process))["body"] == "before"
        assert cloudlet.app.outbox.wait_for_waiters(1, JOIN_S)  # the CLI is long-polling now
        record(cloudlet.app, "sms", "+15555550100", "after")
        assert json.loads(read_line(process))["body"] == "after"
