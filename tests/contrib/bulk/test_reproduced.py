"""The ``save()`` logic the bulk path does itself (``nautobot_ssot.contrib.bulk.reproduced``), and its canaries."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from nautobot.apps.dcim import SkipAutoComponentCreation
from nautobot.apps.testing import TestCase
from nautobot.dcim.models import (
    ConsolePort,
    Device,
    DeviceBay,
    Interface,
    Location,
    Module,
    ModuleBay,
    ModuleType,
    PowerPort,
)
from nautobot.extras.models import Status
from nautobot.ipam.models import VLAN, IPAddress, IPAddressRange, IPAddressToInterface, Prefix, VLANGroup
from nautobot.users.models import User
from nautobot.virtualization.models import VMInterface

from nautobot_ssot.contrib import NautobotAdapter, NautobotModel
from nautobot_ssot.contrib.bulk import BulkWriter, reproduced
from nautobot_ssot.contrib.bulk.reproduced import Reproduction, changed_receiver_source, reproductions
from nautobot_ssot.contrib.bulk.support import model_fallback_reason, plan_fallback_reason
from nautobot_ssot.jobs.examples.models import IPAddressModel, PrefixModel
from tests.contrib.bulk.faults import RecordingJob
from tests.contrib.fixtures import content_types
from tests.contrib.test_writers import NetDevice, RangeModel, make_network_fixtures, network, stored, sync


class ReproductionCanaryTestCase(TestCase):
    """Fail when Nautobot changes what the bulk path reproduces: check the bulk path still does it, then update."""

    def test_every_reproduced_method_is_the_one_checked(self):
        for owner, reproduction in reproductions().items():
            with self.subTest(owner.__name__):
                self.assertIsNone(reproduction.changed_source())

    def test_the_handled_receivers_are_the_ones_checked(self):
        self.assertIsNone(changed_receiver_source())

    def test_a_changed_method_is_not_taken_as_reproduced(self):
        stale = Reproduction(VLAN, (("save", "000000000000"),))
        self.assertEqual(stale.changed_source(), "VLAN.save() is not the one the bulk path was checked against")

    def test_the_network_models_are_written_in_bulk(self):
        models = (VLAN, Device, Interface, ConsolePort, PowerPort, VMInterface, IPAddress, IPAddressToInterface, Prefix)
        for model in models:
            with self.subTest(model.__name__):
                self.assertIsNone(model_fallback_reason(model))

    def test_a_prefix_whose_network_may_change_falls_back(self):
        self.assertIsNone(plan_fallback_reason(PrefixModel.field_plan()))
        self.assertEqual(
            plan_fallback_reason(PrefixByDescription.field_plan()),
            "Prefix.save() does more when namespace, network, prefix_length is written",
        )


class PrefixByDescription(NautobotModel):
    """A prefix known to the source by its description: its network is an attribute a sync may change."""

    _model = Prefix
    _modelname = "prefix"
    _identifiers = ("description",)
    _attributes = ("network", "prefix_length", "namespace__name")

    description: str
    network: str
    prefix_length: int
    namespace__name: str = "Global"


class NestedAdapter(NautobotAdapter):
    """Prefixes, address ranges and addresses."""

    prefix = PrefixModel
    range = RangeModel
    ip_address = IPAddressModel
    top_level = ("prefix", "range", "ip_address")


def nested(step: int) -> dict[str, list[dict[str, Any]]]:
    """Prefixes queued parent first and child first, with addresses; later steps add, remove and protect some.

    Address ranges are made under prefixes created in the same run, one under a prefix queued before its parent.
    Step 1 adds a prefix over a stored address and removes a prefix holding an address and a range (both go to its
    parent) and a root prefix holding only a child prefix (which becomes a root). Step 2 removes a root prefix
    holding an address: its delete is refused, as ``Prefix.delete()`` refuses it.
    """
    cidrs = ["10.2.0.0/16", "10.2.1.0/24", "10.3.1.0/24", "10.3.0.0/16", "10.4.0.0/16"]
    hosts = ["10.2.1.5", "10.3.1.5", "10.2.9.9", "10.4.0.1"]
    if step >= 1:
        cidrs = [cidr for cidr in cidrs if cidr not in ("10.2.1.0/24", "10.3.0.0/16")] + ["10.2.9.0/24"]
    if step >= 2:
        cidrs.remove("10.4.0.0/16")
    prefixes = [{"network": cidr.split("/")[0], "prefix_length": int(cidr.split("/")[1])} for cidr in cidrs]
    ranges = [{"start_host": f"10.{n}.1.100", "end_host": f"10.{n}.1.120"} for n in (2, 3)]
    addresses = [{"host": host, "mask_length": 24} for host in hosts]
    return {"prefix": prefixes, "range": ranges, "ip_address": addresses}


class PrefixFidelityTestCase(TestCase):
    """Prefixes reparent what they hold on create and delete, on the bulk path as on the 4.x-style path."""

    @classmethod
    def setUpTestData(cls):
        make_network_fixtures()
        Status.objects.get(name="Active").content_types.add(*content_types(IPAddressRange))
        cls.tester = User.objects.create(username="prefix-tester")

    def run_path(self, **options: Any) -> tuple[list[list[tuple[str, str, str]]], dict[str, Any]]:
        savepoint = transaction.savepoint()
        failures = []
        for step in range(3):
            job = RecordingJob()
            sync(nested(step), self.tester, NestedAdapter, job, **options)
            found = [outcome for outcome in job.run_context.outcomes if outcome.status != "success"]
            # Each path names the object its own way before Nautobot's message.
            failures.append([(item.model, item.unique_id, item.message.partition("Cannot")[2]) for item in found])
        parents = dict(Prefix.objects.values_list("network", "parent__network"))
        parents.update(
            {f"ip {host}": parent for host, parent in IPAddress.objects.values_list("host", "parent__network")}
        )
        state = stored(self.tester)
        transaction.savepoint_rollback(savepoint)
        return failures, {"parents": parents, **state}

    def test_the_bulk_path_stores_what_the_standard_path_stores(self):
        self.assertIsInstance(NestedAdapter(job=None, bulk=True).writer_for(PrefixModel), BulkWriter)
        standard_failures, standard = self.run_path(deferred_change_records=False)
        bulk_failures, bulk = self.run_path(bulk=True)
        self.assertEqual([len(found) for found in standard_failures], [0, 0, 1])
        self.assertIn(" delete Prefix 10.4.0.0/16 because it has child IP Address", standard_failures[2][0][2])
        self.assertEqual(bulk_failures, standard_failures)
        self.assertEqual(standard["parents"]["ip 10.2.9.9"], "10.2.9.0")
        self.assertEqual(standard["parents"]["10.3.1.0"], None)
        for key, rows in standard.items():
            with self.subTest(key):
                self.assertEqual(rows, bulk[key])


class ModeInterface(NautobotModel):
    """An interface with its mode."""

    _model = Interface
    _modelname = "interface"
    _identifiers = ("device__name", "name")
    _attributes = ("type", "mode", "status__name")

    device__name: str
    name: str
    type: str = "virtual"
    mode: str = ""
    status__name: str = "Active"


class ModeAdapter(NautobotAdapter):
    interface = ModeInterface
    top_level = ("interface",)


class ReproducedSaveTestCase(TestCase):
    """The bulk path stores what the reproduced ``save()`` methods store."""

    @classmethod
    def setUpTestData(cls):
        make_network_fixtures()
        cls.tester = User.objects.create(username="reproduced")
        sync({key: rows for key, rows in network().items() if key == "device"}, cls.tester)

    def sync_modes(self, mode: str, **options: Any) -> Interface:
        """Sync r0's eth9 with ``mode``; return it as stored."""
        rows = [{"device__name": "r0", "name": "eth9", "mode": mode}]
        self.assertEqual(sync({"interface": rows}, self.tester, ModeAdapter, **options), 0)
        return Interface.objects.get(device__name="r0", name="eth9")

    def test_an_interface_without_a_status_is_given_the_active_one(self):
        interface = Interface(device=Device.objects.get(name="r0"), name="eth9", type="virtual")
        reproduced.accept(interface)
        self.assertEqual(interface.status, active())

    def test_an_interface_no_longer_tagged_keeps_no_tagged_vlans(self):
        vlan = VLAN.objects.create(vid=99, name="v99", vlan_group=VLANGroup.objects.get(name="Campus"), status=active())
        tagged = self.sync_modes("tagged", bulk=True)
        tagged.tagged_vlans.add(vlan)
        access = self.sync_modes("access", bulk=True)
        self.assertEqual(access.mode, "access")
        self.assertEqual(list(access.tagged_vlans.all()), [])

    def test_a_tagged_interface_keeps_its_tagged_vlans_when_updated(self):
        vlan = VLAN.objects.create(vid=98, name="v98", vlan_group=VLANGroup.objects.get(name="Campus"), status=active())
        tagged = self.sync_modes("tagged", bulk=True)
        tagged.tagged_vlans.add(vlan)
        Interface.objects.filter(pk=tagged.pk).update(type="1000base-t")
        self.assertEqual(list(self.sync_modes("tagged", bulk=True).tagged_vlans.all()), [vlan])

    def test_a_module_component_belongs_to_the_modules_device(self):
        device = Device.objects.get(name="r0")
        bay = ModuleBay.objects.create(parent_device=device, name="slot1")
        module_type = ModuleType.objects.create(manufacturer=device.device_type.manufacturer, model="Line card")
        module = Module.objects.create(module_type=module_type, parent_module_bay=bay, status=active())
        interface = Interface(module=module, name="lc0", type="virtual")
        reproduced.accept(interface)
        self.assertEqual(interface.device, device)


