"""Database fixtures and sync helpers shared by the contrib tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from diffsync import Adapter
from diffsync.diff import Diff
from diffsync.enum import DiffSyncFlags
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model
from nautobot.circuits.models import Provider
from nautobot.dcim.models import Device, DeviceType, Interface, InterfaceTemplate, Location, LocationType, Manufacturer
from nautobot.extras.choices import CustomFieldTypeChoices, MetadataTypeDataTypeChoices, RelationshipTypeChoices
from nautobot.extras.models import CustomField, MetadataType, Relationship, Role, Status, Tag
from nautobot.ipam.models import IPAddress, Namespace, Prefix
from nautobot.tenancy.models import Tenant, TenantGroup

from nautobot_ssot.contrib import NautobotAdapter
from nautobot_ssot.sync.context import ObjectOutcome


def content_types(*models: type[Model]) -> list[ContentType]:
    """Return the content types of ``models``."""
    return [ContentType.objects.get_for_model(model) for model in models]


@dataclass
class Base:
    """The objects most tests need: statuses, a location type, tenancy, tags."""

    active: Status
    planned: Status
    site_type: LocationType
    group: TenantGroup
    tags: list[Tag]


def make_base() -> Base:
    """Create the location type, tenant group and tags; the statuses come with Nautobot."""
    site_type = LocationType.objects.create(name="Site", nestable=True)
    site_type.content_types.set(content_types(Location, Device))
    tags = [Tag.objects.create(name=name) for name in ("gold", "silver", "bronze")]
    for tag in tags:
        tag.content_types.set(content_types(Location, Tenant, Interface, Provider))
    return Base(
        active=Status.objects.get(name="Active"),
        planned=Status.objects.get(name="Planned"),
        site_type=site_type,
        group=TenantGroup.objects.create(name="Customers"),
        tags=tags,
    )


def make_location(base: Base, name: str, **fields: Any) -> Location:
    """Create an active site."""
    return Location.objects.create(name=name, location_type=base.site_type, status=base.active, **fields)


def make_provider_custom_field() -> CustomField:
    """Create the boolean custom field ``is_global`` and the text field ``external_id`` on Provider."""
    field = CustomField.objects.create(key="is_global", label="Is Global", type=CustomFieldTypeChoices.TYPE_BOOLEAN)
    field.content_types.set(content_types(Provider))
    external = CustomField.objects.create(key="external_id", label="External ID", type=CustomFieldTypeChoices.TYPE_TEXT)
    external.content_types.set(content_types(Provider))
    return field


def make_relationship(label: str, source: type[Model], destination: type[Model], kind: str) -> Relationship:
    """Create a custom relationship."""
    return Relationship.objects.create(
        label=label,
        type=kind,
        source_type=ContentType.objects.get_for_model(source),
        destination_type=ContentType.objects.get_for_model(destination),
    )


def make_relationships() -> None:
    """Create one-to-one, one-to-many and many-to-many relationships between Tenant, Location and Provider."""
    make_relationship("Tenant headquarters", Tenant, Location, RelationshipTypeChoices.TYPE_ONE_TO_ONE)
    make_relationship("Tenant providers", Tenant, Provider, RelationshipTypeChoices.TYPE_ONE_TO_MANY)
    make_relationship("Location providers", Location, Provider, RelationshipTypeChoices.TYPE_MANY_TO_MANY)


def make_metadata_types() -> None:
    """Create a text and an integer MetadataType for Tenant and Location."""
    for name, data_type in (
        ("Data owner", MetadataTypeDataTypeChoices.TYPE_TEXT),
        ("Audit score", MetadataTypeDataTypeChoices.TYPE_INTEGER),
    ):
        metadata_type = MetadataType.objects.create(name=name, data_type=data_type)
        metadata_type.content_types.set(content_types(Tenant, Location))


@dataclass
class DeviceFixtures:
    """A device type with an interface template, a device role and an IP prefix."""

    device_type: DeviceType
    role: Role
    namespace: Namespace


def make_device_fixtures(base: Base) -> DeviceFixtures:
    """Create what devices, interfaces and IP addresses need."""
    manufacturer = Manufacturer.objects.create(name="Acme")
    device_type = DeviceType.objects.create(manufacturer=manufacturer, model="Router 1")
    InterfaceTemplate.objects.create(device_type=device_type, name="mgmt0", type="1000base-t")
    role = Role.objects.create(name="Router")
    role.content_types.set(content_types(Device))
    namespace, _ = Namespace.objects.get_or_create(name="Global")  # gone after a TransactionTestCase's flush
    Prefix.objects.create(prefix="10.0.0.0/24", namespace=namespace, status=base.active)
    return DeviceFixtures(device_type, role, namespace)


def make_ip(base: Base, address: str) -> IPAddress:
    """Create an IP address in the Global namespace."""
    return IPAddress.objects.create(address=address, namespace=Namespace.objects.get(name="Global"), status=base.active)


def source_for(target_class: type[NautobotAdapter], records: Mapping[str, Iterable[Mapping[str, Any]]]) -> Adapter:
    """Build a plain diffsync adapter with the target's model classes, holding ``records`` per model name."""
    attributes = {name: getattr(target_class, name) for name in records}
    source_class = type("SourceAdapter", (Adapter,), {**attributes, "top_level": list(records)})
    source = source_class()
    for modelname, rows in records.items():
        for row in rows:
            source.add(attributes[modelname](**row))
    return source


class FailedOutcomes:
    """The failed outcomes of a run, as (model, unique id, message): an ``OutcomeRecorder``."""

    def __init__(self) -> None:
        """No outcome yet."""
        self.found: list[tuple[str, str, str]] = []

    def record(self, outcome: ObjectOutcome) -> None:
        """Keep a failed outcome (a write refused when the queue is flushed included)."""
        if outcome.status != "success":
            self.found.append((outcome.model, outcome.unique_id, outcome.message))


def sync_records(
    target_class: type[NautobotAdapter], records: Mapping[str, Iterable[Mapping[str, Any]]], strict: bool = True
) -> Diff:
    """Load ``target_class`` from the database and sync ``records`` into it; return the diff that was applied."""
    target = target_class(job=None)
    target.load()
    source = source_for(target_class, records)
    diff = source.diff_to(target)
    flags = DiffSyncFlags.NONE if strict else DiffSyncFlags.CONTINUE_ON_FAILURE
    source.sync_to(target, diff=diff, flags=flags)
    return diff


def changes(diff: Diff) -> dict[str, int]:
    """Return the create/update/delete counts of a diff."""
    summary = diff.summary()
    return {action: summary[action] for action in ("create", "update", "delete")}


def load(adapter_class: type[NautobotAdapter]) -> NautobotAdapter:
    """Return a loaded adapter."""
    adapter = adapter_class(job=None)
    adapter.load()
    return adapter


def terminate_connection() -> None:
    """Terminate the server process of the default database connection from a second connection.

    What an administrator's ``pg_terminate_backend``, a failover or a network cut does to a running job: the next
    statement on the connection fails with an ``OperationalError``.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
