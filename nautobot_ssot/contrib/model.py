"""NautobotModel: a DiffSyncModel whose annotated fields map onto a Nautobot (Django) model."""

from __future__ import annotations

import sys
from functools import cache
from typing import Any, ClassVar, Optional

from diffsync import Adapter, DiffSyncModel
from diffsync.exceptions import ObjectCrudException, ObjectNotCreated, ObjectNotDeleted, ObjectNotUpdated
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Model, ProtectedError, QuerySet, RestrictedError
from pydantic import BaseModel, model_validator
from typing_extensions import Self

from nautobot_ssot.contrib.base import BaseNautobotModel
from nautobot_ssot.contrib.errors import CreateRefused, DeleteRefused, UpdateRefused, describe_error
from nautobot_ssot.contrib.fields import FieldPlan, build_plan, check_declared_names
from nautobot_ssot.contrib.kinds.base import sort_items
from nautobot_ssot.contrib.lookups import resolve
from nautobot_ssot.contrib.types import (
    CustomFieldAnnotation,
    CustomRelationshipAnnotation,
    ObjectMetadataAnnotation,
    RelationshipSideEnum,
)
from nautobot_ssot.contrib.writers import writer_for
from nautobot_ssot.utils.diffsync import DiffSyncModelUtilityMixin

WRITE_ERRORS = (ValidationError, ValueError, IntegrityError, ProtectedError, RestrictedError)
"""Errors of a single write that become diffsync's ObjectNotCreated/Updated/Deleted (the sync goes on)."""


