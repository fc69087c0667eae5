"""Behaviour code written for nautobot-ssot 4.7 relies on: each test shows it, or our documented difference."""

import json
from types import SimpleNamespace
from typing import Annotated, Optional

import structlog
from diffsync.exceptions import ObjectNotCreated
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.template import Context, Template
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from nautobot.apps.testing import TestCase
from nautobot.dcim.models import Cable
from nautobot.extras.choices import RelationshipTypeChoices
from nautobot.extras.models import Relationship, RelationshipAssociation
from nautobot.tenancy.models import Tenant, TenantGroup
from typing_extensions import TypedDict

from nautobot_ssot.contrib import CustomRelationshipAnnotation, NautobotAdapter, NautobotModel, RelationshipSideEnum
from nautobot_ssot.contrib.kinds import AttributePathKind, RelationshipToOneDictKind
from nautobot_ssot.contrib.typeddicts import SortKey, TagDict
from nautobot_ssot.models import DiffJSONEncoder, Sync, SyncLogEntry
from nautobot_ssot.sync.guards import DeleteGuard
from nautobot_ssot.sync.logcapture import LogCollector, capture_processor
from nautobot_ssot.utils.cache import ORMCache
from tests.compat.integration.jobs import CompatRemoteDataSource


class TenantModel(NautobotModel):
    """A tenant whose description is optional in the diffsync model."""

    _model = Tenant
    _modelname = "tenant"
    _identifiers = ("name",)
    _attributes = ("description",)

    name: str
    description: Optional[str] = None


class TenantNameDict(TypedDict):
    """A tenant by name."""

    name: Annotated[str, SortKey]


class GroupModel(NautobotModel):
    """A tenant group with its one owning tenant through a one-to-many custom relationship."""

    _model = TenantGroup
    _modelname = "group"
    _identifiers = ("name",)
    _attributes = ("owner",)

    name: str
    owner: Annotated[
        Optional[TenantNameDict],
        CustomRelationshipAnnotation(name="Compat owner", side=RelationshipSideEnum.DESTINATION),
    ] = None


class GroupAdapter(NautobotAdapter):
    """Loads tenant groups."""

    group = GroupModel
    top_level = ("group",)


class DeclarationsTestCase(TestCase):
    """Declarations 4.7 accepts are accepted; they load and write as in 4.7."""

    def test_a_field_through_a_compatibility_attribute_is_read(self):
        class CableModel(NautobotModel):
            _model = Cable
            _modelname = "cable"
            _identifiers = ("label",)
            _attributes = ("termination_a__name",)

            label: str
            termination_a__name: Optional[str] = None

        (kind,) = [kind for kind in CableModel.field_plan().kinds if "termination_a__name" in kind.names]
        self.assertIsInstance(kind, AttributePathKind)
        cable = SimpleNamespace(termination_a=SimpleNamespace(name="eth0"))
        self.assertEqual(kind.load(cable), {"termination_a__name": "eth0"})
        self.assertEqual(kind.load(SimpleNamespace(termination_a=None)), {"termination_a__name": None})
        with self.assertRaisesRegex(ValueError, "not a database field"):
            kind.save(Cable(), {"termination_a__name": "eth0"}, None)

    def test_a_to_one_custom_relationship_typed_optional_typeddict(self):
        Relationship.objects.create(
            label="Compat owner",
            key="compat_owner",
            type=RelationshipTypeChoices.TYPE_ONE_TO_MANY,
            source_type=ContentType.objects.get_for_model(Tenant),
            destination_type=ContentType.objects.get_for_model(TenantGroup),
        )
        Tenant.objects.create(name="compat-owner")
        self.assertTrue(any(isinstance(kind, RelationshipToOneDictKind) for kind in GroupModel.field_plan().kinds))
        adapter = GroupAdapter(job=None)
        GroupModel.create(adapter, {"name": "compat-g"}, {"owner": {"name": "compat-owner"}})
        association = RelationshipAssociation.objects.get(relationship__key="compat_owner")
        self.assertEqual(association.source.name, "compat-owner")
        loaded = GroupAdapter(job=None)
        loaded.load()
        self.assertEqual(loaded.get("group", "compat-g").owner, {"name": "compat-owner"})


