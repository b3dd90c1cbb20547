"""One deployment of one stack: create, update, delete, and their rollbacks.

A `Deployment` works from the durable rows (stack and resources), changes them one resource at a time
(independent resources concurrently), and records one event per status change. Each row is written in
its own short transaction: nothing is held across an await, and a crash leaves rows an `recover` run
can finish from.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from cloudlet.core import ids
from cloudlet.protocol.errors import ServiceError
from cloudlet.services.cloudformation import graph, store
from cloudlet.services.cloudformation.intrinsics import IntrinsicError, Resolver
from cloudlet.services.cloudformation.prepare import pseudo_parameters
from cloudlet.services.cloudformation.providers import registry
from cloudlet.services.cloudformation.providers.base import (
    Context,
    Created,
    NeedsReplacement,
    Provider,
    ProviderError,
    Resource,
)
from cloudlet.services.cloudformation.store import ResourceRow, Stack

if TYPE_CHECKING:
    from cloudlet.services.cloudformation.engine import CloudFormation

STACK_TYPE = "AWS::CloudFormation::Stack"
GONE = ("DELETE_COMPLETE",)


class Failed(Exception):
    """A resource or output failed; the message is the ResourceStatusReason."""


class Deployment:
    def __init__(self, cf: CloudFormation, stack: Stack) -> None:
        self.cf = cf
        self.app = cf.app
        self.stack = stack
        self.rows: dict[str, ResourceRow] = {}
        self.imported: set[str] = set()
        self.template: dict[str, Any] = stack.processed or {}
        self.values: dict[str, Any] = {}
        self.retain: set[str] = set()
        """Logical ids DeleteStack's RetainResources keeps."""
        self.reload()

    # -- rows and events ---------------------------------------------------------------------------

    def reload(self) -> None:
        with self.app.db.read() as conn:
            self.rows = {row.logical_id: row for row in store.resources(conn, self.stack.stack_id)}

    def event(
        self,
        logical_id: str,
        kind: str,
        status: str,
        physical_id: str | None = None,
        reason: str | None = None,
        properties: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        return {
            "event_id": f"{logical_id}-{status}-{ids.uuid4()}" if kind != STACK_TYPE else ids.uuid4(),
            "logical_id": logical_id,
            "physical_id": physical_id,
            "type": kind,
            "status": status,
            "reason": reason,
            "properties": None if properties is None else json.dumps(properties),
            "client_token": None,
            "timestamp": self.app.clock.now(),
        }

    def set_stack_status(self, status: str, reason: str | None = None, **changes: Any) -> None:
        stack = self.stack
        stack.status = status
        stack.status_reason = reason
        for key, value in changes.items():
            setattr(stack, key, value)
        with self.app.db.transaction() as tx:
            store.save_stack(tx, stack)
            store.add_event(
                tx, stack.stack_id, self.event(stack.name, STACK_TYPE, status, stack.stack_id, reason)
            )
        self.cf.changed()

    def save_row(self, row: ResourceRow, reason: str | None = None, event: bool = True) -> None:
        row.updated_at = self.app.clock.now()
        row.status_reason = reason
        with self.app.db.transaction() as tx:
            store.save_resource(tx, row)
            if event:
                store.add_event(
                    tx,
                    row.stack_id,
                    self.event(row.logical_id, row.type, row.status, row.physical_id, reason, row.properties),
                )
        self.rows[row.logical_id] = row

    def drop_row(self, logical_id: str) -> None:
        with self.app.db.transaction() as tx:
            store.delete_resource(tx, self.stack.stack_id, logical_id)
        self.rows.pop(logical_id, None)

    # -- resolution --------------------------------------------------------------------------------

    def resolver(self) -> Resolver:
        stack = self.stack
        pseudo = pseudo_parameters(
            stack.account, stack.region, stack.name, stack.stack_id, stack.notification_arns
        )
        if not self.values:
            self.values = parameter_values(self.template, stack.parameters)
        return Resolver(
            parameters=self.values,
            pseudo=pseudo,
            conditions=self.template.get("Conditions") or {},
            mappings=self.template.get("Mappings") or {},
            ref=self._ref,
            getatt=self._getatt,
            import_value=self._import,
        )

    def _live(self, name: str) -> ResourceRow:
        row = self.rows.get(name)
        if row is None or row.physical_id is None or row.status in GONE:
            raise IntrinsicError(f"resource {name} does not exist (it was not created)")
        return row

    def _ref(self, name: str) -> Any:
        row = self._live(name)
        return row.ref or row.physical_id

    def _getatt(self, name: str, attribute: str) -> Any:
        row = self._live(name)
        if attribute not in row.attributes:
            raise IntrinsicError(f"resource {name} does not support attribute type {attribute} in Fn::GetAtt")
        return row.attributes[attribute]

    def _import(self, name: str) -> Any:
        with self.app.db.read() as conn:
            found = store.export(conn, self.stack.account, self.stack.region, name)
        if found is None:
            raise IntrinsicError(f"No export named {name} found.")
        self.imported.add(name)
        return found["value"]

    def definitions(self) -> dict[str, Any]:
        resources = self.template.get("Resources")
        return resources if isinstance(resources, dict) else {}

    # -- provider calls ----------------------------------------------------------------------------

    def context(self) -> Context:
        stack = self.stack
        return Context(self.app, stack.account, stack.region, stack.name, stack.template_dir)

    def resource(self, row: ResourceRow, properties: dict[str, Any]) -> Resource:
        stack = self.stack
        return Resource(
            logical_id=row.logical_id,
            type=row.type,
            properties=properties,
            stack_name=stack.name,
            stack_id=stack.stack_id,
            account=stack.account,
            region=stack.region,
            physical_id=row.physical_id,
            attributes=dict(row.attributes),
        )

    async def guarded(self, call: Awaitable[Any]) -> Any:
        try:
            return await call
        except ServiceError as exc:
            raise Failed(f"{exc.code}: {exc.message}" if exc.message else exc.code) from exc
        except (ProviderError, IntrinsicError) as exc:
            raise Failed(str(exc)) from exc
        except NeedsReplacement:
            raise
        except Exception as exc:
            self.app.work.record_failure(exc, "cloudformation.provider")
            raise Failed(f"Internal failure: {type(exc).__name__}: {exc}") from exc

    @staticmethod
    def provider(kind: str) -> Provider:
        provider = registry().get(kind)
        if provider is None:
            raise Failed(f"Resource type {kind} is not supported by cloudlet")
        return provider

    @staticmethod
    def apply(row: ResourceRow, created: Created) -> None:
        row.physical_id = created.physical_id
        row.attributes = dict(created.attributes)
        row.ref = created.ref

    # -- scheduling --------------------------------------------------------------------------------

    @staticmethod
    async def run_graph(
        names: list[str],
        deps: dict[str, set[str]],
        action: Callable[[str], Awaitable[bool]],
        stop: Callable[[], bool] | None = None,
    ) -> list[str]:
        """Run `action` for every name once its dependencies (among `names`) succeeded, concurrently.
        Stops starting new ones after a failure (or once `stop()` is true); returns the names that
        failed."""
        wanted = set(names)
        needs = {name: deps.get(name, set()) & wanted for name in names}
        done: set[str] = set()
        failed: list[str] = []
        pending = list(names)
        running: dict[str, asyncio.Task[bool]] = {}
        while pending or running:
            if not failed and not (stop is not None and stop()):
                for name in [n for n in pending if needs[n] <= done]:
                    pending.remove(name)
                    running[name] = asyncio.ensure_future(action(name))
            if not running:
                break
            finished, _ = await asyncio.wait(running.values(), return_when=asyncio.FIRST_COMPLETED)
            for name, task in list(running.items()):
                if task in finished:
                    del running[name]
                    (done.add if task.result() else failed.append)(name)
        return failed

    # -- create ------------------------------------------------------------------------------------

    async def create_resource(self, name: str, seq: int, *, previous: dict[str, Any] | None = None) -> bool:
        definition = self.definitions()[name]
        row = ResourceRow(
            stack_id=self.stack.stack_id,
            logical_id=name,
            type=definition["Type"],
            status="CREATE_IN_PROGRESS",
            updated_at=self.app.clock.now(),
            seq=seq,
            previous=previous,
        )
        try:
            properties = self.resolver().resolve(definition.get("Properties") or {})
        except IntrinsicError as exc:
            row.status = "CREATE_FAILED"
            self.save_row(row, f"Template error: {exc}")
            return False
        row.properties = properties
        self.save_row(row)
        try:
            created = await self.guarded(
                self.provider(row.type).create(self.context(), self.resource(row, properties))
            )
        except Failed as exc:
            row.status = "CREATE_FAILED"
            self.save_row(row, str(exc))
            return False
        self.apply(row, created)
        row.status = "CREATE_COMPLETE"
        self.save_row(row)
        return True

    def outputs(self) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """Resolved Outputs and Exports. Raises Failed."""
        resolver = self.resolver()
        outputs: list[dict[str, Any]] = []
        exports: dict[str, str] = {}
        for key, spec in (self.template.get("Outputs") or {}).items():
            condition = spec.get("Condition")
            try:
                if condition is not None and not resolver.condition(condition):
                    continue
                value = resolver.resolve(spec["Value"])
                item: dict[str, Any] = {"OutputKey": key, "OutputValue": _text(value)}
                if "Description" in spec:
                    item["Description"] = _text(resolver.resolve(spec["Description"]))
                if isinstance(spec.get("Export"), dict) and "Name" in spec["Export"]:
                    name = _text(resolver.resolve(spec["Export"]["Name"]))
                    item["ExportName"] = name
                    exports[name] = item["OutputValue"]
            except IntrinsicError as exc:
                raise Failed(f"Template error: {exc}") from exc
            outputs.append(item)
        with self.app.db.read() as conn:
            for name, value in exports.items():
                found = store.export(conn, self.stack.account, self.stack.region, name)
                if found is not None and found["stack_id"] != self.stack.stack_id:
                    owner = store.stack_by_id(conn, found["stack_id"])
                    raise Failed(
                        f"Export with name {name} is already exported by stack {owner.name if owner else '?'}"
                    )
                if found is not None and found["value"] != value:
                    users = store.importers(conn, self.stack.account, self.stack.region, name)
                    if users:
                        raise Failed(
                            f"Cannot update export {name} as it is in use by {self._names(conn, users)}"
                        )
            old = [o["ExportName"] for o in self.stack.outputs if "ExportName" in o]
            for name in old:
                if name not in exports:
                    users = store.importers(conn, self.stack.account, self.stack.region, name)
                    users = [u for u in users if u != self.stack.stack_id]
                    if users:
                        raise Failed(
                            f"Export {name} cannot be deleted as it is in use by {self._names(conn, users)}"
                        )
        return outputs, exports

    @staticmethod
    def _names(conn: Any, stack_ids: list[str]) -> str:
        names = []
        for stack_id in stack_ids:
            found = store.stack_by_id(conn, stack_id)
            names.append(found.name if found else stack_id)
        return ", ".join(names)

    def publish(self, outputs: list[dict[str, Any]], exports: dict[str, str]) -> None:
        with self.app.db.transaction() as tx:
            store.set_exports(tx, self.stack, exports)
            store.set_imports(tx, self.stack, self.imported)
        self.stack.outputs = outputs

    async def create(self, order: list[str]) -> None:
        deps = graph.dependencies(self.definitions())
        positions = {name: index for index, name in enumerate(order)}
        failed = await self.run_graph(order, deps, lambda name: self.create_resource(name, positions[name]))
        reason = None
        if not failed:
            try:
                outputs, exports = self.outputs()
            except Failed as exc:
                reason = f"{exc}. "
            else:
                self.publish(outputs, exports)
                self.set_stack_status("CREATE_COMPLETE", outputs=outputs)
                return
        else:
            reason = f"The following resource(s) failed to create: [{', '.join(sorted(failed))}]. "
        stack = self.stack
        if stack.disable_rollback or stack.on_failure == "DO_NOTHING":
            self.set_stack_status("CREATE_FAILED", reason)
            return
        self.set_stack_status("ROLLBACK_IN_PROGRESS", f"{reason}Rollback requested by user.")
        await self.rollback_create()
        if stack.on_failure == "DELETE" and stack.status == "ROLLBACK_COMPLETE":
            self.set_stack_status("DELETE_IN_PROGRESS")
            await self.delete()

    async def rollback_create(self) -> None:
        failed = await self.delete_rows(list(self.rows))
        if failed:
            self.set_stack_status(
                "ROLLBACK_FAILED",
                f"The following resource(s) failed to delete: [{', '.join(sorted(failed))}]. ",
            )
        else:
            self.set_stack_status("ROLLBACK_COMPLETE")

    # -- delete ------------------------------------------------------------------------------------

    async def delete_resource(self, name: str, *, keep_row: bool = True) -> bool:
        row = self.rows.get(name)
        if row is None or row.status in GONE:
            return True
        definition = self.definitions().get(name) or {}
        if row.physical_id is None:
            row.status = "DELETE_COMPLETE"
            self.save_row(row)
            if not keep_row:
                self.drop_row(name)
            return True
        policy = definition.get("DeletionPolicy")
        rolling_back_create = self.stack.status == "ROLLBACK_IN_PROGRESS"
        retained = policy == "Retain" or (policy == "RetainExceptOnCreate" and not rolling_back_create)
        if name in self.retain or retained:
            row.status = "DELETE_SKIPPED"
            self.save_row(row)
            self.drop_row(name)
            return True
        row.status = "DELETE_IN_PROGRESS"
        self.save_row(row)
        try:
            await self.guarded(
                self.provider(row.type).delete(self.context(), self.resource(row, row.properties))
            )
        except Failed as exc:
            row.status = "DELETE_FAILED"
            self.save_row(row, str(exc))
            return False
        row.status = "DELETE_COMPLETE"
        self.save_row(row)
        if not keep_row:
            self.drop_row(name)
        return True

    async def delete_rows(self, names: list[str], *, keep_rows: bool = True) -> list[str]:
        definitions = self.definitions()
        forward = graph.dependencies({n: definitions.get(n, {}) for n in names})
        dependents: dict[str, set[str]] = {name: set() for name in names}
        for name, needed in forward.items():
            for other in needed:
                if other in dependents:
                    dependents[other].add(name)
        failed: list[str] = []

        async def one(name: str) -> bool:
            ok = await self.delete_resource(name, keep_row=keep_rows)
            if not ok:
                failed.append(name)
            return True  # keep deleting the others

        await self.run_graph(names, dependents, one)
        return failed

    async def delete(self) -> None:
        stack = self.stack
        with self.app.db.read() as conn:
            for output in stack.outputs:
                name = output.get("ExportName")
                if name:
                    users = [
                        u
                        for u in store.importers(conn, stack.account, stack.region, name)
                        if u != stack.stack_id
                    ]
                    if users:
                        reason = (
                            f"Export {name} cannot be deleted as it is in use by {self._names(conn, users)}"
                        )
                        break
            else:
                reason = None
        if reason:
            self.set_stack_status("DELETE_FAILED", reason)
            return
        failed = await self.delete_rows(list(self.rows))
        if failed:
            self.set_stack_status(
                "DELETE_FAILED",
                f"The following resource(s) failed to delete: [{', '.join(sorted(failed))}]. ",
            )
            return
        with self.app.db.transaction() as tx:
            store.set_exports(tx, stack, {})
            store.set_imports(tx, stack, set())
            store.delete_change_sets(tx, stack.stack_id)
        self.set_stack_status("DELETE_COMPLETE", deleted_at=self.app.clock.now())


def parameter_values(template: dict[str, Any], parameters: list[dict[str, Any]]) -> dict[str, Any]:
    """{name: value for Ref} from a stack's stored Parameters."""
    declared = template.get("Parameters") or {}
    values: dict[str, Any] = {}
    for item in parameters:
        name, value = item["ParameterKey"], item.get("ParameterValue", "")
        kind = str((declared.get(name) or {}).get("Type", "String"))
        if kind.startswith("List<") or kind == "CommaDelimitedList":
            values[name] = [part.strip() for part in value.split(",")] if value else []
        else:
            values[name] = value
    return values


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_text(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)
