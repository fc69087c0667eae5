"""The bulk write path: the same data synced through both paths gives the same database and change log."""

from __future__ import annotations

import gc
import json
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import Annotated, Any, Optional

from diffsync.enum import DiffSyncFlags
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils.translation import gettext_lazy
from nautobot.apps.testing import TestCase
from nautobot.core.celery.encoders import NautobotKombuJSONEncoder
from nautobot.core.models.utils import serialize_object, serialize_object_v2
from nautobot.dcim.models import Location, LocationType
from nautobot.extras.choices import CustomFieldTypeChoices, ObjectChangeEventContextChoices
from nautobot.extras.context_managers import web_request_context
from nautobot.extras.models import CustomField, ObjectChange, Status, Tag
from nautobot.ipam.models import Namespace
from nautobot.tenancy.models import Tenant, TenantGroup
from nautobot.users.models import User

from nautobot_ssot.contrib import CustomFieldAnnotation, NautobotAdapter, NautobotModel
from nautobot_ssot.contrib.bulk import model_fallback_reason
from nautobot_ssot.contrib.bulk.cachememo import CacheMemo
from nautobot_ssot.contrib.bulk.copy import JsonText
from nautobot_ssot.contrib.bulk.validation import BulkValidator
from nautobot_ssot.contrib.typeddicts import TagDict
from nautobot_ssot.sync.executor import apply_diff
from tests.contrib.fixtures import content_types, source_for


class BulkTenant(NautobotModel):
    _model = Tenant
    _modelname = "tenant"
    _identifiers = ("name",)
    _attributes = ("tenant_group__name", "description", "tags")

    name: str
    tenant_group__name: Optional[str] = None
    description: str = ""
    tags: list[TagDict] = []


class BulkLocation(NautobotModel):
    _model = Location
    _modelname = "location"
    _identifiers = ("name",)
    _attributes = ("location_type__name", "parent__name", "status__name", "tenant__name", "description", "tags", "code")

    name: str
    location_type__name: str
    parent__name: Optional[str] = None
    status__name: str = "Active"
    tenant__name: Optional[str] = None
    description: str = ""
    tags: list[TagDict] = []
    code: Annotated[Optional[str], CustomFieldAnnotation(key="site_code")] = None


class BulkAdapter(NautobotAdapter):
    tenant = BulkTenant
    location = BulkLocation
    top_level = ("tenant", "location")


class NamespaceOnly(NautobotModel):
    _model = Namespace
    _modelname = "namespace"
    _identifiers = ("name",)
    _bulk = True

    name: str


def records(sites: int, changed: bool = False) -> dict[str, list[dict[str, Any]]]:
    """Two regions with ``sites`` sites each, tenants and tags; ``changed`` edits some and drops others."""
    tenants = [{"name": f"Tenant {i}", "tenant_group__name": "Customers", "tags": [{"name": "gold"}]} for i in range(3)]
    locations = [{"name": f"Region {r}", "location_type__name": "Region"} for r in range(2)]
    for number in range(sites * 2):
        site = {
            "name": f"Site {number}",
            "location_type__name": "Site",
            "parent__name": f"Region {number % 2}",
            "tenant__name": f"Tenant {number % 3}",
            "tags": [{"name": "gold"}, {"name": "silver"}] if number % 2 else [{"name": "silver"}],
            "code": f"S{number:03}",
        }
        locations.append(site)
    if changed:
        locations[2].update(description="edited", tags=[{"name": "gold"}], code="NEW", parent__name="Region 1")
        locations[3].update(status__name="Planned", tenant__name=None, tags=[])
        del locations[-2:]
        tenants[0]["description"] = "edited"
        del tenants[2]
        for site in locations:
            if site.get("tenant__name") == "Tenant 2":
                site["tenant__name"] = "Tenant 1"
    return {"tenant": tenants, "location": locations}


