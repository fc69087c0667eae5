"""Generic foreign keys: ``<field>__app_label``, ``<field>__model`` and lookups on the target."""

from typing import Optional

from diffsync.exceptions import ObjectNotCreated, ObjectNotUpdated
from django.db import connection
from django.test.utils import CaptureQueriesContext
from nautobot.apps.testing import TestCase
from nautobot.extras.models import Contact, ContactAssociation, Role, Status
from nautobot.tenancy.models import Tenant

from nautobot_ssot.contrib import NautobotAdapter, NautobotModel
from tests.contrib.fixtures import changes, content_types, load, make_base, make_location, sync_records


class ContactAssociationModel(NautobotModel):
    _model = ContactAssociation
    _modelname = "association"
    _identifiers = (
        "contact__name",
        "role__name",
        "associated_object__app_label",
        "associated_object__model",
        "associated_object__name",
    )
    _attributes = ("status__name",)

    contact__name: str
    role__name: str
    associated_object__app_label: str
    associated_object__model: str
    associated_object__name: str
    status__name: str


class AssociationAdapter(NautobotAdapter):
    association = ContactAssociationModel
    top_level = ("association",)


class ContactOfLocationModel(NautobotModel):
    """The generic foreign key as attributes, with a lookup that goes one level past the target."""

    _model = ContactAssociation
    _modelname = "association"
    _identifiers = ("contact__name",)
    _attributes = (
        "role__name",
        "associated_object__app_label",
        "associated_object__model",
        "associated_object__name",
        "associated_object__location_type__name",
    )

    contact__name: str
    role__name: str
    associated_object__app_label: Optional[str] = None
    associated_object__model: Optional[str] = None
    associated_object__name: Optional[str] = None
    associated_object__location_type__name: Optional[str] = None


class ContactOfLocationAdapter(NautobotAdapter):
    association = ContactOfLocationModel
    top_level = ("association",)


def association(name, app_label, model, target, role="Owner", status="Active"):
    return {
        "contact__name": name,
        "role__name": role,
        "associated_object__app_label": app_label,
        "associated_object__model": model,
        "associated_object__name": target,
        "status__name": status,
    }


class GenericForeignKeyTestCase(TestCase):
    def setUp(self):
        self.base = make_base()
        self.berlin = make_location(self.base, "Berlin")
        self.acme = Tenant.objects.create(name="Acme")
        self.role = Role.objects.create(name="Owner")
        self.role.content_types.set(content_types(ContactAssociation))
        Status.objects.get(name="Planned").content_types.add(*content_types(ContactAssociation))
        self.alice = Contact.objects.create(name="Alice")
        ContactAssociation.objects.create(
            contact=self.alice, role=self.role, associated_object=self.berlin, status=self.base.active
        )

    def test_load(self):
        adapter = load(AssociationAdapter)
        [loaded] = adapter.get_all("association")
        self.assertEqual(
            loaded.dict(exclude={"model_flags", "adapter"}), association("Alice", "dcim", "location", "Berlin")
        )

    def test_create_points_at_objects_of_any_type(self):
        records = [
            association("Alice", "dcim", "location", "Berlin"),
            association("Alice", "tenancy", "tenant", "Acme", status="Planned"),
        ]
        sync_records(AssociationAdapter, {"association": records})
        created = ContactAssociation.objects.get(associated_object_id=self.acme.pk)
        self.assertEqual(created.associated_object, self.acme)
        self.assertEqual(created.status.name, "Planned")

    def test_update_finds_the_object_by_generic_identifiers(self):
        records = [association("Alice", "dcim", "location", "Berlin", status="Planned")]
        sync_records(AssociationAdapter, {"association": records})
        self.assertEqual(ContactAssociation.objects.get().status.name, "Planned")

    def test_update_repoints_the_generic_foreign_key(self):
        paris = make_location(self.base, "Paris")
        record = {
            "contact__name": "Alice",
            "role__name": "Owner",
            "associated_object__app_label": "dcim",
            "associated_object__model": "location",
            "associated_object__name": "Paris",
            "associated_object__location_type__name": "Site",
        }
        diff = sync_records(ContactOfLocationAdapter, {"association": [record]})
        self.assertEqual(changes(diff)["update"], 1)
        self.assertEqual(ContactAssociation.objects.get().associated_object, paris)

    def test_lookup_missing_on_the_target_type_is_reported(self):
        record = {
            "contact__name": "Alice",
            "role__name": "Owner",
            "associated_object__app_label": "tenancy",
            "associated_object__model": "tenant",
            "associated_object__name": "Acme",
            "associated_object__location_type__name": "Site",
        }
        adapter = load(ContactOfLocationAdapter)
        with self.assertRaises(ObjectNotUpdated) as raised:
            adapter.get("association", "Alice").update(record)
        self.assertIn("cannot look up tenancy.Tenant", str(raised.exception))
        self.assertEqual(ContactAssociation.objects.get().associated_object, self.berlin)

    def test_delete(self):
        sync_records(AssociationAdapter, {"association": []})
        self.assertFalse(ContactAssociation.objects.exists())

    def test_unknown_type_names_the_fields(self):
        with self.assertRaises(ObjectNotCreated) as raised:
            ContactAssociationModel.create(
                AssociationAdapter(job=None), association("Alice", "dcim", "nothing", "Berlin"), {}
            )
        message = "associated_object__app_label, associated_object__model: no contenttypes.ContentType"
        self.assertIn(message, str(raised.exception))

    def test_deeper_lookups_cost_a_fixed_number_of_queries(self):
        counts = []
        for batch in range(2):
            for number in range(5 * (batch + 1)):
                name = f"Site {batch}-{number}"
                ContactAssociation.objects.create(
                    contact=Contact.objects.create(name=name),
                    role=self.role,
                    associated_object=make_location(self.base, name),
                    status=self.base.active,
                )
            with CaptureQueriesContext(connection) as queries:
                adapter = load(ContactOfLocationAdapter)
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1])
        loaded = adapter.get_all("association")
        self.assertEqual(len(loaded), 16)
        self.assertEqual({item.associated_object__location_type__name for item in loaded}, {"Site"})
