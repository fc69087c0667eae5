"""Tests of a whole SSoT job run: the Sync record, phases, diff storage, log capture and failures."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection
from nautobot.apps.testing import TransactionTestCase
from nautobot.extras.choices import JobResultStatusChoices
from nautobot.extras.models import JobLogEntry
from nautobot.tenancy.models import Tenant

from nautobot_ssot.choices import SyncLogEntryActionChoices, SyncLogEntryStatusChoices
from nautobot_ssot.models import PHASES, Sync, SyncDiffRecord, SyncLogEntry
from tests.fixtures.jobs import fixture_module, run_fixture_job
from tests.safety.helpers import records, run_safety_job


def sync_of(job_result) -> Sync:
    return Sync.objects.get(job_result=job_result)


class DataSourceRunTestCase(TransactionTestCase):
    """Runs the fixture data source through Nautobot's job machinery against the real database."""

    def test_dry_run_stores_sync_summary_and_records_but_writes_nothing(self):
        result = run_fixture_job(dryrun=True, source_names="fx-a=first,fx-b")
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_SUCCESS, result.result)
        sync = sync_of(result)
        self.assertTrue(sync.dry_run)
        self.assertEqual(sync.summary["create"], 2)
        records = list(SyncDiffRecord.objects.filter(sync=sync).order_by("position"))
        self.assertEqual(
            [(r.model_name, r.unique_id, r.action) for r in records],
            [
                ("tenant", "fx-a", "create"),
                ("tenant", "fx-b", "create"),
            ],
        )
        self.assertEqual(records[0].source_attrs, {"description": "first"})
        self.assertIsNone(records[0].target_attrs)
        self.assertFalse(Tenant.objects.filter(name__startswith="fx-").exists())
        self.assertIsNone(sync.sync_time)
        self.assertFalse(SyncLogEntry.objects.filter(sync=sync).exists())

    def test_real_run_writes_data_and_log_entries(self):
        Tenant.objects.create(name="fx-old")
        Tenant.objects.create(name="fx-keep", description="same")
        Tenant.objects.create(name="fx-b", description="before")
        result = run_fixture_job(source_names="fx-a,fx-b=after,fx-keep=same")
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_SUCCESS, result.result)
        self.assertEqual(
            sorted(Tenant.objects.filter(name__startswith="fx-").values_list("name", "description")),
            [("fx-a", ""), ("fx-b", "after"), ("fx-keep", "same")],
        )
        sync = sync_of(result)
        self.assertEqual(
            {k: sync.summary[k] for k in ("create", "update", "delete", "no-change", "failure", "error")},
            {"create": 1, "update": 1, "delete": 1, "no-change": 1, "failure": 0, "error": 0},
        )
        entries = {e.object_repr: e for e in SyncLogEntry.objects.filter(sync=sync)}
        self.assertEqual(set(entries), {"fx-a", "fx-b", "tenant fx-old"})
        self.assertEqual(entries["fx-a"].action, SyncLogEntryActionChoices.ACTION_CREATE)
        self.assertEqual(entries["fx-a"].synced_object, Tenant.objects.get(name="fx-a"))
        self.assertEqual(entries["fx-b"].diff, {"+": {"description": "after"}, "-": {"description": "before"}})
        self.assertEqual(entries["tenant fx-old"].action, SyncLogEntryActionChoices.ACTION_DELETE)
        self.assertTrue(all(e.status == SyncLogEntryStatusChoices.STATUS_SUCCESS for e in entries.values()))

    def test_every_phase_is_timed_and_memory_traced_when_profiling(self):
        result = run_fixture_job(source_names="fx-a", memory_profiling=True)
        sync = sync_of(result)
        for phase in PHASES:
            self.assertIsNotNone(getattr(sync, f"{phase}_time"), phase)
            self.assertGreater(getattr(sync, f"{phase}_memory_peak"), 0, phase)
            self.assertIsNotNone(getattr(sync, f"{phase}_memory_final"), phase)
        self.assertEqual(
            sync.phases_duration, sum((getattr(sync, f"{p}_time") for p in PHASES), start=sync.diff_time * 0)
        )

    def test_the_collector_is_paused_while_loading_and_diffing_only(self):
        result = run_fixture_job(source_names="fx-a")
        messages = set(JobLogEntry.objects.filter(job_result=result).values_list("message", flat=True))
        for phase, running in (("source_load", False), ("target_load", False), ("diff", False), ("sync", True)):
            self.assertIn(f"Collector running in {phase}: {running}", messages)

    def test_job_log_is_written_for_people(self):
        result = run_fixture_job(dryrun=True, source_names="fx-a,fx-b", memory_profiling=True)
        messages = list(
            JobLogEntry.objects.filter(job_result=result).order_by("created").values_list("message", flat=True)
        )
        self.assertIn("Compared: 2 objects to create, none to update and none to delete; none unchanged.", messages)
        self.assertIn(
            "Dry run finished: a real run would create 2 objects, update none and delete none. Nothing was written.",
            messages,
        )
        took = [message for message in messages if " took " in message]
        self.assertEqual(
            [message.split(" took ")[0] for message in took],
            ["Loading the source", "Loading the target", "Comparing source and target"],
        )
        self.assertRegex(took[0], r"took \d+\.\d\d s\.$")
        self.assertTrue(any(message.startswith("Memory while loading the source: ") for message in messages))
        self.assertFalse([message for message in messages if "{" in message or "0:00:" in message])

    def test_memory_is_not_traced_without_profiling(self):
        sync = sync_of(run_fixture_job(source_names="fx-a"))
        self.assertIsNone(sync.source_load_memory_peak)

    def test_two_runs_in_one_process_keep_their_log_entries_apart(self):
        first = sync_of(run_fixture_job(source_names="fx-a,fx-b"))
        second = sync_of(run_fixture_job(source_names="fx-a,fx-b,fx-c"))
        self.assertEqual(
            sorted(SyncLogEntry.objects.filter(sync=first).values_list("object_repr", flat=True)), ["fx-a", "fx-b"]
        )
        self.assertEqual(list(SyncLogEntry.objects.filter(sync=second).values_list("object_repr", flat=True)), ["fx-c"])
        self.assertEqual(second.summary["no-change"], 2)

    def test_unchanged_records_are_stored_when_the_job_opts_in(self):
        Tenant.objects.create(name="fx-a")
        sync = sync_of(run_fixture_job("FixtureDataSourceKeepUnchanged", source_names="fx-a"))
        entry = SyncLogEntry.objects.get(sync=sync)
        self.assertEqual(entry.action, SyncLogEntryActionChoices.ACTION_NO_CHANGE)

    def test_an_exception_in_any_phase_fails_the_job_and_keeps_the_sync(self):
        for phase in PHASES:
            with self.subTest(phase=phase):
                result = run_fixture_job(source_names="fx-a", fail_in_phase=phase)
                self.assertEqual(result.status, JobResultStatusChoices.STATUS_FAILURE)
                self.assertIn(f"Injected failure in {phase}", result.traceback or "")
                sync = sync_of(result)
                self.assertIsNotNone(getattr(sync, f"{phase}_time"))
                later = PHASES[PHASES.index(phase) + 1 :]
                self.assertTrue(all(getattr(sync, f"{p}_time") is None for p in later))

    def test_object_failures_are_entries_counted_and_fail_the_job_result(self):
        result = run_fixture_job(source_names="fx-good,!bad")
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_FAILURE)
        sync = sync_of(result)
        self.assertEqual(sync.summary["error"], 1)
        failed = SyncLogEntry.objects.get(sync=sync, status=SyncLogEntryStatusChoices.STATUS_ERROR)
        self.assertIn("is not allowed", failed.message)
        self.assertEqual(failed.object_repr, "tenant !bad")
        self.assertTrue(Tenant.objects.filter(name="fx-good").exists())


