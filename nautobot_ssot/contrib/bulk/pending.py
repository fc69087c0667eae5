"""What the bulk path holds between accepting an object and writing it: pending creates, updates and deletes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from django.db.models import Model

from nautobot_ssot.contrib.cache import freeze
from nautobot_ssot.contrib.lookups import Lookup

RelatedKeys = Mapping[str, tuple[Any, ...]]
"""Primary keys of the related objects (each once), per to-many field name."""

NO_RELATED: RelatedKeys = MappingProxyType({})
"""The related keys of a write without any to-many field (one shared, read-only mapping)."""


@dataclass(slots=True)
class PendingWrite:
    """One accepted object, validated, waiting for the flush.

    Attributes:
        obj: The Django object (new, or loaded and changed).
        modelname: The diffsync model name, for log entries.
        unique_id: The diffsync unique id, for log entries.
        related: Related primary keys of the to-many fields to write.
        fields: For updates, the model fields that changed.
    """

    obj: Model
    modelname: str
    unique_id: str
    related: RelatedKeys = field(default_factory=lambda: NO_RELATED)
    fields: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        """Hold no empty mapping of its own (most objects have no to-many field to write)."""
        if not self.related:
            self.related = NO_RELATED


@dataclass
class PendingQueue:
    """Pending writes of one action, per Django model, in the order models first appeared.

    Attributes:
        by_model: The pending writes of each model.
    """

    by_model: dict[type[Model], list[PendingWrite]] = field(default_factory=dict)

    def add(self, write: PendingWrite) -> None:
        """Queue a write."""
        self.by_model.setdefault(type(write.obj), []).append(write)

    def __len__(self) -> int:
        """Number of pending writes."""
        return sum(len(writes) for writes in self.by_model.values())

    def take(self) -> Iterator[tuple[type[Model], list[PendingWrite]]]:
        """Yield and forget the writes of each model, in order."""
        while self.by_model:
            model = next(iter(self.by_model))
            yield model, self.by_model.pop(model)


@dataclass
class PendingIndex:
    """Finds objects pending creation by lookup parameters, so that later objects can refer to them.

    One dictionary per (model, parameter names) is built on first use and kept up to date as objects are added.

    Attributes:
        indexes: Objects per frozen parameter values, per (model, sorted parameter names).
    """

    indexes: dict[tuple[type[Model], tuple[str, ...]], dict[Any, list[Model]]] = field(default_factory=dict)

    def add(self, obj: Model) -> None:
        """Index a new pending object under every parameter set used so far for its model."""
        for (model, names), index in self.indexes.items():
            if model is type(obj):
                key = self._key(obj, names)
                if key is not None:
                    index.setdefault(key, []).append(obj)

    def find(self, model: type[Model], parameters: dict[str, Any], pending: Iterable[Model]) -> list[Model]:
        """Return the pending objects of ``model`` whose values equal ``parameters``."""
        names = tuple(sorted(parameters))
        index = self.indexes.get((model, names))
        if index is None:
            index = self.indexes[(model, names)] = {}
            for obj in pending:
                key = self._key(obj, names)
                if key is not None:
                    index.setdefault(key, []).append(obj)
        return index.get(freeze(tuple(parameters[name] for name in names)), [])

    def clear(self) -> None:
        """Forget every object (they were written)."""
        self.indexes.clear()

    @staticmethod
    def _key(obj: Model, names: tuple[str, ...]) -> Any:
        try:
            return freeze(tuple(Lookup.parse(name).read(obj) for name in names))
        except AttributeError:
            return None