class NautobotModel(DiffSyncModel, DiffSyncModelUtilityMixin):
    """A DiffSyncModel that loads from and writes to a Nautobot model, driven by its annotations.

    Set ``_model`` to the Django model and declare fields as usual for diffsync. Each field in
    ``_identifiers`` and ``_attributes`` maps onto the Django model by its name and annotation:

    - ``name: str``: a field (or property) of the model;
    - ``tenant__group__name: Optional[str]``: a foreign key, through lookups on the related object;
    - ``assigned_object__app_label``, ``assigned_object__model``, ``assigned_object__name``: a generic foreign key;
    - ``tags: List[TagDict]``: a many-to-many or reverse foreign key relation, written as a set;
    - ``Annotated[..., CustomFieldAnnotation(key=...)]``: a custom field;
    - ``Annotated[..., CustomRelationshipAnnotation(name=..., side=...)]``: a custom relationship;
    - ``Annotated[..., ObjectMetadataAnnotation(name=...)]``: object metadata.

    The class is analysed once, when it is defined; a declaration that cannot work raises
    ``ModelDeclarationError`` naming the class and the field.
    """

    _model: ClassVar[Optional[type[Model]]] = None
    """The Django model this class maps onto."""

    _skip_auto_component_creation: ClassVar[bool] = False
    """Create Devices and Modules of this class without the components their types would add."""

    _bulk: ClassVar[Optional[bool]] = None
    """Write this class on the bulk path (True), the standard path (False), or as the adapter says (None)."""

    _deferred_change_records: ClassVar[Optional[bool]] = None
    """Write the change records of this class per batch (True), at every save as 4.x (False), or as the adapter says."""

    _field_plan: ClassVar[Optional[FieldPlan]] = None
    """The analysed fields of this class (built once, see ``field_plan``)."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """Check the declaration and analyse the fields when a subclass is defined.

        A subclass without ``_identifiers`` or without ``_model`` is taken as a shared base and is not analysed
        (a class without ``_model`` fails when it is first loaded or written).

        Raises:
            ModelDeclarationError: The declaration cannot work.
        """
        adopt_annotated_model(cls)
        check_declared_names(cls)
        super().__pydantic_init_subclass__(**kwargs)
        cls._field_plan = None
        if cls._identifiers and cls._model is not None and apps.models_ready:
            cls._field_plan = build_plan(cls)

    @classmethod
    def field_plan(cls) -> FieldPlan:
        """Return the analysed fields of this class, analysing them on first use if needed."""
        if cls.__dict__.get("_field_plan") is None:
            cls._field_plan = build_plan(cls)
        return cls._field_plan

    @classmethod
    def get_queryset(cls) -> QuerySet:
        """Return the objects to load; override to narrow it (joins and prefetches are added to it)."""
        return cls._model.objects.all()

    @model_validator(mode="after")
    def _sort_lists(self) -> Self:
        """Keep lists of related objects sorted, so that the same set never differs by order."""
        if type(self)._identifiers and type(self)._model is not None:
            for name in self.field_plan().list_names:
                value = getattr(self, name)
                if isinstance(value, list):
                    setattr(self, name, sort_items(value))
        return self

    def get_identifiers(self) -> dict:
        """Return the identifiers and their values, as diffsync does (a copy, in field order)."""
        return self._dump("_identifiers")

    def get_attrs(self) -> dict:
        """Return the attributes and their values, as diffsync does (a copy, in field order)."""
        return self._dump("_attributes")

    def get_unique_id(self) -> str:
        """Return the unique id, as diffsync builds it, without copying the identifiers first."""
        values = [getattr(self, name) for name in self._identifiers]
        if not plain_unique_id(type(self)) or any(isinstance(value, BaseModel) for value in values):
            return super().get_unique_id()
        return "__".join(str(value) for value in values)

    def _dump(self, option: str) -> dict:
        """``model_dump`` of the fields in ``option``, without pydantic's serializer for plain field values.

        diffsync asks for these a dozen times per object while diffing; a class with its own pydantic
        serializers goes through ``model_dump`` as before.
        """
        names = dump_names(type(self), option)
        if names is None:
            return self.dict(include=set(getattr(self, option)))
        return {name: plain_copy(getattr(self, name)) for name in names}

    def get_from_db(self) -> Model:
        """Return the database object with this object's identifiers (through the adapter's ORM cache).

        Raises:
            RelatedObjectLookupError: No object, or more than one, has these identifiers.
        """
        parameters = self.field_plan().filter_parameters(self.get_identifiers(), self.adapter)
        return resolve(self.adapter, f"{self.get_type()} {self.get_unique_id()!r}", parameters, self._model)

    @classmethod
    def writes_deferred(cls, adapter: Adapter) -> bool:
        """Whether ``adapter`` queues the writes of this class and stores them when the sync completes (bulk path)."""
        return writer_for(adapter, cls).deferred

    @classmethod
    def prepare_write(cls, adapter: Adapter) -> None:
        """Store what an object of this class written next may need, before the syncer opens its savepoint."""
        writer_for(adapter, cls).prepare()

    @classmethod
    def create(cls, adapter: Adapter, ids: dict, attrs: dict) -> Optional[Self]:
        """Create the database object and its related data through the adapter's writer, then this object.

        Attributes missing from ``attrs`` whose value is None are not written: their database fields keep the
        Django model's defaults (as in nautobot-ssot 4.x).

        Raises:
            ObjectNotCreated: The values do not validate as this class, or the database refused the object; the
                message is the model's own.
        """
        try:
            instance = super().create(adapter, ids, attrs)
            values = {**instance.get_identifiers(), **instance.get_attrs()}
            writer = writer_for(adapter, cls)
            note_written(adapter, instance, writer.create(cls, instance, values, given_fields(ids, attrs, values)))
        except WRITE_ERRORS as error:
            raise CreateRefused(error, f"{cls.get_type()} {ids}: {describe_error(error)}") from error
        return instance

    def update(self, attrs: dict) -> Optional[Self]:
        """Write the changed attributes onto the database object through the adapter's writer.

        Raises:
            ObjectNotUpdated: The database refused the change; the message is the model's own.
        """
        values = {**self.get_identifiers(), **self.get_attrs(), **attrs}
        try:
            note_written(self.adapter, self, writer_for(self.adapter, type(self)).update(self, values, attrs))
        except WRITE_ERRORS as error:
            message = f"{self.get_type()} {self.get_identifiers()}: {describe_error(error)}"
            raise UpdateRefused(error, message) from error
        return super().update(attrs)

    def delete(self) -> Optional[Self]:
        """Delete the database object through the adapter's writer.

        Raises:
            ObjectNotDeleted: The database refused the deletion; the message is the model's own.
        """
        try:
            writer_for(self.adapter, type(self)).delete(self)
        except WRITE_ERRORS as error:
            message = f"{self.get_type()} {self.get_identifiers()}: {describe_error(error)}"
            raise DeleteRefused(error, message) from error
        return super().delete()


def note_written(adapter: Adapter, instance: NautobotModel, database_object: Optional[Model]) -> None:
    """Tell an adapter that keeps the objects it wrote (``NautobotAdapter.written``) which one ``instance`` wrote."""
    written = getattr(adapter, "written", None)
    if isinstance(written, dict) and database_object is not None:
        written[(instance.get_type(), instance.get_unique_id())] = database_object


def given_fields(ids: dict, attrs: dict, values: dict) -> set[str]:
    """The fields ``create`` writes: those given in ``ids`` or ``attrs``, and any other that is not None."""
    return {*ids, *attrs, *(name for name, value in values.items() if value is not None)}


@cache
def dump_names(model_class: type[NautobotModel], option: str) -> tuple[str, ...] | None:
    """The fields of ``option`` (``_identifiers`` or ``_attributes``) in field order, or None for ``model_dump``.

    None when the class customizes its serialization (field or model serializers).
    """
    decorators = model_class.__pydantic_decorators__
    if decorators.field_serializers or decorators.model_serializers:
        return None
    wanted = set(getattr(model_class, option))
    return tuple(name for name in model_class.model_fields if name in wanted)


@cache
def plain_unique_id(model_class: type[NautobotModel]) -> bool:
    """Whether the class builds its unique id as diffsync does by default (``create_unique_id`` not overridden)."""
    return model_class.create_unique_id.__func__ is DiffSyncModel.create_unique_id.__func__


def plain_copy(value: Any) -> Any:
    """Copy a field value as ``model_dump`` returns it: containers copied, nested models as dictionaries."""
    if isinstance(value, list):
        return [plain_copy(item) for item in value]
    if isinstance(value, dict):
        return {key: plain_copy(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(plain_copy(item) for item in value)
    if isinstance(value, (set, frozenset)):
        return type(value)(plain_copy(item) for item in value)
    if isinstance(value, BaseModel):
        return value.model_dump()
    return value


def adopt_annotated_model(model_class: type) -> None:
    """Accept ``_model: SomeDjangoModel`` (an annotation without a value) as ``_model = SomeDjangoModel``."""
    annotated = model_class.__dict__.get("__annotations__", {}).get("_model")
    if isinstance(annotated, str):
        annotated = getattr(sys.modules.get(model_class.__module__), annotated, None)
    if "_model" not in model_class.__dict__ and isinstance(annotated, type) and issubclass(annotated, Model):
        type.__setattr__(model_class, "_model", annotated)


__all__ = (
    "BaseNautobotModel",
    "CustomFieldAnnotation",
    "CustomRelationshipAnnotation",
    "DiffSyncModel",
    "DiffSyncModelUtilityMixin",
    "NautobotModel",
    "ObjectCrudException",
    "ObjectMetadataAnnotation",
    "ObjectNotCreated",
    "ObjectNotDeleted",
    "ObjectNotUpdated",
    "RelationshipSideEnum",
)
