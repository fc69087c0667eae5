"""Deferred change records: deletes queued and run together, refusals per object, a lost batch fails the run."""

from __future__ import annotations

from unittest import mock

from diffsync.enum import DiffSyncFlags
from django.db import connection
from django.test.utils import CaptureQueriesContext
from nautobot.apps.testing import TestCase, TransactionTestCase
from nautobot.dcim.models import Location
from nautobot.extras.choices import ObjectChangeActionChoices, ObjectChangeEventContextChoices
from nautobot.extras.context_managers import web_request_context
from nautobot.extras.models import ObjectChange
from nautobot.tenancy.models import Tenant
from nautobot.users.models import User

from nautobot_ssot.contrib import NautobotAdapter
from nautobot_ssot.contrib.bulk import internals
from nautobot_ssot.contrib.bulk.deferred import FlushFailed
from nautobot_ssot.jobs.examples.models import LocationModel
from nautobot_ssot.sync.executor import SyncStopped, apply_diff
from tests.contrib.bulk.faults import NAMES, FaultAdapter, RecordingJob, sync_with_lost_connection, unrecorded_tenants
from tests.contrib.fixtures import make_base, make_location, source_for, terminate_connection


def sync_tenants(names: list[str], user: User, job: RecordingJob | None = None) -> int:
    """Sync tenants named ``names`` as a job does (job change context, the job's syncer); return the failures."""
    with web_request_context(user, context=ObjectChangeEventContextChoices.CONTEXT_JOB):
        target = FaultAdapter(job=job)
        target.load()
        source = source_for(FaultAdapter, {"tenant": [{"name": name} for name in names]})
        outcomes = job.run_context if job is not None else None
        diff = source.diff_to(target)
        return apply_diff(source, target, diff, DiffSyncFlags.CONTINUE_ON_FAILURE, outcomes=outcomes).failed


def deleted_records() -> set[str]:
    """The names in the delete records stored."""
    action = ObjectChangeActionChoices.ACTION_DELETE
    return set(ObjectChange.objects.filter(action=action).values_list("object_repr", flat=True))


class QueuedDeletesTestCase(TestCase):
    """Deletes of one model are queued and run with one collector; a refused one fails alone."""

    @classmethod
    def setUpTestData(cls):
        cls.tester = User.objects.create(username="deferred-deletes")
        cls.base = make_base()
        sync_tenants(NAMES, cls.tester)

    def test_queued_deletes_store_a_record_each_with_fewer_queries_than_one_by_one(self):
        with CaptureQueriesContext(connection) as together:
            self.assertEqual(sync_tenants(NAMES[:1], self.tester), 0)
        self.assertEqual(set(Tenant.objects.values_list("name", flat=True)), {NAMES[0]})
        self.assertEqual(deleted_records(), set(NAMES[1:]))
        with CaptureQueriesContext(connection) as alone:
            sync_tenants([], self.tester)
        self.assertLess(len(together) / 6, len(alone) / 2)

    def test_a_refused_delete_is_reported_alone_and_the_others_are_deleted(self):
        make_location(self.base, "Held", tenant=Tenant.objects.get(name=NAMES[2]))
        job = RecordingJob()
        sync_tenants([], self.tester, job)
        self.assertEqual(set(Tenant.objects.values_list("name", flat=True)), {NAMES[2]})
        self.assertEqual(deleted_records(), set(NAMES) - {NAMES[2]})
        refused = [outcome for outcome in job.run_context.outcomes if outcome.status == "error"]
        self.assertEqual([outcome.unique_id for outcome in refused], [NAMES[2]])
        self.assertIn("not deleted", refused[0].message)
        self.assertIn("Location.tenant", refused[0].message)


class StoppedRunTestCase(TestCase):
    def test_objects_written_before_a_stop_at_the_first_failure_remain_with_their_records(self):
        user = User.objects.create(username="deferred-stop")
        names = ["Tenant A", "x" * 300, "Tenant C"]
        with web_request_context(user, context=ObjectChangeEventContextChoices.CONTEXT_JOB):
            target = FaultAdapter(job=None)
            target.load()
            source = source_for(FaultAdapter, {"tenant": [{"name": name} for name in names]})
            with self.assertRaises(SyncStopped):
                flags = DiffSyncFlags.CONTINUE_ON_FAILURE
                apply_diff(source, target, source.diff_to(target), flags, stop_on_failure=True)
        self.assertEqual(list(Tenant.objects.values_list("name", flat=True)), ["Tenant A"])
        self.assertEqual(unrecorded_tenants(), set())


class LocationsAdapter(NautobotAdapter):
    location = LocationModel
    top_level = ("location",)


class QueuedTreeDeletesTestCase(TestCase):
    """Deletes of a tree model are queued too; the cached descendants of their ancestors are dropped first."""

    def test_deleted_sites_leave_their_regions_cached_descendants(self):
        base = make_base()
        region = make_location(base, "Region")
        sites = [make_location(base, f"Site {number}", parent=region) for number in range(3)]
        self.assertEqual(set(region.cacheable_descendants_pks()), {site.pk for site in sites})
        kept = {"name": "Region", "location_type__name": "Site"}
        with web_request_context(
            User.objects.create(username="trees"), context=ObjectChangeEventContextChoices.CONTEXT_JOB
        ):
            target = LocationsAdapter(job=None)
            target.load()
            source = source_for(LocationsAdapter, {"location": [kept]})
            self.assertEqual(apply_diff(source, target, source.diff_to(target), DiffSyncFlags.NONE).failed, 0)
        self.assertEqual(list(Location.objects.values_list("name", flat=True)), ["Region"])
        self.assertEqual(list(Location.objects.get(name="Region").cacheable_descendants_pks()), [])
        self.assertEqual(deleted_records(), {site.name for site in sites})


class LostConnectionTestCase(TransactionTestCase):
    def test_a_batch_lost_with_the_connection_fails_the_run_and_leaves_no_object_without_its_record(self):
        failure, reported = sync_with_lost_connection(User.objects.create(username="deferred-fault"))
        self.assertIsNotNone(failure)
        self.assertIn("3 objects were not stored", str(failure))
        self.assertEqual(set(Tenant.objects.values_list("name", flat=True)), set(NAMES[:3]))
        self.assertEqual(reported, set(NAMES[3:6]))
        self.assertEqual(unrecorded_tenants(), set())

    def test_queued_deletes_lost_with_the_connection_fail_the_run_and_every_tenant_keeps_its_records(self):
        user = User.objects.create(username="deferred-delete-fault")
        sync_tenants(NAMES[:3], user)
        real_collect = internals.collect_deletion

        def collect_after_losing_the_connection(*args):
            terminate_connection()
            return real_collect(*args)

        job = RecordingJob()
        lost = mock.patch.object(internals, "collect_deletion", collect_after_losing_the_connection)
        with lost, self.assertRaises(FlushFailed) as raised:
            sync_tenants([], user, job)
        connection.close()
        self.assertIn("3 objects were not stored", str(raised.exception))
        self.assertEqual(set(Tenant.objects.values_list("name", flat=True)), set(NAMES[:3]))
        self.assertEqual({outcome.unique_id for outcome in job.run_context.outcomes}, set(NAMES[:3]))
        self.assertEqual(deleted_records(), set())
        self.assertEqual(unrecorded_tenants(), set())
