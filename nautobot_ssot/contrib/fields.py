"""The field plan: each field of a NautobotModel classified once into a kind with its load and save sides.

``build_plan`` runs once per NautobotModel subclass. It looks at every name in ``_identifiers`` and
``_attributes``, classifies it (plain field, foreign key lookup, generic foreign key, to-many relation, custom
field, custom relationship, object metadata), groups the fields that go through the same relation, and lets
each kind check itself against the Django model. What it returns, a FieldPlan, is all that loading and
writing use: nothing is introspected per object.
"""

from __future__ import annotations

import types
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Union, get_args, get_origin

from django.contrib.contenttypes.fields import GenericForeignKey
from django.db.models import Model, QuerySet
from typing_extensions import is_typeddict

from nautobot_ssot.contrib.annotations import (
    FIELD_MARKERS,
    CustomFieldAnnotation,
    CustomRelationshipAnnotation,
    ObjectMetadataAnnotation,
)
from nautobot_ssot.contrib.errors import ModelDeclarationError
from nautobot_ssot.contrib.kinds import (
    AttributePathKind,
    CustomFieldKind,
    Declaration,
    FieldKind,
    ForeignKeyKind,
    GenericForeignKeyKind,
    Member,
    ObjectMetadataKind,
    PlainKind,
    RelationshipToManyKind,
    RelationshipToOneDictKind,
    RelationshipToOneKind,
    ToManyKind,
)
from nautobot_ssot.contrib.lookups import SEPARATOR, is_to_many, is_to_one, label, model_field

LIST_KINDS = (ToManyKind, RelationshipToManyKind)
"""Kinds whose value is a list of dictionaries, kept sorted."""


@dataclass(frozen=True)
class FieldPlan:
    """How every field of one NautobotModel class is loaded and saved.

    Attributes:
        owner: Name of the NautobotModel class.
        django_model: The Django model it maps onto.
        kinds: The kinds, in declaration order of their first field.
        identifiers: The names in ``_identifiers``.
    """

    owner: str
    django_model: type[Model]
    kinds: tuple[FieldKind, ...]
    identifiers: tuple[str, ...]

    @cached_property
    def list_names(self) -> tuple[str, ...]:
        """Fields holding lists of dictionaries (to-many relations and to-many custom relationships)."""
        return tuple(kind.names[0] for kind in self.kinds if isinstance(kind, LIST_KINDS))

    def prepare(self, queryset: QuerySet, adapter: Any) -> QuerySet:
        """Add every kind's joins and prefetches to ``queryset``."""
        for kind in self.kinds:
            queryset = kind.query(queryset, adapter)
        return queryset

    def load(self, obj: Model) -> dict[str, Any]:
        """Read every field from a database object loaded through ``prepare``."""
        values: dict[str, Any] = {}
        for kind in self.kinds:
            values.update(kind.load(obj))
        return values

    def write(self, obj: Model, values: Mapping[str, Any], adapter: Any, changed: Iterable[str] | None = None) -> Model:
        """Write ``values`` onto ``obj``, save it with ``validated_save()`` and return it.

        Args:
            obj: The database object (new or existing).
            values: Values of every field of the plan.
            adapter: The adapter writing (its ORM cache is used for related objects).
            changed: Only write the kinds covering these fields; None for all.
        """
        kinds = self.kinds if changed is None else [kind for kind in self.kinds if set(changed) & set(kind.names)]
        before = [kind for kind in kinds if not kind.after_save]
        for kind in before:
            kind.save(obj, values, adapter)
        if before or obj._state.adding:
            obj.validated_save()
        for kind in kinds:
            if kind.after_save:
                kind.save(obj, values, adapter)
        return obj

    def filter_parameters(self, identifiers: Mapping[str, Any], adapter: Any) -> dict[str, Any]:
        """Return the Django lookup parameters that find the object with these identifier values."""
        parameters: dict[str, Any] = {}
        for kind in self.kinds:
            present = {name: identifiers[name] for name in kind.names if name in identifiers}
            if present:
                parameters.update(kind.filter_parameters(present, adapter))
        return parameters


def check_declared_names(model_class: type) -> None:
    """Check that every name in ``_identifiers`` and ``_attributes`` is an annotated field of the class.

    Raises:
        ModelDeclarationError: A name is not a field.
    """
    for option in ("_identifiers", "_attributes"):
        for name in getattr(model_class, option):
            if name not in model_class.model_fields:
                raise ModelDeclarationError(
                    f"{model_class.__name__}.{name}: listed in {option} but not a field of the class "
                    f"(annotate it, as in '{name}: str')"
                )


def build_plan(model_class: type) -> FieldPlan:
    """Classify every field of a NautobotModel subclass and build its plan.

    Args:
        model_class: The NautobotModel subclass.

    Returns:
        The plan.

    Raises:
        ModelDeclarationError: A field cannot be mapped the way it is declared.
    """
    decl = Declaration(model_class.__name__, django_model_of(model_class))
    groups: dict[tuple[type[FieldKind], Hashable], list[Member]] = {}
    for name in (*model_class._identifiers, *model_class._attributes):
        member = member_of(decl, model_class, name)
        groups.setdefault(classify(decl, member), []).append(member)
    kinds = tuple(kind_type.build(decl, members) for (kind_type, _), members in groups.items())
    for kind in kinds:
        for name in set(model_class._identifiers).intersection(kind.names):
            if not kind.identifier:
                decl.fail(name, f"{type(kind).__name__} fields cannot be identifiers; move it to _attributes")
    return FieldPlan(decl.owner, decl.django_model, kinds, tuple(model_class._identifiers))


