"""The bulk flush: a refused write is that object's one outcome; a lost connection fails the run."""

from __future__ import annotations

from nautobot.apps.testing import TransactionTestCase
from nautobot.tenancy.models import Tenant
from nautobot.users.models import User

from nautobot_ssot.choices import SyncOutcomeChoices
from tests.contrib.bulk.faults import NAMES, sync_with_lost_connection, unrecorded_tenants
from tests.safety.helpers import records, run_safety_job, sync_of


class LostConnectionTestCase(TransactionTestCase):
    def test_a_lost_connection_fails_the_run_and_reports_every_write_not_stored(self):
        failure, reported = sync_with_lost_connection(User.objects.create(username="bulk-fault"), bulk=True)
        self.assertIsNotNone(failure)
        self.assertIn("4 queued writes were not stored", str(failure))
        self.assertEqual(set(Tenant.objects.values_list("name", flat=True)), set(NAMES[:3]))
        self.assertEqual(reported, set(NAMES[3:]))
        self.assertEqual(unrecorded_tenants(), set())


class RefusedAtFlushTestCase(TransactionTestCase):
    """An object the database refuses when the bulk queue is flushed has one outcome: its failure, counted once."""

    def test_a_write_refused_at_flush_replaces_its_queued_success(self):
        result = run_safety_job(bulk=True, fault="conflict", fault_after=1, records=records(["sf-1", "sf-2", "sf-3"]))
        sync = sync_of(result)
        entries = list(sync.logs.order_by("unique_id").values_list("unique_id", "action", "status"))
        self.assertEqual(
            entries,
            [("sf-1", "create", "success"), ("sf-2", "create", "error"), ("sf-3", "create", "error")],
        )
        self.assertEqual((sync.summary["failure"], sync.summary["error"]), (0, 2))
        self.assertEqual(sync.outcome, SyncOutcomeChoices.OUTCOME_COMPLETED_WITH_FAILURES)
        refused = sync.logs.get(unique_id="sf-2")
        self.assertIn("sf-2", refused.message)
        self.assertIsNone(refused.synced_object_id)
