"""Plain fields: load, create, update, delete, and the adapter's ``load_param_<field>`` hook."""

from diffsync.exceptions import ObjectNotCreated
from nautobot.apps.testing import TestCase
from nautobot.tenancy.models import Tenant

from nautobot_ssot.contrib import NautobotAdapter, NautobotModel
from tests.contrib.fixtures import changes, load, sync_records


class TenantModel(NautobotModel):
    _model = Tenant
    _modelname = "tenant"
    _identifiers = ("name",)
    _attributes = ("description", "comments")

    name: str
    description: str = ""
    comments: str = ""


class TenantAdapter(NautobotAdapter):
    tenant = TenantModel
    top_level = ("tenant",)


class ShoutingTenantAdapter(TenantAdapter):
    def load_param_description(self, parameter_name, database_object):
        return getattr(database_object, parameter_name).upper()


class PlainFieldTestCase(TestCase):
    def setUp(self):
        Tenant.objects.create(name="Acme", description="first customer")
        Tenant.objects.create(name="Globex")

    def test_load(self):
        adapter = load(TenantAdapter)
        self.assertEqual(adapter.get("tenant", "Acme").description, "first customer")
        self.assertEqual(len(adapter.get_all("tenant")), 2)

    def test_load_param_hook_replaces_how_a_field_is_read(self):
        adapter = load(ShoutingTenantAdapter)
        self.assertEqual(adapter.get("tenant", "Acme").description, "FIRST CUSTOMER")
        self.assertEqual(adapter.get("tenant", "Acme").comments, "")

    def test_create_update_delete(self):
        diff = sync_records(
            TenantAdapter,
            {
                "tenant": [
                    {"name": "Acme", "description": "best customer"},
                    {"name": "Initech", "comments": "new"},
                ]
            },
        )
        self.assertEqual(changes(diff), {"create": 1, "update": 1, "delete": 1})
        self.assertEqual(Tenant.objects.get(name="Acme").description, "best customer")
        self.assertEqual(Tenant.objects.get(name="Initech").comments, "new")
        self.assertFalse(Tenant.objects.filter(name="Globex").exists())

    def test_validation_error_keeps_the_models_message_and_identifiers(self):
        adapter = TenantAdapter(job=None)
        with self.assertRaises(ObjectNotCreated) as raised:
            TenantModel.create(adapter, {"name": "Acme"}, {"description": "duplicate"})
        self.assertIn("tenant {'name': 'Acme'}", str(raised.exception))
        self.assertIn("name: Tenant with this Name already exists.", str(raised.exception))
