"""``ORMCache``: the per-run ORM cache with the interface nautobot-ssot 4.x integrations use.

It is a view on contrib's ``OrmCache``: ``NautobotAdapter.cache`` and ``NautobotAdapter.orm_cache`` share
the same cached objects and counters.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, Optional

from django.db.models import Model

from nautobot_ssot.contrib.cache import OrmCache

ParameterSet = frozenset[tuple[str, Hashable]]
"""Lookup parameters as a cache key, such as ``frozenset({("name", "ABC Inc.")})``."""


@dataclass
class ORMCache:
    """ORM objects looked up by model and parameters, kept for one run.

    Attributes:
        store: The cache holding the objects and the hit counters.
    """

    store: OrmCache = field(default_factory=OrmCache, repr=False)

    @property
    def cache(self) -> dict[str, dict[Hashable, Model]]:
        """Cached objects per model label (``app_label.model``) and parameters."""
        return self.store.objects

    @property
    def cache_hits(self) -> dict[str, int]:
        """Number of lookups answered from the cache, per model label."""
        return self.store.hits

    def invalidate_cache(self, zero_out_hits: bool = True) -> None:
        """Forget every cached object (and the hit counters, unless ``zero_out_hits`` is False)."""
        self.store.clear(zero_out_hits)

    def hits(self, cache_key: str) -> Optional[int]:
        """Cache hits for a model label (``app_label.model``); None when it was never looked up."""
        if cache_key not in self.store.hits and cache_key not in self.store.misses:
            return None
        return self.store.hits[cache_key]

    def get_from_orm(self, model_class: type[Model], parameters: dict[str, Any]) -> Model:
        """Return the one ``model_class`` object matching ``parameters``, from the cache when possible.

        Raises:
            ObjectDoesNotExist: No object matches (the model's own ``DoesNotExist``).
            MultipleObjectsReturned: More than one object matches.
        """
        return self.store.get(parameters, model_class)


__all__ = ("ORMCache", "ParameterSet")
