"""A unique value that moves from an object the diff deletes to one it creates or updates: nothing is lost.

Four cases, synced together by the replacement fixture job (``tests/fixtures/jobs_root/ssot_replace_jobs.py``):

- an IP address whose mask changes (10.222.0.1/24 becomes 10.222.0.1/25: same host in the same parent);
- a prefix whose length changes (10.50.0.0/24 becomes 10.50.0.0/25);
- an interface renamed onto the name of an interface the source no longer has (eth0 becomes eth1, old eth1 gone);
- a VLAN whose vid moves to another name (vid 100 was "rp-a", now "rp-b");
- tenants identified by description whose name moves: to a new tenant (create) and to another tenant (update);
  Tenant is the only one of these models the bulk path writes in bulk (the others fall back per object), and a
  new tenant queued before them must be written first.

Each on the standard and the bulk path, per object, all or nothing, as a validated dry run and as a plain one.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from nautobot.apps.testing import TestCase, TransactionTestCase, run_job_for_testing
from nautobot.dcim.models import Device, DeviceType, Interface, Location, LocationType, Manufacturer
from nautobot.extras.choices import JobResultStatusChoices
from nautobot.extras.models import JobResult, Role, Status
from nautobot.ipam.models import VLAN, IPAddress, Namespace, Prefix, VLANGroup, get_default_namespace_pk
from nautobot.tenancy.models import Tenant

from nautobot_ssot.choices import SyncLogEntryActionChoices, SyncLogEntryStatusChoices, SyncOutcomeChoices
from nautobot_ssot.models import Sync, SyncLogEntry
from nautobot_ssot.sync.replace import holder_of, is_unnamed_uniqueness_error, unique_errors, with_replacements
from tests.fixtures.jobs import fixture_module, job_model_for

LONG = "x" * 300

SOURCE = {
    "tenant": [
        {"description": "rp-t-0", "name": "rp-new"},
        {"description": "rp-t-2", "name": "rp-blue"},
        {"description": "rp-t-3", "name": "rp-green"},
    ],
    "ipaddress": [{"host": "10.222.0.1", "mask_length": 25}],
    "prefix": [{"network": "10.50.0.0", "prefix_length": 25}],
    "interface": [{"device__name": "rp-r1", "description": "rp-if-1", "name": "eth1"}],
    "vlan": [{"vlan_group__name": "rp-group", "name": "rp-b", "vid": 100}],
}
"""What the source holds: every object of the database's scope replaced."""

BEFORE = {
    "tenant": [("rp-t-1", "rp-blue"), ("rp-t-3", "rp-red"), ("rp-t-4", "rp-green")],
    "ip": [("10.222.0.1", 24)],
    "prefix": [("10.50.0.0", 24)],
    "interface": [("rp-if-1", "eth0"), ("rp-if-2", "eth1")],
    "vlan": [("rp-a", 100)],
}
AFTER = {
    "tenant": [("rp-t-0", "rp-new"), ("rp-t-2", "rp-blue"), ("rp-t-3", "rp-green")],
    "ip": [("10.222.0.1", 25)],
    "prefix": [("10.50.0.0", 25)],
    "interface": [("rp-if-1", "eth1")],
    "vlan": [("rp-b", 100)],
}
REPLACED = {
    ("tenant", "rp-t-2", "tenant rp-t-1"),
    ("tenant", "rp-t-3", "tenant rp-t-4"),
    ("ipaddress", "10.222.0.1__25", "ipaddress 10.222.0.1__24"),
    ("interface", "rp-r1__rp-if-1", "interface rp-r1__rp-if-2"),
    ("vlan", "rp-group__rp-b", "vlan rp-group__rp-a"),
}
"""(model, unique id, the object it replaced) of each ``replace`` log entry; a prefix of another length is no
conflict (both may exist), so it is created and the old one deleted, as the diff says."""


def make_data() -> None:
    """The objects in scope (description ``rp``) before the sync, and what they need.

    The Global namespace is created again under the primary key Nautobot remembers for it (a TransactionTestCase
    empties its table after each test).
    """
    active = Status.objects.get(name="Active")
    for description, name in BEFORE["tenant"]:
        Tenant.objects.create(name=name, description=description)
    namespace, _ = Namespace.objects.get_or_create(pk=get_default_namespace_pk(), defaults={"name": "Global"})
    Prefix.objects.create(prefix="10.222.0.0/16", namespace=namespace, status=active)
    IPAddress.objects.create(address="10.222.0.1/24", namespace=namespace, status=active, description="rp")
    Prefix.objects.create(prefix="10.50.0.0/24", namespace=namespace, status=active, description="rp")
    location_type = LocationType.objects.create(name="rp-site")
    location_type.content_types.add(ContentType.objects.get_for_model(Device))
    location = Location.objects.create(name="rp-site-1", location_type=location_type, status=active)
    device_type = DeviceType.objects.create(manufacturer=Manufacturer.objects.create(name="rp-acme"), model="rp-box")
    role = Role.objects.create(name="rp-role")
    role.content_types.add(*location_type.content_types.all())
    device = Device.objects.create(name="rp-r1", location=location, device_type=device_type, role=role, status=active)
    for description, name in BEFORE["interface"]:
        Interface.objects.create(device=device, name=name, type="1000base-t", status=active, description=description)
    group = VLANGroup.objects.create(name="rp-group")
    VLAN.objects.create(vlan_group=group, name="rp-a", vid=100, status=active, description="rp")


