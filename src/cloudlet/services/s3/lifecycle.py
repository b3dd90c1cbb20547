"""S3 lifecycle: validation of lifecycle configurations and expiration on the clock.

Each bucket with a lifecycle configuration has one durable `s3.lifecycle` timer (keyed by bucket name).
Its handler applies every action due now (current-version expiration, noncurrent-version expiration,
expired delete markers, incomplete multipart uploads) in one transaction, then re-schedules itself for
the next time anything can fall due. Transitions are stored, not applied (storage classes are not
tiered). AWS rounds each due time up to midnight UTC ("Expiring objects", "Lifecycle configuration
elements" in the S3 User Guide).
"""

from __future__ import annotations

import base64
import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import formatdate
from typing import TYPE_CHECKING, Any

from cloudlet.core import ids
from cloudlet.services.s3 import store, uploads
from cloudlet.services.s3.errors import InvalidArgument, InvalidRequest, MalformedXML

if TYPE_CHECKING:
    from cloudlet.app import App
    from cloudlet.core.db import Tx
    from cloudlet.core.timers import Timer
    from cloudlet.services.s3.engine import S3

KIND = "lifecycle"
"""`s3_bucket_config` kind of the configuration document."""
TIMER = "s3.lifecycle"
DAY_S = 86_400
MAX_ID_LENGTH = 255
MAX_RULES = 1000
_FILTER_MEMBERS = ("Prefix", "Tag", "ObjectSizeGreaterThan", "ObjectSizeLessThan", "And")


def _malformed() -> MalformedXML:
    return MalformedXML(
        "The XML you provided was not well-formed or did not validate against our published schema"
    )


# --- time -------------------------------------------------------------------------------------------


def ceil_midnight(t: float) -> float:
    """`t` rounded up to midnight UTC (a midnight stays as it is)."""
    return math.ceil(t / DAY_S) * DAY_S


def next_midnight(t: float) -> float:
    """The first midnight UTC strictly after `t`."""
    return (math.floor(t / DAY_S) + 1) * DAY_S


def http_date(t: float) -> str:
    return formatdate(t, usegmt=True)


# --- validation -------------------------------------------------------------------------------------


def validate(config: dict[str, Any]) -> dict[str, Any]:
    """A PutBucketLifecycleConfiguration document checked and normalized (rule IDs filled in, dates
    as epoch seconds), ready to store.

    Raises: MalformedXML, InvalidArgument, InvalidRequest (PutBucketLifecycleConfiguration page).
    """
    rules = config.get("Rules") or []
    if not rules or len(rules) > MAX_RULES:
        raise _malformed()
    seen: set[str] = set()
    normalized = []
    for raw in rules:
        rule = dict(raw)
        rule_id = rule.get("ID") or base64.b64encode(str(uuid.uuid4()).encode()).decode().rstrip("=")
        rule["ID"] = rule_id
        if len(rule_id) > MAX_ID_LENGTH:
            raise InvalidArgument(
                "ID length should not exceed allowed limit of 255", ArgumentName="ID", ArgumentValue=rule_id
            )
        if rule_id in seen:
            raise InvalidArgument(
                "Rule ID must be unique. Found same ID for more than one rule",
                ArgumentName="ID",
                ArgumentValue=rule_id,
            )
        seen.add(rule_id)
        if rule.get("Status") not in ("Enabled", "Disabled"):
            raise _malformed()
        has_tags = _check_filter(rule)
        _check_actions(rule, has_tags)
        normalized.append(rule)
    return {"Rules": normalized}


def _check_filter(rule: dict[str, Any]) -> bool:
    """Raises for a rule with both or neither of Prefix and Filter, or a Filter with more than one
    predicate. Returns whether the filter uses tags."""
    if ("Filter" in rule) == ("Prefix" in rule):
        raise _malformed()
    rule_filter = rule.get("Filter")
    if rule_filter is None:
        return False
    if sum(1 for name in _FILTER_MEMBERS if rule_filter.get(name) is not None) > 1:
        raise _malformed()
    both = rule_filter.get("And")
    if both is None:
        return rule_filter.get("Tag") is not None
    keys = [tag.get("Key") for tag in both.get("Tags") or []]
    if len(set(keys)) != len(keys):
        raise InvalidRequest("Duplicate Tag Keys are not allowed.")
    above, below = both.get("ObjectSizeGreaterThan"), both.get("ObjectSizeLessThan")
    if above is not None and below is not None and above >= below:
        raise InvalidArgument(
            "ObjectSizeGreaterThan must be less than ObjectSizeLessThan",
            ArgumentName="ObjectSizeGreaterThan",
            ArgumentValue=str(above),
        )
    return bool(keys)