class RoutersOnly(NetDevice):
    """The devices ``network()`` describes (a child device installed in one is left alone)."""

    @classmethod
    def get_queryset(cls):
        return Device.objects.filter(name__in=["r0", "r1"])


class RoutersAdapter(NautobotAdapter):
    device = RoutersOnly
    top_level = ("device",)


class ReproducedDeviceSaveTestCase(TestCase):
    """Devices written in bulk get their type's components and move their child devices, as ``Device.save()``."""

    @classmethod
    def setUpTestData(cls):
        make_network_fixtures()
        cls.tester = User.objects.create(username="reproduced-devices")

    def sync_devices(self, location: str = "Site A") -> None:
        devices = [{**row, "location__name": location} for row in network()["device"]]
        self.assertEqual(sync({"device": devices}, self.tester, RoutersAdapter, bulk=True), 0)

    def test_new_devices_get_their_types_components(self):
        self.sync_devices()
        names = Interface.objects.filter(device__name__in=["r0", "r1"]).values_list("device__name", "name")
        self.assertEqual(sorted(names), [("r0", "mgmt0"), ("r1", "mgmt0")])

    def test_no_components_while_their_creation_is_suppressed(self):
        with SkipAutoComponentCreation():
            self.sync_devices()
        self.assertFalse(Interface.objects.filter(device__name__in=["r0", "r1"]).exists())

    def test_an_updated_device_moves_its_child_devices_along(self):
        self.sync_devices()
        parent = Device.objects.get(name="r0")
        child = Device.objects.create(
            name="blade", device_type=parent.device_type, role=parent.role, location=parent.location, status=active()
        )
        DeviceBay.objects.create(device=parent, name="bay1", installed_device=child)
        Location.objects.create(name="Site C", location_type=parent.location.location_type, status=active())
        self.sync_devices(location="Site C")
        child.refresh_from_db()
        self.assertEqual(child.location.name, "Site C")


