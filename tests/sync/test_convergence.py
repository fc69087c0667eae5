"""Not converging: a value that each of the last K real runs changes again is flagged."""

from nautobot.apps.testing import TransactionTestCase

from nautobot_ssot.models import SyncDiffRecord
from tests.safety.helpers import records, run_safety_job, sync_of


def run_with(description: str, **kwargs):
    return sync_of(run_safety_job(records=records([{"name": "sf-a", "description": description}, "sf-b"]), **kwargs))


class NotConvergingTestCase(TransactionTestCase):
    """The source alternates a tenant's description, as two systems fighting over it would."""

    def setUp(self):
        super().setUp()
        run_with("x")

    def test_flagged_after_k_alternating_runs_and_not_before(self):
        second, third = run_with("y"), run_with("x")
        self.assertEqual((second.summary["not_converging"], third.summary["not_converging"]), (0, 0))
        fourth = run_with("y")
        self.assertEqual(fourth.summary["not_converging"], 1)
        flagged = SyncDiffRecord.objects.get(sync=fourth, unique_id="sf-a")
        self.assertEqual(flagged.not_converging, ["description"])
        self.assertFalse(SyncDiffRecord.objects.filter(sync=third).exclude(not_converging=[]).exists())

    def test_a_run_that_changes_nothing_breaks_the_series(self):
        run_with("y")
        run_with("y")
        self.assertEqual(run_with("x").summary["not_converging"], 0)

    def test_dry_runs_neither_count_nor_are_flagged(self):
        run_with("y")
        run_with("x", dryrun=True)
        self.assertEqual(run_with("x").summary["not_converging"], 0)
        self.assertNotIn("not_converging", run_with("y", dryrun=True).summary)
