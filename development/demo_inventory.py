"""The demo's network inventory, as it lives in the *remote* Nautobot, and the integration pointing at it.

``load_inventory()`` creates (or leaves as it is) a small but realistic inventory: a region/site hierarchy,
tenants in nested groups, tags, device roles, three vendors with device types and platforms, VLANs,
prefixes, devices with interfaces and IP addresses, the ``support_tier`` custom field on devices, and the
contacts who own two sites.
It only creates what is missing, so edits made on the remote survive a restart of the environment.

Everything here needs ``nautobot.setup()`` to have run (``development/demo.py`` does it).
"""

from __future__ import annotations

import logging
from collections import Counter

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from nautobot.dcim.models import Device, DeviceType, Interface, Location, LocationType, Manufacturer, Platform
from nautobot.extras.choices import (
    CustomFieldTypeChoices,
    SecretsGroupAccessTypeChoices,
    SecretsGroupSecretTypeChoices,
)
from nautobot.extras.models import (
    Contact,
    ContactAssociation,
    CustomField,
    ExternalIntegration,
    Role,
    Secret,
    SecretsGroup,
    SecretsGroupAssociation,
    Status,
    Tag,
)
from nautobot.ipam.models import VLAN, IPAddress, Namespace, Prefix, VLANGroup
from nautobot.tenancy.models import Tenant, TenantGroup
from nautobot.users.models import Token

INTEGRATION_NAME = "Demo remote Nautobot"
"""Name of the ExternalIntegration (and, with " token", of its Secret and SecretsGroup) on the local side."""

TAGS = [("production", "f44336"), ("monitored", "4caf50"), ("core", "3f51b5")]
TAGGED = ["dcim.location", "dcim.device", "tenancy.tenant", "ipam.prefix", "ipam.vlan", "ipam.ipaddress"]
LOCATION_TYPES = [("Region", None, True, ["dcim.device"]), ("Site", "Region", False, ["dcim.device", "ipam.prefix"])]
LOCATIONS = [
    ("Europe", None, "Region", None),
    ("Germany", "Europe", "Region", None),
    ("Berlin DC1", "Germany", "Site", "Acme Corp"),
    ("Frankfurt DC2", "Germany", "Site", "Globex"),
    ("North America", None, "Region", None),
    ("New York NY1", "North America", "Site", "Acme Corp"),
]
TENANT_GROUPS = [("Customers", None), ("Enterprise", "Customers"), ("Internal", None)]
TENANTS = [("Acme Corp", "Enterprise"), ("Globex", "Customers"), ("Network Operations", "Internal")]
ROLES = [("Core Router", "ff5722", "dcim.device"), ("Access Switch", "2196f3", "dcim.device")]
ROLES += [("Site owner", "9c27b0", "extras.contactassociation")]
CONTACTS = [
    ("Jane Doe", "+49 30 5550100", "jane.doe@example.com", "Berlin DC1"),
    ("Sam Lee", "+1 212 5550199", "sam.lee@example.com", "New York NY1"),
]
VENDORS = {
    "Cisco": [("ASR1001-X", "ASR1001-X", 1), ("C9300-48P", "C9300-48P-E", 1)],
    "Arista": [("DCS-7280SR-48C6", "DCS-7280SR-48C6-F", 1)],
    "Juniper": [("MX204", "MX204-HW-BASE", 1)],
}
PLATFORMS = [
    ("Cisco IOS XE", "Cisco", "cisco_xe"),
    ("Arista EOS", "Arista", "arista_eos"),
    ("Juniper Junos", "Juniper", "juniper_junos"),
]
VLANS = [(100, "users", "Acme Corp"), (200, "voice", "Acme Corp"), (300, "management", "Network Operations")]
PREFIXES = [
    ("10.0.0.0/8", "container", None),
    ("10.10.1.0/24", "network", "Acme Corp"),
    ("10.20.1.0/24", "network", "Globex"),
    ("10.30.1.0/24", "network", "Acme Corp"),
    ("192.0.2.0/24", "network", "Network Operations"),
]
DEVICES = [
    # name, model, role, platform, site, tenant, tags, support tier, serial
    (
        "ber-rtr-01",
        "ASR1001-X",
        "Core Router",
        "Cisco IOS XE",
        "Berlin DC1",
        "Acme Corp",
        ["core"],
        "gold",
        "FXS2101A1",
    ),
    ("ber-sw-01", "C9300-48P", "Access Switch", "Cisco IOS XE", "Berlin DC1", "Acme Corp", [], "silver", "FOC2245X0"),
    ("fra-rtr-01", "MX204", "Core Router", "Juniper Junos", "Frankfurt DC2", "Globex", ["core"], "gold", "JN11F2A3B"),
    ("nyc-rtr-01", "DCS-7280SR-48C6", "Core Router", "Arista EOS", "New York NY1", "Acme Corp", [], "gold", "JPE19201"),
]
INTERFACES = [
    # device, name, type, description, addresses
    ("ber-rtr-01", "GigabitEthernet0/0/0", "1000base-t", "uplink to ber-sw-01", ["10.10.1.1/24"]),
    ("ber-rtr-01", "Loopback0", "virtual", "router id", ["192.0.2.1/32"]),
    ("ber-sw-01", "GigabitEthernet1/0/48", "1000base-t", "uplink to ber-rtr-01", ["10.10.1.2/24"]),
    ("fra-rtr-01", "xe-0/0/0", "10gbase-x-sfpp", "transit", ["10.20.1.1/24"]),
    ("fra-rtr-01", "lo0", "virtual", "router id", ["192.0.2.2/32"]),
    ("nyc-rtr-01", "Ethernet1", "10gbase-x-sfpp", "core uplink", ["10.30.1.1/24"]),
    ("nyc-rtr-01", "Loopback0", "virtual", "router id", ["192.0.2.3/32"]),
]


