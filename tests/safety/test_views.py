"""The failure CSV download, the "apply this plan" button and the apply-plan API endpoint."""

import csv
import io
import uuid

from django.urls import reverse
from nautobot.apps.testing import TransactionTestCase
from nautobot.core.celery import app as celery_app
from nautobot.extras.choices import JobQueueTypeChoices
from nautobot.extras.models import JobQueue, JobResult
from nautobot.tenancy.models import Tenant
from rest_framework.test import APIClient

from tests.safety.helpers import records, run_safety_job, sync_of


class SafetyViewsTestCase(TransactionTestCase):
    """The views are thin wrappers around nautobot_ssot.sync.report and nautobot_ssot.sync.plan."""

    def setUp(self):
        super().setUp()
        self.user.is_superuser = True
        self.user.save()
        self.client.force_login(self.user)

    def test_failures_csv_download(self):
        sync = sync_of(run_safety_job(records=records(["sf-ok", {"name": "sf-bad", "description": "x" * 300}])))
        response = self.client.get(reverse("plugins:nautobot_ssot:sync_failures", kwargs={"pk": sync.pk}))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/csv")
        self.assertIn(f"sync-{sync.pk}-failures.csv", response["Content-Disposition"])
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        self.assertEqual([row["unique_id"] for row in rows], ["sf-bad"])

    def test_dry_run_page_links_to_the_prefilled_run_form(self):
        plan = sync_of(run_safety_job(dryrun=True, records=records(["sf-new"])))
        page = self.client.get(plan.get_absolute_url())
        self.assertContains(page, "Apply this plan")
        self.assertContains(page, f"apply_plan={plan.pk}")
        real = sync_of(run_safety_job(records=records(["sf-new"])))
        self.assertNotContains(self.client.get(real.get_absolute_url()), "Apply this plan")

    def test_api_apply_plan_enqueues_the_run_and_reports_refusals(self):
        plan = sync_of(run_safety_job(dryrun=True, records=records(["sf-new"])))
        client = APIClient()
        client.force_authenticate(self.user)
        url = reverse("plugins-api:nautobot_ssot-api:sync-apply-plan", kwargs={"pk": plan.pk})
        real = sync_of(run_safety_job(records=records(["sf-x"])))
        refused = client.post(reverse("plugins-api:nautobot_ssot-api:sync-apply-plan", kwargs={"pk": real.pk}))
        self.assertEqual(refused.status_code, 400, refused.content)
        self.assertIn("not a dry run", refused.json()["detail"])
        Tenant.objects.all().delete()
        queue = self.private_queue(plan.job_result.job_model)
        queued = client.post(url)
        self.assertEqual(queued.status_code, 201, queued.content)
        job_result = JobResult.objects.get(pk=queued.json()["job_result"])
        self.assertEqual(job_result.job_model, plan.job_result.job_model)
        self.assertEqual(job_result.task_kwargs.get("apply_plan", str(plan.pk)), str(plan.pk))
        self.assertEqual(job_result.celery_kwargs["queue"], queue.name)

    def private_queue(self, job_model) -> JobQueue:
        """Route the job to a queue of its own, deleted from the broker after the test (no worker listens)."""
        queue = JobQueue.objects.create(
            name=f"ssot-nowhere-{uuid.uuid4().hex[:8]}", queue_type=JobQueueTypeChoices.TYPE_CELERY
        )
        job_model.job_queues.add(queue)
        job_model.default_job_queue = queue
        job_model.save()
        self.addCleanup(self.drop_broker_queue, queue.name)
        return queue

    @staticmethod
    def drop_broker_queue(name: str) -> None:
        with celery_app.connection_for_write() as connection:
            connection.default_channel.queue_delete(name)
