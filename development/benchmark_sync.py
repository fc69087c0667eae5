"""The sites workload, its contrib models, and the write paths of ``benchmark.py`` (needs Django set up)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, replace
from typing import Annotated, Any, Optional

from benchmark import PHASES, CollectorWatch, Measure, MemoryWatch, settle_collector
from diffsync import Adapter
from diffsync.enum import DiffSyncFlags
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, reset_queries
from nautobot.dcim.models import Location, LocationType
from nautobot.extras.choices import CustomFieldTypeChoices, ObjectChangeEventContextChoices
from nautobot.extras.context_managers import web_request_context
from nautobot.extras.models import CustomField, ObjectChange, Tag, TaggedItem
from nautobot.tenancy.models import Tenant, TenantGroup
from nautobot.users.models import User

from nautobot_ssot.contrib import CustomFieldAnnotation, NautobotAdapter, NautobotModel
from nautobot_ssot.contrib.bulk.dispatch import fast_dispatch
from nautobot_ssot.contrib.cache import collection_paused
from nautobot_ssot.contrib.typeddicts import TagDict
from nautobot_ssot.sync.diffs import CompactDiff
from nautobot_ssot.sync.executor import apply_diff

PREFIX = "bench"
TAGS = (f"{PREFIX}-gold", f"{PREFIX}-silver", f"{PREFIX}-bronze")
Records = dict[str, list[dict[str, Any]]]
JOB_FLAGS = DiffSyncFlags.CONTINUE_ON_FAILURE | DiffSyncFlags.LOG_UNCHANGED_RECORDS
"""The diffsync flags a sync job runs with (unchanged objects are logged, so that the run counts them)."""


class BenchTenant(NautobotModel):
    """A tenant of the benchmark."""

    _model = Tenant
    _modelname = "tenant"
    _identifiers = ("name",)
    _attributes = ("tenant_group__name", "tags")

    name: str
    tenant_group__name: Optional[str] = None
    tags: list[TagDict] = []

    @classmethod
    def get_queryset(cls):
        """Only the benchmark's tenants."""
        return Tenant.objects.filter(name__startswith=PREFIX)


class BenchLocation(NautobotModel):
    """A region or site of the benchmark."""

    _model = Location
    _modelname = "location"
    _identifiers = ("name",)
    _attributes = ("location_type__name", "parent__name", "status__name", "tenant__name", "description", "tags", "code")

    name: str
    location_type__name: str
    parent__name: Optional[str] = None
    status__name: str = "Active"
    tenant__name: Optional[str] = None
    description: str = ""
    tags: list[TagDict] = []
    code: Annotated[Optional[str], CustomFieldAnnotation(key=f"{PREFIX}_code")] = None

    @classmethod
    def get_queryset(cls):
        """Only the benchmark's locations."""
        return Location.objects.filter(location_type__name__startswith=PREFIX)


class BenchAdapter(NautobotAdapter):
    """The Nautobot side."""

    tenant = BenchTenant
    location = BenchLocation
    top_level = ("tenant", "location")


class BenchSource(Adapter):
    """The synthetic source."""

    tenant = BenchTenant
    location = BenchLocation
    top_level = ("tenant", "location")


