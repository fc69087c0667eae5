"""Benchmark the contrib write paths end to end: 4.x-style, default and bulk, and the floor, side by side.

Run it with ``invoke benchmark`` (or ``python development/benchmark.py --sites 5000``, ``--workload network
--devices 60``). It works in a database of its own, ``ssot_benchmark`` on the configured server, created from the
test template database (``nautobot_ssot_test_template``, or ``nautobot`` when there is none) and migrated;
``--database`` names another one. Nothing is written to the development database.

Two workloads: **sites** (N sites as Locations under regions, tenants in a tenant group, tags, a custom field)
and **network** (N devices with components from their device type, 16 interfaces each with an IP address,
a prefix and a VLAN per device; see ``benchmark_network``). Four phases run for each path, from an empty target:

- create: every object is new;
- no-op: the same data again (load both sides and diff; nothing to write);
- update: 10% of the objects changed;
- delete: 10% removed.

The paths: **standard** (4.x-style: ``validated_save()`` per object and a change record per save), **default**
(the same saves, change records written per batch) and **bulk** run the way a job runs them: source and target
adapters, the diff, and the job's syncer (``nautobot_ssot.sync.executor.apply_diff``) inside a job change context
that closes at the end of the phase, so the dispatch of webhooks, job hooks and events Nautobot does then is
measured too. The **floor** (sites workload only) writes the same rows with plain ``bulk_create``/``bulk_update``/
queryset ``delete()``, without validation or change records, and for the no-op phase reads the same rows and
columns as the load path. All paths run in one process, one after the other, so the ratios between them hold on a
busy machine. Before each path (and each repetition, with ``--repeat``) the benchmark's rows are removed and the
tables they were in are vacuumed and the server checkpointed (not measured), so that no path pays for another's
leftovers; with ``--repeat N`` each path runs N times and the table keeps the fastest run of each phase. Each
phase starts right after a full collection of Python's garbage collector (not measured either), and the table gives
each phase's share of the process's full collections besides those that fell in it (``CollectorWatch``).
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
TEMPLATES = ("nautobot_ssot_test_template", "nautobot")
PHASES = ("create", "no-op", "update", "delete")
PATHS = ("standard", "default", "bulk", "floor")


@dataclass
class Measure:
    """What one phase of one path cost.

    Attributes:
        seconds: Wall-clock time.
        objects: Objects the phase wrote (or, for the no-op phase, read).
        queries: Database queries.
        peak_mb: Peak resident memory above the level at the start of the phase, in MiB.
        gc_seconds: Time Python's cyclic garbage collector ran during the phase (included in ``seconds``).
        full_collections: Collections of the oldest generation (a walk of every object of the process) among them.
        full_seconds: The time of those full collections (included in ``gc_seconds``).
        promoted: Objects the phase's collections moved into the oldest generation.
        full_share: The phase's share of the process's full collections, in seconds (``CollectorState.share``).
    """

    seconds: float
    objects: int
    queries: int
    peak_mb: float
    gc_seconds: float = 0.0
    full_collections: int = 0
    full_seconds: float = 0.0
    promoted: int = 0
    full_share: float = 0.0

    @property
    def rate(self) -> float:
        """Objects per second."""
        return self.objects / self.seconds if self.seconds else 0.0

    @property
    def shared_rate(self) -> float:
        """Objects per second, with the phase's share of full collections in place of those that fell in it."""
        seconds = self.seconds - self.full_seconds + self.full_share
        return self.objects / seconds if seconds > 0 else 0.0


@dataclass
class MemoryWatch:
    """Samples the resident memory of this process in a thread and keeps the peak.

    Attributes:
        start: Resident memory when watching began, in bytes.
        peak: Highest resident memory seen, in bytes.
    """

    start: int = 0
    peak: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    @contextmanager
    def watching(self) -> Iterator[MemoryWatch]:
        """Sample every 5 ms inside the block."""
        import psutil  # noqa: PLC0415  (a development dependency, imported once Django is set up)

        process = psutil.Process()
        self.start = self.peak = process.memory_info().rss

        def sample() -> None:
            while not self._stop.wait(0.005):
                self.peak = max(self.peak, process.memory_info().rss)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()
            self.peak = max(self.peak, process.memory_info().rss)


