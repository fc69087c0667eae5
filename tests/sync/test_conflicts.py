"""Conflicts: a person's edit in Nautobot since the job's last real run, then a run, under each policy."""

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from nautobot.apps.testing import TestCase, TransactionTestCase
from nautobot.dcim.models import Location
from nautobot.extras.choices import JobResultStatusChoices, ObjectChangeEventContextChoices
from nautobot.extras.context_managers import web_request_context
from nautobot.tenancy.models import Tenant

from nautobot_ssot.choices import ConflictPolicyChoices, ConflictResolutionChoices
from nautobot_ssot.models import Sync, SyncConflict
from nautobot_ssot.sync.conflicts import ConflictSettings, detect_conflicts
from tests.safety.helpers import (
    location_row,
    make_location,
    make_site_type,
    records,
    run_safety_job,
    safety_module,
    sync_of,
)

JOB_PATH = "ssot_safety_jobs.SafetyDataSource"


def edit_as(user, model, name: str, context: str = ObjectChangeEventContextChoices.CONTEXT_WEB, detail="", **values):
    """Change one object as ``user`` would through a web request (a change record is written)."""
    with web_request_context(user, context=context, context_detail=detail):
        obj = model.objects.get(name=name)
        for field_name, value in values.items():
            setattr(obj, field_name, value)
        obj.validated_save()


def description(name: str) -> str:
    return Tenant.objects.get(name=name).description


class ConflictPolicyTestCase(TransactionTestCase):
    """A first real run creates the tenants; a person edits one; the next run meets the edit."""

    def setUp(self):
        super().setUp()
        self.person = get_user_model().objects.create_user(username="operator")
        first = run_safety_job(records=records([{"name": "sf-a", "description": "src"}, "sf-b"]))
        self.assertEqual(first.status, JobResultStatusChoices.STATUS_SUCCESS, first.traceback)
        edit_as(self.person, Tenant, "sf-a", description="fixed by hand")

    def run_again(self, source, **kwargs):
        result = run_safety_job(records=records(source), **kwargs)
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_SUCCESS, result.traceback)
        return sync_of(result)

    def test_source_wins_overwrites_and_reports_who_when_and_both_values(self):
        sync = self.run_again([{"name": "sf-a", "description": "src"}, "sf-b"])
        self.assertEqual(description("sf-a"), "src")
        conflict = SyncConflict.objects.get(sync=sync)
        self.assertEqual(
            (conflict.model_name, conflict.unique_id, conflict.attribute, conflict.action),
            ("tenant", "sf-a", "description", "update"),
        )
        self.assertEqual((conflict.source_value, conflict.nautobot_value), ("src", "fixed by hand"))
        self.assertEqual(conflict.changed_by, "operator")
        self.assertIsNotNone(conflict.changed_at)
        self.assertIsNotNone(conflict.change_id)
        self.assertEqual(conflict.resolution, ConflictResolutionChoices.RESOLUTION_OVERWRITTEN)
        self.assertEqual(conflict.record.unique_id, "sf-a")
        self.assertEqual(sync.summary["conflicts"], 1)

    def test_nautobot_wins_keeps_the_edit(self):
        policy = ConflictPolicyChoices.POLICY_NAUTOBOT_WINS
        sync = self.run_again([{"name": "sf-a", "description": "src"}, "sf-b"], conflict_policy=policy)
        self.assertEqual(description("sf-a"), "fixed by hand")
        self.assertEqual(sync.conflicts.get().resolution, ConflictResolutionChoices.RESOLUTION_KEPT)

    def test_hold_leaves_the_object_alone(self):
        sync = self.run_again(
            [{"name": "sf-a", "description": "new"}, {"name": "sf-b", "description": "b"}],
            conflict_policy=ConflictPolicyChoices.POLICY_HOLD,
        )
        self.assertEqual(description("sf-a"), "fixed by hand")
        self.assertEqual(description("sf-b"), "b")
        self.assertEqual(sync.conflicts.get().resolution, ConflictResolutionChoices.RESOLUTION_HELD)

    def test_a_held_delete_keeps_the_edited_object(self):
        sync = self.run_again(["sf-b"], conflict_policy=ConflictPolicyChoices.POLICY_HOLD)
        self.assertTrue(Tenant.objects.filter(name="sf-a").exists())
        conflict = sync.conflicts.get()
        self.assertEqual((conflict.action, conflict.attribute), ("delete", ""))
        self.assertEqual(conflict.nautobot_value, {"description": "fixed by hand"})

    def test_a_dry_run_reports_the_conflict_and_changes_nothing(self):
        sync = self.run_again([{"name": "sf-a", "description": "src"}, "sf-b"], dryrun=True)
        self.assertEqual(description("sf-a"), "fixed by hand")
        self.assertEqual(sync.conflicts.count(), 1)

    def test_a_held_conflict_is_applied_through_the_plan_of_a_dry_run(self):
        source = [{"name": "sf-a", "description": "src"}, "sf-b"]
        plan = self.run_again(source, dryrun=True, conflict_policy=ConflictPolicyChoices.POLICY_HOLD)
        applied = self.run_again(source, apply_plan=str(plan.pk), conflict_policy=ConflictPolicyChoices.POLICY_HOLD)
        self.assertEqual(description("sf-a"), "src")
        self.assertEqual(applied.conflicts.get().resolution, ConflictResolutionChoices.RESOLUTION_OVERWRITTEN)


