"""The bulk flush: a lost database connection fails the run instead of retrying one object at a time."""

from __future__ import annotations

from nautobot.apps.testing import TransactionTestCase
from nautobot.tenancy.models import Tenant
from nautobot.users.models import User

from tests.contrib.bulk.faults import NAMES, sync_with_lost_connection, unrecorded_tenants


class LostConnectionTestCase(TransactionTestCase):
    def test_a_lost_connection_fails_the_run_and_reports_every_write_not_stored(self):
        failure, reported = sync_with_lost_connection(User.objects.create(username="bulk-fault"), bulk=True)
        self.assertIsNotNone(failure)
        self.assertIn("4 queued writes were not stored", str(failure))
        self.assertEqual(set(Tenant.objects.values_list("name", flat=True)), set(NAMES[:3]))
        self.assertEqual(reported, set(NAMES[3:]))
        self.assertEqual(unrecorded_tenants(), set())
