"""Tests of nautobot_ssot.models: the model API that code written for nautobot-ssot 4.x uses."""

from datetime import timedelta

from django.db import connection
from django.urls import reverse
from django.utils import timezone
from nautobot.apps.testing import TestCase
from nautobot.extras.choices import JobResultStatusChoices
from nautobot.extras.models import Job

from nautobot_ssot.choices import SyncLogEntryActionChoices, SyncLogEntryStatusChoices
from nautobot_ssot.models import Sync, SyncLogEntry
from tests.ui.data import XSS, make_job_result, make_sync


def example_job() -> Job:
    return Job.objects.get(module_name="nautobot_ssot.jobs.examples", job_class_name="ExampleDataSource")


class SyncFourXApiTestCase(TestCase):
    def test_reverse_names_and_relations_of_4x(self):
        sync = make_sync(logs=3)
        self.assertEqual(
            list(Sync.objects.filter(log__action=SyncLogEntryActionChoices.ACTION_CREATE).distinct()), [sync]
        )
        self.assertEqual(sync.logs.count(), 3)
        self.assertEqual(list(sync.job_result.sync_set.all()), [sync])

    def test_default_ordering_is_oldest_first(self):
        newer = make_sync(source="new")
        older = make_sync(source="old", age=timedelta(days=1))
        self.assertEqual((Sync.objects.first(), Sync.objects.last()), (older, newer))

    def test_summary_may_be_null(self):
        self.assertIsNone(Sync.objects.create(source="a", target="b", summary=None).summary)

    def test_end_time_and_duration_from_the_job_result(self):
        sync = make_sync(age=timedelta(minutes=10))
        self.assertEqual(sync.end_time, sync.job_result.date_done)
        self.assertEqual(sync.duration, sync.job_result.date_done - sync.start_time)
        self.assertEqual(sync.phases_duration, timedelta(seconds=4.25))

    def test_duration_runs_on_while_the_run_is_pending(self):
        sync = make_sync(status=JobResultStatusChoices.STATUS_STARTED, age=timedelta(minutes=5))
        sync.job_result.date_done = None
        self.assertGreaterEqual(sync.duration, timedelta(minutes=5))
        self.assertEqual(Sync(source="a", target="b").duration, timedelta())

    def test_source_and_target_links_by_class_path(self):
        job = example_job()
        sync = Sync.objects.create(source=XSS, target="Nautobot", job_result=make_job_result(job))
        url = reverse("plugins:nautobot_ssot:data_source", kwargs={"class_path": job.class_path})
        self.assertEqual(sync.get_source_url(), url)
        self.assertIsNone(sync.get_target_url())
        self.assertEqual(sync.get_target_display(), "Nautobot")
        self.assertIn(f'<a href="{url}">', sync.get_source_display())
        self.assertNotIn("<script>", sync.get_source_display())

    def test_duration_display_lists_the_phases(self):
        display = make_sync(source=XSS).get_duration_display()
        self.assertIn("0:00:01 loading from", display)
        self.assertNotIn("<script>", display)

    def test_annotated_queryset_counts_log_entries(self):
        sync = make_sync(logs=0)
        SyncLogEntry.objects.create(sync=sync, action="create", status="success")
        SyncLogEntry.objects.create(sync=sync, action="update", status="failure")
        counted = Sync.annotated_queryset().get(pk=sync.pk)
        self.assertEqual((counted.num_created, counted.num_updated, counted.num_failed), (1, 1, 1))
        self.assertEqual((counted.num_deleted, counted.num_succeeded, counted.num_errored), (0, 1, 0))

    def test_hidden_from_change_log_diff_views(self):
        self.assertTrue(Sync.hide_in_diff_view)

    def test_new_columns_have_database_defaults_for_4x_writers(self):
        sync = Sync.objects.create(source="a", target="b", start_time=timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO nautobot_ssot_synclogentry (id, sync_id, timestamp, action, status, object_repr, message)"
                " VALUES (gen_random_uuid(), %s, now(), 'create', 'success', '', '')",
                [sync.pk],
            )
        self.assertEqual(SyncLogEntry.objects.get(sync=sync).unique_id, "")


class SyncLogEntryFourXApiTestCase(TestCase):
    def test_action_and_status_classes(self):
        entry = SyncLogEntry(
            action=SyncLogEntryActionChoices.ACTION_DELETE, status=SyncLogEntryStatusChoices.STATUS_ERROR
        )
        self.assertEqual((entry.get_action_class(), entry.get_status_class()), ("warning", "danger"))
