"""The write strategies: the default (deferred change records) stores what the 4.x-style standard path stores."""

from __future__ import annotations

import re
from contextlib import nullcontext
from typing import Any, Optional

from diffsync.enum import DiffSyncFlags
from django.db import transaction
from nautobot.apps.testing import TestCase
from nautobot.dcim.models import Device, Interface, Location
from nautobot.extras.choices import ObjectChangeEventContextChoices
from nautobot.extras.context_managers import web_request_context
from nautobot.extras.models import ObjectChange, TaggedItem
from nautobot.ipam.models import VLAN, IPAddress, IPAddressRange, IPAddressToInterface, Prefix, VLANGroup
from nautobot.users.models import User
from nautobot.virtualization.models import Cluster, ClusterType, VirtualMachine, VMInterface

from nautobot_ssot.contrib import NautobotAdapter, NautobotModel
from nautobot_ssot.contrib.bulk import BulkWriter
from nautobot_ssot.contrib.bulk.dispatch import fast_dispatch
from nautobot_ssot.contrib.typeddicts import IPAddressDict, TagDict
from nautobot_ssot.contrib.writers import DeferredWriter, StandardWriter, writer_for
from nautobot_ssot.jobs.examples.models import IPAddressModel, LocationModel, PrefixModel, VLANModel
from nautobot_ssot.sync.executor import apply_diff
from tests.contrib.bulk.faults import RecordingJob
from tests.contrib.fixtures import content_types, make_base, make_device_fixtures, make_location, source_for
from tests.contrib.test_bulk import NamespaceOnly

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
VOLATILE = {"id", "created", "last_updated", "time"}
"""Columns and serialized keys that differ between two runs by nature (generated ids, timestamps)."""
MODELS = (Device, Interface, IPAddress, IPAddressToInterface, Prefix, VLAN, VirtualMachine, VMInterface, IPAddressRange)


class NetDevice(NautobotModel):
    _model = Device
    _modelname = "device"
    _identifiers = ("name",)
    _attributes = ("device_type__model", "role__name", "location__name", "status__name", "serial", "tags")

    name: str
    device_type__model: str
    role__name: str
    location__name: str
    status__name: str = "Active"
    serial: str = ""
    tags: list[TagDict] = []


class NetInterface(NautobotModel):
    _model = Interface
    _modelname = "interface"
    _identifiers = ("device__name", "name")
    _attributes = ("type", "description", "status__name", "ip_addresses")

    device__name: str
    name: str
    type: str = "virtual"
    description: str = ""
    status__name: str = "Active"
    ip_addresses: list[IPAddressDict] = []


class NetAdapter(NautobotAdapter):
    vlan = VLANModel
    prefix = PrefixModel
    ip_address = IPAddressModel
    device = NetDevice
    interface = NetInterface
    top_level = ("vlan", "prefix", "ip_address", "device", "interface")


def network(changed: bool = False) -> dict[str, list[dict[str, Any]]]:
    """Two devices with interfaces and addresses, prefixes (a parent after its child), VLANs; ``changed`` edits.

    The devices' ``mgmt0`` interfaces come from their device type; the changed data describes one of them.
    """
    devices = [
        {"name": f"r{n}", "device_type__model": "Router 1", "role__name": "Router", "location__name": "Site A"}
        for n in range(2)
    ]
    interfaces = [{"device__name": f"r{n}", "name": "mgmt0", "type": "1000base-t"} for n in range(2) if changed]
    ips = []
    for n in range(2):
        for port in range(3):
            host = f"10.0.0.{10 * n + port + 1}"
            ips.append({"host": host, "mask_length": 24})
            interfaces.append({"device__name": f"r{n}", "name": f"eth{port}", "ip_addresses": [ips[-1].copy()]})
    prefixes = [{"network": "10.1.1.0", "prefix_length": 24}, {"network": "10.1.0.0", "prefix_length": 16}]
    prefixes.append({"network": "10.0.0.0", "prefix_length": 24})
    vlans = [{"vid": vid, "vlan_group__name": "Campus", "name": f"v{vid}"} for vid in (10, 20, 30)]
    if changed:
        devices[0]["serial"] = "SN-1"
        devices[1]["tags"] = [{"name": "gold"}]
        interfaces[2]["description"] = "uplink"
        interfaces[3]["ip_addresses"] = []
        interfaces[0]["description"] = "management"
        del interfaces[-1]
        del ips[-1]
        ips[0]["description"] = "loopback"
        prefixes[1]["description"] = "campus"
        del prefixes[0]
        vlans[0]["name"] = "users"
        del vlans[2]
    return {"vlan": vlans, "prefix": prefixes, "ip_address": ips, "device": devices, "interface": interfaces}


