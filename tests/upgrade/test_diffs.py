"""Tests of nautobot_ssot.upgrade.diffs: 4.x JSON diffs become per-record rows."""

from django.apps import apps
from nautobot.apps.testing import TestCase

from nautobot_ssot.models import Sync, SyncDiffRecord
from nautobot_ssot.upgrade.diffs import convert_legacy_diffs, legacy_action, legacy_records

DIFF = {
    "location": {
        "berlin": {
            "+": {"description": "new"},
            "-": {"description": "old"},
            "device": {"ber-rtr-01": {"+": {"serial": "A"}}},
        },
        "paris": {"+": {}, "-": {}, "device": {"par-rtr-01": {"-": {"serial": "B"}}}},
    },
    "tenant": {"acme": {"+": {"description": "x"}}},
}


class LegacyRecordsTestCase(TestCase):
    def test_actions(self):
        self.assertEqual(legacy_action({"+": {"a": 1}}), "create")
        self.assertEqual(legacy_action({"-": {"a": 1}}), "delete")
        self.assertEqual(legacy_action({"+": {"a": 1}, "-": {"a": 2}}), "update")
        self.assertIsNone(legacy_action({"+": {}, "-": {}, "device": {}}))

    def test_records_in_diff_order_with_parents(self):
        records = list(legacy_records(DIFF))
        self.assertEqual(
            [(r.model_name, r.unique_id, r.action) for r in records],
            [
                ("location", "berlin", "update"),
                ("device", "ber-rtr-01", "create"),
                ("device", "par-rtr-01", "delete"),
                ("tenant", "acme", "create"),
            ],
        )
        self.assertEqual(records[1].parent_id, records[0].id)
        self.assertIsNone(records[2].parent_id)
        self.assertEqual(
            (records[0].source_attrs, records[0].target_attrs), ({"description": "new"}, {"description": "old"})
        )


class ConvertLegacyDiffsTestCase(TestCase):
    def test_only_syncs_without_records_are_converted_once(self):
        legacy = Sync.objects.create(source="4.x", target="Nautobot", diff=DIFF)
        current = Sync.objects.create(source="ours", target="Nautobot", diff=DIFF)
        SyncDiffRecord.objects.create(sync=current, position=0, model_name="tenant", unique_id="acme", action="create")
        Sync.objects.create(source="empty", target="Nautobot", diff={})
        self.assertEqual(convert_legacy_diffs(apps), 1)
        self.assertEqual(convert_legacy_diffs(apps), 0)
        rows = {row.unique_id: row for row in legacy.diff_records.all()}
        self.assertEqual(set(rows), {"berlin", "ber-rtr-01", "par-rtr-01", "acme"})
        self.assertEqual(rows["ber-rtr-01"].parent_id, rows["berlin"].id)
        self.assertGreater(rows["ber-rtr-01"].position, rows["berlin"].position)
        self.assertEqual(rows["par-rtr-01"].action, "delete")
        self.assertEqual(current.diff_records.count(), 1)
