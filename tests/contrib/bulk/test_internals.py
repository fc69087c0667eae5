"""Canary tests of what the deferred and bulk writers rely on inside Nautobot and Django, and the version gate.

When one of these fails after an upgrade, the internals named in ``nautobot_ssot.contrib.bulk.internals``
changed: check the writers against the new version before widening ``TESTED_NAUTOBOT``.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import tempfile
from fnmatch import fnmatchcase
from pathlib import Path
from unittest import mock

import nautobot
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache, caches
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models.signals import post_save
from nautobot.apps.testing import TestCase
from nautobot.core import signals as nautobot_signals
from nautobot.core.api.utils import get_serializer_for_model
from nautobot.core.models.tree_queries import TreeModel
from nautobot.core.signals import disable_for_loaddata
from nautobot.core.utils.cache import construct_cache_key
from nautobot.dcim.models import Interface, Location, LocationType
from nautobot.extras.choices import ObjectChangeActionChoices, ObjectChangeEventContextChoices
from nautobot.extras.context_managers import web_request_context
from nautobot.extras.models import ObjectChange, Status
from nautobot.ipam.models import IPAddress, Namespace, Prefix
from nautobot.tenancy.models import Tenant, TenantGroup
from nautobot.users.models import User

from nautobot_ssot.contrib.bulk import internals
from nautobot_ssot.contrib.bulk.changelog import attach_related
from nautobot_ssot.contrib.bulk.reproduced import source_digest
from nautobot_ssot.contrib.bulk.serialization import NaturalSlugs
from nautobot_ssot.contrib.bulk.trees import drop_descendants
from nautobot_ssot.contrib.writers import DeferredWriter, StandardWriter
from tests.contrib.test_writers import NetAdapter, make_network_fixtures, network, sync


class VersionGateTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_network_fixtures()

    def test_the_installed_nautobot_is_supported(self):
        self.assertIsNone(internals.internals_unsupported())

    def test_versions_outside_the_checked_range_are_refused(self):
        self.assertIsNone(internals.internals_unsupported("3.2.99"))
        self.assertIn("checked on", internals.internals_unsupported("3.3.0"))
        self.assertIn("checked on", internals.internals_unsupported("2.4.20"))
        self.assertIn("not a release version", internals.internals_unsupported("main"))

    def test_an_unsupported_nautobot_writes_every_model_through_the_standard_writer_and_says_so_once(self):
        user = User.objects.create(username="gate")
        with mock.patch.object(nautobot, "__version__", "9.0.0"):
            adapter = NetAdapter(job=None, bulk=True)
            with self.assertLogs("nautobot_ssot.contrib.bulk.writer", "INFO") as logs:
                writers = [adapter.writer_for(adapter._get_diffsync_class(name)) for name in adapter.top_level]
            self.assertEqual([type(writer) for writer in writers], [StandardWriter] * len(writers))
            self.assertEqual(len(logs.output), 1)
            self.assertIn("Nautobot 9.0.0", logs.output[0])
            self.assertEqual(sync(network(), user, bulk=True), 0)
        self.assertTrue(ObjectChange.objects.filter(user=user).exists())
        self.assertIsInstance(NetAdapter(job=None).writer_for(NetAdapter.device), DeferredWriter)


class ChangeContextCanaryTestCase(TestCase):
    """What the deferred writer relies on in Nautobot's change context and change-logging receivers."""

    def setUp(self):
        self.user = User.objects.create(username="canary")

    def test_deferring_registers_changes_under_the_known_key_without_storing_records(self):
        with web_request_context(self.user, context=ObjectChangeEventContextChoices.CONTEXT_JOB):
            context = internals.current_context()
            self.assertEqual(context.get_user(), self.user)
            with internals.tracking_changes(context) as changes, internals.deferring(context):
                self.assertTrue(internals.is_deferring(context))
                tenant = Tenant.objects.create(name="Deferred")
                key = internals.change_key(ContentType.objects.get_for_model(Tenant).pk, tenant.pk, self.user)
                self.assertEqual(
                    internals.registered_changes(context)[key],
                    [{"action": ObjectChangeActionChoices.ACTION_CREATE, "instance": tenant, "user": self.user}],
                )
                self.assertFalse(ObjectChange.objects.filter(changed_object_id=tenant.pk).exists())
                self.assertNotIn(key, changes.touched)
                tenant.description = "again"
                tenant.save()
                self.assertIn(key, changes.touched)
            self.assertFalse(internals.is_deferring(context))
            self.assertIs(type(internals.registered_changes(context)), dict)
            internals.registered_changes(context).clear()

    def test_a_registered_change_is_not_recorded_again_by_nautobot(self):
        with web_request_context(self.user, context=ObjectChangeEventContextChoices.CONTEXT_JOB):
            context = internals.current_context()
            tenant = Tenant.objects.create(name="Registered")
            key = internals.change_key(ContentType.objects.get_for_model(Tenant).pk, tenant.pk, self.user)
            self.assertFalse(internals.register_change(context, key, "update", tenant, self.user))
        self.assertEqual(ObjectChange.objects.filter(changed_object_id=tenant.pk).count(), 1)

    def test_nautobot_caches_the_data_before_the_first_save_and_it_can_be_dropped(self):
        tenant = Tenant.objects.create(name="Before")
        ObjectChange.objects.filter(changed_object_id=tenant.pk).delete()
        with web_request_context(self.user, context=ObjectChangeEventContextChoices.CONTEXT_JOB):
            context = internals.current_context()
            tenant.description = "after"
            tenant.save()
            self.assertEqual(context.pre_object_data_v2[str(tenant.pk)]["description"], "")
            internals.drop_pre_change(context, str(tenant.pk))
            self.assertNotIn(str(tenant.pk), context.pre_object_data)
            self.assertNotIn(str(tenant.pk), context.pre_object_data_v2)

    def test_without_change_context_nothing_is_recorded(self):
        with web_request_context(self.user, context=ObjectChangeEventContextChoices.CONTEXT_JOB):
            context = internals.current_context()
            with internals.without_change_context():
                self.assertIsNone(internals.current_context())
                tenant = Tenant.objects.create(name="Unrecorded")
            self.assertIs(internals.current_context(), context)
        self.assertFalse(ObjectChange.objects.filter(changed_object_id=tenant.pk).exists())


