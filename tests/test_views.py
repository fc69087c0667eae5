"""Tests of the web UI: sync history and detail, log entries, dashboard, data job pages, JobResult link."""

from datetime import timedelta

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from nautobot.apps.testing import TestCase, ViewTestCases
from nautobot.extras.models import Job
from nautobot.tenancy.models import Tenant

from nautobot_ssot.choices import SyncOutcomeChoices
from nautobot_ssot.models import Sync, SyncLogEntry
from nautobot_ssot.sync.progress import ProgressReporter
from nautobot_ssot.views import DRY_RUN_LOGS_NOTE, activity_chart
from tests.ui.data import (
    XSS,
    add_conflict,
    add_logs,
    add_records,
    fixture_job,
    make_job_result,
    make_sync,
    running_sync,
)

HTMX = {"HX-Request": "true"}


class SyncViewTestCase(
    ViewTestCases.GetObjectViewTestCase,
    ViewTestCases.ListObjectsViewTestCase,
    ViewTestCases.DeleteObjectViewTestCase,
    ViewTestCases.BulkDeleteObjectsViewTestCase,
):
    model = Sync
    filter_on_field = "source"
    sort_on_field = "source"

    @classmethod
    def setUpTestData(cls):
        make_sync(source="Alpha", age=timedelta(hours=1))
        make_sync(source="Beta", dry_run=True, age=timedelta(hours=2))
        make_sync(source="Gamma", status="FAILURE", age=timedelta(hours=3))
        make_sync(source="Delta", age=timedelta(hours=4))


class SyncLogEntryViewTestCase(ViewTestCases.GetObjectViewTestCase, ViewTestCases.ListObjectsViewTestCase):
    model = SyncLogEntry
    filter_on_field = "object_repr"
    sort_on_field = "timestamp"

    @classmethod
    def setUpTestData(cls):
        sync = make_sync(logs=0)
        add_logs(sync, 3, linked=Tenant.objects.create(name="fx-linked"))
        add_logs(make_sync(source="Beta", logs=0), 2)


