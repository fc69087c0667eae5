"""A tenant sync whose database connection is terminated while the change records of its second batch are written."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import structlog
from diffsync.enum import DiffSyncFlags
from django.db import connection
from nautobot.extras.choices import ObjectChangeEventContextChoices
from nautobot.extras.context_managers import web_request_context
from nautobot.extras.models import ObjectChange
from nautobot.tenancy.models import Tenant
from nautobot.users.models import User

from nautobot_ssot.contrib import NautobotAdapter
from nautobot_ssot.contrib.bulk.changelog import ChangeRecorder
from nautobot_ssot.contrib.bulk.deferred import FlushFailed
from nautobot_ssot.jobs.examples.models import TenantModel
from nautobot_ssot.sync.context import ObjectOutcome
from nautobot_ssot.sync.executor import apply_diff
from tests.contrib.fixtures import source_for, terminate_connection

NAMES = [f"Tenant {number}" for number in range(7)]
"""The tenants synced: with batches of 3, the first batch is stored, the second is lost."""


class FaultAdapter(NautobotAdapter):
    tenant = TenantModel
    top_level = ("tenant",)


@contextmanager
def connection_lost_at_second_record_write() -> Iterator[None]:
    """Terminate the connection as the change records of the second batch are about to be written."""
    real_save = ChangeRecorder.save
    calls = []

    def save(recorder: ChangeRecorder, records: Any) -> int:
        calls.append(recorder)
        if len(calls) == 2:
            terminate_connection()
        return real_save(recorder, records)

    with mock.patch.object(ChangeRecorder, "save", save):
        yield


@dataclass
class RecordedOutcomes:
    """A run's outcome recorder that keeps every outcome (the job's ``RunContext`` writes them as log entries)."""

    outcomes: list[ObjectOutcome] = field(default_factory=list)

    def record(self, outcome: ObjectOutcome) -> None:
        self.outcomes.append(outcome)


@dataclass
class RecordingJob:
    """What the adapter and the bulk path use of the job running them: its run context."""

    run_context: RecordedOutcomes = field(default_factory=RecordedOutcomes)


def sync_with_lost_connection(user: User, **options: Any) -> tuple[FlushFailed | None, set[str]]:
    """Sync ``NAMES`` in batches of 3 with the connection lost; return the error and the names recorded as failed."""
    job = RecordingJob()
    with web_request_context(user, context=ObjectChangeEventContextChoices.CONTEXT_JOB):
        target = FaultAdapter(job=job, **options)
        target.change_batch.batch_size = target.bulk_writer.batch_size = 3
        target.load()
        source = source_for(FaultAdapter, {"tenant": [{"name": name} for name in NAMES]})
        diff = source.diff_to(target)
        failure = None
        with structlog.testing.capture_logs() as logs, connection_lost_at_second_record_write():
            try:
                apply_diff(source, target, diff, DiffSyncFlags.CONTINUE_ON_FAILURE, outcomes=job.run_context)
            except FlushFailed as error:
                failure = error
        connection.close()
    recorded = {outcome.unique_id for outcome in job.run_context.outcomes if outcome.status == "error"}
    return failure, recorded | {entry["unique_id"] for entry in logs if entry.get("status") == "error"}


def unrecorded_tenants() -> set[str]:
    """Names of stored tenants without a change record."""
    recorded = ObjectChange.objects.values_list("changed_object_id", flat=True)
    return set(Tenant.objects.exclude(pk__in=recorded).values_list("name", flat=True))
