"""Tests of nautobot_ssot.upgrade.schema: what a 4.x database lacks is added, and reported."""

from django.db import connection
from nautobot.apps.testing import TestCase

from nautobot_ssot.models import Sync, SyncDiffRecord, SyncLogEntry
from nautobot_ssot.upgrade.schema import adoption_report, missing_columns, repair_model, table_shape


def execute(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


class RepairModelTestCase(TestCase):
    """DDL runs inside the test's transaction (PostgreSQL), so every change is rolled back afterwards."""

    def test_a_complete_schema_needs_nothing(self):
        with connection.schema_editor() as editor:
            for model in (Sync, SyncDiffRecord, SyncLogEntry):
                self.assertEqual(repair_model(editor, model), [])
                self.assertEqual(missing_columns(editor, model), [])

    def test_missing_columns_and_indexes_are_added_and_rows_get_defaults(self):
        Sync.objects.create(source="4.x", target="Nautobot")
        execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign key checks may stand in the way of DDL
        execute("ALTER TABLE nautobot_ssot_sync DROP COLUMN diff_truncated")
        execute("DROP INDEX nautobot_ssot_sync_src_tgt")
        with connection.schema_editor() as editor:
            self.assertEqual(missing_columns(editor, Sync), ["diff_truncated"])
            added = repair_model(editor, Sync)
        self.assertEqual(added, ["column nautobot_ssot_sync.diff_truncated", "index nautobot_ssot_sync_src_tgt"])
        self.assertFalse(Sync.objects.get(source="4.x").diff_truncated)

    def test_a_missing_table_is_created(self):
        execute("DROP TABLE nautobot_ssot_syncdiffrecord CASCADE")
        with connection.schema_editor() as editor:
            self.assertIsNone(table_shape(editor, "nautobot_ssot_syncdiffrecord"))
            self.assertEqual(repair_model(editor, SyncDiffRecord), ["table nautobot_ssot_syncdiffrecord"])
        sync = Sync.objects.create(source="4.x", target="Nautobot")
        SyncDiffRecord.objects.create(sync=sync, position=0, model_name="tenant", unique_id="a", action="create")


class AdoptionReportTestCase(TestCase):
    def test_one_line_with_what_was_left(self):
        line = adoption_report(["0018_x", "0017_y"], ["nautobot_ssot_ssotinfobloxconfig"], ["table t"], 3)
        self.assertNotIn("\n", line)
        self.assertIn("added 1 tables/columns/indexes, converted the diffs of 3 syncs", line)
        self.assertIn("left untouched 1 tables of 4.x integrations (nautobot_ssot_ssotinfobloxconfig)", line)
        self.assertIn("and 2 4.x migration records", line)
