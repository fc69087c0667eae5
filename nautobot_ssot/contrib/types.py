"""The annotation markers of contrib under the module path nautobot-ssot 4.x integrations import them from.

``CustomAnnotation`` is the common base of the markers: ``isinstance(marker, CustomAnnotation)`` is true for
``CustomFieldAnnotation``, ``CustomRelationshipAnnotation`` and ``ObjectMetadataAnnotation``.
"""

from __future__ import annotations

from abc import ABC

from nautobot_ssot.contrib.annotations import (
    FIELD_MARKERS,
    CustomFieldAnnotation,
    CustomRelationshipAnnotation,
    ObjectMetadataAnnotation,
)
from nautobot_ssot.contrib.enums import RelationshipSideEnum


class CustomAnnotation(ABC):  # noqa: B024  (a marker base: nothing to implement)
    """Base of the markers that map a field onto something other than a model field."""


for _marker in FIELD_MARKERS:
    CustomAnnotation.register(_marker)

__all__ = (
    "CustomAnnotation",
    "CustomFieldAnnotation",
    "CustomRelationshipAnnotation",
    "ObjectMetadataAnnotation",
    "RelationshipSideEnum",
)
