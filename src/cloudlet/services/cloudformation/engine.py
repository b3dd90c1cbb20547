"""CloudFormation service state of one App: runs deployments as tracked asyncio tasks and recovers
stacks a crash left in progress.

An API call (CreateStack, UpdateStack, DeleteStack, ExecuteChangeSet) writes the stack's new status,
starts the deployment as a task and waits for it up to `WAIT_S`, so that clients polling right after
find the stack finished; longer deployments go on in the background (DescribeStacks/Events show them).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from cloudlet.services.cloudformation import store

if TYPE_CHECKING:
    from cloudlet.app import App

log = logging.getLogger(__name__)

TIMER_KIND = "cloudformation.deployment"
RECOVER_KEY = "*recover*"
_CENTURY_S = 100 * 365 * 86400.0
WAIT_S = 20.0
"""How long an API call waits for the deployment it started before answering."""


class CloudFormation:
    def __init__(self, app: App) -> None:
        self.app = app
        self.db = app.db
        self.clock = app.clock
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.cancels: set[str] = set()
        """Stacks whose update CancelUpdateStack asked to stop (they roll back)."""

    def changed(self) -> None:
        """A stack's status changed (hook for waiters)."""

    def running(self, stack_id: str) -> bool:
        task = self.tasks.get(stack_id)
        return task is not None and not task.done()

    def start(self, stack_id: str, work: Callable[[], Awaitable[None]], label: str) -> asyncio.Task[None]:
        """Run `work` as the stack's deployment task, tracked for `settle()`."""
        token = self.app.work.begin(f"cloudformation.{label}")
        with self.db.transaction() as tx:  # makes a restart load this service and recover the stack
            self.app.timers.schedule(tx, TIMER_KIND, self.clock.now() + _CENTURY_S, {}, key=stack_id)

        async def run() -> None:
            try:
                await work()
            except Exception as exc:
                log.exception("CloudFormation deployment of %s failed", stack_id)
                self.app.work.record_failure(exc, f"cloudformation.{label}")
            finally:
                with self.db.transaction() as tx:
                    self.app.timers.cancel(tx, TIMER_KIND, stack_id)
                self.app.work.end(token)
                if self.tasks.get(stack_id) is task:
                    del self.tasks[stack_id]

        task = asyncio.get_running_loop().create_task(run())
        self.tasks[stack_id] = task
        return task

    async def wait(self, task: asyncio.Task[None], timeout: float = WAIT_S) -> None:
        """Wait for `task` up to `timeout` seconds (it goes on afterwards)."""
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout)
        except TimeoutError:
            pass

    def on_timer(self, timer: Any) -> None:
        """A deployment's guard timer fired (a century later): recover the stack if it is still stuck."""
        if timer.key and not self.running(timer.key):
            self.recover()

    def recover(self) -> None:
        """Finish stacks a previous run left in progress: a create rolls back, a delete goes on, an update
        rolls back to the previous template."""
        from cloudlet.services.cloudformation.deploy import Deployment
        from cloudlet.services.cloudformation.update import Update

        with self.db.read() as conn:
            stacks = store.stacks_in_progress(conn)
        for stack in stacks:
            if self.running(stack.stack_id):
                continue
            if stack.status in ("CREATE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS"):
                deployment = Deployment(self, stack)

                async def work(d: Any = deployment) -> None:
                    if d.stack.status == "CREATE_IN_PROGRESS":
                        d.set_stack_status(
                            "ROLLBACK_IN_PROGRESS", "Interrupted: cloudlet stopped during the create."
                        )
                    await d.rollback_create()

            elif stack.status == "DELETE_IN_PROGRESS":
                deployment = Deployment(self, stack)

                async def work(d: Any = deployment) -> None:
                    await d.delete()

            elif stack.status.startswith("UPDATE_ROLLBACK") or stack.status.startswith("UPDATE_"):
                update = Update(self, stack)

                async def work(u: Any = update) -> None:
                    await u.recover()

            else:
                continue
            self.start(stack.stack_id, work, "recover")


def setup(app: App) -> CloudFormation:
    app.migrations.register("cloudformation", store.MIGRATIONS)
    cf = CloudFormation(app)
    app.timers.register(TIMER_KIND, cf.on_timer)
    if app.started.is_set():  # loaded on first use: look for stacks a crash left once the schema exists
        with app.db.transaction() as tx:
            app.timers.schedule(tx, TIMER_KIND, app.clock.now(), {}, key=RECOVER_KEY)
    else:  # loaded at start (a deployment's guard timer was pending)
        app.on_started(cf.recover)
    return cf