def make_site_fixtures() -> None:
    """Create what ``records()`` refers to: location types, statuses, tags, the tenant group, the custom field."""
    region = LocationType.objects.create(name="Region")
    site = LocationType.objects.create(name="Site", parent=region)
    for location_type in (region, site):
        location_type.content_types.set(content_types(Location))
    Status.objects.get(name="Planned").content_types.add(*content_types(Location))
    for name in ("gold", "silver"):
        Tag.objects.create(name=name).content_types.set(content_types(Location, Tenant))
    TenantGroup.objects.create(name="Customers")
    field = CustomField.objects.create(key="site_code", label="Site code", type=CustomFieldTypeChoices.TYPE_TEXT)
    field.content_types.set(content_types(Location))


@dataclass(frozen=True)
class DatabaseState:
    """What a sync left in the database, by natural identifiers (primary keys differ between two runs)."""

    locations: dict[str, tuple]
    tenants: dict[str, tuple]
    changes: dict[tuple[str, str], Counter]

    @classmethod
    def read(cls) -> DatabaseState:
        """Read the locations, tenants and change records."""
        locations = {
            loc.name: (
                loc.location_type.name,
                loc.parent.name if loc.parent else None,
                loc.status.name,
                loc.tenant.name if loc.tenant else None,
                loc.description,
                loc._custom_field_data,
                sorted(tag.name for tag in loc.tags.all()),
            )
            for loc in Location.objects.filter(location_type__name__in=("Region", "Site"))
        }
        tenants = {
            tenant.name: (tenant.tenant_group.name, tenant.description, sorted(tag.name for tag in tenant.tags.all()))
            for tenant in Tenant.objects.all()
        }
        changes: dict[tuple[str, str], Counter] = {}
        for record in ObjectChange.objects.filter(user__username="bulk-tester"):
            key = (record.changed_object_type.model, record.object_repr)
            changes.setdefault(key, Counter())[record.action] += 1
        return cls(locations, tenants, changes)


def sync(data: dict[str, list[dict[str, Any]]], bulk: bool, user: User, batch_size: int = 0) -> Any:
    """Sync ``data`` into the database through the job's syncer, as a job would (in a job change context)."""
    with web_request_context(user, context=ObjectChangeEventContextChoices.CONTEXT_JOB):
        target = BulkAdapter(job=None, bulk=bulk)
        target.bulk_writer.batch_size = batch_size or target.bulk_writer.batch_size
        target.load()
        source = source_for(BulkAdapter, data)
        diff = source.diff_to(target)
        return apply_diff(source, target, diff, DiffSyncFlags.CONTINUE_ON_FAILURE)


