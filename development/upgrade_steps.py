"""Steps of the upgrade check that run inside Nautobot (see ``upgrade_check.py``).

``record`` runs under nautobot-ssot 4.7.0 and stores syncs through its models; ``verify`` runs under this
app and reads them back. The facts that ``record`` writes (ids, counts, URL paths and REST field names as
4.7.0 serves them) are what ``verify`` compares against::

    python development/upgrade_steps.py createdb|dropdb <name>
    python development/upgrade_steps.py clean nautobot_ssot
    python development/upgrade_steps.py record|verify <facts.json>
    python development/upgrade_steps.py forget|unchanged <migration name>
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

import nautobot

if sys.argv[1:2] in (["createdb"], ["dropdb"]):
    os.environ["NAUTOBOT_DB_NAME"] = "postgres"  # the maintenance database: the check's own may not exist
nautobot.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from nautobot.extras.choices import JobExecutionType, JobResultStatusChoices  # noqa: E402
from nautobot.extras.models import Job, JobResult, ScheduledJob  # noqa: E402

from nautobot_ssot.models import Sync, SyncLogEntry  # noqa: E402  (4.7.0's or ours, by the step)

TEMPLATE = "nautobot_ssot_test_template"
EXAMPLE = {"module_name": "nautobot_ssot.jobs.examples", "job_class_name": "ExampleDataSource"}
USERNAME = "upgrade-check"
BIG_CREATES, BIG_UPDATES = 2500, 1000
URL_NAMES = ("dashboard", "sync_list", "synclogentry_list", "config", "docs")
SYNC_URL_NAMES = ("sync", "sync_diff", "sync_logentries", "sync_jobresult")


def server_sql(sql: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE)."""
    with connection.cursor() as cursor:
        cursor.execute("COMMIT")
        cursor.execute(sql)


def createdb(name: str) -> None:
    """Create the check's database fresh, cloned from the test template when there is one."""
    server_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [TEMPLATE])
        has_template = cursor.fetchone() is not None
    server_sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{TEMPLATE}"' if has_template else ""))
    print(f"database {name} " + ("cloned from the test template" if has_template else "created empty"))


def clean(name: str) -> None:
    """Remove the Job records of this app that the test template may carry: a 4.x database has none of them."""
    deleted, _ = Job.objects.filter(module_name__startswith=f"{name}.").delete()
    print(f"removed {deleted} records of {name} jobs left in the template")


def big_diff() -> dict:
    """A 4.x-style diff (diffsync's ``Diff.dict()``) with thousands of records and a parent with children."""
    tenants = {f"tenant-{i}": {"+": {"description": f"created {i}"}} for i in range(BIG_CREATES)}
    sites = {
        f"site-{i}": {
            "+": {"description": "new"},
            "-": {"description": "old"},
            "prefix": {f"10.{i % 250}.0.0/24": {"-": {}}},
        }
        for i in range(BIG_UPDATES)
    }
    return {"tenant": tenants, "location": sites}


def job_result(job: Job, user) -> JobResult:
    """A finished job result of the example job."""
    return JobResult.objects.create(
        name=job.name,
        job_model=job,
        task_name=job.class_path,
        user=user,
        status=JobResultStatusChoices.STATUS_SUCCESS,
        date_done=timezone.now(),
    )


