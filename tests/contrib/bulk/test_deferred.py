"""Deferred change records: a batch lost with the database connection fails the run and is reported per object."""

from __future__ import annotations

from nautobot.apps.testing import TransactionTestCase
from nautobot.tenancy.models import Tenant
from nautobot.users.models import User

from tests.contrib.bulk.faults import NAMES, sync_with_lost_connection, unrecorded_tenants


class LostConnectionTestCase(TransactionTestCase):
    def test_a_batch_lost_with_the_connection_fails_the_run_and_leaves_no_object_without_its_record(self):
        failure, reported = sync_with_lost_connection(User.objects.create(username="deferred-fault"))
        self.assertIsNotNone(failure)
        self.assertIn("3 objects were not stored", str(failure))
        self.assertEqual(set(Tenant.objects.values_list("name", flat=True)), set(NAMES[:3]))
        self.assertEqual(reported, set(NAMES[3:6]))
        self.assertEqual(unrecorded_tenants(), set())
