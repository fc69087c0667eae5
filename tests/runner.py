"""Test runner that makes ``--keepdb`` cheap and safe while the app's migrations change.

Creating a Nautobot test database runs every Nautobot migration (minutes). This runner keeps a
*template* database holding Nautobot's migrated schema and data, without this app's tables. Each
run clones the test database from it (seconds) and applies only this app's migrations, so a run
never inherits what an earlier run left behind or flushed.

The runner says which of the two it does (Django's own line, "Using existing test database", would be
printed either way), and ends with why tests were skipped, each reason with its count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import nautobot
from django.db import connections
from nautobot.core.tests.runner import NautobotTestRunner

APP_LABEL = "nautobot_ssot"
TEMPLATE_NAME = "nautobot_ssot_test_template"
TEMPLATE_FORMAT = "2"
"""Bumped when the way the template is built changes, so that older templates are rebuilt."""


def template_label() -> str:
    """The label a usable template carries: the Nautobot version and the template format."""
    return f"nautobot {nautobot.__version__}, format {TEMPLATE_FORMAT}"


def database_line(has_template: bool, test_name: str) -> str:
    """What setting up the test database is about to do, in words."""
    if has_template:
        return (
            f"Cloning the test database {test_name} from the template {TEMPLATE_NAME} (seconds), "
            "then applying this app's migrations."
        )
    return (
        f"Building the test database template {TEMPLATE_NAME}: all of Nautobot's migrations run once, "
        "which takes several minutes; later runs clone it in seconds."
    )


def skip_summary(skipped: Iterable[tuple[object, str]]) -> list[str]:
    """Lines telling how many tests were skipped for each reason, most frequent first (none when none were)."""
    reasons = Counter(reason for _, reason in skipped)
    if not reasons:
        return []
    lines = [f"Skipped {reasons.total()} test(s):"]
    lines += [f"  {count} x {reason}" for reason, count in reasons.most_common()]
    return lines


class _Server:
    """Small helper around a maintenance connection to the PostgreSQL server."""

    def __init__(self, connection):
        self.connection = connection

    def execute(self, sql: str, params=None, database: str | None = None):
        settings = dict(self.connection.settings_dict)
        settings["NAME"] = database or "postgres"
        conn = self.connection.__class__(settings, alias="__ssot_runner__")
        try:
            conn.ensure_connection()
            conn.connection.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            conn.close()

    def exists(self, name: str) -> bool:
        return bool(self.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]))

    def template_version(self) -> str | None:
        rows = self.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [TEMPLATE_NAME]
        )
        return rows[0][0] if rows else None

    def make_template(self, source: str) -> None:
        self.execute(f'CREATE DATABASE "{TEMPLATE_NAME}" TEMPLATE "{source}"')
        self.drop_app_schema(TEMPLATE_NAME)
        self.execute(f"COMMENT ON DATABASE \"{TEMPLATE_NAME}\" IS '{template_label()}'")  # noqa: S608

    def drop_app_schema(self, name: str) -> None:
        tables = self.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE %s",
            [f"{APP_LABEL}\\_%"],
            database=name,
        )
        for (table,) in tables:
            self.execute(f'DROP TABLE IF EXISTS "{table}" CASCADE', database=name)
        self.execute("DELETE FROM django_migrations WHERE app = %s", [APP_LABEL], database=name)


class SSoTTestRunner(NautobotTestRunner):
    """Nautobot's test runner whose ``--keepdb`` database is a fresh clone of a migrated template."""

    def setup_databases(self, **kwargs):
        """Clone the test database from the template (creating the template on the first run)."""
        connection = connections["default"]
        if not self.keepdb or connection.vendor != "postgresql":
            return super().setup_databases(**kwargs)
        server = _Server(connection)
        test_name = connection.creation._get_test_db_name()
        has_template = server.template_version() == template_label()
        self.log(database_line(has_template, test_name))
        server.execute(f'DROP DATABASE IF EXISTS "{test_name}" WITH (FORCE)')
        if has_template:
            server.execute(f'CREATE DATABASE "{test_name}" TEMPLATE "{TEMPLATE_NAME}"')
        else:
            server.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE_NAME}" WITH (FORCE)')
        verbosity, self.verbosity = self.verbosity, 0  # Django's line would say "Using existing test database".
        try:
            old_config = super().setup_databases(**kwargs)
        finally:
            self.verbosity = verbosity
        connection.close()
        if not has_template:
            server.make_template(test_name)
        return old_config

    def run_suite(self, suite, **kwargs):
        """Run the tests, then tell why tests were skipped."""
        result = super().run_suite(suite, **kwargs)
        for line in skip_summary(result.skipped):
            self.log(line)
        return result
