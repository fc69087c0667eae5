"""The bookkeeping of one run, in one object the job holds and hands to what records into it.

A run keeps: the Sync it records, the log collector writing its entries, the records its source rejected,
its progress, and whether its diff is stored yet. ``RunContext`` holds them together; the job creates it
when the run starts (``DataSyncBaseJob.run_context``) and passes it on explicitly:

- the syncer (``nautobot_ssot.sync.executor.apply_diff``) calls ``record()`` with each object's outcome;
- contrib's bulk path reaches it through its adapter's job (``run_context_of``) and calls ``record()`` for an
  object the database refused when the queued writes were flushed; that outcome *corrects* the success the
  syncer recorded when the object was queued, so each object has one outcome, counted once;
- a source adapter's rejected records (``nautobot_ssot.sync.badinput``) stay on the adapter until the job takes
  them (``take_rejections``) once the adapter is loaded.

diffsync's own structlog events (a job calling ``sync_to`` itself) still reach the collector through
``nautobot_ssot.sync.logcapture``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from nautobot_ssot.choices import SyncLogEntryActionChoices, SyncLogEntryStatusChoices
from nautobot_ssot.sync.badinput import Rejection, Rejections, rejections_of

if TYPE_CHECKING:
    from nautobot_ssot.models import Sync
    from nautobot_ssot.sync.logcapture import LogCollector
    from nautobot_ssot.sync.progress import ProgressReporter


@dataclass(frozen=True)
class ObjectOutcome:
    """What happened to one object of a run: one log entry (unless unchanged and not kept), one count.

    Attributes:
        model: The diffsync model name.
        unique_id: The object's unique id in its model.
        action: ``create``, ``update``, ``delete``, ``replace``, ``reject``, or None when unchanged.
        status: ``success``, ``failure`` or ``error``.
        message: What happened, in words.
        diffs: The attribute changes (diffsync's ``{"+": ..., "-": ...}``).
        corrects: The object was reported successful when its write was queued, and this outcome replaces that
            report (a write the database refused at flush time).
    """

    model: str
    unique_id: str
    action: str | None
    status: str
    message: str
    diffs: dict[str, Any] = field(default_factory=dict)
    corrects: bool = False


class OutcomeRecorder(Protocol):
    """Anything recording the outcome of objects (a ``RunContext``)."""

    def record(self, outcome: ObjectOutcome) -> None:
        """Record one object's outcome."""


@dataclass
class RunContext:
    """The bookkeeping of one run (see the module docstring).

    Attributes:
        sync: The Sync recording the run.
        collector: Writes the run's log entries and counts outcomes.
        progress: Publishes the run's progress.
        rejections: Source records rejected so far (taken from the adapters).
        diff_stored: The run's diff has been stored on the Sync (it is stored once).
    """

    sync: Sync
    collector: LogCollector
    progress: ProgressReporter
    rejections: Rejections = field(default_factory=Rejections)
    diff_stored: bool = False

    def record(self, outcome: ObjectOutcome) -> None:
        """Record one object's outcome as a log entry of the run, and count it."""
        self.collector.record(outcome)

    def take_rejections(self, adapter: object) -> int:
        """Record the records ``adapter`` rejected since the last call as failures of the run.

        Returns:
            How many were taken.
        """
        taken = rejections_of(adapter).take()
        for rejection in taken:
            self.rejections.add(rejection)
            self.record(rejected_outcome(rejection))
        return len(taken)

    @property
    def failures(self) -> int:
        """Number of objects that failed or had an error so far."""
        return self.collector.failures


def rejected_outcome(rejection: Rejection) -> ObjectOutcome:
    """The outcome of a rejected source record: a failure, named by its unique id or, without one, its record."""
    return ObjectOutcome(
        model=rejection.model,
        unique_id=rejection.unique_id if rejection.unique_id is not None else rejection.record,
        action=SyncLogEntryActionChoices.ACTION_REJECT,
        status=SyncLogEntryStatusChoices.STATUS_FAILURE,
        message=rejection.message,
    )


def run_context_of(adapter: object) -> RunContext | None:
    """The run an adapter works for: its job's ``run_context`` (None outside a run, or without a job)."""
    return getattr(getattr(adapter, "job", None), "run_context", None)


def report_refused(adapter: object, model: str, unique_id: str, action: str, message: str) -> None:
    """Record an object whose queued or batched write the database refused as that object's outcome in the run.

    The object was reported successful when the syncer wrote or queued it; this outcome corrects that report (one
    object, one outcome). Outside a run (an adapter without a job running one), the failure is logged as an error.
    """
    run = run_context_of(adapter)
    if run is None:
        logging.getLogger("nautobot_ssot.contrib.writers").error("%s", message)
        return
    status = SyncLogEntryStatusChoices.STATUS_ERROR
    run.record(ObjectOutcome(model, str(unique_id), action, status, message, corrects=True))