class WritingTestCase(TestCase):
    """create() leaves what it is not told to the model's defaults; refusals carry the original error."""

    def test_create_without_an_attribute_keeps_the_model_default(self):
        TenantModel.create(NautobotAdapter(job=None), {"name": "compat-partial"}, {})
        self.assertEqual(Tenant.objects.get(name="compat-partial").description, "")

    def test_a_refused_create_carries_the_original_exception_first(self):
        with self.assertRaises(ObjectNotCreated) as raised:
            TenantModel.create(NautobotAdapter(job=None), {"name": "compat-null"}, {"description": None})
        self.assertIsInstance(raised.exception.args[0], IntegrityError)
        self.assertIs(raised.exception.__cause__, raised.exception.args[0])
        self.assertIn("description", str(raised.exception))

    def test_a_validation_error_is_the_first_argument_too(self):
        with self.assertRaises(ObjectNotCreated) as raised:
            TenantModel.create(NautobotAdapter(job=None), {"name": ""}, {})
        self.assertIsInstance(raised.exception.args[0], ValidationError)
        self.assertIn("name:", str(raised.exception))

    def test_synced_attributes_and_loaded_objects(self):
        self.assertEqual(TenantModel.get_synced_attributes(), ["name", "description"])
        Tenant.objects.create(name="compat-l1")
        Tenant.objects.create(name="compat-l2")

        class Adapter(NautobotAdapter):
            tenant = TenantModel
            top_level = ("tenant",)

        adapter = Adapter(job=None)
        adapter.load()
        self.assertEqual(adapter.objects_loaded, Tenant.objects.count())
        adapter.log_loaded_objects(3)
        self.assertEqual(adapter.objects_loaded, Tenant.objects.count() + 3)

    def test_the_orm_cache_of_4_7_shares_the_adapters_cache(self):
        tenant = Tenant.objects.create(name="compat-cached")
        adapter = NautobotAdapter(job=None)
        self.assertIsNone(adapter.cache.hits("tenancy.tenant"))
        self.assertEqual(adapter.cache.get_from_orm(Tenant, {"name": "compat-cached"}), tenant)
        self.assertEqual(adapter.get_from_orm_cache({"name": "compat-cached"}, Tenant), tenant)
        self.assertEqual(adapter.cache.hits("tenancy.tenant"), 1)
        adapter.cache = ORMCache()
        self.assertIsNone(adapter.cache.hits("tenancy.tenant"))


class DiffStorageTestCase(TestCase):
    """Sets in diffs are stored as JSON lists; object_repr is str() (a documented difference from 4.7)."""

    def setUp(self):
        super().setUp()
        self.sync = Sync.objects.create(source="a", target="b", start_time=timezone.now(), diff={})

    def test_a_set_becomes_a_list(self):
        self.assertEqual(json.loads(json.dumps({"vids": {42, 7}}, cls=DiffJSONEncoder)), {"vids": [7, 42]})
        entry = SyncLogEntry.objects.create(sync=self.sync, action="create", status="success", diff={"+": {"v": {42}}})
        entry.refresh_from_db()
        self.assertEqual(entry.diff, {"+": {"v": [42]}})

    def test_object_repr_is_the_objects_str(self):
        tenant = Tenant.objects.create(name="compat-repr")
        event = {
            "src": None,
            "dst": None,
            "action": "create",
            "model": "tenant",
            "unique_id": "compat-repr",
            "diffs": {},
            "status": "success",
            "event": "Created",
        }
        with LogCollector(self.sync, lambda model, unique_id: tenant) as collector:
            collector.add(event)
        self.assertEqual(SyncLogEntry.objects.get(sync=self.sync).object_repr, str(tenant))


