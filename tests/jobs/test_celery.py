"""A real Celery worker (and beat) runs SSoT jobs enqueued the way the UI and the scheduler do."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from nautobot.apps.testing import TransactionTestCase
from nautobot.extras.choices import JobExecutionType, JobQueueTypeChoices, JobResultStatusChoices
from nautobot.extras.models import JobQueue, JobResult, ScheduledJob
from nautobot.extras.utils import get_worker_count
from nautobot.tenancy.models import Tenant
from rest_framework.test import APIClient

from nautobot_ssot.models import Sync
from tests.fixtures.jobs import JOBS_ROOT, fixture_module, job_model_for

NAUTOBOT_SERVER = shutil.which("nautobot-server") or str(Path(os.sys.executable).parent / "nautobot-server")
WAIT_SECONDS = 180


class CeleryProcessTestCase(TransactionTestCase):
    """Starts Celery processes against this test database, on a queue of their own."""

    def setUp(self):
        super().setUp()
        self.queue = JobQueue.objects.create(
            name=f"ssot-test-{uuid.uuid4().hex[:8]}", queue_type=JobQueueTypeChoices.TYPE_CELERY
        )
        self.job_model = job_model_for(fixture_module().FixtureDataSource)
        self.job_model.job_queues.add(self.queue)
        self.user = get_user_model().objects.create_user(username="scheduler", is_superuser=True)
        self.processes: list[subprocess.Popen] = []
        self.workdir = Path(tempfile.mkdtemp(prefix="ssot-celery-"))
        self.addCleanup(shutil.rmtree, self.workdir, ignore_errors=True)

    def start(self, *celery_args: str) -> subprocess.Popen:
        env = {
            **os.environ,
            "NAUTOBOT_CONFIG": os.path.abspath(os.environ.get("NAUTOBOT_CONFIG", "development/nautobot_config.py")),
            "NAUTOBOT_DB_NAME": connection.settings_dict["NAME"],
            "NAUTOBOT_JOBS_ROOT": str(JOBS_ROOT),
        }
        log = (self.workdir / f"{celery_args[0]}.log").open("w")
        process = subprocess.Popen(  # noqa: S603
            [NAUTOBOT_SERVER, "celery", *celery_args], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        self.addCleanup(self.stop, process, log)
        self.processes.append(process)
        return process

    def start_worker(self) -> None:
        self.start("worker", "--pool", "solo", "--queues", self.queue.name, "--without-gossip")

    def wait_for_worker(self) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while get_worker_count(queue=self.queue.name) == 0:
            if time.monotonic() > deadline or any(process.poll() is not None for process in self.processes):
                self.fail("The Celery worker did not come up")
            time.sleep(1)

    @staticmethod
    def stop(process: subprocess.Popen, log) -> None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()

    def wait_for(self, job_result_query) -> JobResult:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            result = job_result_query()
            if result is not None and result.status in JobResultStatusChoices.READY_STATES:
                return result
            if any(process.poll() is not None for process in self.processes):
                break
            time.sleep(1)
        logs = "\n".join(path.read_text()[-3000:] for path in self.workdir.glob("*.log"))
        self.fail(f"The job did not finish (limit {WAIT_SECONDS}s). Celery output:\n{logs}")

    def form_kwargs(self, **data) -> dict:
        """Validate job input through the job's form and serialize it, as the job run view does."""
        job_class = self.job_model.job_class
        form = job_class.as_form(data={"dryrun": False, "source_names": "", **data})
        self.assertTrue(form.is_valid(), form.errors)
        return job_class.serialize_data(form.cleaned_data)

    def test_worker_runs_an_enqueued_job_and_records_its_sync(self):
        self.start_worker()
        job_result = JobResult.enqueue_job(
            self.job_model, self.user, job_queue=self.queue, job_kwargs=self.form_kwargs(source_names="fx-w1,fx-w2")
        )
        result = self.wait_for(lambda: JobResult.objects.filter(pk=job_result.pk).first())
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_SUCCESS, result.traceback)
        sync = Sync.objects.get(job_result=result)
        self.assertEqual(sync.summary["create"], 2)
        self.assertEqual(
            sorted(Tenant.objects.filter(name__startswith="fx-w").values_list("name", flat=True)), ["fx-w1", "fx-w2"]
        )

    def test_an_ordinary_run_leaves_no_warning_in_the_job_log(self):
        """diffsync's events go to the sync's log entries, not to standard output (logged as WARNING by Celery)."""
        self.start_worker()
        job_result = JobResult.enqueue_job(
            self.job_model, self.user, job_queue=self.queue, job_kwargs=self.form_kwargs(source_names="fx-q1,fx-q2")
        )
        result = self.wait_for(lambda: JobResult.objects.filter(pk=job_result.pk).first())
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_SUCCESS, result.traceback)
        warnings = result.job_log_entries.filter(log_level__in=("warning", "error", "critical"))
        self.assertEqual(list(warnings.values_list("message", flat=True)), [])
        self.assertEqual(Sync.objects.get(job_result=result).logs.filter(action="create").count(), 2)

    def test_rest_api_run_is_executed_by_the_worker(self):
        self.start_worker()
        self.wait_for_worker()
        client = APIClient()
        client.force_authenticate(self.user)
        response = client.post(
            reverse("extras-api:job-run", kwargs={"pk": self.job_model.pk}),
            {"data": {"dryrun": True, "source_names": "fx-api"}, "job_queue": self.queue.name},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        job_result_id = response.json()["job_result"]["id"]
        result = self.wait_for(lambda: JobResult.objects.filter(pk=job_result_id).first())
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_SUCCESS, result.traceback)
        sync = Sync.objects.get(job_result=result)
        self.assertTrue(sync.dry_run)
        self.assertFalse(Tenant.objects.filter(name="fx-api").exists())

    def test_beat_fires_a_scheduled_job_and_the_worker_runs_it(self):
        self.start_worker()
        self.start("beat", "--schedule", str(self.workdir / "beat-schedule"), "--max-interval", "2")
        schedule = ScheduledJob.create_schedule(
            self.job_model,
            self.user,
            name="ssot scheduled test",
            start_time=timezone.now() + timedelta(seconds=5),
            interval=JobExecutionType.TYPE_FUTURE,
            job_queue=self.queue,
            job_kwargs=self.form_kwargs(source_names="fx-s1"),
        )
        result = self.wait_for(lambda: JobResult.objects.filter(scheduled_job=schedule).first())
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_SUCCESS, result.traceback)
        self.assertTrue(Sync.objects.filter(job_result=result, summary__create=1).exists())
        self.assertTrue(Tenant.objects.filter(name="fx-s1").exists())
