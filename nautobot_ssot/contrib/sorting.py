"""Sort the list fields of loaded diffsync objects, so that the same related objects never differ by order.

A list of dictionaries is sorted by the key its TypedDict marks with ``SortKey``
(``name: Annotated[str, SortKey]``). ``NautobotModel`` keeps its own lists sorted already; these functions
are for adapters whose models are plain ``DiffSyncModel`` classes, and for integrations written for
nautobot-ssot 4.x that call ``sort_relationships(source, target)`` before diffing.
"""

from __future__ import annotations

from typing import Any, Optional, get_type_hints

from diffsync import Adapter, DiffSyncModel
from typing_extensions import TypedDict, is_typeddict

from nautobot_ssot.contrib.enums import SortType
from nautobot_ssot.contrib.fields import list_item
from nautobot_ssot.contrib.typeddicts import SortKey


class SortableField(TypedDict):
    """How one list field is sorted: ``{"sort_type": SortType.DICT, "sort_key": "name"}``."""

    sort_type: SortType
    sort_key: str


def get_sort_key_from_typed_dict(typed_dict: Any) -> Optional[str]:
    """Return the key of ``typed_dict`` annotated with ``SortKey``, or None when it has none.

    Args:
        typed_dict: A TypedDict class (anything else has no sort key).
    """
    if not is_typeddict(typed_dict):
        return None
    for key, hint in get_type_hints(typed_dict, include_extras=True).items():
        if SortKey in getattr(hint, "__metadata__", ()):
            return key
    return None


def get_sortable_fields_from_model(model: type[DiffSyncModel]) -> dict[str, SortableField]:
    """Return the fields in the model's ``_attributes`` holding lists of dictionaries with a sort key.

    Args:
        model: A DiffSyncModel class.

    Returns:
        ``{field name: SortableField}``.
    """
    hints = get_type_hints(model)
    sortable: dict[str, SortableField] = {}
    for name in model._attributes:
        sort_key = get_sort_key_from_typed_dict(list_item(hints.get(name)))
        if sort_key is not None:
            sortable[name] = SortableField(sort_type=SortType.DICT, sort_key=sort_key)
    return sortable


def sort_dict_list(items: list[dict], key: str) -> list[dict]:
    """Return ``items`` sorted by ``key`` (dictionaries without a value for it first)."""
    return sorted(items, key=lambda item: (item.get(key) is not None, item.get(key)))


def sort_relationships(source: Optional[Adapter], target: Optional[Adapter]) -> None:
    """Sort the list fields of every object of both adapters, by the sort keys the target's models declare.

    Does nothing when either adapter is missing.
    """
    if source is None or target is None:
        return
    sortable = {}
    for modelname in getattr(target, "top_level", ()):
        model_class = getattr(target, modelname, None)
        fields = get_sortable_fields_from_model(model_class) if model_class is not None else {}
        if fields:
            sortable[modelname] = fields
    for adapter in (source, target):
        for modelname, fields in sortable.items():
            for obj in adapter.get_all(modelname):
                sort_object(obj, fields)


def sort_object(obj: DiffSyncModel, fields: dict[str, SortableField]) -> None:
    """Sort the list values of ``fields`` on one object in place (other values are left alone)."""
    for name, how in fields.items():
        value = getattr(obj, name)
        if isinstance(value, list):
            setattr(obj, name, sort_dict_list(value, how["sort_key"]))


__all__ = ("SortableField", "get_sort_key_from_typed_dict", "get_sortable_fields_from_model", "sort_relationships")
