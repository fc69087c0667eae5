"""Deletes with a grace period: marked first, deleted after the limit, unmarked when back."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone
from nautobot.apps.testing import TransactionTestCase
from nautobot.extras.choices import JobResultStatusChoices
from nautobot.extras.context_managers import web_request_context
from nautobot.extras.models import ObjectMetadata
from nautobot.tenancy.models import Tenant

from nautobot_ssot.sync.grace import MARK_TYPE_NAME
from tests.safety.helpers import records, run_safety_job

JOB = "SafetyGraceSource"


def run(*names: str, **kwargs):
    result = run_safety_job(JOB, records=records(list(names)), **kwargs)
    if result.status != JobResultStatusChoices.STATUS_SUCCESS:
        raise AssertionError(f"The run failed: {result.traceback}")
    return result


def mark(name: str) -> dict | None:
    tenant = Tenant.objects.filter(name=name).first()
    found = ObjectMetadata.objects.filter(metadata_type__name=MARK_TYPE_NAME, assigned_object_id=tenant.pk).first()
    return found.value if found else None


def exists(name: str) -> bool:
    return Tenant.objects.filter(name=name).exists()


class GracePeriodTestCase(TransactionTestCase):
    """The job (3 runs or 2 days of grace) first created sf-a and sf-b."""

    def setUp(self):
        super().setUp()
        run("sf-a", "sf-b")

    def test_marked_then_deleted_after_the_number_of_runs(self):
        run("sf-a")
        self.assertTrue(exists("sf-b"))
        self.assertEqual(mark("sf-b")["runs"], 1)
        self.assertTrue(mark("sf-b")["job"].endswith("SafetyGraceSource"))
        run("sf-a")
        self.assertEqual(mark("sf-b")["runs"], 2)
        run("sf-a")
        self.assertFalse(exists("sf-b"))
        self.assertFalse(ObjectMetadata.objects.filter(metadata_type__name=MARK_TYPE_NAME).exists())

    def test_deleted_after_the_number_of_days(self):
        run("sf-a")
        metadata = ObjectMetadata.objects.get(metadata_type__name=MARK_TYPE_NAME)
        metadata.value = {**metadata.value, "missing_since": (timezone.now() - timedelta(days=3)).isoformat()}
        metadata.save()
        run("sf-a")
        self.assertFalse(exists("sf-b"))

    def test_unmarked_when_back_and_counted_from_scratch_when_missing_again(self):
        run("sf-a")
        run("sf-a", "sf-b")
        self.assertIsNone(mark("sf-b"))
        run("sf-a")
        self.assertEqual(mark("sf-b")["runs"], 1)

    def test_dry_runs_neither_mark_nor_count(self):
        run("sf-a", dryrun=True)
        self.assertIsNone(mark("sf-b"))

    def test_objects_others_created_or_last_wrote_are_not_candidates(self):
        person = get_user_model().objects.create_user(username="operator")
        with web_request_context(person):
            Tenant.objects.create(name="sf-by-hand")
            edited = Tenant.objects.get(name="sf-b")
            edited.description = "mine now"
            edited.validated_save()
        for _ in range(4):
            run("sf-a")
        self.assertTrue(exists("sf-by-hand"))
        self.assertTrue(exists("sf-b"))
        self.assertIsNone(mark("sf-b"))
