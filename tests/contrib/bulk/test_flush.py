"""The bulk flush: a refused write is that object's one outcome; a lost connection fails the run."""

from __future__ import annotations

import structlog
from diffsync.enum import DiffSyncFlags
from django.db import connection
from nautobot.apps.testing import TransactionTestCase
from nautobot.dcim.models import Interface
from nautobot.extras.choices import ObjectChangeEventContextChoices
from nautobot.extras.context_managers import web_request_context
from nautobot.ipam.models import IPAddress
from nautobot.tenancy.models import Tenant
from nautobot.users.models import User

from nautobot_ssot.choices import SyncOutcomeChoices
from nautobot_ssot.contrib.bulk.deferred import FlushFailed
from nautobot_ssot.sync.executor import apply_diff
from tests.contrib.bulk.faults import (
    NAMES,
    RecordingJob,
    connection_lost_at_second_record_write,
    sync_with_lost_connection,
    unrecorded_tenants,
)
from tests.contrib.fixtures import source_for
from tests.contrib.test_writers import NetAdapter, make_network_fixtures, network
from tests.safety.helpers import records, run_safety_job, sync_of

JOB_CONTEXT = ObjectChangeEventContextChoices.CONTEXT_JOB


class LostConnectionTestCase(TransactionTestCase):
    def test_a_lost_connection_fails_the_run_and_reports_every_write_not_stored(self):
        failure, reported = sync_with_lost_connection(User.objects.create(username="bulk-fault"), bulk=True)
        self.assertIsNotNone(failure)
        self.assertIn("4 queued writes were not stored", str(failure))
        self.assertEqual(set(Tenant.objects.values_list("name", flat=True)), set(NAMES[:3]))
        self.assertEqual(reported, set(NAMES[3:]))
        self.assertEqual(unrecorded_tenants(), set())


class LostConnectionWithAssignmentsTestCase(TransactionTestCase):
    """A flush holding interfaces with their addresses is one transaction: a lost connection loses all of it."""

    def test_a_lost_connection_fails_the_run_and_reports_every_write_of_the_flush(self):
        make_network_fixtures()
        job = RecordingJob()
        with web_request_context(User.objects.create(username="bulk-network-fault"), context=JOB_CONTEXT):
            target = NetAdapter(job=job, bulk=True)
            target.load()
            source = source_for(NetAdapter, network())
            diff = source.diff_to(target)
            lost = connection_lost_at_second_record_write()
            with structlog.testing.capture_logs() as logs, lost, self.assertRaises(FlushFailed):
                apply_diff(source, target, diff, DiffSyncFlags.CONTINUE_ON_FAILURE, outcomes=job.run_context)
        connection.close()
        self.assertFalse(Interface.objects.filter(name__startswith="eth").exists())
        self.assertFalse(IPAddress.objects.filter(host="10.0.0.1").exists())
        reported = {outcome.unique_id for outcome in job.run_context.outcomes if outcome.status == "error"}
        reported |= {entry["unique_id"] for entry in logs if entry.get("status") == "error"}
        self.assertTrue({"r0__eth0", "r1__eth2", "10.0.0.1__24", "r0"} <= reported, reported)


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
