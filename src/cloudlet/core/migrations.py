"""Versioned schema: each component (a service, or a core module) registers its ordered DDL steps.

`apply()` runs the steps above the version stored in `cloudlet_schema`, one transaction per component.
Downgrades are refused. Owns `cloudlet_schema` only; every other table belongs to whoever registers it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence

from cloudlet.core.db import Database, Tx

__all__ = ["MigrationError", "Migrations", "Step", "register_core", "split_statements"]

Step = str | Callable[[Tx], None]

_SCHEMA_DDL = (
    "CREATE TABLE IF NOT EXISTS cloudlet_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
)


class MigrationError(RuntimeError):
    """The stored schema cannot be brought to the registered version (e.g. a downgrade)."""


class Migrations:
    """Registered schema steps, applied in registration order of components."""

    def __init__(self) -> None:
        self._components: dict[str, tuple[Step, ...]] = {}

    def register(self, component: str, steps: Sequence[Step]) -> None:
        if component in self._components:
            raise ValueError(f"migrations for {component!r} are already registered")
        for step in steps:
            if not isinstance(step, str) and not callable(step):
                raise TypeError(
                    f"{component}: a step must be SQL text or a callable taking a Tx, not {step!r}"
                )
        self._components[component] = tuple(steps)

    @property
    def components(self) -> dict[str, int]:
        """Registered components and their target versions (number of steps)."""
        return {name: len(steps) for name, steps in self._components.items()}

    def applied(self, db: Database) -> dict[str, int]:
        """Versions stored in the database, by component."""
        with db.transaction() as tx:
            tx.execute(_SCHEMA_DDL)
            return {r["component"]: r["version"] for r in tx.fetchall("SELECT * FROM cloudlet_schema")}

    def apply(self, db: Database) -> dict[str, int]:
        """Bring every component up to date. Returns the new version of each component that changed.

        Raises:
            MigrationError: a stored version is above the registered number of steps (downgrade), or a
                step failed (that component's transaction is rolled back).
        """
        stored = self.applied(db)
        for component, steps in self._components.items():
            if stored.get(component, 0) > len(steps):
                raise MigrationError(
                    f"schema of {component!r} is at version {stored[component]}, but this cloudlet knows "
                    f"only {len(steps)} step(s); downgrades are not supported (use a newer cloudlet "
                    "or a fresh data directory)"
                )
        changed: dict[str, int] = {}
        for component, steps in self._components.items():
            version = self._apply_component(db, component, steps)
            if version is not None:
                changed[component] = version
        return changed

    @staticmethod
    def _apply_component(db: Database, component: str, steps: tuple[Step, ...]) -> int | None:
        with db.transaction() as tx:
            row = tx.fetchone("SELECT version FROM cloudlet_schema WHERE component = ?", (component,))
            current = 0 if row is None else int(row["version"])
            if current > len(steps):  # raced with a newer process since the pre-check
                raise MigrationError(f"schema of {component!r} is at version {current} > {len(steps)}")
            if current == len(steps):
                return None
            for number in range(current + 1, len(steps) + 1):
                step = steps[number - 1]
                try:
                    if isinstance(step, str):
                        for statement in split_statements(step):
                            tx.execute(statement)
                    else:
                        step(tx)
                except Exception as exc:
                    raise MigrationError(f"{component} step {number} failed: {exc}") from exc
            tx.execute(
                "INSERT INTO cloudlet_schema (component, version) VALUES (?, ?) "
                "ON CONFLICT (component) DO UPDATE SET version = excluded.version",
                (component, len(steps)),
            )
            return len(steps)


def split_statements(script: str) -> Iterator[str]:
    """Split an SQL script into complete statements (semicolons inside strings and triggers are kept)."""
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            statement = buffer.strip()
            buffer = ""
            if not _only_comments(statement.strip(";")):
                yield statement
    rest = buffer.rstrip(";").strip()  # the split adds one ';' too many at the end
    if rest and not _only_comments(rest):
        raise ValueError(f"incomplete SQL statement: {rest[:80]!r}")


def _only_comments(text: str) -> bool:
    lines = [line.strip() for line in text.splitlines()]
    return all(not line or line.startswith("--") for line in lines)


def register_core(migrations: Migrations) -> None:
    """Register the tables core itself owns (components `core.timers`, `core.outbox`)."""
    from cloudlet.core.outbox import OUTBOX_MIGRATIONS
    from cloudlet.core.timers import TIMER_MIGRATIONS

    migrations.register("core.timers", TIMER_MIGRATIONS)
    migrations.register("core.outbox", OUTBOX_MIGRATIONS)
