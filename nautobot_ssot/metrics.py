"""Prometheus metrics of SSoT jobs, served on Nautobot's ``/metrics/`` endpoint.

Nautobot collects the generators in ``metrics`` (``NautobotAppConfig.metrics``); the app setting
``METRICS_DISABLED_APPS`` turns them off. The series are those of nautobot-ssot 4.x:

- ``nautobot_ssot_duration_seconds{phase, job}``: phase durations of each job's latest sync, in seconds;
- ``nautobot_ssot_sync_total{sync_type}``: number of syncs, in all and by job result status;
- ``nautobot_ssot_operation_total{job, operation}``: the summary counts of each job's latest sync;
- ``nautobot_ssot_sync_memory_usage_bytes{phase, job}``: memory of each job's latest profiled sync.
"""

from __future__ import annotations

from collections.abc import Iterator

from nautobot.extras.choices import JobResultStatusChoices
from nautobot.extras.models import Job as JobModel
from prometheus_client.core import GaugeMetricFamily

from nautobot_ssot.models import PHASES, Sync

MEMORY_FIELDS = tuple(f"{phase}_memory_{kind}" for phase in PHASES for kind in ("final", "peak"))


def ssot_jobs() -> Iterator[tuple[str, JobModel]]:
    """Every installed SSoT job (a DataSource or DataTarget) with its label (``module.ClassName``)."""
    from nautobot_ssot.jobs.base import DataSource, DataTarget  # noqa: PLC0415  (not at app loading)

    for job_model in JobModel.objects.filter(installed=True).order_by("module_name", "job_class_name"):
        job_class = job_model.job_class
        if job_class is not None and issubclass(job_class, (DataSource, DataTarget)):
            yield ".".join(job_model.natural_key()), job_model


def latest_sync(job_model: JobModel, **filters: object) -> Sync | None:
    """The job's most recent sync (matching ``filters``), if any."""
    return Sync.objects.filter(job_result__job_model=job_model, **filters).order_by("-start_time").first()


def metric_ssot_jobs() -> Iterator[GaugeMetricFamily]:
    """Phase durations of each SSoT job's latest sync, in seconds."""
    gauge = GaugeMetricFamily(
        "nautobot_ssot_duration_seconds", "Nautobot SSoT Job Phase Duration in seconds", labels=["phase", "job"]
    )
    for label, job_model in ssot_jobs():
        sync = latest_sync(job_model)
        if sync is None:
            continue
        durations = {f"{phase}_time": getattr(sync, f"{phase}_time") for phase in PHASES}
        durations["sync_duration"] = sync.duration
        for phase, duration in durations.items():
            if duration:
                gauge.add_metric([phase, label], duration.total_seconds())
    yield gauge


def metric_syncs() -> Iterator[GaugeMetricFamily]:
    """Number of syncs, in all and by the status of their job result."""
    gauge = GaugeMetricFamily("nautobot_ssot_sync_total", "Nautobot SSoT Sync Totals", labels=["sync_type"])
    gauge.add_metric(["total_syncs"], Sync.objects.count())
    for status, _ in JobResultStatusChoices:
        count = Sync.objects.filter(job_result__status=status).count()
        gauge.add_metric([f"{status.lower()}_syncs"], count)
    yield gauge


def metric_sync_operations() -> Iterator[GaugeMetricFamily]:
    """The summary counts (create, update, delete, ...) of each SSoT job's latest sync."""
    gauge = GaugeMetricFamily(
        "nautobot_ssot_operation_total", "Nautobot SSoT operations by Job", labels=["job", "operation"]
    )
    for label, job_model in ssot_jobs():
        sync = latest_sync(job_model)
        for operation, value in ((sync.summary if sync else None) or {}).items():
            if isinstance(value, (int, float)):
                gauge.add_metric([label, operation], value)
    yield gauge


def metric_memory_usage() -> Iterator[GaugeMetricFamily]:
    """Memory (final and peak, per phase) of each SSoT job's latest sync run with memory profiling."""
    gauge = GaugeMetricFamily(
        "nautobot_ssot_sync_memory_usage_bytes", "Nautobot SSoT Sync Memory Usage", labels=["phase", "job"]
    )
    for label, job_model in ssot_jobs():
        sync = latest_sync(job_model, source_load_memory_final__isnull=False)
        for name in MEMORY_FIELDS if sync else ():
            value = getattr(sync, name)
            if value is not None:
                gauge.add_metric([name, label], value)
    yield gauge


metrics = [metric_ssot_jobs, metric_syncs, metric_sync_operations, metric_memory_usage]
"""The generators Nautobot collects."""
