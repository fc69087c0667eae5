"""What NautobotModel and NautobotAdapter expect of each other, as abstract base classes.

An integration that writes its own adapter for ``NautobotModel`` classes (or its own models for
``NautobotAdapter``) can inherit from these to show what it provides. ``NautobotModel`` and
``NautobotAdapter`` count as subclasses (``issubclass`` is true); the registration is in
``nautobot_ssot.contrib``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Optional
from uuid import UUID

from django.db.models import Model, QuerySet

from nautobot_ssot.utils.cache import ORMCache


class BaseNautobotAdapter(ABC):  # noqa: B024  (declares attributes only)
    """An adapter that NautobotModel classes can write through.

    Attributes:
        cache: The run's ORM cache.
        job: The job running the sync.
        metadata_type: The MetadataType the adapter records, if any.
        metadata_scope_fields: Scoped fields of the metadata, per model class.
    """

    cache: ORMCache
    job: Any
    metadata_type: Any
    metadata_scope_fields: dict[Any, list]


class BaseNautobotModel(ABC):
    """A diffsync model that maps onto a Django model.

    Attributes:
        adapter: The adapter holding the object.
        pk: Primary key of the database object, when known (not synced).
    """

    _model: ClassVar[type[Model]]
    _type_hints: ClassVar[dict[str, Any]]
    adapter: Optional[BaseNautobotAdapter]
    pk: Optional[UUID] = None

    @classmethod
    @abstractmethod
    def get_synced_attributes(cls) -> list[str]:
        """Return the identifiers and attributes the sync compares."""

    @classmethod
    @abstractmethod
    def _get_queryset(cls) -> QuerySet:
        """Return the queryset the model's objects are loaded from."""


__all__ = ("BaseNautobotAdapter", "BaseNautobotModel")
