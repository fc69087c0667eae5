"""Timing (and optional memory tracing) of the phases of a sync run."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from logging import Logger
from time import perf_counter

from nautobot_ssot.models import Sync
from nautobot_ssot.sync.wording import describe_memory, describe_phase


@contextmanager
def measure_phase(sync: Sync, phase: str, logger: Logger, memory_profiling: bool = False) -> Iterator[None]:
    """Record how long ``phase`` takes (and its memory, when profiling) on ``sync``.

    The figures are saved even when the phase raises, so a failed run keeps what was measured.

    Args:
        sync: The run being measured.
        phase: One of ``source_load``, ``target_load``, ``diff``, ``sync``.
        logger: The job's logger, told how long the phase took.
        memory_profiling: Trace memory allocations during the phase.
    """
    if memory_profiling:
        tracemalloc.start()
        tracemalloc.clear_traces()
    started = perf_counter()
    try:
        yield
    finally:
        fields = [f"{phase}_time"]
        setattr(sync, f"{phase}_time", timedelta(seconds=perf_counter() - started))
        if memory_profiling:
            final, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            setattr(sync, f"{phase}_memory_final", final)
            setattr(sync, f"{phase}_memory_peak", peak)
            fields += [f"{phase}_memory_final", f"{phase}_memory_peak"]
            logger.info(describe_memory(phase, final, peak))
        sync.save(update_fields=fields)
        logger.info(describe_phase(phase, getattr(sync, f"{phase}_time")))
