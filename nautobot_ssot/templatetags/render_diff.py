"""Template tag ``render_diff``: a diffsync diff (``Diff.dict()``) as nested HTML lists.

Use ``{% load render_diff %}`` then ``{% render_diff sync.diff %}`` (the library nautobot-ssot 4.x ships).
Every name and value is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

SIDES = ("+", "-")
SIDE_CLASSES = {"+": "diff-added", "-": "diff-subtracted"}


def element_class(changes: Mapping[str, Any]) -> str:
    """CSS class of one object: added (only ``+``), subtracted (only ``-``), unchanged or changed."""
    if "+" in changes and "-" not in changes:
        return "diff-added"
    if "-" in changes and "+" not in changes:
        return "diff-subtracted"
    if not changes.get("+") and not changes.get("-"):
        return "diff-unchanged"
    return "diff-changed"


def render_element(name: str, changes: Mapping[str, Any]) -> SafeString:
    """One object: its attribute values on each side, then its children."""
    values = format_html_join(
        "",
        '<li class="{}">{}: {}</li>',
        ((SIDE_CLASSES[side], attr, value) for side in SIDES for attr, value in (changes.get(side) or {}).items()),
    )
    children = {key: value for key, value in changes.items() if key not in SIDES}
    nested = render_diff_recursive(children) if children else ""
    return format_html('<li class="{}">{}<ul>{}{}</ul></li>', element_class(changes), name, values, nested)


def render_diff_recursive(diff: Mapping[str, Mapping[str, Any]]) -> SafeString:
    """Every model of ``diff`` as a list item holding its objects."""
    return format_html_join(
        "",
        "<li>{}<ul>{}</ul></li>",
        (
            (model, format_html_join("", "{}", ((render_element(name, changes),) for name, changes in objects.items())))
            for model, objects in diff.items()
        ),
    )


@register.simple_tag
def render_diff(diff: Mapping[str, Any] | None) -> SafeString | str:
    """Render a diff as nested lists; empty text for an empty diff."""
    if not diff:
        return ""
    return format_html("<ul>{}</ul>", render_diff_recursive(diff))
