"""The Prometheus metrics of SSoT jobs, as Nautobot's metrics endpoint collects them."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone
from nautobot.apps.testing import TestCase
from nautobot.core.views import NautobotAppMetricsCollector
from nautobot.extras.choices import JobResultStatusChoices
from nautobot.extras.models import JobResult

from nautobot_ssot.models import Sync
from tests.compat.integration.jobs import CompatRemoteDataSource
from tests.fixtures.jobs import job_model_for


def collected() -> dict[str, dict[tuple, float]]:
    """Every app metric Nautobot's collector yields: family name -> {label values: value}."""
    families = {}
    for family in NautobotAppMetricsCollector().collect():
        families[family.name] = {tuple(sample.labels.values()): sample.value for sample in family.samples}
    return families


class MetricsTestCase(TestCase):
    """Each job's latest sync shows up in the nautobot_ssot_* series."""

    def setUp(self):
        super().setUp()
        job_model = job_model_for(CompatRemoteDataSource)
        self.label = ".".join(job_model.natural_key())
        user = get_user_model().objects.create_user(username="metrics")
        start = timezone.now() - timedelta(minutes=1)
        result = JobResult.objects.create(
            job_model=job_model,
            name=job_model.name,
            user=user,
            status=JobResultStatusChoices.STATUS_SUCCESS,
            date_done=start + timedelta(seconds=5.5),
        )
        Sync.objects.create(
            source="Compat remote",
            target="Nautobot",
            start_time=start,
            diff={},
            job_result=result,
            source_load_time=timedelta(seconds=2),
            target_load_time=timedelta(seconds=2),
            diff_time=timedelta(milliseconds=500),
            sync_time=timedelta(seconds=1),
            source_load_memory_peak=4096,
            source_load_memory_final=1024,
            summary={"create": 3, "update": 1, "delete": 0, "no-change": 5},
        )

    def test_durations_counts_operations_and_memory(self):
        families = collected()
        durations = families["nautobot_ssot_duration_seconds"]
        self.assertEqual(durations[("source_load_time", self.label)], 2.0)
        self.assertEqual(durations[("diff_time", self.label)], 0.5)
        self.assertEqual(durations[("sync_duration", self.label)], 5.5)
        self.assertEqual(families["nautobot_ssot_sync_total"][("total_syncs",)], 1)
        self.assertEqual(families["nautobot_ssot_sync_total"][("success_syncs",)], 1)
        self.assertEqual(families["nautobot_ssot_operation_total"][(self.label, "create")], 3)
        memory = families["nautobot_ssot_sync_memory_usage_bytes"]
        self.assertEqual(memory[("source_load_memory_peak", self.label)], 4096)