class DjangoCanaryTestCase(TestCase):
    """What the bulk writer relies on in Django's signals and querysets."""

    def test_live_receivers_lists_nautobots_change_logging_receiver(self):
        names = {f"{r.__module__}.{r.__name__}" for r in internals.live_receivers(post_save, Tenant)}
        self.assertIn("nautobot.extras.signals._handle_changed_object", names)

    def test_a_serializers_output_is_taken_from_it(self):
        tenants = [Tenant.objects.create(name="Serialized")]
        serializer = get_serializer_for_model(Tenant)(tenants, many=True, context={"request": None, "depth": 1})
        self.assertEqual(serializer.data[0]["name"], "Serialized")
        self.assertIn("_data", vars(serializer))
        output = internals.take_output(serializer)
        self.assertNotIn("_data", vars(serializer))
        self.assertEqual(output[0]["name"], "Serialized")

    def test_a_set_prefetch_is_read_without_a_query(self):
        tenant = Tenant.objects.create(name="Prefetched")
        attach_related([tenant], "tags")
        with self.assertNumQueries(0):
            self.assertEqual(list(tenant.tags.all()), [])


TREE_DELETE_DIGEST = "c172c80e0fb7"
"""The first 12 hex digits of the SHA-256 of ``TreeModel.delete`` as the queued deletes were checked on."""


class DeletionCollectorCanaryTestCase(TestCase):
    """What the deferred writer relies on in Django's deletion collector, for deletes run together."""

    @classmethod
    def setUpTestData(cls):
        make_network_fixtures()
        sync(network(), User.objects.create(username="collector"))
        cls.eth = {interface.name: interface for interface in Interface.objects.filter(device__name="r0")}

    def test_unrelated_objects_are_deleted_together(self):
        batch = [self.eth["eth0"], self.eth["eth1"]]
        collector = internals.collect_deletion(Interface, batch)
        self.assertFalse(internals.refers_within(collector, Interface, batch))
        self.assertEqual({obj.pk for obj in internals.collected(collector)[Interface]}, {obj.pk for obj in batch})

    def test_an_object_set_to_null_by_another_of_the_batch_is_found(self):
        Interface.objects.filter(pk=self.eth["eth1"].pk).update(bridge=self.eth["eth0"])
        batch = [self.eth["eth0"], Interface.objects.get(pk=self.eth["eth1"].pk)]
        self.assertTrue(internals.refers_within(internals.collect_deletion(Interface, batch), Interface, batch))

    def test_more_objects_of_the_model_deleted_by_a_cascade_are_found(self):
        Interface.objects.filter(pk=self.eth["eth1"].pk).update(parent_interface=self.eth["eth0"])
        batch = [self.eth["eth0"]]
        self.assertTrue(internals.refers_within(internals.collect_deletion(Interface, batch), Interface, batch))

    def test_the_override_check_tells_djangos_delete_from_a_models_own(self):
        self.assertTrue(internals.deletes_plainly(Interface))
        self.assertTrue(internals.deletes_plainly(Tenant))
        self.assertTrue(internals.deletes_plainly(Location))
        self.assertFalse(internals.deletes_plainly(Prefix))

    def test_the_tree_models_delete_is_the_one_checked(self):
        """Fails when Nautobot changes it: check that it still only drops cached descendants before deleting."""
        self.assertEqual(source_digest(TreeModel.delete), TREE_DELETE_DIGEST)


