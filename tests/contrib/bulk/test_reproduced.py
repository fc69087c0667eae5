"""The ``save()`` logic the bulk path does itself (``nautobot_ssot.contrib.bulk.reproduced``), and its canaries."""

from __future__ import annotations

from typing import Any

from nautobot.apps.testing import TestCase
from nautobot.dcim.models import (
    ConsolePort,
    Device,
    Interface,
    Module,
    ModuleBay,
    ModuleType,
    PowerPort,
)
from nautobot.extras.models import Status
from nautobot.ipam.models import VLAN, IPAddress, Prefix, VLANGroup
from nautobot.users.models import User
from nautobot.virtualization.models import VMInterface

from nautobot_ssot.contrib import NautobotAdapter, NautobotModel
from nautobot_ssot.contrib.bulk import reproduced
from nautobot_ssot.contrib.bulk.reproduced import Reproduction, changed_m2m_source, reproductions
from nautobot_ssot.contrib.bulk.support import model_fallback_reason
from tests.contrib.test_writers import make_network_fixtures, network, sync


class ReproductionCanaryTestCase(TestCase):
    """Fail when Nautobot changes what the bulk path reproduces: check the bulk path still does it, then update."""

    def test_every_reproduced_method_is_the_one_checked(self):
        for owner, reproduction in reproductions().items():
            with self.subTest(owner.__name__):
                self.assertIsNone(reproduction.changed_source())

    def test_the_through_table_checks_are_the_ones_checked(self):
        self.assertIsNone(changed_m2m_source())

    def test_a_changed_method_is_not_taken_as_reproduced(self):
        stale = Reproduction(VLAN, (("save", "000000000000"),))
        self.assertEqual(stale.changed_source(), "VLAN.save() is not the one the bulk path was checked against")

    def test_the_network_models_are_written_in_bulk_and_prefix_is_not(self):
        for model in (VLAN, Device, Interface, ConsolePort, PowerPort, VMInterface, IPAddress):
            with self.subTest(model.__name__):
                self.assertIsNone(model_fallback_reason(model))
        self.assertEqual(model_fallback_reason(Prefix), "Prefix.delete() has its own logic")


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


def active() -> Status:
    """The Active status."""
    return Status.objects.get(name="Active")
