"""Custom fields, by ``key`` or the legacy ``name``, as attributes and as identifiers."""

from typing import Annotated, Optional

from diffsync.exceptions import ObjectNotCreated
from nautobot.apps.testing import TestCase
from nautobot.circuits.models import Provider

from nautobot_ssot.contrib import CustomFieldAnnotation, NautobotAdapter, NautobotModel
from tests.contrib.fixtures import changes, load, make_provider_custom_field, sync_records


class ProviderModel(NautobotModel):
    _model = Provider
    _modelname = "provider"
    _identifiers = ("name",)
    _attributes = ("is_global", "external_id")

    name: str
    is_global: Annotated[bool, CustomFieldAnnotation(key="is_global")] = False
    external_id: Annotated[Optional[str], CustomFieldAnnotation(name="external_id")] = None


class ProviderAdapter(NautobotAdapter):
    provider = ProviderModel
    top_level = ("provider",)


class ProviderByExternalIdModel(NautobotModel):
    """A custom field as the identifier: renaming the provider is an update, not a delete and create."""

    _model = Provider
    _modelname = "provider"
    _identifiers = ("external_id",)
    _attributes = ("name",)

    external_id: Annotated[str, CustomFieldAnnotation(key="external_id")]
    name: str


class ProviderByExternalIdAdapter(NautobotAdapter):
    provider = ProviderByExternalIdModel
    top_level = ("provider",)

    def get_load_queryset(self, model_class):
        return super().get_load_queryset(model_class).exclude(_custom_field_data__external_id=None)


class LooseProviderModel(NautobotModel):
    """Types ``is_global`` as a string, so that only Nautobot can refuse a bad value."""

    _model = Provider
    _modelname = "provider"
    _identifiers = ("name",)
    _attributes = ("is_global",)

    name: str
    is_global: Annotated[str, CustomFieldAnnotation(key="is_global")]


class CustomFieldTestCase(TestCase):
    def setUp(self):
        make_provider_custom_field()
        Provider.objects.create(name="Zayo", _custom_field_data={"is_global": True, "external_id": "Z-1"})
        Provider.objects.create(name="Lumen")

    def test_load(self):
        adapter = load(ProviderAdapter)
        self.assertTrue(adapter.get("provider", "Zayo").is_global)
        self.assertEqual(adapter.get("provider", "Zayo").external_id, "Z-1")
        self.assertFalse(adapter.get("provider", "Lumen").is_global)

    def test_create_and_update(self):
        records = [
            {"name": "Zayo", "is_global": False, "external_id": "Z-1"},
            {"name": "Lumen", "is_global": True},
            {"name": "Cogent", "external_id": "C-9"},
        ]
        diff = sync_records(ProviderAdapter, {"provider": records})
        self.assertEqual(changes(diff), {"create": 1, "update": 2, "delete": 0})
        self.assertFalse(Provider.objects.get(name="Zayo").cf["is_global"])
        self.assertTrue(Provider.objects.get(name="Lumen").cf["is_global"])
        self.assertEqual(Provider.objects.get(name="Cogent").cf["external_id"], "C-9")

    def test_custom_field_as_identifier(self):
        diff = sync_records(ProviderByExternalIdAdapter, {"provider": [{"external_id": "Z-1", "name": "Zayo Group"}]})
        self.assertEqual(changes(diff), {"create": 0, "update": 1, "delete": 0})
        self.assertEqual(Provider.objects.get(_custom_field_data__external_id="Z-1").name, "Zayo Group")

    def test_invalid_value_keeps_the_message(self):
        with self.assertRaises(ObjectNotCreated) as raised:
            ProviderModel.create(ProviderAdapter(job=None), {"name": "Cogent"}, {"is_global": "maybe"})
        self.assertIn("provider {'name': 'Cogent'}", str(raised.exception))
        self.assertIn("Input should be a valid boolean", str(raised.exception))

    def test_refused_custom_field_keeps_the_models_message(self):
        with self.assertRaises(ObjectNotCreated) as raised:
            LooseProviderModel.create(ProviderAdapter(job=None), {"name": "Cogent"}, {"is_global": "maybe"})
        self.assertIn("Invalid value for custom field 'is_global'", str(raised.exception))
        self.assertFalse(Provider.objects.filter(name="Cogent").exists())
