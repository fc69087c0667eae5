"""Permissions hold everywhere: users x every page, tab, export, REST endpoint, job form and job input of the app.

Four users: ``nobody`` (no permissions), ``viewer`` (view on syncs and log entries), ``constrained`` (view and
delete on the syncs whose source is Alpha, view on their log entries, view and run on jobs, view on job results)
and ``superuser``. No text of sync Beta (its source, names, messages, diff all contain "Beta") may reach
``nobody`` or ``constrained``, and every state change needs its permission. The app's pages and REST endpoints
are enumerated from its URL configuration, so a page added later is checked too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, reverse
from nautobot.apps.change_logging import web_request_context
from nautobot.apps.testing import TestCase, TransactionTestCase, run_job_for_testing
from nautobot.extras.models import Job, JobLogEntry, JobResult
from nautobot.tenancy.models import Tenant
from nautobot.users.models import ObjectPermission, Token

from nautobot_ssot import urls as ui_urls
from nautobot_ssot.api import urls as api_urls
from nautobot_ssot.models import Sync, SyncLogEntry
from nautobot_ssot.permissions import requesting_user, restrict_to_requester
from nautobot_ssot.sync.plan import plan_apply_url
from tests.fixtures.jobs import fixture_module, job_model_for
from tests.ui.data import make_sync

HIDDEN = "Beta"
HTMX = {"HTTP_HX_REQUEST": "true"}
"""Nautobot renders the rows of a list page in an HTMX request the page makes."""
UI_NAMESPACE = "plugins:nautobot_ssot"
API_NAMESPACE = "plugins-api:nautobot_ssot-api"
LIST_VARIANTS = (
    {},
    {"source": "Alpha"},
    {"target": "Nautobot"},
    {"q": "eta"},
    {"dry_run": "True"},
    {"export": ""},
    {"per_page": "50", "sort": "-start_time"},
)


def grant(user, model, actions: list[str], constraints: dict | None = None) -> None:
    """Give ``user`` the ``actions`` on ``model`` through an ObjectPermission, optionally constrained."""
    permission = ObjectPermission.objects.create(
        name=f"{user.username} {model._meta.model_name} {'/'.join(actions)}", actions=actions, constraints=constraints
    )
    permission.object_types.add(ContentType.objects.get_for_model(model))
    permission.users.add(user)


@dataclass
class Probe:
    """A GET of one URL: ``label`` says what it is in failure messages."""

    label: str
    url: str
    params: dict = field(default_factory=dict)


def route_names(patterns: list) -> list[tuple[str, set[str]]]:
    """The named routes of a URL configuration, each with the names of its URL arguments (format suffixes left out)."""
    routes = []
    for pattern in patterns:
        arguments = set(pattern.pattern.regex.groupindex) if isinstance(pattern, URLPattern) else {"format"}
        if pattern.name and "format" not in arguments:
            routes.append((pattern.name, arguments))
    return routes


def make_matrix(target) -> None:
    """Set on ``target`` the fixture job, syncs Alpha and Beta (dry runs of it) and the four users."""
    target.job = job_model_for(fixture_module().FixtureDataSource)
    target.alpha = make_sync(source="Alpha", dry_run=True, job=target.job, text="Alpha")
    target.beta = make_sync(source="Beta", dry_run=True, job=target.job, text="Beta")
    users = get_user_model().objects
    target.nobody = users.create_user(username="perm-nobody")
    target.viewer = users.create_user(username="perm-viewer")
    grant(target.viewer, Sync, ["view"])
    grant(target.viewer, SyncLogEntry, ["view"])
    target.constrained = users.create_user(username="perm-constrained")
    grant(target.constrained, Sync, ["view", "delete"], {"source": "Alpha"})
    grant(target.constrained, SyncLogEntry, ["view"], {"sync__source": "Alpha"})
    grant(target.constrained, Job, ["view", "run"])
    grant(target.constrained, JobResult, ["view"])
    target.superuser = users.create_user(username="perm-super", is_superuser=True)


def assert_hidden(case, body: str) -> None:
    """``body`` holds no text of Beta; on failure, show where it does."""
    at = body.find(HIDDEN)
    if at >= 0:
        case.fail(f"{HIDDEN!r} appears {body.count(HIDDEN)} time(s), first in: {body[max(0, at - 300) : at + 100]!r}")


class PermissionMatrixTestCase(TestCase):
    """Every read shows, and every write accepts, only what the requesting user may see and do."""

    @classmethod
    def setUpTestData(cls):
        make_matrix(cls)

    # What the users read

    def ui_probes(self) -> list[Probe]:
        """Every page and tab of the app (for both syncs), list variants, and the Nautobot pages the app adds to."""
        probes = []
        for name, arguments in route_names(ui_urls.urlpatterns):
            probes.extend(self.route_probes(f"{UI_NAMESPACE}:{name}", arguments))
        job_run = reverse("extras:job_run", kwargs={"pk": self.job.pk})
        probes += [
            Probe("job form applying Beta", job_run, {"apply_plan": str(self.beta.pk)}),
            Probe("job form from Beta's apply link", plan_apply_url(self.beta)),
            Probe("Beta's job result", reverse("extras:jobresult", kwargs={"pk": self.beta.job_result.pk})),
        ]
        return probes

    def api_probes(self) -> list[Probe]:
        """Every REST endpoint of the app, for both syncs and their log entries, with list variants."""
        probes = []
        for name, arguments in route_names(api_urls.urlpatterns):
            probes.extend(self.route_probes(f"{API_NAMESPACE}:{name}", arguments))
        for probe in list(probes):
            probes.append(Probe(f"{probe.label} include=diff", probe.url, {**probe.params, "include": "diff"}))
        return probes

    def route_probes(self, name: str, arguments: set[str]) -> list[Probe]:
        """GETs of one route: for each object it can show, or with the list variants."""
        if "class_path" in arguments:
            return [Probe(name, reverse(name, kwargs={"class_path": self.job.class_path}))]
        if "pk" not in arguments:
            variants = [*LIST_VARIANTS, *self.object_filters(name)]
            return [Probe(f"{name} {params}", reverse(name), params) for params in variants]
        return [Probe(f"{name} {pk}", reverse(name, kwargs={"pk": pk})) for pk in self.objects_of(name)]

    def object_filters(self, name: str) -> list[dict]:
        """Filters naming each sync (and its job result and job) by id."""
        filters = [{"job": self.job.name}, {"job": str(self.job.pk)}]
        for sync in (self.alpha, self.beta):
            filters += [{"sync": str(sync.pk)}, {"id": str(sync.pk)}, {"job_result": str(sync.job_result.pk)}]
        return filters

    def objects_of(self, name: str) -> list:
        """The primary keys a detail route of ``name`` is probed with."""
        if "synclogentry" in name:
            return list(SyncLogEntry.objects.values_list("pk", flat=True))
        if name.endswith("data_job"):
            return [self.job.pk]
        return [self.alpha.pk, self.beta.pk]

    def read(self, client, probe: Probe, **headers) -> str:
        """The body of a GET of ``probe`` (downloads included)."""
        response = client.get(probe.url, probe.params, **headers)
        if getattr(response, "streaming", False):
            return b"".join(response.streaming_content).decode()
        return response.content.decode()

    def ui_client(self, user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def api_headers(self, user) -> dict:
        """Token authentication, as REST clients do."""
        return {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=user).key}"}

    def assert_nothing_of_beta(self, user) -> None:
        client = self.ui_client(user)
        for probe in self.ui_probes():
            for headers in ({}, HTMX):
                with self.subTest(user=user.username, page=probe.label, params=probe.params, htmx=bool(headers)):
                    assert_hidden(self, self.read(client, probe, **headers))
        headers = self.api_headers(user)
        for probe in self.api_probes():
            for accept in ("application/json", "text/csv"):
                with self.subTest(user=user.username, endpoint=probe.label, params=probe.params, accept=accept):
                    assert_hidden(self, self.read(Client(), probe, HTTP_ACCEPT=accept, **headers))

    def test_nobody_sees_anything_of_beta(self):
        self.assert_nothing_of_beta(self.nobody)

    def test_a_constrained_user_sees_nothing_of_beta(self):
        self.assert_nothing_of_beta(self.constrained)

    def test_a_constrained_user_sees_alpha(self):
        client = self.ui_client(self.constrained)
        self.assertContains(client.get(self.alpha.get_absolute_url()), "Alpha")
        self.assertContains(client.get(reverse(f"{UI_NAMESPACE}:sync_list")), 'value="Alpha"')
        logs = reverse(f"{UI_NAMESPACE}:synclogentry_list")
        self.assertContains(client.get(logs, {"sync": str(self.alpha.pk)}, **HTMX), "tenant 0Alpha")
        self.assertContains(client.get(logs, {"sync": str(self.alpha.pk)}), "Alpha → Nautobot")
        self.assertContains(client.get(plan_apply_url(self.alpha)), "Alpha")

    def test_users_allowed_to_see_beta_see_it(self):
        """The probes can fail: a viewer and a superuser do see Beta where it is."""
        logs = reverse(f"{UI_NAMESPACE}:synclogentry_list")
        for user in (self.viewer, self.superuser):
            client = self.ui_client(user)
            with self.subTest(user=user.username):
                self.assertContains(client.get(self.beta.get_absolute_url()), HIDDEN)
                self.assertContains(client.get(reverse(f"{UI_NAMESPACE}:sync_list")), 'value="Beta"')
                self.assertContains(client.get(logs, {"sync": str(self.beta.pk)}, **HTMX), "tenant 0Beta")
                self.assertContains(client.get(logs, {"sync": str(self.beta.pk)}), "Beta → Nautobot")
        job_form = self.ui_client(self.superuser).get(plan_apply_url(self.beta))
        self.assertContains(job_form, HIDDEN)

    # What the users change

    def job_results(self) -> int:
        return JobResult.objects.filter(job_model=self.job).count()

    def try_every_delete(self, user, sync: Sync) -> None:
        """Delete ``sync`` as ``user`` every way there is: UI, UI bulk, REST, REST bulk."""
        client, headers, pk = self.ui_client(user), self.api_headers(user), str(sync.pk)
        client.post(self.delete_url(sync), {"confirm": True})
        client.post(reverse(f"{UI_NAMESPACE}:sync_bulk_delete"), {"pk": [pk], "_confirm": True})
        Client().delete(reverse(f"{API_NAMESPACE}:sync-detail", kwargs={"pk": pk}), **headers)
        listing = reverse(f"{API_NAMESPACE}:sync-list")
        Client().delete(listing, [{"id": pk}], content_type="application/json", **headers)

    def test_deleting_a_sync_needs_delete_on_it(self):
        for user in (self.nobody, self.viewer, self.constrained):
            with self.subTest(user=user.username):
                self.try_every_delete(user, self.beta)
                self.assertTrue(Sync.objects.filter(pk=self.beta.pk).exists())
        self.try_every_delete(self.viewer, self.alpha)
        self.assertTrue(Sync.objects.filter(pk=self.alpha.pk).exists())
        self.try_every_delete(self.constrained, self.alpha)
        self.assertFalse(Sync.objects.filter(pk=self.alpha.pk).exists())

    def delete_url(self, sync: Sync) -> str:
        return reverse(f"{UI_NAMESPACE}:sync_delete", kwargs={"pk": sync.pk})

    def test_a_delete_without_csrf_token_is_forbidden(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.superuser)
        response = client.post(self.delete_url(self.beta), {"confirm": True})
        self.assertEqual(response.status_code, 403)
        self.assertTrue(Sync.objects.filter(pk=self.beta.pk).exists())

    def test_log_entries_are_read_only(self):
        entry = SyncLogEntry.objects.filter(sync=self.alpha).first()
        headers = self.api_headers(self.superuser)
        detail = reverse(f"{API_NAMESPACE}:synclogentry-detail", kwargs={"pk": entry.pk})
        listing = reverse(f"{API_NAMESPACE}:synclogentry-list")
        self.assertEqual(Client().delete(detail, **headers).status_code, 405)
        self.assertEqual(Client().patch(detail, {}, content_type="application/json", **headers).status_code, 405)
        self.assertEqual(Client().post(listing, {}, content_type="application/json", **headers).status_code, 405)
        self.assertTrue(SyncLogEntry.objects.filter(pk=entry.pk).exists())

    def test_applying_a_plan_through_the_rest_action_needs_view_on_it(self):
        for user in (self.nobody, self.viewer, self.constrained):
            with self.subTest(user=user.username):
                url = reverse(f"{API_NAMESPACE}:sync-apply-plan", kwargs={"pk": self.beta.pk})
                response = Client().post(url, **self.api_headers(user))
                self.assertIn(response.status_code, (403, 404))
                assert_hidden(self, response.content.decode())
        self.assertEqual(self.job_results(), 2)

    def test_applying_a_plan_through_the_job_form_needs_view_on_it(self):
        url = reverse("extras:job_run", kwargs={"pk": self.job.pk})
        data = {"apply_plan": str(self.beta.pk), "source_names": "fx-a", "_schedule_type": "immediately"}
        response = self.ui_client(self.constrained).post(url, data)
        assert_hidden(self, response.content.decode())
        self.assertEqual(self.job_results(), 2)
        self.assertTrue(response.context["job_form"].has_error("apply_plan"))

    def test_applying_a_plan_through_the_rest_job_run_needs_view_on_it(self):
        url = reverse("extras-api:job-run", kwargs={"pk": self.job.pk})
        payload = {"data": {"apply_plan": str(self.beta.pk), "dryrun": False, "source_names": "fx-a"}}
        response = Client().post(url, payload, content_type="application/json", **self.api_headers(self.constrained))
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("apply_plan", response.content.decode())
        assert_hidden(self, response.content.decode())
        self.assertEqual(self.job_results(), 2)


class PermissionJobRunsTestCase(TransactionTestCase):
    """Job runs as a user: the export behind Nautobot's *Export* button, and a run applying a plan."""

    databases = ("default", "job_logs")

    def setUp(self):
        super().setUp()
        make_matrix(self)

    def export(self, model, query: str = "") -> str:
        """What Nautobot's *Export* button gives the constrained user: its system job's files and log."""
        export = Job.objects.get(module_name="nautobot.core.jobs", job_class_name="ExportObjectList")
        kwargs = {"content_type": ContentType.objects.get_for_model(model).pk, "query_string": query}
        result = run_job_for_testing(export, username=self.constrained.username, job_kwargs=kwargs)
        files = [proxy.file.read().decode() for proxy in result.files.all()]
        logs = [entry.message for entry in JobLogEntry.objects.filter(job_result=result)]
        return "\n".join(files + logs)

    def test_the_export_job_exports_nothing_of_beta(self):
        self.assertIn("Alpha", self.export(Sync))
        for model, query in ((Sync, ""), (SyncLogEntry, ""), (SyncLogEntry, f"sync={self.beta.pk}")):
            with self.subTest(model=model.__name__, query=query):
                assert_hidden(self, self.export(model, query))

    def test_a_run_applying_a_plan_its_user_may_not_view_is_refused(self):
        """What a schedule or any other start does: the run itself checks the plan against its user."""
        kwargs = {"dryrun": False, "memory_profiling": False, "source_names": "", "apply_plan": str(self.beta.pk)}
        result = run_job_for_testing(self.job, username=self.constrained.username, job_kwargs=kwargs)
        sync = Sync.objects.get(job_result=result)
        self.assertEqual(sync.outcome, "refused", sync.outcome_message)
        self.assertNotIn(HIDDEN, sync.outcome_message)
        self.assertIn("may not view it", sync.outcome_message)
        self.assertNotIn(HIDDEN, str(result.traceback or ""))
        self.assertFalse(Tenant.objects.filter(name__contains=HIDDEN).exists())


