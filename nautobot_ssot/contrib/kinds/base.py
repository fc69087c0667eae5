"""What every field kind has: the FieldKind interface and the helpers the kinds share.

A kind covers one field, or several fields that go through the same relation (``location__name`` and
``location__parent__name`` both name the one ``location``). Every kind has the same sides:

- ``query``: add to the model's queryset what loading needs (joins, prefetches), so that loading costs a
  fixed number of queries whatever the number of objects;
- ``load``: read the field values from one database object;
- ``save``: write the field values onto a database object (before it is saved, or after it for kinds that
  write rows pointing at it);
- ``filter_parameters``: the Django lookup that finds an object by these values, for kinds usable as identifiers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, NoReturn

from django.db.models import Model, QuerySet
from typing_extensions import Self

from nautobot_ssot.contrib.errors import ModelDeclarationError
from nautobot_ssot.contrib.lookups import SEPARATOR, Lookup, LookupProblem, joins_for, label


@dataclass(frozen=True)
class Declaration:
    """The class being analysed: its name (for messages) and the Django model it maps onto.

    Attributes:
        owner: Name of the NautobotModel subclass.
        django_model: Its ``_model``.
    """

    owner: str
    django_model: type[Model]

    def fail(self, name: str, reason: str) -> NoReturn:
        """Raise a ModelDeclarationError naming the class and the field."""
        raise ModelDeclarationError(f"{self.owner}.{name}: {reason}")

    def joins(self, name: str, model: type[Model], lookup: Lookup, what: str = "lookup") -> str | None:
        """Check a lookup on ``model`` for field ``name`` and return its joins (see ``joins_for``)."""
        try:
            return joins_for(model, lookup)
        except LookupProblem as problem:
            self.fail(name, f"{what} '{lookup.path}' does not exist on {label(model)}: {problem}")


@dataclass(frozen=True)
class Member:
    """One annotated field of the class, as the classifier sees it.

    Attributes:
        name: The field name.
        marker: Its CustomFieldAnnotation, CustomRelationshipAnnotation or ObjectMetadataAnnotation, if any.
        item_type: The TypedDict when the field is typed ``List[TypedDict]``, else None.
        is_list: Whether the field is typed as a list at all.
    """

    name: str
    marker: Any
    item_type: type | None
    is_list: bool

    @property
    def head(self) -> str:
        """The part of the name before the first ``__``."""
        return self.name.split(SEPARATOR, 1)[0]

    @property
    def rest(self) -> Lookup:
        """The part of the name after the first ``__``, as a lookup."""
        return Lookup.parse(self.name.split(SEPARATOR, 1)[1])


def item_keys(decl: Declaration, member: Member, model: type[Model]) -> tuple[tuple[str, Lookup], ...]:
    """Return the keys of a member's TypedDict as lookups, checked against ``model``."""
    keys = tuple((key, Lookup.parse(key)) for key in typeddict_keys(member.item_type))
    if not keys:
        decl.fail(member.name, f"TypedDict {member.item_type.__name__} has no keys")
    for _, lookup in keys:
        decl.joins(member.name, model, lookup, what=f"key of {member.item_type.__name__}")
    return keys


def typeddict_keys(item_type: type) -> tuple[str, ...]:
    """Return the keys of a TypedDict in declaration order (inherited keys first)."""
    keys: dict[str, None] = {}
    for klass in reversed(item_type.__mro__):
        keys.update(dict.fromkeys(getattr(klass, "__annotations__", {})))
    return tuple(keys)


def read_items(related: Iterable[Model], keys: tuple[tuple[str, Lookup], ...]) -> list[dict[str, Any]]:
    """Turn related objects into dictionaries of ``keys``, dropping all-empty ones, in a stable order."""
    items = [{key: lookup.read(obj) for key, lookup in keys} for obj in related]
    return sort_items(item for item in items if any(value is not None for value in item.values()))


def sort_items(items: Iterable[Mapping[str, Any]]) -> list[Any]:
    """Sort dictionaries by their values, so that the same set always comes out in the same order."""

    def key(item: Mapping[str, Any]) -> tuple:
        return tuple((name, value is None, str(value)) for name, value in sorted(item.items()))

    return sorted(items, key=key)


class FieldKind(ABC):
    """How one field, or a group of fields sharing one relation, maps onto the ORM.

    Subclasses are frozen dataclasses built once per NautobotModel class by ``build``.
    """

    after_save: ClassVar[bool] = False
    """Whether ``save`` needs the object stored first (it writes rows that point at the object)."""

    identifier: ClassVar[bool] = True
    """Whether fields of this kind may be identifiers (``filter_parameters`` is implemented)."""

    @property
    @abstractmethod
    def names(self) -> tuple[str, ...]:
        """The fields of the NautobotModel this kind covers."""

    @classmethod
    @abstractmethod
    def build(cls, decl: Declaration, members: list[Member]) -> Self:
        """Check the members against the Django model and build the kind.

        Raises:
            ModelDeclarationError: The members cannot be mapped this way.
        """

    def query(self, queryset: QuerySet, adapter: Any) -> QuerySet:
        """Return ``queryset`` with what loading this kind needs (joins, prefetches)."""
        return queryset

    @abstractmethod
    def load(self, obj: Model) -> dict[str, Any]:
        """Read this kind's field values from a database object loaded through ``query``."""

    @abstractmethod
    def save(self, obj: Model, values: Mapping[str, Any], adapter: Any) -> None:
        """Write this kind's values (taken from ``values``) onto ``obj`` or rows pointing at it."""

    def filter_parameters(self, values: Mapping[str, Any], adapter: Any) -> dict[str, Any]:
        """Return the Django lookup parameters that find an object by this kind's values."""
        raise NotImplementedError(f"{type(self).__name__} cannot be an identifier")


def attribute_name(purpose: str, field: str) -> str:
    """Return the name of the attribute holding a field's prefetched rows on loaded objects.

    It must not contain ``__``, which Django would read as a path.
    """
    return f"_ssot_{purpose}_{field.replace(SEPARATOR, '_x_')}"


def ensure_not_list(decl: Declaration, member: Member, kind: str) -> None:
    """Refuse ``List[TypedDict]`` on a kind that holds a single value."""
    if member.item_type is not None:
        decl.fail(member.name, f"{kind} holds one value; List[TypedDict] is only for to-many relations")
