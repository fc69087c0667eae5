"""BulkWriter: accept validated objects one at a time, write them in batches at the end of the sync.

diffsync calls ``create``/``update``/``delete`` one object at a time. On the bulk path those calls do
everything that can fail for that object (resolving related objects, ``full_clean()``, custom field validation,
uniqueness) and then queue it, so a bad object is reported exactly as on the standard path: the call raises
``ObjectNotCreated``/``ObjectNotUpdated``/``ObjectNotDeleted`` and diffsync logs it as that object's failure.
``flush()`` (called by the adapter's ``sync_complete``) then writes the queue per model and per batch:
``bulk_create``/``bulk_update``, many-to-many rows, deletes through one collector, and the ObjectChange records.

Objects are created in the order they were accepted. An object can only refer to another that was accepted
before it (its lookup found it, in the database or in the queue), so parents are written before their
children and hierarchical models such as Location stay consistent.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from diffsync import Adapter
from django.db.models import Model

from nautobot_ssot.contrib.bulk import reproduced
from nautobot_ssot.contrib.bulk.cachememo import CacheMemo
from nautobot_ssot.contrib.bulk.changelog import ChangeRecorder
from nautobot_ssot.contrib.bulk.cleans import CleanAnswers
from nautobot_ssot.contrib.bulk.flush import Flusher
from nautobot_ssot.contrib.bulk.parents import ParentPrefixes
from nautobot_ssot.contrib.bulk.pending import PendingIndex, PendingQueue, PendingWrite, RelatedKeys
from nautobot_ssot.contrib.bulk.support import plan_fallback_reason
from nautobot_ssot.contrib.bulk.validation import BulkValidator
from nautobot_ssot.contrib.cache import collection_paused
from nautobot_ssot.contrib.kinds import ToManyKind
from nautobot_ssot.contrib.lookups import resolve

if TYPE_CHECKING:
    from nautobot_ssot.contrib.model import NautobotModel

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 1000


@dataclass
class BulkWriter:
    """The bulk write path of one target adapter (one run).

    Attributes:
        adapter: The NautobotAdapter writing.
        enabled: Whether the adapter's models use the bulk path unless a model says otherwise (``_bulk``).
        batch_size: Objects per insert, update, delete and change-record batch.
        validator: Validation state (checked foreign keys, unique values).
        creates: Objects accepted for creation.
        updates: Objects accepted for update.
        deletes: Objects accepted for deletion.
        loaded: Database objects read when the adapter loaded, per (model name, unique id), for updates and deletes.
        memo: Nautobot's cached lookups, answered from memory while objects are accepted and written.
        parents: The prefixes of the namespaces IP addresses are accepted in (their parents, found in memory).
        answers: Queries of Nautobot's ``clean()`` answered from the run while it validates.
    """

    deferred: ClassVar[bool] = True

    adapter: Adapter
    enabled: bool = False
    batch_size: int = DEFAULT_BATCH_SIZE
    validator: BulkValidator = field(default_factory=BulkValidator)
    creates: PendingQueue = field(default_factory=PendingQueue)
    updates: PendingQueue = field(default_factory=PendingQueue)
    deletes: PendingQueue = field(default_factory=PendingQueue)
    loaded: dict[tuple[str, str], Model] = field(default_factory=dict)
    memo: CacheMemo = field(default_factory=CacheMemo)
    parents: ParentPrefixes = field(default_factory=ParentPrefixes)
    answers: CleanAnswers = field(init=False)
    _decisions: dict[type, bool] = field(default_factory=dict)
    _index: PendingIndex = field(default_factory=PendingIndex)
    _shared: dict[tuple[type[Model], Any], Model] = field(default_factory=dict)
    _paused: bool = False

    def __post_init__(self) -> None:
        """Answer ``clean()``'s queries from this run's validation state."""
        self.answers = CleanAnswers(self.validator, self.parents)

    @property
    def paused(self) -> bool:
        """Whether a ``one_at_a_time()`` block is open: every object is written by itself meanwhile."""
        return self._paused

    def accepts(self, model_class: type[NautobotModel]) -> bool:
        """Whether ``model_class`` is written on the bulk path (says once why not, when it falls back)."""
        if self._paused:
            return False
        if model_class not in self._decisions:
            wanted = self.enabled if model_class._bulk is None else model_class._bulk
            reason = plan_fallback_reason(model_class.field_plan()) if wanted else None
            if reason:
                self.say(f"{model_class.__name__} is saved object by object, not in bulk: {reason}.")
            self._decisions[model_class] = bool(wanted and not reason)
        return self._decisions[model_class]

    def remember(self, instance: NautobotModel, database_object: Model) -> None:
        """Keep the database object a loaded diffsync object came from, for its update or delete."""
        self.loaded[(instance.get_type(), instance.get_unique_id())] = database_object

    def keep_loaded(self, keys: Collection[tuple[str, str]]) -> None:
        """Forget the database objects kept from loading, but those of ``keys`` (what the diff updates or deletes).

        The others would be held, with their caches, until the run ends. An object asked for after all is read
        again (``instance.get_from_db()``).
        """
        self.loaded = {key: obj for key, obj in self.loaded.items() if key in keys}

    def create(
        self,
        model_class: type[NautobotModel],
        instance: NautobotModel,
        values: dict[str, Any],
        given: Iterable[str] | None = None,
    ) -> Model:
        """Build, validate and queue a new object; return it (written when the sync completes).

        Every field is written (``given`` is not used): on the bulk path an attribute left out of ``attrs`` is
        written with its value in ``values``.

        Raises:
            ValidationError: The object is not valid.
            RelatedObjectLookupError: A related object does not exist.
        """
        plan = model_class.field_plan()
        obj = plan.django_model()
        with self.memo.active():
            for kind in plan.kinds:
                if not kind.after_save:
                    kind.save(obj, values, self.adapter)
            related = self._related(plan.kinds, values, None)
            self._validate(obj)
            reproduced.accept(obj)
        self.validator.pending.add(obj.pk)
        self.creates.add(PendingWrite(obj, instance.get_type(), instance.get_unique_id(), related))
        self._index.add(obj)
        return obj

    def update(self, instance: NautobotModel, values: dict[str, Any], changed: dict[str, Any]) -> Model:
        """Apply the changed attributes to the database object, validate it, queue it and return it.

        Raises:
            ValidationError: The changed object is not valid.
            RelatedObjectLookupError: A related object does not exist.
        """
        obj = self._database_object(instance)
        kinds = [kind for kind in instance.field_plan().kinds if set(changed) & set(kind.names)]
        before = snapshot(obj)
        with self.memo.active():
            for kind in kinds:
                if not kind.after_save:
                    kind.save(obj, values, self.adapter)
            related = self._related(kinds, values, obj)
            if any(not kind.after_save for kind in kinds) or reproduced.cleans_on_save(type(obj)):
                self._validate(obj)
            reproduced.accept(obj)
            fields = changed_fields(obj, before)
        self.updates.add(PendingWrite(obj, instance.get_type(), instance.get_unique_id(), related, fields))
        return obj

    def _validate(self, obj: Model) -> None:
        """Validate an object about to be queued, with what the run knows (its parent prefix, ``clean()``'s queries).

        Raises:
            ValidationError: The object is not valid.
        """
        self.parents.seed(obj)
        with self.answers.active():
            self.validator.validate(obj, reproduced.claims(obj))
        self.answers.note(obj)
        self.parents.queue(obj)

    def prepare(self) -> None:
        """Nothing to store first: an object is only checked and queued here."""

    def delete(self, instance: NautobotModel) -> None:
        """Queue the database object for deletion (protection is checked when the batch is deleted).

        Raises:
            RelatedObjectLookupError: The object is not in the database.
        """
        obj = self._database_object(instance)
        self.deletes.add(PendingWrite(obj, instance.get_type(), instance.get_unique_id()))

    def find_pending(self, model: type[Model], parameters: dict[str, Any]) -> Model | None:
        """Return the object pending creation that ``parameters`` name, if exactly one does.

        Raises:
            MultipleObjectsReturned: More than one does (the model's own exception).
        """
        pending = self.creates.by_model.get(model)
        if not pending:
            return None
        matches = self._index.find(model, parameters, (write.obj for write in pending))
        if len(matches) > 1:
            raise model.MultipleObjectsReturned(f"{len(matches)} pending {model.__name__} objects match")
        return matches[0] if matches else None

    def find_pending_by_unique_key(self, model: type[Model], parameters: Mapping[str, Any]) -> Model | None:
        """Return the object pending creation that ``parameters`` name, when no stored object can match them.

        That is known without a query when the parameters are a unique key of ``model`` (validation reserved its
        unique values against the database), or when one of them is a column of a unique index that no stored
        object holds the value of (an IP address looked up by host and mask length, new in this run).
        """
        if not self.creates.by_model.get(model):
            return None
        if not (self.validator.is_unique_key(model, parameters) or self.validator.none_stored(model, parameters)):
            return None
        return self.find_pending(model, dict(parameters))

    @contextmanager
    def applying(self) -> Iterator[None]:
        """Keep the cache memo on and the cyclic garbage collector paused while a whole diff is applied.

        The adapter uses it when all its models are written here. Each object is then only validated and
        queued: nothing is freed that the collector would have to find, while each of its collections would
        walk the whole heap of loaded data; and the memo is switched on once rather than once per object.
        """
        with self.memo.active(), collection_paused():
            yield

    @contextmanager
    def one_at_a_time(self, models: list[type[Model]]) -> Iterator[None]:
        """Write what is queued, then write object by object (the standard path) inside this block.

        The unique values of ``models`` and the stored components ``clean()`` asks about are read again when next
        needed, as the block changed them directly.
        """
        self.flush()
        self._paused = True
        try:
            yield
        finally:
            self._paused = False
            self.answers.written()
            for model in models:
                self.validator.indexes.pop(model, None)

    def flush(self) -> None:
        """Write everything queued: creates, then updates, then deletes (children first).

        What only served to accept objects (the index of pending objects, the unique values) is dropped first, so
        that the flush does not hold it too; the unique values are read again from the database when next needed.
        """
        if not (len(self.creates) or len(self.updates) or len(self.deletes)):
            return
        recorder = ChangeRecorder(self.batch_size)
        flusher = Flusher(self.validator, recorder, self.batch_size, self.adapter, parents=self.parents)
        self._index.clear()
        self.validator.written()
        self.answers.written()
        with self.memo.active(), collection_paused():
            flusher.run(self.creates, self.updates, self.deletes)

    def _database_object(self, instance: NautobotModel) -> Model:
        """Return the database object kept from loading (sharing its related objects), else read it."""
        obj = self.loaded.pop((instance.get_type(), instance.get_unique_id()), None)
        if obj is None:
            return instance.get_from_db()
        share_related(obj, self._shared)
        return obj

    def _related(self, kinds: Any, values: dict[str, Any], obj: Model | None) -> RelatedKeys:
        """Resolve the objects of each to-many field to their primary keys."""
        related: dict[str, tuple[Any, ...]] = {}
        for kind in kinds:
            if isinstance(kind, ToManyKind):
                items = values[kind.name] or ()
                pks = {resolve(self.adapter, kind.name, item, kind.related_model).pk for item in items}
                related[kind.name] = tuple(pks)
        return related

    def say(self, message: str) -> None:
        """Log ``message`` to the job's log (to this module's logger outside a job)."""
        job_logger = getattr(getattr(self.adapter, "job", None), "logger", None)
        (job_logger or logger).info(message)


def share_related(obj: Model, shared: dict[tuple[type[Model], Any], Model]) -> None:
    """Point the cached foreign keys of a loaded object at one instance per related object.

    Prefetched relations already share their instances; a join (``select_related`` in a ``get_queryset()``
    override, or the content type of a generic foreign key) gives every row its own copy, and what validation
    reads through such a copy (a site's type's parent) would be read again for every object that shares it.
    """
    for model_field in obj._meta.concrete_fields:
        if not (model_field.is_relation and model_field.is_cached(obj)):
            continue
        related = model_field.get_cached_value(obj)
        if related is None:
            continue
        key = (type(related), related.pk)
        if key not in shared:
            shared[key] = related
            share_related(related, shared)
        elif shared[key] is not related:
            model_field.set_cached_value(obj, shared[key])


def snapshot(obj: Model) -> dict[str, Any]:
    """Return the object's column values (containers copied, as some fields are changed in place)."""
    values = {}
    for model_field in obj._meta.concrete_fields:
        value = getattr(obj, model_field.attname)
        values[model_field.name] = dict(value) if isinstance(value, dict) else value
    return values


def changed_fields(obj: Model, before: dict[str, Any]) -> frozenset[str]:
    """Return the names of the fields whose value differs from ``before``."""
    fields = obj._meta.concrete_fields
    return frozenset(f.name for f in fields if getattr(obj, f.attname) != before[f.name])
