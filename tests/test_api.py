"""Tests of the REST API: syncs (read, filter, delete) and log entries (read, filter)."""

from datetime import timedelta

from django.test import override_settings
from django.urls import reverse
from nautobot.apps.testing import APITestCase, APIViewTestCases
from nautobot.tenancy.models import Tenant

from nautobot_ssot.models import Sync, SyncLogEntry
from tests.ui.data import add_conflict, add_logs, make_sync


class SyncAPITestCase(
    APIViewTestCases.GetObjectViewTestCase,
    APIViewTestCases.ListObjectsViewTestCase,
    APIViewTestCases.DeleteObjectViewTestCase,
):
    model = Sync

    @classmethod
    def setUpTestData(cls):
        make_sync(source="Alpha", age=timedelta(hours=1))
        make_sync(source="Beta", dry_run=True, age=timedelta(hours=2))
        make_sync(source="Gamma", status="FAILURE", age=timedelta(hours=3))
        make_sync(source="Delta", age=timedelta(hours=4))


class SyncLogEntryAPITestCase(APIViewTestCases.GetObjectViewTestCase, APIViewTestCases.ListObjectsViewTestCase):
    model = SyncLogEntry

    @classmethod
    def setUpTestData(cls):
        sync = make_sync(logs=0)
        add_logs(sync, 3, linked=Tenant.objects.create(name="fx-api"))
        add_logs(make_sync(source="Beta", logs=0), 2)


class SyncAPIBehaviourTestCase(APITestCase):
    """The JSON diff is opt-in in lists, filters work, and the endpoints are in the OpenAPI schema."""

    @classmethod
    def setUpTestData(cls):
        cls.sync = make_sync(source="Alpha", dry_run=True)
        make_sync(source="Beta")

    def setUp(self):
        super().setUp()
        self.add_permissions("nautobot_ssot.view_sync", "nautobot_ssot.view_synclogentry")

    def test_diff_is_in_the_detail_and_opt_in_in_lists(self):
        url = reverse("plugins-api:nautobot_ssot-api:sync-detail", kwargs={"pk": self.sync.pk})
        response = self.client.get(url, **self.header)
        self.assertHttpStatus(response, 200)
        self.assertEqual(response.json()["diff"], self.sync.diff)
        self.assertEqual(response.json()["status"], "SUCCESS")
        list_url = reverse("plugins-api:nautobot_ssot-api:sync-list")
        self.assertNotIn("diff", self.client.get(list_url, **self.header).json()["results"][0])
        included = self.client.get(f"{list_url}?include=diff", **self.header).json()["results"]
        self.assertIn(self.sync.diff, [row["diff"] for row in included])

    def test_log_entries_keep_the_raw_names(self):
        SyncLogEntry.objects.create(
            sync=self.sync,
            action="update",
            status="success",
            model_name="ip_address",
            unique_id="192.0.2.3__32",
            diff={"+": {"device_type__manufacturer__name": "Acme"}},
        )
        list_url = reverse("plugins-api:nautobot_ssot-api:synclogentry-list")
        rows = self.client.get(f"{list_url}?sync={self.sync.pk}", **self.header).json()["results"]
        row = next(row for row in rows if row["unique_id"] == "192.0.2.3__32")
        self.assertEqual(row["model_name"], "ip_address")
        self.assertEqual(row["diff"], {"+": {"device_type__manufacturer__name": "Acme"}})

    def test_filters(self):
        url = reverse("plugins-api:nautobot_ssot-api:sync-list")
        response = self.client.get(f"{url}?dry_run=true", **self.header)
        self.assertEqual([item["id"] for item in response.json()["results"]], [str(self.sync.pk)])
        response = self.client.get(f"{url}?source=Beta&status=SUCCESS", **self.header)
        self.assertEqual(response.json()["count"], 1)
        logs = reverse("plugins-api:nautobot_ssot-api:synclogentry-list")
        response = self.client.get(f"{logs}?sync={self.sync.pk}&status=failure", **self.header)
        self.assertEqual(response.json()["count"], 1)

    def test_log_entries_are_read_only(self):
        entry = SyncLogEntry.objects.first()
        self.add_permissions("nautobot_ssot.delete_synclogentry", "nautobot_ssot.change_synclogentry")
        url = reverse("plugins-api:nautobot_ssot-api:synclogentry-detail", kwargs={"pk": entry.pk})
        self.assertHttpStatus(self.client.delete(url, **self.header), 405)
        self.assertHttpStatus(self.client.patch(url, {"message": "x"}, format="json", **self.header), 405)

    def test_endpoints_are_in_the_openapi_schema(self):
        response = self.client.get(reverse("schema"), **self.header)
        self.assertHttpStatus(response, 200)
        content = response.content.decode()
        self.assertIn("/plugins/ssot/history/", content)
        self.assertIn("/plugins/ssot/logs/", content)


class SyncConflictAPITestCase(APITestCase):
    """The conflicts of a sync at ``history/<id>/conflicts/``, and the counts in its summary."""

    @classmethod
    def setUpTestData(cls):
        cls.sync = make_sync(records=2)
        cls.conflict = add_conflict(cls.sync)

    def test_lists_the_conflicts_with_values_who_and_when(self):
        self.add_permissions("nautobot_ssot.view_sync")
        url = reverse("plugins-api:nautobot_ssot-api:sync-conflicts", kwargs={"pk": self.sync.pk})
        response = self.client.get(url, **self.header)
        self.assertHttpStatus(response, 200)
        (row,) = response.json()["results"]
        self.assertEqual(
            (row["attribute"], row["source_value"], row["nautobot_value"], row["changed_by"], row["resolution"]),
            ("description", "new ", "set by hand ", "operator", "held"),
        )
        self.assertEqual(row["change_id"], str(self.conflict.change_id))
        detail = self.client.get(self.sync.get_absolute_url(api=True), **self.header).json()
        self.assertEqual((detail["summary"]["conflicts"], detail["summary"]["not_converging"]), (1, 1))

    @override_settings(EXEMPT_VIEW_PERMISSIONS=[])
    def test_needs_view_permission_on_the_sync(self):
        url = reverse("plugins-api:nautobot_ssot-api:sync-conflicts", kwargs={"pk": self.sync.pk})
        self.assertHttpStatus(self.client.get(url, **self.header), 403)
