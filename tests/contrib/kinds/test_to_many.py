"""Many-to-many and reverse foreign key relations typed ``List[TypedDict]``: sorted on load, set on write."""

from typing import List, Optional

from diffsync.exceptions import ObjectNotUpdated
from nautobot.apps.testing import TestCase
from nautobot.dcim.models import Device, Interface
from nautobot.tenancy.models import Tenant, TenantGroup
from typing_extensions import TypedDict

from nautobot_ssot.contrib import NautobotAdapter, NautobotModel
from nautobot_ssot.contrib.typeddicts import IPAddressDict, TagDict
from tests.contrib.fixtures import (
    changes,
    load,
    make_base,
    make_device_fixtures,
    make_ip,
    make_location,
    sync_records,
)


class TenantModel(NautobotModel):
    _model = Tenant
    _modelname = "tenant"
    _identifiers = ("name",)
    _attributes = ("tags",)

    name: str
    tags: List[TagDict] = []


class TenantAdapter(NautobotAdapter):
    tenant = TenantModel
    top_level = ("tenant",)


class TenantNameDict(TypedDict):
    name: str
    tenant_group__name: Optional[str]


class TenantGroupModel(NautobotModel):
    """A reverse foreign key: the tenants pointing at the group."""

    _model = TenantGroup
    _modelname = "tenant_group"
    _identifiers = ("name",)
    _attributes = ("tenants",)

    name: str
    tenants: List[TenantNameDict] = []


class TenantGroupAdapter(NautobotAdapter):
    tenant_group = TenantGroupModel
    top_level = ("tenant_group",)


class InterfaceModel(NautobotModel):
    _model = Interface
    _modelname = "interface"
    _identifiers = ("device__name", "name")
    _attributes = ("type", "status__name", "ip_addresses")

    device__name: str
    name: str
    type: str = "virtual"
    status__name: str = "Active"
    ip_addresses: List[IPAddressDict] = []


class InterfaceAdapter(NautobotAdapter):
    interface = InterfaceModel
    top_level = ("interface",)


class TagTestCase(TestCase):
    def setUp(self):
        self.base = make_base()
        gold, silver, _ = self.base.tags
        Tenant.objects.create(name="Acme").tags.set([silver, gold])
        Tenant.objects.create(name="Globex")

    def test_load_sorts_the_list(self):
        adapter = load(TenantAdapter)
        self.assertEqual(adapter.get("tenant", "Acme").tags, [{"name": "gold"}, {"name": "silver"}])
        self.assertEqual(adapter.get("tenant", "Globex").tags, [])

    def test_list_order_is_not_a_change(self):
        records = [{"name": "Acme", "tags": [{"name": "silver"}, {"name": "gold"}]}, {"name": "Globex"}]
        self.assertEqual(changes(sync_records(TenantAdapter, {"tenant": records}))["update"], 0)

    def test_create_and_update_set_exactly_the_listed_objects(self):
        records = [
            {"name": "Acme", "tags": [{"name": "bronze"}, {"name": "gold"}]},
            {"name": "Globex"},
            {"name": "Initech", "tags": [{"name": "silver"}]},
        ]
        sync_records(TenantAdapter, {"tenant": records})
        self.assertEqual(sorted(Tenant.objects.get(name="Acme").tags.names()), ["bronze", "gold"])
        self.assertEqual(list(Tenant.objects.get(name="Initech").tags.names()), ["silver"])

    def test_empty_list_clears(self):
        sync_records(TenantAdapter, {"tenant": [{"name": "Acme", "tags": []}, {"name": "Globex"}]})
        self.assertFalse(Tenant.objects.get(name="Acme").tags.exists())

    def test_unknown_item_names_the_field_and_lookup(self):
        adapter = load(TenantAdapter)
        with self.assertRaises(ObjectNotUpdated) as raised:
            adapter.get("tenant", "Acme").update({"tags": [{"name": "gold"}, {"name": "platinum"}]})
        self.assertIn("tags: no extras.Tag matches {'name': 'platinum'}", str(raised.exception))
        self.assertEqual(sorted(Tenant.objects.get(name="Acme").tags.names()), ["gold", "silver"])


class ReverseForeignKeyTestCase(TestCase):
    def setUp(self):
        self.group = TenantGroup.objects.create(name="Customers")
        TenantGroup.objects.create(name="Partners")
        for name in ("Globex", "Acme"):
            Tenant.objects.create(name=name, tenant_group=self.group)
        Tenant.objects.create(name="Initech")

    def test_load(self):
        adapter = load(TenantGroupAdapter)
        self.assertEqual(
            adapter.get("tenant_group", "Customers").tenants,
            [
                {"name": "Acme", "tenant_group__name": "Customers"},
                {"name": "Globex", "tenant_group__name": "Customers"},
            ],
        )

    def test_update_moves_objects_in_and_out(self):
        records = [
            {"name": "Customers", "tenants": [{"name": "Acme", "tenant_group__name": "Customers"}]},
            {"name": "Partners", "tenants": [{"name": "Initech", "tenant_group__name": None}]},
        ]
        sync_records(TenantGroupAdapter, {"tenant_group": records})
        self.assertEqual(Tenant.objects.get(name="Initech").tenant_group.name, "Partners")
        self.assertIsNone(Tenant.objects.get(name="Globex").tenant_group)
        self.assertEqual(Tenant.objects.get(name="Acme").tenant_group, self.group)


class InterfaceAddressTestCase(TestCase):
    def setUp(self):
        base = make_base()
        fixtures = make_device_fixtures(base)
        device = Device.objects.create(
            name="router1",
            device_type=fixtures.device_type,
            role=fixtures.role,
            location=make_location(base, "Berlin"),
            status=base.active,
        )
        self.interface = Interface.objects.get(device=device, name="mgmt0")
        self.interface.ip_addresses.set([make_ip(base, "10.0.0.2/24"), make_ip(base, "10.0.0.1/24")])
        make_ip(base, "10.0.0.3/24")

    def test_load(self):
        loaded = load(InterfaceAdapter).get("interface", {"device__name": "router1", "name": "mgmt0"})
        self.assertEqual(
            loaded.ip_addresses, [{"host": "10.0.0.1", "mask_length": 24}, {"host": "10.0.0.2", "mask_length": 24}]
        )

    def test_create_and_update(self):
        records = [
            {
                "device__name": "router1",
                "name": "mgmt0",
                "type": "1000base-t",
                "ip_addresses": [{"host": "10.0.0.3", "mask_length": 24}],
            },
            {"device__name": "router1", "name": "lo0", "ip_addresses": [{"host": "10.0.0.1", "mask_length": 24}]},
        ]
        sync_records(InterfaceAdapter, {"interface": records})
        self.assertEqual([str(ip.host) for ip in self.interface.ip_addresses.all()], ["10.0.0.3"])
        loopback = Interface.objects.get(name="lo0")
        self.assertEqual([str(ip.host) for ip in loopback.ip_addresses.all()], ["10.0.0.1"])
