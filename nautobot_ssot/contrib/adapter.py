"""NautobotAdapter: a diffsync Adapter that loads its NautobotModel classes from the database."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import Any, Callable, ClassVar, Optional

import pydantic
from diffsync import Adapter
from diffsync.diff import Diff
from diffsync.enum import DiffSyncFlags
from django.conf import settings
from django.db.models import Model, Prefetch, QuerySet

from nautobot_ssot.contrib.bulk import BulkWriter, internals
from nautobot_ssot.contrib.bulk.deferred import ChangeBatch
from nautobot_ssot.contrib.cache import OrmCache, collection_paused, freeze, heap_frozen
from nautobot_ssot.contrib.lookups import is_to_many, label, model_field
from nautobot_ssot.contrib.model import NautobotModel
from nautobot_ssot.contrib.writers import DeferredWriter, StandardWriter, Writer
from nautobot_ssot.sync.diffs import checked_elements
from nautobot_ssot.utils.cache import ORMCache

FieldHook = Callable[[str, Model], Any]

PROGRESS_INTERVAL = 1000
"""Default number of loaded objects between two progress messages (setting ``contrib.progress_logger_interval``)."""


def contrib_setting(name: str, default: Any) -> Any:
    """A setting of ``PLUGINS_CONFIG["nautobot_ssot"]["contrib"]``."""
    return settings.PLUGINS_CONFIG.get("nautobot_ssot", {}).get("contrib", {}).get(name, default)


class NautobotAdapter(Adapter):
    """Adapter that loads data from Nautobot through the ORM, as its NautobotModel classes declare.

    Set the model classes as class attributes named after their ``_modelname`` and list the top-level ones in
    ``top_level``, as for any diffsync adapter. ``load()`` reads each top-level model, and the models in each
    model's ``_children``, with one queryset per model: the number of queries does not grow with the number of
    objects. A method ``load_param_<field>(self, field_name, database_object)`` on a subclass replaces how
    that field is read.

    Attributes:
        job: The job running the sync (may be None outside a job).
        sync: The Sync record of the run, if any.
        orm_cache: The ORM cache of this adapter (one per instance, so one per run).
        skip_auto_component_creation: Create Devices and Modules without the components their types would add.
        bulk_writer: The bulk write path of this adapter (see ``nautobot_ssot.contrib.bulk``).
        deferred_change_records: Whether models not on the bulk path write their change records per batch
            (the default) rather than at every save.
        change_batch: The open batch of deferred writes (see ``nautobot_ssot.contrib.bulk.deferred``).
        written: The database objects created or updated by the sync, by diffsync model name and unique id, until
            the run's log entry takes them (``take_written``).
        objects_loaded: Number of objects loaded from the database so far.
    """

    skip_auto_component_creation: ClassVar[bool] = False

    def __init__(  # noqa: PLR0913  (diffsync's arguments plus the run and its write options)
        self,
        *args: Any,
        job: Any,
        sync: Any = None,
        bulk: bool | None = None,
        deferred_change_records: bool | None = None,
        **kwargs: Any,
    ) -> None:
        """Create the adapter without loading anything yet.

        Args:
            *args: Passed on to ``diffsync.Adapter``.
            job: The job running the sync.
            sync: The Sync record of the run.
            bulk: Write this adapter's models on the bulk path (validated, queued, written in batches when the
                sync completes) unless a model sets ``_bulk``; see the performance page of the developer docs.
                When not given, the job's ``Meta.bulk_writes`` decides (False when unset).
            deferred_change_records: Save objects one by one but write their change records per batch, committed
                with them, unless a model sets ``_deferred_change_records``. When not given, the job's
                ``Meta.deferred_change_records`` decides (True when unset); False writes them at every save, as
                4.x does.
            **kwargs: Passed on to ``diffsync.Adapter``.
        """
        super().__init__(*args, **kwargs)
        self.job = job
        self.sync = sync
        self.orm_cache = OrmCache()
        if bulk is None:
            bulk = bool(getattr(getattr(job, "Meta", None), "bulk_writes", False))
        self.bulk_writer = BulkWriter(self, enabled=bulk)
        if deferred_change_records is None:
            deferred_change_records = bool(getattr(getattr(job, "Meta", None), "deferred_change_records", True))
        self.deferred_change_records = deferred_change_records
        self.change_batch = ChangeBatch(self)
        self._writers: dict[type[NautobotModel], Writer] = {}
        self.written: dict[tuple[str, str], Model] = {}
        self._internals_reason: str | None = None
        self._field_hooks: dict[type[NautobotModel], dict[str, FieldHook]] = {}
        self.objects_loaded = 0
        self.enable_progress_logger = bool(contrib_setting("enable_progress_logger", False))
        self.progress_logger_interval = int(contrib_setting("progress_logger_interval", PROGRESS_INTERVAL))

    @property
    def cache(self) -> ORMCache:
        """The ORM cache with the interface of nautobot-ssot 4.x (the same objects as ``orm_cache``)."""
        return ORMCache(self.orm_cache)

    @cache.setter
    def cache(self, value: ORMCache) -> None:
        """Use ``value``'s objects as this adapter's ORM cache."""
        self.orm_cache = value.store

    def log_loaded_objects(self, increment: int = 1) -> None:
        """Count loaded objects; with the ``contrib.enable_progress_logger`` setting, log every interval."""
        before, self.objects_loaded = self.objects_loaded, self.objects_loaded + increment
        interval = self.progress_logger_interval
        if self.enable_progress_logger and self.objects_loaded // interval > before // interval:
            self.job.logger.info("SSoT Contrib Progress: Loaded %s objects from database.", self.objects_loaded)

    @property
    def _cache_hits(self) -> Counter[str]:
        """Cache hits per model label (``app_label.model``)."""
        return self.orm_cache.hits

    def invalidate_cache(self, zero_out_hits: bool = True) -> None:
        """Forget every object in the ORM cache.

        Args:
            zero_out_hits: Also reset the hit counters.
        """
        self.orm_cache.clear(zero_out_hits)

    def get_from_orm_cache(self, parameters: Mapping[str, Any], model_class: type[Model]) -> Model:
        """Return the one ``model_class`` object matching ``parameters``, from the cache when possible.

        Args:
            parameters: Django lookup parameters, such as ``{"name": "Site A"}``.
            model_class: The Django model to look in.

        Returns:
            The matching object.

        Raises:
            ObjectDoesNotExist: No object matches (the model's own ``DoesNotExist``).
            MultipleObjectsReturned: More than one object matches.
        """
        try:
            return self.orm_cache.get(parameters, model_class, known=self.bulk_writer.find_pending_by_unique_key)
        except model_class.DoesNotExist:
            pending = self.bulk_writer.find_pending(model_class, dict(parameters))
            if pending is None:
                raise
            self.orm_cache.objects[model_class._meta.label_lower][freeze(parameters)] = pending
            return pending

    def writer_for(self, model_class: type[NautobotModel]) -> Writer:
        """Return the writer of ``model_class`` (chosen once per class; see ``nautobot_ssot.contrib.writers``).

        The bulk writer when the class is written on the bulk path, else the deferred writer unless the class or
        the adapter opts out of deferred change records, else the standard writer. While the bulk writer writes
        object by object (a replacement pair, see ``nautobot_ssot.sync.replace``), every class gets the standard
        writer, whose change records are rolled back with the pair's savepoint.
        """
        if self.bulk_writer.paused:
            return StandardWriter(self, self.orm_cache, self.skip_auto_component_creation)
        if model_class not in self._writers:
            self._writers[model_class] = self._choose_writer(model_class)
        return self._writers[model_class]

    def _choose_writer(self, model_class: type[NautobotModel]) -> Writer:
        skip = self.skip_auto_component_creation
        if not self._internals_supported():
            return StandardWriter(self, self.orm_cache, skip)
        if self.bulk_writer.accepts(model_class):
            return self.bulk_writer
        wanted = model_class._deferred_change_records
        flush = self.bulk_writer.flush
        if self.deferred_change_records if wanted is None else wanted:
            return DeferredWriter(self, self.orm_cache, skip, flush, batch=self.change_batch)
        return StandardWriter(self, self.orm_cache, skip, flush)

    def take_written(self, model_name: str, unique_id: str) -> Model | None:
        """Return (and forget) the database object the sync created or updated for this diffsync object, if any."""
        return self.written.pop((model_name, unique_id), None)

    def _internals_supported(self) -> bool:
        """Whether this Nautobot has the internals the deferred and bulk writers use (says once why not)."""
        if self._internals_reason is None:
            self._internals_reason = internals.internals_unsupported() or ""
            if self._internals_reason:
                self.bulk_writer.say(f"Every model is written through the standard path: {self._internals_reason}.")
        return not self._internals_reason

    def remove_from_orm_cache(self, instance: Model) -> None:
        """Forget ``instance`` in the ORM cache (it was deleted)."""
        self.orm_cache.forget(instance)

    def load(self) -> None:
        """Load every model in ``top_level``, and their children, from the database.

        Raises:
            ValueError: ``top_level`` is empty, or an object does not validate as its model.
        """
        if not self.top_level:
            raise ValueError(f"{type(self).__name__}.top_level needs to list the models to load.")
        with collection_paused():
            for modelname in self.top_level:
                model_class = self._get_diffsync_class(modelname)
                for database_object in self.get_load_queryset(model_class):
                    self._load_object(database_object, model_class)

    @contextmanager
    def applying(self, diff: Diff | None = None) -> Iterator[Callable[[], None]]:
        """The block the syncer applies ``diff`` to this adapter in (``nautobot_ssot.sync.executor``).

        Given the diff, the database objects kept from loading for the bulk path's updates and deletes are
        dropped first where the diff leaves their object unchanged (``BulkWriter.keep_loaded``).

        When every model of the adapter is written on the bulk path, the whole walk runs inside the bulk
        writer's ``applying()`` (cache memo on, garbage collector paused; see ``BulkWriter.applying``); when some
        are, or write deferred, the collector leaves the objects loaded before out of its walks (``heap_frozen``).
        When any
        model writes its change records deferred, batches of writes are held open inside the block: it yields
        the checkpoint the syncer calls between two objects, which writes the change records of a full batch
        and commits it (see ``nautobot_ssot.contrib.bulk.deferred``).
        """
        if diff is not None:
            self.bulk_writer.keep_loaded(self._changed_keys(diff))
        writers = [self.writer_for(self._get_diffsync_class(name)) for name in self._model_names()]
        with ExitStack() as stack:
            if writers and all(writer is self.bulk_writer for writer in writers):
                stack.enter_context(self.bulk_writer.applying())
            elif any(writer is self.bulk_writer or isinstance(writer, DeferredWriter) for writer in writers):
                stack.enter_context(heap_frozen())
            checkpoint: Callable[[], None] = lambda: None  # noqa: E731  (nothing to do between objects)
            if any(isinstance(writer, DeferredWriter) for writer in writers):
                stack.enter_context(internals.FRAME_STACK_PATCH.active())
                stack.enter_context(self.bulk_writer.memo.active())
                checkpoint = stack.enter_context(self.change_batch.open())
            yield checkpoint

    def _changed_keys(self, diff: Diff) -> set[tuple[str, str]]:
        """Return (model name, unique id) of every object the diff updates or deletes."""
        return {
            (model_name, self._get_diffsync_class(model_name).create_unique_id(**element.keys))
            for model_name, elements in checked_elements(diff).items()
            for element in elements
        }

    def _model_names(self) -> list[str]:
        """Return the names of every model of the adapter: ``top_level`` and their descendants."""
        return list(dict.fromkeys(name for top in self.top_level for name in (top, *self._descendants(top))))

    def _descendants(self, modelname: str) -> list[str]:
        """Return the model names under ``modelname`` (its ``_children``, and theirs)."""
        children = list(getattr(self._get_diffsync_class(modelname), "_children", {}))
        return [name for child in children for name in (child, *self._descendants(child))]

    def sync_complete(self, source: Adapter, diff: Diff, flags: DiffSyncFlags = DiffSyncFlags.NONE, logger=None):
        """Write what the bulk path queued, then do what diffsync does when a sync completes.

        The default path's queued deletes run first: the diff deletes referring objects before what they refer to
        (a device before its location), which the bulk flush may delete.
        """
        self.change_batch.run_queued_deletes()
        self.bulk_writer.flush()
        return super().sync_complete(source, diff, flags, logger)

    def get_load_queryset(self, model_class: type[NautobotModel]) -> QuerySet:
        """Return the queryset loading ``model_class``: its ``get_queryset()`` with the plan's joins and prefetches.

        Children (``_children``) are prefetched through the relation of the same name, each with its own
        model's queryset, so that they cost no query per parent.
        """
        queryset = model_class.field_plan().prepare(model_class.get_queryset(), self)
        for child_modelname, relation in model_class._children.items():
            self._check_children_relation(model_class, relation)
            child_queryset = self.get_load_queryset(self._get_diffsync_class(child_modelname))
            queryset = queryset.prefetch_related(Prefetch(relation, queryset=child_queryset))
        return queryset

    def _load_object(self, database_object: Model, model_class: type[NautobotModel]) -> NautobotModel:
        """Build, store and return the diffsync object for one database object, with its children."""
        values = model_class.field_plan().load(database_object)
        for name, hook in self._hooks_for(model_class).items():
            values[name] = hook(name, database_object)
        try:
            instance = model_class(**values)
        except pydantic.ValidationError as error:
            raise ValueError(f"{model_class.__name__} cannot hold {database_object!r}: {error}") from error
        self.add(instance)
        self.log_loaded_objects()
        if self.writer_for(model_class) is self.bulk_writer:
            self.bulk_writer.remember(instance, database_object)
        for child_modelname, relation in model_class._children.items():
            child_class = self._get_diffsync_class(child_modelname)
            for child in getattr(database_object, relation).all():
                instance.add_child(self._load_object(child, child_class))
        return instance

    def _hooks_for(self, model_class: type[NautobotModel]) -> dict[str, FieldHook]:
        """Return this adapter's ``load_param_<field>`` methods for the fields of ``model_class``."""
        if model_class not in self._field_hooks:
            names = (*model_class._identifiers, *model_class._attributes)
            hooks = {name: getattr(self, f"load_param_{name}", None) for name in names}
            self._field_hooks[model_class] = {name: hook for name, hook in hooks.items() if hook is not None}
        return self._field_hooks[model_class]

    def _get_diffsync_class(self, modelname: str) -> type[NautobotModel]:
        """Return the model class set on this adapter under ``modelname``.

        Raises:
            AttributeError: There is none.
        """
        model_class: Optional[type[NautobotModel]] = getattr(self, modelname, None)
        if model_class is None:
            raise AttributeError(f"{type(self).__name__} has no model class attribute '{modelname}' to load.")
        return model_class

    @staticmethod
    def _check_children_relation(model_class: type[NautobotModel], relation: str) -> None:
        """Check that a ``_children`` entry names a to-many relation of the Django model.

        Raises:
            ValueError: It does not.
        """
        if not is_to_many(model_field(model_class._model, relation)):
            raise ValueError(
                f"{model_class.__name__}._children: '{relation}' is not a to-many relation of "
                f"{label(model_class._model)}, so the children cannot be loaded through it"
            )


__all__ = ("NautobotAdapter", "ORMCache")