def record(path: Path) -> None:
    """Store a real run (big diff, log entries), a dry run and a schedule through 4.7.0's models."""
    user = get_user_model().objects.create_superuser(USERNAME, "check@example.com", "x")
    job = Job.objects.get(**EXAMPLE)
    job.enabled = True
    job.save()
    start = timezone.now() - timedelta(minutes=5)
    real = Sync.objects.create(
        source="Example Remote",
        target="Nautobot",
        start_time=start,
        dry_run=False,
        diff=big_diff(),
        summary={"create": BIG_CREATES, "update": BIG_UPDATES, "delete": BIG_UPDATES, "no-change": 0, "skip": 0},
        job_result=job_result(job, user),
        source_load_time=timedelta(seconds=3),
        sync_time=timedelta(seconds=40),
    )
    SyncLogEntry.objects.bulk_create(
        SyncLogEntry(
            sync=real, action="create", status="success", object_repr=f"tenant-{i}", diff={"+": {}}, message="Created"
        )
        for i in range(BIG_CREATES)
    )
    dry = Sync.objects.create(
        source="Example Remote",
        target="Nautobot",
        start_time=start + timedelta(minutes=1),
        dry_run=True,
        diff={"tenant": {"tenant-dry": {"+": {"description": "dry"}}}},
        summary=None,
        job_result=job_result(job, user),
    )
    schedule = ScheduledJob.create_schedule(
        job,
        user,
        name="Hourly example sync",
        interval=JobExecutionType.TYPE_HOURLY,
        start_time=timezone.now() + timedelta(hours=1),
        job_kwargs={"dryrun": True},
    )
    facts = {
        "real": str(real.pk),
        "dry": str(dry.pk),
        "schedule": str(schedule.pk),
        "syncs": Sync.objects.count(),
        "logs": SyncLogEntry.objects.count(),
        "urls": served_urls(real, job),
        "api": api_fields(user, real),
    }
    path.write_text(json.dumps(facts))
    print(f"recorded {facts['syncs']} syncs and {facts['logs']} log entries; schedule {schedule.name!r}")


def served_urls(sync, job: Job) -> dict[str, str]:
    """The path each 4.x UI URL name resolves to."""
    urls = {name: reverse(f"plugins:nautobot_ssot:{name}") for name in URL_NAMES}
    urls.update({name: reverse(f"plugins:nautobot_ssot:{name}", kwargs={"pk": sync.pk}) for name in SYNC_URL_NAMES})
    for side in ("data_source", "data_target"):
        urls[side] = reverse(f"plugins:nautobot_ssot:{side}", kwargs={"class_path": job.class_path})
    return urls


def api_fields(user, sync) -> dict[str, list[str]]:
    """The JSON field names of a sync and of a log entry in the REST API."""
    client = Client()
    client.force_login(user)
    entry = sync.logs.first()
    paths = {
        "sync": reverse("plugins-api:nautobot_ssot-api:sync-detail", kwargs={"pk": sync.pk}),
        "synclogentry": reverse("plugins-api:nautobot_ssot-api:synclogentry-detail", kwargs={"pk": entry.pk}),
    }
    return {name: sorted(get_json(client, path)) for name, path in paths.items()}


def get_json(client: Client, path: str) -> dict:
    """GET a REST path; fail unless it answers 200."""
    response = client.get(path, HTTP_ACCEPT="application/json")
    check(response.status_code == 200, f"GET {path} answered {response.status_code}")
    return response.json()


def check(condition: bool, message: str) -> None:
    """Stop the step with ``message`` unless ``condition`` holds."""
    if not condition:
        sys.exit(f"upgrade check: {message}")
    print(f"ok: {message.split(' answered', maxsplit=1)[0]}")


def forget(name: str) -> None:
    """Remove one nautobot_ssot migration record, as a damaged or partial 4.x database would lack it."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'nautobot_ssot' AND name = %s", [name])


def unchanged(name: str) -> None:
    """Check that the refused migrate changed nothing, then put the removed record back."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        cursor.execute("SELECT name FROM django_migrations WHERE app = 'nautobot_ssot'")
        applied = {row[0] for row in cursor.fetchall()}
        columns = {c.name for c in connection.introspection.get_table_description(cursor, "nautobot_ssot_sync")}
    check("nautobot_ssot_syncdiffrecord" not in tables, "no diff record table was created")
    check("0002_safe_syncs" not in applied and "diff_truncated" not in columns, "no migration of ours ran")
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('nautobot_ssot', %s, now())", [name])


