"""Failure report: the records a sync could not apply (or rejected), as rows and as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import astuple, dataclass, fields

from nautobot_ssot.choices import SyncLogEntryStatusChoices
from nautobot_ssot.models import Sync, SyncLogEntry

FAILED_STATUSES = (SyncLogEntryStatusChoices.STATUS_FAILURE, SyncLogEntryStatusChoices.STATUS_ERROR)


@dataclass(frozen=True)
class FailureRow:
    """One failed record of a sync.

    Attributes:
        model: Diffsync model name of the record.
        unique_id: Unique id of the record (for a rejected record whose id could not be read, how it was named).
        action: What the sync tried (create, update, delete, reject).
        status: failure or error.
        message: Why it failed.
    """

    model: str
    unique_id: str
    action: str
    status: str
    message: str


def failed_entries(sync: Sync):
    """The sync's log entries of failed or errored records, in the order they happened."""
    return SyncLogEntry.objects.filter(sync=sync, status__in=FAILED_STATUSES).order_by("timestamp", "pk")


def failure_rows(sync: Sync) -> Iterator[FailureRow]:
    """Yield one ``FailureRow`` per failed record of ``sync``."""
    columns = ("model_name", "unique_id", "action", "status", "message")
    for values in failed_entries(sync).values_list(*columns).iterator():
        yield FailureRow(*values)


def _safe_cell(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (values come from another system)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def failures_csv(sync: Sync) -> str:
    """Return the failed records of ``sync`` as CSV text with a header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([field.name for field in fields(FailureRow)])
    for row in failure_rows(sync):
        writer.writerow([_safe_cell(str(value)) for value in astuple(row)])
    return buffer.getvalue()


def failures_csv_filename(sync: Sync) -> str:
    """File name for the CSV download of ``sync``'s failures."""
    return f"sync-{sync.pk}-failures.csv"