class LoaddataCheckCanaryTestCase(TestCase):
    """Nautobot's ``disable_for_loaddata`` gives the same answers with the run's ``FrameStack``."""

    def test_the_wrapper_is_the_one_checked(self):
        """Fails when Nautobot changes it: check that it still reads only the file names of ``inspect.stack()``."""
        self.assertEqual(source_digest(disable_for_loaddata), "f6ce637a73cf")

    def test_a_wrapped_receiver_runs_except_under_loaddata_while_the_patch_is_active(self):
        calls = []
        receiver = disable_for_loaddata(lambda: calls.append("ran"))
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "loaddata.py"
            path.write_text("def call(function):\n    function()\n")
            spec = importlib.util.spec_from_file_location("loaddata", path)
            loaddata = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(loaddata)
            with internals.FRAME_STACK_PATCH.active():
                self.assertIsInstance(nautobot_signals.inspect, internals.FrameStack)
                receiver()
                loaddata.call(receiver)
        self.assertEqual(calls, ["ran"])
        self.assertIs(nautobot_signals.inspect, inspect)


class RecordShapeCanaryTestCase(TestCase):
    """Nautobot's overrides of ``to_objectchange`` that only pin a parent, and what the fast records pin."""

    def setUp(self):
        self.user = User.objects.create(username="shapes")
        make_network_fixtures()

    def assert_same_record(self, obj) -> None:
        from nautobot_ssot.contrib.bulk.deferred import build_records  # noqa: PLC0415
        from nautobot_ssot.contrib.bulk.serialization import SerializerMemo  # noqa: PLC0415

        self.assertTrue(internals.record_shape(type(obj)).plain, type(obj).__name__)
        with web_request_context(self.user, context=ObjectChangeEventContextChoices.CONTEXT_JOB):
            context = internals.current_context()
            ours = build_records(type(obj), [obj], "create", context, self.user, SerializerMemo())[0]
        theirs = obj.to_objectchange("create")
        for name in ("related_object_type_id", "related_object_id", "object_repr", "object_data", "object_data_v2"):
            self.assertEqual(as_stored(getattr(ours, name)), as_stored(getattr(theirs, name)), type(obj).__name__)

    def test_device_components_and_templates_are_pinned_as_their_overrides_pin_them(self):
        from nautobot.dcim.models import ConsolePort, ConsolePortTemplate, Device, Interface  # noqa: PLC0415

        self.assertEqual(sync(network(), self.user), 0)
        interface = Interface.objects.first()
        self.assert_same_record(interface)
        self.assertIsNotNone(interface.to_objectchange("create").related_object_id)
        device = Device.objects.first()
        self.assert_same_record(ConsolePort.objects.create(device=device, name="con9"))
        device_type = device.device_type
        self.assert_same_record(ConsolePortTemplate.objects.create(device_type=device_type, name="con9"))

    def test_the_network_models_still_have_the_overrides_listed(self):
        from nautobot.dcim.models import FrontPort, Interface, ModuleBay, PowerPortTemplate  # noqa: PLC0415
        from nautobot.virtualization.models import VMInterface  # noqa: PLC0415

        for model in (Interface, FrontPort, ModuleBay, PowerPortTemplate, VMInterface):
            self.assertIn(model.to_objectchange, internals.parent_pinning_overrides(), model.__name__)

    def test_conditional_overrides_keep_their_own_records(self):
        from nautobot.extras.models import StaticGroupAssociation  # noqa: PLC0415

        self.assertFalse(internals.record_shape(StaticGroupAssociation).plain)
        self.assertTrue(internals.record_shape(Tenant).plain)


