"""ObjectChange records for objects written in bulk, with the change context of the run.

Nautobot records a change through signal receivers that fire on each ``save()``/``delete()`` and serialize the
object twice (``serialize_object`` and its REST API serializer). The bulk path writes rows without those
signals, so ``ChangeRecorder`` does the same work per batch: it reads the written objects back with the joins
and prefetches the API serializer needs, serializes them with one list serializer, and creates the records with
one ``bulk_create``. The records carry the same user, request id, context and detail as Nautobot's own, and
are registered in the change context so that a later change to the same object in the same run updates the
record instead of adding a second one, as Nautobot does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import ForeignKey, ManyToManyField, Model, QuerySet
from django.db.models.query import get_prefetcher
from nautobot.core.api.exceptions import SerializerNotFound
from nautobot.core.api.utils import get_serializer_for_model
from nautobot.core.constants import NATURAL_SLUG_SEPARATOR
from nautobot.core.models import BaseModel
from nautobot.core.models.tree_queries import TreeModel
from nautobot.core.models.utils import construct_natural_slug, serialize_object
from nautobot.core.utils.cache import construct_cache_key
from nautobot.extras.constants import CHANGELOG_MAX_CHANGE_CONTEXT_DETAIL, CHANGELOG_MAX_OBJECT_REPR
from nautobot.extras.models import ObjectChange
from nautobot.extras.models.change_logging import ChangeLoggedModel
from nautobot.extras.signals import change_context_state
from rest_framework.serializers import ListSerializer, Serializer
from taggit.managers import TaggableManager

from nautobot_ssot.contrib.bulk.cachememo import CacheMemo

SERIALIZER_CONTEXT = {"request": None, "depth": 1, "exclude_m2m": False}
"""The context Nautobot serializes changed objects with (``serialize_object_v2``)."""


def foreign_keys(model: type[Model]) -> list[str]:
    """Return the names of the foreign keys of ``model``."""
    return [field.name for field in model._meta.get_fields() if isinstance(field, ForeignKey)]


def to_many_names(model: type[Model]) -> list[str]:
    """Return the names of the many-to-many relations and tags of ``model``."""
    kinds = (ManyToManyField, TaggableManager)
    return [field.name for field in model._meta.get_fields() if isinstance(field, kinds)]


def load_for_serializer(model: type[Model], pks: Sequence[Any]) -> list[Model]:
    """Read objects with what their API serializer reads: joined foreign keys, prefetched to-many relations.

    The to-many relations are read with the query ``prefetch_related`` runs, but attached to the objects
    without building the relation's own filtered queryset per object (which costs more than the query itself).
    """
    objects = list(model._base_manager.select_related(*foreign_keys(model)).filter(pk__in=pks))
    for name in to_many_names(model):
        attach_related(objects, name)
    return objects


def attach_related(objects: list[Model], name: str) -> None:
    """Prefetch the to-many relation ``name`` of ``objects`` (all of one model) with one query.

    Each object gets a queryset holding its related objects, as ``prefetch_related`` gives it; the queryset is
    filtered on those objects' primary keys (built once per distinct set), so that a further ``filter()`` or
    ``only()`` on it (as ``serialize_object`` does for objects without tags) still reads the right rows.
    """
    if not objects:
        return
    prefetcher = get_prefetcher(objects[0], name, name)[0]
    rel_qs, rel_attr, instance_attr, _, cache_name, _ = prefetcher.get_prefetch_querysets(objects)
    groups: dict[Any, list[Model]] = {}
    for related in rel_qs:
        groups.setdefault(rel_attr(related), []).append(related)
    templates: dict[frozenset, QuerySet] = {}
    for obj in objects:
        related = groups.get(instance_attr(obj), [])
        pks = frozenset(item.pk for item in related)
        if pks not in templates:
            templates[pks] = rel_qs.model._default_manager.filter(pk__in=pks)
        queryset = templates[pks]._chain()
        queryset._result_cache = related
        queryset._prefetch_done = True
        obj.__dict__.setdefault("_prefetched_objects_cache", {})[cache_name] = queryset


@dataclass
class ChangeRecorder:
    """Create ObjectChange records for batches of objects in the current change context (if there is one).

    Attributes:
        batch_size: Objects serialized and records created per query.
    """

    batch_size: int = 500

    @property
    def context(self) -> Any:
        """The active change context (None outside a job or request: nothing is recorded)."""
        return change_context_state.get()

    def reload(self, model: type[Model], pks: Sequence[Any]) -> list[Model]:
        """Read objects back for serialization, in batches, with what the serializer needs."""
        objects: list[Model] = []
        for start in range(0, len(pks), self.batch_size):
            objects.extend(load_for_serializer(model, pks[start : start + self.batch_size]))
        return objects

    def build(self, objects: Sequence[Model], action: str) -> list[ObjectChange]:
        """Return the (unsaved) records of ``action`` on ``objects``, all of one model."""
        context = self.context
        if context is None or not objects or not hasattr(objects[0], "to_objectchange"):
            return []
        records = []
        for start in range(0, len(objects), self.batch_size):
            records.extend(self._build_batch(objects[start : start + self.batch_size], action, context))
        return records

    def record(self, objects: Sequence[Model], action: str) -> int:
        """Create the records of ``action`` on ``objects`` (read back for create and update); return how many."""
        return self.save(self.build(objects, action))

    def save(self, records: Iterable[ObjectChange]) -> int:
        """Write built records."""
        records = list(records)
        ObjectChange.objects.bulk_create(records, batch_size=self.batch_size)
        return len(records)

    def _build_batch(self, objects: Sequence[Model], action: str, context: Any) -> list[ObjectChange]:
        own = type(objects[0]).to_objectchange is not ChangeLoggedModel.to_objectchange
        versions = [None] * len(objects) if own else serialize_v2(objects)
        user = context.get_user(objects[0])
        content_type = ContentType.objects.get_for_model(type(objects[0]))
        records = []
        for obj, data_v2 in zip(objects, versions, strict=True):
            key = f"{content_type.pk}__{obj.pk}" + (f"__{user.pk}" if user is not None else "")
            if key in context.deferred_object_changes:
                continue
            context.deferred_object_changes[key] = [{"action": action, "instance": obj, "user": user}]
            record = obj.to_objectchange(action) if own else plain_record(obj, action, data_v2)
            if record is not None:
                records.append(stamp(record, context, user))
        return records


def serialize_v2(objects: Sequence[Model]) -> list[Any]:
    """Serialize objects like ``serialize_object_v2``, with one list serializer for the batch."""
    try:
        serializer_class = get_serializer_for_model(type(objects[0]))
    except SerializerNotFound:
        return [serialize_object(obj) for obj in objects]
    serializer = serializer_class(objects, many=True, context=dict(SERIALIZER_CONTEXT))
    memoize_nested(serializer.child)
    base_slug = getattr(type(objects[0]), "natural_slug", None) is BaseModel.natural_slug
    if base_slug and "natural_slug" in serializer.child.fields:
        serializer.child.get_natural_slug = NaturalSlugs()
    memo = CacheMemo.current()
    if memo is None:
        return list(serializer.data)
    preload_displays(memo, objects)
    with memo.deferring():
        return list(serializer.data)


@dataclass
class NaturalSlugs:
    """What the API serializer's ``get_natural_slug`` returns, for models with the base ``natural_slug``.

    The serializer's ``getattr(instance, "natural_slug", construct_natural_slug(...))`` builds the slug twice
    (for its default, then through the property). Here it is built once, from the slug of each natural key value
    and of the primary key, each made by ``construct_natural_slug`` itself and remembered for the batch: the
    parents, types and other values objects share are slugified once.

    Attributes:
        parts: Slug of each (type, value), and of each primary key.
    """

    parts: dict[Any, str] = field(default_factory=dict)

    def __call__(self, instance: Model) -> str:
        """Return the natural slug of ``instance`` (``unknown`` when it has no natural key)."""
        try:
            values = instance.natural_key()
        except (AttributeError, NotImplementedError):
            return "unknown"
        parts = [self._part((type(value), value), [value], None) for value in values]
        if instance.pk is not None:
            parts.append(self._part(instance.pk, [], instance.pk))
        return NATURAL_SLUG_SEPARATOR.join(parts)

    def _part(self, key: Any, values: list[Any], pk: Any) -> str:
        if key not in self.parts:
            self.parts[key] = construct_natural_slug(values, pk=pk)
        return self.parts[key]


def preload_displays(memo: CacheMemo, objects: Sequence[Model]) -> None:
    """Read the cached ``display`` of tree objects and of their parents with one cache query.

    ``TreeModel.display`` reads its own key and its parent's, then writes its own, per object.
    """
    if not isinstance(objects[0], TreeModel):
        return
    keys = []
    for obj in objects:
        key = construct_cache_key(obj, method_name="display", branch_aware=True)
        keys.append(key)
        if getattr(obj, "parent_id", None) is not None:
            keys.append(key.replace(str(obj.id), str(obj.parent_id)))
    memo.preload(keys)


def memoize_nested(serializer: Serializer) -> None:
    """Serialize each related object once per batch: the nested serializers remember their output per object.

    Thousands of sites share a few regions, tenants, statuses and tags; their nested representation (depth 1)
    depends on the related object alone.
    """
    for serializer_field in serializer.fields.values():
        nested = serializer_field.child if isinstance(serializer_field, ListSerializer) else serializer_field
        if isinstance(nested, Serializer) and not isinstance(nested, ListSerializer):
            nested.to_representation = remembered(nested.to_representation)


def remembered(represent: Callable[[Model], Any]) -> Callable[[Model], Any]:
    """Return ``represent`` remembering its result per primary key."""
    results: dict[Any, Any] = {}

    def representation(instance: Model) -> Any:
        key = getattr(instance, "pk", None)
        if key is None:
            return represent(instance)
        if key not in results:
            results[key] = represent(instance)
        return results[key]

    return representation


def plain_record(obj: Model, action: str, data_v2: Any) -> ObjectChange:
    """Build what ``ChangeLoggedModel.to_objectchange`` builds, with the API serialization done already."""
    if hasattr(obj, "tags") and "tags" in getattr(obj, "_prefetched_objects_cache", {}):
        obj._tags = list(obj.tags.all())
    return ObjectChange(
        changed_object=obj,
        object_repr=str(obj)[:CHANGELOG_MAX_OBJECT_REPR],
        action=action,
        object_data=serialize_object(obj),
        object_data_v2=data_v2,
    )


def stamp(record: ObjectChange, context: Any, user: Any) -> ObjectChange:
    """Give a record the change context's user, request id, context and detail, as Nautobot's receivers do."""
    record.user = user
    record.user_name = user.username if user is not None else "Undefined"
    record.request_id = context.change_id
    record.change_context = context.context
    record.change_context_detail = context.context_detail[:CHANGELOG_MAX_CHANGE_CONTEXT_DETAIL]
    return record
