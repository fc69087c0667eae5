"""Kinds backed by the Django model's own fields: plain fields, foreign keys, generic foreign keys, to-many."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Model, Prefetch, QuerySet
from typing_extensions import Self

from nautobot_ssot.contrib.kinds.base import (
    Declaration,
    FieldKind,
    Member,
    ensure_not_list,
    item_keys,
    read_items,
)
from nautobot_ssot.contrib.lookups import SEPARATOR, Lookup, LookupProblem, joins_for, model_field, resolve

FieldLookups = tuple[tuple[str, Lookup], ...]
"""Pairs of (NautobotModel field name, lookup on the related object)."""


@dataclass(frozen=True)
class PlainKind(FieldKind):
    """A field (or other attribute, such as a property) of the Django model itself, read and set as is.

    Attributes:
        name: The field name, the same on both sides.
    """

    name: str

    @property
    def names(self) -> tuple[str, ...]:
        """The one field."""
        return (self.name,)

    @classmethod
    def build(cls, decl: Declaration, members: list[Member]) -> Self:
        """Build from the single member."""
        ensure_not_list(decl, members[0], "a plain field")
        return cls(members[0].name)

    def load(self, obj: Model) -> dict[str, Any]:
        """Read the attribute."""
        return {self.name: getattr(obj, self.name)}

    def save(self, obj: Model, values: Mapping[str, Any], adapter: Any) -> None:
        """Set the attribute."""
        setattr(obj, self.name, values[self.name])

    def filter_parameters(self, values: Mapping[str, Any], adapter: Any) -> dict[str, Any]:
        """Filter on the field."""
        return {self.name: values[self.name]}


def group_lookups(decl: Declaration, members: list[Member], model: type[Model] | None) -> FieldLookups:
    """Return each member's lookup (its name after the first ``__``), checked on ``model`` when it is known."""
    lookups = tuple((member.name, member.rest) for member in members)
    for member in members:
        ensure_not_list(decl, member, f"'{member.head}' is to-one, so '{member.name}'")
    if model is not None:
        for name, lookup in lookups:
            decl.joins(name, model, lookup)
    return lookups


