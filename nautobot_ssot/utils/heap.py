"""Keep the objects a worker process starts with out of the garbage collector's full collections (opt-in).

Python's cyclic garbage collector now and then walks every object of the process (a full collection). In a
Nautobot worker most of those objects are Nautobot's and Django's own, loaded at startup and alive until the
process ends: some 500,000 of the 560,000 a benchmark process holds, whose walk takes about half a second on a
small machine. A sync that loads and diffs
thousands of objects sets off such a walk every few runs. With the app setting ``freeze_worker_startup_heap``,
each worker process collects once when it starts and then moves every object alive to the collector's permanent
generation (``gc.freeze()``, as the Python documentation suggests for processes that fork workers): later full
collections walk only what the worker made since. What was alive at startup and becomes garbage later is then
never collected (rare: module-level objects live as long as the process).
"""

from __future__ import annotations

import gc
from typing import Any

from celery.signals import worker_process_init, worker_ready

DISPATCH_UID = "nautobot_ssot_freeze_worker_startup_heap"


def freeze_startup_heap(**kwargs: Any) -> None:
    """Collect once, then leave every object alive now out of later collections (``gc.freeze()``)."""
    gc.collect()
    gc.freeze()


def freeze_worker_heaps(enabled: bool) -> None:
    """Freeze the heap of each Celery worker process when it starts, when ``enabled``.

    ``worker_process_init`` reaches every child of a prefork pool; ``worker_ready`` the process of a pool without
    children (solo, threads).
    """
    for signal in (worker_process_init, worker_ready):
        if enabled:
            signal.connect(freeze_startup_heap, weak=False, dispatch_uid=DISPATCH_UID)
        else:
            signal.disconnect(freeze_startup_heap, dispatch_uid=DISPATCH_UID)
