"""What the bulk validator knows without a query (``nautobot_ssot.contrib.bulk.validation``)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from nautobot.apps.testing import TestCase
from nautobot.extras.models import Status
from nautobot.ipam.models import IPAddress, Namespace, Prefix
from nautobot.tenancy.models import Tenant
from nautobot.users.models import User

from nautobot_ssot.contrib.bulk.validation import BulkValidator
from tests.contrib.test_writers import make_network_fixtures, network, sync


class NoneStoredTestCase(TestCase):
    """A lookup by a column of a unique index whose value no stored object holds needs no query."""

    @classmethod
    def setUpTestData(cls):
        namespace, _ = Namespace.objects.get_or_create(name="Global")
        active = Status.objects.get(name="Active")
        Prefix.objects.create(prefix="10.0.0.0/8", namespace=namespace, status=active)
        Prefix.objects.create(prefix="2001:db8::/32", namespace=namespace, status=active)
        for address in ("10.0.0.1/24", "2001:db8::1/64"):
            IPAddress.objects.create(address=address, namespace=namespace, status=active)

    def test_a_host_no_stored_address_has_is_known_absent(self):
        validator = BulkValidator()
        self.assertFalse(validator.none_stored(IPAddress, {"host": "10.0.0.99", "mask_length": 24}))  # not read yet
        validator.unique_indexes(IPAddress)
        self.assertTrue(validator.none_stored(IPAddress, {"host": "10.0.0.99", "mask_length": 24}))
        self.assertFalse(validator.none_stored(IPAddress, {"host": "10.0.0.1", "mask_length": 16}))
        self.assertFalse(validator.none_stored(IPAddress, {"host": "2001:DB8:0::1", "mask_length": 64}))

    def test_a_value_a_stored_object_takes_in_the_run_is_known_stored(self):
        tenant = Tenant.objects.create(name="Acme")
        validator = BulkValidator()
        validator.unique_indexes(Tenant)
        self.assertTrue(validator.none_stored(Tenant, {"name": "Acme Networks"}))
        tenant.name = "Acme Networks"
        validator.validate(tenant)
        self.assertFalse(validator.none_stored(Tenant, {"name": "Acme Networks"}))


class NewAddressLookupTestCase(TestCase):
    def test_addresses_new_in_a_run_are_found_for_their_interfaces_without_a_query_each(self):
        make_network_fixtures()
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(sync(network(), User.objects.create(username="none-stored"), bulk=True), 0)
        lookups = [
            query["sql"]
            for query in queries
            if query["sql"].startswith('SELECT "ipam_ipaddress"."id"')
            and '"ipam_ipaddress"."mask_length" =' in query["sql"]
        ]
        self.assertEqual(lookups, [])  # six interfaces, each with an address new in the run
