"""Builders of syncs, diff records and log entries for UI, API and filter tests."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from nautobot.extras.choices import JobResultStatusChoices
from nautobot.extras.models import Job, JobResult
from nautobot.tenancy.models import Tenant

from nautobot_ssot.choices import (
    ConflictResolutionChoices,
    SyncLogEntryActionChoices,
    SyncLogEntryStatusChoices,
    SyncOutcomeChoices,
)
from nautobot_ssot.models import Sync, SyncConflict, SyncDiffRecord, SyncLogEntry

XSS = '<script>alert("ssot")</script>"onmouseover="alert(1)'


def fixture_job() -> Job | None:
    """The Job model of the fixture data source, when the fixture jobs are loaded."""
    return Job.objects.filter(job_class_name="FixtureDataSource").first()


def make_job_result(job: Job | None = None, status: str = JobResultStatusChoices.STATUS_SUCCESS) -> JobResult:
    """A finished job result, of ``job`` when given."""
    return JobResult.objects.create(
        name=job.class_path if job else "ssot.test", job_model=job, status=status, date_done=timezone.now()
    )


def make_sync(  # noqa: PLR0913
    source: str = "Alpha",
    target: str = "Nautobot",
    dry_run: bool = False,
    status: str = JobResultStatusChoices.STATUS_SUCCESS,
    job: Job | None = None,
    age: timedelta = timedelta(),
    records: int = 2,
    logs: int = 2,
    text: str = "",
) -> Sync:
    """A sync with a job result, ``records`` diff records and ``logs`` log entries; ``text`` is put in every name."""
    start = timezone.now() - age
    sync = Sync.objects.create(
        source=source,
        target=target,
        dry_run=dry_run,
        start_time=start,
        source_load_time=timedelta(seconds=1.5),
        target_load_time=timedelta(seconds=0.5),
        diff_time=timedelta(seconds=0.25),
        sync_time=None if dry_run else timedelta(seconds=2),
        source_load_memory_final=2048,
        source_load_memory_peak=4 * 1024 * 1024,
        summary={"create": records, "update": 0, "delete": 0, "no-change": 1, "failure": 0, "error": 0},
        diff={"tenant": {f"t{text}": {"+": {"description": text}}}},
        job_result=make_job_result(job, status),
    )
    add_records(sync, records, text)
    add_logs(sync, logs, text)
    return sync


def running_sync() -> Sync:
    """A sync that is still running."""
    sync = make_sync(logs=0)
    sync.outcome = SyncOutcomeChoices.OUTCOME_RUNNING
    sync.save()
    return sync


def add_records(sync: Sync, count: int, text: str = "") -> None:
    """Add ``count`` create/update records to ``sync``, ``text`` in ids and values."""
    SyncDiffRecord.objects.bulk_create(
        SyncDiffRecord(
            sync=sync,
            position=index,
            model_name="tenant" if index % 2 == 0 else "location",
            unique_id=f"object-{index}{text}",
            action="create" if index % 2 == 0 else "update",
            keys={"name": f"object-{index}{text}"},
            source_attrs={"description": f"new {text}"},
            target_attrs=None if index % 2 == 0 else {"description": f"old {text}"},
        )
        for index in range(count)
    )


def add_logs(sync: Sync, count: int, text: str = "", linked: Tenant | None = None) -> None:
    """Add ``count`` log entries to ``sync``: half successes, half failures."""
    tenant_type = ContentType.objects.get_for_model(Tenant)
    SyncLogEntry.objects.bulk_create(
        SyncLogEntry(
            sync=sync,
            action=(SyncLogEntryActionChoices.ACTION_CREATE, SyncLogEntryActionChoices.ACTION_UPDATE)[index % 2],
            status=(SyncLogEntryStatusChoices.STATUS_SUCCESS, SyncLogEntryStatusChoices.STATUS_FAILURE)[index % 2],
            diff={"+": {"description": f"new {text}"}, "-": {"description": f"old {text}"}},
            synced_object_type=tenant_type if linked else None,
            synced_object_id=linked.pk if linked else None,
            object_repr=f"tenant {index}{text}",
            message=f"Processed {index}{text}",
        )
        for index in range(count)
    )


def add_conflict(sync: Sync, text: str = "") -> SyncConflict:
    """Flag the sync's second record (an update) as not converging and give it a conflict on ``description``."""
    record = SyncDiffRecord.objects.get(sync=sync, position=1)
    record.not_converging = ["description"]
    record.save()
    sync.summary = {**sync.summary, "conflicts": 1, "not_converging": 1}
    sync.save()
    return SyncConflict.objects.create(
        sync=sync,
        record=record,
        model_name=record.model_name,
        unique_id=record.unique_id,
        action=record.action,
        attribute="description",
        source_value=f"new {text}",
        nautobot_value=f"set by hand {text}",
        changed_by=f"operator{text}",
        changed_at=timezone.now(),
        change_id=uuid.uuid4(),
        resolution=ConflictResolutionChoices.RESOLUTION_HELD,
    )
