"""The cached hierarchy of tree models (Location, TenantGroup, ...) after each batch the bulk path writes.

A tree model's ``save()`` and ``delete()``, and Nautobot's signal receivers, drop two kinds of cached data per
object: the cached descendants of every object (``cacheable_descendants_pks``) and the maximum depth of the tree
(``TreeManager.max_depth``), which the natural key of a tree object depends on. ``TreeCaches`` drops them after
each batch instead, before its change records are serialized.

Nautobot's own receiver keeps the maximum depth when the saved object has siblings, as the tree cannot have
become deeper. ``TreeCaches`` keeps it when no object of a batch of creates is deeper than the cached depth: the
depth of each object created in the flush is known from its parent's (a root is at depth 0), so only a batch
holding an object deeper than the cached maximum, or under a parent the flush did not create, drops it (and
the next read counts it again with one query). Updates and deletes always drop it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Model
from nautobot.core.models.tree_queries import TreeModel
from nautobot.core.signals import invalidate_max_depth_cache

from nautobot_ssot.contrib.bulk import internals


@dataclass
class TreeCaches:
    """Drops the cached hierarchy of tree models after each batch of one flush.

    Attributes:
        depths: Depth in its tree of each object created in the flush, per primary key.
    """

    depths: dict[Any, int] = field(default_factory=dict)

    def created(self, model: type[Model], objects: Iterable[Model]) -> None:
        """After a batch of new objects: drop cached descendants, and the maximum depth if it may have grown."""
        if not issubclass(model, TreeModel):
            return
        drop_descendants(model)
        deepest = self._record_depths(objects)
        cached = cache.get(model.objects.max_depth_cache_key)
        if cached is not None and (deepest is None or deepest > cached):
            invalidate_max_depth_cache(sender=model)

    @staticmethod
    def changed(model: type[Model]) -> None:
        """After a batch of updated or deleted objects: drop cached descendants and the maximum depth."""
        if not issubclass(model, TreeModel):
            return
        drop_descendants(model)
        invalidate_max_depth_cache(sender=model)

    def _record_depths(self, objects: Iterable[Model]) -> int | None:
        """Record the depth of each new object; return the greatest (None when one's parent is not known).

        The objects come in the order they were accepted, so a parent created in the same batch comes first.
        """
        deepest: int | None = 0
        for obj in objects:
            parent_id = obj.parent_id
            if parent_id is None:
                depth = 0
            elif parent_id in self.depths:
                depth = self.depths[parent_id] + 1
            else:
                deepest = None
                continue
            self.depths[obj.pk] = depth
            if deepest is not None:
                deepest = max(deepest, depth)
        return deepest


SCAN_BATCH = 1000
"""Keys Redis examines per round trip while looking for the keys to drop (its default is 10)."""


def drop_descendants(model: type[Model]) -> None:
    """Delete every cached descendants list of ``model``.

    Finding them means scanning the whole key space of the cache, which with Redis's default of 10 keys per
    round trip costs one round trip per 10 keys the cache holds, whatever they are.
    """
    cache.delete_pattern(internals.descendants_key_pattern(model), itersize=SCAN_BATCH)