class SyncDetailTabsTestCase(TestCase):
    """The detail page's panels and its diff, logs and job result tabs."""

    @classmethod
    def setUpTestData(cls):
        cls.sync = make_sync(records=6, logs=4)

    def setUp(self):
        super().setUp()
        self.user.is_superuser = True
        self.user.save()

    def test_detail_shows_timings_summary_and_tabs(self):
        response = self.client.get(self.sync.get_absolute_url())
        self.assertBodyContains(response, "TIMINGS AND MEMORY")
        self.assertBodyContains(response, "1.50 s")
        self.assertBodyContains(response, "4.0 MiB")
        logs_url = reverse("plugins:nautobot_ssot:synclogentry_list")
        self.assertBodyContains(response, f"{logs_url}?sync={self.sync.pk}&amp;action=create")
        for name in ("sync_diff", "sync_logentries", "sync_jobresult"):
            self.assertBodyContains(response, reverse(f"plugins:nautobot_ssot:{name}", kwargs={"pk": self.sync.pk}))

    def test_diff_tab_filters_by_action_and_model(self):
        url = reverse("plugins:nautobot_ssot:sync_diff", kwargs={"pk": self.sync.pk})
        response = self.client.get(url)
        self.assertBodyContains(response, "object-0")
        self.assertBodyContains(response, "object-1")
        response = self.client.get(url, {"action": "update"})
        self.assertNotIn("object-0<", response.content.decode())
        self.assertBodyContains(response, "object-1")
        response = self.client.get(url, {"model_name": "tenant"})
        self.assertBodyContains(response, "object-2")
        self.assertNotIn("object-3<", response.content.decode())

    def test_diff_tab_pages(self):
        url = reverse("plugins:nautobot_ssot:sync_diff", kwargs={"pk": self.sync.pk})
        response = self.client.get(url, {"per_page": 2, "page": 2})
        content = response.content.decode()
        self.assertIn("object-2<", content)
        self.assertNotIn("object-0<", content)

    def test_diff_tab_renders_before_and_after(self):
        response = self.client.get(reverse("plugins:nautobot_ssot:sync_diff", kwargs={"pk": self.sync.pk}))
        self.assertBodyContains(response, "<code>old </code>", html=False)
        self.assertBodyContains(response, "<code>new </code>", html=False)

    def test_logs_tab_lists_entries(self):
        response = self.client.get(reverse("plugins:nautobot_ssot:sync_logentries", kwargs={"pk": self.sync.pk}))
        self.assertBodyContains(response, "Processed 3")
        self.assertNotIn(DRY_RUN_LOGS_NOTE, response.content.decode())

    def test_a_running_sync_shows_its_progress(self):
        running = running_sync()
        reporter = ProgressReporter(running.pk)
        self.addCleanup(reporter.finish)
        reporter.start("sync", 200)
        response = self.client.get(running.get_absolute_url())
        self.assertBodyContains(response, "Writing the changes")
        self.assertBodyContains(response, "0 of 200 objects (0%)")
        self.assertBodyContains(response, reverse("plugins:nautobot_ssot:sync_progress", kwargs={"pk": running.pk}))
        running.outcome = SyncOutcomeChoices.OUTCOME_COMPLETED
        running.save()
        self.assertNotIn("ssot-progress", self.client.get(running.get_absolute_url()).content.decode())

    def test_logs_tab_pages_without_a_view_more_link(self):
        add_logs(self.sync, 30)
        url = reverse("plugins:nautobot_ssot:sync_logentries", kwargs={"pk": self.sync.pk})
        content = self.client.get(url, {"per_page": 10}).content.decode()
        self.assertNotIn("View 24 more", content)
        self.assertIn("page=2", content)
        list_url = reverse("plugins:nautobot_ssot:synclogentry_list")
        self.assertIn(f'href="{list_url}?sync={self.sync.pk}" class="badge', content)  # the full list, from the header

    def test_logs_tab_of_a_dry_run_says_why_it_is_empty(self):
        dry_run = make_sync(dry_run=True, logs=0)
        response = self.client.get(reverse("plugins:nautobot_ssot:sync_logentries", kwargs={"pk": dry_run.pk}))
        self.assertBodyContains(response, DRY_RUN_LOGS_NOTE)

    def test_dry_run_summary_says_would(self):
        response = self.client.get(make_sync(dry_run=True, records=3).get_absolute_url())
        self.assertBodyContains(response, "<td>Would Create</td>", html=False)
        self.assertNotIn("<td>Created</td>", response.content.decode())

    def test_job_result_tab(self):
        response = self.client.get(reverse("plugins:nautobot_ssot:sync_jobresult", kwargs={"pk": self.sync.pk}))
        self.assertHttpStatus(response, 200)
        self.assertBodyContains(response, self.sync.job_result.name)

    @override_settings(EXEMPT_VIEW_PERMISSIONS=[])
    def test_diff_tab_requires_sync_view_permission(self):
        self.user.is_superuser = False
        self.user.save()
        url = reverse("plugins:nautobot_ssot:sync_diff", kwargs={"pk": self.sync.pk})
        self.assertHttpStatus(self.client.get(url), 403)
        self.add_permissions("nautobot_ssot.view_sync")
        self.assertHttpStatus(self.client.get(url), 200)


