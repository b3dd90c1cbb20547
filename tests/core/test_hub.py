from __future__ import annotations

from dataclasses import dataclass

import pytest

from cloudlet.core.hub import Hub
from cloudlet.core.work import WorkTracker


@dataclass(frozen=True)
class ObjectEvent:
    bucket: str


@dataclass(frozen=True)
class ObjectCreated(ObjectEvent):
    key: str


@dataclass(frozen=True)
class MessagesAvailable:
    queue_arn: str


def test_subscribers_get_events_of_their_type_in_subscription_order() -> None:
    hub = Hub()
    seen: list[tuple[str, object]] = []
    hub.subscribe(MessagesAvailable, lambda e: seen.append(("first", e)))
    hub.subscribe(ObjectCreated, lambda e: seen.append(("objects", e)))
    hub.subscribe(MessagesAvailable, lambda e: seen.append(("second", e)))
    event = MessagesAvailable("arn:aws:sqs:us-east-1:000000000000:q")
    hub.publish(event)
    assert seen == [("first", event), ("second", event)]


def test_base_class_subscribers_receive_subclass_events() -> None:
    hub = Hub()
    seen: list[str] = []
    hub.subscribe(ObjectEvent, lambda e: seen.append("base"))
    hub.subscribe(ObjectCreated, lambda e: seen.append("exact"))
    hub.subscribe(object, lambda e: seen.append("everything"))
    hub.publish(ObjectCreated("b", "k"))
    assert seen == ["base", "exact", "everything"]
    seen.clear()
    hub.publish(ObjectEvent("b"))
    assert seen == ["base", "everything"]


def test_unsubscribe() -> None:
    hub = Hub()
    seen: list[str] = []
    unsubscribe = hub.subscribe(MessagesAvailable, lambda e: seen.append("a"))
    hub.subscribe(MessagesAvailable, lambda e: seen.append("b"))
    hub.publish(MessagesAvailable("q"))
    unsubscribe()
    unsubscribe()  # idempotent
    hub.publish(MessagesAvailable("q"))
    assert seen == ["a", "b", "b"]


def test_failing_subscriber_is_isolated_logged_and_reported(caplog: pytest.LogCaptureFixture) -> None:
    work = WorkTracker()
    hub = Hub(work)
    seen: list[str] = []

    def broken(event: MessagesAvailable) -> None:
        raise RuntimeError("subscriber bug")

    hub.subscribe(MessagesAvailable, broken)
    hub.subscribe(MessagesAvailable, lambda e: seen.append(e.queue_arn))
    hub.publish(MessagesAvailable("q"))
    assert seen == ["q"]
    assert [(f.label, str(f.exc)) for f in work.failures()] == [("hub:MessagesAvailable", "subscriber bug")]
    assert "subscriber bug" in caplog.text


def test_failing_subscriber_without_work_tracker_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    hub = Hub()
    hub.subscribe(MessagesAvailable, lambda e: 1 / 0)  # type: ignore[func-returns-value, arg-type]
    hub.publish(MessagesAvailable("q"))
    assert "ZeroDivisionError" in caplog.text


def test_publish_without_subscribers_is_a_noop() -> None:
    Hub().publish(MessagesAvailable("q"))


def test_subscribing_during_publish_affects_only_later_events() -> None:
    hub = Hub()
    seen: list[str] = []

    def first(e: MessagesAvailable) -> None:
        seen.append("first")
        hub.subscribe(MessagesAvailable, lambda e: seen.append("late"))

    unsubscribe = hub.subscribe(MessagesAvailable, first)
    hub.publish(MessagesAvailable("q"))
    unsubscribe()
    hub.publish(MessagesAvailable("q"))
    assert seen == ["first", "late"]
