"""What the bulk path replaces while a run writes: active only in the run's blocks, only on the run's thread.

Nautobot's metadata lookups are replaced in their classes and modules (``internals.ProcessPatch``) while at least
one run writes and behave as Nautobot's own on any other thread; the cache object's methods are replaced on the
run's thread only; after a run, every name is Nautobot's own again. On a Nautobot outside the checked versions
nothing is replaced, and a bulk run falls back with one log line.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import nautobot
from django.core.cache import caches
from django.db.models.signals import post_save
from nautobot.apps.testing import TestCase
from nautobot.dcim.models import Location
from nautobot.tenancy.models import Tenant
from nautobot.users.models import User

from nautobot_ssot.contrib.bulk import internals
from nautobot_ssot.contrib.bulk.cachememo import WRAPPED, CacheMemo
from nautobot_ssot.contrib.bulk.lookupmemo import LOOKUPS
from nautobot_ssot.contrib.writers import StandardWriter
from tests.contrib.test_bulk import BulkAdapter, make_site_fixtures, records, sync


def lookup_names() -> dict[str, Any]:
    """Every replaceable lookup as its class or module holds it now."""
    return {str(target): vars(target.holder())[target.name] for target in internals.MEMOIZED_LOOKUPS}


def cache_overrides() -> set[str]:
    """The methods the current thread's cache object holds itself (none but during a run on this thread)."""
    return set(vars(caches["default"])) & set(WRAPPED)


def custom_field_lookup() -> Any:
    """Nautobot's custom field lookup for locations (one of the replaced lookups)."""
    from nautobot.extras.models import CustomField  # noqa: PLC0415  (the model's manager, read at call time)

    return CustomField.objects.get_for_model(Location, get_queryset=False)


def in_thread(function: Callable[[], Any]) -> Any:
    """Run ``function`` on another thread and return what it returned."""
    results = []
    thread = threading.Thread(target=lambda: results.append(function()))
    thread.start()
    thread.join()
    return results[0]


class ProcessPatchTestCase(TestCase):
    def setUp(self):
        self.nautobots = lookup_names()

    def test_lookups_are_replaced_only_inside_the_block(self):
        with CacheMemo().active():
            self.assertTrue(all(lookup_names()[name] is not found for name, found in self.nautobots.items()))
            self.assertEqual(cache_overrides(), set(WRAPPED))
        self.assertEqual(lookup_names(), self.nautobots)
        self.assertEqual(cache_overrides(), set())

    def test_nested_and_overlapping_blocks_restore_on_the_last_exit(self):
        first, second = CacheMemo(), CacheMemo()
        entered, leave = threading.Event(), threading.Event()

        def other_run() -> None:
            with second.active():
                entered.set()
                leave.wait(10)

        thread = threading.Thread(target=other_run)
        with first.active(), first.active():
            thread.start()
            entered.wait(10)
        self.assertNotEqual(lookup_names(), self.nautobots)
        leave.set()
        thread.join()
        self.assertEqual(lookup_names(), self.nautobots)
        self.assertEqual(LOOKUPS.installed, [])

    def test_another_thread_sees_nautobots_behaviour_during_a_run(self):
        memo = CacheMemo()
        with memo.active():
            custom_field_lookup()
            remembered = dict(memo.lookups.results)
            self.assertEqual(in_thread(cache_overrides), set())
            self.assertIsNone(in_thread(CacheMemo.current))
            in_thread(custom_field_lookup)
            self.assertEqual(memo.lookups.results, remembered)
            self.assertIs(CacheMemo.current(), memo)

    def test_a_name_replaced_by_someone_else_meanwhile_is_left_to_them(self):
        target = internals.MEMOIZED_LOOKUPS[0]
        theirs = mock.Mock()
        with CacheMemo().active():
            setattr(target.holder(), target.name, theirs)
        self.assertIs(vars(target.holder())[target.name], theirs)
        setattr(target.holder(), target.name, self.nautobots[str(target)])

    def test_nothing_is_replaced_on_an_unchecked_nautobot(self):
        with mock.patch.object(nautobot, "__version__", "9.0.0"), CacheMemo().active():
            self.assertEqual(lookup_names(), self.nautobots)
            self.assertEqual(cache_overrides(), set())


class RunLeavesNothingPatchedTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_site_fixtures()
        cls.user = User.objects.create(username="bulk-tester")

    def test_after_a_bulk_run_every_name_is_nautobots_own(self):
        before = lookup_names()
        syncer = sync(records(3), True, self.user)
        self.assertEqual(syncer.failed, 0)
        self.assertEqual(Location.objects.filter(name__startswith="Site ").count(), 6)
        self.assertEqual(lookup_names(), before)
        self.assertEqual(cache_overrides(), set())

    def test_an_unchecked_nautobot_falls_back_with_one_line_and_replaces_nothing(self):
        before = lookup_names()
        replaced = []
        with (
            mock.patch.object(nautobot, "__version__", "9.0.0"),
            saving_tenants(lambda: replaced.append(lookup_names() != before)),
        ):
            adapter = BulkAdapter(job=None, bulk=True)
            self.assertIsInstance(adapter.writer_for(BulkAdapter.tenant), StandardWriter)
            with self.assertLogs("nautobot_ssot.contrib.bulk.writer", "INFO") as logs:
                syncer = sync(records(3), True, self.user)
        self.assertEqual(syncer.failed, 0)
        self.assertEqual(len(logs.output), 1)
        self.assertIn("written through the standard path: Nautobot 9.0.0", logs.output[0])
        self.assertEqual(replaced, [False] * 3)
        self.assertEqual(Tenant.objects.filter(name__startswith="Tenant ").count(), 3)


@contextmanager
def saving_tenants(note: Callable[[], None]) -> Iterator[None]:
    """Call ``note`` on every save of a tenant inside the block (only where the bulk path is not used)."""

    def saved(**kwargs: Any) -> None:
        note()

    post_save.connect(saved, sender=Tenant, weak=False, dispatch_uid="ssot-patch-spy")
    try:
        yield
    finally:
        post_save.disconnect(sender=Tenant, dispatch_uid="ssot-patch-spy")