def _content_types(labels: list[str]) -> list[ContentType]:
    return [ContentType.objects.get_by_natural_key(*label.split(".")) for label in labels]


def _ensure(model, counts: Counter, lookup: dict, **defaults):
    """Get or create one object with validated_save(); count the creates per model."""
    found = model.objects.filter(**lookup).first()
    if found is not None:
        return found
    instance = model(**lookup, **defaults)
    instance.validated_save()
    counts[model._meta.verbose_name_plural] += 1
    return instance


def _load_organisation(counts: Counter, active: Status) -> None:
    for name, color in TAGS:
        _ensure(Tag, counts, {"name": name}, color=color).content_types.add(*_content_types(TAGGED))
    for name, parent in TENANT_GROUPS:
        _ensure(TenantGroup, counts, {"name": name}, parent=TenantGroup.objects.filter(name=parent).first())
    for name, group in TENANTS:
        _ensure(Tenant, counts, {"name": name}, tenant_group=TenantGroup.objects.get(name=group))
    for name, parent, nestable, models in LOCATION_TYPES:
        parent_type = LocationType.objects.filter(name=parent).first()
        location_type = _ensure(LocationType, counts, {"name": name}, parent=parent_type, nestable=nestable)
        location_type.content_types.add(*_content_types(models))
    for name, parent, location_type, tenant in LOCATIONS:
        _ensure(
            Location,
            counts,
            {"name": name, "parent": Location.objects.filter(name=parent).first()},
            location_type=LocationType.objects.get(name=location_type),
            status=active,
            tenant=Tenant.objects.filter(name=tenant).first(),
        )
    Location.objects.get(name="Berlin DC1").tags.add(Tag.objects.get(name="production"))


def _load_hardware(counts: Counter) -> None:
    for name, color, content_type in ROLES:
        _ensure(Role, counts, {"name": name}, color=color).content_types.add(*_content_types([content_type]))
    for vendor, device_types in VENDORS.items():
        manufacturer = _ensure(Manufacturer, counts, {"name": vendor})
        for model, part_number, height in device_types:
            lookup = {"model": model, "manufacturer": manufacturer}
            _ensure(DeviceType, counts, lookup, part_number=part_number, u_height=height)
    for name, vendor, driver in PLATFORMS:
        manufacturer = Manufacturer.objects.get(name=vendor)
        _ensure(Platform, counts, {"name": name}, manufacturer=manufacturer, network_driver=driver)


def _load_ipam(counts: Counter, active: Status) -> None:
    group = _ensure(VLANGroup, counts, {"name": "Campus VLANs"}, description="VLANs of the campus sites")
    for vid, name, tenant in VLANS:
        _ensure(VLAN, counts, {"vid": vid, "vlan_group": group}, name=name, status=active, tenant=_tenant(tenant))
    namespace = Namespace.objects.get(name="Global")
    for prefix, prefix_type, tenant in PREFIXES:
        network, length = prefix.split("/")
        lookup = {"network": network, "prefix_length": int(length), "namespace": namespace}
        _ensure(Prefix, counts, lookup, type=prefix_type, status=active, tenant=_tenant(tenant))
    Prefix.objects.get(network="10.10.1.0").tags.add(Tag.objects.get(name="production"))


