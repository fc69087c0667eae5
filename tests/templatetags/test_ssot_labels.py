"""Tests of the readable labels of diffs and logs: model verbose names, attribute paths and existing objects."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from nautobot.apps.testing import TestCase
from nautobot.dcim.models import Device
from nautobot.ipam.models import IPAddress
from nautobot.tenancy.models import Tenant, TenantGroup

from nautobot_ssot.templatetags.ssot_labels import (
    ObjectKeys,
    attribute_html,
    attribute_label,
    existing_objects,
    model_for_name,
    model_label,
)


class LabelTestCase(TestCase):
    def test_models_read_as_their_verbose_names(self):
        self.assertEqual(model_label("ip_address"), "IP address")
        self.assertEqual(model_label("vlan_group"), "VLAN group")
        self.assertEqual(model_label("device_type"), "Device type")
        self.assertEqual(model_label("no_such_model"), "No such model")

    def test_a_declared_model_name_finds_its_model(self):
        self.assertIs(model_for_name("ip_address"), IPAddress)
        self.assertIsNone(model_for_name("no_such_model"))

    def test_attribute_paths_read_as_the_fields_verbose_names(self):
        path = "device_type__manufacturer__name"
        self.assertEqual(attribute_label(Device, path), "Device type › Manufacturer › Name")
        self.assertEqual(attribute_label(IPAddress, "parent__namespace__name"), "Parent › Namespace › Name")
        self.assertEqual(attribute_label(Device, "support_tier"), "Support tier")
        self.assertEqual(attribute_label(None, "mask_length"), "Mask length")

    def test_the_raw_name_shows_on_hover(self):
        self.assertEqual(
            attribute_html(Device, "device_type__model"),
            '<span title="device_type__model">Device type › Model</span>',
        )
        self.assertNotIn("<script>", attribute_html(None, "<script>"))


class ExistingObjectsTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.group = TenantGroup.objects.create(name="fx-group")
        cls.tenants = [Tenant.objects.create(name=f"fx-{index}", tenant_group=cls.group) for index in range(3)]

    def test_finds_the_existing_objects_in_one_query_per_model(self):
        wanted = [ObjectKeys.of(Tenant, {"name": f"fx-{n}", "tenant_group__name": "fx-group"}) for n in range(5)]
        with CaptureQueriesContext(connection) as queries:
            found = existing_objects(wanted)
        self.assertEqual(found, dict(zip(wanted[:3], self.tenants, strict=True)))
        self.assertEqual(len([query for query in queries if "SELECT" in query["sql"]]), 1)

    def test_an_empty_identifier_matches_a_missing_relation(self):
        ungrouped = Tenant.objects.create(name="fx-ungrouped")
        wanted = ObjectKeys.of(Tenant, {"name": "fx-ungrouped", "tenant_group__name": None})
        self.assertEqual(existing_objects([wanted]), {wanted: ungrouped})

    def test_identifiers_that_are_no_lookup_find_nothing(self):
        wanted = [ObjectKeys.of(Tenant, {"custom_tier": "gold"}), ObjectKeys.of(Tenant, {"tags": "x"})]
        self.assertEqual(existing_objects(wanted), {})
        self.assertEqual(Tenant.objects.count(), 3)  # the transaction is still usable
