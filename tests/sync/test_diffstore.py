"""Tests of the per-record diff storage."""

import json

from diffsync.diff import Diff, DiffElement
from django.db import connection
from nautobot.apps.testing import TestCase

from nautobot_ssot.models import SYNC_DIFF_JSON_MAX_RECORDS, Sync, SyncDiffRecord
from nautobot_ssot.sync.diffstore import store_diff


def element(name: str, source=None, dest=None, obj_type: str = "site") -> DiffElement:
    item = DiffElement(obj_type, name, {"name": name})
    item.add_attrs(source=source, dest=dest)
    return item


def flat_diff(count: int) -> Diff:
    diff = Diff()
    for index in range(count):
        diff.add(element(f"site-{index:06d}", source={"description": f"d{index}", "asn": index}))
    return diff


class StoreDiffTestCase(TestCase):
    def setUp(self):
        self.sync = Sync.objects.create(source="A", target="B")

    def test_changed_records_are_stored_in_order_with_parents_and_unchanged_are_not(self):
        diff = Diff()
        parent = element("p1", source={"x": 1}, dest={"x": 2})
        parent.add_child(element("c1", source={"y": 1}, obj_type="child"))
        parent.add_child(element("c2", source={"y": 1}, dest={"y": 1}, obj_type="child"))
        unchanged = element("p2", source={"x": 1}, dest={"x": 1})
        unchanged.add_child(element("c3", dest={"y": 5}, obj_type="child"))
        diff.add(parent)
        diff.add(unchanged)

        self.assertEqual(store_diff(self.sync, diff), 3)

        rows = list(SyncDiffRecord.objects.filter(sync=self.sync).order_by("position"))
        self.assertEqual(
            [(r.unique_id, r.action) for r in rows], [("p1", "update"), ("c1", "create"), ("c3", "delete")]
        )
        self.assertEqual(rows[1].parent, rows[0])
        self.assertIsNone(rows[2].parent)
        self.assertEqual(rows[0].changed_fields, ["x"])
        self.assertEqual(rows[2].target_attrs, {"y": 5})
        self.sync.refresh_from_db()
        self.assertEqual(self.sync.summary["update"], 1)
        self.assertEqual(self.sync.summary["no-change"], 2)
        self.assertFalse(self.sync.diff_truncated)
        self.assertIn("site", json.dumps(self.sync.diff) + "p1")

    def test_small_diff_keeps_the_json_copy_and_large_diff_does_not(self):
        store_diff(self.sync, flat_diff(SYNC_DIFF_JSON_MAX_RECORDS))
        self.sync.refresh_from_db()
        self.assertEqual(len(self.sync.diff["site"]), SYNC_DIFF_JSON_MAX_RECORDS)
        store_diff(self.sync, flat_diff(SYNC_DIFF_JSON_MAX_RECORDS + 1))
        self.sync.refresh_from_db()
        self.assertEqual(self.sync.diff, {})
        self.assertTrue(self.sync.diff_truncated)
        self.assertEqual(self.sync.diff_records.count(), SYNC_DIFF_JSON_MAX_RECORDS + 1)

    def test_fifty_thousand_records_are_stored_and_summarised_without_an_oversized_row(self):
        self.assertEqual(store_diff(self.sync, flat_diff(50_000)), 50_000)
        self.sync.refresh_from_db()
        self.assertEqual(self.sync.summary["create"], 50_000)
        self.assertTrue(self.sync.diff_truncated)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_column_size(diff), pg_column_size(summary) FROM nautobot_ssot_sync WHERE id = %s",
                [self.sync.pk],
            )
            diff_bytes, summary_bytes = cursor.fetchone()
            cursor.execute(
                "SELECT max(pg_column_size(t.*)) FROM nautobot_ssot_syncdiffrecord t WHERE sync_id = %s", [self.sync.pk]
            )
            (largest_record,) = cursor.fetchone()
        self.assertLess(diff_bytes + summary_bytes, 1024)
        self.assertLess(largest_record, 1024)
        self.assertEqual(SyncDiffRecord.objects.filter(sync=self.sync, action="create").count(), 50_000)
