"""Kinds backed by Nautobot custom relationships: one related object (to-one) or a list of them (to-many)."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Model, Prefetch, QuerySet
from nautobot.apps.choices import RelationshipTypeChoices
from nautobot.extras.models import Relationship, RelationshipAssociation
from typing_extensions import Self

from nautobot_ssot.contrib.annotations import CustomRelationshipAnnotation, RelationshipSideEnum
from nautobot_ssot.contrib.errors import ModelDeclarationError
from nautobot_ssot.contrib.kinds.base import (
    Declaration,
    FieldKind,
    Member,
    attribute_name,
    read_items,
    typeddict_keys,
)
from nautobot_ssot.contrib.kinds.model_fields import FieldLookups, group_lookups
from nautobot_ssot.contrib.lookups import Lookup, LookupProblem, joins_for, label, resolve

MANY_PEERS = {
    RelationshipSideEnum.SOURCE: {RelationshipTypeChoices.TYPE_ONE_TO_MANY, RelationshipTypeChoices.TYPE_MANY_TO_MANY},
    RelationshipSideEnum.DESTINATION: {RelationshipTypeChoices.TYPE_MANY_TO_MANY},
}
"""Relationship types in which an object on the given side may have more than one peer."""


@dataclass(frozen=True)
class RelationshipKind(FieldKind):
    """What both custom relationship kinds share: finding the Relationship, loading peers, writing associations.

    The Relationship lives in the database, so the type of the related objects (and whether the lookups exist
    on it) is known only when loading or writing; mismatches are then reported as ModelDeclarationError.

    Attributes:
        owner: Name of the NautobotModel class, for messages.
        annotation: The field's CustomRelationshipAnnotation.
    """

    owner: str
    annotation: CustomRelationshipAnnotation

    after_save = True
    identifier = False

    @property
    @abstractmethod
    def peer_lookups(self) -> FieldLookups:
        """The lookups read from each related object."""

    @property
    def to_attr(self) -> str:
        """Attribute holding the prefetched associations on loaded objects."""
        return attribute_name("relationship", self.names[0])

    @property
    def side(self) -> str:
        """``source`` or ``destination``: where the owner's objects are."""
        return self.annotation.side.attribute

    @property
    def peer_side(self) -> str:
        """The other side, where the related objects are."""
        return self.annotation.side.peer.attribute

    def fail(self, reason: str) -> ModelDeclarationError:
        """Return a ModelDeclarationError naming the class, the field(s) and the relationship."""
        return ModelDeclarationError(
            f"{self.owner}.{', '.join(self.names)}: relationship '{self.annotation.name}' {reason}"
        )

    def check_cardinality(self, relationship: Relationship) -> None:
        """Refuse mappings the relationship's type cannot hold; to-one kinds override this."""
        if relationship.symmetric:
            raise self.fail("is symmetric, which is not supported")

    def relationship(self, adapter: Any, model: type[Model]) -> Relationship:
        """Return the Relationship (through the ORM cache), checking that ``model`` is on the annotated side."""
        relationship = resolve(adapter, ", ".join(self.names), {"label": self.annotation.name}, Relationship)
        own_type = ContentType.objects.get_for_id(getattr(relationship, f"{self.side}_type_id"))
        if own_type.model_class() is not model._meta.concrete_model:
            raise self.fail(f"has {own_type.app_label}.{own_type.model} on its {self.side} side, not {label(model)}")
        self.check_cardinality(relationship)
        return relationship

    def peer_model(self, relationship: Relationship) -> type[Model]:
        """Return the model of the related objects, checking the lookups exist on it."""
        model = ContentType.objects.get_for_id(getattr(relationship, f"{self.peer_side}_type_id")).model_class()
        for _, lookup in self.peer_lookups:
            try:
                joins_for(model, lookup)
            except LookupProblem as problem:
                raise self.fail(f"relates to {label(model)}, where '{lookup.path}' does not exist: {problem}") from None
        return model

    def query(self, queryset: QuerySet, adapter: Any) -> QuerySet:
        """Prefetch the associations of this relationship and the related objects behind them."""
        relationship = self.relationship(adapter, queryset.model)
        model = self.peer_model(relationship)
        joins = {joins_for(model, lookup) for _, lookup in self.peer_lookups}
        peers = GenericPrefetch(self.peer_side, [model.objects.select_related(*(join for join in joins if join))])
        associations = RelationshipAssociation.objects.filter(relationship=relationship).prefetch_related(peers)
        return queryset.prefetch_related(
            Prefetch(f"{self.side}_for_associations", queryset=associations, to_attr=self.to_attr)
        )

    def peers(self, obj: Model) -> list[Model]:
        """Return the related objects of a loaded object."""
        related = (getattr(association, self.peer_side) for association in getattr(obj, self.to_attr))
        return [peer for peer in related if peer is not None]

    def write_peers(self, obj: Model, peers: list[Model], relationship: Relationship) -> None:
        """Make ``obj`` related to exactly ``peers``: delete other associations, create missing ones."""
        existing = RelationshipAssociation.objects.filter(relationship=relationship, **{f"{self.side}_id": obj.pk})
        wanted = {peer.pk for peer in peers}
        present = set()
        for association in existing:
            peer_id = getattr(association, f"{self.peer_side}_id")
            if peer_id in wanted:
                present.add(peer_id)
            else:
                association.delete()
        for peer in peers:
            if peer.pk not in present:
                self.associate(relationship, obj, peer)
                present.add(peer.pk)

    def associate(self, relationship: Relationship, obj: Model, peer: Model) -> None:
        """Create (validated) the association between ``obj`` and ``peer``."""
        ends = {
            f"{self.side}_type_id": getattr(relationship, f"{self.side}_type_id"),
            f"{self.side}_id": obj.pk,
            f"{self.peer_side}_type_id": getattr(relationship, f"{self.peer_side}_type_id"),
            f"{self.peer_side}_id": peer.pk,
        }
        RelationshipAssociation(relationship=relationship, **ends).validated_save()


