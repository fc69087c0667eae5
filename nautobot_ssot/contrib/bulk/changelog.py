"""ObjectChange records for objects written in bulk, with the change context of the run.

Nautobot records a change through signal receivers that fire on each ``save()``/``delete()`` and serialize the
object twice (``serialize_object`` and its REST API serializer). The bulk path writes rows without those
signals, so ``ChangeRecorder`` does the same work per batch: created objects are serialized as they were
written (with their many-to-many rows read back), updated and deleted ones are read back with the joins and
prefetches the API serializer needs; both serializations are made per batch (``serialization``), and the
records are written with one ``COPY`` (``copy``; ``bulk_create`` on databases without it). The records carry
the same user, request id, context and detail as Nautobot's own, and are registered in the change context so
that a later change to the same object in the same run updates the record instead of adding a second one, as
Nautobot does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import ForeignKey, ManyToManyField, Model, QuerySet, prefetch_related_objects
from nautobot.extras.choices import ObjectChangeActionChoices
from nautobot.extras.constants import CHANGELOG_MAX_CHANGE_CONTEXT_DETAIL, CHANGELOG_MAX_OBJECT_REPR
from nautobot.extras.models import ObjectChange
from taggit.managers import TaggableManager

from nautobot_ssot.contrib.bulk import internals
from nautobot_ssot.contrib.bulk.copy import copy_rows
from nautobot_ssot.contrib.bulk.serialization import SerializerMemo, natural_key_paths, serialize_v1, serialize_v2

UPDATE = ObjectChangeActionChoices.ACTION_UPDATE


def foreign_keys(model: type[Model]) -> list[str]:
    """Return the names of the foreign keys of ``model``."""
    return [field.name for field in model._meta.get_fields() if isinstance(field, ForeignKey)]


def to_many_names(model: type[Model]) -> list[str]:
    """Return the names of the many-to-many relations and tags of ``model``."""
    kinds = (ManyToManyField, TaggableManager)
    return [field.name for field in model._meta.get_fields() if isinstance(field, kinds)]


def load_for_serializer(model: type[Model], pks: Sequence[Any]) -> list[Model]:
    """Read objects with what their API serializer reads: joined foreign keys, prefetched to-many relations.

    The related objects the natural key reads further (the namespace of an address's parent) are read per batch.

    The to-many relations are read with the query ``prefetch_related`` runs, but attached to the objects
    without building the relation's own filtered queryset per object (which costs more than the query itself).
    """
    objects = list(model._base_manager.select_related(*foreign_keys(model)).filter(pk__in=pks))
    prefetch_related_objects(objects, *natural_key_paths(model))
    for name in to_many_names(model):
        attach_related(objects, name)
    return objects


def read_for_receivers(objects: list[Model]) -> None:
    """Read, per batch, the related objects receivers of ``objects`` follow, two foreign keys deep.

    A delete receiver reading an IP address assignment's interface's device and its address reads them from the
    object then, instead of with three queries per object.
    """
    if objects:
        model = type(objects[0])
        names = foreign_keys(model)
        deeper = [
            f"{name}__{inner}" for name in names for inner in foreign_keys(model._meta.get_field(name).related_model)
        ]
        prefetch_related_objects(objects, *names, *deeper)


def read_foreign_keys(objects: list[Model]) -> None:
    """Read the related objects of the foreign keys of ``objects`` (all of one model) with one query per key.

    What ``load_for_serializer`` joins, for objects already in memory (those being deleted): their serializer then
    reads each related object from the object instead of the database. Objects holding one already keep it.
    """
    if objects:
        model = type(objects[0])
        prefetch_related_objects(objects, *foreign_keys(model), *natural_key_paths(model))


def attach_related(objects: list[Model], name: str) -> None:
    """Prefetch the to-many relation ``name`` of ``objects`` (all of one model) with one query.

    Each object gets a queryset holding its related objects, as ``prefetch_related`` gives it; the queryset is
    filtered on those objects' primary keys (built once per distinct set), so that a further ``filter()`` or
    ``only()`` on it (as ``serialize_object`` does for objects without tags) still reads the right rows.
    """
    if not objects:
        return
    rel_qs, rel_attr, instance_attr, cache_name = internals.prefetch_query(objects, name)
    groups: dict[Any, list[Model]] = {}
    for related in rel_qs:
        groups.setdefault(rel_attr(related), []).append(related)
    templates: dict[frozenset, QuerySet] = {}
    for obj in objects:
        related = groups.get(instance_attr(obj), [])
        pks = frozenset(item.pk for item in related)
        if pks not in templates:
            templates[pks] = rel_qs.model._default_manager.filter(pk__in=pks)
        internals.set_prefetched(obj, cache_name, templates[pks], related)


@dataclass
class ChangeRecorder:
    """Create ObjectChange records for batches of objects in the current change context (if there is one).

    Attributes:
        batch_size: Objects serialized and records created per query.
    """

    batch_size: int = 500
    memo: SerializerMemo = field(default_factory=SerializerMemo)

    @property
    def context(self) -> Any:
        """The active change context (None outside a job or request: nothing is recorded)."""
        return internals.current_context()

    @staticmethod
    def as_written(objects: list[Model]) -> list[Model]:
        """Return objects just created (all of one model) for serialization, with their to-many rows read.

        Their columns and related objects are the ones written (the related objects were found in the database
        or created earlier in the flush), so they are serialized as they are, as Nautobot serializes a saved
        instance when its change context ends; only the relation rows are read back.
        """
        for name in to_many_names(type(objects[0])):
            attach_related(objects, name)
        return objects

    def reload(self, model: type[Model], pks: Sequence[Any]) -> list[Model]:
        """Read objects back for serialization, in batches, with what the serializer needs."""
        objects: list[Model] = []
        for start in range(0, len(pks), self.batch_size):
            objects.extend(load_for_serializer(model, pks[start : start + self.batch_size]))
        return objects

    def build(self, objects: Sequence[Model], action: str) -> list[ObjectChange]:
        """Return the (unsaved) records of ``action`` on ``objects``, all of one model.

        Afterwards the objects hold none of the to-many relations attached for serializing them (``as_written``):
        the change context keeps every written object until the run ends, and a copy of the relation's queryset per
        object would stay with it.
        """
        context = self.context
        if context is None or not objects or not hasattr(objects[0], "to_objectchange"):
            return []
        records = []
        for start in range(0, len(objects), self.batch_size):
            records.extend(self._build_batch(objects[start : start + self.batch_size], action, context))
        internals.forget_prefetched(objects, set(to_many_names(type(objects[0]))))
        return records

    def touch(self, model: type[Model], pks: Sequence[Any], new_records: bool = True) -> None:
        """Record an update of objects whose relations changed, as Nautobot does for the far side of a through row.

        Where this run's context recorded the object already, that record takes the new data (as Nautobot updates
        a record in place when its object changes again in the same context); otherwise a new update record is
        written, unless ``new_records`` is False (a row changed by a statement that Nautobot does not record, which
        only shows in the records that its context serializes at its end).
        """
        context = self.context
        if context is None or not hasattr(model, "to_objectchange"):
            return
        objects = self.reload(model, pks)
        if not objects:
            return
        earlier = self._recorded_in_context(model, pks, context.get_user(objects[0]))
        if new_records:
            self.save(self.build([obj for obj in objects if obj.pk not in earlier], UPDATE))
        again = [obj for obj in objects if obj.pk in earlier]
        for start in range(0, len(again), self.batch_size):
            batch = again[start : start + self.batch_size]
            for record in self._build_batch(batch, UPDATE, context, register=False):
                refresh(earlier[record.changed_object_id], record)
        ObjectChange.objects.bulk_update(
            [earlier[obj.pk] for obj in again], ["action", "object_data", "object_data_v2"], batch_size=self.batch_size
        )

    def _recorded_in_context(self, model: type[Model], pks: Sequence[Any], user: Any) -> dict[Any, ObjectChange]:
        """Return the latest record of each object that the active change context wrote, by object primary key."""
        records = ObjectChange.objects.filter(
            request_id=self.context.change_id,
            user=user,
            changed_object_type=ContentType.objects.get_for_model(model),
            changed_object_id__in=list(pks),
        )
        return {record.changed_object_id: record for record in records.order_by("time")}

    def save(self, records: Iterable[ObjectChange]) -> int:
        """Write built records (with ``COPY`` on PostgreSQL, see ``nautobot_ssot.contrib.bulk.copy``)."""
        records = list(records)
        for start in range(0, len(records), self.batch_size):
            batch = records[start : start + self.batch_size]
            if not copy_rows(ObjectChange, batch):
                ObjectChange.objects.bulk_create(batch)
        return len(records)

    def _build_batch(
        self, objects: Sequence[Model], action: str, context: Any, register: bool = True
    ) -> list[ObjectChange]:
        """Serialize a batch into records; unless ``register`` is False, skip objects the context recorded already."""
        shape = internals.record_shape(type(objects[0]))
        own = not shape.plain
        self.memo.forget([obj.pk for obj in objects])
        versions = [None] * len(objects) if own else serialize_v2(objects, self.memo)
        flat = [None] * len(objects) if own else serialize_v1(objects)
        user = context.get_user(objects[0])
        content_type = ContentType.objects.get_for_model(type(objects[0]))
        records = []
        for obj, data, data_v2 in zip(objects, flat, versions, strict=True):
            key = internals.change_key(content_type.pk, obj.pk, user)
            if register and not internals.register_change(context, key, action, obj, user):
                continue
            if own:
                record = obj.to_objectchange(action)
            else:
                record = plain_record(obj, content_type, action, (data, data_v2), shape.related_object(obj))
            if record is not None:
                records.append(stamp(record, context, user))
        return records


def plain_record(
    obj: Model, content_type: ContentType, action: str, data: tuple[Any, Any], related: Model | None = None
) -> ObjectChange:
    """Build what ``ChangeLoggedModel.to_objectchange`` builds, with both serializations (``data``) done already.

    ``related`` is the object the record is pinned to (``related_object``), for the models whose override of
    ``to_objectchange`` pins their parent (``internals.record_shape``).
    """
    return ObjectChange(
        changed_object_type=content_type,
        changed_object_id=obj.pk,
        object_repr=str(obj)[:CHANGELOG_MAX_OBJECT_REPR],
        action=action,
        object_data=data[0],
        object_data_v2=data[1],
        related_object=related,
    )


def refresh(earlier: ObjectChange, record: ObjectChange) -> None:
    """Give an earlier record of an object the data of a new one (a deleted object's becomes an update)."""
    earlier.object_data, earlier.object_data_v2 = record.object_data, record.object_data_v2
    if earlier.action == ObjectChangeActionChoices.ACTION_DELETE:
        earlier.action = UPDATE


def stamp(record: ObjectChange, context: Any, user: Any) -> ObjectChange:
    """Give a record the change context's user, request id, context and detail, as Nautobot's receivers do."""
    record.user = user
    record.user_name = user.username if user is not None else "Undefined"
    record.request_id = context.change_id
    record.change_context = context.context
    record.change_context_detail = context.context_detail[:CHANGELOG_MAX_CHANGE_CONTEXT_DETAIL]
    return record
