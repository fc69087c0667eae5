"""NautobotModel: finding objects by identifiers, write errors, and automatic device components."""

from typing import Annotated, Optional

from diffsync import Adapter, DiffSyncModel
from diffsync.exceptions import ObjectNotDeleted, ObjectNotUpdated
from nautobot.apps.testing import TestCase
from nautobot.circuits.models import Provider
from nautobot.dcim.models import Device, Location
from nautobot.tenancy.models import Tenant

from nautobot_ssot.contrib import (
    CustomFieldAnnotation,
    NautobotAdapter,
    NautobotModel,
    RelatedObjectLookupError,
    SkipAutoComponentCreation,
)
from nautobot_ssot.contrib.typeddicts import TagDict
from tests.contrib.fixtures import load, make_base, make_device_fixtures, make_location, make_provider_custom_field


class LocationModel(NautobotModel):
    _model = Location
    _modelname = "location"
    _identifiers = ("name", "parent__name")
    _attributes = ("description",)

    name: str
    parent__name: Optional[str] = None
    description: str = ""


class LocationAdapter(NautobotAdapter):
    location = LocationModel
    top_level = ("location",)


class ProviderModel(NautobotModel):
    _model = Provider
    _modelname = "provider"
    _identifiers = ("external_id",)

    external_id: Annotated[str, CustomFieldAnnotation(key="external_id")]


class TenantModel(NautobotModel):
    _model = Tenant
    _modelname = "tenant"
    _identifiers = ("name",)

    name: str


class TenantAdapter(NautobotAdapter):
    tenant = TenantModel
    top_level = ("tenant",)


class DeviceModel(NautobotModel):
    _model = Device
    _modelname = "device"
    _identifiers = ("name",)
    _attributes = ("device_type__model", "role__name", "location__name", "status__name")

    name: str
    device_type__model: str = "Router 1"
    role__name: str = "Router"
    location__name: str = "Berlin"
    status__name: str = "Active"


class BareDeviceModel(DeviceModel):
    _skip_auto_component_creation = True


class BareDeviceAdapter(NautobotAdapter):
    skip_auto_component_creation = True
    device = DeviceModel
    top_level = ("device",)


class IdentifierTestCase(TestCase):
    def setUp(self):
        base = make_base()
        self.europe = make_location(base, "Europe")
        self.berlin = make_location(base, "Berlin", parent=self.europe)
        self.other_berlin = make_location(base, "Berlin")

    def test_get_from_db_by_plain_and_foreign_key_identifiers(self):
        adapter = load(LocationAdapter)
        self.assertEqual(adapter.get("location", "Berlin__Europe").get_from_db(), self.berlin)
        self.assertEqual(adapter.get("location", "Berlin__None").get_from_db(), self.other_berlin)

    def test_get_from_db_by_custom_field(self):
        make_provider_custom_field()
        zayo = Provider.objects.create(name="Zayo", _custom_field_data={"external_id": "Z-1"})
        self.assertEqual(ProviderModel(external_id="Z-1").get_from_db(), zayo)

    def test_get_from_db_uses_the_orm_cache(self):
        adapter = load(LocationAdapter)
        item = adapter.get("location", "Berlin__Europe")
        self.assertIs(item.get_from_db(), item.get_from_db())
        self.assertEqual(adapter._cache_hits["dcim.location"], 1)

    def test_vanished_object_names_the_identifiers(self):
        adapter = load(LocationAdapter)
        item = adapter.get("location", "Berlin__Europe")
        self.berlin.delete()
        with self.assertRaises(ObjectNotUpdated) as raised:
            item.update({"description": "gone"})
        self.assertIn("location 'Berlin__Europe': no dcim.Location matches", str(raised.exception))
        with self.assertRaises(RelatedObjectLookupError):
            item.get_from_db()

    def test_refused_delete_keeps_the_models_message(self):
        self.berlin.tenant = Tenant.objects.create(name="Acme")
        self.berlin.validated_save()
        adapter = load(TenantAdapter)
        with self.assertRaises(ObjectNotDeleted) as raised:
            adapter.get("tenant", "Acme").delete()
        self.assertIn("tenant {'name': 'Acme'}: Cannot delete some instances of model 'Tenant'", str(raised.exception))
        self.assertTrue(Tenant.objects.filter(name="Acme").exists())

    def test_delete_forgets_the_cached_object(self):
        adapter = load(LocationAdapter)
        item = adapter.get("location", "Berlin__Europe")
        item.get_from_db()
        item.delete()
        self.assertFalse(Location.objects.filter(pk=self.berlin.pk).exists())
        self.assertEqual(adapter.orm_cache.objects["dcim.location"], {})


class DeviceComponentTestCase(TestCase):
    def setUp(self):
        base = make_base()
        make_device_fixtures(base)
        make_location(base, "Berlin")

    def interfaces_of(self, name):
        return list(Device.objects.get(name=name).interfaces.values_list("name", flat=True))

    def test_nautobot_adds_components_by_default(self):
        DeviceModel.create(NautobotAdapter(job=None), {"name": "r1"}, {})
        self.assertEqual(self.interfaces_of("r1"), ["mgmt0"])

    def test_model_option_suppresses_components(self):
        BareDeviceModel.create(NautobotAdapter(job=None), {"name": "r2"}, {})
        self.assertEqual(self.interfaces_of("r2"), [])

    def test_adapter_option_suppresses_components(self):
        DeviceModel.create(BareDeviceAdapter(job=None), {"name": "r3"}, {})
        self.assertEqual(self.interfaces_of("r3"), [])

    def test_context_manager_is_exported(self):
        with SkipAutoComponentCreation():
            DeviceModel.create(NautobotAdapter(job=None), {"name": "r4"}, {})
        self.assertEqual(self.interfaces_of("r4"), [])


class PlainAdapterTestCase(TestCase):
    """Models also write through a plain diffsync Adapter, which has no ORM cache."""

    def test_create_without_a_nautobot_adapter(self):
        TenantModel.create(Adapter(), {"name": "Acme"}, {})
        self.assertTrue(Tenant.objects.filter(name="Acme").exists())


class TaggedLocationModel(NautobotModel):
    _model = Location
    _modelname = "tagged_location"
    _identifiers = ("parent__name", "name")
    _attributes = ("tags", "description", "code")

    name: str
    description: str = ""
    parent__name: Optional[str] = None
    tags: list[TagDict] = []
    code: Annotated[Optional[dict], CustomFieldAnnotation(key="code")] = None


class DumpTestCase(TestCase):
    """``get_identifiers``/``get_attrs`` give what diffsync's ``model_dump`` versions give, without sharing values."""

    def test_same_values_and_order_as_diffsync(self):
        obj = TaggedLocationModel(
            name="Site", parent__name="Region", tags=[{"name": "b"}, {"name": "a"}], code={"x": [1, 2]}
        )
        for ours, theirs in (
            (obj.get_identifiers(), DiffSyncModel.get_identifiers(obj)),
            (obj.get_attrs(), DiffSyncModel.get_attrs(obj)),
        ):
            self.assertEqual(ours, theirs)
            self.assertEqual(list(ours), list(theirs))
        self.assertEqual(obj.get_unique_id(), "Region__Site")
        self.assertEqual(obj.get_unique_id(), DiffSyncModel.get_unique_id(obj))
        attrs = obj.get_attrs()
        attrs["tags"].append({"name": "c"})
        attrs["code"]["x"].append(3)
        self.assertEqual(obj.tags, [{"name": "a"}, {"name": "b"}])
        self.assertEqual(obj.code, {"x": [1, 2]})
