"""Tests of what a run tells people: durations, sizes, counts and actions in words."""

from datetime import timedelta

from nautobot.apps.testing import TestCase

from nautobot_ssot.sync.wording import (
    action_label,
    count_words,
    describe_bytes,
    describe_diff,
    describe_duration,
    describe_memory,
    describe_outcome,
    describe_phase,
)

SUMMARY = {"create": 61, "update": 1, "delete": 0, "no-change": 12, "skip": 0}


class WordingTestCase(TestCase):
    def test_durations_are_rounded(self):
        self.assertEqual(describe_duration(timedelta(seconds=3.060052)), "3.06 s")
        self.assertEqual(describe_duration(timedelta(seconds=125.6)), "2 min 6 s")
        self.assertEqual(describe_duration(timedelta(hours=1, minutes=2, seconds=3)), "1 h 2 min")

    def test_sizes_in_binary_units(self):
        self.assertEqual(describe_bytes(512), "512 B")
        self.assertEqual(describe_bytes(3 * 1024 * 1024), "3.0 MiB")

    def test_counts_in_words(self):
        self.assertEqual(count_words(0, "object"), "none")
        self.assertEqual(count_words(1, "object"), "1 object")
        self.assertEqual(count_words(1234, "object"), "1,234 objects")
        self.assertEqual(count_words(7), "7")

    def test_action_labels_of_real_and_dry_runs(self):
        self.assertEqual(action_label("create", dry_run=False), "created")
        self.assertEqual(action_label("delete", dry_run=True), "would delete")
        self.assertIsNone(action_label("no-change", dry_run=True))

    def test_diff_line(self):
        self.assertEqual(
            describe_diff(SUMMARY),
            "Compared: 61 objects to create, 1 to update and none to delete; 12 objects unchanged.",
        )

    def test_outcome_lines(self):
        self.assertEqual(
            describe_outcome(SUMMARY, dry_run=True),
            "Dry run finished: a real run would create 61 objects, update 1 and delete none. Nothing was written.",
        )
        self.assertEqual(
            describe_outcome({**SUMMARY, "failure": 2, "error": 1}, dry_run=False),
            "Sync finished: created 61 objects, updated 1 and deleted none. 2 failed and 1 had errors.",
        )

    def test_phase_lines(self):
        self.assertEqual(describe_phase("source_load", timedelta(seconds=3.060052)), "Loading the source took 3.06 s.")
        self.assertEqual(
            describe_memory("diff", 1024, 2 * 1024 * 1024),
            "Memory while comparing source and target: 1.0 KiB at the end, 2.0 MiB at the peak.",
        )
