"""The minimal data source shown in docs/dev/jobs.md runs as written."""

import importlib

from nautobot.apps.testing import TransactionTestCase, run_job_for_testing
from nautobot.extras.choices import JobResultStatusChoices
from nautobot.tenancy.models import TenantGroup

from nautobot_ssot.models import Sync, SyncLogEntry
from tests.fixtures.jobs import JOBS_ROOT, job_model_for

DOCS_PAGE = JOBS_ROOT.parent.parent.parent / "docs" / "dev" / "jobs.md"


class MinimalDataSourceDocsTestCase(TransactionTestCase):
    def setUp(self):
        super().setUp()
        module = importlib.import_module("docs_minimal_data_source")
        self.job_model = job_model_for(module.MinimalDataSource)

    def run_job(self, dryrun):
        result = run_job_for_testing(self.job_model, job_kwargs={"dryrun": dryrun, "memory_profiling": False})
        result.refresh_from_db()
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_SUCCESS, result.traceback)
        return Sync.objects.get(job_result=result)

    def test_docs_page_includes_the_example_file(self):
        self.assertIn("tests/fixtures/jobs_root/docs_minimal_data_source.py", DOCS_PAGE.read_text())

    def test_dry_run_then_real_run_then_no_changes(self):
        TenantGroup.objects.create(name="Internal", description="old")
        self.assertEqual(self.run_job(dryrun=True).summary["create"], 1)
        self.assertEqual(TenantGroup.objects.count(), 1)
        sync = self.run_job(dryrun=False)
        self.assertEqual((sync.summary["create"], sync.summary["update"]), (1, 1))
        self.assertEqual(TenantGroup.objects.get(name="Internal").description, "Our own teams")
        self.assertEqual(SyncLogEntry.objects.get(sync=sync, action="create").synced_object.name, "Customers")
        again = self.run_job(dryrun=False)
        self.assertEqual(again.summary["no-change"], 2)
        self.assertEqual(again.diff_records.count(), 0)