class BulkPathTestCase(TestCase):
    """The standard and the bulk path, each from the same fresh database state."""

    @classmethod
    def setUpTestData(cls):
        make_site_fixtures()
        cls.tester = User.objects.create(username="bulk-tester")

    def run_both(self, *steps: dict[str, list[dict[str, Any]]]) -> dict[bool, DatabaseState]:
        """Apply ``steps`` through each path from the same state; return what each left (then roll it back)."""
        states = {}
        for bulk in (False, True):
            savepoint = transaction.savepoint()
            for data in steps:
                syncer = sync(data, bulk, self.tester)
                self.assertEqual(syncer.failed, 0)
            states[bulk] = DatabaseState.read()
            transaction.savepoint_rollback(savepoint)
        return states

    def assert_same(self, states: dict[bool, DatabaseState]) -> None:
        standard, bulk = states[False], states[True]
        self.assertEqual(standard.locations, bulk.locations)
        self.assertEqual(standard.tenants, bulk.tenants)
        self.assertEqual(standard.changes, bulk.changes)

    def test_create_gives_the_same_objects_and_change_records(self):
        states = self.run_both(records(5))
        self.assertEqual(len(states[True].locations), 12)
        self.assertEqual(states[True].changes[("location", "Site 3")], Counter(create=1))
        self.assert_same(states)

    def test_change_records_hold_what_nautobot_would_serialize(self):
        sync(records(2), True, self.tester)
        for name in ("Region 1", "Site 3"):
            location = Location.objects.get(name=name)
            record = ObjectChange.objects.get(changed_object_id=location.pk)
            self.assertEqual(record.action, "create")
            self.assertEqual(record.user_name, "bulk-tester")
            self.assertEqual(record.change_context, ObjectChangeEventContextChoices.CONTEXT_JOB)
            self.assertEqual(record.object_repr, str(location))
            self.assertEqual(record.object_data, serialize_object(location))
            self.assertEqual(record.object_data_v2, json.loads(json.dumps(serialize_object_v2(location), default=str)))

    def test_change_records_across_batches_show_related_objects_as_stored(self):
        sync(records(2), True, self.tester, batch_size=2)
        for location in Location.objects.filter(location_type__name__in=("Region", "Site")):
            self.assert_last_record_serializes(location)
        step = records(2)
        by_name = {location["name"]: location for location in step["location"]}
        for name in ("Site 1", "Region 1", "Site 3"):
            by_name[name]["description"] = f"{name} edited"
        order = ("Site 1", "Region 1", "Site 3", "Region 0", "Site 0", "Site 2")
        step["location"] = [by_name[name] for name in order]
        sync(step, True, self.tester, batch_size=1)
        site = Location.objects.get(name="Site 3")
        self.assertEqual(self.assert_last_record_serializes(site)["parent"]["description"], "Region 1 edited")

    def test_change_records_keep_tabs_newlines_and_backslashes(self):
        name = "Tab\there, back\\slash, new\nline"
        sync({"tenant": [{"name": name, "description": "x\\y\tz\r"}], "location": []}, True, self.tester)
        record = ObjectChange.objects.get(changed_object_id=Tenant.objects.get(name=name).pk)
        self.assertEqual(record.object_repr, name)
        self.assertEqual(record.object_data["description"], "x\\y\tz\r")
        self.assertEqual(record.object_data_v2["name"], name)

    def test_json_columns_hold_what_their_encoder_gives(self):
        value = {
            "when": datetime(2026, 12, 1, 13, 40, 5, 123456, tzinfo=timezone.utc),
            "day": date(2026, 12, 1),
            "at": time(13, 40, 5, 123456),
            "amount": Decimal("1.50"),
            "id": uuid.UUID(int=7),
            "label": gettext_lazy("Active"),
            "nested": [{"ratio": 0.1, 3: None, "text": "é\t\\"}],
        }
        for encoder in (DjangoJSONEncoder, NautobotKombuJSONEncoder):
            for case in (value, {"huge": 2**70, **value}):
                with self.subTest(encoder=encoder.__name__, keys=len(case)):
                    expected = json.loads(json.dumps(case, cls=encoder))
                    self.assertEqual(json.loads(JsonText(encoder)(case)), expected)

    def assert_last_record_serializes(self, location: Location) -> dict:
        record = ObjectChange.objects.filter(changed_object_id=location.pk).order_by("time").last()
        self.assertEqual(record.object_data, serialize_object(location))
        expected = json.loads(json.dumps(serialize_object_v2(location), default=str))
        self.assertEqual(record.object_data_v2, expected)
        return record.object_data_v2

    def test_update_and_delete_give_the_same_objects_and_change_records(self):
        states = self.run_both(records(5), records(5, changed=True))
        self.assertEqual(states[True].locations["Site 0"][1], "Region 1")
        self.assertNotIn("Tenant 2", states[True].tenants)
        self.assertEqual(states[True].changes[("tenant", "Tenant 2")], Counter(create=1, delete=1))
        self.assert_same(states)

    def test_invalid_objects_fail_alone_with_the_standard_message(self):
        data = records(1)
        data["location"].append({"name": "Orphan", "location_type__name": "Site"})
        data["location"].append({"name": "Nowhere", "location_type__name": "Planet"})
        messages = {}
        for bulk in (False, True):
            with transaction.atomic():
                syncer = sync(data, bulk, self.tester)
                messages[bulk] = syncer.failed, sorted(Location.objects.values_list("name", flat=True))
                transaction.set_rollback(True)
        self.assertEqual(messages[False], messages[True])
        self.assertEqual(messages[True][0], 2)
        self.assertNotIn("Orphan", messages[True][1])

    def test_objects_pending_creation_are_found_by_unique_key_without_a_query(self):
        adapter = BulkAdapter(job=None, bulk=True)
        BulkTenant.create(adapter, {"name": "Queued"}, {"tenant_group__name": "Customers"})
        with self.assertNumQueries(0):
            found = adapter.get_from_orm_cache({"name": "Queued"}, Tenant)
        self.assertTrue(found._state.adding)
        self.assertEqual(found.name, "Queued")
        with self.assertRaises(Tenant.DoesNotExist):
            adapter.get_from_orm_cache({"name": "Absent"}, Tenant)

    def test_uniqueness_is_checked_against_the_database_and_the_queue(self):
        Tenant.objects.create(name="Taken")
        validator = BulkValidator()
        with self.assertRaises(ValidationError) as caught:
            validator.validate(Tenant(name="Taken"))
        with self.assertRaises(ValidationError) as expected:
            Tenant(name="Taken").full_clean()
        self.assertEqual(caught.exception.message_dict["name"], expected.exception.message_dict["name"])
        validator.validate(Tenant(name="New"))
        with self.assertRaises(ValidationError):
            validator.validate(Tenant(name="New"))

    def test_models_with_their_own_save_fall_back(self):
        self.assertIn("Namespace.delete()", model_fallback_reason(Namespace))
        self.assertIsNone(model_fallback_reason(Location))
        adapter = NautobotAdapter(job=None, bulk=True)
        with self.assertLogs("nautobot_ssot.contrib.bulk.writer", "INFO") as logs:
            self.assertFalse(adapter.bulk_writer.accepts(NamespaceOnly))
            self.assertFalse(adapter.bulk_writer.accepts(NamespaceOnly))
        self.assertEqual(len(logs.output), 1)
        self.assertIn("object by object, not in bulk", logs.output[0])
        self.assertEqual(ContentType.objects.get_for_model(Namespace).model, "namespace")