def state() -> dict[str, list[tuple]]:
    """The objects in scope, by their natural values."""
    return {
        "tenant": sorted(Tenant.objects.filter(description__startswith="rp").values_list("description", "name")),
        "ip": sorted(IPAddress.objects.filter(description="rp").values_list("host", "mask_length")),
        "prefix": sorted(
            (str(network), length)
            for network, length in Prefix.objects.filter(description="rp").values_list("network", "prefix_length")
        ),
        "interface": sorted(Interface.objects.filter(device__name="rp-r1").values_list("description", "name")),
        "vlan": sorted(VLAN.objects.filter(vlan_group__name="rp-group").values_list("name", "vid")),
    }


def run(source: dict[str, list[dict[str, Any]]] | None = None, **job_kwargs: Any) -> JobResult:
    """Run the replacement fixture job (a real, per-object run unless told otherwise)."""
    job_class = fixture_module("ssot_replace_jobs").ReplaceDataSource
    kwargs = {
        "dryrun": False,
        "memory_profiling": False,
        "max_delete_percent": 100,
        "records": json.dumps(SOURCE if source is None else source),
    }
    kwargs.update(job_kwargs)
    result = run_job_for_testing(job_model_for(job_class), job_kwargs=kwargs)
    result.refresh_from_db()
    return result


def entries(sync: Sync, *actions: str) -> set[tuple[str, str, str, str]]:
    """(action, status, model, unique id) of the log entries with ``actions`` (all when none given)."""
    rows = SyncLogEntry.objects.filter(sync=sync)
    if actions:
        rows = rows.filter(action__in=actions)
    return set(rows.values_list("action", "status", "model_name", "unique_id"))


