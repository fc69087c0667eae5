"""Helpers for type annotations."""

from __future__ import annotations

from typing import Any, get_args, get_type_hints


def get_inner_type(class_type: type, attribute_name: str) -> Any:
    """Return the first type argument of an annotated class attribute (``X`` for ``devices: List[X]``).

    Args:
        class_type: The class holding the annotation.
        attribute_name: The annotated attribute.

    Returns:
        The first type argument.

    Raises:
        TypeError: The annotation has no type argument.
        AttributeError: The class has no annotation for ``attribute_name``.
    """
    hints = get_type_hints(class_type)
    if attribute_name not in hints:
        raise AttributeError(f"type object '{class_type}' has no attribute '{attribute_name}'")
    arguments = get_args(hints[attribute_name])
    if not arguments:
        raise TypeError(f"{class_type.__name__}.{attribute_name}: the annotation has no inner type.")
    return arguments[0]


__all__ = ("get_inner_type",)
