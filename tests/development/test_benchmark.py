"""The benchmark's collector watch: the time Python's garbage collector runs in a phase, its full collections, and
the objects it moves into the oldest generation."""

import gc
import sys
from pathlib import Path

from django.test import SimpleTestCase

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "development"))
from benchmark import CollectorState, CollectorWatch  # noqa: E402  (development/benchmark.py)


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

    def test_survivors_of_the_middle_generation_are_counted_as_promoted(self):
        gc.collect()
        with CollectorWatch().watching() as watch:
            kept = [[index] for index in range(5000)]
            gc.collect(1)
        self.assertGreaterEqual(watch.promoted, len(kept))
        self.assertEqual(watch.full, 0)

    def test_cyclic_garbage_is_not_promoted(self):
        gc.collect()
        with CollectorWatch().watching() as watch:
            for _ in range(5000):
                cycle = []
                cycle.append(cycle)
            del cycle
            gc.collect(1)
        self.assertLess(watch.promoted, 1000)


class CollectorStateTestCase(SimpleTestCase):
    def test_a_quarter_of_the_oldest_generation_brings_one_full_collection(self):
        state = CollectorState(seconds=0.4, oldest=400_000)
        self.assertAlmostEqual(state.share(100_000), 0.4)
        self.assertAlmostEqual(state.share(25_000), 0.1)
        self.assertEqual(CollectorState(seconds=0.4, oldest=0).share(10), 0.0)
