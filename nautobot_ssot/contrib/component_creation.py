"""Create Devices and Modules without the components their types would add (Nautobot's extension point).

``SkipAutoComponentCreation`` is a context manager: Devices and Modules saved inside it get no interfaces,
console ports, ... from their device or module type. ``is_auto_component_creation_suppressed()`` tells
whether the current code runs inside it. Both are Nautobot's own (``nautobot.apps.dcim``), re-exported under
the path nautobot-ssot 4.x integrations import them from.
"""

from __future__ import annotations

from nautobot.apps.dcim import SkipAutoComponentCreation, is_auto_component_creation_suppressed


def upstream_available() -> bool:
    """Whether Nautobot provides the extension point (always, on the Nautobot versions this app supports)."""
    return True


__all__ = ("SkipAutoComponentCreation", "is_auto_component_creation_suppressed", "upstream_available")