def emptied() -> dict[str, list[dict[str, Any]]]:
    """The changed network without the interfaces of r1 from the source (its ``mgmt0`` stays) and their addresses.

    Several interfaces and several addresses are deleted one after the other (queued and deleted together).
    """
    data = network(changed=True)
    data["interface"] = [row for row in data["interface"] if row["device__name"] == "r0" or row["name"] == "mgmt0"]
    data["ip_address"] = [row for row in data["ip_address"] if int(row["host"].rsplit(".", 1)[1]) < 10]
    return data


def sync(
    data: dict[str, list[dict[str, Any]]],
    user: User,
    adapter: type[NautobotAdapter] | None = None,
    job: RecordingJob | None = None,
    **options: Any,
) -> int:
    """Sync ``data`` into the database as a job does (job change context, the job's syncer); return failures.

    With a ``job``, every outcome is recorded in its run context, writes refused when the queue is flushed included.

    As a job of this app runs, the dispatch when the change context closes reads per chunk of records
    (``fast_dispatch``), except on the 4.x-style path (``deferred_change_records=False``).
    """
    adapter = adapter or NetAdapter
    dispatch = nullcontext() if options.get("deferred_change_records") is False else fast_dispatch()
    with dispatch, web_request_context(user, context=ObjectChangeEventContextChoices.CONTEXT_JOB):
        target = adapter(job=job, **options)
        target.load()
        source = source_for(adapter, data)
        diff = source.diff_to(target)
        outcomes = job.run_context if job is not None else None
        return apply_diff(source, target, diff, DiffSyncFlags.CONTINUE_ON_FAILURE, outcomes=outcomes).failed


def make_network_fixtures() -> None:
    """Create what ``network()`` refers to: device fixtures, the site, statuses and tags for its models, the group."""
    base = make_base()
    make_device_fixtures(base)
    make_location(base, "Site A")
    for model in (Device, Interface, IPAddress, Prefix, VLAN):
        base.active.content_types.add(*content_types(model))
    base.tags[0].content_types.add(*content_types(Device))
    VLANGroup.objects.create(name="Campus")


class Labels:
    """Stable names for generated primary keys, so that two runs' rows and records can be compared."""

    def __init__(self, user: User) -> None:
        """Name every object of the compared models, and every object a change record of ``user`` names."""
        self.names: dict[str, str] = {}
        for record in ObjectChange.objects.filter(user=user):
            self.names[str(record.changed_object_id)] = f"{record.changed_object_type.model}:{record.object_repr}"
        for model in MODELS:
            for obj in model.objects.all():
                self.names[str(obj.pk)] = f"{model._meta.model_name}:{obj}:{getattr(obj, 'parent', '')}"

    def __call__(self, value: Any) -> Any:
        """Return ``value`` with primary keys replaced by names, volatile keys dropped, natural slugs cut."""
        if isinstance(value, dict):
            return {key: self.slug(key, self(item)) for key, item in value.items() if key not in VOLATILE}
        if isinstance(value, list):
            return [self(item) for item in value]
        if isinstance(value, str):
            return UUID.sub(lambda match: self.names.get(match.group(0), match.group(0)), value)
        return self(str(value)) if value.__class__.__name__ == "UUID" else value

    @staticmethod
    def slug(key: str, value: Any) -> Any:
        """Drop the primary key part of a natural slug (four characters of a generated id)."""
        return value.rsplit("_", 1)[0] if key == "natural_slug" and isinstance(value, str) else value


def stored(user: User) -> dict[str, Any]:
    """What the compared models hold: every column but ids and timestamps, tags, and ``user``'s change records."""
    labels = Labels(user)
    state: dict[str, Any] = {}
    for model in MODELS:
        state[model._meta.model_name] = sorted(repr(labels(row)) for row in model.objects.values())
    state["tags"] = sorted(repr(labels(row)) for row in TaggedItem.objects.values("object_id", "tag__name"))
    records = ObjectChange.objects.filter(user=user).values(
        "action",
        "changed_object_type__model",
        "changed_object_id",
        "related_object_type__model",
        "related_object_id",
        "object_repr",
        "object_data",
        "object_data_v2",
    )
    state["changes"] = sorted(repr(labels(row)) for row in records)
    return state