def _positive(value: Any, member: str, action: str) -> None:
    if value is not None and value <= 0:
        raise InvalidArgument(
            f"'{member}' for {action} action must be a positive integer",
            ArgumentName=member,
            ArgumentValue=str(value),
        )


def _check_actions(rule: dict[str, Any], has_tags: bool) -> None:
    expiration = rule.get("Expiration")
    if expiration is not None:
        timed = [name for name in ("Days", "Date") if expiration.get(name) is not None]
        if len(timed) > 1 or (timed and expiration.get("ExpiredObjectDeleteMarker") is not None):
            raise _malformed()
        if not timed and expiration.get("ExpiredObjectDeleteMarker") is None:
            raise _malformed()
        _positive(expiration.get("Days"), "Days", "Expiration")
        date = expiration.get("Date")
        if date is not None:
            when = _epoch(date)
            if when % DAY_S:
                raise InvalidArgument(
                    "'Date' must be at midnight GMT", ArgumentName="Date", ArgumentValue=str(date)
                )
            expiration["Date"] = when
    noncurrent = rule.get("NoncurrentVersionExpiration")
    if noncurrent is not None:
        days, newer = noncurrent.get("NoncurrentDays"), noncurrent.get("NewerNoncurrentVersions")
        if days is None and newer is None:
            raise _malformed()
        _positive(days, "NoncurrentDays", "NoncurrentVersionExpiration")
        _positive(newer, "NewerNoncurrentVersions", "NoncurrentVersionExpiration")
    abort = rule.get("AbortIncompleteMultipartUpload")
    if abort is not None:
        if abort.get("DaysAfterInitiation") is None:
            raise _malformed()
        _positive(abort["DaysAfterInitiation"], "DaysAfterInitiation", "AbortIncompleteMultipartUpload")
        if has_tags:
            raise InvalidRequest("AbortIncompleteMultipartUpload cannot be specified with Tags.")
    for transition in rule.get("Transitions") or []:
        if transition.get("Date") is not None:
            transition["Date"] = _epoch(transition["Date"])
    actions = ("Expiration", "NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload")
    transitions = ("Transitions", "NoncurrentVersionTransitions")
    if not any(rule.get(name) is not None for name in actions) and not any(rule.get(n) for n in transitions):
        raise InvalidRequest("At least one action needs to be specified in a rule")


def _epoch(value: Any) -> float:
    return float(value.timestamp()) if hasattr(value, "timestamp") else float(value)


# --- rules ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    """An enabled rule, flattened for matching."""

    id: str
    prefix: str
    tags: tuple[tuple[str, str], ...]
    size_above: int | None
    size_below: int | None
    days: int | None
    date: float | None
    expired_marker: bool
    noncurrent: bool
    noncurrent_days: int | None
    newer_noncurrent: int | None
    abort_days: int | None

    @classmethod
    def of(cls, doc: dict[str, Any]) -> Rule:
        rule_filter = doc.get("Filter") or {}
        both = rule_filter.get("And") or {}
        tags = [rule_filter["Tag"]] if rule_filter.get("Tag") else list(both.get("Tags") or [])
        expiration = doc.get("Expiration") or {}
        noncurrent = doc.get("NoncurrentVersionExpiration")
        abort = doc.get("AbortIncompleteMultipartUpload") or {}
        return cls(
            id=doc["ID"],
            prefix=doc.get("Prefix") or rule_filter.get("Prefix") or both.get("Prefix") or "",
            tags=tuple((tag.get("Key", ""), tag.get("Value", "")) for tag in tags),
            size_above=_first(rule_filter.get("ObjectSizeGreaterThan"), both.get("ObjectSizeGreaterThan")),
            size_below=_first(rule_filter.get("ObjectSizeLessThan"), both.get("ObjectSizeLessThan")),
            days=expiration.get("Days"),
            date=expiration.get("Date"),
            expired_marker=bool(expiration.get("ExpiredObjectDeleteMarker")),
            noncurrent=noncurrent is not None,
            noncurrent_days=(noncurrent or {}).get("NoncurrentDays"),
            newer_noncurrent=(noncurrent or {}).get("NewerNoncurrentVersions"),
            abort_days=abort.get("DaysAfterInitiation"),
        )

    def matches(self, key: str, tags: Iterable[Iterable[str]], size: int) -> bool:
        if not key.startswith(self.prefix):
            return False
        if self.size_above is not None and not size > self.size_above:
            return False
        if self.size_below is not None and not size < self.size_below:
            return False
        if self.tags:
            have = {(k, v) for k, v in tags}
            return all(tag in have for tag in self.tags)
        return True

    def current_due(self, obj: store.ObjectVersion) -> float | None:
        """When this rule expires `obj` as the current version, or None."""
        if self.date is not None:
            return self.date
        if self.days is not None:
            return ceil_midnight(obj.last_modified + self.days * DAY_S)
        return None


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def enabled_rules(document: dict[str, Any] | None) -> list[Rule]:
    return [Rule.of(doc) for doc in (document or {}).get("Rules", []) if doc.get("Status") == "Enabled"]