def _tenant(name: str | None) -> Tenant | None:
    return Tenant.objects.get(name=name) if name else None


def _ensure_support_tier(counts: Counter) -> None:
    """The device custom field; no default value, so there is nothing to provision (its log is muted)."""
    provisioning_log = logging.getLogger("nautobot.extras.customfields")
    level = provisioning_log.level
    provisioning_log.setLevel(logging.CRITICAL)
    try:
        lookup = {"key": "support_tier"}
        tier = _ensure(CustomField, counts, lookup, label="Support tier", type=CustomFieldTypeChoices.TYPE_TEXT)
        tier.content_types.add(*_content_types(["dcim.device"]))
    finally:
        provisioning_log.setLevel(level)


def _load_devices(counts: Counter, active: Status) -> None:
    _ensure_support_tier(counts)
    for name, model, role, platform, site, tenant, tags, support_tier, serial in DEVICES:
        device = _ensure(
            Device,
            counts,
            {"name": name},
            device_type=DeviceType.objects.get(model=model),
            role=Role.objects.get(name=role),
            platform=Platform.objects.get(name=platform),
            location=Location.objects.get(name=site),
            tenant=_tenant(tenant),
            status=active,
            serial=serial,
            _custom_field_data={"support_tier": support_tier},
        )
        device.tags.add(*Tag.objects.filter(name__in=tags))
    for device, name, interface_type, description, addresses in INTERFACES:
        lookup = {"device": Device.objects.get(name=device), "name": name}
        interface = _ensure(Interface, counts, lookup, type=interface_type, description=description, status=active)
        for address in addresses:
            host, mask = address.split("/")
            ip = _ensure(IPAddress, counts, {"host": host, "mask_length": int(mask)}, status=active)
            interface.ip_addresses.add(ip)


def _load_contacts(counts: Counter, active: Status) -> None:
    owner = Role.objects.get(name="Site owner")
    for name, phone, email, site in CONTACTS:
        contact = _ensure(Contact, counts, {"name": name}, phone=phone, email=email)
        lookup = {"contact": contact, "role": owner, "associated_object_id": Location.objects.get(name=site).pk}
        location_type = ContentType.objects.get_for_model(Location)
        _ensure(ContactAssociation, counts, lookup, associated_object_type=location_type, status=active)


def load_inventory() -> dict[str, int]:
    """Create the demo inventory objects that are missing.

    Returns:
        How many objects of each kind were created (empty when everything was in place).
    """
    counts: Counter = Counter()
    active = Status.objects.get(name="Active")
    _load_organisation(counts, active)
    _load_hardware(counts)
    _load_ipam(counts, active)
    _load_devices(counts, active)
    _load_contacts(counts, active)
    return dict(counts)


def ensure_api_user(username: str, token_key: str) -> Token:
    """Make sure a superuser ``username`` exists with an API token ``token_key``.

    Args:
        username: The user the token belongs to (created with an unusable password when missing).
        token_key: The 40-character token key.

    Returns:
        The token.
    """
    user, created = get_user_model().objects.get_or_create(username=username)
    if created or not user.is_superuser:
        user.is_superuser = user.is_staff = user.is_active = True
        if created:
            user.set_unusable_password()
        user.save()
    token, _ = Token.objects.get_or_create(key=token_key, defaults={"user": user, "description": "SSoT demo"})
    return token


def ensure_remote_integration(url: str, token_file: str) -> ExternalIntegration:
    """Point the local Nautobot at the remote one: a text-file Secret, a SecretsGroup and an ExternalIntegration.

    Args:
        url: Base URL of the remote Nautobot, such as ``http://127.0.0.1:8081``.
        token_file: Absolute path of the file holding the remote's API token.

    Returns:
        The ExternalIntegration (updated to ``url`` when it already existed).
    """
    secret, _ = Secret.objects.update_or_create(
        name=f"{INTEGRATION_NAME} token", defaults={"provider": "text-file", "parameters": {"path": token_file}}
    )
    group, _ = SecretsGroup.objects.get_or_create(name=f"{INTEGRATION_NAME} token")
    SecretsGroupAssociation.objects.get_or_create(
        secrets_group=group,
        access_type=SecretsGroupAccessTypeChoices.TYPE_HTTP,
        secret_type=SecretsGroupSecretTypeChoices.TYPE_TOKEN,
        defaults={"secret": secret},
    )
    integration, _ = ExternalIntegration.objects.update_or_create(
        name=INTEGRATION_NAME, defaults={"remote_url": url, "secrets_group": group, "verify_ssl": False, "timeout": 30}
    )
    return integration
