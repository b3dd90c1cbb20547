"""Every SQL statement on the `sns_*` tables, and their DDL.

Topics and subscriptions are rows keyed by ARN; attributes are JSON maps of strings (AWS's rendering).
Pending deliveries are `sns.deliver` timer rows (core/timers), not a table of their own.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from cloudlet.core.db import Tx

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE sns_topic (
        arn TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        fifo INTEGER NOT NULL,
        attributes TEXT NOT NULL,
        tags TEXT NOT NULL,          -- JSON [[key, value], ...] in insertion order
        data_protection_policy TEXT,
        next_seq INTEGER NOT NULL DEFAULT 1,
        created_at REAL NOT NULL
    );
    CREATE INDEX sns_topic_owner ON sns_topic (account, region, name);
    CREATE TABLE sns_subscription (
        arn TEXT PRIMARY KEY,
        topic_arn TEXT NOT NULL,
        account TEXT NOT NULL,       -- the subscriber (owner)
        protocol TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        attributes TEXT NOT NULL,
        pending INTEGER NOT NULL,
        token TEXT,
        created_at REAL NOT NULL
    );
    CREATE INDEX sns_subscription_topic ON sns_subscription (topic_arn, created_at);
    CREATE INDEX sns_subscription_token ON sns_subscription (token) WHERE token IS NOT NULL;
    CREATE TABLE sns_dedup (
        topic_arn TEXT NOT NULL,
        dedup_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        sequence_number TEXT NOT NULL,
        expires_at REAL NOT NULL,
        PRIMARY KEY (topic_arn, dedup_id)
    ) WITHOUT ROWID;
    CREATE TABLE sns_sms_attributes (
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        attributes TEXT NOT NULL,
        PRIMARY KEY (account, region)
    ) WITHOUT ROWID;
    CREATE TABLE sns_phone_number (
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        phone_number TEXT NOT NULL,
        kind TEXT NOT NULL,          -- 'sandbox' or 'opted_out'
        status TEXT NOT NULL,        -- sandbox: Pending | Verified
        otp TEXT,
        PRIMARY KEY (account, region, kind, phone_number)
    ) WITHOUT ROWID;
    """,
)


@dataclass(slots=True)
class Topic:
    arn: str
    account: str
    region: str
    name: str
    fifo: bool
    attributes: dict[str, str]
    tags: list[list[str]]
    data_protection_policy: str | None
    created_at: float


@dataclass(slots=True)
class Subscription:
    arn: str
    topic_arn: str
    account: str
    protocol: str
    endpoint: str
    attributes: dict[str, str]
    pending: bool
    token: str | None
    created_at: float
    compiled: dict[str, Any] = field(default_factory=dict)
    """Parsed forms (filter policy matcher, redrive target), filled by the topic registry."""


def _topic(row: sqlite3.Row) -> Topic:
    return Topic(
        row["arn"],
        row["account"],
        row["region"],
        row["name"],
        bool(row["fifo"]),
        json.loads(row["attributes"]),
        json.loads(row["tags"]),
        row["data_protection_policy"],
        row["created_at"],
    )


def _subscription(row: sqlite3.Row) -> Subscription:
    return Subscription(
        row["arn"],
        row["topic_arn"],
        row["account"],
        row["protocol"],
        row["endpoint"],
        json.loads(row["attributes"]),
        bool(row["pending"]),
        row["token"],
        row["created_at"],
    )


def get_topic(conn: sqlite3.Connection | Tx, arn: str) -> Topic | None:
    row = conn.execute("SELECT * FROM sns_topic WHERE arn = ?", (arn,)).fetchone()
    return None if row is None else _topic(row)


def insert_topic(tx: Tx, topic: Topic) -> None:
    tx.execute(
        "INSERT INTO sns_topic (arn, account, region, name, fifo, attributes, tags, data_protection_policy, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            topic.arn,
            topic.account,
            topic.region,
            topic.name,
            int(topic.fifo),
            json.dumps(topic.attributes),
            json.dumps(topic.tags),
            topic.data_protection_policy,
            topic.created_at,
        ),
    )


def update_topic(tx: Tx, topic: Topic) -> None:
    tx.execute(
        "UPDATE sns_topic SET attributes = ?, tags = ?, data_protection_policy = ? WHERE arn = ?",
        (json.dumps(topic.attributes), json.dumps(topic.tags), topic.data_protection_policy, topic.arn),
    )


def delete_topic(tx: Tx, arn: str) -> None:
    tx.execute("DELETE FROM sns_subscription WHERE topic_arn = ?", (arn,))
    tx.execute("DELETE FROM sns_dedup WHERE topic_arn = ?", (arn,))
    tx.execute("DELETE FROM sns_topic WHERE arn = ?", (arn,))


def list_topics(conn: sqlite3.Connection | Tx, account: str, region: str) -> list[str]:
    rows = conn.execute(
        "SELECT arn FROM sns_topic WHERE account = ? AND region = ? ORDER BY arn", (account, region)
    )
    return [r[0] for r in rows]


