"""Delete guard, protected objects, and the order of creates and deletes across models."""

from nautobot.apps.testing import TransactionTestCase
from nautobot.extras.choices import JobResultStatusChoices
from nautobot.tenancy.models import Tenant

from nautobot_ssot.choices import SyncLogEntryStatusChoices, SyncOutcomeChoices
from nautobot_ssot.models import SyncLogEntry
from nautobot_ssot.sync.guards import DeleteGuard
from tests.safety.helpers import location_row, make_location, make_site_type, records, run_safety_job, snapshot, sync_of


class DeleteGuardTestCase(TransactionTestCase):
    """A sync whose source lost most of its records is refused by default."""

    def setUp(self):
        super().setUp()
        self.names = [f"sf-{index}" for index in range(10)]
        for name in self.names:
            Tenant.objects.create(name=name)

    def test_a_source_that_lost_60_percent_is_refused_by_default(self):
        before = snapshot()
        result = run_safety_job(records=records(self.names[:4] + ["sf-new"]))
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_FAILURE)
        self.assertEqual(snapshot(), before)
        sync = sync_of(result)
        self.assertEqual(sync.outcome, SyncOutcomeChoices.OUTCOME_REFUSED)
        self.assertIn(
            "would delete 6 of the target's 10 objects (60%), more than the limit of 50%", sync.outcome_message
        )
        self.assertEqual(sync.summary["delete"], 6)

    def test_the_limit_can_be_raised_or_turned_off(self):
        result = run_safety_job(records=records(self.names[:4]), max_delete_percent=100)
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_SUCCESS, result.traceback)
        self.assertEqual(Tenant.objects.filter(name__startswith="sf-").count(), 4)

    def test_a_count_limit_refuses_too(self):
        before = snapshot()
        result = run_safety_job(records=records(self.names[:7]), max_delete_count=2)
        self.assertIn("more than the limit of 2", sync_of(result).outcome_message)
        self.assertEqual(snapshot(), before)

    def test_the_meta_default_count_limit_applies(self):
        result = run_safety_job("SafetyAllOrNothingSource", records=records(self.names[:7]))
        self.assertIn("would delete 3 objects, more than the limit of 2", sync_of(result).outcome_message)

    def test_a_dry_run_reports_that_a_real_run_would_be_refused(self):
        result = run_safety_job(dryrun=True, records=records(self.names[:2]))
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_SUCCESS)
        self.assertIn("A real run would be refused", sync_of(result).outcome_message)

    def test_verdicts(self):
        self.assertEqual(DeleteGuard().verdict(5, 10), "")
        self.assertIn("60%", DeleteGuard().verdict(6, 10))
        self.assertEqual(DeleteGuard(max_percent=100).verdict(10, 10), "")
        self.assertEqual(DeleteGuard().verdict(0, 0), "")
        self.assertIn("limit of 0", DeleteGuard(max_count=0).verdict(1, 100))


class ProtectedAndOrderTestCase(TransactionTestCase):
    """Deletes other data protects are reported per object; creates go parents first, deletes children first."""

    def setUp(self):
        super().setUp()
        make_site_type()

    def test_a_protected_object_is_reported_and_the_rest_completes(self):
        protected = Tenant.objects.create(name="sf-protected")
        make_location("outside-scope", tenant=protected)
        Tenant.objects.create(name="sf-gone")
        Tenant.objects.create(name="sf-stays")
        result = run_safety_job(records=records(["sf-stays", "sf-new"]), max_delete_percent=100)
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_FAILURE)
        names = set(Tenant.objects.values_list("name", flat=True))
        self.assertEqual(names, {"sf-protected", "sf-stays", "sf-new"})
        failed = SyncLogEntry.objects.get(sync=sync_of(result), status=SyncLogEntryStatusChoices.STATUS_ERROR)
        self.assertEqual((failed.model_name, failed.unique_id, failed.action), ("tenant", "sf-protected", "delete"))
        self.assertIn("protected", failed.message.lower())
        self.assertEqual(sync_of(result).outcome, SyncOutcomeChoices.OUTCOME_COMPLETED_WITH_FAILURES)

    def test_creates_parents_first_and_deletes_children_first_across_models(self):
        source = records(tenants=["sf-owner"], locations=[location_row("sf-site-1", tenant__name="sf-owner")])
        created = run_safety_job(records=source)
        self.assertEqual(created.status, JobResultStatusChoices.STATUS_SUCCESS, created.traceback)
        self.assertEqual(Tenant.objects.get(name="sf-owner").locations.get().name, "sf-site-1")
        deleted = run_safety_job(records=records(), max_delete_percent=100)
        self.assertEqual(deleted.status, JobResultStatusChoices.STATUS_SUCCESS, deleted.traceback)
        self.assertFalse(Tenant.objects.filter(name="sf-owner").exists())
        entries = SyncLogEntry.objects.filter(sync=sync_of(deleted)).order_by("timestamp", "pk")
        self.assertEqual(list(entries.values_list("model_name", flat=True)), ["location", "tenant"])