def current_expiry(rules: list[Rule], obj: store.ObjectVersion) -> tuple[float, str] | None:
    """(due time, rule id) of the earliest expiration of current version `obj`, or None."""
    best: tuple[float, str] | None = None
    for rule in rules:
        due = rule.current_due(obj)
        if due is not None and rule.matches(obj.key, obj.tags, obj.size) and (best is None or due < best[0]):
            best = (due, rule.id)
    return best


def expiration(s3: S3, bucket: str, obj: store.ObjectVersion) -> str | None:
    """The `x-amz-expiration` value of a current version a rule will expire, else None."""
    if not obj.is_latest or obj.delete_marker:
        return None
    with s3.db.read() as conn:
        document = store.get_config(conn, bucket, KIND)
    if not document:
        return None
    found = current_expiry(enabled_rules(document), obj)
    if found is None:
        return None
    return f'expiry-date="{http_date(found[0])}", rule-id="{found[1]}"'


def abort_rule(s3: S3, bucket: str, key: str, initiated: float) -> tuple[float, str] | None:
    """(abort date, rule id) for a multipart upload (`x-amz-abort-date`, `x-amz-abort-rule-id`)."""
    with s3.db.read() as conn:
        rules = enabled_rules(store.get_config(conn, bucket, KIND))
    dues = [
        (ceil_midnight(initiated + rule.abort_days * DAY_S), rule.id)
        for rule in rules
        if rule.abort_days is not None and key.startswith(rule.prefix)
    ]
    return min(dues) if dues else None


# --- the timer --------------------------------------------------------------------------------------


def register(app: App, s3: S3) -> None:
    app.timers.register(TIMER, lambda timer: _on_timer(s3, timer))


def schedule(s3: S3, tx: Tx, bucket: str) -> None:
    """Start (or restart) the bucket's lifecycle timer: the first run is the next midnight UTC."""
    s3.app.timers.schedule(tx, TIMER, next_midnight(s3.clock.now()), {"bucket": bucket}, key=bucket)


def cancel(s3: S3, tx: Tx, bucket: str) -> None:
    s3.app.timers.cancel(tx, TIMER, bucket)


def _on_timer(s3: S3, timer: Timer) -> None:
    run(s3, str(timer.payload["bucket"]))


def run(s3: S3, name: str) -> None:
    """Apply every action due now in bucket `name`, then schedule the next run."""
    from cloudlet.services.s3.engine import Origin

    now = s3.clock.now()
    with s3.db.transaction() as tx:
        bucket = store.get_bucket(tx, name)
        document = store.get_config(tx, name, KIND) if bucket is not None else None
        if bucket is None or not document:
            return
        rules = enabled_rules(document)
        origin = Origin(ids.request_id(), "s3.amazonaws.com", "s3.amazonaws.com", bucket.region)
        run_ = _Run(s3, tx, bucket, rules, now, origin)
        due = _earliest_new(rules, now)
        for key, history in _histories(store.objects_in(tx, name)):
            due = min(due, run_.key(key, history))
        due = min(due, run_.uploads())
        if due != math.inf:
            s3.app.timers.schedule(tx, TIMER, due, {"bucket": name}, key=name)


def _earliest_new(rules: list[Rule], now: float) -> float:
    """The earliest time anything written from now on can fall due (the run re-checks then)."""
    due = math.inf
    for rule in rules:
        periods = [rule.days, rule.noncurrent_days, rule.abort_days]
        for days in (d for d in periods if d is not None):
            due = min(due, ceil_midnight(now + days * DAY_S))
        if rule.date is not None:
            due = min(due, rule.date if rule.date > now else next_midnight(now))
        if rule.expired_marker or (rule.noncurrent and rule.noncurrent_days is None):
            due = min(due, next_midnight(now))
    return due


def _histories(versions: Iterable[store.ObjectVersion]) -> Iterable[tuple[str, list[store.ObjectVersion]]]:
    """(key, versions newest first) from versions ordered by (key, seq)."""
    key: str | None = None
    group: list[store.ObjectVersion] = []
    for version in versions:
        if version.key != key:
            if group:
                yield key or "", group[::-1]
            key, group = version.key, []
        group.append(version)
    if group:
        yield key or "", group[::-1]


