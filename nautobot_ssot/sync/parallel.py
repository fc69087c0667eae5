"""Load the source and the target adapter of a run at the same time, each in a thread of its own.

Each thread has its own database connection (closed when it ends) and runs in a copy of the run's context,
so that what the run collects (rejected records) is collected from both. What the loaders log to the job's
logger is held while they run and logged again from the run's own thread, so that it reaches the job log.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from time import perf_counter
from typing import Any, Optional

from django.db import connections

ADAPTER_SIDES = ("source", "target")


class ThreadRecords(logging.Handler):
    """Holds the log records one thread emits on a logger."""

    def __init__(self, thread_id: int):
        """Hold the records of the thread ``thread_id``."""
        super().__init__()
        self.thread_id = thread_id
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep ``record`` if its thread is the one watched."""
        if record.thread == self.thread_id:
            self.records.append(record)


@dataclass
class ThreadedAdapterLoader:
    """Loads one adapter of a job (``job.load_source_adapter()`` or ``job.load_target_adapter()``).

    Attributes:
        adapter: ``"source"`` or ``"target"``.
        job: The job whose adapter is loaded.
        job_result: The job's JobResult.
        duration: How long loading took, once it ran.
        log_level: Lowest level of the job's log records held for the job log.
        records: The job's log records emitted while loading, once it ran.
    """

    adapter: str
    job: Any = field(repr=False)
    job_result: Any = field(default=None, repr=False)
    duration: Optional[timedelta] = None
    log_level: int = logging.DEBUG
    records: list[logging.LogRecord] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        """Check the side.

        Raises:
            ValueError: ``adapter`` is neither ``"source"`` nor ``"target"``.
        """
        if self.adapter not in ADAPTER_SIDES:
            raise ValueError(f"Invalid adapter type ({self.adapter}). Must be `source` or `target`.")

    def load(self) -> Any:
        """Load the adapter in the current thread and return it (``job.<side>_adapter``).

        In a thread other than the main one, the thread's database connections are closed at the end.
        """
        holder = ThreadRecords(threading.get_ident())
        holder.setLevel(self.log_level)
        self.job.logger.addHandler(holder)
        started = perf_counter()
        try:
            getattr(self.job, f"load_{self.adapter}_adapter")()
            return getattr(self.job, f"{self.adapter}_adapter")
        finally:
            self.duration = timedelta(seconds=perf_counter() - started)
            self.job.logger.removeHandler(holder)
            self.records = holder.records
            if threading.current_thread() is not threading.main_thread():
                connections.close_all()

    def replay(self) -> None:
        """Log the held records again on the job's logger, from the calling thread, grouped by side."""
        for record in self.records:
            grouping = getattr(record, "grouping", None)
            label = f"{grouping} ({self.adapter})" if grouping else self.adapter
            self.job.logger.log(record.levelno, "%s", record.getMessage(), extra={"grouping": label})


def load_both(job: Any) -> tuple[ThreadedAdapterLoader, ThreadedAdapterLoader]:
    """Load the job's source and target adapters at the same time; return the two loaders once both ended.

    Raises:
        Exception: The first error of either loader (the source's first), after both ended and logged.
    """
    loaders = tuple(ThreadedAdapterLoader(side, job, getattr(job, "job_result", None)) for side in ADAPTER_SIDES)
    with ThreadPoolExecutor(max_workers=len(loaders), thread_name_prefix="ssot-load") as pool:
        futures = [pool.submit(contextvars.copy_context().run, loader.load) for loader in loaders]
    for loader in loaders:
        loader.replay()
    for future in futures:
        error = future.exception()
        if error is not None:
            raise error
    return loaders


__all__ = ("ThreadedAdapterLoader", "load_both")
