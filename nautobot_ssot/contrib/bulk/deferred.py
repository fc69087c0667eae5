"""Deferred change records: objects saved one by one, their change records written per batch, committed together.

The default write strategy (``nautobot_ssot.contrib.writers.DeferredWriter``) saves each object with its model's
own ``save()``/``delete()``, so every signal receiver and every override runs as on the standard path. Only the
change record is deferred, with the semantics of Nautobot's own deferred change logging (what its bulk-edit
views use, ``deferred_change_logging_for_bulk_operation``): while an object is written, the change context's
``defer_object_changes`` is on, so Nautobot's receivers register the change (one entry per object and user in
``deferred_object_changes``) without serializing anything. ``ChangeBatch`` then writes the records of a batch
of objects with the bulk path's serializers (one list serializer per model and action, ``COPY``), before the
transaction holding those objects commits: an object and its change record are stored together or not at all.

Created and updated objects are serialized when their batch is written, from the instances that were saved (as
Nautobot's deferred flush does), so a record holds the object as its last save left it. A deleted object is
serialized as it is deleted, since afterwards neither its row nor its relations exist.

Deletes of a model whose delete is Django's own ``Model.delete()`` (no override; or ``TreeModel.delete()``, which
only drops cached descendants first, done once for the model before the queue runs) are queued while the diff deletes
objects of that model one after the other, and run together when another write comes, or the batch ends: one
deletion collector for them all, as a queryset delete runs (every ``pre_delete`` and ``post_delete`` receiver is
called per object, cascades included), their records serialized per model with one list serializer just before.
Where one queued object refers to another (it would be changed or deleted by the other's cascade), or the
deletion is refused, they are deleted one by one instead, each refused one reported as that object's failure.

A run that ends during a batch (a stop at the first failure) commits it: its objects were written and reported.
A batch that cannot be written (the connection lost, the database refusing the records) is rolled back whole;
each of its objects is logged as failed, in the form diffsync gives an object's failure, and the error ends the
run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import Model
from django.db.models.signals import pre_delete, pre_save
from nautobot.core.models.tree_queries import TreeModel
from nautobot.extras.choices import ObjectChangeActionChoices
from nautobot.extras.models import ObjectChange

from nautobot_ssot.contrib.bulk import internals
from nautobot_ssot.contrib.bulk.changelog import (
    ChangeRecorder,
    attach_related,
    plain_record,
    read_for_receivers,
    read_foreign_keys,
    stamp,
    to_many_names,
)
from nautobot_ssot.contrib.bulk.serialization import SerializerMemo, serialize_v1, serialize_v2
from nautobot_ssot.contrib.bulk.support import runs_delete_receivers
from nautobot_ssot.contrib.bulk.trees import drop_descendants
from nautobot_ssot.contrib.errors import describe_error
from nautobot_ssot.sync.context import report_refused

DEFAULT_BATCH_SIZE = 500
"""Objects per batch (one transaction, one set of change records)."""

CONNECTION_ERRORS = (InterfaceError, OperationalError)
"""Errors of a lost database connection: nothing more can be written, the batch is lost."""


class FlushFailed(DatabaseError):
    """A batch of deferred writes could not be stored; its objects are reported as failed and the run ends."""


@dataclass(frozen=True)
class Written:
    """One object written in the open batch (reported as failed if the batch is lost).

    Attributes:
        modelname: The diffsync model name.
        unique_id: The diffsync unique id.
        action: ``create``, ``update`` or ``delete``.
    """

    modelname: str
    unique_id: str
    action: str


@dataclass
class ChangeBatch:
    """The open batch of deferred writes of one adapter: its transaction, its objects and their change entries.

    Attributes:
        adapter: The adapter writing (named in failure log entries).
        batch_size: Objects per batch.
        written: Objects written in the open batch.
        keys: Keys of ``deferred_object_changes`` registered and not serialized yet, in order.
        records: Change records of the open batch (serialized, not stored yet).
        refreshed: Records stored by earlier batches and serialized again in this one.
        recorded: Every record made in this run, per change key (a later change to its object refreshes it).
        touched: Keys of records made in this run that a later write changed again (serialized again).
        queued: Objects (of one model) whose delete is queued, with what the batch remembers of each.
    """

    adapter: Any
    batch_size: int = DEFAULT_BATCH_SIZE
    written: list[Written] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    records: list[ObjectChange] = field(default_factory=list)
    refreshed: list[ObjectChange] = field(default_factory=list)
    recorded: dict[str, ObjectChange] = field(default_factory=dict)
    touched: set[str] = field(default_factory=set)
    queued: list[tuple[Model, Written]] = field(default_factory=list)
    _context: Any = None
    _atomic: Any = None
    _writing: Any = None
    _urls: SerializerMemo = field(default_factory=SerializerMemo)
    _first_seen: set[str] = field(default_factory=set)
    _prepared: dict[int, ObjectChange] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        """Whether a batch is open (inside ``open()``, with a change context active)."""
        return self._atomic is not None

    @contextmanager
    def open(self) -> Iterator[Callable[[], None]]:
        """Hold batches open inside the block; yield the checkpoint to call between two objects.

        Without a change context there is nothing to defer: the block runs as it is, and the checkpoint does
        nothing.
        """
        self._context = internals.current_context()
        if self._context is None:
            yield lambda: None
            return
        pre_delete.connect(self._deleting, dispatch_uid=f"ssot-deferred-{id(self)}")
        pre_save.connect(self._saving, dispatch_uid=f"ssot-deferred-{id(self)}")
        try:
            with internals.tracking_changes(self._context):
                yield from self._batches()
        finally:
            pre_delete.disconnect(dispatch_uid=f"ssot-deferred-{id(self)}")
            pre_save.disconnect(dispatch_uid=f"ssot-deferred-{id(self)}")
            self._context, self.recorded = None, {}

    def _batches(self) -> Iterator[Callable[[], None]]:
        """Open the first batch, yield the checkpoint, and end the open batch (after an error too).

        After an error that ends the walk (a stop at the first failure, say), the open batch is still committed:
        each of its objects was written and reported, and a failed one was rolled back alone. When committing fails
        too (the connection lost), the batch's objects are reported as failed (``FlushFailed``).
        """
        self._begin()
        try:
            yield self.checkpoint
        finally:
            if self.is_open:  # not after a checkpoint whose batch failed
                self._end()

    def checkpoint(self) -> None:
        """Write and commit the open batch when it is full, then open the next one."""
        if len(self.written) >= self.batch_size:
            self._end()
            self._begin()

    @contextmanager
    def deferring(self, written: Written, writer: Any) -> Iterator[None]:
        """Write one object inside the block with its change record deferred.

        The records of the objects written so far are serialized first when ``writer`` (the model class
        writing) differs from the previous one, so that a record holds what 4.x would hold: the object as it was
        saved, and the related objects it shows as they were then, not as later writes of other models left them.
        """
        if not self.is_open:
            yield
            return
        self._delete_queued()
        self._switch_to(writer)
        with self._tracked():
            yield
        self.written.append(written)

    def run_queued_deletes(self) -> None:
        """Delete the queued objects now (before the bulk path's flush, which may delete what they refer to).

        Raises:
            FlushFailed: The deletes failed for the whole batch (the connection lost); the batch is lost.
        """
        if not self.is_open:
            return
        try:
            self._delete_queued()
        except Exception as failure:  # noqa: BLE001  (any failure here loses the whole batch, reported)
            raise self._abandon(self._atomic, failure) from failure

    def queues_deletes(self, model: type[Model]) -> bool:
        """Whether a delete of ``model`` is queued (``queue_delete``): a batch is open and the delete is Django's."""
        return self.is_open and internals.deletes_plainly(model)

    def queue_delete(self, obj: Model, written: Written, writer: Any) -> None:
        """Queue the delete of ``obj``; the queue runs before any other write, another model's delete or the commit."""
        if self.queued and type(self.queued[0][0]) is not type(obj):
            self._delete_queued()
        self._switch_to(writer)
        self.queued.append((obj, written))
        self.written.append(written)

    def _switch_to(self, writer: Any) -> None:
        """Serialize the records of the objects written so far when ``writer`` differs from the previous one."""
        if writer is not self._writing:
            self._serialize()
            self._writing = writer

    @contextmanager
    def _tracked(self) -> Iterator[None]:
        """Note the changes registered and touched inside the block, with Nautobot's receivers deferring."""
        changes = internals.registered_changes(self._context)
        start = len(changes)
        changes.touched.clear()
        with internals.deferring(self._context):
            yield
        self.keys.extend(islice(changes, start, None))
        self.touched.update(key for key in changes.touched if key in self.recorded)

    def _delete_queued(self) -> None:
        """Delete the queued objects: together with one collector, or one by one when they cannot be together."""
        queued, self.queued = self.queued, []
        if not queued:
            return
        with self._tracked():
            if not self._delete_together([obj for obj, _ in queued]):
                for obj, written in queued:
                    self._delete_alone(obj, written)

    def _delete_together(self, objects: list[Model]) -> bool:
        """Delete ``objects`` (of one model) with one collector; False (nothing done) when they cannot be."""
        model = type(objects[0])
        try:
            with self._undone_on_failure(), transaction.atomic():
                collector = internals.collect_deletion(model, objects)
                if internals.refers_within(collector, model, objects):
                    return False
                if issubclass(model, TreeModel):
                    drop_descendants(model)
                self._prepared = self._prepare_deletes(collector)
                collector.delete()
        except CONNECTION_ERRORS:
            raise
        except Exception:  # noqa: BLE001  (deleted one by one instead, where each failure is its object's own)
            return False
        finally:
            self._prepared = {}
        return True

    def _delete_alone(self, obj: Model, written: Written) -> None:
        """Delete one queued object with its own ``delete()``; a refusal is reported as that object's failure."""
        try:
            with self._undone_on_failure(), transaction.atomic():
                obj.delete()
        except CONNECTION_ERRORS:
            raise
        except Exception as error:  # noqa: BLE001  (one object's failure, reported; the others go on)
            message = f"{written.modelname} {written.unique_id}: not deleted: {describe_error(error)}"
            report_refused(self.adapter, written.modelname, written.unique_id, written.action, message)

    @contextmanager
    def _undone_on_failure(self) -> Iterator[None]:
        """Forget the changes registered and the records made inside the block when it fails (it is rolled back)."""
        changes = internals.registered_changes(self._context)
        start, records = len(changes), len(self.records)
        try:
            yield
        except BaseException:
            for key in list(islice(changes, start, None)):
                del changes[key]
            del self.records[records:]
            raise

    def _prepare_deletes(self, collector: internals.Collector) -> dict[int, ObjectChange]:
        """Serialize what ``collector`` deletes, per model, before it deletes anything; by object identity.

        What the delete receivers of a model follow (an assignment's interface and device) is read per model too.
        """
        memo = SerializerMemo(urls=self._urls.urls, slugs=self._urls.slugs)
        action, context = ObjectChangeActionChoices.ACTION_DELETE, self._context
        prepared: dict[int, ObjectChange] = {}
        for model, instances in internals.collected(collector).items():
            if runs_delete_receivers(model):
                read_for_receivers(instances)
            if hasattr(model, "to_objectchange") and internals.record_shape(model).plain:
                read_foreign_keys(instances)
                records = build_records(model, instances, action, context, context.get_user(instances[0]), memo)
                prepared.update(zip(map(id, instances), records, strict=True))
        return prepared

    def _begin(self) -> None:
        self._atomic = transaction.atomic()
        self._atomic.__enter__()

    def _end(self) -> None:
        """Run the queued deletes, write the records of the open batch and commit it.

        A failure to delete, to write or to commit loses the whole batch (reported per object, the run ends).
        """
        atomic = self._atomic
        try:
            self._delete_queued()
            self._atomic = None
            self._write_records()
        except Exception as failure:  # noqa: BLE001  (any failure here loses the whole batch, reported)
            raise self._abandon(atomic, failure) from failure
        try:
            atomic.__exit__(None, None, None)
        except DatabaseError as failure:
            raise self._lost(failure) from failure
        self._reset()

    def _abandon(self, atomic: Any, failure: Exception) -> FlushFailed:
        """Roll the open batch back after ``failure``; report its objects as failed and return the run's error."""
        self._atomic = None
        with suppress(DatabaseError):
            atomic.__exit__(type(failure), failure, failure.__traceback__)
        return self._lost(failure)

    def _write_records(self) -> None:
        """Serialize what is left, store the batch's records, and refresh records of earlier batches."""
        self._serialize()
        if self.records:
            ChangeRecorder().save(self.records)
        if self.refreshed:
            ObjectChange.objects.bulk_update(self.refreshed, ["action", "object_data", "object_data_v2"])

    def _serialize(self) -> None:
        """Serialize the registered changes and the touched ones.

        Objects are serialized per model, action and user, with one list serializer each. A touched record takes
        the new serialization as Nautobot updates a record when its object changes again in the same context.
        """
        groups: dict[tuple[type[Model], str, Any], list[tuple[str, Model]]] = {}
        changes = internals.registered_changes(self._context)
        for key in dict.fromkeys([*self.keys, *self.touched]):
            for entry in changes.get(key, ()):
                if entry["action"] != ObjectChangeActionChoices.ACTION_DELETE:
                    group = groups.setdefault((type(entry["instance"]), entry["action"], entry["user"]), [])
                    group.append((key, entry["instance"]))
        memo = SerializerMemo(urls=self._urls.urls, slugs=self._urls.slugs)
        for (model, action, user), items in groups.items():
            records = build_records(model, [obj for _, obj in items], action, self._context, user, memo)
            for (key, _), record in zip(items, records, strict=True):
                self._keep(key, record)
        self.keys, self.touched = [], set()

    def _keep(self, key: str, record: ObjectChange) -> None:
        """Add a new record to the batch, or refresh the earlier one of ``key`` (stored again if already stored)."""
        earlier = self.recorded.get(key)
        if earlier is None:
            self.recorded[key] = record
            self.records.append(record)
            return
        earlier.object_data, earlier.object_data_v2 = record.object_data, record.object_data_v2
        if earlier.action == ObjectChangeActionChoices.ACTION_DELETE:
            earlier.action = ObjectChangeActionChoices.ACTION_UPDATE
        if not any(item is earlier for item in self.records):
            self.refreshed.append(earlier)

    def _deleting(self, sender: type[Model], instance: Model, **kwargs: Any) -> None:
        """Serialize an object being deleted in the batch while it still exists (after Nautobot registered it)."""
        context = self._context
        if not (self.is_open and internals.is_deferring(context) and hasattr(instance, "to_objectchange")):
            return
        user = context.get_user(instance)
        key = internals.change_key(ContentType.objects.get_for_model(instance).pk, instance.pk, user)
        action = ObjectChangeActionChoices.ACTION_DELETE
        entries = internals.registered_changes(context).get(key) or [{}]
        if entries[-1].get("instance") is not instance or entries[-1].get("action") != action:
            return
        prepared = self._prepared.pop(id(instance), None)
        if prepared is not None:
            self.records.append(prepared)
            return
        memo = SerializerMemo(urls=self._urls.urls, slugs=self._urls.slugs)
        self.records.extend(build_records(sender, [instance], action, context, user, memo))

    def _saving(self, sender: type[Model], instance: Model, **kwargs: Any) -> None:
        """Keep the pre-change data Nautobot caches for an object only where the standard path would keep it.

        Before an object without any change record is saved, Nautobot caches its stored data as the ``prechange``
        of the webhooks and events of its change, unless a change record of it exists already. On the standard path
        one does when the object's change was recorded earlier in the run, even within this save (an interface's
        ``save()`` clears its tagged VLANs first, which records a change); deferred, that record is only registered.
        So data cached while the object's change is registered already is dropped, as the standard path has none.
        Runs after Nautobot's receiver (connected later).
        """
        context = self._context
        if not (self.is_open and internals.is_deferring(context)) or instance.pk is None:
            return
        pk = str(instance.pk)
        key = internals.change_key(
            ContentType.objects.get_for_model(instance).pk, instance.pk, context.get_user(instance)
        )
        if key not in internals.registered_changes(context):
            self._first_seen.add(pk)
        elif pk not in self._first_seen:
            internals.drop_pre_change(context, pk)

    def _lost(self, error: Exception) -> FlushFailed:
        """Record every object of the lost batch as failed (correcting its success); return the run's error."""
        failed = FlushFailed(
            f"{len(self.written)} objects were not stored: {type(error).__name__}: {describe_error(error)}"
        )
        for written in self.written:
            message = f"{written.modelname} {written.unique_id}: not stored, its batch failed: {describe_error(error)}"
            report_refused(self.adapter, written.modelname, written.unique_id, written.action, message)
        self._reset()
        return failed

    def _reset(self) -> None:
        self.written, self.keys, self.records, self.refreshed, self.queued = [], [], [], [], []
        self.touched, self._writing = set(), None


def build_records(  # noqa: PLR0913, PLR0917  (one record batch: what, how, in which context)
    model: type[Model], objects: list[Model], action: str, context: Any, user: Any, memo: SerializerMemo
) -> list[ObjectChange]:
    """Build the (unsaved) change records of ``action`` on ``objects`` of ``model``, as Nautobot builds them."""
    shape = internals.record_shape(model)
    if not shape.plain:
        records = [obj.to_objectchange(action) for obj in objects]
        return [stamp(record, context, user) for record in records if record is not None]
    names = to_many_names(model)
    for name in names:
        attach_related(objects, name)
    content_type = ContentType.objects.get_for_model(model)
    versions, flat = serialize_v2(objects, memo), serialize_v1(objects)
    records = [
        stamp(plain_record(obj, content_type, action, data, shape.related_object(obj)), context, user)
        for obj, data in zip(objects, zip(flat, versions, strict=True), strict=True)
    ]
    internals.forget_prefetched(objects, set(names))  # the change context keeps the objects until the run ends
    return records
