"""Test runner that makes ``--keepdb`` cheap and safe while the app's migrations change.

Creating a Nautobot test database runs every Nautobot migration (minutes). This runner keeps a
*template* database holding Nautobot's schema without this app's tables. A missing test database
is cloned from the template (seconds); an existing one whose record of this app's migrations no
longer matches the files on disk has only this app's tables rebuilt.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.db import connections
from nautobot.core.tests.runner import NautobotTestRunner

APP_LABEL = "nautobot_ssot"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / APP_LABEL / "migrations"


def migrations_fingerprint() -> str:
    """Hash of this app's migration files, stored on the test database as a comment."""
    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS_DIR.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


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

    def comment(self, name: str) -> str:
        rows = self.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name])
        return (rows[0][0] or "") if rows else ""

    def set_comment(self, name: str, text: str) -> None:
        self.execute(f"COMMENT ON DATABASE \"{name}\" IS '{text}'")  # noqa: S608  (our own identifiers)

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
    """Nautobot's test runner with template-based, migration-aware test database reuse."""

    def setup_databases(self, **kwargs):
        """Prepare the reused test database before Django migrates it."""
        connection = connections["default"]
        if not self.keepdb or connection.vendor != "postgresql":
            return super().setup_databases(**kwargs)
        server = _Server(connection)
        test_name = connection.creation._get_test_db_name()
        template = "nautobot_ssot_test_template"
        fingerprint = migrations_fingerprint()
        created_from_scratch = False
        if server.exists(test_name):
            if server.comment(test_name) != fingerprint:
                server.drop_app_schema(test_name)
        elif server.exists(template):
            server.execute(f'CREATE DATABASE "{test_name}" TEMPLATE "{template}"')
        else:
            created_from_scratch = True
        old_config = super().setup_databases(**kwargs)
        connection.close()
        if created_from_scratch and not server.exists(template):
            server.execute(f'CREATE DATABASE "{template}" TEMPLATE "{test_name}"')
            server.drop_app_schema(template)
        server.set_comment(test_name, fingerprint)
        return old_config
