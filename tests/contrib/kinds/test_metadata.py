"""Object metadata fields: a MetadataType's value on the object, whole or scoped to some fields."""

from typing import Annotated, Optional, Union

from diffsync.exceptions import ObjectNotUpdated
from nautobot.apps.testing import TestCase
from nautobot.extras.models import MetadataType, ObjectMetadata
from nautobot.tenancy.models import Tenant

from nautobot_ssot.contrib import NautobotAdapter, NautobotModel, ObjectMetadataAnnotation
from tests.contrib.fixtures import changes, load, make_metadata_types, sync_records


class TenantModel(NautobotModel):
    _model = Tenant
    _modelname = "tenant"
    _identifiers = ("name",)
    _attributes = ("owner", "score")

    name: str
    owner: Annotated[Optional[str], ObjectMetadataAnnotation("Data owner")] = None
    score: Annotated[Optional[int], ObjectMetadataAnnotation("Audit score", scoped_fields=("name", "description"))] = (
        None
    )


class TenantAdapter(NautobotAdapter):
    tenant = TenantModel
    top_level = ("tenant",)


class LooseTenantModel(TenantModel):
    score: Annotated[
        Optional[Union[int, str]], ObjectMetadataAnnotation("Audit score", scoped_fields=("description", "name"))
    ] = None


def metadata(tenant, name):
    return ObjectMetadata.objects.filter(assigned_object_id=tenant.pk, metadata_type__name=name)


class ObjectMetadataTestCase(TestCase):
    def setUp(self):
        make_metadata_types()
        self.acme = Tenant.objects.create(name="Acme")
        self.globex = Tenant.objects.create(name="Globex")
        ObjectMetadata.objects.create(
            metadata_type=MetadataType.objects.get(name="Data owner"),
            assigned_object=self.acme,
            scoped_fields=[],
            value="Network team",
        )
        ObjectMetadata.objects.create(
            metadata_type=MetadataType.objects.get(name="Audit score"),
            assigned_object=self.acme,
            scoped_fields=["name", "description"],
            value=7,
        )

    def test_load(self):
        adapter = load(TenantAdapter)
        self.assertEqual(adapter.get("tenant", "Acme").owner, "Network team")
        self.assertEqual(adapter.get("tenant", "Acme").score, 7)
        self.assertIsNone(adapter.get("tenant", "Globex").owner)

    def test_create_update_and_none_deletes(self):
        records = [
            {"name": "Acme", "owner": "Platform team", "score": None},
            {"name": "Globex", "owner": None, "score": 9},
            {"name": "Initech", "owner": "Sales", "score": 3},
        ]
        diff = sync_records(TenantAdapter, {"tenant": records})
        self.assertEqual(changes(diff), {"create": 1, "update": 2, "delete": 0})
        self.assertEqual(metadata(self.acme, "Data owner").get().value, "Platform team")
        self.assertFalse(metadata(self.acme, "Audit score").exists())
        self.assertEqual(metadata(self.globex, "Audit score").get().scoped_fields, ["description", "name"])
        initech = Tenant.objects.get(name="Initech")
        self.assertEqual(
            (metadata(initech, "Data owner").get().value, metadata(initech, "Audit score").get().value), ("Sales", 3)
        )

    def test_same_data_is_no_change(self):
        records = [{"name": "Acme", "owner": "Network team", "score": 7}, {"name": "Globex"}]
        self.assertEqual(
            changes(sync_records(TenantAdapter, {"tenant": records})), dict.fromkeys(("create", "update", "delete"), 0)
        )

    def test_refused_value_keeps_the_models_message(self):
        adapter = type("LooseAdapter", (NautobotAdapter,), {"tenant": LooseTenantModel, "top_level": ("tenant",)})(
            job=None
        )
        adapter.load()
        with self.assertRaises(ObjectNotUpdated) as raised:
            adapter.get("tenant", "Acme").update({"score": "high"})
        self.assertIn("Value must be an integer.", str(raised.exception))
        self.assertEqual(metadata(self.acme, "Audit score").get().value, 7)
