"""Bring a database that nautobot-ssot 4.x migrated to this version's schema (migration ``0003_adopt_4x``).

On a database this version created itself every step finds nothing to do. On a 4.x database, Django
counted our ``0001_initial`` as applied (4.x has a migration of that name), so what it created is
added here: missing tables, columns and indexes of the sync, diff record and log entry models.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps.registry import Apps
from django.db import models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from nautobot_ssot.upgrade.history import APP_LABEL, read_history

logger = logging.getLogger(__name__)

ADOPTED_MODELS = ("Sync", "SyncDiffRecord", "SyncLogEntry")


@dataclass(frozen=True)
class TableShape:
    """The columns and constraint/index names a table has in the database."""

    columns: frozenset[str]
    constraints: frozenset[str]


def table_shape(schema_editor: BaseDatabaseSchemaEditor, table: str) -> TableShape | None:
    """Read a table's columns and constraint names (None when the table does not exist)."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if table not in connection.introspection.table_names(cursor):
            return None
        columns = {column.name for column in connection.introspection.get_table_description(cursor, table)}
        constraints = set(connection.introspection.get_constraints(cursor, table))
    return TableShape(frozenset(columns), frozenset(constraints))


def repair_model(schema_editor: BaseDatabaseSchemaEditor, model: type[models.Model]) -> list[str]:
    """Create the model's table, or add the columns and indexes it lacks.

    Returns:
        What was added, for the report.
    """
    shape = table_shape(schema_editor, model._meta.db_table)
    if shape is None:
        schema_editor.create_model(model)
        return [f"table {model._meta.db_table}"]
    added = []
    for field in model._meta.local_fields:
        if field.column not in shape.columns:
            schema_editor.add_field(model, field)
            added.append(f"column {model._meta.db_table}.{field.column}")
    for index in model._meta.indexes:
        if index.name not in shape.constraints:
            schema_editor.add_index(model, index)
            added.append(f"index {index.name}")
    return added


def missing_columns(schema_editor: BaseDatabaseSchemaEditor, model: type[models.Model]) -> list[str]:
    """Columns of ``model`` the database still lacks after the repair."""
    shape = table_shape(schema_editor, model._meta.db_table)
    wanted = [field.column for field in model._meta.local_fields]
    return wanted if shape is None else [column for column in wanted if column not in shape.columns]


def adopt(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Repair the schema, convert 4.x diffs, verify the result and report what 4.x left (RunPython).

    Raises:
        RuntimeError: A column is still missing after the repair; the migration is rolled back.
    """
    history = read_history(schema_editor.connection)
    adopted = [apps.get_model(APP_LABEL, name) for name in ADOPTED_MODELS]
    added = [item for model in adopted for item in repair_model(schema_editor, model)]
    still_missing = [column for model in adopted for column in missing_columns(schema_editor, model)]
    if still_missing:
        raise RuntimeError(f"nautobot_ssot: the schema could not be completed (missing: {', '.join(still_missing)})")
    if not history.from_4x:
        return
    from nautobot_ssot.upgrade.diffs import convert_legacy_diffs  # noqa: PLC0415  (only for 4.x databases)

    converted = convert_legacy_diffs(apps)
    logger.warning(adoption_report(history.foreign, history.tables - own_tables(adopted), added, converted))


def own_tables(adopted: Iterable[type[models.Model]]) -> set[str]:
    """The tables of this app's models (those of 4.x integrations are not among them)."""
    return {model._meta.db_table for model in adopted}


def adoption_report(foreign: Iterable[str], other_tables: Iterable[str], added: list[str], converted: int) -> str:
    """The one line that tells what the adoption of a 4.x database did and what it left.

    Args:
        foreign: 4.x migration records kept in ``django_migrations``.
        other_tables: Tables of 4.x's vendor integrations, left untouched.
        added: Tables, columns and indexes created.
        converted: Syncs whose 4.x diff was converted to per-record rows.

    Returns:
        The message.
    """
    tables = sorted(other_tables)
    return (
        f"nautobot_ssot adopted a nautobot-ssot 4.x database: added {len(added)} tables/columns/indexes, "
        f"converted the diffs of {converted} syncs; left untouched {len(tables)} tables of 4.x integrations "
        f"({', '.join(tables) or 'none'}) and {len(list(foreign))} 4.x migration records."
    )
