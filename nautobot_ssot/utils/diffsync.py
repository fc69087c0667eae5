"""``DiffSyncModelUtilityMixin``: class-level questions about a DiffSyncModel's fields and their annotations."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, ClassVar, Optional, get_args, get_origin, get_type_hints

from nautobot_ssot.contrib.types import CustomAnnotation


@cache
def _hints(model_class: type) -> dict[str, Any]:
    """The class's type hints with ``Annotated`` extras, computed once per class."""
    return get_type_hints(model_class, include_extras=True)


class DiffSyncModelUtilityMixin:
    """Mixin for DiffSyncModel classes: their synced fields, type hints and annotation markers.

    Every method takes a field name that is annotated on the class; other names raise KeyError.
    """

    _identifiers: ClassVar[tuple]
    _attributes: ClassVar[tuple]

    @classmethod
    def get_synced_attributes(cls) -> list[str]:
        """Return the identifiers and attributes, in that order: every field the sync compares."""
        return [*cls._identifiers, *cls._attributes]

    @classmethod
    def get_type_hints(cls) -> dict[str, Any]:
        """Return the class's type hints, keeping ``Annotated`` extras."""
        return _hints(cls)

    @classmethod
    def get_attr_args(cls, attr_name: str) -> tuple:
        """Return the type arguments of a field's annotation (``(str, marker)`` for ``Annotated[str, marker]``)."""
        return get_args(cls.get_type_hints()[attr_name])

    @classmethod
    def get_attr_annotation(cls, attr_name: str) -> Optional[CustomAnnotation]:
        """Return the field's CustomFieldAnnotation, CustomRelationshipAnnotation or ObjectMetadataAnnotation."""
        return next((item for item in cls.get_attr_args(attr_name) if isinstance(item, CustomAnnotation)), None)

    @classmethod
    def is_attr_annotated(cls, attr_name: str) -> bool:
        """Whether the field is declared with ``typing.Annotated``."""
        return get_origin(cls.get_type_hints()[attr_name]) is Annotated

    @classmethod
    def get_attr_type(cls, attr_name: str) -> Any:
        """Return the field's type (for ``Annotated[X, ...]``, ``X``)."""
        if cls.is_attr_annotated(attr_name):
            return cls.get_attr_args(attr_name)[0]
        return cls.get_type_hints()[attr_name]


__all__ = ("DiffSyncModelUtilityMixin",)
