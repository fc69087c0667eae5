"""Kinds for declarations nautobot-ssot 4.x accepts that the other kinds do not cover.

- ``AttributePathKind``: ``termination_a__name`` where ``termination_a`` is an attribute of the model but not a
  Django field (a property, such as the compatibility attributes Nautobot keeps on ``Cable``). It is read
  through the attributes; it cannot be written or used to find an object, as in 4.x.
- ``RelationshipToOneDictKind``: the one object related through a custom relationship, as one dictionary
  (``parent: Annotated[Optional[ParentDict], CustomRelationshipAnnotation(...)]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from nautobot.extras.models import Relationship
from typing_extensions import Self

from nautobot_ssot.contrib.kinds.base import Declaration, FieldKind, Member, ensure_not_list, read_items
from nautobot_ssot.contrib.kinds.relationships import MANY_PEERS, RelationshipKind, RelationshipToManyKind
from nautobot_ssot.contrib.lookups import Lookup, label


@dataclass(frozen=True)
class AttributePathKind(FieldKind):
    """A field read through a model attribute that is not a Django field: ``termination_a__name``.

    Attributes:
        name: The field name.
        lookup: The path read from the object.
        model_label: Label of the Django model, for messages.
    """

    name: str
    lookup: Lookup
    model_label: str

    @property
    def names(self) -> tuple[str, ...]:
        """The one field."""
        return (self.name,)

    @classmethod
    def build(cls, decl: Declaration, members: list[Member]) -> Self:
        """Build from the single member."""
        member = members[0]
        ensure_not_list(decl, member, f"'{member.head}' is not a relation, so '{member.name}'")
        return cls(member.name, Lookup.parse(member.name), label(decl.django_model))

    def load(self, obj: Model) -> dict[str, Any]:
        """Follow the attributes (None when one along the way is None)."""
        return {self.name: self.lookup.read(obj)}

    def refusal(self) -> ValueError:
        """The error of a write or a lookup through this field."""
        head = self.lookup.segments[0]
        return ValueError(
            f"'{self.name}' is read through '{head}', an attribute of {self.model_label} that is not a database "
            "field, so it can be loaded but not written or used to find an object"
        )

    def save(self, obj: Model, values: Mapping[str, Any], adapter: Any) -> None:
        """Refuse: the attribute is not a database field.

        Raises:
            ValueError: Always (it becomes diffsync's ObjectNotCreated/Updated for this object).
        """
        raise self.refusal()

    def filter_parameters(self, values: Mapping[str, Any], adapter: Any) -> dict[str, Any]:
        """Refuse: the attribute cannot be filtered on.

        Raises:
            ValueError: Always.
        """
        raise self.refusal()


@dataclass(frozen=True)
class RelationshipToOneDictKind(RelationshipToManyKind):
    """The one object related through a custom relationship, typed ``Optional[SomeTypedDict]``.

    Loaded as one dictionary (None when there is no related object), written as a relation to that one object.
    """

    def check_cardinality(self, relationship: Relationship) -> None:
        """Refuse a side that can have several related objects."""
        RelationshipKind.check_cardinality(self, relationship)
        if relationship.type in MANY_PEERS[self.annotation.side]:
            raise self.fail(f"is {relationship.type}: its {self.side} side has many peers; use List[TypedDict]")

    def load(self, obj: Model) -> dict[str, Any]:
        """Read the related object as a dictionary, or None."""
        items = read_items(self.peers(obj), self.keys)
        return {self.name: items[0] if items else None}

    def save(self, obj: Model, values: Mapping[str, Any], adapter: Any) -> None:
        """Relate ``obj`` to the object the dictionary names, or to nothing when it is None."""
        value = values[self.name]
        super().save(obj, {self.name: [value] if value else []}, adapter)


__all__ = ("AttributePathKind", "RelationshipToOneDictKind")
