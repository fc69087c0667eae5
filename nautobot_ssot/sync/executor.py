"""Apply a diff object by object: each object in its own savepoint, parents created first, children deleted first.

``SafeSyncer`` replaces diffsync's walk of the diff (``Adapter.sync_from``) with two passes:

1. creates and updates, top-down, model groups ordered so that a model is written after the models its
   Django model refers to (a tenant group before its tenants), whatever order ``top_level`` lists them in;
2. deletes, bottom-up, in the reverse order (children and referring models first).

Every object is written inside ``transaction.atomic()``: a failure (a diffsync ``ObjectNot*`` error, or any
unexpected error such as a database ``DataError``) rolls back that object only and is logged as that object's error;
the rest goes on. Objects whose writes are deferred to the end of the sync (contrib's bulk path) write nothing here,
and get no savepoint outside a transaction; a target adapter with an ``applying(diff)`` method (``NautobotAdapter``) has
the whole walk run inside it, and the callable it yields (if any) is called between two objects (contrib commits a
full batch of writes there). Objects under a parent that could not be created are reported as failed too. Loss of
the database connection ends the sync.

A create or update refused because an object the same diff deletes still holds its unique value (an IP address whose
mask changed, an interface renamed) is applied together with that delete, in one savepoint: the old object is
deleted and the write tried again; either both are kept (logged once, as ``replace``) or neither (both reported as
failed). See ``nautobot_ssot.sync.replace``. Each object's outcome is handed to the run (``outcomes``, the job's
``RunContext``: ``record()``); without one, it is logged as diffsync logs it. Unchanged objects are reported as
diffsync reports them (with ``LOG_UNCHANGED_RECORDS``) and counted, without a savepoint or a call into the model, so
that a sync with few changes costs little more than its diff.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from diffsync import Adapter, DiffSyncModel
from diffsync.diff import Diff, DiffElement
from diffsync.enum import DiffSyncActions, DiffSyncFlags, DiffSyncModelFlags, DiffSyncStatus
from diffsync.exceptions import ObjectCrudException, ObjectNotCreated, ObjectNotDeleted, ObjectNotUpdated
from diffsync.helpers import DiffSyncSyncer
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Model

from nautobot_ssot.sync.context import ObjectOutcome, OutcomeRecorder
from nautobot_ssot.sync.logcapture import diffsync_logger
from nautobot_ssot.sync.replace import (
    REPLACE,
    DeleteIndex,
    PendingDelete,
    ReplacementNeeded,
    record_values,
    written_one_at_a_time,
)

CONNECTION_ERRORS = (InterfaceError, OperationalError)
"""Errors that mean the database is gone for every object, not just one: they end the sync."""


UNCHANGED_MESSAGE = "No changes to apply; no action needed"
"""What diffsync logs for an unchanged object."""


class SyncStopped(Exception):
    """An object failed and the sync was asked to stop at the first failure."""


@dataclasses.dataclass(frozen=True)
class BoundObject:
    """The object the syncer is writing, as its outcome names it.

    Attributes:
        model: The diffsync model name.
        unique_id: The object's unique id.
        action: The diff's action for it (``replace`` once it replaced another object).
        diffs: The attribute changes.
    """

    model: str
    unique_id: str
    action: str | None
    diffs: dict[str, Any]


def _refers_to(model: type[Model] | None, other: type[Model] | None) -> bool:
    """Whether Django model ``model`` has a forward relation to ``other`` (so ``other`` must exist first)."""
    if model is None or other is None or model is other:
        return False
    return any(
        field.related_model is not None and issubclass(other, field.related_model) and field.concrete
        for field in model._meta.get_fields()
        if field.is_relation
    )


def dependency_order(types: list[str], adapter: Adapter) -> list[str]:
    """Order diffsync model names so that each comes after the ones its Django model refers to.

    Models without a Django model (``_model``) keep their place; so does everything when there is a cycle.
    """
    django_models = {name: getattr(getattr(adapter, name, None), "_model", None) for name in types}
    ordered: list[str] = []

    def place(name: str, visiting: set[str]) -> None:
        if name in ordered or name in visiting:
            return
        visiting.add(name)
        for other in types:
            if _refers_to(django_models[name], django_models[other]):
                place(other, visiting)
        ordered.append(name)

    for name in types:
        place(name, set())
    return ordered


def ordered_children(diff: Diff, adapter: Adapter) -> list[DiffElement]:
    """The elements of ``diff`` (one level), model groups in dependency order, diff order within a group."""
    if not diff.children:
        return []
    by_type: dict[str, list[DiffElement]] = {}
    for element in diff.get_children():
        by_type.setdefault(element.type, []).append(element)
    return [element for name in dependency_order(list(by_type), adapter) for element in by_type[name]]


class SafeSyncer(DiffSyncSyncer):
    """Apply a diff in two ordered passes, one savepoint per object (see the module docstring).

    Args:
        diff: The diff to apply.
        src_diffsync: The source adapter.
        dst_diffsync: The target adapter.
        flags: diffsync flags of the run.
        stop_on_failure: Raise ``SyncStopped`` after the first object that fails.
        outcomes: Where each object's outcome is recorded (the run's context); None: logged as diffsync logs it.
    """

    def __init__(  # noqa: PLR0913, PLR0917  (diffsync's signature plus two options)
        self,
        diff: Diff,
        src_diffsync: Adapter,
        dst_diffsync: Adapter,
        flags: DiffSyncFlags,
        stop_on_failure=False,
        outcomes: OutcomeRecorder | None = None,
    ):
        super().__init__(diff, src_diffsync, dst_diffsync, flags)
        self.stop_on_failure = stop_on_failure
        self.outcomes = outcomes
        self.bound: BoundObject | None = None
        self.failed = 0
        self.between_objects: Callable[[], None] | None = None
        self.deletes = DeleteIndex(diff, dst_diffsync)
        self.replaced: Counter[str] = Counter()

    def perform_sync(self) -> bool:
        """Apply creates and updates, then deletes; call the target's ``sync_complete`` if anything changed."""
        self.base_logger.info("Beginning sync")
        applying = getattr(self.dst_diffsync, "applying", None)
        with applying(self.diff) if applying is not None else nullcontext() as between_objects:
            self.between_objects = between_objects
            changed = self._upsert(ordered_children(self.diff, self.dst_diffsync), None)
            changed |= self._delete(ordered_children(self.diff, self.dst_diffsync), None)
            self.base_logger.info("Sync complete")
            if changed:
                self.dst_diffsync.sync_complete(self.src_diffsync, self.diff, self.flags, self.base_logger)
        return changed

    def _upsert(self, elements: Iterable[DiffElement], parent: DiffElement | None) -> bool:
        changed = False
        for element in elements:
            if element.action == DiffSyncActions.DELETE:
                continue
            if element.action is None:
                self._unchanged(element)
                changed |= self._upsert(ordered_children(element.child_diff, self.dst_diffsync), element)
                continue
            element_changed, result = self._apply(element, parent)
            changed |= element_changed
            if result is None and element.action == DiffSyncActions.CREATE:
                self._skip_descendants(element)
                continue
            changed |= self._upsert(ordered_children(element.child_diff, self.dst_diffsync), element)
        return changed

    def _delete(self, elements: list[DiffElement], parent: DiffElement | None) -> bool:
        changed = False
        for element in reversed(elements):
            if self.deletes.is_consumed(element):
                continue
            if element.action != DiffSyncActions.DELETE or not self._skips_children(element):
                changed |= self._delete(ordered_children(element.child_diff, self.dst_diffsync), element)
            if element.action == DiffSyncActions.DELETE:
                changed |= self._apply(element, parent)[0]
        return changed

    def _unchanged(self, element: DiffElement) -> None:
        """Count an unchanged object, and log it as diffsync does when ``LOG_UNCHANGED_RECORDS`` is set."""
        if self.flags & DiffSyncFlags.LOG_UNCHANGED_RECORDS:
            self._bind(element)
            self.log_sync_status(None, DiffSyncStatus.SUCCESS, UNCHANGED_MESSAGE)
        self.incr_elements_processed()

    def _skips_children(self, element: DiffElement) -> bool:
        dst_model = self.dst_diffsync.get_or_none(getattr(self.dst_diffsync, element.type), element.keys)
        return bool(dst_model and dst_model.model_flags & DiffSyncModelFlags.SKIP_CHILDREN_ON_DELETE)

    def _bind(self, element: DiffElement) -> None:
        """Point the syncer's state (model class, action, logger) at ``element``, as diffsync does."""
        self.model_class = getattr(self.dst_diffsync, element.type)
        self.action = element.action
        unique_id = self.model_class.create_unique_id(**element.keys)
        self.bound = BoundObject(element.type, unique_id, element.action, element.get_attrs_diffs())
        self.logger = self.base_logger.bind(
            action=element.action, model=element.type, unique_id=unique_id, diffs=self.bound.diffs
        )

    def log_sync_status(self, action: str | None, status: DiffSyncStatus, message: str) -> None:
        """Hand the bound object's outcome to the run; without one, log it as diffsync does."""
        if self.outcomes is None or self.bound is None:
            super().log_sync_status(action, status, message)
            return
        if action is None and not self.flags & DiffSyncFlags.LOG_UNCHANGED_RECORDS:
            return
        bound = self.bound
        outcome = ObjectOutcome(bound.model, str(bound.unique_id), bound.action, status.value, message, bound.diffs)
        self.outcomes.record(outcome)
        diffsync_logger.debug("%s: %s %s %s", message, bound.action, bound.model, bound.unique_id)

    def _apply(self, element: DiffElement, parent: DiffElement | None) -> tuple[bool, DiffSyncModel | None]:
        """Create, update or delete one object in its own savepoint; keep the target adapter in step."""
        self._bind(element)
        src_model = self.src_diffsync.get_or_none(self.model_class, element.keys)
        dst_model = self.dst_diffsync.get_or_none(self.model_class, element.keys)
        if dst_model is not None:
            dst_model.set_status(DiffSyncStatus.UNKNOWN)
        attrs = element.get_attrs_diffs().get("+", {})
        try:
            changed, result = self._guarded(src_model, dst_model, element.keys, attrs)
        except ReplacementNeeded as needed:
            changed, result = self._replace(element, dst_model, attrs, needed)
        if result is None and element.action is not None:
            self._failed_once()
        elif result is not None:
            self._track(element, result if element.action == DiffSyncActions.CREATE else dst_model, parent)
        self.incr_elements_processed()
        if self.between_objects is not None:
            self.between_objects()
        return changed, result

    def _guarded(self, src_model, dst_model, ids: dict, attrs: dict) -> tuple[bool, DiffSyncModel | None]:
        """``sync_model`` in a savepoint, rolled back when the object fails; an unexpected error is its error entry.

        A model class with ``prepare_write(adapter)`` (contrib's) stores what the object may need first, outside the
        savepoint (the bulk path's queue, which a failure of this object must not roll back).
        """
        prepare = getattr(self.model_class, "prepare_write", None)
        if prepare is not None and self.action != DiffSyncActions.DELETE:
            prepare(self.dst_diffsync)
        try:
            with self._savepoint() as guarded:
                changed, result = self.sync_model(src_model=src_model, dst_model=dst_model, ids=ids, attrs=attrs)
                if result is None and self.action is not None and guarded:
                    transaction.set_rollback(True)
                return changed, result
        except (ObjectCrudException, *CONNECTION_ERRORS, SyncStopped, ReplacementNeeded):
            raise
        except Exception as error:  # noqa: BLE001  (one object's error must not end the sync)
            message = f"{self._name(ids)}: {type(error).__name__}: {error}"
            self.log_sync_status(self.action, DiffSyncStatus.ERROR, message)
            return True, None

    def _name(self, ids: dict) -> str:
        """``type unique-id`` of the bound model class with these identifiers."""
        return f"{self.model_class.get_type()} {self.model_class.create_unique_id(**ids)}"

    def sync_model(  # noqa: D417  (diffsync's arguments)
        self, *, src_model: DiffSyncModel | None, dst_model: DiffSyncModel | None, ids: dict, attrs: dict
    ) -> tuple[bool, DiffSyncModel | None]:
        """Write as diffsync's ``sync_model`` does, except a create or update that may replace a deleted object.

        Such a write is tried on its own; when it is refused because an object of the diff's deletes holds its
        unique value, ``ReplacementNeeded`` is raised (``_apply`` then applies the pair), otherwise it is logged as
        diffsync logs it.
        """
        if not self._may_replace(dst_model):
            return super().sync_model(src_model=src_model, dst_model=dst_model, ids=ids, attrs=attrs)
        try:
            written = self._write(dst_model, ids, attrs)
        except (ObjectNotCreated, ObjectNotUpdated) as error:
            values = record_values(src_model) if src_model is not None else {**ids, **attrs}
            holders = self.deletes.holders(error, self.model_class, values)
            if holders.candidates:
                raise ReplacementNeeded(error, holders) from error
            return self._write_failed(error)
        return self._written(written)

    def _may_replace(self, dst_model: DiffSyncModel | None) -> bool:
        creating = self.action == DiffSyncActions.CREATE and dst_model is None
        updating = self.action == DiffSyncActions.UPDATE and dst_model is not None
        return (creating or updating) and self.deletes.may_replace(self.model_class)

    def _write(self, dst_model: DiffSyncModel | None, ids: dict, attrs: dict) -> DiffSyncModel | None:
        """Create or update the object (raises diffsync's ``ObjectNot*`` errors)."""
        if self.action == DiffSyncActions.CREATE:
            return self.model_class.create(adapter=self.dst_diffsync, ids=ids, attrs=attrs)
        return dst_model.update(attrs=attrs)

    def _written(self, written: DiffSyncModel | None) -> tuple[bool, DiffSyncModel | None]:
        """Log a write that returned, as diffsync does."""
        if written is None:
            message = f"{self.model_class.get_type()} {self.action} did not return the model object."
            self.log_sync_status(self.action, DiffSyncStatus.FAILURE, message)
        else:
            self.log_sync_status(self.action, *written.get_status())
        return True, written

    def _write_failed(self, error: ObjectCrudException, message: str = "") -> tuple[bool, None]:
        """Log a refused write, as diffsync does (raise it when the run does not continue on failure)."""
        self.log_sync_status(self.action, DiffSyncStatus.ERROR, message or str(error))
        if self.flags & DiffSyncFlags.CONTINUE_ON_FAILURE:
            return True, None
        raise error

    def _replace(
        self, element: DiffElement, dst_model: DiffSyncModel | None, attrs: dict, needed: ReplacementNeeded
    ) -> tuple[bool, DiffSyncModel | None]:
        """Apply ``element`` together with the delete of the object holding its unique value (see ``replace``)."""
        holders = [getattr(self.dst_diffsync, pending.element.type) for pending in needed.holders.candidates]
        with written_one_at_a_time(self.dst_diffsync, self.model_class, *holders):
            for pending in needed.holders.candidates:
                outcome = self._try_pair(element, dst_model, attrs, pending, needed)
                if outcome is not None:
                    return outcome
        return self._write_failed(needed.error)

    def _try_pair(  # noqa: PLR0913, PLR0917  (the pair and what the first attempt said)
        self,
        element: DiffElement,
        dst_model: DiffSyncModel | None,
        attrs: dict,
        pending: PendingDelete,
        needed: ReplacementNeeded,
    ) -> tuple[bool, DiffSyncModel | None] | None:
        """Delete ``pending``'s object and write ``element`` in one savepoint; None when it was not in the way."""
        old = self.dst_diffsync.get_or_none(getattr(self.dst_diffsync, pending.element.type), pending.element.keys)
        if old is None:
            return None
        try:
            with transaction.atomic():
                old.delete()
                written = self._write(dst_model, element.keys, attrs)
        except (*CONNECTION_ERRORS, SyncStopped):
            raise
        except Exception as error:  # noqa: BLE001  (the pair fails alone)
            if not needed.holders.certain and (isinstance(error, ObjectNotDeleted) or str(error) == str(needed.error)):
                return None
            return self._pair_failed(element, pending, error)
        return self._paired(element, pending, old, written)

    def _paired(
        self, element: DiffElement, pending: PendingDelete, old: DiffSyncModel, written: DiffSyncModel | None
    ) -> tuple[bool, DiffSyncModel | None]:
        """Log a replacement once, as ``replace``; keep the target adapter in step with the deleted object."""
        self.deletes.consumed.add(self.deletes.key(pending.element))
        self.replaced[self.action] += 1
        self._track(pending.element, old, pending.parent)
        self.incr_elements_processed()
        old_name, new_name = self.deletes.name(pending.element), self._name(element.keys)
        verb = "created" if self.action == DiffSyncActions.CREATE else "updated"
        self.logger = self.logger.bind(action=REPLACE)
        self.bound = dataclasses.replace(self.bound, action=REPLACE) if self.bound is not None else None
        message = f"Replaced {old_name} with {new_name}: the old object held the same unique value, so it was deleted"
        self.log_sync_status(REPLACE, DiffSyncStatus.SUCCESS, f"{message} and the new one {verb} in one step")
        return True, written

    def _pair_failed(self, element: DiffElement, pending: PendingDelete, error: Exception) -> tuple[bool, None]:
        """Report both objects of a replacement that failed: the new one's error, and the old one, kept."""
        self.deletes.consumed.add(self.deletes.key(pending.element))
        old_name, new_name = self.deletes.name(pending.element), self._name(element.keys)
        detail = str(error) if isinstance(error, ObjectCrudException) else f"{type(error).__name__}: {error}"
        outcome = self._write_failed(error, f"{detail} (replacing {old_name}: neither change was applied)")
        self._bind(pending.element)
        message = f"Not deleted: {new_name} was to replace it and failed, so it is kept"
        self.log_sync_status(DiffSyncActions.DELETE, DiffSyncStatus.FAILURE, message)
        self.incr_elements_processed()
        try:
            self._failed_once()
        finally:
            self._bind(element)
        return outcome

    @contextmanager
    def _savepoint(self) -> Iterator[bool]:
        """Run one object's write in a savepoint (yields True), unless it needs none (yields False).

        A model whose writes are deferred (contrib's bulk path: ``writes_deferred(adapter)`` is true) writes
        nothing here, so outside a transaction there is nothing to roll back; inside one (all-or-nothing runs,
        validated dry runs) the savepoint still keeps a failed query of this object from aborting the rest.
        """
        deferred = getattr(self.model_class, "writes_deferred", None)
        if deferred is not None and deferred(self.dst_diffsync) and not transaction.get_connection().in_atomic_block:
            yield False
            return
        with transaction.atomic():
            yield True

    def _failed_once(self) -> None:
        self.failed += 1
        if self.stop_on_failure:
            raise SyncStopped(f"Stopped at the first failure ({self.model_class.get_type()}).")

    def _track(self, element: DiffElement, model: DiffSyncModel, parent: DiffElement | None) -> None:
        """Record a created or deleted object in the target adapter (and under its parent), as diffsync does."""
        parent_model = None
        if parent is not None:
            parent_model = self.dst_diffsync.get_or_none(getattr(self.dst_diffsync, parent.type), parent.keys)
        if element.action == DiffSyncActions.CREATE:
            if parent_model is not None:
                parent_model.add_child(model)
            self.dst_diffsync.add(model)
        elif element.action == DiffSyncActions.DELETE and model is not None:
            if parent_model is not None:
                parent_model.remove_child(model)
            skip = bool(model.model_flags & DiffSyncModelFlags.SKIP_CHILDREN_ON_DELETE)
            self.dst_diffsync.remove(model, remove_children=skip)

    def _skip_descendants(self, element: DiffElement) -> None:
        """Report every changed object under a parent that could not be created as failed."""
        parent_name = f"{element.type} {element.name}"
        for child in element.get_children():
            if child.action is not None:
                self._bind(child)
                self.log_sync_status(child.action, DiffSyncStatus.FAILURE, f"Not applied: parent {parent_name} failed")
                self._failed_once()
            self._skip_descendants(child)


def apply_diff(  # noqa: PLR0913  (one option each)
    source: Adapter,
    target: Adapter,
    diff: Diff,
    flags: DiffSyncFlags,
    stop_on_failure: bool = False,
    *,
    callback: Callable[[str, int, int], None] | None = None,
    outcomes: OutcomeRecorder | None = None,
) -> SafeSyncer:
    """Apply ``diff`` from ``source`` to ``target`` with ``SafeSyncer``.

    Args:
        source: The source adapter.
        target: The target adapter.
        diff: The diff to apply (computed earlier, or a reviewed plan).
        flags: diffsync flags.
        stop_on_failure: Stop (raise ``SyncStopped``) at the first object that fails.
        callback: diffsync's progress callback ``(stage, done, total)``, called after each object.
        outcomes: Where each object's outcome is recorded (the run's context); None: logged as diffsync logs it.

    Returns:
        The syncer, whose ``failed`` counts the objects that failed.
    """
    syncer = SafeSyncer(diff, source, target, flags, stop_on_failure=stop_on_failure, outcomes=outcomes)
    syncer.callback = callback
    syncer.perform_sync()
    return syncer
