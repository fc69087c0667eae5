"""Writing the queued objects: inserts, updates, many-to-many rows, deletes and change records, per batch.

Each batch runs in a savepoint. If the database refuses a batch (which validation should have prevented, for example
when another process wrote a conflicting row meanwhile), the batch is retried one object at a time and each object
the database still refuses is recorded in the run (``nautobot_ssot.sync.context``) as that object's outcome,
replacing the success reported when it was queued: one object, one outcome. A lost connection is not retried: every
write not stored yet is reported as failed and the flush raises ``FlushFailed``, which ends the run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, router, transaction
from django.db.models import DateField, Field, Model, ProtectedError, RestrictedError
from django.db.models.signals import post_save
from django.utils import timezone
from nautobot.extras.choices import ObjectChangeActionChoices
from nautobot.extras.models import ContactAssociation, Note

from nautobot_ssot.contrib.bulk import internals, reproduced
from nautobot_ssot.contrib.bulk.changelog import ChangeRecorder, load_for_serializer, read_for_receivers
from nautobot_ssot.contrib.bulk.deferred import CONNECTION_ERRORS, FlushFailed
from nautobot_ssot.contrib.bulk.parents import ParentPrefixes
from nautobot_ssot.contrib.bulk.pending import PendingQueue, PendingWrite
from nautobot_ssot.contrib.bulk.relations import ThroughTable, logged_sides
from nautobot_ssot.contrib.bulk.support import runs_delete_receivers
from nautobot_ssot.contrib.bulk.trees import TreeCaches
from nautobot_ssot.contrib.bulk.validation import BulkValidator
from nautobot_ssot.contrib.errors import describe_error
from nautobot_ssot.sync.context import report_refused

FLUSH_ERRORS = (DatabaseError, ProtectedError, RestrictedError, ValueError)
"""Errors that make one batch fall back to one object at a time."""

logger = logging.getLogger(__name__)

CREATE = ObjectChangeActionChoices.ACTION_CREATE
UPDATE = ObjectChangeActionChoices.ACTION_UPDATE
DELETE = ObjectChangeActionChoices.ACTION_DELETE

BatchWriter = Callable[[type[Model], list[PendingWrite]], None]
Step = tuple[type[Model], list[PendingWrite], BatchWriter, str]


@dataclass
class Flusher:
    """Write the queues of one flush.

    Attributes:
        validator: The writer's validation state (unique values of deleted objects are released).
        recorder: Creates the ObjectChange records.
        batch_size: Objects per batch.
        adapter: The adapter (named in failure log entries).
        trees: Drops the cached hierarchy of tree models after each batch (``trees``).
        parents: The prefixes handed to objects as parents, given their stored parent when prefixes move them.
        sides: Far-side objects of through rows written, per model, whose change Nautobot records (``logs_sides``).
        unrecorded: Objects created at such a far side, per model, whose create records wait for ``record_sides``.
    """

    validator: BulkValidator
    recorder: ChangeRecorder
    batch_size: int
    adapter: Any
    trees: TreeCaches = field(default_factory=TreeCaches)
    parents: ParentPrefixes = field(default_factory=ParentPrefixes)
    sides: dict[type[Model], set[Any]] = field(default_factory=dict)
    unrecorded: dict[type[Model], list[Any]] = field(default_factory=dict)

    def run(self, creates: PendingQueue, updates: PendingQueue, deletes: PendingQueue) -> None:
        """Write creates, then updates, then deletes (objects of referring models first).

        Each batch's change records are written with its rows. Once every create and update is written, the objects
        at the far side of changed through rows are recorded (``record_sides``): an IP address assigned to an
        interface is recorded with that interface, as Nautobot records the change of both objects. The records of
        objects created at such a far side wait until then (serialized once, with the assignments); their rows and
        records are then stored together by one transaction around the creates and updates.

        Raises:
            FlushFailed: The database connection was lost; every write not stored yet was logged as failed.
        """
        created: list[Step] = [(model, writes, self.create_batch, CREATE) for model, writes in creates.take()]
        updated: list[Step] = [(model, writes, self.update_batch, UPDATE) for model, writes in updates.take()]
        deleted: list[Step] = [
            (model, writes, self.delete_batch, DELETE) for model, writes in referrers_first(list(deletes.take()))
        ]
        self.unrecorded = {model: [] for model, _, _, _ in created if model in far_sides(created + updated)}
        whole = bool(self.unrecorded)
        with transaction.atomic() if whole else nullcontext():
            self._steps(created + updated, later=deleted, whole=whole)
            try:
                self.record_sides()
            except CONNECTION_ERRORS as error:
                lost = [*created, *updated, *deleted] if whole else deleted
                raise self._lost([(writes, action) for _, writes, _, action in lost], error) from error
        self._steps(deleted, later=[])

    def _steps(self, steps: list[Step], later: list[Step], whole: bool = False) -> None:
        """Run steps batch by batch; on a lost connection, report what is left of them and of ``later``.

        With ``whole``, the steps are one transaction: the batches written before the loss are reported too.
        """
        for index, (model, writes, write, action) in enumerate(steps):
            for start in range(0, len(writes), self.batch_size):
                try:
                    self._batch(model, writes[start : start + self.batch_size], write, action)
                except CONNECTION_ERRORS as error:
                    left = steps if whole else [(model, writes[start:], write, action), *steps[index + 1 :]]
                    raise self._lost([(rest, act) for _, rest, _, act in [*left, *later]], error) from error

    def _batch(self, model: type[Model], batch: list[PendingWrite], write: BatchWriter, action: str) -> None:
        """Write one batch in a savepoint; when the database refuses it, retry it one object at a time."""
        try:
            with transaction.atomic(using=router.db_for_write(model)):
                write(model, batch)
        except CONNECTION_ERRORS:
            raise
        except FLUSH_ERRORS:
            self._one_by_one(model, batch, write, action)

    def _one_by_one(self, model: type[Model], batch: list[PendingWrite], write: BatchWriter, action: str) -> None:
        for pending in batch:
            try:
                with transaction.atomic(using=router.db_for_write(model)):
                    write(model, [pending])
            except CONNECTION_ERRORS:
                raise
            except FLUSH_ERRORS as error:
                report_failure(self.adapter, pending, action, error)

    def _lost(self, lost: list[tuple[list[PendingWrite], str]], error: Exception) -> FlushFailed:
        """Log every write not stored as failed; return the error that ends the run."""
        count = 0
        for writes, action in lost:
            for pending in writes:
                report_failure(self.adapter, pending, action, error, prefix="not stored, the connection was lost: ")
                count += 1
        return FlushFailed(f"{count} queued writes were not stored: {describe_error(error)}")

    def create_batch(self, model: type[Model], batch: list[PendingWrite]) -> None:
        """Insert the objects, their many-to-many rows and their change records."""
        objects = [pending.obj for pending in batch]
        model._base_manager.bulk_create(objects)
        for obj in objects:
            obj._state.adding = False
        self.refresh_records(reproduced.written(model, objects, created=True))
        self.trees.created(model, objects)
        self._write_related(model, batch, known_empty=True)
        self.sides_of(objects)
        if model in self.unrecorded:
            self.unrecorded[model].extend(obj.pk for obj in objects)
        elif self.recorder.context is not None:
            self.recorder.save(self.recorder.build(self.recorder.as_written(objects), CREATE))

    def update_batch(self, model: type[Model], batch: list[PendingWrite]) -> None:
        """Update the changed columns and the many-to-many rows; write (or refresh) the change records."""
        by_fields: dict[frozenset[str], list[Model]] = {}
        for pending in batch:
            if pending.fields:
                by_fields.setdefault(pending.fields | refreshed_fields(pending.obj), []).append(pending.obj)
        for fields, objects in by_fields.items():
            model._base_manager.bulk_update(objects, sorted(fields))
        self.refresh_records(reproduced.written(model, [pending.obj for pending in batch], created=False))
        self.trees.changed(model)
        self._write_related(model, batch, known_empty=False)
        self.recorder.touch(model, [pending.obj.pk for pending in batch])

    def delete_batch(self, model: type[Model], batch: list[PendingWrite]) -> None:
        """Record, then delete the objects and what cascades from them, as ``Model.delete()`` would."""
        pks = [pending.obj.pk for pending in batch]
        objects = load_for_serializer(model, pks)
        moved = reproduced.deleting(model, objects)
        collector = internals.collect_deletion(model, objects)
        for victim_model, victims in internals.collected(collector).items():
            self.recorder.save(self.recorder.build(victims, DELETE))
            forget_attachments(victim_model, [victim.pk for victim in victims])
            if runs_delete_receivers(victim_model):
                read_for_receivers(victims)
        self.sides = {}
        self.sides_of(objects)
        with saved_meanwhile() as saved, internals.without_change_context():
            collector.delete()
        for saved_model, saved_pks in saved.items():
            self.sides.setdefault(saved_model, set()).update(saved_pks)
        for side_model, side_pks in self.sides.items():
            self.recorder.touch(side_model, sorted(side_pks, key=str))
        self.sides = {}
        self.refresh_records(moved)
        self.trees.changed(model)
        self.validator.release(model, pks)

    def refresh_records(self, moved: reproduced.Moved) -> None:
        """Refresh the run's records of objects whose rows a reproduced method changed (no new record is written).

        The prefixes handed out as parents take their stored parent too, when prefixes moved.
        """
        if any(moved.values()):
            self.parents.reread_parents()
        for model, pks in moved.items():
            if pks and self.recorder.context is not None:
                self.recorder.touch(model, sorted(pks, key=str), new_records=False)

    def _write_related(self, model: type[Model], batch: list[PendingWrite], known_empty: bool) -> None:
        """Write the to-many rows of a batch; keep the far-side objects whose change Nautobot would record."""
        names = {name for pending in batch for name in pending.related}
        for name in sorted(names):
            wanted = {pending.obj.pk: pending.related[name] for pending in batch if name in pending.related}
            table = ThroughTable.of(model, name)
            changed = table.write(wanted, known_empty=known_empty)
            if changed and table.logs_sides:
                self.sides.setdefault(table.related_model, set()).update(changed)

    def sides_of(self, objects: list[Model]) -> None:
        """Keep the far-side objects of through rows created or deleted directly (as Nautobot records them)."""
        if objects and self.recorder.context is not None:
            for attname, related in logged_sides(type(objects[0])):
                values = {getattr(obj, attname) for obj in objects} - {None}
                self.sides.setdefault(related, set()).update(values)

    def record_sides(self) -> None:
        """Record the objects created at a far side of through rows, then the other far-side objects, per batch.

        An object the run recorded already (in an earlier flush, say) has its record refreshed.
        """
        if self.recorder.context is None:
            self.sides, self.unrecorded = {}, {}
            return
        for model, pks in self.unrecorded.items():
            for start in range(0, len(pks), self.batch_size):
                objects = self.recorder.reload(model, pks[start : start + self.batch_size])
                self.recorder.save(self.recorder.build(objects, CREATE))
            if model in self.sides:
                self.sides[model].difference_update(pks)
        for model, pks in self.sides.items():
            remaining = sorted(pks, key=str)
            for start in range(0, len(remaining), self.batch_size):
                with transaction.atomic(using=router.db_for_write(model)):
                    self.recorder.touch(model, remaining[start : start + self.batch_size])
        self.sides, self.unrecorded = {}, {}


def far_sides(steps: list[Step]) -> set[type[Model]]:
    """Return the models at the far side of the through rows the steps write, whose changes Nautobot records."""
    models = set()
    for model, writes, _, _ in steps:
        models.update(related for _, related in logged_sides(model))
        for name in {name for pending in writes for name in pending.related}:
            table = ThroughTable.of(model, name)
            if table.logs_sides:
                models.add(table.related_model)
    return models


def referrers_first(groups: list[tuple[type[Model], list[PendingWrite]]]) -> list[tuple[type[Model], list]]:
    """Order groups of deletes so that a model comes before the models its foreign keys point to."""
    models = [model for model, _ in groups]
    ordered: list[type[Model]] = []

    def place(model: type[Model], visiting: set[type[Model]]) -> None:
        if model in ordered or model in visiting:
            return
        visiting.add(model)
        for other in models:
            if other is not model and any(f.related_model is model for f in other._meta.concrete_fields):
                place(other, visiting)
        ordered.append(model)

    for model in models:
        place(model, set())
    writes = dict(groups)
    return [(model, writes[model]) for model in ordered]


def refreshed_fields(obj: Model) -> frozenset[str]:
    """Set and return the fields a ``save()`` would refresh itself (``auto_now`` timestamps, derived columns)."""
    names = set()
    for model_field in obj._meta.concrete_fields:
        if getattr(model_field, "auto_now", False):
            setattr(obj, model_field.attname, timezone.now())
            names.add(model_field.name)
        elif derives_its_value(model_field):
            model_field.pre_save(obj, False)
            names.add(model_field.name)
    return frozenset(names)


def derives_its_value(model_field: Field) -> bool:
    """Whether a field computes its value in ``pre_save()`` (such as the natural ordering of a name)."""
    own = type(model_field).pre_save is not Field.pre_save
    return own and not isinstance(model_field, DateField) and not model_field.primary_key


@contextmanager
def saved_meanwhile() -> Iterator[dict[type[Model], set[Any]]]:
    """Collect the objects this thread saves inside the block (a delete receiver saving another object).

    Nautobot records such a save as an update of that object; the bulk path deletes without the change context,
    so it records them itself afterwards.
    """
    saved: dict[type[Model], set[Any]] = {}
    thread = threading.get_ident()

    def note(sender: type[Model], instance: Model, **kwargs: Any) -> None:
        if threading.get_ident() == thread and hasattr(instance, "to_objectchange"):
            saved.setdefault(sender, set()).add(instance.pk)

    uid = f"ssot-saved-meanwhile-{id(saved)}"
    post_save.connect(note, weak=False, dispatch_uid=uid)
    try:
        yield saved
    finally:
        post_save.disconnect(dispatch_uid=uid)


def forget_attachments(model: type[Model], pks: Sequence[Any]) -> None:
    """Delete the contact associations and notes of deleted objects, as Nautobot does when one is deleted."""
    content_type = ContentType.objects.get_for_model(model)
    ContactAssociation.objects.filter(associated_object_type=content_type, associated_object_id__in=pks).delete()
    if hasattr(model, "notes"):
        Note.objects.filter(assigned_object_type=content_type, assigned_object_id__in=pks).delete()


def report_failure(adapter: Any, pending: PendingWrite, action: str, error: Exception, prefix: str = "") -> None:
    """Record an object the database refused at flush time as that object's outcome in the adapter's run."""
    message = f"{pending.modelname} {pending.unique_id}: {prefix}{describe_error(error)}"
    report_refused(adapter, pending.modelname, str(pending.unique_id), action, message)