class _Run:
    """One lifecycle run over a bucket inside one transaction."""

    def __init__(
        self, s3: S3, tx: Tx, bucket: store.Bucket, rules: list[Rule], now: float, origin: Any
    ) -> None:
        self.s3, self.tx, self.bucket, self.rules, self.now, self.origin = s3, tx, bucket, rules, now, origin

    def _notify(self, event: str, obj: store.ObjectVersion) -> None:
        self.s3.notify(self.tx, self.bucket, f"LifecycleExpiration:{event}", obj, self.origin)

    def key(self, key: str, history: list[store.ObjectVersion]) -> float:
        """Expire what is due among the versions of `key`; returns when the next action falls due."""
        due = math.inf
        latest = history[0]
        if not latest.delete_marker:
            found = current_expiry(self.rules, latest)
            if found is not None and found[0] <= self.now:
                self._expire_current(latest)
                history = store.versions_of(self.tx, self.bucket.name, key)
            elif found is not None:
                due = found[0]
        if not self.bucket.versioning or not history:
            return due
        noncurrent_due, removed_any = self._noncurrent(history)
        due = min(due, noncurrent_due)
        if removed_any:
            history = store.versions_of(self.tx, self.bucket.name, key)
        if len(history) == 1 and history[0].delete_marker:
            due = min(due, self._expired_marker(history[0]))
        return due

    def _expire_current(self, latest: store.ObjectVersion) -> None:
        """Unversioned: the object goes. Versioned: a delete marker dated midnight UTC of the current day
        becomes current ("Configuring S3 Lifecycle event notifications")."""
        if not self.bucket.versioning:
            self.s3.delete_version(self.tx, latest)
            self._notify("Delete", latest)
            return
        marker = store.ObjectVersion(
            seq=0,
            bucket=self.bucket.name,
            key=latest.key,
            version_id=self.s3.new_version_id(self.bucket),
            is_latest=True,
            delete_marker=True,
            size=0,
            etag="",
            last_modified=float(math.floor(self.now / DAY_S) * DAY_S),
            blob=None,
            owner=self.bucket.account,
        )
        self._notify("DeleteMarkerCreated", self.s3.put_version(self.tx, self.bucket, marker))

    def _noncurrent(self, history: list[store.ObjectVersion]) -> tuple[float, bool]:
        """Remove noncurrent versions due now; returns (next due, whether any went)."""
        due, removed_any = math.inf, False
        for index in range(1, len(history)):
            version, since = history[index], history[index - 1].last_modified
            newer = index - 1  # noncurrent versions newer than this one
            dues = [
                ceil_midnight(since + (rule.noncurrent_days or 0) * DAY_S)
                for rule in self.rules
                if rule.noncurrent
                and (rule.newer_noncurrent is None or newer >= rule.newer_noncurrent)
                and rule.matches(version.key, version.tags, version.size)
            ]
            if not dues:
                continue
            if min(dues) <= self.now:
                self.s3.delete_version(self.tx, version)
                self._notify("Delete", version)
                removed_any = True
            else:
                due = min(due, min(dues))
        return due, removed_any

    def _expired_marker(self, marker: store.ObjectVersion) -> float:
        """A delete marker left without versions goes with ExpiredObjectDeleteMarker or a current-version
        expiration rule ("Managing delete markers")."""
        dues = []
        for rule in self.rules:
            if not rule.matches(marker.key, (), 0):
                continue
            if rule.expired_marker:
                dues.append(ceil_midnight(marker.last_modified))
            elif rule.days is not None or rule.date is not None:
                dues.append(rule.current_due(marker) or math.inf)
        if not dues:
            return math.inf
        if min(dues) <= self.now:
            self.s3.delete_version(self.tx, marker)
            self._notify("Delete", marker)
            return math.inf
        return min(dues)

    def uploads(self) -> float:
        """Abort incomplete multipart uploads (AbortIncompleteMultipartUpload), releasing their parts."""
        due = math.inf
        abort_rules = [rule for rule in self.rules if rule.abort_days is not None]
        if not abort_rules:
            return due
        for upload in uploads.page(self.tx, self.bucket.name, "", None, None, -1):
            dues = [
                ceil_midnight(upload.initiated + (rule.abort_days or 0) * DAY_S)
                for rule in abort_rules
                if upload.key.startswith(rule.prefix)
            ]
            if not dues:
                continue
            if min(dues) <= self.now:
                self.s3.release_blobs(self.tx, uploads.discard(self.tx, upload.upload_id))
            else:
                due = min(due, min(dues))
        return due
