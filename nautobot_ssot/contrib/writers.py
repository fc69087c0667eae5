"""How ``NautobotModel.create``/``update``/``delete`` reach the database: one ``Writer`` protocol, three strategies.

The adapter chooses a writer once per model class (``NautobotAdapter.writer_for``):

- ``StandardWriter``: ``validated_save()`` per object, its change record written by Nautobot's receivers on
  every save, as nautobot-ssot 4.x writes;
- ``DeferredWriter`` (the default): the same saves and deletes, with every signal receiver and override of the
  model, but the change records deferred and written per batch, committed with the objects of the batch
  (``nautobot_ssot.contrib.bulk.deferred``);
- ``BulkWriter``: validated per object, rows written per batch when the sync completes, for the models whose
  save logic it reproduces (``nautobot_ssot.contrib.bulk``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from diffsync import Adapter
from django.db import transaction
from django.db.models import Model
from nautobot.apps.dcim import SkipAutoComponentCreation
from nautobot.extras.choices import ObjectChangeActionChoices

from nautobot_ssot.contrib.bulk.deferred import ChangeBatch, Written
from nautobot_ssot.contrib.cache import OrmCache

if TYPE_CHECKING:
    from nautobot_ssot.contrib.model import NautobotModel


class Writer(Protocol):
    """What writes the objects of one model class to the database.

    Attributes:
        deferred: Whether a call writes nothing yet (the object is queued and written when the sync completes),
            so that the call needs no savepoint of its own.
    """

    deferred: bool

    def create(
        self,
        model_class: type[NautobotModel],
        instance: NautobotModel,
        values: dict[str, Any],
        given: Iterable[str] | None = None,
    ) -> Model:
        """Write a new object with ``values`` (every field of the class); return the database object.

        ``given`` names the fields to write (None: all); the others keep the Django model's defaults.
        """

    def update(self, instance: NautobotModel, values: dict[str, Any], changed: dict[str, Any]) -> Model:
        """Write the ``changed`` attributes of the object ``instance`` stands for (``values``: every field).

        Returns:
            The database object.
        """

    def delete(self, instance: NautobotModel) -> None:
        """Delete the object ``instance`` stands for."""

    def prepare(self) -> None:
        """Store what an object written next may need, before the syncer opens that object's savepoint."""


@runtime_checkable
class WritingAdapter(Protocol):
    """An adapter that chooses the writer of each of its model classes (``NautobotAdapter``)."""

    def writer_for(self, model_class: type[NautobotModel]) -> Writer:
        """Return the writer of ``model_class``."""


@dataclass
class StandardWriter:
    """``validated_save()`` and ``delete()`` per object, each in its own transaction, as 4.x writes.

    Attributes:
        adapter: The adapter writing (its ORM cache resolves related objects).
        orm_cache: The adapter's ORM cache (a deleted object is dropped from it), if it has one.
        skip_components: Create Devices and Modules without the components their types would add.
        before_write: Called before an object is created or updated: writes what the bulk path queued (an object
            written here may refer to one it holds, such as a device to a new location).
    """

    deferred: ClassVar[bool] = False

    adapter: Adapter
    orm_cache: OrmCache | None = None
    skip_components: bool = False
    before_write: Callable[[], None] = lambda: None

    def create(
        self,
        model_class: type[NautobotModel],
        instance: NautobotModel,
        values: dict[str, Any],
        given: Iterable[str] | None = None,
    ) -> Model:
        """Build the object from ``values`` (the ``given`` fields) and save it with ``validated_save()``."""
        self.before_write()
        with self.writing(model_class):
            return model_class.field_plan().write(model_class._model(), values, self.adapter, changed=given)

    def update(self, instance: NautobotModel, values: dict[str, Any], changed: dict[str, Any]) -> Model:
        """Write the changed fields onto the database object and save it with ``validated_save()``."""
        self.before_write()
        with self.writing(type(instance)):
            return instance.field_plan().write(instance.get_from_db(), values, self.adapter, changed=changed)

    def prepare(self) -> None:
        """Write what the bulk path queued (``before_write``), outside the next object's savepoint.

        Inside it, a failure of that object would roll back what the bulk path wrote for the whole run.
        """
        self.before_write()

    def delete(self, instance: NautobotModel) -> None:
        """Delete the database object (and forget it in the ORM cache)."""
        with transaction.atomic():
            obj = instance.get_from_db()
            obj.delete()
        if self.orm_cache is not None:
            self.orm_cache.forget(obj)

    @contextmanager
    def writing(self, model_class: type[NautobotModel]) -> Iterator[None]:
        """Run one object's write atomically, without automatic device components when asked to."""
        skip = model_class._skip_auto_component_creation or self.skip_components
        with transaction.atomic(), SkipAutoComponentCreation() if skip else nullcontext():
            yield


@dataclass
class DeferredWriter(StandardWriter):
    """The standard writes, with the change records written per batch (``ChangeBatch``).

    Outside an open batch (no change context, or no ``NautobotAdapter.applying()`` around the writes) it writes
    exactly as ``StandardWriter``.

    Attributes:
        batch: The adapter's open batch of deferred writes.
    """

    batch: ChangeBatch = field(default_factory=lambda: ChangeBatch(None))

    def create(
        self,
        model_class: type[NautobotModel],
        instance: NautobotModel,
        values: dict[str, Any],
        given: Iterable[str] | None = None,
    ) -> Model:
        """Save the new object; its change record is written with its batch."""
        self.before_write()
        with self.batch.deferring(written(instance, ObjectChangeActionChoices.ACTION_CREATE), model_class):
            return super().create(model_class, instance, values, given)

    def update(self, instance: NautobotModel, values: dict[str, Any], changed: dict[str, Any]) -> Model:
        """Save the changed object; its change record is written with its batch."""
        self.before_write()
        with self.batch.deferring(written(instance, ObjectChangeActionChoices.ACTION_UPDATE), type(instance)):
            return super().update(instance, values, changed)

    def delete(self, instance: NautobotModel) -> None:
        """Delete the object, or queue its delete with the next ones of its model; its record goes with its batch.

        A queued delete runs before any other write (``ChangeBatch.queue_delete``); one the database then refuses
        is reported as that object's failure.
        """
        if not self.batch.queues_deletes(instance._model):
            with self.batch.deferring(written(instance, ObjectChangeActionChoices.ACTION_DELETE), type(instance)):
                super().delete(instance)
            return
        obj = instance.get_from_db()
        self.batch.queue_delete(obj, written(instance, ObjectChangeActionChoices.ACTION_DELETE), type(instance))
        if self.orm_cache is not None:
            self.orm_cache.forget(obj)


def written(instance: NautobotModel, action: str) -> Written:
    """Return what the batch remembers of an object written with ``action``."""
    return Written(instance.get_type(), instance.get_unique_id(), action)


def writer_for(adapter: Adapter, model_class: type[NautobotModel]) -> Writer:
    """Return the writer of ``model_class`` on ``adapter``: the adapter's choice, or the standard writer.

    An adapter that is not a ``NautobotAdapter`` (any diffsync adapter holding NautobotModel classes) writes
    through the standard writer.
    """
    if isinstance(adapter, WritingAdapter):
        return adapter.writer_for(model_class)
    return StandardWriter(adapter)
