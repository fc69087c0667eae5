"""The field kinds: one class per way a NautobotModel field maps onto Nautobot data."""

from nautobot_ssot.contrib.kinds.base import Declaration, FieldKind, Member
from nautobot_ssot.contrib.kinds.compat import AttributePathKind, RelationshipToOneDictKind
from nautobot_ssot.contrib.kinds.metadata import ObjectMetadataKind
from nautobot_ssot.contrib.kinds.model_fields import (
    CustomFieldKind,
    ForeignKeyKind,
    GenericForeignKeyKind,
    PlainKind,
    ToManyKind,
)
from nautobot_ssot.contrib.kinds.relationships import RelationshipKind, RelationshipToManyKind, RelationshipToOneKind

__all__ = (
    "AttributePathKind",
    "CustomFieldKind",
    "Declaration",
    "FieldKind",
    "ForeignKeyKind",
    "GenericForeignKeyKind",
    "Member",
    "ObjectMetadataKind",
    "PlainKind",
    "RelationshipKind",
    "RelationshipToManyKind",
    "RelationshipToOneDictKind",
    "RelationshipToOneKind",
    "ToManyKind",
)