@dataclass(frozen=True)
class ForeignKeyKind(FieldKind):
    """A foreign key (or one-to-one) named through lookups on the related object: ``tenant__group__name``.

    All fields starting with the same ``<relation>__`` together identify the related object. When all of them
    are None the foreign key is cleared.

    Attributes:
        relation: The foreign key field on the Django model.
        related_model: The model it points to.
        lookups: Each field with its lookup on the related object.
        joins: Relation paths to prefetch.
    """

    relation: str
    related_model: type[Model]
    lookups: FieldLookups
    joins: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The fields going through this foreign key."""
        return tuple(name for name, _ in self.lookups)

    @classmethod
    def build(cls, decl: Declaration, members: list[Member]) -> Self:
        """Check every lookup on the related model and collect the joins loading needs."""
        relation = members[0].head
        related_model = model_field(decl.django_model, relation).related_model
        lookups = group_lookups(decl, members, related_model)
        deeper = (joins_for(related_model, lookup) for _, lookup in lookups)
        joins = {relation, *(f"{relation}{SEPARATOR}{join}" for join in deeper if join)}
        return cls(relation, related_model, lookups, tuple(sorted(joins)))

    def query(self, queryset: QuerySet, adapter: Any) -> QuerySet:
        """Prefetch the related objects: one query per relation, one instance per related object.

        A join (``select_related``) would repeat every column of the related object in every row and build a
        copy of it per row; thousands of sites share a few regions, types, statuses and tenants.
        """
        return queryset.prefetch_related(*self.joins)

    def load(self, obj: Model) -> dict[str, Any]:
        """Read every lookup from the related object (None when there is none)."""
        target = getattr(obj, self.relation)
        return {name: lookup.read(target) for name, lookup in self.lookups}

    def save(self, obj: Model, values: Mapping[str, Any], adapter: Any) -> None:
        """Point the foreign key at the object the values name, or clear it when they are all None."""
        parameters = {lookup.path: values[name] for name, lookup in self.lookups}
        if all(value is None for value in parameters.values()):
            setattr(obj, self.relation, None)
            return
        setattr(obj, self.relation, resolve(adapter, ", ".join(self.names), parameters, self.related_model))

    def filter_parameters(self, values: Mapping[str, Any], adapter: Any) -> dict[str, Any]:
        """Filter through the relation: ``{"tenant__name": ...}``."""
        return {name: values[name] for name in self.names}


@dataclass(frozen=True)
class GenericForeignKeyKind(FieldKind):
    """A generic foreign key: ``<field>__app_label`` and ``<field>__model`` name the type, other lookups the object.

    Attributes:
        relation: The GenericForeignKey on the Django model.
        ct_field: Its content type foreign key.
        fk_field: Its object id field.
        type_names: The fields holding the app label and the model name.
        lookups: The other fields with their lookups on the target object.
    """

    relation: str
    ct_field: str
    fk_field: str
    type_names: tuple[str, str]
    lookups: FieldLookups

    @property
    def names(self) -> tuple[str, ...]:
        """The type fields and the lookup fields."""
        return (*self.type_names, *(name for name, _ in self.lookups))

    @classmethod
    def build(cls, decl: Declaration, members: list[Member]) -> Self:
        """Require the ``app_label`` and ``model`` fields; the other lookups are checked per target type."""
        relation = members[0].head
        gfk = model_field(decl.django_model, relation)
        by_lookup = {member.rest.path: member for member in members}
        for part in ("app_label", "model"):
            if part not in by_lookup:
                decl.fail(f"{relation}__{part}", f"generic foreign key '{relation}' needs this field declared")
        others = [member for member in members if member.rest.path not in ("app_label", "model")]
        type_names = (by_lookup["app_label"].name, by_lookup["model"].name)
        return cls(relation, gfk.ct_field, gfk.fk_field, type_names, group_lookups(decl, others, None))

    def query(self, queryset: QuerySet, adapter: Any) -> QuerySet:
        """Prefetch the targets: one query per target type, with joins for deeper lookups."""
        deep = [lookup for _, lookup in self.lookups if len(lookup.segments) > 1]
        if not deep:
            return queryset.select_related(self.ct_field).prefetch_related(self.relation)
        type_ids = queryset.order_by().values_list(self.ct_field, flat=True).distinct()
        querysets = [self._target_queryset(type_id, deep) for type_id in type_ids if type_id]
        return queryset.select_related(self.ct_field).prefetch_related(GenericPrefetch(self.relation, querysets))

    @staticmethod
    def _target_queryset(type_id: Any, lookups: list[Lookup]) -> QuerySet:
        """Return the queryset of one target type, joining what the lookups that exist on it need."""
        model = ContentType.objects.get_for_id(type_id).model_class()
        joins = set()
        for lookup in lookups:
            try:
                joins.add(joins_for(model, lookup))
            except LookupProblem:
                continue
        return model.objects.select_related(*(join for join in joins if join))

    def load(self, obj: Model) -> dict[str, Any]:
        """Read the target's type and lookups (all None when there is no target)."""
        target = getattr(obj, self.relation)
        if target is None:
            return dict.fromkeys(self.names)
        content_type = getattr(obj, self.ct_field)
        values = {self.type_names[0]: content_type.app_label, self.type_names[1]: content_type.model}
        values.update((name, lookup.read(target)) for name, lookup in self.lookups)
        return values

    def save(self, obj: Model, values: Mapping[str, Any], adapter: Any) -> None:
        """Point the generic foreign key at the object the values name, or clear it."""
        target = self._target(values, adapter)
        if target is None:
            setattr(obj, self.ct_field, None)
            setattr(obj, self.fk_field, None)
            return
        setattr(obj, self.relation, target)

    def filter_parameters(self, values: Mapping[str, Any], adapter: Any) -> dict[str, Any]:
        """Filter on the content type and id of the object the values name."""
        target = self._target(values, adapter)
        if target is None:
            return {f"{self.ct_field}__isnull": True}
        return {self.ct_field: ContentType.objects.get_for_model(target), self.fk_field: target.pk}

    def _target(self, values: Mapping[str, Any], adapter: Any) -> Model | None:
        """Find the object named by the values, or None when they are all None."""
        if all(values[name] is None for name in self.names):
            return None
        type_parameters = {"app_label": values[self.type_names[0]], "model": values[self.type_names[1]]}
        content_type = resolve(adapter, ", ".join(self.type_names), type_parameters, ContentType)
        parameters = {lookup.path: values[name] for name, lookup in self.lookups}
        fields = ", ".join(name for name, _ in self.lookups)
        return resolve(adapter, fields, parameters, content_type.model_class())