class WriterFidelityTestCase(TestCase):
    """The same diffs through the 4.x-style path and the default path store the same rows and change records."""

    @classmethod
    def setUpTestData(cls):
        make_network_fixtures()
        cls.tester = User.objects.create(username="writer-tester")

    def run_path(self, **options: Any) -> dict[str, Any]:
        """Create the network, change it, then empty r1, through one path; return what is stored (then roll back)."""
        savepoint = transaction.savepoint()
        for data in (network(), network(changed=True), emptied()):
            self.assertEqual(sync(data, self.tester, **options), 0)
        state = stored(self.tester)
        transaction.savepoint_rollback(savepoint)
        return state

    def test_default_path_stores_what_the_standard_path_stores(self):
        standard = self.run_path(deferred_change_records=False)
        default = self.run_path()
        self.assertEqual(len(standard["interface"]), 5)
        self.assertEqual(len(standard["ipaddresstointerface"]), 2)
        for key, rows in standard.items():
            with self.subTest(key):
                self.assertEqual(rows, default[key])

    def test_bulk_path_stores_what_the_standard_path_stores(self):
        """VLANs, devices (with their components), interfaces (with their address assignments) and IP addresses
        are written in bulk; prefixes fall back to the default path (``WriterChoiceTestCase``).
        """
        standard = self.run_path(deferred_change_records=False)
        bulk = self.run_path(bulk=True)
        self.assertEqual(len(standard["vlan"]), 2)
        for key, rows in standard.items():
            with self.subTest(key):
                self.assertEqual(rows, bulk[key])

    def test_created_components_and_parent_prefixes_are_stored(self):
        sync(network(), self.tester)
        device = Device.objects.get(name="r0")
        self.assertEqual(sorted(device.interfaces.values_list("name", flat=True)), ["eth0", "eth1", "eth2", "mgmt0"])
        child = Prefix.objects.get(network="10.1.1.0")
        self.assertEqual(str(child.parent), "10.1.0.0/16")
        self.assertEqual(str(IPAddress.objects.get(host="10.0.0.1").parent), "10.0.0.0/24")
        self.assertEqual(ObjectChange.objects.filter(changed_object_id=device.pk).count(), 1)

    def test_deferred_change_records_are_written_with_their_batch(self):
        with web_request_context(self.tester, context=ObjectChangeEventContextChoices.CONTEXT_JOB):
            target = NetAdapter(job=None)
            target.change_batch.batch_size = 2
            target.load()
            source = source_for(NetAdapter, network())
            apply_diff(source, target, source.diff_to(target), DiffSyncFlags.CONTINUE_ON_FAILURE)
        created = [obj.pk for model in (Device, Interface, IPAddress, Prefix, VLAN) for obj in model.objects.all()]
        recorded = set(ObjectChange.objects.filter(user=self.tester).values_list("changed_object_id", flat=True))
        self.assertEqual({pk for pk in created if pk not in recorded}, {pk for pk in created if is_fixture(pk)})


class AssignmentModel(NautobotModel):
    """An IP address assignment synced as an object of its own (as 4.x integrations do)."""

    _model = IPAddressToInterface
    _modelname = "assignment"
    _identifiers = ("interface__device__name", "interface__name", "ip_address__host")
    _attributes = ("is_preferred",)

    interface__device__name: str
    interface__name: str
    ip_address__host: str
    is_preferred: bool = False


class AssignmentAdapter(NautobotAdapter):
    assignment = AssignmentModel
    top_level = ("assignment",)


def assignments(*rows: tuple[str, str, str, bool]) -> dict[str, list[dict[str, Any]]]:
    """Assignment records from (device, interface, host, preferred) rows."""
    keys = ("interface__device__name", "interface__name", "ip_address__host", "is_preferred")
    return {"assignment": [dict(zip(keys, row, strict=True)) for row in rows]}


