"""Validated dry run, all-or-nothing runs and fault injection, against the real database."""

from nautobot.apps.testing import TransactionTestCase
from nautobot.extras.choices import JobResultStatusChoices
from nautobot.extras.models import ObjectChange
from nautobot.tenancy.models import Tenant

from nautobot_ssot.choices import SyncLogEntryStatusChoices, SyncModeChoices, SyncOutcomeChoices
from nautobot_ssot.models import SyncLogEntry
from tests.safety.helpers import make_location, make_site_type, records, run_safety_job, snapshot, sync_of

TOO_LONG = "x" * 256


def failures(sync) -> set[tuple[str, str, str]]:
    """(model, unique id, message) of each failed record of ``sync``."""
    rows = SyncLogEntry.objects.filter(
        sync=sync, status__in=[SyncLogEntryStatusChoices.STATUS_FAILURE, SyncLogEntryStatusChoices.STATUS_ERROR]
    )
    return set(rows.values_list("model_name", "unique_id", "message"))


class ValidatedDryRunTestCase(TransactionTestCase):
    """A validated dry run applies everything in a transaction that is always rolled back."""

    def setUp(self):
        super().setUp()
        make_site_type()
        Tenant.objects.create(name="sf-update", description="before")
        Tenant.objects.create(name="sf-delete")
        Tenant.objects.create(name="sf-same")
        make_location("sf-loc-keep", description="kept")
        self.input = records(
            tenants=[
                "sf-new",
                {"name": "sf-update", "description": "after"},
                "sf-same",
                {"name": "sf-bad", "description": TOO_LONG},
            ],
            locations=[
                {
                    "name": "sf-loc-keep",
                    "location_type__name": "sf-site",
                    "status__name": "Active",
                    "description": "kept",
                },
                {"name": "sf-loc-bad", "location_type__name": "sf-site", "status__name": "No such status"},
            ],
        )

    def test_reports_the_real_runs_failures_and_leaves_no_trace(self):
        before = snapshot()
        result = run_safety_job(dryrun=True, validate_dry_run=True, records=self.input)
        self.assertEqual(snapshot(), before)
        sync = sync_of(result)
        self.assertEqual(sync.mode, SyncModeChoices.MODE_VALIDATED_DRY_RUN)
        self.assertTrue(sync.rolled_back)
        self.assertEqual(sync.outcome, SyncOutcomeChoices.OUTCOME_ROLLED_BACK)
        self.assertIn("rolled back", sync.outcome_message)
        self.assertIsNotNone(sync.sync_time)
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_FAILURE)
        dry_failures = failures(sync)
        self.assertEqual(
            {(model, uid) for model, uid, _ in dry_failures}, {("tenant", "sf-bad"), ("location", "sf-loc-bad")}
        )
        self.assertFalse(
            SyncLogEntry.objects.filter(sync=sync, synced_object_id__isnull=False, action="create").exists()
        )

        real = sync_of(run_safety_job(records=self.input))
        self.assertEqual(failures(real), dry_failures)
        self.assertTrue(Tenant.objects.filter(name="sf-new").exists())
        self.assertFalse(Tenant.objects.filter(name="sf-delete").exists())
        self.assertGreater(ObjectChange.objects.count(), before["object_changes"])

    def test_a_clean_validated_dry_run_succeeds_and_is_marked_rolled_back(self):
        before = snapshot()
        result = run_safety_job(dryrun=True, validate_dry_run=True, records=records(tenants=["sf-new", "sf-same"]))
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_SUCCESS, result.traceback)
        self.assertTrue(sync_of(result).rolled_back)
        self.assertEqual(snapshot(), before)

    def test_plain_dry_run_does_not_touch_the_database(self):
        before = snapshot()
        sync = sync_of(run_safety_job(dryrun=True, records=self.input))
        self.assertEqual((sync.mode, sync.rolled_back, sync.sync_time), (SyncModeChoices.MODE_DRY_RUN, False, None))
        self.assertEqual(snapshot(), before)

    def test_a_data_target_cannot_roll_back_so_its_validated_dry_run_is_a_plain_one(self):
        result = run_safety_job("SafetyDataTarget", dryrun=True, validate_dry_run=True, records=records(["sf-r"]))
        sync = sync_of(result)
        self.assertEqual(sync.mode, SyncModeChoices.MODE_DRY_RUN)
        self.assertIsNone(sync.sync_time)
        self.assertFalse(Tenant.objects.filter(name="sf-r").exists())