class MetaPolicyTestCase(TransactionTestCase):
    """The job's ``Meta`` sets the default policy (hold) and a policy per model (locations: Nautobot wins)."""

    def setUp(self):
        super().setUp()
        make_site_type()
        self.person = get_user_model().objects.create_user(username="operator")
        self.source = records([{"name": "sf-a", "description": "src"}], [location_row("sf-1", description="src")])
        run_safety_job("SafetyHoldSource", records=self.source)
        edit_as(self.person, Tenant, "sf-a", description="by hand")
        edit_as(self.person, Location, "sf-1", description="by hand")

    def test_the_meta_default_applies_when_the_form_leaves_it_empty(self):
        sync = sync_of(run_safety_job("SafetyHoldSource", records=self.source, conflict_policy=""))
        self.assertEqual(description("sf-a"), "by hand")
        resolutions = dict(sync.conflicts.values_list("model_name", "resolution"))
        self.assertEqual(resolutions, {"tenant": "held", "location": "kept"})

    def test_the_run_form_overrides_the_default_but_not_the_per_model_policy(self):
        run_safety_job("SafetyHoldSource", records=self.source, conflict_policy="source-wins")
        self.assertEqual(description("sf-a"), "src")
        self.assertEqual(Location.objects.get(name="sf-1").description, "by hand")


class NotAConflictTestCase(TransactionTestCase):
    """Edits by the job itself are not conflicts; edits by another job are."""

    def setUp(self):
        super().setUp()
        self.person = get_user_model().objects.create_user(username="operator")
        run_safety_job(records=records([{"name": "sf-a", "description": "v1"}]))

    def test_the_jobs_own_writes_are_not_conflicts(self):
        run_safety_job(records=records([{"name": "sf-a", "description": "v2"}]))
        sync = sync_of(run_safety_job(records=records([{"name": "sf-a", "description": "v3"}])))
        self.assertEqual(description("sf-a"), "v3")
        self.assertEqual(sync.summary["conflicts"], 0)

    def test_another_jobs_edit_is_a_conflict(self):
        edit_as(
            self.person,
            Tenant,
            "sf-a",
            context=ObjectChangeEventContextChoices.CONTEXT_JOB,
            detail="other_jobs.OtherJob",
            description="from another job",
        )
        sync = sync_of(run_safety_job(records=records([{"name": "sf-a", "description": "v1"}])))
        self.assertEqual(sync.conflicts.get().nautobot_value, "from another job")

    def test_an_edit_a_later_real_run_overwrote_is_not_a_conflict_again(self):
        edit_as(self.person, Tenant, "sf-a", description="by hand")
        dry = run_safety_job(records=records([{"name": "sf-a", "description": "v1"}]), dryrun=True)
        self.assertEqual(sync_of(dry).conflicts.count(), 1)
        run_safety_job(records=records([{"name": "sf-a", "description": "v1"}]))
        sync = sync_of(run_safety_job(records=records([{"name": "sf-a", "description": "v2"}])))
        self.assertEqual(sync.conflicts.count(), 0)


