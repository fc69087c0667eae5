"""Write the outcomes of a run's objects as its SyncLogEntry rows, in batches, and count them.

``LogCollector.record`` takes one object's outcome (``nautobot_ssot.sync.context.ObjectOutcome``), handed to it
by the run's context; an outcome that corrects an earlier success (a write refused when the bulk path flushed
it) replaces that entry instead of adding one.

diffsync's own structlog events reach the collector too: one processor is added to structlog's chain once per
process (``install_processor``); it does nothing unless a run is capturing in the current context. While a run
captures, diffsync's events go to the run's log entries (those describing an object) and to the
``nautobot_ssot.diffsync`` logger at DEBUG level, and no further: structlog's default output is standard output,
which a Celery worker logs as WARNING into the job log. ``LogCollector`` is the context manager that captures,
through a ``ContextVar`` (so two runs in one process, or one after another in the same worker, never see each
other's events).
"""

from __future__ import annotations

import logging
import sys
from collections import Counter
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any
from uuid import UUID

import structlog
from django.db.models import Model

from nautobot_ssot.choices import SyncLogEntryActionChoices, SyncLogEntryStatusChoices
from nautobot_ssot.models import Sync, SyncLogEntry
from nautobot_ssot.sync.context import ObjectOutcome

DIFFSYNC_EVENT_KEYS = ("src", "dst", "action", "model", "unique_id", "diffs", "status")
LOG_BATCH_SIZE = 500
CORRECTABLE_ACTIONS = frozenset(
    (
        SyncLogEntryActionChoices.ACTION_CREATE,
        SyncLogEntryActionChoices.ACTION_UPDATE,
        SyncLogEntryActionChoices.ACTION_DELETE,
    )
)
"""Actions whose success entry a later outcome of the same object may correct (writes flushed later)."""

ObjectLookup = Callable[[str, str], Model | None]

_active: ContextVar[LogCollector | None] = ContextVar("nautobot_ssot_log_collector", default=None)

diffsync_logger = logging.getLogger("nautobot_ssot.diffsync")
"""Where diffsync's events of a capturing run are logged, at DEBUG level."""