class AssignmentFidelityTestCase(TestCase):
    """IP address assignments synced as objects: the same rows and records on the 4.x-style and the bulk path.

    Both sides of an assignment get a change record when it is created or deleted, and deleting the assignment of
    a device's primary address clears the device's primary address, which is recorded too.
    """

    @classmethod
    def setUpTestData(cls):
        make_network_fixtures()
        sync(network(), User.objects.create(username="network-builder"))
        r0 = Device.objects.get(name="r0")
        r0.primary_ip4 = IPAddress.objects.get(host="10.0.0.1")
        r0.save()
        cls.tester = User.objects.create(username="assignment-tester")

    def run_path(self, **options: Any) -> dict[str, Any]:
        """Add and prefer assignments, then drop the primary address's; return what is stored (then roll back)."""
        savepoint = transaction.savepoint()
        steps = (
            assignments(("r0", "eth0", "10.0.0.1", False), ("r0", "eth1", "10.0.0.1", True)),
            assignments(("r0", "eth1", "10.0.0.1", False), ("r0", "eth2", "10.0.0.3", True)),
            assignments(("r0", "eth2", "10.0.0.3", True)),
        )
        for data in steps:
            self.assertEqual(sync(data, self.tester, AssignmentAdapter, **options), 0)
        state = stored(self.tester)
        state["primary"] = Device.objects.get(name="r0").primary_ip4_id
        transaction.savepoint_rollback(savepoint)
        return state

    def test_bulk_path_stores_what_the_standard_path_stores(self):
        self.assertIsInstance(AssignmentAdapter(job=None, bulk=True).writer_for(AssignmentModel), BulkWriter)
        standard = self.run_path(deferred_change_records=False)
        bulk = self.run_path(bulk=True)
        self.assertIsNone(standard["primary"])
        self.assertIn("device:r0", " ".join(standard["changes"]))
        for key, rows in standard.items():
            with self.subTest(key):
                self.assertEqual(rows, bulk[key])


class VMModel(NautobotModel):
    _model = VirtualMachine
    _modelname = "vm"
    _identifiers = ("name",)
    _attributes = ("cluster__name", "status__name")

    name: str
    cluster__name: str = "Farm"
    status__name: str = "Active"


class VMInterfaceModel(NautobotModel):
    _model = VMInterface
    _modelname = "vminterface"
    _identifiers = ("virtual_machine__name", "name")
    _attributes = ("description", "status__name", "ip_addresses")

    virtual_machine__name: str
    name: str
    description: str = ""
    status__name: str = "Active"
    ip_addresses: list[IPAddressDict] = []


class RangeModel(NautobotModel):
    _model = IPAddressRange
    _modelname = "range"
    _identifiers = ("start_host", "end_host")
    _attributes = ("status__name", "description")

    start_host: str
    end_host: str
    status__name: str = "Active"
    description: str = ""


class VirtualAdapter(NautobotAdapter):
    range = RangeModel
    ip_address = IPAddressModel
    vm = VMModel
    vminterface = VMInterfaceModel
    top_level = ("range", "ip_address", "vm", "vminterface")


def virtual(step: int) -> dict[str, list[dict[str, Any]]]:
    """Two VMs with an interface and an address each, and an address range; later steps change and remove some."""
    ips = [{"host": f"10.0.0.{50 + n}", "mask_length": 24} for n in range(2)]
    interfaces = [
        {"virtual_machine__name": f"vm{n}", "name": "eth0", "ip_addresses": [ips[n].copy()]} for n in range(2)
    ]
    ranges = [{"start_host": "10.0.0.100", "end_host": "10.0.0.120"}]
    if step >= 1:
        interfaces[0]["description"] = "uplink"
        interfaces[1]["ip_addresses"] = []
        ranges[0]["description"] = "dhcp"
    if step >= 2:
        del interfaces[1], ips[1], ranges[0]
    vms = [{"name": f"vm{n}"} for n in range(2)]
    return {"range": ranges, "ip_address": ips, "vm": vms, "vminterface": interfaces}


class VirtualFidelityTestCase(TestCase):
    """VM interfaces with their addresses, and address ranges: the same on the 4.x-style and the bulk path."""

    @classmethod
    def setUpTestData(cls):
        make_network_fixtures()
        base_active = IPAddress._meta.get_field("status").related_model.objects.get(name="Active")
        base_active.content_types.add(*content_types(VirtualMachine, VMInterface, IPAddressRange))
        Cluster.objects.create(name="Farm", cluster_type=ClusterType.objects.create(name="KVM"))
        cls.tester = User.objects.create(username="virtual-tester")

    def run_path(self, **options: Any) -> dict[str, Any]:
        savepoint = transaction.savepoint()
        for step in range(3):
            self.assertEqual(sync(virtual(step), self.tester, VirtualAdapter, **options), 0)
        state = stored(self.tester)
        transaction.savepoint_rollback(savepoint)
        return state

    def test_bulk_path_stores_what_the_standard_path_stores(self):
        bulk_adapter = VirtualAdapter(job=None, bulk=True)
        for model_class in (RangeModel, VMModel, VMInterfaceModel):
            self.assertIsInstance(bulk_adapter.writer_for(model_class), BulkWriter)
        standard = self.run_path(deferred_change_records=False)
        bulk = self.run_path(bulk=True)
        self.assertEqual(len(standard["vminterface"]), 1)
        self.assertEqual(len(standard["ipaddresstointerface"]), 1)
        for key, rows in standard.items():
            with self.subTest(key):
                self.assertEqual(rows, bulk[key])


