"""The per-run ORM cache: objects looked up by their parameters, kept for one adapter instance.

Also ``collection_paused``, which loading and the bulk flush run in.
"""

from __future__ import annotations

import gc
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Optional
from uuid import UUID

from django.db.models import Model

SCALARS = frozenset({str, int, float, bool, type(None), UUID})
"""Types ``freeze`` returns as they are without asking whether they are a mapping (an ABC check per value)."""

CacheKey = Hashable
KnownObject = Callable[[type[Model], Mapping[str, Any]], Optional[Model]]
"""Finds an object without the database (such as one created in the same run), or returns None."""


def freeze(value: Any) -> Hashable:
    """Turn a lookup value into something hashable (lists become tuples, dictionaries frozensets).

    Args:
        value: A value used in ORM lookup parameters.

    Returns:
        A hashable equivalent of ``value``.
    """
    if type(value) in SCALARS:
        return value
    if isinstance(value, Mapping):
        return frozenset((key, freeze(item)) for key, item in value.items())
    if isinstance(value, (list, tuple, set)):
        return tuple(freeze(item) for item in value)
    return value


@dataclass
class OrmCache:
    """ORM objects fetched with ``Model.objects.get(**parameters)``, remembered per model and parameters.

    One cache belongs to one adapter instance, so that it lives exactly as long as one sync run.

    Attributes:
        objects: Cached objects per model label (``app_label.model``) and frozen parameters.
        hits: Number of lookups answered from the cache, per model label.
        misses: Number of lookups that went to the database, per model label.
    """

    objects: defaultdict[str, dict[CacheKey, Model]] = field(default_factory=lambda: defaultdict(dict))
    hits: Counter[str] = field(default_factory=Counter)
    misses: Counter[str] = field(default_factory=Counter)

    def get(self, parameters: Mapping[str, Any], model_class: type[Model], known: KnownObject | None = None) -> Model:
        """Return the one object of ``model_class`` matching ``parameters``, from the cache when possible.

        Args:
            parameters: Django lookup parameters, for example ``{"name": "Site A"}``.
            model_class: The Django model to look in.
            known: Asked on a cache miss before the database; an object it returns is the answer.

        Returns:
            The matching object.

        Raises:
            ObjectDoesNotExist: No object matches (the model's own ``DoesNotExist``).
            MultipleObjectsReturned: More than one object matches (the model's own exception).
        """
        label = model_class._meta.label_lower
        key = freeze(parameters)
        cached = self.objects[label].get(key)
        if cached is not None:
            self.hits[label] += 1
            return cached
        instance = known(model_class, parameters) if known is not None else None
        if instance is not None:
            self.objects[label][key] = instance
            return instance
        self.misses[label] += 1
        instance = model_class.objects.get(**parameters)
        self.objects[label][key] = instance
        return instance

    def forget(self, instance: Model) -> None:
        """Drop every cache entry holding ``instance`` (for example after it was deleted).

        Args:
            instance: The object to forget.
        """
        entries = self.objects.get(instance._meta.label_lower, {})
        for key in [key for key, cached in entries.items() if cached is instance or cached.pk == instance.pk]:
            del entries[key]

    def clear(self, zero_out_hits: bool = True) -> None:
        """Forget every cached object.

        Args:
            zero_out_hits: Also reset the hit and miss counters.
        """
        self.objects.clear()
        if zero_out_hits:
            self.hits.clear()
            self.misses.clear()


@contextmanager
def heap_frozen() -> Iterator[None]:
    """Keep Python's cyclic garbage collector off the objects that exist when the block starts (``gc.freeze()``).

    Writing object by object leaves cyclic garbage (serializers, querysets) for the collector to free, so it keeps
    running; but each of its full collections would also walk every object loaded before (both adapters, the
    diff). Frozen, those are left out of its walks until the block ends. Garbage among them waits until then;
    reference counting still frees the rest.

    When objects are frozen already as the block starts (a worker that froze its startup heap, see
    ``nautobot_ssot.utils.heap``, or an enclosing block), the block changes nothing: Python can only unfreeze every
    frozen object at once, which would give the collector back what the worker left out of it for good.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector inside the block (reference counting still frees objects).

    Loading or writing thousands of objects allocates far more objects than it frees, which makes the collector
    run full collections over the whole growing heap again and again, for little garbage: a third of the load
    time at a few thousand objects. The collector is enabled again when the block ends, if it was on before.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
