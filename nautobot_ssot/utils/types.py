"""Typed dictionaries shared by the utilities."""

from __future__ import annotations

from typing import Optional
from uuid import UUID

from django.contrib.contenttypes.models import ContentType
from nautobot.extras.models import Relationship
from typing_extensions import NotRequired, TypedDict


class RelationshipAssociationParameters(TypedDict):
    """Lookup parameters of the RelationshipAssociations of one object on one side of a Relationship."""

    relationship: Relationship
    source_type: ContentType
    destination_type: ContentType
    source_id: NotRequired[Optional[UUID]]
    destination_id: NotRequired[Optional[UUID]]


__all__ = ("RelationshipAssociationParameters",)
