"""The per-run ORM cache, and the garbage collector's blocks."""

import gc

from django.test import SimpleTestCase
from nautobot.apps.testing import TestCase
from nautobot.tenancy.models import Tenant

from nautobot_ssot.contrib import NautobotAdapter, OrmCache
from nautobot_ssot.contrib.cache import heap_frozen


class OrmCacheTestCase(TestCase):
    def setUp(self):
        self.acme = Tenant.objects.create(name="Acme")

    def test_second_lookup_is_a_hit_without_a_query(self):
        cache = OrmCache()
        self.assertEqual(cache.get({"name": "Acme"}, Tenant), self.acme)
        with self.assertNumQueries(0):
            self.assertIs(cache.get({"name": "Acme"}, Tenant), cache.get({"name": "Acme"}, Tenant))
        self.assertEqual(cache.hits["tenancy.tenant"], 2)
        self.assertEqual(cache.misses["tenancy.tenant"], 1)

    def test_errors_pass_through_and_are_not_cached(self):
        cache = OrmCache()
        with self.assertRaises(Tenant.DoesNotExist):
            cache.get({"name": "Globex"}, Tenant)
        Tenant.objects.create(name="Globex")
        self.assertEqual(cache.get({"name": "Globex"}, Tenant).name, "Globex")

    def test_unhashable_values_are_frozen(self):
        cache = OrmCache()
        self.assertEqual(cache.get({"name__in": ["Acme"]}, Tenant), self.acme)
        self.assertEqual(cache.get({"name__in": ["Acme"]}, Tenant), self.acme)
        self.assertEqual(cache.hits["tenancy.tenant"], 1)

    def test_forget_and_clear(self):
        cache = OrmCache()
        cache.get({"name": "Acme"}, Tenant)
        cache.get({"pk": self.acme.pk}, Tenant)
        cache.forget(self.acme)
        self.assertEqual(cache.objects["tenancy.tenant"], {})
        cache.get({"name": "Acme"}, Tenant)
        cache.clear(zero_out_hits=False)
        self.assertEqual(dict(cache.objects), {})
        self.assertEqual(cache.misses["tenancy.tenant"], 3)
        cache.clear()
        self.assertEqual(cache.misses, {})

    def test_each_adapter_has_its_own_cache(self):
        first, second = NautobotAdapter(job=None), NautobotAdapter(job=None)
        first.get_from_orm_cache({"name": "Acme"}, Tenant)
        first.get_from_orm_cache({"name": "Acme"}, Tenant)
        self.assertEqual(first._cache_hits["tenancy.tenant"], 1)
        self.assertEqual(second._cache_hits, {})
        first.invalidate_cache(zero_out_hits=False)
        self.assertEqual(first._cache_hits["tenancy.tenant"], 1)


class HeapFrozenTestCase(SimpleTestCase):
    def tearDown(self):
        gc.unfreeze()

    def test_what_exists_is_left_out_of_collections_inside_the_block_only(self):
        with heap_frozen():
            self.assertGreater(gc.get_freeze_count(), 0)
        self.assertEqual(gc.get_freeze_count(), 0)

    def test_a_heap_frozen_before_stays_frozen(self):
        gc.freeze()  # as a worker with freeze_worker_startup_heap does when it starts
        frozen = gc.get_freeze_count()
        with heap_frozen():
            self.assertEqual(gc.get_freeze_count(), frozen)
        self.assertEqual(gc.get_freeze_count(), frozen)
