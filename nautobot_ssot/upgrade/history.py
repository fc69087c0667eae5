"""This app's migration records: what nautobot-ssot 4.x left, and whether this version can adopt it."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.management.base import CommandError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

APP_LABEL = "nautobot_ssot"

CORE_4X = frozenset(
    {
        "0001_initial",
        "0002_performance_metrics",
        "0003_alter_synclogentry_textfields",
        "0004_sync_summary",
        "0005_django_json_encoder",
        "0008_auto_20240110_1019",
        "0011_alter_sync_job_result",
        "0014_alter_sync_start_time_alter_synclogentry_timestamp",
        "0016_alter_sync_options",
    }
)
"""The nautobot-ssot 4.x migrations that shaped the sync and log entry tables (4.7.0 has them all)."""

INTEGRATIONS_4X = frozenset(
    {
        "0006_ssotservicenowconfig",
        "0007_replace_dashed_custom_fields",
        "0009_ssotconfig_ssotinfobloxconfig",
        "0010_automationgatewaymodel",
        "0012_ssotinfobloxconfig_infoblox_network_view_to_namespace_map",
        "0013_update_solarwinds_customfields",
        "0015_ssotvsphereconfig",
        "0017_ssotvsphereconfig_sync_vsphere_tags",
        "0018_ssotinfobloxconfig_infoblox_location_ext_attr",
    }
)
"""The nautobot-ssot 4.x migrations of its bundled vendor integrations: left as they are."""

CORE_TABLES = ("nautobot_ssot_sync", "nautobot_ssot_synclogentry")

RETRY_ADVICE = "Nothing was changed; run `nautobot-server migrate` again once that is done."


@dataclass(frozen=True)
class MigrationHistory:
    """The records of this app's migrations in one database, next to the migrations this version ships."""

    applied: frozenset[str]
    ours: frozenset[str]
    tables: frozenset[str]

    @property
    def foreign(self) -> frozenset[str]:
        """Applied migrations this version does not ship (those of nautobot-ssot 4.x, or unknown ones)."""
        return self.applied - self.ours

    @property
    def from_4x(self) -> bool:
        """Whether nautobot-ssot 4.x migrated this database."""
        return bool(self.foreign & (CORE_4X | INTEGRATIONS_4X))


def read_history(connection: BaseDatabaseWrapper) -> MigrationHistory:
    """Read this app's applied migrations, the migrations on disk and the app's tables.

    Args:
        connection: The database about to be migrated.

    Returns:
        What the database records and holds.
    """
    applied = {name for app, name in MigrationRecorder(connection).applied_migrations() if app == APP_LABEL}
    ours = {name for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations if app == APP_LABEL}
    with connection.cursor() as cursor:
        tables = {table for table in connection.introspection.table_names(cursor) if table.startswith(APP_LABEL)}
    return MigrationHistory(frozenset(applied), frozenset(ours), frozenset(tables))


def refusal(history: MigrationHistory) -> str | None:
    """Why this version cannot migrate a database with ``history`` (None when it can).

    Args:
        history: The database's migration records and tables.

    Returns:
        A message saying what was found and what to do, or None.
    """
    unknown = sorted(history.foreign - CORE_4X - INTEGRATIONS_4X)
    if unknown:
        return (
            f"this database records nautobot_ssot migrations this version does not know ({', '.join(unknown)}): "
            "it was migrated by a newer nautobot-ssot than 4.7.0 or by another package using the same app label. "
            "Install the version that made them, or restore a backup taken before it ran."
        )
    missing_core = sorted(CORE_4X - history.applied) if history.from_4x else []
    if missing_core:
        return (
            f"nautobot-ssot 4.x migrated this database only partly (missing: {', '.join(missing_core)}). "
            "Upgrade it with nautobot-ssot 4.7.0 first: `pip install nautobot-ssot==4.7.0`, "
            "`nautobot-server migrate`, then install this version again."
        )
    return _missing_tables(history)


def _missing_tables(history: MigrationHistory) -> str | None:
    """The refusal for a database whose records say the app is installed but whose tables are gone."""
    if "0001_initial" not in history.applied:
        return None
    missing = [table for table in CORE_TABLES if table not in history.tables]
    if not missing:
        return None
    return (
        f"the migration records say nautobot_ssot is installed, but the table(s) {', '.join(missing)} are missing. "
        "Restore them from a backup, or delete the app's rows from the django_migrations table "
        "to install it afresh (its history is lost)."
    )


def check_migratable(connection: BaseDatabaseWrapper) -> None:
    """Stop ``migrate`` before it changes anything when this database cannot be adopted.

    Args:
        connection: The database about to be migrated.

    Raises:
        CommandError: What was found and what to do.
    """
    reason = refusal(read_history(connection))
    if reason:
        raise CommandError(f"nautobot_ssot cannot migrate this database: {reason} {RETRY_ADVICE}")
