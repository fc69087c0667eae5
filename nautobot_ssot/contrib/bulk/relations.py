"""Many-to-many relations (tags included) written in bulk: one read, one delete and one insert per batch."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet
from nautobot.extras.utils import get_change_logged_m2m_through_side_field_names
from taggit.managers import TaggableManager

from nautobot_ssot.contrib.bulk import internals
from nautobot_ssot.contrib.bulk.support import runs_delete_receivers


@dataclass(frozen=True)
class ThroughTable:
    """The through table of one forward many-to-many field, seen as (owner pk, related pk) rows.

    Attributes:
        through: The through model.
        owner_filter: Field names that select the rows of one owner model (generic through tables need the
            content type too).
        owner_column: The through field holding the owner's primary key.
        related_column: The through field holding the related object's primary key.
        related_model: The model at the other end.
        fixed: Values every row of this owner model has (the content type of a generic through table).
    """

    through: type[Model]
    owner_column: str
    related_column: str
    related_model: type[Model]
    fixed: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, model: type[Model], name: str) -> ThroughTable:
        """Describe the through table of ``model.<name>``."""
        field = model._meta.get_field(name)
        if isinstance(field, TaggableManager):
            content_type = ContentType.objects.get_for_model(model)
            return cls(
                field.through, "object_id", "tag_id", field.related_model, (("content_type_id", content_type.pk),)
            )
        through = field.remote_field.through
        return cls(through, f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id", field.related_model)

    @property
    def logs_sides(self) -> bool:
        """Whether Nautobot records a change of both objects a row of this table associates, when it changes."""
        return self.through in get_change_logged_m2m_through_side_field_names()

    def existing(self, owners: Iterable[Any]) -> dict[Any, set[Any]]:
        """Return the related primary keys of each owner (one query)."""
        rows = self.through._base_manager.filter(**dict(self.fixed), **{f"{self.owner_column}__in": list(owners)})
        current: dict[Any, set[Any]] = {}
        for owner, related in rows.values_list(self.owner_column, self.related_column).iterator(chunk_size=5000):
            current.setdefault(owner, set()).add(related)
        return current

    def write(self, wanted: Mapping[Any, Collection[Any]], known_empty: bool = False) -> set[Any]:
        """Make each owner related to exactly its wanted primary keys; return the related keys of changed rows.

        Args:
            wanted: Related primary keys per owner primary key.
            known_empty: The owners are new, so there is nothing to read or delete.
        """
        current = {} if known_empty else self.existing(wanted)
        wanted = {owner: set(related) for owner, related in wanted.items()}
        stale, changed = Q(), set()
        for owner, related in wanted.items():
            for gone in current.get(owner, set()) - related:
                stale |= Q(**{self.owner_column: owner, self.related_column: gone})
                changed.add(gone)
        if stale:
            self._delete(self.through._base_manager.filter(stale, **dict(self.fixed)))
        rows = [
            self.through(**dict(self.fixed), **{self.owner_column: owner, self.related_column: pk})
            for owner, related in wanted.items()
            for pk in related - current.get(owner, set())
        ]
        self.through._base_manager.bulk_create(rows, batch_size=1000)
        return changed | {getattr(row, self.related_column) for row in rows}

    def _delete(self, rows: QuerySet) -> None:
        """Delete stale rows with one statement, or as Django's ``remove()`` does where receivers watch the table.

        The receivers of an interface's IP address assignments clear the host's primary address when it loses it.
        """
        if not runs_delete_receivers(self.through):
            internals.raw_delete(rows)
        else:
            rows.delete()


def logged_sides(through: type[Model]) -> list[tuple[str, type[Model]]]:
    """Return the columns, with their models, of a through model's objects whose change Nautobot records.

    Nautobot records them when a row is created or deleted directly (an IP address assignment's interface and
    address).
    """
    names = get_change_logged_m2m_through_side_field_names().get(through, ())
    return [(through._meta.get_field(name).attname, through._meta.get_field(name).related_model) for name in names]