def as_stored(value):
    """A record's value as its JSON column stores it (dates as text)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


class TargetCanaryTestCase(TestCase):
    """Every function the fast paths replace, override or call privately exists, with the signature checked."""

    def test_every_target_has_the_checked_signature(self):
        for target in internals.EVERY_TARGET:
            with self.subTest(str(target)):
                self.assertEqual(target.current_signature(), target.signature)

    def test_the_configured_cache_has_every_method_the_memo_replaces(self):
        backend = caches["default"]
        for target in internals.CACHE_METHODS:
            with self.subTest(target.name):
                self.assertTrue(callable(getattr(backend, target.name, None)))

    def test_the_process_wide_lookups_are_defined_by_their_own_class_or_module(self):
        for target in internals.MEMOIZED_LOOKUPS:
            with self.subTest(str(target)):
                self.assertIn(target.name, vars(target.holder()))

    def test_a_missing_target_is_reported_by_name(self):
        missing = internals.Target("nautobot.extras.signals", "", "_no_such_receiver", "()")
        with self.assertRaisesRegex(LookupError, "nautobot.extras.signals._no_such_receiver"):
            missing.current_signature()


def make_tree() -> list[Location]:
    """A region, a site under it and a room under the site (three levels of one tree)."""
    status = Status.objects.get(name="Active")
    region = LocationType.objects.create(name="Canary region")
    site = LocationType.objects.create(name="Canary site", parent=region)
    room = LocationType.objects.create(name="Canary room", parent=site)
    for location_type in (region, site, room):
        location_type.content_types.add(ContentType.objects.get_for_model(Location))
    top = Location.objects.create(name="North & South", location_type=region, status=status)
    middle = Location.objects.create(name="DC 1/B.2", location_type=site, parent=top, status=status)
    bottom = Location.objects.create(name="Café 😀", location_type=room, parent=middle, status=status)
    return [top, middle, bottom]


class KeyFormatCanaryTestCase(TestCase):
    """The natural slugs and tree cache keys the bulk path builds itself are the ones Nautobot builds."""

    @classmethod
    def setUpTestData(cls):
        cls.tree = make_tree()
        namespace = Namespace.objects.create(name="Canary")
        status = Status.objects.get(name="Active")
        Prefix.objects.create(prefix="10.9.0.0/16", namespace=namespace, status=status)
        cls.address = IPAddress.objects.create(address="10.9.1.1/24", namespace=namespace, status=status)
        cls.tenant = Tenant.objects.create(
            name="O'Brien, 1,000 racks", tenant_group=TenantGroup.objects.create(name="G")
        )

    def test_natural_slugs_are_nautobots(self):
        slugs = NaturalSlugs()
        for obj in [*self.tree, self.address, self.tenant, self.tenant.tenant_group, Status.objects.get(name="Active")]:
            with self.subTest(str(obj)):
                fresh = type(obj).objects.get(pk=obj.pk)
                serializer = get_serializer_for_model(type(obj))(fresh, context={"request": None, "depth": 1})
                self.assertEqual(slugs(fresh), fresh.natural_slug)
                self.assertEqual(slugs(fresh), serializer.get_natural_slug(fresh))

    def test_the_descendants_key_pattern_matches_nautobots_keys_and_drops_them(self):
        top = self.tree[0]
        pattern = internals.descendants_key_pattern(Location)
        for options in ({}, {"include_self": True}):
            with self.subTest(**options):
                top.cacheable_descendants_pks(**options)
                key = construct_cache_key(
                    top,
                    method_name="cacheable_descendants_pks",
                    restrict_to_user=None,
                    **{"include_self": False, **options},
                )
                self.assertTrue(fnmatchcase(key, pattern))
                self.assertIsNotNone(cache.get(key))
                drop_descendants(Location)
                self.assertIsNone(cache.get(key))
        self.assertFalse(
            fnmatchcase(construct_cache_key(self.tenant, method_name="cacheable_descendants_pks"), pattern)
        )

    def test_the_parent_display_key_is_nautobots(self):
        middle = self.tree[1]
        own = construct_cache_key(middle, method_name="display", branch_aware=True)
        parent = construct_cache_key(self.tree[0], method_name="display", branch_aware=True)
        self.assertEqual(internals.parent_display_key(own, middle), parent)
