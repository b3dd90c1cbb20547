"""The SNS service state of one App: topics and subscriptions, fan-out, deliverers, message signing.

`setup(app)` registers the schema, the `sns.deliver`/`sns.dedup` timer kinds and the signing
certificate's internal route, and returns the `Sns` object operations reach through
`ctx.app.service("sns").state`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cloudlet.services.sns import signing, store
from cloudlet.services.sns.deliver.dispatch import Deliverers
from cloudlet.services.sns.fanout import TIMER_KIND, Fanout
from cloudlet.services.sns.topics import Registry

if TYPE_CHECKING:
    from cloudlet.app import App


class Sns:
    def __init__(self, app: App) -> None:
        self.app = app
        self.db = app.db
        self.clock = app.clock
        self.timers = app.timers
        self.registry = Registry(self)
        self.fanout = Fanout(self)
        self.deliverers = Deliverers(self)
        self.signer = signing.Signer(app.db)


def setup(app: App) -> Sns:
    app.migrations.register("sns", store.MIGRATIONS)
    signing.register_migrations(app.migrations)
    sns = Sns(app)
    app.timers.register(TIMER_KIND, sns.fanout.on_timer)
    app.timers.register("sns.dedup", sns.fanout.on_dedup_timer)
    signing.register_routes(app, sns.signer)
    app.on_reset(sns.registry.clear_cache)
    return sns