def django_model_of(model_class: type) -> type[Model]:
    """Return the class's ``_model``, checking that it is a Django model.

    Raises:
        ModelDeclarationError: ``_model`` is missing or not a Django model class.
    """
    django_model = getattr(model_class, "_model", None)
    if django_model is None:
        raise ModelDeclarationError(f"{model_class.__name__}._model: not set; set it to the Django model to map onto")
    if not (isinstance(django_model, type) and issubclass(django_model, Model)):
        raise ModelDeclarationError(f"{model_class.__name__}._model: {django_model!r} is not a Django model class")
    return django_model


def member_of(decl: Declaration, model_class: type, name: str) -> Member:
    """Describe one field: its marker annotation and whether it is typed as a list (of TypedDict)."""
    info = model_class.model_fields[name]
    markers = [item for item in info.metadata if isinstance(item, FIELD_MARKERS)]
    if len(markers) > 1:
        decl.fail(
            name, "has more than one of CustomFieldAnnotation, CustomRelationshipAnnotation, ObjectMetadataAnnotation"
        )
    marker = markers[0] if markers else None
    item = list_item(info.annotation)
    one = optional_inner(info.annotation)
    if item is None and isinstance(marker, CustomRelationshipAnnotation) and is_typeddict(one):
        return Member(name, marker, one, False)
    item_type = item if item is not None and is_typeddict(item) else None
    return Member(name, marker, item_type, item is not None)


def optional_inner(annotation: Any) -> Any:
    """Return ``X`` for ``Optional[X]``; the annotation itself for anything else."""
    if get_origin(annotation) in (Union, types.UnionType):
        others = [arg for arg in get_args(annotation) if arg is not type(None)]
        return others[0] if len(others) == 1 else annotation
    return annotation


def list_item(annotation: Any) -> Any:
    """Return ``X`` for ``list[X]``, ``List[X]`` or ``Optional[List[X]]``; None for anything else."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        others = [arg for arg in get_args(annotation) if arg is not type(None)]
        return list_item(others[0]) if len(others) == 1 else None
    if origin is list:
        args = get_args(annotation)
        return args[0] if args else Any
    return None


def classify(decl: Declaration, member: Member) -> tuple[type[FieldKind], Hashable]:
    """Return the kind of a field and the key of the group it joins (fields sharing a relation share a key).

    Raises:
        ModelDeclarationError: The field matches no kind.
    """
    if member.marker is not None:
        return classify_marked(decl, member)
    field = model_field(decl.django_model, member.head)
    if field is None:
        return classify_attribute(decl, member)
    if isinstance(field, GenericForeignKey):
        return classify_relation(decl, member, GenericForeignKeyKind, "as in '{name}__app_label'")
    if is_to_many(field):
        if SEPARATOR in member.name:
            decl.fail(
                member.name, f"'{member.head}' is a to-many relation: declare '{member.head}: List[SomeTypedDict]'"
            )
        return ToManyKind, member.name
    if is_to_one(field):
        if not field.concrete:
            decl.fail(member.name, f"'{member.head}' is a reverse one-to-one relation, which cannot be written")
        return classify_relation(decl, member, ForeignKeyKind, "as in '{name}__name'")
    if SEPARATOR in member.name:
        decl.fail(member.name, f"'{member.head}' of {label(decl.django_model)} is not a relation to look up through")
    return PlainKind, member.name


def classify_attribute(decl: Declaration, member: Member) -> tuple[type[FieldKind], Hashable]:
    """Classify a field whose name does not start with a Django field: an attribute (property) of the model.

    Raises:
        ModelDeclarationError: The model has no such attribute either.
    """
    if not hasattr(decl.django_model, member.head):
        decl.fail(member.name, f"'{member.head}' is not a field of {label(decl.django_model)}")
    return (AttributePathKind if SEPARATOR in member.name else PlainKind), member.name


def classify_relation(
    decl: Declaration, member: Member, kind: type[FieldKind], example: str
) -> tuple[type[FieldKind], Hashable]:
    """Group a relation field by the relation; refuse it without a lookup."""
    if SEPARATOR not in member.name:
        hint = example.format(name=member.name)
        decl.fail(member.name, f"'{member.name}' is a relation; name the related object through its fields, {hint}")
    return kind, member.head


def classify_marked(decl: Declaration, member: Member) -> tuple[type[FieldKind], Hashable]:
    """Classify a field carrying a CustomField/CustomRelationship/ObjectMetadata annotation."""
    marker = member.marker
    if isinstance(marker, CustomFieldAnnotation):
        return CustomFieldKind, member.name
    if isinstance(marker, ObjectMetadataAnnotation):
        return ObjectMetadataKind, member.name
    if isinstance(marker, CustomRelationshipAnnotation):
        if member.item_type is not None:
            return (RelationshipToManyKind if member.is_list else RelationshipToOneDictKind), member.name
        if SEPARATOR in member.name and not member.is_list:
            return RelationshipToOneKind, (member.head, marker)
    decl.fail(
        member.name,
        "a CustomRelationshipAnnotation field is either named '<prefix>__<lookup>' (one related object) "
        "or typed List[SomeTypedDict] (all related objects)",
    )


__all__ = ("FieldPlan", "build_plan", "check_declared_names")
