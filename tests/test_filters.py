"""Tests of the filter sets of syncs, log entries and diff records."""

from datetime import timedelta

from django.utils import timezone
from nautobot.apps.testing import FilterTestCases, TestCase
from nautobot.tenancy.models import Tenant

from nautobot_ssot.filters import SyncDiffRecordFilterSet, SyncFilterSet, SyncLogEntryFilterSet
from nautobot_ssot.models import Sync, SyncDiffRecord, SyncLogEntry
from tests.ui.data import add_conflict, add_logs, fixture_job, make_sync


class SyncFilterSetTestCase(FilterTestCases.FilterTestCase):
    queryset = Sync.objects.all()
    filterset = SyncFilterSet
    generic_filter_tests = (["source"], ["target"], ["job_result", "job_result__id"], ["status", "job_result__status"])

    @classmethod
    def setUpTestData(cls):
        job = fixture_job()
        make_sync(source="Alpha", target="Nautobot", age=timedelta(days=3), job=job)
        make_sync(source="Beta", target="Nautobot", dry_run=True, age=timedelta(days=2), status="FAILURE")
        make_sync(source="Nautobot", target="Gamma", age=timedelta(days=1), status="STARTED")
        make_sync(source="Delta", target="Omega", status="PENDING")

    def test_dry_run(self):
        self.assertEqual(self.filterset({"dry_run": True}, self.queryset).qs.get().source, "Beta")

    def test_date_range(self):
        now = timezone.now()
        params = {
            "start_time__gte": [now - timedelta(days=2, hours=12)],
            "start_time__lte": [now - timedelta(hours=12)],
        }
        self.assertEqual({sync.source for sync in self.filterset(params, self.queryset).qs}, {"Beta", "Nautobot"})

    def test_job(self):
        job = fixture_job()
        if job is None:
            self.skipTest("fixture jobs are not loaded")
        for value in (job.name, str(job.pk)):
            self.assertEqual(self.filterset({"job": [value]}, self.queryset).qs.get().source, "Alpha")

    def test_search(self):
        self.assertEqual(self.filterset({"q": "omeg"}, self.queryset).qs.get().source, "Delta")


class SyncLogEntryFilterSetTestCase(FilterTestCases.FilterTestCase):
    queryset = SyncLogEntry.objects.all()
    filterset = SyncLogEntryFilterSet
    generic_filter_tests = (["sync", "sync__id"], ["object_repr"])

    @classmethod
    def setUpTestData(cls):
        add_logs(make_sync(source="Alpha", logs=0), 4, linked=Tenant.objects.create(name="fx-filter"))
        add_logs(make_sync(source="Beta", logs=0), 3, text="beta")
        add_logs(make_sync(source="Gamma", logs=0), 2, text="gamma")

    def test_action_and_status(self):
        self.assertEqual(self.filterset({"action": ["create"]}, self.queryset).qs.count(), 2 + 2 + 1)
        self.assertEqual(self.filterset({"status": ["failure"]}, self.queryset).qs.count(), 2 + 1 + 1)

    def test_object_type_and_link(self):
        self.assertEqual(self.filterset({"synced_object_type": "tenancy.tenant"}, self.queryset).qs.count(), 4)
        self.assertEqual(self.filterset({"has_synced_object": True}, self.queryset).qs.count(), 4)
        self.assertEqual(self.filterset({"has_synced_object": False}, self.queryset).qs.count(), 5)

    def test_search(self):
        self.assertEqual(self.filterset({"q": "processed 1gam"}, self.queryset).qs.count(), 1)


class SyncDiffRecordFilterSetTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.sync = make_sync(records=6)
        make_sync(records=3)

    def test_filters(self):
        records = SyncDiffRecord.objects.filter(sync=self.sync)
        self.assertEqual(SyncDiffRecordFilterSet({"action": ["update"]}, records).qs.count(), 3)
        self.assertEqual(SyncDiffRecordFilterSet({"model_name": ["tenant"]}, records).qs.count(), 3)
        self.assertEqual(SyncDiffRecordFilterSet({"q": "object-5"}, records).qs.count(), 1)
        self.assertEqual(SyncDiffRecordFilterSet({"sync": [self.sync.pk]}).qs.count(), 6)

    def test_conflict_and_not_converging_filters(self):
        conflict = add_conflict(self.sync)
        records = SyncDiffRecord.objects.filter(sync=self.sync)
        for name in ("conflicts", "not_converging"):
            with self.subTest(name):
                self.assertEqual(list(SyncDiffRecordFilterSet({name: True}, records).qs), [conflict.record])
                self.assertEqual(SyncDiffRecordFilterSet({name: False}, records).qs.count(), 5)
