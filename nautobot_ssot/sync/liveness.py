"""No stuck runs: a running sync records a heartbeat; a sync whose heartbeat stopped is marked incomplete.

A worker that is killed (out of memory, hard time limit, host lost) cannot record its own end. While a run
is alive, ``Heartbeat`` stamps ``Sync.heartbeat`` every ``heartbeat_interval()`` from a thread with its own
database connection (so the stamp is visible even while the sync phase is inside a transaction).
``reap_stale_syncs`` marks every unfinished sync whose last stamp is older than ``stale_after()`` as
incomplete, and fails its JobResult. It runs at the start of every SSoT run; ``Sync.status`` already
reports such a run as failed when it is read before that.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from nautobot.extras.choices import JobResultStatusChoices

from nautobot_ssot.choices import SyncOutcomeChoices
from nautobot_ssot.models import Sync
from nautobot_ssot.sync.config import heartbeat_interval, stale_after


class Heartbeat:
    """Context manager stamping ``sync.heartbeat`` at a fixed interval until the block ends.

    Args:
        sync: The running sync.
        interval: Time between stamps (default: ``heartbeat_interval()``).
    """

    def __init__(self, sync: Sync, interval: timedelta | None = None):
        self.sync_id = sync.pk
        self.interval = (interval or heartbeat_interval()).total_seconds()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"ssot-heartbeat-{sync.pk}", daemon=True)

    def __enter__(self) -> Heartbeat:
        """Stamp once and start the thread."""
        Sync.objects.filter(pk=self.sync_id).update(heartbeat=timezone.now())
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Stop the thread and wait for it."""
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                Sync.objects.filter(pk=self.sync_id).update(heartbeat=timezone.now())
        finally:
            connection.close()


def stale_syncs():
    """Return the unfinished syncs whose worker gave no sign of life for longer than ``stale_after()``."""
    cutoff = timezone.now() - stale_after()
    silent = Q(heartbeat__lt=cutoff) | Q(heartbeat__isnull=True, start_time__lt=cutoff)
    return Sync.objects.filter(silent, outcome=SyncOutcomeChoices.OUTCOME_RUNNING).exclude(
        job_result__status__in=JobResultStatusChoices.READY_STATES
    )


def reap_stale_syncs() -> int:
    """Mark every stale sync incomplete and fail its JobResult; release its job's singleton lock.

    Returns:
        The number of syncs marked.
    """
    reaped = 0
    for sync in stale_syncs().select_related("job_result__job_model"):
        mark_incomplete(sync)
        reaped += 1
    return reaped


def mark_incomplete(sync: Sync) -> None:
    """Record that ``sync``'s worker was lost: outcome incomplete, JobResult failed."""
    last = sync.heartbeat or sync.start_time
    message = (
        f"The worker running this sync stopped giving signs of life (last at {last:%Y-%m-%d %H:%M:%S %Z}; "
        f"limit {int(stale_after().total_seconds())}s): it was killed or hit its hard time limit. "
        "The run is incomplete; the figures shown are those measured until then."
    )
    sync.outcome, sync.outcome_message = SyncOutcomeChoices.OUTCOME_INCOMPLETE, message
    sync.save(update_fields=["outcome", "outcome_message"])
    job_result = sync.job_result
    if job_result is None:
        return
    job_result.traceback = message
    job_result.set_status(JobResultStatusChoices.STATUS_FAILURE)
    job_result.save()
    job_class = job_result.job_model.job_class if job_result.job_model else None
    if job_class is not None:
        cache.delete(job_class.singleton_cache_key)