class DashboardTestCase(TestCase):
    """The dashboard lists data sources and targets with their latest runs."""

    @classmethod
    def setUpTestData(cls):
        cls.job = fixture_job()
        if cls.job is not None:
            cls.job.enabled = True
            cls.job.save()
        cls.sync = make_sync(source="Fixture", job=cls.job)

    def test_anonymous_is_sent_to_login(self):
        self.client.logout()
        url = reverse("plugins:nautobot_ssot:dashboard")
        response = self.client.get(url)
        self.assertRedirects(response, f"{reverse('login')}?next={url}", fetch_redirect_response=False)

    @override_settings(EXEMPT_VIEW_PERMISSIONS=[])
    def test_requires_view_sync_permission(self):
        self.assertHttpStatus(self.client.get(reverse("plugins:nautobot_ssot:dashboard")), 403)

    @override_settings(EXEMPT_VIEW_PERMISSIONS=[])
    def test_lists_jobs_and_recent_syncs(self):
        self.add_permissions("nautobot_ssot.view_sync", "extras.view_job", "extras.view_jobresult")
        response = self.client.get(reverse("plugins:nautobot_ssot:dashboard"))
        self.assertHttpStatus(response, 200)
        self.assertBodyContains(response, "Data Sources")
        self.assertBodyContains(response, "Recent Syncs")
        self.assertBodyContains(response, self.sync.get_absolute_url())
        if self.job is not None:
            self.assertBodyContains(response, reverse("plugins:nautobot_ssot:data_job", kwargs={"pk": self.job.pk}))

    def test_a_job_that_never_ran_has_a_run_button(self):
        if self.job is None:
            self.skipTest("fixture jobs are not loaded")
        never_ran = Job.objects.get(job_class_name="FixtureDataSourceKeepUnchanged")
        never_ran.enabled = True
        never_ran.save()
        self.user.is_superuser = True
        self.user.save()
        content = self.client.get(reverse("plugins:nautobot_ssot:dashboard")).content.decode()
        self.assertIn(f'href="{reverse("extras:job_run", kwargs={"pk": never_ran.pk})}"', content)
        self.assertNotIn(f'href="{reverse("extras:job_run", kwargs={"pk": self.job.pk})}" class="btn', content)

    def test_the_activity_chart_counts_whole_runs(self):
        self.assertEqual(activity_chart(self.user)["yAxis"]["minInterval"], 1)

    @override_settings(EXEMPT_VIEW_PERMISSIONS=[])
    def test_hides_jobs_the_user_may_not_view(self):
        if self.job is None:
            self.skipTest("fixture jobs are not loaded")
        self.add_permissions("nautobot_ssot.view_sync")
        response = self.client.get(reverse("plugins:nautobot_ssot:dashboard"))
        job_url = reverse("plugins:nautobot_ssot:data_job", kwargs={"pk": self.job.pk})
        self.assertNotIn(job_url, response.content.decode())


class DataJobViewTestCase(TestCase):
    """The page of one data source job."""

    @classmethod
    def setUpTestData(cls):
        cls.job = fixture_job()
        cls.sync = make_sync(source="Fixture", job=cls.job)

    def setUp(self):
        super().setUp()
        if self.job is None:
            self.skipTest("fixture jobs are not loaded (set NAUTOBOT_JOBS_ROOT to tests/fixtures/jobs_root)")
        self.url = reverse("plugins:nautobot_ssot:data_job", kwargs={"pk": self.job.pk})

    @override_settings(EXEMPT_VIEW_PERMISSIONS=[])
    def test_requires_permissions(self):
        self.assertHttpStatus(self.client.get(self.url), 403)
        self.add_permissions("extras.view_job")
        self.assertHttpStatus(self.client.get(self.url), 403)

    @override_settings(EXEMPT_VIEW_PERMISSIONS=[])
    def test_shows_configuration_mappings_history_and_run_button(self):
        self.add_permissions("extras.view_job", "nautobot_ssot.view_sync", "extras.run_job")
        self.job.enabled = True
        self.job.save()
        response = self.client.get(self.url)
        self.assertHttpStatus(response, 200)
        self.assertBodyContains(response, "Test fixture: syncs tenants from a job variable.")
        self.assertBodyContains(response, "Prefix")
        self.assertBodyContains(response, '<a href="/tenancy/tenants/">Tenant</a>', html=True)
        self.assertBodyContains(response, self.sync.get_absolute_url())
        self.assertBodyContains(response, reverse("extras:job_run", kwargs={"pk": self.job.pk}))

    def test_other_jobs_are_not_found(self):
        self.user.is_superuser = True
        self.user.save()
        other = Job.objects.exclude(pk=self.job.pk).exclude(job_class_name__icontains="DataSource").first()
        url = reverse("plugins:nautobot_ssot:data_job", kwargs={"pk": other.pk})
        self.assertHttpStatus(self.client.get(url), 404)


