"""Plan and apply: a dry run's per-record diff applied later, exactly, or refused when the target drifted."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from nautobot.apps.testing import TransactionTestCase
from nautobot.extras.choices import JobResultStatusChoices
from nautobot.extras.models import JobResult
from nautobot.tenancy.models import Tenant

from nautobot_ssot.choices import SyncOutcomeChoices
from nautobot_ssot.sync.plan import PlanError, enqueue_plan_apply
from tests.safety.helpers import records, run_safety_job, safety_job_model, snapshot, sync_of


def tenants() -> dict[str, str]:
    return dict(Tenant.objects.filter(name__startswith="sf-").values_list("name", "description"))


class PlanApplyTestCase(TransactionTestCase):
    """The plan is the dry run's stored diff; applying it re-loads both sides and checks for drift."""

    def setUp(self):
        super().setUp()
        for name, description in (("sf-a", "a"), ("sf-b", "b"), ("sf-c", "c"), ("sf-d", "d")):
            Tenant.objects.create(name=name, description=description)
        source = [{"name": "sf-a", "description": "A!"}, "sf-b", {"name": "sf-c", "description": "c"}, "sf-new"]
        self.plan = sync_of(run_safety_job(dryrun=True, records=records(source)))
        self.assertEqual(self.plan.summary["create"], 1)

    def apply(self, source, **kwargs) -> JobResult:
        return run_safety_job(records=records(source), apply_plan=str(self.plan.pk), **kwargs)

    def test_an_unchanged_plan_produces_exactly_the_planned_changes(self):
        source_now = ["sf-a", "sf-b", "sf-c", "sf-new", "sf-extra"]  # The source moved on; the plan did not.
        result = self.apply(source_now)
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_SUCCESS, result.traceback)
        self.assertEqual(tenants(), {"sf-a": "A!", "sf-b": "", "sf-c": "c", "sf-new": ""})
        applied = sync_of(result)
        self.assertEqual(applied.plan, self.plan)
        self.assertEqual(applied.outcome, SyncOutcomeChoices.OUTCOME_COMPLETED)
        planned = set(self.plan.diff_records.values_list("model_name", "unique_id", "action"))
        self.assertEqual(set(applied.diff_records.values_list("model_name", "unique_id", "action")), planned)
        self.assertEqual(
            planned,
            {
                ("tenant", "sf-a", "update"),
                ("tenant", "sf-b", "update"),
                ("tenant", "sf-d", "delete"),
                ("tenant", "sf-new", "create"),
            },
        )

    def test_a_plan_whose_target_records_changed_is_refused_and_nothing_is_written(self):
        Tenant.objects.filter(name="sf-b").update(description="changed meanwhile")
        before = snapshot()
        result = self.apply(["sf-a", "sf-b", "sf-c", "sf-new"])
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_FAILURE)
        self.assertEqual(snapshot(), before)
        sync = sync_of(result)
        self.assertEqual(sync.outcome, SyncOutcomeChoices.OUTCOME_REFUSED)
        self.assertIn("target changed since the plan", sync.outcome_message)
        self.assertIn("update tenant sf-b: changed in the target since the plan: description", sync.outcome_message)
        self.assertIsNone(sync.sync_time)

    def test_a_created_or_deleted_record_is_drift_too(self):
        Tenant.objects.create(name="sf-new")
        Tenant.objects.filter(name="sf-d").delete()
        result = self.apply([])
        message = sync_of(result).outcome_message
        self.assertIn("create tenant sf-new: it exists in the target now", message)
        self.assertIn("delete tenant sf-d: it no longer exists in the target", message)

    def test_a_plan_is_applied_once(self):
        self.assertEqual(self.apply(["sf-a"]).status, JobResultStatusChoices.STATUS_SUCCESS)
        second = self.apply(["sf-a"])
        self.assertEqual(second.status, JobResultStatusChoices.STATUS_FAILURE)
        self.assertIn("already applied", sync_of(second).outcome_message)

    def test_enqueue_plan_apply_runs_the_plans_job_with_the_plans_input(self):
        nobody = get_user_model().objects.create_user(username="nobody")
        with self.assertRaises(PermissionDenied):
            enqueue_plan_apply(self.plan, nobody)
        user = get_user_model().objects.create_user(username="planner", is_superuser=True)
        result = enqueue_plan_apply(self.plan, user, synchronous=True)
        result.refresh_from_db()
        self.assertEqual(result.job_model, safety_job_model())
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_SUCCESS, result.traceback)
        self.assertEqual(sync_of(result).plan, self.plan)
        self.assertEqual(tenants(), {"sf-a": "A!", "sf-b": "", "sf-c": "c", "sf-new": ""})
        with self.assertRaisesRegex(PlanError, "not a dry run"):
            enqueue_plan_apply(sync_of(result), user)
        with self.assertRaisesRegex(PlanError, "already applied"):
            enqueue_plan_apply(self.plan, user)