def is_fixture(pk: Any) -> bool:
    """Whether ``pk`` is an object created by the fixtures (no change record) rather than by a sync."""
    return (
        Prefix.objects.filter(pk=pk, network="10.0.0.0", prefix_length=24).exists()
        or Interface.objects.filter(pk=pk, name="mgmt0").exists()
    )


class SiteB(LocationModel):
    @classmethod
    def get_queryset(cls):
        return Location.objects.filter(name="Site B")


class DeviceAtSiteB(NetDevice):
    """Written on the default path (the bulk path could write devices) to mix the two paths in one run."""

    _bulk = False

    @classmethod
    def get_queryset(cls):
        return Device.objects.filter(location__name="Site B")


class SiteBAdapter(NautobotAdapter):
    location = SiteB
    device = DeviceAtSiteB
    top_level = ("location", "device")


class MixedPathsTestCase(TestCase):
    """Deletes queued on the default path run before the bulk path's flush deletes what they refer to."""

    SITE = {"name": "Site B", "location_type__name": "Site"}

    @classmethod
    def setUpTestData(cls):
        make_network_fixtures()
        cls.tester = User.objects.create(username="mixed-paths")

    def sync_site_b(self, *devices: dict[str, str], site: bool = True) -> int:
        """Sync Site B (on the bulk path) and ``devices`` at it (on the default path); return the failures."""
        data = {"location": [self.SITE] if site else [], "device": list(devices)}
        return sync(data, self.tester, SiteBAdapter, bulk=True)

    @staticmethod
    def device(role: str = "Router") -> dict[str, str]:
        return {"name": "rb", "device_type__model": "Router 1", "role__name": role, "location__name": "Site B"}

    def test_a_device_and_its_location_removed_together_are_both_deleted(self):
        self.assertEqual(self.sync_site_b(self.device()), 0)
        for obj in (Device.objects.get(name="rb"), Location.objects.get(name="Site B")):
            self.assertEqual(ObjectChange.objects.filter(changed_object_id=obj.pk).count(), 1)
        self.assertEqual(self.sync_site_b(site=False), 0)
        self.assertFalse(Device.objects.filter(name="rb").exists())
        self.assertFalse(Location.objects.filter(name="Site B").exists())

    def test_a_device_that_fails_does_not_take_the_location_written_before_it_along(self):
        self.assertEqual(self.sync_site_b(self.device(role="Missing")), 1)
        self.assertTrue(Location.objects.filter(name="Site B").exists())
        self.assertFalse(Device.objects.filter(name="rb").exists())


class WriterChoiceTestCase(TestCase):
    """The adapter chooses one writer per model class."""

    def test_default_is_deferred_and_options_choose_the_others(self):
        self.assertIsInstance(NetAdapter(job=None).writer_for(NetDevice), DeferredWriter)
        self.assertIs(type(NetAdapter(job=None, deferred_change_records=False).writer_for(NetDevice)), StandardWriter)
        bulk = NetAdapter(job=None, bulk=True)
        for model_class in (VLANModel, NetDevice, NetInterface, IPAddressModel, PrefixModel, LocationOnly):
            self.assertIsInstance(bulk.writer_for(model_class), BulkWriter)
        self.assertIsInstance(bulk.writer_for(NamespaceOnly), DeferredWriter)  # Namespace.delete() falls back
        self.assertIs(bulk.writer_for(LocationOnly), bulk.writer_for(LocationOnly))

    def test_a_job_can_opt_out(self):
        class Job:
            class Meta:
                deferred_change_records = False

        self.assertIs(type(NetAdapter(job=Job()).writer_for(NetDevice)), StandardWriter)

    def test_a_plain_diffsync_adapter_writes_through_the_standard_writer(self):
        source = source_for(NetAdapter, {"vlan": []})
        self.assertIs(type(writer_for(source, VLANModel)), StandardWriter)
        self.assertFalse(VLANModel.writes_deferred(source))


class LocationOnly(NautobotModel):
    _model = Location
    _modelname = "location"
    _identifiers = ("name",)

    name: str
    description: Optional[str] = None