class JobResultExtensionTestCase(TestCase):
    """A JobResult's page links to the Sync its job recorded."""

    def setUp(self):
        super().setUp()
        self.user.is_superuser = True
        self.user.save()

    def test_job_result_page_links_to_sync(self):
        sync = make_sync()
        response = self.client.get(sync.job_result.get_absolute_url())
        self.assertBodyContains(response, sync.get_absolute_url())
        self.assertBodyContains(response, "View Sync")

    def test_job_result_without_sync_has_no_link(self):
        job_result = make_job_result()
        response = self.client.get(job_result.get_absolute_url())
        self.assertHttpStatus(response, 200)
        self.assertNotIn("View Sync", response.content.decode())


def count_queries(client, url, **params):
    """Run a GET of ``url`` and return (response, the SQL of its queries)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params, headers=HTMX)
    return response, [query["sql"] for query in queries]


def assert_same_count(test, small, large):
    """Assert two requests ran as many queries, listing the queries of the larger one otherwise."""
    test.assertEqual(len(small), len(large), "\n\n".join(large))


class QueryCountTestCase(TestCase):
    """List pages and the detail page run as many queries for 500 rows as for 10."""

    def setUp(self):
        super().setUp()
        self.user.is_superuser = True
        self.user.save()

    def _syncs(self, count):
        for index in range(count):
            make_sync(source=f"Source {index % 7}", age=timedelta(minutes=index), records=0, logs=0)

    def _measure(self, url, add_rows, **params):
        """Compare the queries of ``url`` showing 10 rows and 500 rows.

        Nautobot keeps settings, custom fields and the like in a Redis cache shared by every process
        using it, which may be refilled during any request; refills only add queries, so each side
        counts the fewest queries of a few requests.
        """
        add_rows(10)
        small = self._fewest_queries(url, **params)
        add_rows(490)
        large = self._fewest_queries(url, **params)
        assert_same_count(self, small, large)

    def _fewest_queries(self, url, tries=3, **params):
        runs = []
        for _ in range(tries):
            response, queries = count_queries(self.client, url, per_page=1000, **params)
            self.assertHttpStatus(response, 200)
            runs.append(queries)
        return min(runs, key=len)

    def test_sync_list(self):
        self._measure(reverse("plugins:nautobot_ssot:sync_list"), self._syncs)

    def test_sync_list_never_loads_the_json_diff(self):
        self._syncs(3)
        with CaptureQueriesContext(connection) as queries:
            self.client.get(reverse("plugins:nautobot_ssot:sync_list"), headers=HTMX)
        sync_selects = [q["sql"] for q in queries if 'FROM "nautobot_ssot_sync"' in q["sql"]]
        self.assertTrue(sync_selects)
        for sql in sync_selects:
            self.assertNotIn('"nautobot_ssot_sync"."diff"', sql)

    def test_log_entry_list(self):
        sync = make_sync(logs=0)
        tenant = Tenant.objects.create(name="fx-queries")
        self._measure(reverse("plugins:nautobot_ssot:synclogentry_list"), lambda n: add_logs(sync, n, linked=tenant))

    def test_diff_tab(self):
        sync = make_sync(records=0, logs=0)
        url = reverse("plugins:nautobot_ssot:sync_diff", kwargs={"pk": sync.pk})
        self._measure(url, lambda n: add_records_after(sync, n))

    def test_logs_tab(self):
        sync = make_sync(records=0, logs=0)
        url = reverse("plugins:nautobot_ssot:sync_logentries", kwargs={"pk": sync.pk})
        self._measure(url, lambda n: add_logs(sync, n))

    def test_dashboard(self):
        job = fixture_job()
        if job is not None:
            job.enabled = True
            job.save()

        def add(count):
            for index in range(count):
                make_sync(job=job, age=timedelta(minutes=index), records=0, logs=0)

        self._measure(reverse("plugins:nautobot_ssot:dashboard"), add)


def add_records_after(sync, count):
    """Append ``count`` records to the diff of ``sync``."""
    offset = sync.diff_records.count()
    add_records(sync, count)
    for position, record in enumerate(sync.diff_records.order_by("position", "id")[offset:], start=offset):
        record.position = position
        record.save(update_fields=["position"])


class EscapingTestCase(TestCase):
    """Names, messages and diffs from external systems render as text on every page."""

    @classmethod
    def setUpTestData(cls):
        cls.job = fixture_job()
        cls.sync = make_sync(source=f"src{XSS}", target=f"dst{XSS}", records=2, logs=2, text=XSS, job=cls.job)
        add_logs(cls.sync, 1, text=XSS, linked=Tenant.objects.create(name=f"fx-{XSS}"))

    def setUp(self):
        super().setUp()
        self.user.is_superuser = True
        self.user.save()

    def pages(self):
        """Every page that shows the sync, its diff or its log entries."""
        entry = SyncLogEntry.objects.filter(sync=self.sync).first()
        urls = [
            reverse("plugins:nautobot_ssot:dashboard"),
            reverse("plugins:nautobot_ssot:sync_list"),
            self.sync.get_absolute_url(),
            reverse("plugins:nautobot_ssot:sync_diff", kwargs={"pk": self.sync.pk}),
            reverse("plugins:nautobot_ssot:sync_logentries", kwargs={"pk": self.sync.pk}),
            reverse("plugins:nautobot_ssot:sync_jobresult", kwargs={"pk": self.sync.pk}),
            reverse("plugins:nautobot_ssot:synclogentry_list"),
            entry.get_absolute_url(),
            self.sync.job_result.get_absolute_url(),
        ]
        if self.job is not None:
            urls.append(reverse("plugins:nautobot_ssot:data_job", kwargs={"pk": self.job.pk}))
        return urls

    def test_payloads_render_as_text(self):
        for url in self.pages():
            for headers in ({}, HTMX):
                with self.subTest(url=url, htmx=bool(headers)):
                    response = self.client.get(url, headers=headers)
                    self.assertHttpStatus(response, 200)
                    content = response.content.decode()
                    self.assertNotIn('<script>alert("ssot")', content)
                    self.assertNotIn('"onmouseover="alert(1)', content)
                    self.assertNotIn('onmouseover="alert', content)

    def test_payloads_are_visible_escaped(self):
        response = self.client.get(reverse("plugins:nautobot_ssot:sync_diff", kwargs={"pk": self.sync.pk}))
        self.assertIn("&lt;script&gt;alert(", response.content.decode())
        response = self.client.get(reverse("plugins:nautobot_ssot:synclogentry_list"), headers=HTMX)
        self.assertIn("&lt;script&gt;alert(", response.content.decode())


class FourXUrlsTestCase(TestCase):
    """URL names and paths of nautobot-ssot 4.x: data source/target pages by class path, config, docs."""

    def setUp(self):
        super().setUp()
        self.job = Job.objects.get(module_name="nautobot_ssot.jobs.examples", job_class_name="ExampleDataSource")
        self.add_permissions("nautobot_ssot.view_sync", "extras.view_job")

    def test_paths_of_4x(self):
        sync = make_sync()
        self.assertEqual(
            reverse("plugins:nautobot_ssot:sync_jobresult", kwargs={"pk": sync.pk}),
            f"/plugins/ssot/history/{sync.pk}/jobresult/",
        )
        self.assertEqual(
            reverse("plugins:nautobot_ssot:sync_logentries", kwargs={"pk": sync.pk}),
            f"/plugins/ssot/history/{sync.pk}/logs/",
        )
        self.assertEqual(reverse("plugins-api:nautobot_ssot-api:sync-list"), "/api/plugins/ssot/history/")
        self.assertEqual(reverse("plugins-api:nautobot_ssot-api:synclogentry-list"), "/api/plugins/ssot/logs/")
        self.assertEqual(reverse("plugins:nautobot_ssot:config"), "/plugins/ssot/config/")

    def test_data_source_page_by_class_path(self):
        url = reverse("plugins:nautobot_ssot:data_source", kwargs={"class_path": self.job.class_path})
        self.assertEqual(url, "/plugins/ssot/data-sources/nautobot_ssot.jobs.examples.ExampleDataSource/")
        response = self.client.get(url)
        self.assertHttpStatus(response, 200)
        self.assertBodyContains(response, self.job.name)
        missing = reverse(
            "plugins:nautobot_ssot:data_target", kwargs={"class_path": "nautobot_ssot.jobs.examples.Nope"}
        )
        self.assertHttpStatus(self.client.get(missing), 404)

    def test_config_page_needs_view_ssotconfig_and_masks_secrets(self):
        url = reverse("plugins:nautobot_ssot:config")
        self.assertHttpStatus(self.client.get(url), 403)
        self.add_permissions("nautobot_ssot.view_ssotconfig")
        with override_settings(
            PLUGINS_CONFIG={"nautobot_ssot": {"remote_token": "s3cret", "hide_example_jobs": False}}
        ):
            response = self.client.get(url)
        self.assertHttpStatus(response, 200)
        self.assertBodyContains(response, "hide_example_jobs")
        self.assertNotIn(b"s3cret", response.content)

    def test_docs_redirects_to_the_bundled_documentation(self):
        response = self.client.get(reverse("plugins:nautobot_ssot:docs"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].endswith("nautobot_ssot/docs/index.html"))


class ConflictViewsTestCase(TestCase):
    """Conflicts and records that do not converge on the Sync page, its diff tab and the dashboard."""

    @classmethod
    def setUpTestData(cls):
        cls.sync = make_sync(records=4, job=fixture_job())
        cls.conflict = add_conflict(cls.sync, text=XSS)

    def setUp(self):
        super().setUp()
        self.user.is_superuser = True
        self.user.save()
        self.diff_url = reverse("plugins:nautobot_ssot:sync_diff", kwargs={"pk": self.sync.pk})

    def test_sync_page_counts_them_with_links_to_the_diff_tab(self):
        response = self.client.get(self.sync.get_absolute_url())
        self.assertBodyContains(response, f"{self.diff_url}?conflicts=True")
        self.assertBodyContains(response, f"{self.diff_url}?not_converging=True")

    def test_diff_tab_conflict_filter_shows_values_who_and_when(self):
        response = self.client.get(self.diff_url, {"conflicts": "true"})
        content = response.content.decode()
        self.assertIn("set by hand", content)
        self.assertIn("operator", content)
        self.assertIn(reverse("extras:objectchange", kwargs={"pk": self.conflict.change_id}), content)
        self.assertIn("held (object left alone)", content)
        self.assertNotIn("<script>alert", content)
        self.assertNotIn("object-0<", content)

    def test_diff_tab_not_converging_filter_links_to_the_record_history(self):
        response = self.client.get(self.diff_url, {"not_converging": "true"})
        content = response.content.decode()
        self.assertIn("object-1", content)
        self.assertNotIn("object-3<", content)
        self.assertIn(f"{reverse('plugins:nautobot_ssot:synclogentry_list')}?model_name=location", content)
        self.assertIn("(history)", content)

    def test_unfiltered_diff_tab_has_no_not_converging_column(self):
        response = self.client.get(self.diff_url)
        self.assertNotIn("(history)", response.content.decode())

    def test_dashboard_shows_the_counts(self):
        response = self.client.get(reverse("plugins:nautobot_ssot:dashboard"))
        self.assertBodyContains(response, f"{self.diff_url}?conflicts=True")