class NautobotWinsPartialTestCase(TransactionTestCase):
    """Nautobot wins keeps the edited fields of an object and syncs its other fields."""

    def setUp(self):
        super().setUp()
        make_site_type()
        self.person = get_user_model().objects.create_user(username="operator")
        run_safety_job(records=records(locations=[location_row("sf-site-1", description="d1", facility="f1")]))

    def test_the_rest_of_the_object_is_synced(self):
        edit_as(self.person, Location, "sf-site-1", facility="by hand")
        source = records(locations=[location_row("sf-site-1", description="d2", facility="f1")])
        sync = sync_of(run_safety_job(records=source, conflict_policy=ConflictPolicyChoices.POLICY_NAUTOBOT_WINS))
        location = Location.objects.get(name="sf-site-1")
        self.assertEqual((location.description, location.facility), ("d2", "by hand"))
        self.assertEqual(list(sync.conflicts.values_list("attribute", flat=True)), ["facility"])


class DetectionQueryCountTestCase(TestCase):
    """Detection costs a fixed number of queries per model, whatever the number of conflicting objects."""

    def setUp(self):
        super().setUp()
        make_site_type()
        self.person = get_user_model().objects.create_user(username="operator")
        self.since = timezone.now()

    def queries_for(self, count: int) -> tuple[int, int]:
        names = [f"sf-q{count}-{index}" for index in range(count)]
        for name in names:
            Tenant.objects.create(name=name, description="old")
            make_location(name, description="old")
            edit_as(self.person, Tenant, name, description="by hand")
            edit_as(self.person, Location, name, description="by hand")
        module = safety_module()
        source = module.JsonSourceAdapter(
            records=records(
                [{"name": name, "description": "src"} for name in names], [location_row(name) for name in names]
            )
        )
        source.load()
        target = module.NautobotScopeAdapter(job=None)
        target.load()
        diff = source.diff_to(target)
        sync = Sync.objects.create(source="s", target="t", start_time=timezone.now())
        settings = ConflictSettings(job_path=JOB_PATH, since=self.since)
        with CaptureQueriesContext(connection) as queries:
            report = detect_conflicts(sync, diff, target, settings)
        Location.objects.filter(name__in=names).delete()
        Tenant.objects.filter(name__in=names).delete()
        return len(queries), len(report.conflicts)

    def test_query_count_does_not_grow_with_objects(self):
        few, few_conflicts = self.queries_for(2)
        many, many_conflicts = self.queries_for(12)
        self.assertEqual((few_conflicts, many_conflicts), (4, 24))
        self.assertEqual(few, many)
        self.assertLessEqual(many, 12)

    def test_nothing_is_checked_without_a_previous_real_run(self):
        Tenant.objects.create(name="sf-x", description="old")
        edit_as(self.person, Tenant, "sf-x", description="by hand")
        module = safety_module()
        source = module.JsonSourceAdapter(records=records([{"name": "sf-x", "description": "src"}]))
        source.load()
        target = module.NautobotScopeAdapter(job=None)
        target.load()
        sync = Sync.objects.create(source="s", target="t", start_time=timezone.now())
        report = detect_conflicts(sync, source.diff_to(target), target, ConflictSettings(job_path=JOB_PATH))
        self.assertEqual(report.conflicts, [])
        self.assertEqual(Sync.objects.get(pk=sync.pk).summary["conflicts"], 0)

    def test_an_unknown_policy_is_refused_with_its_name(self):
        with self.assertRaisesRegex(ValueError, "'sometimes'"):
            ConflictSettings(per_model={"tenant": "sometimes"})