@dataclass(frozen=True)
class RelationshipToOneKind(RelationshipKind):
    """The one object related through a custom relationship, named by ``<prefix>__<lookup>`` fields.

    Attributes:
        lookups: Each field with its lookup on the related object.
    """

    lookups: FieldLookups

    @property
    def names(self) -> tuple[str, ...]:
        """The fields naming the related object."""
        return tuple(name for name, _ in self.lookups)

    @property
    def peer_lookups(self) -> FieldLookups:
        """The fields' lookups."""
        return self.lookups

    @classmethod
    def build(cls, decl: Declaration, members: list[Member]) -> Self:
        """Group the fields with the same prefix and annotation."""
        return cls(decl.owner, members[0].marker, group_lookups(decl, members, None))

    def check_cardinality(self, relationship: Relationship) -> None:
        """Refuse a side that can have several related objects."""
        super().check_cardinality(relationship)
        if relationship.type in MANY_PEERS[self.annotation.side]:
            raise self.fail(f"is {relationship.type}: its {self.side} side has many peers; use List[TypedDict]")

    def load(self, obj: Model) -> dict[str, Any]:
        """Read the lookups from the related object (None when there is none)."""
        peers = self.peers(obj)
        target = peers[0] if peers else None
        return {name: lookup.read(target) for name, lookup in self.lookups}

    def save(self, obj: Model, values: Mapping[str, Any], adapter: Any) -> None:
        """Relate ``obj`` to the object the values name, or to nothing when they are all None."""
        relationship = self.relationship(adapter, type(obj))
        parameters = {lookup.path: values[name] for name, lookup in self.lookups}
        peers = []
        if any(value is not None for value in parameters.values()):
            peers = [resolve(adapter, ", ".join(self.names), parameters, self.peer_model(relationship))]
        self.write_peers(obj, peers, relationship)


@dataclass(frozen=True)
class RelationshipToManyKind(RelationshipKind):
    """All objects related through a custom relationship, typed ``List[SomeTypedDict]``, written as a set.

    Attributes:
        name: The field name.
        keys: The TypedDict keys with their lookups on the related objects.
    """

    name: str
    keys: FieldLookups

    @property
    def names(self) -> tuple[str, ...]:
        """The one field."""
        return (self.name,)

    @property
    def peer_lookups(self) -> FieldLookups:
        """The TypedDict keys."""
        return self.keys

    @classmethod
    def build(cls, decl: Declaration, members: list[Member]) -> Self:
        """Take the keys of the field's TypedDict."""
        member = members[0]
        keys = tuple((key, Lookup.parse(key)) for key in typeddict_keys(member.item_type))
        if not keys:
            decl.fail(member.name, f"TypedDict {member.item_type.__name__} has no keys")
        return cls(decl.owner, member.marker, member.name, keys)

    def load(self, obj: Model) -> dict[str, Any]:
        """Read the related objects as sorted dictionaries."""
        return {self.name: read_items(self.peers(obj), self.keys)}

    def save(self, obj: Model, values: Mapping[str, Any], adapter: Any) -> None:
        """Relate ``obj`` to exactly the objects named by the dictionaries."""
        relationship = self.relationship(adapter, type(obj))
        model = self.peer_model(relationship)
        self.write_peers(
            obj, [resolve(adapter, self.name, item, model) for item in values[self.name] or ()], relationship
        )
