"""Public job API (DataSource, DataTarget, DataSyncBaseJob, DataMapping) and the app's registered jobs."""

from __future__ import annotations

from django.conf import settings
from nautobot.apps.jobs import register_jobs

from nautobot_ssot.exceptions import JobException
from nautobot_ssot.jobs.base import DataMapping, DataSource, DataSyncBaseJob, DataTarget

__all__ = ("DataMapping", "DataSource", "DataSyncBaseJob", "DataTarget", "JobException", "get_data_jobs", "jobs")


def _example_jobs() -> list[type[DataSyncBaseJob]]:
    """The example jobs, unless the ``hide_example_jobs`` setting hides them."""
    if settings.PLUGINS_CONFIG.get("nautobot_ssot", {}).get("hide_example_jobs", False):
        return []
    from nautobot_ssot.jobs import examples  # noqa: PLC0415  (imported only when shown)

    return list(examples.jobs)


def get_data_jobs():
    """Return the installed and enabled data source and data target jobs, for the dashboard.

    Returns:
        (sources, targets): two lists of Job model instances whose classes subclass DataSource or DataTarget.
    """
    from nautobot.extras.models import Job as JobModel  # noqa: PLC0415  (models are not ready at import time)

    sources, targets = [], []
    for job_model in JobModel.objects.filter(installed=True, enabled=True).order_by("name"):
        job_class = job_model.job_class
        if job_class is None:
            continue
        if issubclass(job_class, DataSource):
            sources.append(job_model)
        elif issubclass(job_class, DataTarget):
            targets.append(job_model)
    return sources, targets


jobs = _example_jobs()
register_jobs(*jobs)