class RequestingUserTestCase(TestCase):
    """Canary tests of the one reach into Nautobot's change context (``nautobot_ssot.permissions``)."""

    def test_no_user_outside_a_request(self):
        self.assertIsNone(requesting_user())
        self.assertEqual(restrict_to_requester(Sync.objects.all()).count(), Sync.objects.count())

    def test_the_user_of_a_change_context(self):
        """Nautobot's middleware and job runner wrap requests and runs in this context."""
        grant(self.user, Sync, ["view"], {"source": "Alpha"})
        make_sync(source="Alpha")
        make_sync(source="Beta")
        with web_request_context(self.user):
            self.assertEqual(requesting_user(), self.user)
            self.assertEqual(set(restrict_to_requester(Sync.objects.all()).values_list("source", flat=True)), {"Alpha"})

    def test_the_job_form_of_a_request_knows_its_user(self):
        """A web request's job form offers no plan to a user who may view no sync."""
        job = job_model_for(fixture_module().FixtureDataSource)
        plan = make_sync(source="Canary-source", dry_run=True, job=job)
        grant(self.user, Job, ["view", "run"])
        self.client.force_login(self.user)
        response = self.client.get(reverse("extras:job_run", kwargs={"pk": job.pk}), {"apply_plan": str(plan.pk)})
        self.assertNotContains(response, plan.source)
        grant(self.user, Sync, ["view"])
        response = self.client.get(reverse("extras:job_run", kwargs={"pk": job.pk}), {"apply_plan": str(plan.pk)})
        self.assertContains(response, plan.source)
