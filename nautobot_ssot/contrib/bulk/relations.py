"""Many-to-many relations (tags included) written in bulk: one read, one delete and one insert per batch."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q
from taggit.managers import TaggableManager

from nautobot_ssot.contrib.bulk import internals


@dataclass(frozen=True)
class ThroughTable:
    """The through table of one forward many-to-many field, seen as (owner pk, related pk) rows.

    Attributes:
        through: The through model.
        owner_filter: Field names that select the rows of one owner model (generic through tables need the
            content type too).
        owner_column: The through field holding the owner's primary key.
        related_column: The through field holding the related object's primary key.
        fixed: Values every row of this owner model has (the content type of a generic through table).
    """

    through: type[Model]
    owner_column: str
    related_column: str
    fixed: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, model: type[Model], name: str) -> ThroughTable:
        """Describe the through table of ``model.<name>``."""
        field = model._meta.get_field(name)
        if isinstance(field, TaggableManager):
            content_type = ContentType.objects.get_for_model(model)
            return cls(field.through, "object_id", "tag_id", (("content_type_id", content_type.pk),))
        return cls(field.remote_field.through, f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id")

    def existing(self, owners: Iterable[Any]) -> dict[Any, set[Any]]:
        """Return the related primary keys of each owner (one query)."""
        rows = self.through._base_manager.filter(**dict(self.fixed), **{f"{self.owner_column}__in": list(owners)})
        current: dict[Any, set[Any]] = {}
        for owner, related in rows.values_list(self.owner_column, self.related_column).iterator(chunk_size=5000):
            current.setdefault(owner, set()).add(related)
        return current

    def write(self, wanted: Mapping[Any, Collection[Any]], known_empty: bool = False) -> bool:
        """Make each owner related to exactly its wanted primary keys; return whether any row changed.

        Args:
            wanted: Related primary keys per owner primary key.
            known_empty: The owners are new, so there is nothing to read or delete.
        """
        current = {} if known_empty else self.existing(wanted)
        wanted = {owner: set(related) for owner, related in wanted.items()}
        stale = Q()
        for owner, related in wanted.items():
            for gone in current.get(owner, set()) - related:
                stale |= Q(**{self.owner_column: owner, self.related_column: gone})
        if stale:
            internals.raw_delete(self.through._base_manager.filter(stale, **dict(self.fixed)))
        rows = [
            self.through(**dict(self.fixed), **{self.owner_column: owner, self.related_column: pk})
            for owner, related in wanted.items()
            for pk in related - current.get(owner, set())
        ]
        self.through._base_manager.bulk_create(rows, batch_size=1000)
        return bool(stale) or bool(rows)
