"""The benchmark's collector watch: the time Python's garbage collector runs in a phase, and its full collections."""

import gc
import sys
from pathlib import Path

from django.test import SimpleTestCase

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "development"))
from benchmark import CollectorWatch  # noqa: E402  (development/benchmark.py)


class CollectorWatchTestCase(SimpleTestCase):
    def test_full_collections_inside_the_block_are_counted_and_timed(self):
        with CollectorWatch().watching() as watch:
            gc.collect(0)
            gc.collect(2)
            gc.collect(2)
        self.assertEqual(watch.full, 2)
        self.assertGreater(watch.seconds, 0)

    def test_collections_after_the_block_are_not(self):
        with CollectorWatch().watching() as watch:
            pass
        gc.collect(2)
        self.assertEqual((watch.full, watch.seconds), (0, 0))
