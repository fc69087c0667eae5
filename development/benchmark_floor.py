"""The floor of ``benchmark.py``: the same rows written and read with plain ORM bulk calls (needs Django set up).

No validation, no change records, no diff: what writing these rows costs the database and the ORM at least.
"""

from __future__ import annotations

from typing import Any, Callable

from benchmark import Measure
from benchmark_sync import PREFIX, BenchAdapter, Records, measured, phase_size
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from nautobot.dcim.models import Location, LocationType
from nautobot.extras.models import Status, Tag, TaggedItem
from nautobot.tenancy.models import Tenant, TenantGroup

from nautobot_ssot.contrib.cache import collection_paused

BATCH = 1000


def tag_rows(model: type, objects: list[tuple[Any, list[dict]]], tags: dict[str, Any]) -> list[TaggedItem]:
    """Return the TaggedItem rows of (primary key, tag dictionaries) pairs."""
    content_type = ContentType.objects.get_for_model(model)
    return [
        TaggedItem(content_type=content_type, object_id=pk, tag_id=tags[tag["name"]])
        for pk, items in objects
        for tag in items
    ]


def floor_create(data: Records) -> None:
    """Insert tenants, regions, sites and their tags with bulk_create."""
    types = dict(LocationType.objects.filter(name__startswith=PREFIX).values_list("name", "pk"))
    tags = dict(Tag.objects.filter(name__startswith=PREFIX).values_list("name", "pk"))
    status = Status.objects.get(name="Active").pk
    group = TenantGroup.objects.get(name=f"{PREFIX}-customers").pk
    tenants = [Tenant(name=row["name"], tenant_group_id=group) for row in data["tenant"]]
    Tenant.objects.bulk_create(tenants, batch_size=BATCH)
    tenant_ids = {tenant.name: tenant.pk for tenant in tenants}
    regions = [row for row in data["location"] if row.get("parent__name") is None]
    region_objects = [
        Location(name=row["name"], location_type_id=types[row["location_type__name"]], status_id=status)
        for row in regions
    ]
    Location.objects.bulk_create(region_objects, batch_size=BATCH)
    region_ids = {region.name: region.pk for region in region_objects}
    sites = [row for row in data["location"] if row.get("parent__name") is not None]
    site_objects = [site_object(row, types, status, region_ids, tenant_ids) for row in sites]
    Location.objects.bulk_create(site_objects, batch_size=BATCH)
    rows = tag_rows(Tenant, [(t.pk, row["tags"]) for t, row in zip(tenants, data["tenant"], strict=True)], tags)
    rows += tag_rows(Location, [(s.pk, row["tags"]) for s, row in zip(site_objects, sites, strict=True)], tags)
    TaggedItem.objects.bulk_create(rows, batch_size=BATCH)


def site_object(row: dict, types: dict, status: Any, regions: dict, tenants: dict) -> Location:
    """Build one unsaved site."""
    return Location(
        name=row["name"],
        location_type_id=types[row["location_type__name"]],
        parent_id=regions[row["parent__name"]],
        status_id=status,
        tenant_id=tenants[row["tenant__name"]],
        description=row["description"],
        _custom_field_data={f"{PREFIX}_code": row["code"]},
    )


def floor_read(data: Records) -> None:
    """Read what the load path reads, as plain rows: its own SQL (same rows, joins and columns), then the tags.

    Each model's load queryset (``BenchAdapter.get_load_queryset``) runs as a plain cursor query, so the rows
    and columns are exactly those the load path fetches, without building model instances; the tags of the
    same objects are read with one ``values_list`` query per model, where the load path prefetches them. The
    garbage collector is paused during the read, as it is while the load path loads.
    """
    with collection_paused():
        read_load_rows(BenchAdapter(job=None))


def read_load_rows(adapter: BenchAdapter) -> None:
    """Run each model's load SQL as a plain cursor query, then read the tags of the rows."""
    for modelname in adapter.top_level:
        model_class = getattr(adapter, modelname)
        sql, params = adapter.get_load_queryset(model_class).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            pks = [row[0] for row in cursor.fetchall()]
        content_type = ContentType.objects.get_for_model(model_class._model)
        tags = TaggedItem.objects.filter(content_type=content_type, object_id__in=pks)
        list(tags.values_list("object_id", "tag__name"))


def floor_update(data: Records) -> None:
    """Write the changed sites' columns with bulk_update and replace their tags."""
    changed = {row["name"]: row for row in data["location"] if row.get("description") == "changed"}
    pks = dict(Location.objects.filter(name__in=changed).values_list("name", "pk"))
    objects = [
        Location(pk=pks[name], description=row["description"], _custom_field_data={f"{PREFIX}_code": row["code"]})
        for name, row in changed.items()
    ]
    Location.objects.bulk_update(objects, ["description", "_custom_field_data"], batch_size=BATCH)
    content_type = ContentType.objects.get_for_model(Location)
    TaggedItem.objects.filter(content_type=content_type, object_id__in=pks.values()).delete()
    tags = dict(Tag.objects.filter(name__startswith=PREFIX).values_list("name", "pk"))
    TaggedItem.objects.bulk_create(tag_rows(Location, [(pks[n], r["tags"]) for n, r in changed.items()], tags))


def floor_delete(data: Records) -> None:
    """Delete the sites missing from the data with one queryset delete."""
    kept = {row["name"] for row in data["location"]}
    sites = Location.objects.filter(location_type__name=f"{PREFIX}-site")
    sites.exclude(name__in=kept).delete()


def run_floor(sites: int, records: Callable[[int, str], Records]) -> dict[str, Measure]:
    """Run the four phases with plain ORM calls."""
    steps = {"create": floor_create, "no-op": floor_read, "update": floor_update, "delete": floor_delete}
    results = {}
    for phase, step in steps.items():
        data = records(sites, "create" if phase == "no-op" else phase)
        with measured(phase_size(sites, phase)) as result:
            step(data)
        results[phase] = result[0]
    return results
