"""One run at a time and no stuck runs, with real Celery workers (the pattern of tests/jobs/test_celery.py)."""

from __future__ import annotations

import shutil
import signal
import tempfile
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings
from nautobot.apps.testing import TransactionTestCase
from nautobot.extras.choices import JobQueueTypeChoices, JobResultStatusChoices
from nautobot.extras.models import JobQueue, JobResult, ObjectChange
from nautobot.tenancy.models import Tenant

from nautobot_ssot.choices import SyncOutcomeChoices
from nautobot_ssot.models import Sync
from nautobot_ssot.sync.liveness import reap_stale_syncs
from tests.jobs import test_celery
from tests.safety.helpers import records, safety_job_model

STALE_AFTER = 4
FAST_STALENESS = {**settings.PLUGINS_CONFIG, "nautobot_ssot": {"stale_after_seconds": STALE_AFTER}}


class SafetyCeleryTestCase(TransactionTestCase):
    """Runs the safety fixture jobs on Celery workers of a queue of its own."""

    start = test_celery.CeleryProcessTestCase.start
    stop = staticmethod(test_celery.CeleryProcessTestCase.stop)
    wait_for = test_celery.CeleryProcessTestCase.wait_for
    start_worker = test_celery.CeleryProcessTestCase.start_worker

    def setUp(self):
        super().setUp()
        self.queue = JobQueue.objects.create(
            name=f"ssot-safety-{uuid.uuid4().hex[:8]}", queue_type=JobQueueTypeChoices.TYPE_CELERY
        )
        self.job_models = {name: safety_job_model(name) for name in ("SafetyDataSource", "SafetyAllOrNothingSource")}
        for job_model in self.job_models.values():
            job_model.job_queues.add(self.queue)
        self.user = get_user_model().objects.create_user(username="scheduler", is_superuser=True)
        self.processes = []
        self.workdir = Path(tempfile.mkdtemp(prefix="ssot-safety-celery-"))
        self.addCleanup(shutil.rmtree, self.workdir, ignore_errors=True)

    def enqueue(self, job: str = "SafetyDataSource", **job_kwargs) -> JobResult:
        kwargs = {"dryrun": False, "memory_profiling": False, "records": "{}", "pause_seconds": 0, **job_kwargs}
        return JobResult.enqueue_job(self.job_models[job], self.user, job_queue=self.queue, job_kwargs=kwargs)

    def wait_until(self, condition, what: str, seconds: int = 120):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(0.5)
        logs = "\n".join(path.read_text()[-3000:] for path in self.workdir.glob("*.log"))
        self.fail(f"Timed out waiting for {what}. Celery output:\n{logs}")

    def running_sync(self, job_result: JobResult) -> Sync | None:
        return Sync.objects.filter(job_result=job_result, outcome=SyncOutcomeChoices.OUTCOME_RUNNING).first()

    def finished(self, job_result: JobResult) -> JobResult:
        return self.wait_for(lambda: JobResult.objects.filter(pk=job_result.pk).first())


class OneRunAtATimeTestCase(SafetyCeleryTestCase):
    """Two workers take two runs of one job at once: one applies, the other is refused."""

    def test_two_concurrent_runs_of_one_job_apply_exactly_once(self):
        self.start_worker()
        self.start_worker()
        names = [f"sf-c{index}" for index in range(5)]
        first = self.enqueue(records=records(names), pause_seconds=10)
        self.wait_until(lambda: self.running_sync(first), "the first run to start")
        second = self.enqueue(records=records(names), pause_seconds=0)
        other_job = self.enqueue("SafetyAllOrNothingSource", records=records(["sf-other"]), max_delete_count=0)
        results = [self.finished(job_result) for job_result in (first, second, other_job)]
        syncs = [Sync.objects.get(job_result=result) for result in results]
        self.assertEqual(results[0].status, JobResultStatusChoices.STATUS_SUCCESS, [s.outcome_message for s in syncs])
        self.assertEqual(syncs[0].outcome, SyncOutcomeChoices.OUTCOME_COMPLETED)
        self.assertEqual(results[1].status, JobResultStatusChoices.STATUS_FAILURE)
        self.assertEqual(syncs[1].outcome, SyncOutcomeChoices.OUTCOME_REFUSED)
        self.assertIn("Another run of", syncs[1].outcome_message)
        self.assertIn(str(first.pk), syncs[1].outcome_message)
        self.assertEqual(syncs[2].outcome, SyncOutcomeChoices.OUTCOME_COMPLETED, syncs[2].outcome_message)
        self.assertLess(syncs[2].start_time, Sync.objects.get(pk=syncs[0].pk).start_time + syncs[0].duration)
        tenants = sorted(Tenant.objects.filter(name__startswith="sf-").values_list("name", flat=True))
        self.assertEqual(tenants, sorted([*names, "sf-other"]))
        creates = ObjectChange.objects.filter(changed_object_type__model="tenant", action="create")
        self.assertEqual(creates.count(), len(names) + 1)


class StuckRunTestCase(SafetyCeleryTestCase):
    """A run whose worker is killed mid-sync is shown failed once its heartbeat is older than the interval."""

    @override_settings(PLUGINS_CONFIG=FAST_STALENESS)
    def test_a_killed_run_is_shown_failed_after_the_interval(self):
        self.start_worker()
        job_result = self.enqueue(records=records(["sf-k1"]), pause_seconds=120)
        sync = self.wait_until(lambda: self.running_sync(job_result), "the run to start")
        self.wait_until(lambda: Sync.objects.get(pk=sync.pk).sync_time is None and self.paused(job_result), "pause")
        self.processes[0].send_signal(signal.SIGKILL)
        self.processes.pop(0).wait(timeout=20)
        time.sleep(STALE_AFTER + 1)
        sync.refresh_from_db()
        self.assertEqual(sync.status, JobResultStatusChoices.STATUS_FAILURE)
        self.assertGreaterEqual(reap_stale_syncs(), 1)
        sync.refresh_from_db()
        self.assertEqual(sync.outcome, SyncOutcomeChoices.OUTCOME_INCOMPLETE)
        self.assertIn("stopped giving signs of life", sync.outcome_message)
        self.assertIsNotNone(sync.diff_time)
        job_result.refresh_from_db()
        self.assertEqual(job_result.status, JobResultStatusChoices.STATUS_FAILURE)
        self.assertFalse(Tenant.objects.filter(name="sf-k1").exists())
        self.start_worker()
        again = self.finished(self.enqueue(records=records(["sf-k1"])))
        self.assertEqual(again.status, JobResultStatusChoices.STATUS_SUCCESS, again.traceback)

    def paused(self, job_result: JobResult) -> bool:
        """The run logged that it started its sync phase (it pauses right after)."""
        return job_result.job_log_entries.filter(message__startswith="Syncing from").exists()