def verify(path: Path) -> None:
    """Read the 4.x records back through this app's models, pages and REST API; record a new sync."""
    facts = json.loads(path.read_text())
    real = Sync.objects.get(pk=facts["real"])
    check(Sync.objects.count() == facts["syncs"] and SyncLogEntry.objects.count() == facts["logs"], "counts kept")
    check(real.diff_records.count() == BIG_CREATES + 2 * BIG_UPDATES, "the 4.x diff became per-record rows")
    check(Sync.objects.filter(log__action="create").distinct().count() == 1, "4.x query names work")
    check(Sync.annotated_queryset().get(pk=real.pk).num_created == BIG_CREATES, "annotated_queryset counts")
    check(Sync.objects.first().pk == real.pk, "4.x ordering: first() is the oldest")
    verify_urls(facts["urls"])
    user = get_user_model().objects.get(username=USERNAME)
    verify_pages(user, facts)
    verify_api(user, real, facts["api"])
    verify_schedule(facts["schedule"])
    verify_new_run()
    verify_leftovers()


def verify_urls(urls: dict[str, str]) -> None:
    """Every 4.x URL name resolves to the path 4.7.0 served."""
    job = Job.objects.get(**EXAMPLE)
    real = Sync.objects.order_by("start_time").first()
    check(served_urls(real, job) == urls, "4.x URL names resolve to the same paths")


def verify_pages(user, facts: dict) -> None:
    """The pages of the 4.x syncs render, their diffs on the diff tab."""
    client = Client()
    client.force_login(user)
    for name, path in facts["urls"].items():
        response = client.get(path)
        check(response.status_code in (200, 302), f"page {name} ({path}) answered {response.status_code}")
    diff_tab = client.get(facts["urls"]["sync_diff"] + "?q=tenant-7")
    check(b"tenant-7" in diff_tab.content, "the diff tab shows a 4.x diff record")


def verify_api(user, real, fields: dict[str, list[str]]) -> None:
    """Our REST API serves every JSON field name that 4.7.0 served."""
    served = api_fields(user, real)
    for name, names in fields.items():
        missing = sorted(set(names) - set(served[name]))
        check(not missing, f"REST fields of {name} kept (missing: {missing})")
    client = Client()
    client.force_login(user)
    get_json(client, reverse("plugins-api:nautobot_ssot-api:sync-notes", kwargs={"pk": real.pk}))


def verify_schedule(schedule_id: str) -> None:
    """The 4.x schedule of the example job runs this app's example job; no duplicate job registered."""
    from nautobot_ssot.jobs.examples import ExampleDataSource  # noqa: PLC0415

    schedule = ScheduledJob.objects.get(pk=schedule_id)
    check(
        schedule.job_model.job_class is ExampleDataSource and schedule.job_model.installed, "the schedule's job is ours"
    )
    check(Job.objects.filter(name__startswith="Example Data Source").count() == 1, "no duplicate example job")


def verify_new_run() -> None:
    """A new sync records its per-record diff, summary and log entries."""
    from diffsync import Adapter, DiffSyncModel  # noqa: PLC0415

    from nautobot_ssot.sync.diffstore import store_diff  # noqa: PLC0415

    class Thing(DiffSyncModel):
        _modelname = "thing"
        _identifiers = ("name",)
        name: str

    class Side(Adapter):
        thing = Thing
        top_level = ["thing"]

    source, target = Side(), Side()
    source.add(Thing(name="new"))
    sync = Sync.objects.create(source="check", target="Nautobot", start_time=timezone.now())
    check(store_diff(sync, target.diff_from(source)) == 1, "a new sync stores its diff")
    SyncLogEntry.objects.create(sync=sync, action="create", status="success", model_name="thing", unique_id="new")
    check(Sync.objects.get(pk=sync.pk).logs.count() == 1, "a new sync records log entries")


def verify_leftovers() -> None:
    """What 4.x left that is not ours is still there."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        cursor.execute("SELECT count(*) FROM django_migrations WHERE app = 'nautobot_ssot' AND name LIKE '0018_%%'")
        (kept,) = cursor.fetchone()
    check("nautobot_ssot_ssotinfobloxconfig" in tables and kept == 1, "4.x integration tables and records left")


def main(argv: list[str]) -> None:
    """Dispatch one step."""
    steps = {"createdb": createdb, "dropdb": lambda name: server_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')}
    steps.update({"forget": forget, "unchanged": unchanged, "clean": clean})
    steps.update({"record": lambda name: record(Path(name)), "verify": lambda name: verify(Path(name))})
    steps[argv[0]](argv[1])


if __name__ == "__main__":
    main(sys.argv[1:])
