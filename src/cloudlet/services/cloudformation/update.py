"""Stack updates: unchanged resources are left alone, changed ones updated in place or replaced (the new
resource is created first, the old one deleted in the cleanup phase), removed ones deleted; a failure
rolls everything back to the previous template, parameters and physical resources."""

from __future__ import annotations

from typing import Any

from cloudlet.services.cloudformation import graph
from cloudlet.services.cloudformation.deploy import GONE, Deployment, Failed
from cloudlet.services.cloudformation.intrinsics import IntrinsicError
from cloudlet.services.cloudformation.prepare import Plan
from cloudlet.services.cloudformation.providers.base import NeedsReplacement
from cloudlet.services.cloudformation.store import ResourceRow
from cloudlet.services.cloudformation.template import Template

REPLACING = "Requested update requires the creation of a new physical resource; hence creating one."
_RESTORED = (
    "template",
    "processed",
    "parameters",
    "outputs",
    "tags",
    "notification_arns",
    "capabilities",
    "description",
    "disable_rollback",
)


def changed_keys(old: dict[str, Any], new: dict[str, Any]) -> set[str]:
    return {key for key in old.keys() | new.keys() if old.get(key) != new.get(key)}


def needs_replacement(
    provider: Any, old_type: str, new_type: str, old: dict[str, Any], new: dict[str, Any]
) -> bool:
    if old_type != new_type or provider.update is None:
        return True
    return bool(changed_keys(old, new) & provider.replace_on)