class AllOrNothingTestCase(TransactionTestCase):
    """One transaction for the whole sync phase, or per-object commits without the option."""

    def setUp(self):
        super().setUp()
        Tenant.objects.create(name="sf-old", description="old")
        self.good = [f"sf-t{index:02}" for index in range(20)]
        self.input = records(tenants=[*self.good[:10], {"name": "sf-bad", "description": TOO_LONG}, *self.good[10:]])

    def test_one_bad_object_among_many_writes_nothing_and_fails_the_job(self):
        before = snapshot()
        result = run_safety_job(all_or_nothing=True, records=self.input, max_delete_percent=100)
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_FAILURE)
        self.assertEqual(snapshot(), before)
        sync = sync_of(result)
        self.assertEqual(sync.mode, SyncModeChoices.MODE_ALL_OR_NOTHING)
        self.assertTrue(sync.rolled_back)
        self.assertEqual(sync.outcome, SyncOutcomeChoices.OUTCOME_ROLLED_BACK)
        self.assertEqual({uid for _, uid, _ in failures(sync)}, {"sf-bad"})

    def test_the_meta_default_turns_it_on(self):
        before = snapshot()
        result = run_safety_job("SafetyAllOrNothingSource", records=self.input, max_delete_count=5)
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_FAILURE)
        self.assertEqual(snapshot(), before)

    def test_without_it_the_good_objects_are_written_and_the_bad_one_reported(self):
        result = run_safety_job(records=self.input, max_delete_percent=100)
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_FAILURE)
        names = set(Tenant.objects.filter(name__startswith="sf-").values_list("name", flat=True))
        self.assertEqual(names, set(self.good))
        sync = sync_of(result)
        self.assertEqual((sync.mode, sync.rolled_back), (SyncModeChoices.MODE_PER_OBJECT, False))
        self.assertEqual(sync.outcome, SyncOutcomeChoices.OUTCOME_COMPLETED_WITH_FAILURES)
        ((model, uid, message),) = failures(sync)
        self.assertEqual((model, uid), ("tenant", "sf-bad"))
        self.assertIn("description", message)
        self.assertIn("at most 255 characters", message)

    def test_a_clean_all_or_nothing_run_commits(self):
        result = run_safety_job(all_or_nothing=True, records=records(self.good), max_delete_percent=100)
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_SUCCESS, result.traceback)
        self.assertEqual(Tenant.objects.filter(name__in=self.good).count(), 20)
        self.assertFalse(sync_of(result).rolled_back)


class FaultInjectionTestCase(TransactionTestCase):
    """An error or a lost database connection midway through an all-or-nothing sync changes nothing."""

    def setUp(self):
        super().setUp()
        Tenant.objects.create(name="sf-old", description="old")
        self.input = records(tenants=[{"name": "sf-old", "description": "new"}, *[f"sf-t{i:02}" for i in range(12)]])

    def check_unchanged_after(self, fault: str, outcome: str):
        before = snapshot()
        result = run_safety_job(all_or_nothing=True, records=self.input, fault=fault, fault_after=5)
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_FAILURE)
        self.assertEqual(snapshot(), before)
        sync = sync_of(result)
        self.assertTrue(sync.rolled_back)
        self.assertEqual(sync.outcome, outcome)
        self.assertIsNotNone(sync.sync_time)
        return sync

    def test_an_exception_in_object_code_midway_rolls_everything_back(self):
        sync = self.check_unchanged_after("raise", SyncOutcomeChoices.OUTCOME_ROLLED_BACK)
        messages = {message for _, _, message in failures(sync)}
        self.assertEqual(len(messages), 7)
        self.assertTrue(all("InjectedFault: Injected fault after 5 creates" in message for message in messages))

    def test_a_killed_database_connection_midway_leaves_the_data_unchanged(self):
        sync = self.check_unchanged_after("kill", SyncOutcomeChoices.OUTCOME_FAILED)
        self.assertRegex(sync.outcome_message, r"(OperationalError|InterfaceError)")

    def test_without_all_or_nothing_the_objects_before_the_fault_are_kept(self):
        result = run_safety_job(records=self.input, fault="raise", fault_after=5)
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_FAILURE)
        self.assertEqual(Tenant.objects.get(name="sf-old").description, "new")
        self.assertEqual(Tenant.objects.filter(name__startswith="sf-t").count(), 5)
        self.assertEqual(len(failures(sync_of(result))), 7)


class BulkPathTestCase(TransactionTestCase):
    """The same guarantees when the target adapter writes on contrib's bulk path."""

    def setUp(self):
        super().setUp()
        Tenant.objects.create(name="sf-old", description="old")
        self.good = [f"sf-b{index:02}" for index in range(10)]
        self.input = records(tenants=[*self.good, {"name": "sf-bad", "description": TOO_LONG}, "sf-old"])

    def test_validated_dry_run_on_the_bulk_path_leaves_no_trace(self):
        before = snapshot()
        result = run_safety_job(dryrun=True, validate_dry_run=True, bulk=True, records=self.input)
        self.assertEqual(snapshot(), before)
        sync = sync_of(result)
        self.assertTrue(sync.rolled_back)
        self.assertEqual({uid for _, uid, _ in failures(sync)}, {"sf-bad"})

    def test_all_or_nothing_on_the_bulk_path_writes_nothing(self):
        before = snapshot()
        result = run_safety_job(all_or_nothing=True, bulk=True, records=self.input)
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_FAILURE)
        self.assertEqual(snapshot(), before)

    def test_per_object_on_the_bulk_path_writes_the_good_ones(self):
        result = run_safety_job(bulk=True, records=self.input)
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_FAILURE)
        self.assertEqual(Tenant.objects.filter(name__in=self.good).count(), len(self.good))
        self.assertEqual({uid for _, uid, _ in failures(sync_of(result))}, {"sf-bad"})
