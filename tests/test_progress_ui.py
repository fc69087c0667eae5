"""Tests of the live progress panels: the fragment they poll, and the panel of a JobResult's page."""

from django.test import override_settings
from django.urls import reverse
from nautobot.apps.testing import TestCase
from nautobot.extras.choices import JobResultStatusChoices

from nautobot_ssot.choices import SyncOutcomeChoices
from nautobot_ssot.models import Sync
from nautobot_ssot.sync.progress import ProgressReporter
from tests.ui.data import fixture_job, make_job_result, make_sync, running_sync

HTMX = {"HX-Request": "true"}


class JobResultProgressPanelTestCase(TestCase):
    """While the job runs, its JobResult's page shows the sync's phase, objects done, rate and time left."""

    def setUp(self):
        super().setUp()
        self.user.is_superuser = True
        self.user.save()
        self.sync = running_sync()
        self.reporter = ProgressReporter(self.sync.pk)
        self.addCleanup(self.reporter.finish)

    def test_shows_the_progress_and_polls_for_it(self):
        self.reporter.start("sync", 500)
        response = self.client.get(self.sync.job_result.get_absolute_url())
        self.assertBodyContains(response, "SYNC PROGRESS")
        self.assertBodyContains(response, "Writing the changes")
        self.assertBodyContains(response, "0 of 500 objects (0%)")
        progress_url = reverse("plugins:nautobot_ssot:sync_progress", kwargs={"pk": self.sync.pk})
        self.assertBodyContains(response, f'hx-get="{progress_url}"', html=False)

    def test_says_it_started_before_the_first_report(self):
        response = self.client.get(self.sync.job_result.get_absolute_url())
        self.assertBodyContains(response, "The run has started")

    def test_hidden_once_the_run_ended(self):
        self.reporter.start("sync", 500)
        self.sync.outcome = SyncOutcomeChoices.OUTCOME_COMPLETED
        self.sync.save()
        response = self.client.get(self.sync.job_result.get_absolute_url())
        self.assertNotIn("SYNC PROGRESS", response.content.decode())
        self.assertNotIn("ssot-progress", response.content.decode())


class JobResultWaitingTestCase(TestCase):
    """A sync job's result page opened before the job started its sync polls until the sync shows its progress."""

    def setUp(self):
        super().setUp()
        self.user.is_superuser = True
        self.user.save()
        self.job_result = make_job_result(fixture_job(), status=JobResultStatusChoices.STATUS_PENDING)
        self.url = reverse("plugins:nautobot_ssot:jobresult_progress", kwargs={"pk": self.job_result.pk})

    def test_waits_for_the_sync_then_shows_its_progress(self):
        response = self.client.get(self.job_result.get_absolute_url())
        self.assertBodyContains(response, "waiting for a worker")
        self.assertBodyContains(response, f'hx-get="{self.url}"', html=False)
        sync = make_sync(logs=0)
        Sync.objects.filter(pk=sync.pk).update(job_result=self.job_result, outcome=SyncOutcomeChoices.OUTCOME_RUNNING)
        reporter = ProgressReporter(sync.pk)
        self.addCleanup(reporter.finish)
        reporter.start("diff", 10)
        response = self.client.get(self.url)
        self.assertBodyContains(response, "0 of 10 objects (0%)")
        sync_url = reverse("plugins:nautobot_ssot:sync_progress", kwargs={"pk": sync.pk})
        self.assertBodyContains(response, f'hx-get="{sync_url}"', html=False)

    def test_a_finished_job_without_sync_reloads_the_page(self):
        self.job_result.status = JobResultStatusChoices.STATUS_FAILURE
        self.job_result.save()
        response = self.client.get(self.url)
        self.assertEqual(response.headers["HX-Refresh"], "true")
        self.assertNotIn("SYNC PROGRESS", self.client.get(self.job_result.get_absolute_url()).content.decode())

    def test_other_jobs_have_no_progress_panel(self):
        other = make_job_result(status=JobResultStatusChoices.STATUS_PENDING)
        self.assertNotIn("SYNC PROGRESS", self.client.get(other.get_absolute_url()).content.decode())


class ProgressFragmentTestCase(TestCase):
    """The fragment the panels poll: the latest progress while the sync runs, a reload of the page at its end."""

    def setUp(self):
        super().setUp()
        self.user.is_superuser = True
        self.user.save()

    def test_the_progress_fragment_polls_while_running_and_reloads_the_page_at_the_end(self):
        running = running_sync()
        reporter = ProgressReporter(running.pk)
        self.addCleanup(reporter.finish)
        reporter.start("diff", 40)
        reporter.callback("diff", 40, 40)
        url = reverse("plugins:nautobot_ssot:sync_progress", kwargs={"pk": running.pk})
        response = self.client.get(url, headers=HTMX)
        self.assertBodyContains(response, 'data-progress="done" data-value="40"', html=False)
        self.assertBodyContains(response, "40 of 40 objects (100%)")
        self.assertBodyContains(response, f'hx-get="{url}"', html=False)
        self.assertNotIn("HX-Refresh", response.headers)
        running.outcome = SyncOutcomeChoices.OUTCOME_COMPLETED
        running.save()
        response = self.client.get(url, headers=HTMX)
        self.assertEqual(response.headers["HX-Refresh"], "true")
        self.assertNotIn("hx-get", response.content.decode())

    @override_settings(EXEMPT_VIEW_PERMISSIONS=[])
    def test_the_progress_fragment_requires_viewing_the_sync(self):
        self.user.is_superuser = False
        self.user.save()
        url = reverse("plugins:nautobot_ssot:sync_progress", kwargs={"pk": running_sync().pk})
        self.assertHttpStatus(self.client.get(url), 404)
        self.add_permissions("nautobot_ssot.view_sync")
        self.assertHttpStatus(self.client.get(url), 200)
