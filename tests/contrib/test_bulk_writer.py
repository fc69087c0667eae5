"""BulkWriter: ``one_at_a_time`` (the queue is written, then object by object), the objects kept from loading."""

from diffsync.enum import DiffSyncFlags
from diffsync.exceptions import ObjectNotCreated
from django.db import connection
from django.test.utils import CaptureQueriesContext
from nautobot.apps.testing import TestCase
from nautobot.tenancy.models import Tenant, TenantGroup

from nautobot_ssot.contrib import NautobotAdapter, NautobotModel
from nautobot_ssot.sync.executor import apply_diff
from tests.contrib import test_bulk
from tests.contrib.kinds import test_plain


class WriterTenant(NautobotModel):
    _model = Tenant
    _modelname = "tenant"
    _identifiers = ("name",)

    name: str


class WriterAdapter(NautobotAdapter):
    tenant = WriterTenant
    top_level = ("tenant",)


class OneAtATimeTestCase(TestCase):
    def setUp(self):
        self.adapter = WriterAdapter(job=None, bulk=True)
        self.adapter.load()
        self.writer = self.adapter.bulk_writer

    def test_the_queue_is_written_first_and_the_block_writes_at_once(self):
        WriterTenant.create(self.adapter, {"name": "wr-queued"}, {})
        self.assertFalse(Tenant.objects.filter(name="wr-queued").exists())
        with self.writer.one_at_a_time([Tenant]):
            self.assertTrue(Tenant.objects.filter(name="wr-queued").exists())
            self.assertFalse(self.writer.accepts(WriterTenant))
            WriterTenant.create(self.adapter, {"name": "wr-direct"}, {})
            self.assertTrue(Tenant.objects.filter(name="wr-direct").exists())
        self.assertTrue(self.writer.accepts(WriterTenant))

    def test_unique_values_written_in_the_block_are_seen_afterwards(self):
        WriterTenant.create(self.adapter, {"name": "wr-first"}, {})
        with self.writer.one_at_a_time([Tenant]):
            WriterTenant.create(self.adapter, {"name": "wr-direct"}, {})
        with self.assertRaises(ObjectNotCreated) as caught:
            WriterTenant.create(self.adapter, {"name": "wr-direct"}, {})
        self.assertIn("already exists", str(caught.exception))


class KeptFromLoadingTestCase(TestCase):
    def setUp(self):
        for name in ("wr-same", "wr-changed", "wr-gone"):
            Tenant.objects.create(name=name, description="old")
        self.target = test_plain.TenantAdapter(job=None, bulk=True)
        self.target.load()
        self.source = test_plain.TenantAdapter(job=None, bulk=True)
        self.source.add(test_plain.TenantModel(name="wr-same", description="old"))
        self.source.add(test_plain.TenantModel(name="wr-changed", description="new"))
        self.diff = self.source.diff_to(self.target)

    def test_only_what_the_diff_updates_or_deletes_is_kept(self):
        writer = self.target.bulk_writer
        self.assertEqual(set(writer.loaded), {("tenant", "wr-same"), ("tenant", "wr-changed"), ("tenant", "wr-gone")})
        with self.target.applying(self.diff):
            self.assertEqual(set(writer.loaded), {("tenant", "wr-changed"), ("tenant", "wr-gone")})

    def test_the_sync_writes_through_the_kept_objects(self):
        with CaptureQueriesContext(connection) as queries:
            apply_diff(self.source, self.target, self.diff, DiffSyncFlags.NONE)
        by_name = [query["sql"] for query in queries if '"tenancy_tenant"."name" =' in query["sql"]]
        self.assertEqual(by_name, [])  # the kept objects are not read again one by one
        self.assertEqual(
            sorted(Tenant.objects.filter(name__startswith="wr-").values_list("name", "description")),
            [("wr-changed", "new"), ("wr-same", "old")],
        )

    def test_objects_taken_for_writing_share_one_instance_per_related_object(self):
        group = TenantGroup.objects.create(name="wr-group")
        Tenant.objects.filter(name__startswith="wr-").update(tenant_group=group)
        adapter = JoinedAdapter(job=None, bulk=True)
        adapter.load()
        for name in ("wr-same", "wr-changed"):
            adapter.get("tenant", name).update({"description": "new"})
        first, second = (pending.obj for pending in adapter.bulk_writer.updates.by_model[Tenant])
        self.assertTrue(Tenant.tenant_group.is_cached(first))
        self.assertIs(first.tenant_group, second.tenant_group)  # loaded as two copies, one once taken


class JoinedTenant(test_bulk.BulkTenant):
    @classmethod
    def get_queryset(cls):
        """A join: each row comes with its own copy of its group."""
        return Tenant.objects.select_related("tenant_group").filter(name__startswith="wr-")


class JoinedAdapter(NautobotAdapter):
    tenant = JoinedTenant
    top_level = ("tenant",)
