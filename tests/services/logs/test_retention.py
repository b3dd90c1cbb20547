"""Retention: events past the group's retention are not returned, and the expiry timer deletes them."""

from __future__ import annotations

from tests.services.logs.conftest import GROUP, STREAM, now_ms

DAY_S = 86_400


def _stored_rows(cloudlet):
    with cloudlet.app.db.read() as conn:
        return conn.execute("SELECT count(*) FROM logs_event").fetchone()[0]


def test_events_expire_when_the_clock_passes_retention(cloudlet, logs, stream):
    logs.put_retention_policy(logGroupName=GROUP, retentionInDays=1)
    t = now_ms(cloudlet)
    logs.put_log_events(
        logGroupName=GROUP, logStreamName=STREAM, logEvents=[{"timestamp": t, "message": "old"}]
    )
    cloudlet.clock.advance(DAY_S / 2)
    logs.put_log_events(
        logGroupName=GROUP,
        logStreamName=STREAM,
        logEvents=[{"timestamp": now_ms(cloudlet), "message": "new"}],
    )
    cloudlet.clock.advance(DAY_S / 2)
    cloudlet.settle()
    page = logs.get_log_events(logGroupName=GROUP, logStreamName=STREAM)
    assert [e["message"] for e in page["events"]] == ["new"]
    assert _stored_rows(cloudlet) == 1
    assert logs.describe_log_groups()["logGroups"][0]["storedBytes"] == 3
    cloudlet.clock.advance(DAY_S / 2)
    cloudlet.settle()
    assert _stored_rows(cloudlet) == 0
    assert logs.filter_log_events(logGroupName=GROUP)["events"] == []


def test_setting_retention_expires_existing_old_events(cloudlet, logs, stream):
    t = now_ms(cloudlet)
    logs.put_log_events(
        logGroupName=GROUP,
        logStreamName=STREAM,
        logEvents=[{"timestamp": t - 2 * DAY_S * 1000, "message": "x"}],
    )
    logs.put_retention_policy(logGroupName=GROUP, retentionInDays=1)
    assert logs.get_log_events(logGroupName=GROUP, logStreamName=STREAM)["events"] == []
    cloudlet.settle()
    assert _stored_rows(cloudlet) == 0


def test_deleting_retention_keeps_events(cloudlet, logs, stream):
    logs.put_retention_policy(logGroupName=GROUP, retentionInDays=1)
    logs.put_log_events(
        logGroupName=GROUP, logStreamName=STREAM, logEvents=[{"timestamp": now_ms(cloudlet), "message": "x"}]
    )
    logs.delete_retention_policy(logGroupName=GROUP)
    cloudlet.clock.advance(3 * DAY_S)
    cloudlet.settle()
    assert len(logs.get_log_events(logGroupName=GROUP, logStreamName=STREAM)["events"]) == 1