class ReplacementTestCase(TransactionTestCase):
    """Each case on the standard path; ``bulk`` runs them on the bulk path (``BulkReplacementTestCase``)."""

    bulk = False

    def setUp(self):
        super().setUp()
        make_data()

    def run_job(self, source=None, **job_kwargs) -> tuple[JobResult, Sync]:
        result = run(source, bulk=self.bulk, **job_kwargs)
        return result, Sync.objects.get(job_result=result)

    def assert_replaced(self, sync: Sync) -> None:
        """One ``replace`` entry per pair, naming the object it replaced; no create or delete entry for them."""
        replaced = SyncLogEntry.objects.filter(sync=sync, action=SyncLogEntryActionChoices.ACTION_REPLACE)
        self.assertEqual(
            {(row.model_name, row.unique_id, row.status) for row in replaced},
            {(model, unique_id, SyncLogEntryStatusChoices.STATUS_SUCCESS) for model, unique_id, _ in REPLACED},
        )
        for model, unique_id, old in REPLACED:
            self.assertIn(f"Replaced {old} with {model} {unique_id}", replaced.get(unique_id=unique_id).message)
        others = entries(sync, SyncLogEntryActionChoices.ACTION_CREATE, SyncLogEntryActionChoices.ACTION_DELETE)
        self.assertEqual(
            others,
            {
                ("create", "success", "prefix", "10.50.0.0__25"),
                ("create", "success", "tenant", "rp-t-0"),
                ("delete", "success", "prefix", "10.50.0.0__24"),
            },
        )
        self.assertEqual(
            {key: sync.summary.get(key) for key in ("create", "update", "delete", "replace", "failure", "error")},
            {"create": 2, "update": 0, "delete": 1, "replace": 5, "failure": 0, "error": 0},
        )

    def test_each_pair_is_replaced_and_logged_once(self):
        result, sync = self.run_job()
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_SUCCESS, result.traceback)
        self.assertEqual(state(), AFTER)
        self.assert_replaced(sync)
        self.assertEqual(sync.outcome, SyncOutcomeChoices.OUTCOME_COMPLETED)
        self.assertTrue(result.job_log_entries.filter(message__startswith="Replaced 5 object(s)").exists())

    def test_all_or_nothing_commits_the_replacements(self):
        result, sync = self.run_job(all_or_nothing=True)
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_SUCCESS, result.traceback)
        self.assertEqual(state(), AFTER)
        self.assert_replaced(sync)

    def test_a_validated_dry_run_reports_the_replacements_and_keeps_everything(self):
        result, sync = self.run_job(dryrun=True, validate_dry_run=True)
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_SUCCESS, result.traceback)
        self.assertEqual(state(), BEFORE)
        self.assertTrue(sync.rolled_back)
        self.assert_replaced(sync)

    def test_a_plain_dry_run_shows_the_diff_and_changes_nothing(self):
        result, sync = self.run_job(dryrun=True)
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_SUCCESS, result.traceback)
        self.assertEqual(state(), BEFORE)
        self.assertEqual((sync.summary["create"], sync.summary["update"], sync.summary["delete"]), (5, 2, 6))
        self.assertNotIn("replace", sync.summary)

    def test_a_replacement_that_fails_keeps_the_old_object_and_reports_both(self):
        source = {**SOURCE, "ipaddress": [{"host": "10.222.0.1", "mask_length": 25, "description": "rp" + LONG}]}
        source["interface"] = [{**SOURCE["interface"][0], "label": LONG}]
        source["tenant"] = [{"description": "rp-t-2" + LONG, "name": "rp-blue"}, *SOURCE["tenant"][2:]]
        result, sync = self.run_job(source)
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_FAILURE)
        tenants = [("rp-t-1", "rp-blue"), ("rp-t-3", "rp-green")]
        self.assertEqual(state(), {**AFTER, "ip": BEFORE["ip"], "interface": BEFORE["interface"], "tenant": tenants})
        failed = entries(sync) - entries(sync, SyncLogEntryActionChoices.ACTION_NO_CHANGE)
        self.assertLessEqual(
            {
                ("create", "error", "ipaddress", "10.222.0.1__25"),
                ("delete", "failure", "ipaddress", "10.222.0.1__24"),
                ("update", "error", "interface", "rp-r1__rp-if-1"),
                ("delete", "failure", "interface", "rp-r1__rp-if-2"),
                ("replace", "success", "vlan", "rp-group__rp-b"),
                ("create", "error", "tenant", "rp-t-2" + LONG),
                ("delete", "failure", "tenant", "rp-t-1"),
                ("replace", "success", "tenant", "rp-t-3"),
            },
            failed,
        )
        message = SyncLogEntry.objects.get(sync=sync, model_name="ipaddress", action="create").message
        self.assertIn("description", message)
        self.assertIn("neither change was applied", message)
        self.assertIn("is kept", SyncLogEntry.objects.get(sync=sync, model_name="ipaddress", action="delete").message)
        self.assertEqual((sync.summary["failure"], sync.summary["error"], sync.summary["replace"]), (3, 3, 2))

    def test_all_or_nothing_rolls_back_everything_when_a_replacement_fails(self):
        source = {**SOURCE, "ipaddress": [{"host": "10.222.0.1", "mask_length": 25, "description": "rp" + LONG}]}
        result, sync = self.run_job(source, all_or_nothing=True)
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_FAILURE)
        self.assertEqual(state(), BEFORE)
        self.assertTrue(sync.rolled_back)
        self.assertIn(("delete", "failure", "ipaddress", "10.222.0.1__24"), entries(sync))


class BulkReplacementTestCase(ReplacementTestCase):
    """The same cases on contrib's bulk path (the models it cannot write in bulk fall back per object)."""

    bulk = True


class HolderTestCase(TestCase):
    """How a refused write names (or does not name) the object holding its unique value."""

    def test_a_uniqueness_error_names_the_holder(self):
        holder = Tenant.objects.create(name="rp-taken")
        with self.assertRaises(ValidationError) as caught:
            Tenant(name="rp-taken").full_clean()
        (error,) = unique_errors(caught.exception)
        self.assertEqual(holder_of(error), holder)

    def test_other_validation_errors_name_no_holder_and_are_not_guessed_at(self):
        with self.assertRaises(ValidationError) as caught:
            Tenant(name="x" * 300).full_clean()
        self.assertEqual(unique_errors(caught.exception), [])
        self.assertFalse(is_unnamed_uniqueness_error(caught.exception))
        self.assertFalse(is_unnamed_uniqueness_error(ValueError("no such status")))

    def test_a_models_own_non_field_check_is_guessed_at(self):
        self.assertTrue(is_unnamed_uniqueness_error(ValidationError("A interface by this name already exists")))
        self.assertTrue(is_unnamed_uniqueness_error(ValidationError({NON_FIELD_ERRORS: ["taken"]})))

    def test_the_summary_counts_each_pair_once(self):
        summary = {"create": 5, "update": 2, "delete": 6, "no-change": 3}
        self.assertEqual(
            with_replacements(summary, Counter({"create": 3, "update": 2})),
            {"create": 2, "update": 0, "delete": 1, "no-change": 3, "replace": 5},
        )
        self.assertEqual(with_replacements(summary, Counter()), summary)