class DeleteGuardTestCase(TestCase):
    """The default share limit applies from ten objects on; explicit limits always apply."""

    def test_deleting_the_only_object_is_allowed_by_default(self):
        self.assertEqual(DeleteGuard().verdict(1, 1), "")
        self.assertEqual(DeleteGuard().verdict(9, 9), "")
        self.assertIn("(60%)", DeleteGuard().verdict(6, 10))

    def test_an_explicit_share_limit_applies_to_a_small_target(self):
        self.assertIn("(100%)", DeleteGuard(min_target_objects=0).verdict(1, 1))
        self.assertIn("limit of 0", DeleteGuard(max_count=0).verdict(1, 1))


class DiffsyncEventsTestCase(TestCase):
    """While a run captures, diffsync's events go to its log entries and the debug log, not to standard output."""

    def test_events_are_dropped_from_structlogs_output_while_capturing(self):
        sync = Sync.objects.create(source="a", target="b", start_time=timezone.now(), diff={})
        event = {"event": "Beginning diff calculation"}
        with LogCollector(sync, lambda model, unique_id: None), self.assertRaises(structlog.DropEvent):
            capture_processor(None, "info", event)
        self.assertIs(capture_processor(None, "info", event), event)


class JobOptionsTestCase(TestCase):
    """parallel_loading is a job variable; skip_auto_component_creation a job attribute and an app setting."""

    def test_parallel_loading_is_accepted_as_job_data(self):
        CompatRemoteDataSource.validate_data({"dryrun": True, "parallel_loading": True})
        form = CompatRemoteDataSource.as_form(data={"dryrun": True, "parallel_loading": True})
        self.assertTrue(form.is_valid(), form.errors)

    @override_settings(PLUGINS_CONFIG={"nautobot_ssot": {"skip_auto_component_creation": True}})
    def test_the_app_setting_suppresses_components_for_the_run(self):
        from nautobot_ssot.contrib import is_auto_component_creation_suppressed  # noqa: PLC0415
        from nautobot_ssot.jobs.base import DataSource  # noqa: PLC0415

        job = DataSource()
        self.assertFalse(job.skip_auto_component_creation)
        with job._component_creation():
            self.assertTrue(is_auto_component_creation_suppressed())
        self.assertFalse(is_auto_component_creation_suppressed())

    def test_global_search_finds_syncs_by_default(self):
        from django.apps import apps  # noqa: PLC0415

        self.assertEqual(apps.get_app_config("nautobot_ssot").searchable_models, ["sync", "synclogentry"])
        Sync.objects.create(source="compat-searchable", target="Nautobot", start_time=timezone.now(), diff={})
        self.user.is_superuser = True
        self.user.save()
        self.client.force_login(self.user)
        response = self.client.get(
            reverse("search"), {"q": "compat-searchable", "model": "nautobot_ssot.sync"}, headers={"HX-Request": "true"}
        )
        self.assertContains(response, "compat-searchable")


class TemplateTagsTestCase(TestCase):
    """The template tag libraries render_diff and humanize_bytes load and render, escaping what they show."""

    def test_render_diff(self):
        diff = {"tenant": {"<b>": {"+": {"description": "new"}, "-": {"description": "old"}}}}
        html = Template("{% load render_diff %}{% render_diff diff %}").render(Context({"diff": diff}))
        self.assertIn('<li class="diff-changed">&lt;b&gt;', html)
        self.assertIn('<li class="diff-added">description: new</li>', html)

    def test_humanize_bytes(self):
        template = Template(
            "{% load humanize_bytes %}{{ a|humanize_bytes }}|{{ b|humanize_bytes }}|{{ c|humanize_bytes }}"
        )
        self.assertEqual(template.render(Context({"a": 1024, "b": 1536, "c": None})), "1 KiB|1.50 KiB|no data")


class SortingTestCase(TestCase):
    """The ready-made TypedDicts mark their sort key."""

    def test_sort_keys(self):
        from nautobot_ssot.contrib.sorting import get_sort_key_from_typed_dict  # noqa: PLC0415

        self.assertEqual(get_sort_key_from_typed_dict(TagDict), "name")
        self.assertIsNone(get_sort_key_from_typed_dict(dict))
