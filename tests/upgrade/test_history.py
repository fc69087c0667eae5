"""Tests of nautobot_ssot.upgrade.history: which databases ``migrate`` refuses, before it changes anything."""

from django.core.management.base import CommandError
from django.db import connection
from nautobot.apps.testing import TestCase

from nautobot_ssot.upgrade.history import (
    CORE_4X,
    CORE_TABLES,
    INTEGRATIONS_4X,
    MigrationHistory,
    check_migratable,
    read_history,
    refusal,
)

OURS = frozenset({"0001_initial", "0002_safe_syncs", "0003_adopt_4x", "0004_compat_4x"})
TABLES = frozenset(CORE_TABLES)


def history(applied, tables=TABLES) -> MigrationHistory:
    return MigrationHistory(frozenset(applied), OURS, frozenset(tables))


class RefusalTestCase(TestCase):
    def test_a_fresh_database_is_accepted(self):
        self.assertIsNone(refusal(history(set(), tables=set())))

    def test_our_own_history_is_accepted(self):
        self.assertIsNone(refusal(history({"0001_initial", "0002_safe_syncs"})))

    def test_a_complete_4x_database_is_accepted(self):
        self.assertIsNone(refusal(history(CORE_4X | INTEGRATIONS_4X)))

    def test_a_half_applied_earlier_upgrade_is_accepted_for_repair(self):
        self.assertIsNone(refusal(history(CORE_4X | {"0002_safe_syncs"})))

    def test_a_partly_migrated_4x_database_is_refused_with_what_to_do(self):
        message = refusal(history(CORE_4X - {"0014_alter_sync_start_time_alter_synclogentry_timestamp"}))
        self.assertIn("missing: 0014_alter_sync_start_time_alter_synclogentry_timestamp", message)
        self.assertIn("nautobot-ssot 4.7.0 first", message)

    def test_migrations_of_a_newer_4x_release_are_refused(self):
        message = refusal(history(CORE_4X | {"0019_something_new"}))
        self.assertIn("0019_something_new", message)
        self.assertIn("newer nautobot-ssot than 4.7.0", message)

    def test_records_without_tables_are_refused(self):
        message = refusal(history({"0001_initial", "0002_safe_syncs"}, tables={"nautobot_ssot_sync"}))
        self.assertIn("nautobot_ssot_synclogentry", message)


class ReadHistoryTestCase(TestCase):
    def test_this_database_is_ours_and_migratable(self):
        read = read_history(connection)
        self.assertTrue(read.ours >= OURS)
        self.assertEqual(read.foreign, frozenset())
        self.assertFalse(read.from_4x)
        self.assertTrue(read.tables >= TABLES)
        check_migratable(connection)

    def test_a_foreign_record_stops_migrate_with_a_command_error(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO django_migrations (app, name, applied) VALUES ('nautobot_ssot', '0099_x', now())"
            )
        with self.assertRaisesMessage(CommandError, "nautobot_ssot cannot migrate this database"):
            check_migratable(connection)