@dataclass(frozen=True)
class ToManyKind(FieldKind):
    """A many-to-many or reverse foreign key relation typed ``List[SomeTypedDict]``, written as a set.

    Attributes:
        name: The relation on the Django model.
        related_model: The model at its other end.
        keys: The TypedDict keys with their lookups on the related objects.
        joins: Relation paths the keys need, prefetched after the relation.
    """

    name: str
    related_model: type[Model]
    keys: FieldLookups
    joins: tuple[str, ...]

    after_save = True
    identifier = False

    @property
    def names(self) -> tuple[str, ...]:
        """The one field."""
        return (self.name,)

    @classmethod
    def build(cls, decl: Declaration, members: list[Member]) -> Self:
        """Require a ``List[TypedDict]`` annotation whose keys exist on the related model."""
        member = members[0]
        if member.item_type is None:
            decl.fail(member.name, "a to-many relation must be typed List[SomeTypedDict]")
        related_model = model_field(decl.django_model, member.name).related_model
        keys = item_keys(decl, member, related_model)
        joins = {joins_for(related_model, lookup) for _, lookup in keys}
        return cls(member.name, related_model, keys, tuple(sorted(join for join in joins if join)))

    @property
    def prefetched(self) -> str:
        """The attribute the loading queryset prefetches the related objects into (a list)."""
        return f"_ssot_prefetched_{self.name}"

    def query(self, queryset: QuerySet, adapter: Any) -> QuerySet:
        """Prefetch the related objects into a list, and what their keys go through.

        A list attribute (``to_attr``) costs nothing per object, where prefetching into the relation's manager
        builds a filtered queryset for every object, which takes longer than the query itself.
        """
        lookups = (f"{self.prefetched}{SEPARATOR}{join}" for join in self.joins)
        return queryset.prefetch_related(Prefetch(self.name, to_attr=self.prefetched), *lookups)

    def load(self, obj: Model) -> dict[str, Any]:
        """Read the related objects (prefetched, or else through the relation) as sorted dictionaries."""
        related = obj.__dict__.get(self.prefetched)
        if related is None:
            related = getattr(obj, self.name).all()
        return {self.name: read_items(related, self.keys)}

    def save(self, obj: Model, values: Mapping[str, Any], adapter: Any) -> None:
        """Make the relation hold exactly the objects named by the dictionaries."""
        related = [resolve(adapter, self.name, item, self.related_model) for item in values[self.name] or ()]
        getattr(obj, self.name).set(related)


@dataclass(frozen=True)
class CustomFieldKind(FieldKind):
    """A field stored in a Nautobot custom field (``Annotated[..., CustomFieldAnnotation(key=...)]``).

    Attributes:
        name: The field name.
        key: The custom field's key.
    """

    name: str
    key: str

    @property
    def names(self) -> tuple[str, ...]:
        """The one field."""
        return (self.name,)

    @classmethod
    def build(cls, decl: Declaration, members: list[Member]) -> Self:
        """Require a Django model that has custom fields."""
        member = members[0]
        ensure_not_list(decl, member, "a custom field")
        if model_field(decl.django_model, "_custom_field_data") is None:
            decl.fail(member.name, f"{decl.django_model.__name__} has no custom fields")
        return cls(member.name, member.marker.key)

    def load(self, obj: Model) -> dict[str, Any]:
        """Read the custom field; when the object has no value for it, the field keeps its default."""
        data = obj.cf
        return {self.name: data[self.key]} if self.key in data else {}

    def save(self, obj: Model, values: Mapping[str, Any], adapter: Any) -> None:
        """Set the custom field (validated with the object)."""
        obj.cf[self.key] = values[self.name]

    def filter_parameters(self, values: Mapping[str, Any], adapter: Any) -> dict[str, Any]:
        """Filter on the custom field's value."""
        return {f"_custom_field_data__{self.key}": values[self.name]}
