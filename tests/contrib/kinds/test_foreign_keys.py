"""Foreign keys through ``a__b`` lookups, several levels deep; None clears the key."""

from typing import Optional

from diffsync.exceptions import ObjectNotCreated, ObjectNotUpdated
from nautobot.apps.testing import TestCase
from nautobot.dcim.models import Location
from nautobot.tenancy.models import Tenant

from nautobot_ssot.contrib import NautobotAdapter, NautobotModel
from tests.contrib.fixtures import changes, load, make_base, make_location, sync_records


class LocationModel(NautobotModel):
    _model = Location
    _modelname = "location"
    _identifiers = ("name", "parent__name")
    _attributes = ("status__name", "location_type__name", "tenant__name", "tenant__tenant_group__name")

    name: str
    parent__name: Optional[str] = None
    status__name: str
    location_type__name: str
    tenant__name: Optional[str] = None
    tenant__tenant_group__name: Optional[str] = None


class LocationAdapter(NautobotAdapter):
    location = LocationModel
    top_level = ("location",)


def row(name, parent=None, tenant=None, group=None, status="Active"):
    return {
        "name": name,
        "parent__name": parent,
        "status__name": status,
        "location_type__name": "Site",
        "tenant__name": tenant,
        "tenant__tenant_group__name": group,
    }


class ForeignKeyTestCase(TestCase):
    def setUp(self):
        self.base = make_base()
        self.tenant = Tenant.objects.create(name="Acme", tenant_group=self.base.group)
        Tenant.objects.create(name="Acme Labs")
        self.europe = make_location(self.base, "Europe")
        make_location(self.base, "Berlin", parent=self.europe, tenant=self.tenant)

    def existing(self):
        return [row("Europe"), row("Berlin", "Europe", "Acme", "Customers")]

    def test_load_reads_lookups_through_several_levels(self):
        adapter = load(LocationAdapter)
        berlin = adapter.get("location", {"name": "Berlin", "parent__name": "Europe"})
        self.assertEqual(berlin.tenant__name, "Acme")
        self.assertEqual(berlin.tenant__tenant_group__name, "Customers")
        self.assertEqual(berlin.status__name, "Active")
        europe = adapter.get("location", {"name": "Europe", "parent__name": None})
        self.assertIsNone(europe.tenant__name)
        self.assertIsNone(europe.tenant__tenant_group__name)

    def test_same_data_is_no_change(self):
        self.assertEqual(
            changes(sync_records(LocationAdapter, {"location": self.existing()})),
            dict.fromkeys(("create", "update", "delete"), 0),
        )

    def test_create_sets_the_foreign_keys(self):
        records = [*self.existing(), row("Paris", "Europe", "Acme", "Customers", status="Planned")]
        sync_records(LocationAdapter, {"location": records})
        paris = Location.objects.get(name="Paris")
        self.assertEqual(paris.parent, self.europe)
        self.assertEqual(paris.tenant, self.tenant)
        self.assertEqual(paris.status.name, "Planned")

    def test_update_changes_and_none_clears(self):
        records = [row("Europe", tenant="Acme", group="Customers"), row("Berlin", "Europe", status="Planned")]
        diff = sync_records(LocationAdapter, {"location": records})
        self.assertEqual(changes(diff), {"create": 0, "update": 2, "delete": 0})
        self.assertEqual(Location.objects.get(name="Europe").tenant, self.tenant)
        berlin = Location.objects.get(name="Berlin")
        self.assertIsNone(berlin.tenant)
        self.assertEqual(berlin.status.name, "Planned")

    def test_lookups_of_one_relation_are_combined(self):
        records = [row("Europe", tenant="Acme Labs", group=None), row("Berlin", "Europe", "Acme", "Customers")]
        sync_records(LocationAdapter, {"location": records})
        self.assertEqual(Location.objects.get(name="Europe").tenant.name, "Acme Labs")

    def test_update_of_one_lookup_keeps_the_others(self):
        adapter = load(LocationAdapter)
        berlin = adapter.get("location", {"name": "Berlin", "parent__name": "Europe"})
        with self.assertRaises(ObjectNotUpdated) as raised:
            berlin.update({"tenant__name": "Acme Labs"})
        message = str(raised.exception)
        self.assertIn("tenant__name, tenant__tenant_group__name: no tenancy.Tenant matches", message)
        self.assertIn("{'name': 'Acme Labs', 'tenant_group__name': 'Customers'}", message)
        berlin.update({"tenant__name": "Acme Labs", "tenant__tenant_group__name": None})
        self.assertEqual(Location.objects.get(name="Berlin").tenant.name, "Acme Labs")

    def test_delete(self):
        sync_records(LocationAdapter, {"location": [row("Europe")]})
        self.assertFalse(Location.objects.filter(name="Berlin").exists())

    def test_missing_related_object_names_the_field_and_lookup(self):
        with self.assertRaises(ObjectNotCreated) as raised:
            LocationModel.create(
                LocationAdapter(job=None),
                {"name": "Rome", "parent__name": None},
                {"status__name": "Nope", "location_type__name": "Site"},
            )
        self.assertIn("status__name: no extras.Status matches {'name': 'Nope'}", str(raised.exception))

    def test_ambiguous_related_object_names_the_field_and_lookup(self):
        make_location(self.base, "Berlin", parent=make_location(self.base, "Germany"))
        with self.assertRaises(ObjectNotCreated) as raised:
            LocationModel.create(
                LocationAdapter(job=None),
                {"name": "Mitte", "parent__name": "Berlin"},
                {"status__name": "Active", "location_type__name": "Site"},
            )
        self.assertIn("parent__name: more than one dcim.Location matches {'name': 'Berlin'}", str(raised.exception))
