"""Tests of the content added to a JobResult's page: the live progress of the sync its job runs."""

from django.urls import reverse
from nautobot.apps.testing import TestCase

from nautobot_ssot.choices import SyncOutcomeChoices
from nautobot_ssot.sync.progress import ProgressReporter
from tests.ui.data import make_sync


class JobResultProgressPanelTestCase(TestCase):
    """While the job runs, its JobResult's page shows the sync's phase, objects done, rate and time left."""

    def setUp(self):
        super().setUp()
        self.user.is_superuser = True
        self.user.save()
        self.sync = make_sync(logs=0)
        self.sync.outcome = SyncOutcomeChoices.OUTCOME_RUNNING
        self.sync.save()
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
