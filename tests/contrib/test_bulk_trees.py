"""TreeCaches: the cached maximum depth of a tree is kept after a batch of creates only when it cannot have grown."""

import uuid

from django.core.cache import cache
from nautobot.apps.testing import TestCase
from nautobot.dcim.models import Location

from nautobot_ssot.contrib.bulk.trees import TreeCaches


def node(parent: Location | None = None) -> Location:
    """An unsaved location with its primary key (as the bulk path queues it)."""
    return Location(pk=uuid.uuid4(), name=f"node-{uuid.uuid4().hex[:6]}", parent=parent)


class TreeCachesTestCase(TestCase):
    def setUp(self):
        self.key = Location.objects.max_depth_cache_key
        cache.set(self.key, 1, timeout=None)
        self.addCleanup(cache.delete, self.key)

    def test_a_batch_no_deeper_than_the_cached_depth_keeps_it(self):
        trees = TreeCaches()
        root = node()
        trees.created(Location, [root, node(root)])
        trees.created(Location, [node(root), node(root)])
        self.assertEqual(cache.get(self.key), 1)

    def test_a_deeper_batch_drops_it(self):
        trees = TreeCaches()
        root = node()
        child = node(root)
        trees.created(Location, [root, child])
        trees.created(Location, [node(child)])
        self.assertIsNone(cache.get(self.key))

    def test_a_parent_the_flush_did_not_create_drops_it(self):
        TreeCaches().created(Location, [node(node())])
        self.assertIsNone(cache.get(self.key))

    def test_updates_drop_it(self):
        TreeCaches.changed(Location)
        self.assertIsNone(cache.get(self.key))
