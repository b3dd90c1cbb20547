"""Settings: one dataclass; every CLI flag has a `CLOUDLET_*` environment twin.

Precedence: explicit argument (CLI flag) > environment variable > default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4566
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "000000000000"


def default_data_dir() -> Path:
    """`$XDG_DATA_HOME/cloudlet` (or `~/.local/share/cloudlet`)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "cloudlet"


@dataclass(frozen=True)
class Settings:
    host: str = DEFAULT_HOST
    """Interface to bind; loopback unless told otherwise."""
    port: int = DEFAULT_PORT
    data_dir: Path = field(default_factory=default_data_dir)
    """Directory holding `cloudlet.db` (SQLite) and object files."""
    in_memory: bool = False
    """Keep everything in memory (throwaway runs); nothing is written to `data_dir`."""
    services: tuple[str, ...] | None = None
    """Services to enable (None = all)."""
    region: str = DEFAULT_REGION
    """Region used when a request names none."""
    account_id: str = DEFAULT_ACCOUNT_ID
    """Account used when the access key id is not a 12-digit account id."""
    virtual_clock: bool = False
    """Use a virtual clock that only moves when advanced (tests)."""
    log_requests: bool = True
    lambda_concurrency: int = 1000
    """The account's Lambda concurrency limit (AWS's default quota is 1,000)."""
    smtp_url: str | None = None
    """`smtp://host:port` (or `smtps://user:password@host:port`): also send SNS e-mail there for real.
    Every e-mail is recorded in the outbox either way."""

    @property
    def db_path(self) -> Path | None:
        return None if self.in_memory else self.data_dir / "cloudlet.db"

    @property
    def endpoint(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from `CLOUDLET_<FIELD>` variables, then `overrides` (None values are ignored)."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"CLOUDLET_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = _coerce(f.name, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "data_dir" in values:
            values["data_dir"] = Path(str(values["data_dir"])).expanduser()
        return replace(cls(), **values)  # type: ignore[arg-type]


_BOOL_TRUE = {"1", "true", "yes", "on"}


def _coerce(name: str, raw: str) -> object:
    if name in ("port", "lambda_concurrency"):
        return int(raw)
    if name in ("in_memory", "virtual_clock", "log_requests"):
        return raw.strip().lower() in _BOOL_TRUE
    if name == "services":
        return tuple(s.strip() for s in raw.replace(" ", ",").split(",") if s.strip())
    return raw
