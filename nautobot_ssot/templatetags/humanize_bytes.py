"""Template filter ``humanize_bytes``: a number of bytes in binary units (the library nautobot-ssot 4.x ships).

Use ``{% load humanize_bytes %}`` then ``{{ value|humanize_bytes }}``.
"""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

UNITS = ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi")
STEP = 1024.0


@register.filter
def humanize_bytes(size: Any) -> str:
    """Render ``size`` bytes as ``1 B``, ``1 KiB``, ``1.50 MiB``; ``no data`` for anything but a number.

    Whole amounts have no decimals, others two.
    """
    if isinstance(size, bool) or not isinstance(size, (int, float)):
        return "no data"
    amount = float(size)
    for unit in UNITS:
        if abs(amount) < STEP or unit == UNITS[-1]:
            break
        amount /= STEP
    text = f"{amount:.0f}" if round(amount, 2) % 1 == 0 else f"{amount:.2f}"
    return f"{text} {unit}B"
