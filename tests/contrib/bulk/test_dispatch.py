"""Tests of ``nautobot_ssot.contrib.bulk.dispatch``: the snapshots of a run's records, read per chunk."""

from __future__ import annotations

from nautobot.apps.testing import TestCase
from nautobot.extras.choices import ObjectChangeEventContextChoices
from nautobot.extras.context_managers import web_request_context
from nautobot.extras.models import ObjectChange
from nautobot.tenancy.models import Tenant
from nautobot.users.models import User

from nautobot_ssot.contrib.bulk import internals
from nautobot_ssot.contrib.bulk.dispatch import SnapshotPrefetch, fast_dispatch


def walked(request_id) -> list[ObjectChange]:
    """The records of a change context as Nautobot's dispatch reads them: oldest first, their data left out."""
    return list(
        ObjectChange.objects.select_related("changed_object_type", "user")
        .filter(request_id=request_id)
        .order_by("time")
        .defer("object_data", "object_data_v2")
    )


class SnapshotPrefetchTestCase(TestCase):
    """Snapshots made with the prefetch are Nautobot's own, with a few queries per chunk instead of per record."""

    def setUp(self):
        self.user = User.objects.create(username="dispatcher")
        with web_request_context(self.user, context=ObjectChangeEventContextChoices.CONTEXT_JOB):
            self.tenants = [Tenant.objects.create(name=f"tenant-{number}") for number in range(12)]
        with web_request_context(self.user, context=ObjectChangeEventContextChoices.CONTEXT_JOB):
            self.request_id = internals.current_context().change_id
            for tenant in self.tenants[:8]:
                tenant.description = "changed"
                tenant.save()
            for tenant in self.tenants[8:]:
                tenant.delete()
            Tenant.objects.create(name="tenant-new")

    def snapshots(self, prefetch: SnapshotPrefetch | None) -> list[dict]:
        records = walked(self.request_id)
        if prefetch is None:
            return [record.get_snapshots() for record in records]
        with internals.priming_snapshots(prefetch.prime):
            return [record.get_snapshots() for record in records]

    def test_the_snapshots_are_the_ones_nautobot_reads_record_by_record(self):
        expected = self.snapshots(None)
        self.assertEqual(len(expected), 13)
        self.assertEqual(self.snapshots(SnapshotPrefetch(chunk=5)), expected)

    def test_a_chunk_costs_four_queries_whatever_its_size(self):
        records = walked(self.request_id)
        with internals.priming_snapshots(SnapshotPrefetch(chunk=20).prime), self.assertNumQueries(4):
            for record in records:
                record.get_snapshots()

    def test_records_read_with_their_data_are_left_alone(self):
        record = ObjectChange.objects.filter(request_id=self.request_id, action="update").first()
        prefetch = SnapshotPrefetch()
        with internals.priming_snapshots(prefetch.prime):
            snapshots = record.get_snapshots()
        self.assertEqual((prefetch.data, prefetch.previous), ({}, {}))
        self.assertEqual(snapshots, record.get_snapshots())


class PrimingTestCase(TestCase):
    """``get_snapshots`` is wrapped only while a block is active, and primes only on the thread that asked."""

    def test_the_wrapper_is_removed_when_the_last_block_ends(self):
        original = ObjectChange.get_snapshots
        with fast_dispatch():
            self.assertIsNot(ObjectChange.get_snapshots, original)
            with fast_dispatch():
                self.assertIs(ObjectChange.get_snapshots.__wrapped__, original)
            self.assertIsNot(ObjectChange.get_snapshots, original)
        self.assertIs(ObjectChange.get_snapshots, original)

    def test_a_job_runs_its_dispatch_with_records_primed(self):
        primed: list[bool] = []
        user = User.objects.create(username="walker")

        def prime(record: ObjectChange) -> None:
            primed.append(internals.is_deferred(record, "object_data"))

        with (
            internals.priming_snapshots(prime),
            web_request_context(user, context=ObjectChangeEventContextChoices.CONTEXT_JOB),
        ):
            Tenant.objects.create(name="walked")
        self.assertEqual(primed, [True])
