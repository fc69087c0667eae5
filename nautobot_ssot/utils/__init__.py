"""Helpers for integrations: secrets, controllers, custom fields, and hostname parsing.

Submodules: ``orm`` (reading values from ORM objects), ``cache`` (``ORMCache``), ``typing``
(``get_inner_type``), ``types`` (typed dictionaries), ``diffsync`` (``DiffSyncModelUtilityMixin``).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Optional

from nautobot.dcim.models import Controller, ControllerManagedDeviceGroup
from nautobot.extras.choices import SecretsGroupAccessTypeChoices, SecretsGroupSecretTypeChoices
from nautobot.extras.models import SecretsGroup

logger = logging.getLogger("nautobot.ssot")


def get_username_password_https_from_secretsgroup(group: SecretsGroup) -> tuple[str, str]:
    """Return the HTTP(S) username and password of a Secrets Group.

    Args:
        group: A Secrets Group with HTTP username and password secrets.
    """
    username = group.get_secret_value(
        access_type=SecretsGroupAccessTypeChoices.TYPE_HTTP, secret_type=SecretsGroupSecretTypeChoices.TYPE_USERNAME
    )
    password = group.get_secret_value(
        access_type=SecretsGroupAccessTypeChoices.TYPE_HTTP, secret_type=SecretsGroupSecretTypeChoices.TYPE_PASSWORD
    )
    return username, password


def verify_controller_managed_device_group(controller: Controller) -> ControllerManagedDeviceGroup:
    """Return the controller's managed device group, creating "<controller> Managed Devices" if it has none."""
    group, _ = ControllerManagedDeviceGroup.objects.get_or_create(
        controller=controller, defaults={"name": f"{controller.name} Managed Devices"}
    )
    return group


def create_or_update_custom_field(apps: Any, key: str, field_type: str, label: str) -> tuple[Any, bool]:
    """Create or update the custom field ``key`` (for data migrations; ``apps`` is the migration's registry).

    Returns:
        ``(custom field, created)``, as ``update_or_create`` returns them.
    """
    custom_field_model = apps.get_model("extras", "CustomField")
    return custom_field_model.objects.update_or_create(
        key=key, defaults={"type": field_type, "key": key, "label": label}
    )


def _location_from_patterns(location_map: Mapping[str, Mapping[str, str]], hostname: str) -> Optional[dict]:
    """The location of the first pattern (a regular expression, case-insensitive) matching ``hostname``."""
    for pattern, mapping in location_map.items():
        if re.match(pattern, hostname, flags=re.IGNORECASE):
            return {"name": mapping.get("Name"), "parent": mapping.get("Parent")}
    return None


def _location_from_prefixes(location_map: Sequence[Mapping[str, str]], hostname: str) -> Optional[dict]:
    """The location of the first entry whose ``prefix`` (a regular expression) matches ``hostname``."""
    for entry in location_map:
        if isinstance(entry, Mapping) and "prefix" in entry and re.match(entry["prefix"], hostname):
            return {"name": entry["location"], "parent": entry.get("parent")}
    return None


def parse_hostname_for_location(location_map: Any, device_hostname: str, device_location: str) -> dict:
    """Return ``{"name": ..., "parent": ...}`` of the location a hostname maps to.

    Args:
        location_map: ``{pattern: {"Name": ..., "Parent": ...}}``, or a list of
            ``{"prefix": pattern, "location": ..., "parent": ...}``; empty for none.
        device_hostname: The hostname to match.
        device_location: The location to return when nothing matches.
    """
    found = None
    if isinstance(location_map, Mapping):
        found = _location_from_patterns(location_map, device_hostname)
    elif isinstance(location_map, list):
        found = _location_from_prefixes(location_map, device_hostname)
    return found or {"name": device_location, "parent": None}


def parse_hostname_for_role(hostname_map: Any, device_hostname: str, default_role: str) -> str:
    """Return the role of the last ``(pattern, role)`` entry whose pattern is found in the hostname.

    Args:
        hostname_map: A list of ``(regular expression, role name)`` pairs, or that list as JSON text.
        device_hostname: The hostname to match.
        default_role: The role when nothing matches (or the map is not valid JSON).
    """
    if isinstance(hostname_map, str):
        try:
            hostname_map = json.loads(hostname_map)
        except json.JSONDecodeError:
            hostname_map = None
    role = default_role
    for pattern, candidate in hostname_map or ():
        if re.search(pattern, device_hostname):
            role = candidate
    return role


def validate_dlm_installed() -> bool:
    """Whether the Device Lifecycle Management app is installed."""
    try:
        version("nautobot_device_lifecycle_mgmt")
    except PackageNotFoundError:
        return False
    return True


__all__ = (
    "create_or_update_custom_field",
    "get_username_password_https_from_secretsgroup",
    "logger",
    "parse_hostname_for_location",
    "parse_hostname_for_role",
    "validate_dlm_installed",
    "verify_controller_managed_device_group",
)
