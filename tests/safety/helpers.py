"""Helpers of the safety tests: load the safety fixture jobs, build their input, run them, snapshot the data."""

from __future__ import annotations

import importlib.util
import json
import sys
from types import ModuleType

from nautobot.apps.testing import run_job_for_testing
from nautobot.dcim.models import Location, LocationType
from nautobot.extras.models import JobResult, ObjectChange, Status
from nautobot.tenancy.models import Tenant

from nautobot_ssot.models import Sync
from tests.fixtures.jobs import JOBS_ROOT, job_model_for

MODULE = "ssot_safety_jobs"


def safety_module() -> ModuleType:
    """Import the safety fixture jobs the way Nautobot imports a JOBS_ROOT file."""
    if MODULE not in sys.modules:
        spec = importlib.util.spec_from_file_location(MODULE, JOBS_ROOT / f"{MODULE}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[MODULE] = module
        spec.loader.exec_module(module)
    return sys.modules[MODULE]


def safety_job_model(job_class_name: str = "SafetyDataSource"):
    """Register a safety fixture job and return its enabled Job model."""
    return job_model_for(getattr(safety_module(), job_class_name))


def records(tenants=(), locations=()) -> str:
    """The ``records`` job input for these tenants (names or dicts) and locations (dicts)."""
    tenant_rows = [{"name": t} if isinstance(t, str) else t for t in tenants]
    return json.dumps({"tenant": tenant_rows, "location": list(locations)})


def run_safety_job(job_class_name: str = "SafetyDataSource", **job_kwargs) -> JobResult:
    """Run a safety fixture job in this process (a real run unless ``dryrun`` is given); return its JobResult."""
    kwargs = {"dryrun": False, "memory_profiling": False, "records": "{}"}
    kwargs.update(job_kwargs)
    result = run_job_for_testing(safety_job_model(job_class_name), job_kwargs=kwargs)
    result.refresh_from_db()
    return result


def sync_of(job_result: JobResult) -> Sync:
    """The Sync of a run."""
    return Sync.objects.get(job_result=job_result)


def make_site_type() -> LocationType:
    """The location type ``sf-site``, with a ``sf-room`` type under it."""
    site = LocationType.objects.create(name="sf-site")
    LocationType.objects.create(name="sf-room", parent=site)
    return site


def make_location(name: str, **fields) -> Location:
    """An active ``sf-site`` location."""
    site_type = LocationType.objects.get(name="sf-site")
    return Location.objects.create(
        name=name, location_type=site_type, status=Status.objects.get(name="Active"), **fields
    )


def location_row(name: str, **values) -> dict:
    """A source record for an active ``sf-site`` location."""
    return {"name": name, "location_type__name": "sf-site", "status__name": "Active", **values}


def snapshot() -> dict:
    """Every tenant and location in the database, with all their values, and the change log size."""
    return {
        "tenants": sorted(Tenant.objects.values_list("name", "description", "tenant_group_id")),
        "locations": sorted(
            tuple(str(value) for value in row)
            for row in Location.objects.values_list(
                "name",
                "description",
                "facility",
                "asn",
                "contact_email",
                "latitude",
                "tenant__name",
                "parent__name",
                "status__name",
                "location_type__name",
            )
        ),
        "object_changes": ObjectChange.objects.count(),
        "object_change_ids": sorted(str(pk) for pk in ObjectChange.objects.values_list("pk", flat=True)),
    }
