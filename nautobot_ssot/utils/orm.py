"""Read values from Django ORM objects the way contrib names them (``tenant__group__name``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet
from nautobot.core.models import BaseModel
from nautobot.extras.models import Relationship, RelationshipAssociation
from typing_extensions import get_type_hints, is_typeddict

from nautobot_ssot.contrib.enums import RelationshipSideEnum
from nautobot_ssot.contrib.lookups import SEPARATOR
from nautobot_ssot.utils.types import RelationshipAssociationParameters

CONTENT_TYPE_ATTRIBUTES = ("app_label", "model")
"""Names that read the object's content type when the object has no such attribute (generic foreign keys)."""


def get_orm_attribute(db_obj: Model, attr_name: str) -> Any:
    """Return one attribute of ``db_obj``; ``app_label`` and ``model`` fall back to its content type.

    Raises:
        AttributeError: The object has no such attribute.
    """
    try:
        return getattr(db_obj, attr_name)
    except AttributeError:
        if attr_name in CONTENT_TYPE_ATTRIBUTES:
            return getattr(ContentType.objects.get_for_model(db_obj), attr_name)
        raise


def orm_attribute_lookup(db_obj: Model, attr_name: str) -> Any:
    """Return the value a contrib field name reads from ``db_obj``, following ``__`` through related objects.

    A missing related object (or an empty value) along the way ends the lookup with that value.

    Raises:
        TypeError: ``db_obj`` is not a Django model instance.
    """
    if not isinstance(db_obj, Model):
        raise TypeError(f"{db_obj} is not an instance of `django.db.models.Model`.")
    head, *rest = attr_name.split(SEPARATOR)
    value = get_orm_attribute(db_obj, head)
    for segment in rest:
        if not value:
            break
        value = value.get(segment) if isinstance(value, dict) else get_orm_attribute(value, segment)
    return value


def load_typed_dict(typed_dict_class: type, db_obj: Model) -> dict[str, Any]:
    """Return the dictionary of ``typed_dict_class``'s keys read from ``db_obj``.

    Raises:
        TypeError: ``typed_dict_class`` is not a TypedDict, or ``db_obj`` not a Django model instance.
    """
    if not is_typeddict(typed_dict_class):
        raise TypeError("`typed_dict_class` must be a subclass of `TypedDict`.")
    return {key: orm_attribute_lookup(db_obj, key) for key in get_type_hints(typed_dict_class)}


def get_custom_relationship_association_parameters(
    relationship: Relationship, db_obj_id: UUID, relationship_side: RelationshipSideEnum
) -> RelationshipAssociationParameters:
    """Return the lookup parameters of the associations of one object on one side of ``relationship``.

    Raises:
        ValueError: ``relationship_side`` is not a RelationshipSideEnum member.
    """
    if not isinstance(relationship_side, RelationshipSideEnum):
        raise ValueError(f"Invalid value for `CustomRelationshipAnnotation.side`: {relationship_side}")
    parameters = RelationshipAssociationParameters(
        relationship=relationship,
        source_type=relationship.source_type,
        destination_type=relationship.destination_type,
    )
    parameters[f"{relationship_side.attribute}_id"] = db_obj_id
    return parameters


def get_custom_relationship_associations(
    relationship: Relationship, db_obj: BaseModel, relationship_side: RelationshipSideEnum
) -> tuple[QuerySet, int]:
    """Return the associations of ``db_obj`` on one side of ``relationship``, and how many there are.

    Raises:
        TypeError: An argument is not of the type named here.
    """
    if not isinstance(relationship, Relationship):
        raise TypeError("`relationship` parameter must be an instance of `nautobot.extras.models.Relationship`")
    if not isinstance(db_obj, BaseModel):
        raise TypeError("`db_obj` parameter must be a child of `nautobot.core.models.BaseModel`")
    if not isinstance(relationship_side, RelationshipSideEnum):
        raise TypeError("`relationship_side` parameter must be a `nautobot_ssot.contrib.types.RelationshipSideEnum`")
    associations = RelationshipAssociation.objects.filter(
        **get_custom_relationship_association_parameters(relationship, db_obj.id, relationship_side)
    )
    return associations, associations.count()


__all__ = (
    "get_custom_relationship_association_parameters",
    "get_custom_relationship_associations",
    "get_orm_attribute",
    "load_typed_dict",
    "orm_attribute_lookup",
)