def records(sites: int, phase: str) -> Records:
    """Return the source data of a phase: regions, sites and tenants; later phases change and remove sites."""
    regions, tenants = max(1, sites // 100), max(1, sites // 10)
    data: Records = {
        "tenant": [
            {"name": f"{PREFIX}-tenant-{i}", "tenant_group__name": f"{PREFIX}-customers", "tags": [{"name": TAGS[0]}]}
            for i in range(tenants)
        ],
        "location": [
            {"name": f"{PREFIX}-region-{r}", "location_type__name": f"{PREFIX}-region"} for r in range(regions)
        ],
    }
    for number in range(sites):
        if phase == "delete" and number % 10 == 5:
            continue
        changed = phase in ("update", "delete") and number % 10 == 0
        site = {
            "name": f"{PREFIX}-site-{number}",
            "location_type__name": f"{PREFIX}-site",
            "parent__name": f"{PREFIX}-region-{number % regions}",
            "tenant__name": f"{PREFIX}-tenant-{number % tenants}",
            "description": "changed" if changed else f"site {number}",
            "tags": [{"name": TAGS[2]}] if changed else [{"name": TAGS[number % 2]}],
            "code": f"C{number}-new" if changed else f"C{number}",
        }
        data["location"].append(site)
    return data


def make_fixtures() -> User:
    """Create the location types, tenant group, tags, custom field and user the data refers to."""
    location_ct = ContentType.objects.get_for_model(Location)
    region, _ = LocationType.objects.get_or_create(name=f"{PREFIX}-region")
    site, _ = LocationType.objects.get_or_create(name=f"{PREFIX}-site", defaults={"parent": region})
    for location_type in (region, site):
        location_type.content_types.add(location_ct)
    TenantGroup.objects.get_or_create(name=f"{PREFIX}-customers")
    for name in TAGS:
        tag, _ = Tag.objects.get_or_create(name=name)
        tag.content_types.add(location_ct, ContentType.objects.get_for_model(Tenant))
    custom_field, _ = CustomField.objects.get_or_create(
        key=f"{PREFIX}_code", defaults={"label": "Bench code", "type": CustomFieldTypeChoices.TYPE_TEXT}
    )
    custom_field.content_types.add(location_ct)
    return User.objects.get_or_create(username=f"{PREFIX}-user")[0]


def clean_up() -> None:
    """Remove every benchmark object and change record (not measured)."""
    sites = Location.objects.filter(location_type__name=f"{PREFIX}-site")
    sites.delete()
    Location.objects.filter(location_type__name=f"{PREFIX}-region").delete()
    Tenant.objects.filter(name__startswith=PREFIX).delete()
    ObjectChange.objects.filter(user_name=f"{PREFIX}-user").delete()


@dataclass
class QueryCounter:
    """Counts the queries run through the default connection.

    Attributes:
        count: Queries so far.
    """

    count: int = 0

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        """Count one query and run it."""
        self.count += 1
        return execute(sql, params, many, context)


@contextmanager
def measured(objects: int) -> Iterator[list[Measure]]:
    """Measure the block; the Measure is appended to the yielded list when it ends.

    A full collection runs first (not measured, ``settle_collector``): the block then pays for the full collections
    its own objects bring about, not for those earlier phases made due, and its share of them is estimated.
    """
    result: list[Measure] = []
    counter = QueryCounter()
    watch = MemoryWatch()
    collector = CollectorWatch()
    state = settle_collector()
    reset_queries()
    with watch.watching(), collector.watching(), connection.execute_wrapper(counter):
        start = time.perf_counter()
        yield result
        seconds = time.perf_counter() - start
    peak = (watch.peak - watch.start) / 2**20
    gc_figures = (collector.seconds, collector.full, collector.full_seconds, collector.promoted)
    result.append(Measure(seconds, objects, counter.count, peak, *gc_figures, state.share(collector.promoted)))


def phase_size(sites: int, phase: str) -> int:
    """Objects a phase writes (or, for the no-op phase, reads)."""
    regions, tenants = max(1, sites // 100), max(1, sites // 10)
    if phase in ("create", "no-op"):
        return sites + regions + tenants
    return len(range(0, sites, 10)) if phase == "update" else len(range(5, sites, 10))


PATH_OPTIONS: dict[str, dict[str, bool]] = {
    "standard": {"bulk": False, "deferred_change_records": False},
    "default": {"bulk": False},
    "bulk": {"bulk": True},
}
"""The target adapter's options of each path: 4.x-style (a change record per save), the default, the bulk path."""


@dataclass(frozen=True)
class Workload:
    """A data set the paths are measured on.

    Attributes:
        name: What the table calls it.
        source: The source adapter class.
        target: The target adapter class.
        records: The source data of a phase, for a size.
        phase_size: Objects a phase writes (or reads), for a size.
        tables: Models whose tables are vacuumed between paths.
    """

    name: str
    source: type[Adapter]
    target: type[NautobotAdapter]
    records: Callable[[int, str], Records]
    phase_size: Callable[[int, str], int]
    tables: tuple[type, ...]


SITES = Workload("sites", BenchSource, BenchAdapter, records, phase_size, (Location, Tenant, TaggedItem))


def sync_phase(workload: Workload, data: Records, path: str, user: User) -> int:
    """Load both sides and diff (with the garbage collector paused), then apply as a job does; return the failures.

    The diff is a ``CompactDiff``, as a job's. It runs in a job change context that closes at the end, as a job's
    does: Nautobot then dispatches the webhooks, job hooks and events of every change record of the run, which is
    part of the measure. As a job of this app runs, the default and bulk paths have that dispatch read per chunk of
    records (``fast_dispatch``); the standard path is measured as 4.x runs, with the dispatch reading per record.
    """
    dispatch = nullcontext() if path == "standard" else fast_dispatch()
    with dispatch, web_request_context(user, context=ObjectChangeEventContextChoices.CONTEXT_JOB):
        with collection_paused():
            source = workload.source()
            for modelname, rows in data.items():
                model_class = getattr(source, modelname)
                for row in rows:
                    source.add(model_class(**row))
            target = workload.target(job=None, **PATH_OPTIONS[path])
            target.load()
            diff = source.diff_to(target, flags=JOB_FLAGS, diff_class=CompactDiff)
        return apply_diff(source, target, diff, JOB_FLAGS).failed


def run_sync_path(workload: Workload, size: int, path: str, user: User) -> dict[str, Measure]:
    """Run the four phases through one path."""
    results = {}
    for phase in PHASES:
        data = workload.records(size, "create" if phase == "no-op" else phase)
        with measured(workload.phase_size(size, phase)) as result:
            failed = sync_phase(workload, data, path, user)
        if failed:
            print(f"  warning: {failed} objects failed in {phase}")
        results[phase] = result[0]
    return results


def run(size: int, paths: list[str], repeat: int = 1, workload_name: str = "sites") -> None:
    """Run the chosen paths (each ``repeat`` times, keeping the fastest run of each phase) and print the table."""
    from benchmark_floor import run_floor  # noqa: PLC0415
    from benchmark_network import NETWORK  # noqa: PLC0415

    workload = NETWORK if workload_name == "network" else SITES
    user = make_fixtures()
    workload_fixtures(workload)
    clean_all(workload)
    table: dict[str, dict[str, Measure]] = {}
    for path in paths:
        for attempt in range(repeat):
            print(f"Running the {path} path on {size} {workload.name} ({attempt + 1} of {repeat})...", flush=True)
            if path == "floor" and workload is not SITES:
                print("  the floor is only measured on the sites workload")
                break
            results = run_floor(size, records) if path == "floor" else run_sync_path(workload, size, path, user)
            table[path] = fastest(table.get(path, {}), results)
            clean_all(workload)
    print_table(size, table, repeat, workload.name)


def workload_fixtures(workload: Workload) -> None:
    """Create what the network workload refers to (the sites workload's fixtures are made by ``make_fixtures``)."""
    if workload.name == "devices":
        from benchmark_network import make_fixtures as make_network_fixtures  # noqa: PLC0415

        make_network_fixtures()


def clean_all(workload: Workload) -> None:
    """Remove the workload's objects and records, then vacuum (not measured)."""
    if workload.name == "devices":
        from benchmark_network import clean_up as clean_network  # noqa: PLC0415

        clean_network(f"{PREFIX}-user")
    else:
        clean_up()
    settle(workload.tables)


def fastest(best: dict[str, Measure], results: dict[str, Measure]) -> dict[str, Measure]:
    """Keep, per phase, the faster of the best run so far and this one, with the higher of their memory peaks.

    A later run starts in a process whose memory has already grown, so its own peak says less than the first's.
    """
    kept = {}
    for phase, measure in results.items():
        previous = best.get(phase)
        if previous is None:
            kept[phase] = measure
            continue
        faster = min(previous, measure, key=lambda m: m.seconds)
        kept[phase] = replace(faster, peak_mb=max(previous.peak_mb, measure.peak_mb))
    return kept


def settle(models: tuple[type, ...] = ()) -> None:
    """Vacuum the tables the paths write and checkpoint the server, so that no path pays for another's (not measured).

    A path leaves dead rows behind (its objects and change records are deleted after it), which the server's
    autovacuum would otherwise clean up during the next path. ``CHECKPOINT`` needs a superuser (or, on
    PostgreSQL 15, the ``pg_checkpoint`` role); without one it is skipped.
    """
    tables = ", ".join(
        connection.ops.quote_name(model._meta.db_table)
        for model in dict.fromkeys((*models, Location, Tenant, TaggedItem, ObjectChange))
    )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {tables}")
        with suppress(DatabaseError):
            cursor.execute("CHECKPOINT")


def print_table(size: int, table: dict[str, dict[str, Measure]], repeat: int = 1, unit: str = "sites") -> None:
    """Print one row per phase and path, and the ratios the performance page quotes."""
    runs = f", fastest of {repeat} runs per phase" if repeat > 1 else ""
    print(f"\nN = {size} {unit}{runs}")
    header = f"{'objects':>8} {'seconds':>9} {'objects/s':>10} {'queries':>8} {'peak MiB':>9}"
    print(f"{'phase':<8} {'path':<9} {header} {'gc s':>6} {'full gc':>7} {'promoted':>9} {'share s':>7}")
    for phase in PHASES:
        for path, results in table.items():
            m = results[phase]
            figures = f"{m.objects:>8} {m.seconds:>9.2f} {m.rate:>10.0f} {m.queries:>8} {m.peak_mb:>9.1f}"
            collector = f"{m.gc_seconds:>6.2f} {m.full_collections:>7} {m.promoted:>9} {m.full_share:>7.2f}"
            print(f"{phase:<8} {path:<9} {figures} {collector}")
    if "standard" in table:
        print_ratios(table, lambda m: m.rate, "ratios (objects/s) to the standard (4.x-style) path")
        shared_title = "the same, with each phase's share of full collections in place of those that fell in it"
        print_ratios(table, lambda m: m.shared_rate, shared_title)


def print_ratios(table: dict[str, dict[str, Measure]], rate: Callable[[Measure], float], title: str) -> None:
    """Print each path's ``rate`` over the standard path's, per phase."""
    others = [path for path in table if path not in ("standard", "floor")]
    print(f"\n{title}: {', '.join(others)}")
    for phase in PHASES:
        standard = rate(table["standard"][phase])
        print(f"{phase:<8} " + " ".join(f"{rate(table[path][phase]) / standard:>8.1f}x" for path in others))