class JobFormTestCase(TransactionTestCase):
    def test_dry_run_is_ticked_by_default_and_follows_meta(self):
        job_class = fixture_module().FixtureDataSource
        self.assertTrue(job_class.as_form().fields["dryrun"].initial)
        self.assertTrue(job_class.dryrun_default)
        job_class.Meta.dryrun_default = False
        self.addCleanup(delattr, job_class.Meta, "dryrun_default")
        self.assertFalse(job_class.as_form().fields["dryrun"].initial)

    def test_source_and_target_labels(self):
        job_class = fixture_module().FixtureDataSource
        self.assertEqual((job_class.data_source, job_class.data_target), ("Fixture", "Nautobot"))
        self.assertTrue(job_class.data_target_icon.endswith("nautobot_logo.png"))


@dataclass
class DiffWrites:
    """Statements that stored a run's diff: into the record table, and the Sync's JSON copy."""

    inserts: int = 0
    deletes: int = 0
    json_copies: int = 0

    def count(self, sql: str) -> None:
        verb = sql.lstrip().split(" ", 1)[0].upper()
        if f'"{SyncDiffRecord._meta.db_table}"' in sql:
            self.inserts += verb == "INSERT"
            self.deletes += verb == "DELETE"
        elif verb == "UPDATE" and f'"{Sync._meta.db_table}"' in sql and '"diff" = ' in sql:
            self.json_copies += 1


@contextmanager
def diff_writes() -> Iterator[DiffWrites]:
    """Count the statements storing a diff while the block runs (the job runs in this thread in tests)."""
    writes = DiffWrites()

    def wrapper(execute, sql, params, many, context):
        writes.count(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield writes


class DiffStoredOnceTestCase(TransactionTestCase):
    """A run stores its diff once: after rejected records are protected and a plan swapped in, not before."""

    def setUp(self):
        super().setUp()
        Tenant.objects.create(name="sf-kept")
        self.source = records(["sf-new", {"name": "sf-kept", "description": {"not": "text"}}])

    def assert_stored_once(self, writes: DiffWrites, sync: Sync, records_stored: int) -> None:
        self.assertEqual((writes.inserts, writes.deletes, writes.json_copies), (1, 0, 1))
        self.assertEqual(sync.diff_records.count(), records_stored)

    def test_a_run_protecting_a_rejected_record_stores_its_diff_once(self):
        with diff_writes() as writes:
            sync = sync_of(run_safety_job(records=self.source))
        self.assertEqual(sync.summary["delete"], 0)
        self.assert_stored_once(writes, sync, 1)

    def test_a_dry_run_stores_its_diff_once(self):
        with diff_writes() as writes:
            sync = sync_of(run_safety_job(dryrun=True, records=self.source))
        self.assert_stored_once(writes, sync, 1)

    def test_a_run_applying_a_plan_stores_the_plan_once(self):
        plan = sync_of(run_safety_job(dryrun=True, records=records(["sf-kept", "sf-planned"])))
        with diff_writes() as writes:
            sync = sync_of(run_safety_job(records=records(["sf-kept", "sf-other"]), apply_plan=str(plan.pk)))
        self.assertEqual(list(sync.diff_records.values_list("unique_id", flat=True)), ["sf-planned"])
        self.assert_stored_once(writes, sync, 1)
