"""The `cloudlet` fixture: endpoint, clients, virtual clock, settle, restart, markers."""

from __future__ import annotations

import pytest

from cloudlet.core.work import SettleTimeout


def test_fixture_serves_boto3_clients(cloudlet):
    assert cloudlet.endpoint.startswith("http://127.0.0.1:")
    assert cloudlet.client("sts").get_caller_identity()["Account"] == "000000000000"


def test_clock_is_virtual_and_only_moves_when_advanced(cloudlet):
    start = cloudlet.clock.now()
    assert cloudlet.clock.now() == start
    cloudlet.clock.advance(3600)
    assert cloudlet.clock.now() == start + 3600


def test_settle_returns_when_idle_and_raises_on_timeout(cloudlet):
    cloudlet.settle(timeout=5)
    token = cloudlet.app.work.begin("never-ending")
    with pytest.raises(SettleTimeout, match="never-ending"):
        cloudlet.settle(timeout=0.2)
    cloudlet.app.work.end(token)
    cloudlet.settle(timeout=5)


def test_a_timer_due_while_the_server_was_down_fires_after_restart(cloudlet):
    fired: list[dict] = []
    app = cloudlet.app
    with app.db.transaction() as tx:
        app.timers.schedule(tx, "test.wake", cloudlet.clock.now() + 60, {"n": 1}, key="k")
    cloudlet.restart()
    cloudlet.app.timers.register("test.wake", lambda timer: fired.append(timer.payload))
    cloudlet.settle()
    assert fired == []
    cloudlet.clock.advance(60)
    cloudlet.settle()
    assert fired == [{"n": 1}]


def test_settle_reports_internal_failures(cloudlet):
    def broken(timer):
        raise RuntimeError("handler bug")

    cloudlet.app.timers.register("test.broken", broken)
    with cloudlet.app.db.transaction() as tx:
        cloudlet.app.timers.schedule(tx, "test.broken", cloudlet.clock.now(), {})
    with pytest.raises(Exception, match="handler bug"):
        cloudlet.settle()


@pytest.mark.cloudlet(in_memory=True, services=["sts"])
def test_marker_options(cloudlet):
    assert cloudlet.data_dir is None
    assert set(cloudlet.app.specs) == {"sts"}


def test_factory_starts_independent_servers(cloudlet, cloudlet_factory):
    other = cloudlet_factory(in_memory=True)
    assert other.endpoint != cloudlet.endpoint
    assert other.client("sts").get_caller_identity()["Account"] == "000000000000"
