"""Lookups: ``a__b__c`` paths read from ORM objects, checked against Django models and resolved to objects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable

from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db.models import Field, Model

from nautobot_ssot.contrib.errors import RelatedObjectLookupError

SEPARATOR = "__"

OrmGetter = Callable[[Mapping[str, Any], type[Model]], Model]


class LookupProblem(ValueError):
    """A lookup cannot be read from a Django model; the message says which part and why."""


@dataclass(frozen=True)
class Lookup:
    """A ``a__b__c`` path, read from an object one attribute after the other.

    Attributes:
        segments: The attribute names along the path.
    """

    segments: tuple[str, ...]

    @classmethod
    def parse(cls, path: str) -> Lookup:
        """Split a ``a__b__c`` path into a Lookup."""
        return cls(tuple(path.split(SEPARATOR)))

    @property
    def path(self) -> str:
        """The lookup as a Django lookup string."""
        return SEPARATOR.join(self.segments)

    def read(self, obj: Any) -> Any:
        """Follow the path from ``obj``; a missing related object anywhere along it reads as None."""
        for segment in self.segments:
            if obj is None:
                return None
            obj = getattr(obj, segment)
        return obj


def label(model: type[Model]) -> str:
    """Return ``app_label.ModelName`` for messages."""
    return f"{model._meta.app_label}.{model.__name__}"


def model_field(model: type[Model], name: str) -> Field | GenericForeignKey | None:
    """Return the field (forward or reverse) of ``model`` called ``name``, or None."""
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def is_to_one(field: Any) -> bool:
    """Whether ``field`` leads to at most one object of a known model (a foreign key or one-to-one)."""
    return bool(
        getattr(field, "is_relation", False)
        and (field.many_to_one or field.one_to_one)
        and not isinstance(field, GenericForeignKey)
    )


def is_to_many(field: Any) -> bool:
    """Whether ``field`` leads to any number of objects (many-to-many, reverse foreign key, generic relation)."""
    return bool(getattr(field, "is_relation", False) and (field.many_to_many or field.one_to_many))


def joins_for(model: type[Model], lookup: Lookup) -> str | None:
    """Check that ``lookup`` can be read from ``model`` and return the relations ``select_related`` can join.

    Every segment but the last must be a foreign key or one-to-one relation; the last must be a field that is
    not a relation, or another attribute of the model (a property such as ``IPAddress.address``).

    Args:
        model: The Django model the lookup starts from.
        lookup: The lookup to check.

    Returns:
        The relation path to join (``"parent__location_type"``), or None when the lookup is a direct field.

    Raises:
        LookupProblem: The lookup cannot be read from ``model``.
    """
    current = model
    for segment in lookup.segments[:-1]:
        field = model_field(current, segment)
        if field is None:
            raise LookupProblem(f"'{segment}' is not a field of {label(current)}")
        if not is_to_one(field):
            raise LookupProblem(f"'{segment}' of {label(current)} is not a foreign key or one-to-one relation")
        current = field.related_model
    check_attribute(current, lookup.segments[-1])
    return SEPARATOR.join(lookup.segments[:-1]) or None


def check_attribute(model: type[Model], name: str) -> None:
    """Check that ``name`` is a non-relation field, or another attribute, of ``model``.

    Raises:
        LookupProblem: It is neither, or it is a relation (which would read as an object, not a value).
    """
    field = model_field(model, name)
    if field is None:
        if name == "pk" or hasattr(model, name):
            return
        raise LookupProblem(f"'{name}' is not a field of {label(model)}")
    if field.is_relation:
        raise LookupProblem(f"'{name}' of {label(model)} is a relation; name one of its fields, as in '{name}__name'")


def orm_getter(adapter: Any) -> OrmGetter:
    """Return the adapter's ``get_from_orm_cache``, or a plain ``Model.objects.get`` for other adapters."""
    getter = getattr(adapter, "get_from_orm_cache", None)
    if getter is not None:
        return getter
    return lambda parameters, model_class: model_class.objects.get(**parameters)


def resolve(adapter: Any, fields: str, parameters: Mapping[str, Any], model_class: type[Model]) -> Model:
    """Find the one ``model_class`` object matching ``parameters``, through the adapter's ORM cache.

    Args:
        adapter: The adapter doing the write (its ``get_from_orm_cache`` is used when it has one).
        fields: The field(s) whose values these are, for the error message.
        parameters: Django lookup parameters.
        model_class: The Django model to look in.

    Returns:
        The matching object.

    Raises:
        RelatedObjectLookupError: No object, or more than one, matches (or the lookup does not exist on
            ``model_class``, which only happens for generic foreign keys, whose target type varies).
    """
    try:
        return orm_getter(adapter)(dict(parameters), model_class)
    except model_class.DoesNotExist as error:
        raise RelatedObjectLookupError(f"{fields}: no {label(model_class)} matches {dict(parameters)}") from error
    except model_class.MultipleObjectsReturned as error:
        raise RelatedObjectLookupError(
            f"{fields}: more than one {label(model_class)} matches {dict(parameters)}"
        ) from error
    except FieldError as error:
        raise RelatedObjectLookupError(f"{fields}: cannot look up {label(model_class)}: {error}") from error
