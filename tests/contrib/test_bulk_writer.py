"""BulkWriter.one_at_a_time: what the bulk path queued is written, then objects are written one at a time."""

from diffsync.exceptions import ObjectNotCreated
from nautobot.apps.testing import TestCase
from nautobot.tenancy.models import Tenant

from nautobot_ssot.contrib import NautobotAdapter, NautobotModel


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