def next_sequence(tx: Tx, topic_arn: str) -> int:
    row = tx.fetchone(
        "UPDATE sns_topic SET next_seq = next_seq + 1 WHERE arn = ? RETURNING next_seq", (topic_arn,)
    )
    assert row is not None
    return int(row[0]) - 1


# -- subscriptions ---------------------------------------------------------------------------------


def get_subscription(conn: sqlite3.Connection | Tx, arn: str) -> Subscription | None:
    row = conn.execute("SELECT * FROM sns_subscription WHERE arn = ?", (arn,)).fetchone()
    return None if row is None else _subscription(row)


def subscription_by_token(conn: sqlite3.Connection | Tx, token: str) -> Subscription | None:
    row = conn.execute("SELECT * FROM sns_subscription WHERE token = ?", (token,)).fetchone()
    return None if row is None else _subscription(row)


def topic_subscriptions(conn: sqlite3.Connection | Tx, topic_arn: str) -> list[Subscription]:
    rows = conn.execute(
        "SELECT * FROM sns_subscription WHERE topic_arn = ? ORDER BY created_at, arn", (topic_arn,)
    ).fetchall()
    return [_subscription(r) for r in rows]


def account_subscriptions(conn: sqlite3.Connection | Tx, account: str, region: str) -> list[Subscription]:
    rows = conn.execute(
        "SELECT s.* FROM sns_subscription s JOIN sns_topic t ON t.arn = s.topic_arn "
        "WHERE s.account = ? AND t.region = ? ORDER BY s.created_at, s.arn",
        (account, region),
    ).fetchall()
    return [_subscription(r) for r in rows]


def insert_subscription(tx: Tx, sub: Subscription) -> None:
    tx.execute(
        "INSERT INTO sns_subscription (arn, topic_arn, account, protocol, endpoint, attributes, "
        "pending, token, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            sub.arn,
            sub.topic_arn,
            sub.account,
            sub.protocol,
            sub.endpoint,
            json.dumps(sub.attributes),
            int(sub.pending),
            sub.token,
            sub.created_at,
        ),
    )


def update_subscription(tx: Tx, sub: Subscription) -> None:
    tx.execute(
        "UPDATE sns_subscription SET attributes = ?, pending = ?, token = ? WHERE arn = ?",
        (json.dumps(sub.attributes), int(sub.pending), sub.token, sub.arn),
    )


def delete_subscription(tx: Tx, arn: str) -> None:
    tx.execute("DELETE FROM sns_subscription WHERE arn = ?", (arn,))


# -- FIFO deduplication ----------------------------------------------------------------------------


def find_dedup(tx: Tx, topic_arn: str, dedup_id: str, now: float) -> sqlite3.Row | None:
    return tx.fetchone(
        "SELECT message_id, sequence_number FROM sns_dedup WHERE topic_arn = ? AND dedup_id = ? AND "
        "expires_at > ?",
        (topic_arn, dedup_id, now),
    )


def record_dedup(
    tx: Tx, topic_arn: str, dedup_id: str, message_id: str, sequence: str, expires_at: float
) -> None:
    tx.execute(
        "INSERT OR REPLACE INTO sns_dedup (topic_arn, dedup_id, message_id, sequence_number, expires_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (topic_arn, dedup_id, message_id, sequence, expires_at),
    )


def forget_expired_dedup(tx: Tx, now: float) -> None:
    tx.execute("DELETE FROM sns_dedup WHERE expires_at <= ?", (now,))


# -- SMS settings and phone numbers ----------------------------------------------------------------


def sms_attributes(conn: sqlite3.Connection | Tx, account: str, region: str) -> dict[str, str]:
    row = conn.execute(
        "SELECT attributes FROM sns_sms_attributes WHERE account = ? AND region = ?", (account, region)
    ).fetchone()
    return {} if row is None else json.loads(row[0])


def set_sms_attributes(tx: Tx, account: str, region: str, attributes: dict[str, str]) -> None:
    tx.execute(
        "INSERT OR REPLACE INTO sns_sms_attributes (account, region, attributes) VALUES (?, ?, ?)",
        (account, region, json.dumps(attributes)),
    )


def phone_numbers(conn: sqlite3.Connection | Tx, account: str, region: str, kind: str) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM sns_phone_number WHERE account = ? AND region = ? AND kind = ? ORDER BY phone_number",
        (account, region, kind),
    ).fetchall()


def get_phone_number(
    conn: sqlite3.Connection | Tx, account: str, region: str, kind: str, number: str
) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM sns_phone_number WHERE account = ? AND region = ? AND kind = ? AND phone_number = ?",
        (account, region, kind, number),
    ).fetchone()


def put_phone_number(
    tx: Tx, account: str, region: str, kind: str, number: str, status: str, otp: str | None
) -> None:
    tx.execute(
        "INSERT OR REPLACE INTO sns_phone_number (account, region, phone_number, kind, status, otp) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (account, region, number, kind, status, otp),
    )


def delete_phone_number(tx: Tx, account: str, region: str, kind: str, number: str) -> int:
    return tx.execute(
        "DELETE FROM sns_phone_number WHERE account = ? AND region = ? AND kind = ? AND phone_number = ?",
        (account, region, kind, number),
    ).rowcount
