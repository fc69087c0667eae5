"""Enumerations of contrib: the side of a custom relationship and the kinds of sortable fields."""

from __future__ import annotations

from enum import Enum

from nautobot_ssot.contrib.annotations import RelationshipSideEnum


class SortType(Enum):
    """How a field's list value is sorted (see ``nautobot_ssot.contrib.sorting``)."""

    DICT = 1
    """A list of dictionaries, sorted by the key marked with ``SortKey``."""


__all__ = ("RelationshipSideEnum", "SortType")
