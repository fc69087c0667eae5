"""Tests of the tables and rendering helpers: counts, durations, memory and before/after diffs."""

from datetime import timedelta

from django.test import RequestFactory
from nautobot.apps.testing import TestCase
from nautobot.tenancy.models import Tenant, TenantGroup

from nautobot_ssot.choices import SyncOutcomeChoices
from nautobot_ssot.models import Sync, SyncDiffRecord, SyncLogEntry
from nautobot_ssot.tables import SyncDiffRecordTable, SyncLogEntryTable, SyncTable
from nautobot_ssot.templatetags.ssot_tags import (
    format_bytes,
    format_duration,
    render_before_after,
    render_log_diff,
    summary_counts,
)
from tests.ui.data import XSS, add_logs, make_sync


class FormattingTestCase(TestCase):
    def test_format_duration(self):
        self.assertEqual(format_duration(timedelta(seconds=1.234)), "1.23 s")
        self.assertEqual(format_duration(timedelta(seconds=125)), "2 min 5 s")
        self.assertEqual(format_duration(timedelta(hours=1, minutes=2)), "1 h 2 min")
        self.assertIn("&mdash;", format_duration(None))

    def test_format_bytes(self):
        self.assertEqual(format_bytes(512), "512 B")
        self.assertEqual(format_bytes(3 * 1024 * 1024), "3.0 MiB")
        self.assertEqual(format_bytes(5 * 1024**4), "5120.0 GiB")


class SummaryCountsTestCase(TestCase):
    def test_real_runs_link_to_filtered_log_entries(self):
        sync = make_sync(records=2, logs=0)
        counts = {count.key: count for count in summary_counts(sync)}
        self.assertIn(f"sync={sync.pk}", counts["create"].url)
        self.assertIn("action=create", counts["create"].url)
        self.assertIsNone(counts["update"].url)  # nothing to show
        self.assertIsNone(counts["no-change"].url)  # unchanged objects are only counted

    def test_dry_runs_link_to_the_diff(self):
        sync = make_sync(records=2, logs=0, dry_run=True)
        counts = {count.key: count for count in summary_counts(sync)}
        self.assertIn("/diff/?action=create", counts["create"].url)

    def test_replacements_show_only_when_there_are_some_and_link_to_their_log_entries(self):
        sync = make_sync(records=2, logs=0, dry_run=True)
        self.assertNotIn("replace", {count.key for count in summary_counts(sync)})
        sync.summary = {**sync.summary, "replace": 2}
        counts = {count.key: count for count in summary_counts(sync)}
        self.assertEqual((counts["replace"].value, counts["replace"].label), (2, "replaced"))
        self.assertIn(f"sync={sync.pk}", counts["replace"].url)
        self.assertIn("action=replace", counts["replace"].url)

    def test_dry_runs_say_what_a_real_run_would_do(self):
        dry_run = {count.key: count.label for count in summary_counts(make_sync(dry_run=True, logs=0))}
        self.assertEqual(
            (dry_run["create"], dry_run["delete"], dry_run["no-change"]), ("would create", "would delete", "unchanged")
        )
        real = {count.key: count.label for count in summary_counts(make_sync(logs=0))}
        self.assertEqual((real["create"], real["delete"]), ("created", "deleted"))

    def test_a_running_sync_says_what_is_still_to_do(self):
        sync = make_sync(logs=0)
        sync.outcome = SyncOutcomeChoices.OUTCOME_RUNNING
        labels = {count.key: count.label for count in summary_counts(sync)}
        self.assertEqual((labels["create"], labels["update"]), ("to create", "to update"))


