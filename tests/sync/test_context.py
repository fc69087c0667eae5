"""The run context: one outcome per object, counted once; rejections taken from the adapter that made them."""

from diffsync import Adapter
from nautobot.apps.testing import TestCase

from nautobot_ssot.jobs.examples.models import TenantModel
from nautobot_ssot.models import Sync
from nautobot_ssot.sync.badinput import add_or_reject, rejections_of
from nautobot_ssot.sync.context import ObjectOutcome, RunContext
from nautobot_ssot.sync.logcapture import LogCollector
from nautobot_ssot.sync.progress import ProgressReporter


def outcome(unique_id: str, status: str = "success", corrects: bool = False) -> ObjectOutcome:
    return ObjectOutcome("tenant", unique_id, "create", status, f"{unique_id} {status}", corrects=corrects)


class TenantSource(Adapter):
    tenant = TenantModel
    top_level = ("tenant",)


class RunContextTestCase(TestCase):
    def setUp(self):
        self.sync = Sync.objects.create(source="A", target="B")
        collector = LogCollector(self.sync, lambda model, unique_id: None, batch_size=2)
        self.run = RunContext(sync=self.sync, collector=collector, progress=ProgressReporter(self.sync.pk))

    def statuses(self) -> list[tuple[str, str, str]]:
        self.run.collector.flush()
        return list(self.sync.logs.order_by("unique_id").values_list("unique_id", "status", "message"))

    def test_a_correction_replaces_the_success_already_written(self):
        for name in ("t1", "t2", "t3"):
            self.run.record(outcome(name))
        self.run.record(outcome("t1", "error", corrects=True))
        self.run.record(outcome("t3", "error", corrects=True))
        self.assertEqual(
            self.statuses(),
            [("t1", "error", "t1 error"), ("t2", "success", "t2 success"), ("t3", "error", "t3 error")],
        )
        self.assertEqual((self.run.collector.counts["success"], self.run.failures), (1, 2))
        self.assertEqual(self.run.collector.counts["create"], 3)

    def test_a_correction_without_an_earlier_success_is_an_entry_of_its_own(self):
        self.run.record(outcome("t1", "error", corrects=True))
        self.assertEqual(self.statuses(), [("t1", "error", "t1 error")])
        self.assertEqual(self.run.failures, 1)

    def test_rejections_stay_on_the_adapter_until_the_run_takes_them_once(self):
        source = TenantSource()
        add_or_reject(source, TenantModel, {"name": "t1", "description": {"not": "text"}})
        add_or_reject(source, TenantModel, {"name": "t2"})
        self.assertEqual(self.run.take_rejections(source), 1)
        self.assertEqual(self.run.take_rejections(source), 0)
        self.assertEqual((self.run.rejections.count, self.run.rejections.ids), (1, {("tenant", "t1")}))
        self.assertEqual(rejections_of(source).count, 1)
        [(unique_id, status, message)] = self.statuses()
        self.assertEqual((unique_id, status), ("t1", "failure"))
        self.assertIn("Rejected source record tenant t1", message)