class BulkOptInTestCase(TestCase):
    def test_job_meta_turns_the_bulk_path_on_and_the_adapter_argument_wins(self):
        class Job:
            class Meta:
                bulk_writes = True

        self.assertTrue(NautobotAdapter(job=Job()).bulk_writer.enabled)
        self.assertFalse(NautobotAdapter(job=Job(), bulk=False).bulk_writer.enabled)
        self.assertFalse(NautobotAdapter(job=None).bulk_writer.enabled)

    def test_the_diff_is_applied_with_the_collector_paused_only_when_every_model_is_bulk(self):
        class MixedAdapter(NautobotAdapter):
            location = BulkLocation
            namespace = NamespaceOnly
            top_level = ("location", "namespace")

        bulk = BulkAdapter(job=None, bulk=True)
        with bulk.applying():
            self.assertFalse(gc.isenabled())
            self.assertIs(CacheMemo.current(), bulk.bulk_writer.memo)
        mixed = MixedAdapter(job=None, bulk=True)
        with self.assertLogs("nautobot_ssot.contrib.bulk.writer", "INFO"), mixed.applying():
            self.assertTrue(gc.isenabled())
            self.assertGreater(gc.get_freeze_count(), 0)  # what was loaded before is left out of its walks
            self.assertIs(CacheMemo.current(), mixed.bulk_writer.memo)  # the namespace writes deferred, with the memo
        self.assertEqual(gc.get_freeze_count(), 0)
        with NautobotAdapter(job=None, deferred_change_records=False).applying():
            self.assertIsNone(CacheMemo.current())
            self.assertEqual(gc.get_freeze_count(), 0)  # the 4.x-style path keeps the collector as it was
        self.assertTrue(gc.isenabled())