@dataclass
class CollectorWatch:
    """Adds up the time Python's cyclic garbage collector runs inside a block, and counts its full collections.

    A phase that allocates many objects which live on (adapters, diff) makes the collector walk the whole process
    now and then (every object of Nautobot included): which phase pays that depends on what ran before it. So the
    watch also counts the objects the block's collections move into the oldest generation (``promoted``): Python
    runs a full collection once those exceed a quarter of the oldest generation, whichever phase moved them.

    Attributes:
        seconds: Time spent collecting.
        full: Collections of the oldest generation.
        full_seconds: Time spent in those.
        promoted: Objects moved into the oldest generation (survivors of the middle generation's collections).
    """

    seconds: float = 0.0
    full: int = 0
    full_seconds: float = 0.0
    promoted: int = 0
    _started: float = 0.0
    _young: int = 0

    @contextmanager
    def watching(self) -> Iterator[CollectorWatch]:
        """Watch the collections that run inside the block (``gc.callbacks``)."""
        gc.callbacks.append(self._note)
        try:
            yield self
        finally:
            gc.callbacks.remove(self._note)

    def _note(self, phase: str, info: dict[str, int]) -> None:
        generation = info["generation"]
        if phase == "start":
            self._young = len(gc.get_objects(0)) + len(gc.get_objects(1)) if generation == 1 else 0
            self._started = time.perf_counter()
            return
        seconds = time.perf_counter() - self._started
        self.seconds += seconds
        if generation == 2:  # noqa: PLR2004  (the oldest generation)
            self.full += 1
            self.full_seconds += seconds
        elif generation == 1:
            self.promoted += max(0, self._young - info["collected"])


@dataclass(frozen=True)
class CollectorState:
    """The collector right after a full collection: what one costs, and how many objects it leaves in the oldest.

    Attributes:
        seconds: Time of that full collection.
        oldest: Objects in the oldest generation after it.
    """

    seconds: float
    oldest: int

    def share(self, promoted: int) -> float:
        """Seconds of full collections that ``promoted`` objects bring about, spread evenly over what moves them.

        Python collects the oldest generation when the objects moved into it since its last collection exceed a
        quarter of those it held then, so each moved object brings a full collection ``4 / oldest`` nearer.
        """
        return promoted * 4 / self.oldest * self.seconds if self.oldest else 0.0


def settle_collector() -> CollectorState:
    """Run a full collection (not measured), so that every phase starts with none due; say what it cost."""
    start = time.perf_counter()
    gc.collect()
    return CollectorState(time.perf_counter() - start, len(gc.get_objects(2)))


def prepare_database(name: str, fresh: bool) -> None:
    """Create the benchmark database from a template on the configured server (unless it exists), then use it."""
    import psycopg2  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415

    config = connection.settings_dict
    server = {"host": config["HOST"], "port": config["PORT"], "user": config["USER"], "password": config["PASSWORD"]}
    admin = psycopg2.connect(dbname="postgres", **{key: value for key, value in server.items() if value})
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database")
        existing = {row[0] for row in cursor.fetchall()}
        if fresh and name in existing:
            cursor.execute(f'DROP DATABASE "{name}"')
            existing.discard(name)
        if name not in existing:
            template = next(template for template in TEMPLATES if template in existing)
            print(f"Creating database {name} from {template}...")
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    admin.close()
    connection.close()
    config["NAME"] = name


def setup_django(database: str, fresh: bool) -> None:
    """Set up Nautobot with the development configuration, then create, use and migrate the benchmark database."""
    os.environ.setdefault("NAUTOBOT_CONFIG", str(REPOSITORY / "development" / "nautobot_config.py"))
    os.environ.setdefault("NAUTOBOT_DEBUG", "False")
    sys.path.insert(0, str(REPOSITORY))
    import nautobot  # noqa: PLC0415

    nautobot.setup(os.environ["NAUTOBOT_CONFIG"])
    prepare_database(database, fresh)
    from django.core.management import call_command  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    import structlog  # noqa: PLC0415

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def main() -> None:
    """Parse the options, prepare the database and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=("sites", "network"), default="sites", help="data set (default sites)")
    parser.add_argument("--sites", type=int, default=5000, help="number of sites (default 5000)")
    parser.add_argument("--devices", type=int, default=60, help="number of devices of the network workload (60)")
    parser.add_argument("--paths", default=",".join(PATHS), help="comma-separated paths to run")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each path; the fastest of each phase is kept")
    parser.add_argument("--database", default="ssot_benchmark", help="database to run in (created if missing)")
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database first")
    parser.add_argument(
        "--freeze-startup-heap",
        action="store_true",
        help="freeze the heap once set up, as a worker does with the app setting freeze_worker_startup_heap",
    )
    options = parser.parse_args()
    setup_django(options.database, options.fresh)
    if options.freeze_startup_heap:
        from nautobot_ssot.utils.heap import freeze_startup_heap  # noqa: PLC0415  (needs Django set up)

        freeze_startup_heap()
    from benchmark_sync import run  # noqa: PLC0415  (needs Django set up)

    size = options.devices if options.workload == "network" else options.sites
    run(size, [path for path in options.paths.split(",") if path], max(1, options.repeat), options.workload)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