def capture_processor(_logger: Any, method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Structlog processor: hand diffsync events to the run capturing in this context, and print nothing.

    Outside a capturing run, events go on through structlog's chain unchanged.

    Raises:
        structlog.DropEvent: A run is capturing (the event is recorded and logged at DEBUG level).
    """
    collector = _active.get()
    if collector is None:
        return event_dict
    if all(key in event_dict for key in DIFFSYNC_EVENT_KEYS):
        collector.add(event_dict)
    if diffsync_logger.isEnabledFor(logging.DEBUG):
        details = " ".join(f"{key}={value}" for key, value in event_dict.items() if key != "event")
        diffsync_logger.debug("%s (%s) %s", event_dict.get("event", ""), method, details)
    raise structlog.DropEvent


def install_processor() -> None:
    """Put ``capture_processor`` first in structlog's processor chain, once per process."""
    processors = list(structlog.get_config()["processors"])
    if capture_processor not in processors:
        structlog.configure(processors=[capture_processor, *processors])


class LogCollector:
    """Collect diffsync events of one run as SyncLogEntry rows, written in batches.

    Args:
        sync: The run the entries belong to.
        lookup_object: ``(model_name, unique_id) -> object or None``, the job's ``lookup_object``.
        keep_unchanged: Store a row for each unchanged record too (otherwise they are only counted).
        batch_size: Rows buffered before a write.
        written: ``(model_name, unique_id) -> object or None``: the object the sync itself wrote, asked before
            ``lookup_object`` (contrib's ``NautobotAdapter.take_written``).
    """

    def __init__(  # noqa: PLR0913  (each option is one keyword)
        self,
        sync: Sync,
        lookup_object: ObjectLookup,
        keep_unchanged: bool = False,
        batch_size: int = LOG_BATCH_SIZE,
        written: ObjectLookup | None = None,
    ):
        self.sync = sync
        self.lookup_object = lookup_object
        self.written = written
        self.keep_unchanged = keep_unchanged
        self.batch_size = batch_size
        self.counts: Counter[str] = Counter()
        self._buffer: list[SyncLogEntry] = []
        self._succeeded: dict[tuple[str, str], SyncLogEntry | UUID] = {}
        self._token: Token | None = None

    def __enter__(self) -> LogCollector:
        """Start routing this context's diffsync events to this collector."""
        install_processor()
        self._token = _active.set(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Stop routing and write what is buffered."""
        _active.reset(self._token)
        self.flush()

    def add(self, event: MutableMapping[str, Any]) -> None:
        """Record one diffsync event (diffsync's own structlog events of the run)."""
        self.record(
            ObjectOutcome(
                model=str(event["model"]),
                unique_id=str(event["unique_id"]),
                action=event["action"],
                status=event["status"],
                message=str(event.get("event", "")),
                diffs=event["diffs"],
            )
        )

    def record(self, outcome: ObjectOutcome) -> None:
        """Record one object's outcome: count it and buffer its entry (a correction replaces the earlier one)."""
        if outcome.corrects and self._correct(outcome):
            return
        action = outcome.action or SyncLogEntryActionChoices.ACTION_NO_CHANGE
        status = outcome.status or SyncLogEntryStatusChoices.STATUS_SUCCESS
        self.counts[status] += 1
        self.counts[action] += 1
        if action == SyncLogEntryActionChoices.ACTION_NO_CHANGE and not self.keep_unchanged:
            return
        entry = self._entry(outcome, action, status)
        self._buffer.append(entry)
        if status == SyncLogEntryStatusChoices.STATUS_SUCCESS and action in CORRECTABLE_ACTIONS:
            self._succeeded[(entry.model_name, entry.unique_id)] = entry
        if len(self._buffer) >= self.batch_size:
            self.flush()

    def _correct(self, outcome: ObjectOutcome) -> bool:
        """Turn the object's earlier success entry into ``outcome``; False when it has none."""
        earlier = self._succeeded.pop((outcome.model[:100], outcome.unique_id), None)
        if earlier is None:
            return False
        self.counts[SyncLogEntryStatusChoices.STATUS_SUCCESS] -= 1
        self.counts[outcome.status] += 1
        changes = {
            "status": outcome.status,
            "message": outcome.message,
            "synced_object_type": None,
            "synced_object_id": None,
        }
        if isinstance(earlier, SyncLogEntry):
            for name, value in changes.items():
                setattr(earlier, name, value)
        else:
            SyncLogEntry.objects.filter(pk=earlier).update(**changes)
        return True

    def _entry(self, outcome: ObjectOutcome, action: str, status: str) -> SyncLogEntry:
        model, unique_id = outcome.model, outcome.unique_id
        synced_object = self._linked_object(model, unique_id)
        entry = SyncLogEntry(
            sync=self.sync,
            action=action,
            status=status,
            message=outcome.message,
            diff=outcome.diffs if outcome.action else None,
            object_repr=str(synced_object) if synced_object is not None else f"{model} {unique_id}",
            model_name=model[:100],
            unique_id=unique_id,
        )
        if synced_object is not None and getattr(synced_object, "pk", None):
            entry.synced_object = synced_object
        return entry

    def _linked_object(self, model: str, unique_id: str) -> Model | None:
        """The object the sync wrote for this record, else what the job's ``lookup_object`` finds."""
        synced_object = self.written(model, unique_id) if self.written is not None else None
        return synced_object if synced_object is not None else self.lookup_object(model, unique_id)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Keep every row in memory inside this block (a transaction that may be rolled back); flush later."""
        batch_size, self.batch_size = self.batch_size, sys.maxsize
        try:
            yield
        finally:
            self.batch_size = batch_size

    def unlink(self, action: str) -> None:
        """Drop the object links of buffered rows with ``action`` (their objects were rolled back)."""
        for entry in self._buffer:
            if entry.action == action:
                entry.synced_object_type, entry.synced_object_id = None, None

    def flush(self) -> None:
        """Write the buffered rows (the success entries are then known by primary key, for a correction)."""
        if self._buffer:
            SyncLogEntry.objects.bulk_create(self._buffer)
            for entry in self._buffer:
                key = (entry.model_name, entry.unique_id)
                if self._succeeded.get(key) is entry:
                    self._succeeded[key] = entry.pk
            self._buffer = []

    @property
    def failures(self) -> int:
        """Number of objects that failed or errored."""
        return (
            self.counts[SyncLogEntryStatusChoices.STATUS_FAILURE] + self.counts[SyncLogEntryStatusChoices.STATUS_ERROR]
        )
