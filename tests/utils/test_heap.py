"""The opt-in freeze of a worker's startup heap (``freeze_worker_startup_heap``)."""

import gc
import weakref

from celery.signals import worker_process_init, worker_ready
from django.test import SimpleTestCase

from nautobot_ssot import NautobotSSOTAppConfig
from nautobot_ssot.utils.heap import DISPATCH_UID, freeze_startup_heap, freeze_worker_heaps

SIGNALS = (worker_process_init, worker_ready)
"""A prefork pool's child starting, a worker without children ready (Nautobot has receivers of its own on both)."""


def freezing(signal) -> bool:
    """Whether ``signal`` calls ``freeze_startup_heap`` (looked up by its dispatch uid)."""
    return any(key[0] == DISPATCH_UID for key, _ in signal.receivers)


class FreezeWorkerHeapTestCase(SimpleTestCase):
    def tearDown(self):
        freeze_worker_heaps(False)
        gc.unfreeze()

    def test_off_by_default(self):
        self.assertIs(NautobotSSOTAppConfig.default_settings["freeze_worker_startup_heap"], False)
        self.assertEqual([freezing(signal) for signal in SIGNALS], [False, False])

    def test_on_and_off(self):
        freeze_worker_heaps(True)
        self.assertEqual([freezing(signal) for signal in SIGNALS], [True, True])
        freeze_worker_heaps(False)
        self.assertEqual([freezing(signal) for signal in SIGNALS], [False, False])

    def test_garbage_is_collected_first_and_what_lives_on_is_left_out(self):
        garbage, kept = Node(), Node()
        garbage_ref, kept_ref = weakref.ref(garbage), weakref.ref(kept)
        del garbage
        freeze_startup_heap()
        self.assertIsNone(garbage_ref())
        self.assertGreater(gc.get_freeze_count(), 10000)
        del kept
        gc.collect()
        self.assertIsNotNone(kept_ref())


class Node:
    """An object in a reference cycle with itself: only the cyclic collector frees it."""

    def __init__(self):
        self.me = self
