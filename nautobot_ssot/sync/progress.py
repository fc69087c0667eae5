"""Live progress of a run: its phase, objects done of the total, rate and the time left, published while it runs.

diffsync calls a progress callback for every object it compares or applies (``callback(stage, done, total)``).
``ProgressReporter`` turns those calls into a ``ProgressSnapshot`` and publishes it to Django's cache (Redis in
Nautobot) at most every ``PUBLISH_INTERVAL`` seconds, and at each phase change: no database write per object,
and nothing written to the Sync row. ``read_progress`` gives the Sync page the latest snapshot of a run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta
from time import monotonic, time
from typing import Callable

from django.core.cache import cache

from nautobot_ssot.sync.wording import PHASE_WORDS, count_words, describe_duration

PUBLISH_INTERVAL = 2.0
"""Seconds between two publications of a run's progress."""

KEPT_FOR = 3600
"""Seconds the last progress of a run stays readable after its last publication."""

Clock = Callable[[], float]
ProgressCallback = Callable[[str, int, int], None]
"""diffsync's progress callback: ``(stage, done, total)``."""


def cache_key(sync_id: object) -> str:
    """The cache key of one run's progress."""
    return f"nautobot_ssot:progress:{sync_id}"


@dataclass(frozen=True)
class ProgressSnapshot:
    """Where a run stands.

    Attributes:
        phase: The phase it is in (``source_load``, ``target_load``, ``diff``, ``sync``).
        done: Objects done in this phase.
        total: Objects this phase has to go through (0 when not known, as while loading).
        elapsed: Seconds since the phase started.
        published: When it was published (seconds since the epoch).
    """

    phase: str
    done: int = 0
    total: int = 0
    elapsed: float = 0.0
    published: float = 0.0

    @property
    def rate(self) -> float | None:
        """Objects per second so far in this phase, if anything was done."""
        return self.done / self.elapsed if self.done and self.elapsed > 0 else None

    @property
    def remaining(self) -> timedelta | None:
        """The time left in this phase at the rate so far, if it can be estimated."""
        rate = self.rate
        if rate is None or not self.total:
            return None
        return timedelta(seconds=max(self.total - self.done, 0) / rate)

    @property
    def percent(self) -> int | None:
        """Share of the phase done, in percent, if the total is known."""
        return min(100, self.done * 100 // self.total) if self.total else None

    @property
    def phase_text(self) -> str:
        """The phase in words: ``Writing the changes``."""
        return PHASE_WORDS.get(self.phase, self.phase)

    @property
    def done_text(self) -> str:
        """Objects done of the total: ``1,200 of 5,000 objects (24%)``; empty while the total is not known."""
        return f"{self.done:,} of {count_words(self.total, 'object')} ({self.percent}%)" if self.total else ""

    @property
    def rate_text(self) -> str:
        """The rate: ``300 per second``; empty before anything is done."""
        return f"{self.rate:,.0f} per second" if self.rate is not None else ""

    @property
    def remaining_text(self) -> str:
        """The time left: ``about 12.67 s``; empty when it cannot be estimated."""
        return f"about {describe_duration(self.remaining)}" if self.remaining is not None else ""

    def running_for(self, now: float) -> timedelta:
        """How long the phase has been running at ``now`` (seconds since the epoch), counted from its publication."""
        return timedelta(seconds=self.elapsed + max(now - self.published, 0.0))

    def describe(self) -> str:
        """The snapshot in words: ``Writing the changes: 1,200 of 5,000 objects (24%), 300 per second, ...``."""
        text = self.phase_text
        if self.done_text:
            text += f": {self.done_text}"
        if self.rate_text:
            text += f", {self.rate_text}"
        if self.remaining_text:
            text += f", {self.remaining_text} left"
        return text


class ProgressReporter:
    """Publishes one run's progress to the cache, throttled (see the module docstring).

    Args:
        sync_id: The primary key of the run's Sync.
        interval: Least seconds between two publications within a phase.
        clock: Monotonic clock (a test passes its own).
    """

    def __init__(self, sync_id: object, interval: float = PUBLISH_INTERVAL, clock: Clock = monotonic):
        self.key = cache_key(sync_id)
        self.interval = interval
        self.clock = clock
        self.phase = ""
        self._started = 0.0
        self._last = float("-inf")

    def start(self, phase: str, total: int = 0) -> None:
        """Begin ``phase`` and publish it at once."""
        self.phase, self._started = phase, self.clock()
        self._publish(0, total)

    def callback(self, stage: str, done: int, total: int) -> None:
        """Diffsync's progress callback: publish when the interval has passed (or the phase is done)."""
        if stage != self.phase and stage in PHASE_WORDS:
            self.start(stage, total)
        if done >= total or self.clock() - self._last >= self.interval:
            self._publish(done, total)

    def _publish(self, done: int, total: int) -> None:
        now = self.clock()
        self._last = now
        snapshot = ProgressSnapshot(self.phase, done, total, now - self._started, time())
        cache.set(self.key, asdict(snapshot), KEPT_FOR)

    def finish(self) -> None:
        """Forget the run's progress (it ended; its Sync tells the rest)."""
        cache.delete(self.key)


def read_progress(sync_id: object) -> ProgressSnapshot | None:
    """The latest published progress of a run, if it is running and published any."""
    values = cache.get(cache_key(sync_id))
    return ProgressSnapshot(**values) if isinstance(values, dict) else None
