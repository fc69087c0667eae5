"""Tests of a run's live progress: the estimate, and the throttled publication to the cache."""

from datetime import timedelta

from nautobot.apps.testing import TestCase

from nautobot_ssot.sync.progress import ProgressReporter, ProgressSnapshot, read_progress


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class ProgressSnapshotTestCase(TestCase):
    def test_rate_and_time_left(self):
        snapshot = ProgressSnapshot("sync", done=1200, total=5000, elapsed=4.0)
        self.assertEqual(snapshot.rate, 300.0)
        self.assertEqual(snapshot.remaining, timedelta(seconds=(5000 - 1200) / 300))
        self.assertEqual(snapshot.percent, 24)
        self.assertEqual(
            snapshot.describe(), "Writing the changes: 1,200 of 5,000 objects (24%), 300 per second, about 12.67 s left"
        )

    def test_no_estimate_before_anything_is_done_or_without_a_total(self):
        self.assertIsNone(ProgressSnapshot("diff", done=0, total=10, elapsed=3.0).remaining)
        self.assertIsNone(ProgressSnapshot("source_load", done=0, total=0, elapsed=3.0).percent)
        self.assertEqual(ProgressSnapshot("source_load").describe(), "Loading the source")


class ProgressReporterTestCase(TestCase):
    def setUp(self):
        super().setUp()
        self.clock = FakeClock()
        self.reporter = ProgressReporter("test-run", interval=2.0, clock=self.clock)
        self.addCleanup(self.reporter.finish)

    def test_publishes_at_most_every_interval_and_at_the_end(self):
        self.reporter.start("sync", 100)
        self.assertEqual((read_progress("test-run").phase, read_progress("test-run").done), ("sync", 0))
        self.clock.now += 1.0
        self.reporter.callback("sync", 10, 100)
        self.assertEqual(read_progress("test-run").done, 0)  # within the interval: not published
        self.clock.now += 1.5
        self.reporter.callback("sync", 50, 100)
        published = read_progress("test-run")
        self.assertEqual((published.done, published.total, published.elapsed), (50, 100, 2.5))
        self.assertEqual(published.remaining, timedelta(seconds=2.5))
        self.clock.now += 0.1
        self.reporter.callback("sync", 100, 100)
        self.assertEqual(read_progress("test-run").done, 100)

    def test_a_new_stage_starts_a_phase_and_finish_forgets(self):
        self.reporter.start("target_load")
        self.reporter.callback("diff", 1, 40)
        self.assertEqual((read_progress("test-run").phase, read_progress("test-run").total), ("diff", 40))
        self.reporter.finish()
        self.assertIsNone(read_progress("test-run"))


class ProgressTextTestCase(TestCase):
    """The parts the progress panels show, each empty when it cannot be told yet."""

    def test_parts_of_a_phase_under_way(self):
        snapshot = ProgressSnapshot("diff", done=300, total=1000, elapsed=10.0, published=1000.0)
        self.assertEqual(snapshot.phase_text, "Comparing source and target")
        self.assertEqual(snapshot.done_text, "300 of 1,000 objects (30%)")
        self.assertEqual(snapshot.rate_text, "30 per second")
        self.assertEqual(snapshot.remaining_text, "about 23.33 s")
        self.assertEqual(snapshot.running_for(1004.5), timedelta(seconds=14.5))

    def test_parts_while_loading(self):
        snapshot = ProgressSnapshot("source_load", elapsed=2.0, published=1000.0)
        self.assertEqual((snapshot.done_text, snapshot.rate_text, snapshot.remaining_text), ("", "", ""))
        self.assertEqual(snapshot.running_for(999.0), timedelta(seconds=2.0))