class DiffRenderingTestCase(TestCase):
    def test_update_shows_before_and_after(self):
        record = SyncDiffRecord(source_attrs={"a": 1, "b": "x"}, target_attrs={"a": 2, "b": "x"})
        html = render_before_after(record)
        self.assertInHTML('<td class="text-danger"><code>2</code></td>', html)
        self.assertInHTML('<td class="text-success"><code>1</code></td>', html)
        self.assertIn("table-warning", html)

    def test_create_has_no_before(self):
        html = render_before_after(SyncDiffRecord(source_attrs={"a": ""}, target_attrs=None))
        self.assertIn("&mdash;", html)
        self.assertIn("<code>&quot;&quot;</code>", html)

    def test_everything_is_escaped(self):
        html = render_before_after(SyncDiffRecord(source_attrs={XSS: XSS}, target_attrs={XSS: "old"}))
        self.assertNotIn("<script>", html)
        self.assertNotIn("<script>", render_log_diff({"+": {XSS: XSS}, "-": {XSS: 1}}))
        self.assertNotIn("<script>", render_log_diff(XSS))


class TablesTestCase(TestCase):
    def test_diff_rows_are_numbered_from_one(self):
        sync = make_sync(records=2, logs=0)
        table = SyncDiffRecordTable(sync.diff_records.order_by("position"))
        self.assertEqual([row.get_cell("position") for row in table.rows], [1, 2])

    def test_tables_render(self):
        sync = make_sync(records=3, logs=3, text=XSS)
        request = RequestFactory().get("/")
        request.user = self.user
        for table in (
            SyncTable(Sync.objects.defer("diff")),
            SyncDiffRecordTable(sync.diff_records.all()),
            SyncLogEntryTable(sync.logs.all()),
        ):
            with self.subTest(table=type(table).__name__):
                html = table.as_html(request)
                self.assertNotIn("<script>alert", html)


class ReadableLabelsTestCase(TestCase):
    """Diffs and logs show verbose names, labels and display names; the raw names on hover."""

    def setUp(self):
        super().setUp()
        self.sync = make_sync(records=0, logs=0)
        self.request = RequestFactory().get("/")
        self.request.user = self.user

    def _record(self, **fields):
        defaults = {"sync": self.sync, "position": 0, "action": "update", "model_name": "tenant"}
        return SyncDiffRecord.objects.create(**{**defaults, **fields})

    def test_diff_rows_show_the_model_and_the_existing_objects_display_name(self):
        group = TenantGroup.objects.create(name="fx-group")
        tenant = Tenant.objects.create(name="fx-labelled", tenant_group=group)
        keys = {"name": "fx-labelled", "tenant_group__name": "fx-group"}
        self._record(unique_id="fx-labelled__fx-group", keys=keys, source_attrs={"description": "new"})
        self._record(position=1, model_name="ip_address", unique_id="192.0.2.3__32", keys={"host": "192.0.2.3"})
        html = SyncDiffRecordTable(self.sync.diff_records.order_by("position")).as_html(self.request)
        self.assertInHTML(
            f'<a href="{tenant.get_absolute_url()}" title="fx-labelled__fx-group">{tenant.name}</a>', html
        )
        self.assertInHTML('<span title="ip_address">IP address</span>', html)
        self.assertInHTML('<span title="192.0.2.3__32">192.0.2.3</span>', html)
        self.assertInHTML('<span title="tenant_group__name">Tenant group › Name</span>', html)
        self.assertInHTML('<span title="description">Description</span>', html)

    def test_log_entries_show_the_object_type_and_attribute_labels(self):
        SyncLogEntry.objects.create(
            sync=self.sync,
            action="update",
            status="success",
            model_name="vlan_group",
            unique_id="fx-vlans",
            diff={"+": {"location__name": "Berlin"}, "-": {"location__name": "Paris"}},
        )
        html = SyncLogEntryTable(self.sync.logs.all()).as_html(self.request)
        self.assertInHTML('<span title="vlan_group">VLAN group</span>', html)
        self.assertInHTML('<span title="location__name">Location › Name</span>', html)

    def test_the_sync_column_is_one_short_line(self):
        add_logs(self.sync, 1)
        html = SyncLogEntryTable(self.sync.logs.all()).as_html(self.request)
        self.assertIn(f'title="{self.sync}"', html)
        self.assertNotIn(f">{self.sync}</a>", html)
        self.assertEqual(html.count('<td class="text-nowrap">'), 2)  # the timestamp and the sync
