"""App settings of the safety features, read from ``PLUGINS_CONFIG["nautobot_ssot"]``."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

HEARTBEAT_SECONDS = 30
"""Default interval at which a running sync records a sign of life."""

STALE_AFTER_SECONDS = 300
"""Default age of the last sign of life after which a running sync counts as dead."""


def _setting(name: str, default: int) -> int:
    return int(settings.PLUGINS_CONFIG.get("nautobot_ssot", {}).get(name, default))


def heartbeat_interval() -> timedelta:
    """How often a running sync records a sign of life (setting ``heartbeat_seconds``)."""
    return timedelta(seconds=_setting("heartbeat_seconds", HEARTBEAT_SECONDS))


def stale_after() -> timedelta:
    """Age of the last sign of life after which a running sync is marked incomplete (``stale_after_seconds``)."""
    return timedelta(seconds=_setting("stale_after_seconds", STALE_AFTER_SECONDS))
