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
from nautobot_ssot.contrib.kinds import ForeignKeyKind

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
    """Read what the load path reads, as plain rows: its own SQL, the related objects, then the tags.

    Each model's load queryset (``BenchAdapter.get_load_queryset``) runs as a plain cursor query, so the rows
    and columns are exactly those the load path fetches, without building model instances; the objects its
    foreign keys point to are read as rows with one query per relation, as the load path prefetches them, and
    the tags of the same objects with one ``values_list`` query per model. The garbage collector is paused
    during the read, as it is while the load path loads.
    """
    with collection_paused():
        read_load_rows(BenchAdapter(job=None))


def read_load_rows(adapter: BenchAdapter) -> None:
    """Run each model's load SQL as a plain cursor query, then read its related objects and tags as plain rows."""
    for modelname in adapter.top_level:
        model_class = getattr(adapter, modelname)
        rows = plain_rows(adapter.get_load_queryset(model_class))
        joins = [
            join for kind in model_class.field_plan().kinds if isinstance(kind, ForeignKeyKind) for join in kind.joins
        ]
        read_related_rows(model_class._model, rows, joins)
        content_type = ContentType.objects.get_for_model(model_class._model)
        tags = TaggedItem.objects.filter(content_type=content_type, object_id__in=[row[0] for row in rows])
        list(tags.values_list("object_id", "tag__name"))


def plain_rows(queryset: Any) -> list[tuple]:
    """Run a queryset's SQL as a plain cursor query and return the rows."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def read_related_rows(model: type, rows: list[tuple], joins: list[str]) -> None:
    """Read the rows of the objects the foreign keys of ``rows`` point to, one query per relation path.

    This is what the load path's prefetches read (``tenant``, then ``tenant__tenant_group`` from those rows).
    """
    fetched = {"": (model, rows)}
    for path in sorted(set(joins), key=lambda join: join.count("__")):
        parent_path, _, name = path.rpartition("__")
        parent_model, parent_rows = fetched[parent_path]
        foreign_key = parent_model._meta.get_field(name)
        column = parent_model._meta.concrete_fields.index(foreign_key)
        ids = {row[column] for row in parent_rows if row[column] is not None}
        related = foreign_key.related_model
        fetched[path] = (related, plain_rows(related._base_manager.filter(pk__in=ids)))


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
