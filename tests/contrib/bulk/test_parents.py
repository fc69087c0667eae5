"""Parent prefixes of IP addresses found in memory (``nautobot_ssot.contrib.bulk.parents``)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from nautobot.apps.testing import TestCase
from nautobot.extras.models import Status
from nautobot.ipam.models import IPAddress, IPAddressRange, Namespace, Prefix

from nautobot_ssot.contrib.bulk import internals
from nautobot_ssot.contrib.bulk.parents import ParentPrefixes

HOSTS = ("10.0.0.1", "10.0.1.200", "10.9.9.9", "10.0.0.128", "192.168.1.1")


class ParentPrefixesTestCase(TestCase):
    """The parent handed to an address is the one Nautobot's own query finds."""

    @classmethod
    def setUpTestData(cls):
        cls.active = Status.objects.get(name="Active")
        cls.namespace, _ = Namespace.objects.get_or_create(name="Global")
        for cidr in ("10.0.0.0/8", "10.0.0.0/16", "10.0.0.0/24", "10.0.0.128/25", "192.168.0.0/16"):
            Prefix.objects.create(prefix=cidr, namespace=cls.namespace, status=cls.active)

    def address(self, host: str) -> IPAddress:
        return IPAddress(host=host, mask_length=32, status=self.active)

    def nautobot_parent(self, host: str) -> Prefix:
        return Prefix.objects.filter(namespace=self.namespace).get_closest_parent(host, include_self=True)

    def test_every_address_gets_the_parent_nautobot_finds_without_a_prefix_query(self):
        parents = ParentPrefixes()
        parents.seed(self.address("172.16.0.1"))  # reads the namespace's prefixes once
        for host in HOSTS:
            with self.subTest(host):
                address = self.address(host)
                parents.seed(address)
                with CaptureQueriesContext(connection) as queries:
                    found = address._get_closest_parent(host)
                self.assertEqual([query for query in queries if "ipam_prefix" in query["sql"]], [])
                self.assertEqual(found, self.nautobot_parent(host))

    def test_an_address_without_a_parent_is_left_to_clean(self):
        address = self.address("172.16.0.1")
        ParentPrefixes().seed(address)
        self.assertEqual(address._closest_parent_cache, {})

    def test_a_prefix_saved_meanwhile_is_seen(self):
        parents = ParentPrefixes()
        parents.seed(self.address("10.0.1.1"))
        Prefix.objects.create(prefix="10.0.1.0/24", namespace=self.namespace, status=self.active)
        address = self.address("10.0.1.1")
        parents.seed(address)
        self.assertEqual(str(address._get_closest_parent("10.0.1.1").prefix), "10.0.1.0/24")

    def test_a_namespace_with_a_prefix_stored_out_of_form_is_left_to_clean(self):
        Prefix.objects.filter(network="192.168.0.0").update(broadcast="192.168.0.255")
        address = self.address("10.0.0.1")
        ParentPrefixes().seed(address)
        self.assertEqual(address._closest_parent_cache, {})

    def test_a_prefix_gets_the_parent_nautobot_finds_or_one_queued_before_it(self):
        parents = ParentPrefixes()
        stored_child = Prefix(prefix="10.0.2.0/24", namespace=self.namespace, status=self.active)
        self.assertEqual(parents.parent_of_prefix(stored_child), (True, stored_child.get_parent()))
        queued = Prefix(prefix="10.0.1.0/24", namespace=self.namespace, status=self.active)
        parents.queue(queued)
        known, parent = parents.parent_of_prefix(Prefix(prefix="10.0.1.128/25", namespace=self.namespace))
        self.assertTrue(known)
        self.assertEqual(parent.pk, queued.pk)
        self.assertIsNot(parent, queued)  # a copy: the queued prefix's own record shows it as it was validated
        self.assertEqual(
            parents.parent_of_prefix(Prefix(prefix="172.16.0.0/12", namespace=self.namespace)), (True, None)
        )

    def test_an_address_and_a_range_are_looked_up_by_their_hosts(self):
        address = IPAddress(host="10.0.0.1", mask_length=32)
        ip_range = IPAddressRange(start_host="10.0.0.10", end_host="10.0.0.20")
        self.assertEqual(internals.parent_hosts(address), ["10.0.0.1"])
        self.assertEqual(internals.parent_hosts(ip_range), ["10.0.0.10", "10.0.0.20"])