class Update(Deployment):
    def begin(
        self,
        *,
        template: Template,
        the_plan: Plan,
        capabilities: list[str],
        tags: list[dict[str, str]],
        notification_arns: list[str],
        disable_rollback: bool,
        change_set_id: str | None = None,
    ) -> None:
        """Record the update's start: the previous stack kept for rollback, the new one in place."""
        stack = self.stack
        stack.previous = {key: getattr(stack, key) for key in _RESTORED}
        description = template.body.get("Description")
        stack.template = template.text
        stack.processed = the_plan.processed
        stack.parameters = the_plan.parameters
        stack.capabilities = capabilities
        stack.tags = tags
        stack.notification_arns = notification_arns
        stack.description = description if isinstance(description, str) else None
        stack.disable_rollback = disable_rollback
        if change_set_id is not None:
            stack.change_set_id = change_set_id
        self.template = the_plan.processed
        self.values = the_plan.values
        self.set_stack_status("UPDATE_IN_PROGRESS", "User Initiated", updated_at=self.app.clock.now())

    def old_template(self) -> dict[str, Any]:
        previous = self.stack.previous or {}
        return previous.get("processed") or {}

    # -- forward -----------------------------------------------------------------------------------

    async def run(self, order: list[str]) -> None:
        deps = graph.dependencies(self.definitions())
        positions = {name: index for index, name in enumerate(order)}
        stack_id = self.stack.stack_id
        failed = await self.run_graph(
            order,
            deps,
            lambda name: self.update_resource(name, positions[name]),
            stop=lambda: stack_id in self.cf.cancels,
        )
        reason = None
        if stack_id in self.cf.cancels:
            self.cf.cancels.discard(stack_id)
            await self.rollback("User Initiated")
            return
        if failed:
            reason = f"The following resource(s) failed to update: [{', '.join(sorted(failed))}]. "
        else:
            try:
                outputs, exports = self.outputs()
            except Failed as exc:
                reason = f"{exc}. "
        if reason is not None:
            if self.stack.disable_rollback:
                self.set_stack_status("UPDATE_FAILED", reason)
                return
            await self.rollback(reason)
            return
        self.publish(outputs, exports)
        self.set_stack_status("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", outputs=outputs)
        await self.cleanup(set(order))

    async def update_resource(self, name: str, seq: int) -> bool:
        definition = self.definitions()[name]
        row = self.rows.get(name)
        if row is None or row.status in GONE:
            return await self.create_resource(name, seq, previous={"new": True})
        try:
            properties = self.resolver().resolve(definition.get("Properties") or {})
        except IntrinsicError as exc:
            row.previous = row.previous or _snapshot(row)
            row.status = "UPDATE_FAILED"
            self.save_row(row, f"Template error: {exc}")
            return False
        new_type = definition["Type"]
        row.seq = seq
        if new_type == row.type and properties == row.properties:
            return True
        try:
            provider = self.provider(new_type)
        except Failed as exc:
            row.status = "UPDATE_FAILED"
            self.save_row(row, str(exc))
            return False
        snapshot = _snapshot(row)
        replace = needs_replacement(provider, row.type, new_type, row.properties, properties)
        if not replace:
            row.previous = snapshot
            row.properties = properties
            row.status = "UPDATE_IN_PROGRESS"
            self.save_row(row)
            resource = self.resource(row, properties)
            resource.old_properties = snapshot["properties"]
            try:
                created = await self.guarded(provider.update(self.context(), resource))  # type: ignore[misc]
            except NeedsReplacement:
                replace = True
            except Failed as exc:
                row.status = "UPDATE_FAILED"
                self.save_row(row, str(exc))
                return False
            else:
                self.apply(row, created)
                row.status = "UPDATE_COMPLETE"
                self.save_row(row)
                return True
        row.previous = {**snapshot, "replaced": True}
        row.type = new_type
        row.properties = properties
        row.status = "UPDATE_IN_PROGRESS"
        self.save_row(row, REPLACING)
        fresh = self.resource(row, properties)
        fresh.physical_id, fresh.attributes = None, {}
        fresh.replaces = snapshot.get("physical_id")
        try:
            created = await self.guarded(provider.create(self.context(), fresh))
        except Failed as exc:
            row.status = "UPDATE_FAILED"
            self.save_row(row, str(exc))
            return False
        self.apply(row, created)
        row.previous["created"] = True
        row.status = "UPDATE_COMPLETE"
        self.save_row(row)
        return True

    async def cleanup(self, keep: set[str]) -> None:
        """Delete what the update replaced or removed, then finish as UPDATE_COMPLETE."""
        for row in list(self.rows.values()):
            if row.previous and row.previous.get("replaced"):
                await self._delete_old(row)
        removed = [name for name, row in self.rows.items() if name not in keep and row.status not in GONE]
        current = self.template
        self.template = self.old_template()
        await self.delete_rows(removed, keep_rows=False)
        self.template = current
        self._forget_previous(drop_gone=True)
        self.set_stack_status("UPDATE_COMPLETE", previous=None)

    async def _delete_old(self, row: ResourceRow) -> bool:
        """Delete the physical resource a replacement left behind (`row.previous`)."""
        previous = row.previous or {}
        old = ResourceRow(
            stack_id=row.stack_id,
            logical_id=row.logical_id,
            type=previous["type"],
            status="DELETE_IN_PROGRESS",
            updated_at=self.app.clock.now(),
            physical_id=previous["physical_id"],
            properties=previous["properties"],
            attributes=previous["attributes"],
            ref=previous.get("ref"),
        )
        if old.physical_id is None:
            return True
        if (self.definitions().get(row.logical_id) or {}).get("UpdateReplacePolicy") == "Retain":
            old.status = "DELETE_SKIPPED"
            self.record(old)
            return True
        self.record(old)
        try:
            await self.guarded(
                self.provider(old.type).delete(self.context(), self.resource(old, old.properties))
            )
        except Failed as exc:
            old.status = "DELETE_FAILED"
            self.record(old, str(exc))
            return False
        old.status = "DELETE_COMPLETE"
        self.record(old)
        return True

    def record(self, row: ResourceRow, reason: str | None = None) -> None:
        """An event for a physical resource that is not the row's current one."""
        from cloudlet.services.cloudformation import store

        with self.app.db.transaction() as tx:
            store.add_event(
                tx, row.stack_id, self.event(row.logical_id, row.type, row.status, row.physical_id, reason)
            )

    def _forget_previous(self, *, drop_gone: bool) -> None:
        for name, row in list(self.rows.items()):
            if drop_gone and row.status in GONE:
                self.drop_row(name)
            elif row.previous is not None:
                row.previous = None
                self.save_row(row, row.status_reason, event=False)

    # -- rollback ----------------------------------------------------------------------------------

    async def rollback(self, reason: str | None = None) -> None:
        self.set_stack_status("UPDATE_ROLLBACK_IN_PROGRESS", reason)
        new_template = self.template
        failed: list[str] = []
        touched = sorted((r for r in self.rows.values() if r.previous is not None), key=lambda r: -r.seq)
        leftovers: list[ResourceRow] = []
        for row in touched:
            previous = row.previous or {}
            if previous.get("new"):
                continue
            if previous.get("replaced"):
                if previous.get("created") and row.physical_id != previous["physical_id"]:
                    leftovers.append(_copy(row))
                _restore(row, previous)
                row.status = "UPDATE_IN_PROGRESS"
                self.save_row(row)
                row.status = "UPDATE_COMPLETE"
                self.save_row(row)
                continue
            ok = await self._update_back(row, previous)
            if not ok:
                failed.append(row.logical_id)
        previous_stack = self.stack.previous or {}
        for key in _RESTORED:
            if key in previous_stack:
                setattr(self.stack, key, previous_stack[key])
        self.template = self.stack.processed or {}
        self.values = {}
        if failed:
            self.set_stack_status(
                "UPDATE_ROLLBACK_FAILED",
                f"The following resource(s) failed to update: [{', '.join(failed)}]. ",
            )
            return
        self.set_stack_status("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        await self._rollback_cleanup(new_template, leftovers)

    async def _rollback_cleanup(self, new_template: dict[str, Any], leftovers: list[ResourceRow]) -> None:
        for row in leftovers:
            await self._delete_created(row)
        new = [name for name, row in self.rows.items() if (row.previous or {}).get("new")]
        current = self.template
        self.template = new_template
        await self.delete_rows(new, keep_rows=False)
        self.template = current
        self._forget_previous(drop_gone=True)
        self.set_stack_status("UPDATE_ROLLBACK_COMPLETE", previous=None)

    async def _delete_created(self, row: ResourceRow) -> None:
        row.status = "DELETE_IN_PROGRESS"
        self.record(row)
        try:
            await self.guarded(
                self.provider(row.type).delete(self.context(), self.resource(row, row.properties))
            )
        except Failed as exc:
            row.status = "DELETE_FAILED"
            self.record(row, str(exc))
            return
        row.status = "DELETE_COMPLETE"
        self.record(row)

    async def _update_back(self, row: ResourceRow, previous: dict[str, Any]) -> bool:
        attempted = row.properties
        row.properties = previous["properties"]
        row.status = "UPDATE_IN_PROGRESS"
        self.save_row(row)
        try:
            provider = self.provider(row.type)
            resource = self.resource(row, previous["properties"])
            resource.old_properties = attempted
            if provider.update is not None:
                created = await self.guarded(provider.update(self.context(), resource))
                self.apply(row, created)
        except (Failed, NeedsReplacement) as exc:
            row.status = "UPDATE_FAILED"
            self.save_row(row, str(exc) or "the previous properties could not be restored")
            return False
        _restore(row, previous)
        row.status = "UPDATE_COMPLETE"
        self.save_row(row)
        return True

    # -- after a crash -----------------------------------------------------------------------------

    async def recover(self) -> None:
        status = self.stack.status
        if status == "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS":
            await self.cleanup({name for name in self.definitions()})
        elif status == "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS":
            await self._rollback_cleanup({}, [])
        elif status in ("UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS"):
            await self.rollback("Interrupted: cloudlet stopped during the update.")


def _snapshot(row: ResourceRow) -> dict[str, Any]:
    return {
        "type": row.type,
        "physical_id": row.physical_id,
        "properties": row.properties,
        "attributes": row.attributes,
        "ref": row.ref,
        "status": row.status,
    }


def _restore(row: ResourceRow, previous: dict[str, Any]) -> None:
    row.type = previous["type"]
    row.physical_id = previous["physical_id"]
    row.properties = previous["properties"]
    row.attributes = previous["attributes"]
    row.ref = previous.get("ref")


def _copy(row: ResourceRow) -> ResourceRow:
    return ResourceRow(**{**row.__dict__, "previous": None})