class DeviceBySerial(NautobotModel):
    """Devices identified by serial number, so that two of one run may share a name."""

    _model = Device
    _modelname = "device"
    _identifiers = ("serial",)
    _attributes = ("name", "device_type__model", "role__name", "location__name", "status__name")

    serial: str
    name: str
    device_type__model: str = "Router 1"
    role__name: str = "Router"
    location__name: str = "Site A"
    status__name: str = "Active"


class SerialAdapter(NautobotAdapter):
    device = DeviceBySerial
    top_level = ("device",)


class DeviceUniquenessTestCase(TestCase):
    """Two new devices that clash under ``DEVICE_UNIQUENESS``: the second fails on both paths."""

    @classmethod
    def setUpTestData(cls):
        make_network_fixtures()
        cls.tester = User.objects.create(username="uniqueness")

    def failures(self, stored: bool = False, **options: Any) -> tuple[int, list[str]]:
        """Sync two devices named edge and one named core (the first edge stored before, with ``stored``)."""
        rows = [{"serial": "S1", "name": "edge"}, {"serial": "S2", "name": "edge"}, {"serial": "S3", "name": "core"}]
        savepoint = transaction.savepoint()
        if stored:
            self.assertEqual(sync({"device": rows[:1]}, self.tester, SerialAdapter), 0)
        failed = sync({"device": rows}, self.tester, SerialAdapter, **options)
        names = sorted(Device.objects.values_list("name", flat=True))
        transaction.savepoint_rollback(savepoint)
        return failed, names

    def test_the_bulk_path_refuses_the_second_as_the_standard_path_does(self):
        self.assertIsInstance(SerialAdapter(job=None, bulk=True).writer_for(DeviceBySerial), BulkWriter)
        standard = self.failures(deferred_change_records=False)
        self.assertEqual(standard, (1, ["core", "edge"]))
        self.assertEqual(self.failures(bulk=True), standard)

    def test_a_new_device_clashing_with_a_stored_one_fails_on_both_paths(self):
        standard = self.failures(stored=True, deferred_change_records=False)
        self.assertEqual(standard, (1, ["core", "edge"]))
        self.assertEqual(self.failures(stored=True, bulk=True), standard)


def active() -> Status:
    """The Active status."""
    return Status.objects.get(name="Active")
