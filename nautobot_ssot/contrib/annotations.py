"""Markers for ``typing.Annotated`` that map a field onto Nautobot data other than a model field.

A plain annotation (``name: str``) maps a field onto the Django model field of the same name. The markers here
say that a field is backed by something else: a custom field, a custom relationship or object metadata.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Optional


@dataclass
class CustomFieldAnnotation:
    """Map a field onto a Nautobot custom field.

    Use it with ``typing.Annotated``. ``key`` is the custom field's key; the older spelling ``name`` is accepted
    for integrations written against earlier releases and is used when ``key`` is not given.

    Example:
        ```python
        class ProviderModel(NautobotModel):
            _model = Provider
            _modelname = "provider"
            _identifiers = ("name",)
            _attributes = ("is_global",)

            name: str
            is_global: Annotated[bool, CustomFieldAnnotation(key="is_global")] = False
        ```

    Attributes:
        name: Legacy spelling of ``key``.
        key: Key of the custom field.
    """

    name: Optional[str] = None
    key: Optional[str] = None

    def __post_init__(self) -> None:
        """Fall back to ``name`` when ``key`` is not given.

        Raises:
            ValueError: If neither ``key`` nor ``name`` is given.
        """
        if not self.key:
            if not self.name:
                raise ValueError("CustomFieldAnnotation needs the custom field's 'key'.")
            self.key = self.name


class RelationshipSideEnum(Enum):
    """The side of a custom relationship that the annotated model's objects are on."""

    SOURCE = "SOURCE"
    DESTINATION = "DESTINATION"

    @property
    def peer(self) -> RelationshipSideEnum:
        """The opposite side: where the related objects are."""
        return RelationshipSideEnum.DESTINATION if self is RelationshipSideEnum.SOURCE else RelationshipSideEnum.SOURCE

    @property
    def attribute(self) -> str:
        """Name of this side on a RelationshipAssociation (``source`` or ``destination``)."""
        return self.value.lower()


@dataclass(frozen=True)
class CustomRelationshipAnnotation:
    """Map a field onto a Nautobot custom relationship.

    A field named ``<anything>__<lookup>`` maps the one related object (one-to-one, or the "one" side of
    one-to-many) through ``<lookup>`` on it; several such fields with the same prefix and annotation together
    identify that object. A field typed ``List[SomeTypedDict]`` maps all related objects, one dictionary each.

    Attributes:
        name: Label of the Relationship.
        side: The side of the relationship the annotated model's objects are on.
    """

    name: str
    side: RelationshipSideEnum = RelationshipSideEnum.SOURCE


@dataclass(frozen=True)
class ObjectMetadataAnnotation:
    """Map a field onto the value of Nautobot object metadata of one MetadataType.

    Attributes:
        name: Name of the MetadataType.
        scoped_fields: Fields of the object the metadata is scoped to; empty for the whole object.
    """

    name: str
    scoped_fields: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Store the scoped fields sorted, so that their order never matters."""
        object.__setattr__(self, "scoped_fields", tuple(sorted(self.scoped_fields)))


FIELD_MARKERS = (CustomFieldAnnotation, CustomRelationshipAnnotation, ObjectMetadataAnnotation)
"""Every marker class that changes what kind of field an annotated field is."""
