"""A real browser (Debian's headless Chromium, driven by Playwright) runs an SSoT job and reads its results.

Self-contained: Django's live server serves Nautobot, and Celery runs the job eagerly inside the
request that submits the job form, so neither a worker nor a broker is needed. The screenshots go to
``docs/user/images`` (or to ``NAUTOBOT_SSOT_SCREENSHOT_DIR``) and illustrate the user docs.

Requires ``/usr/bin/chromium`` (``apt-get install chromium``; override with ``NAUTOBOT_SSOT_CHROMIUM``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.test import tag
from django.urls import reverse
from nautobot.core.celery import app as celery_app
from nautobot.extras.models import Job
from playwright.sync_api import Page, expect, sync_playwright

from nautobot_ssot.choices import SyncOutcomeChoices
from nautobot_ssot.models import Sync
from tests.fixtures.jobs import fixture_module, job_model_for
from tests.ui.data import add_conflict, make_sync

CHROMIUM = os.getenv("NAUTOBOT_SSOT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(
    os.getenv("NAUTOBOT_SSOT_SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "docs" / "user" / "images")
)
PASSWORD = "browser-test-password-0123"
TIMEOUT_MS = 60_000
SLOW_TENANTS = 120
"""Tenants the slow fixture job creates: 6 s of writing at least, long enough to watch its progress."""
DONE = "[data-progress=done]"
WRITTEN_MORE_THAN = """above => {
    const phase = document.querySelector("[data-progress=phase]");
    const done = document.querySelector("[data-progress=done]");
    return phase?.dataset.value === "sync" && Number(done?.dataset.value || 0) > above;
}"""
"""JavaScript: whether the progress panel shows the sync phase with more than ``above`` objects written."""


def shot(page: Page, name: str) -> None:
    """Save a screenshot of the current page as ``<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@contextmanager
def logged_in_page(test: SSoTBrowserTestCase) -> Iterator[Page]:
    """A page of a fresh headless Chromium, logged in as the test's user."""
    with sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="ssot-chromium-") as profile:
        browser = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1440, "height": 900},
        )
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        expect.set_options(timeout=TIMEOUT_MS)  # assertions wait as long as actions on a loaded machine
        try:
            test.log_in(page)
            yield page
        finally:
            browser.close()


@tag("browser")
class SSoTBrowserTestCase(StaticLiveServerTestCase):
    """Log in, run the fixture data source with dry run from the job form, then browse its sync."""

    databases = ("default", "job_logs")
    host = "127.0.0.1"

    @classmethod
    def setUpClass(cls):
        """Run Celery tasks eagerly and let the ORM run beside Playwright's event loop."""
        if not shutil.which(CHROMIUM):
            raise AssertionError(f"{CHROMIUM} not found: install Debian's chromium package (apt-get install chromium).")
        cls._env = mock.patch.dict(os.environ, {"DJANGO_ALLOW_ASYNC_UNSAFE": "true"})
        cls._env.start()
        cls._celery_conf = {key: celery_app.conf[key] for key in ("task_always_eager", "task_store_eager_result")}
        celery_app.conf.update(task_always_eager=True, task_store_eager_result=True)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        """Restore Celery's configuration and the environment."""
        super().tearDownClass()
        celery_app.conf.update(cls._celery_conf)
        cls._env.stop()

    def setUp(self):
        """A superuser and the enabled fixture data source job."""
        super().setUp()
        self.user = get_user_model().objects.create_superuser("browser", "browser@example.com", PASSWORD)
        self.job = Job.objects.get(job_class_name="FixtureDataSource")
        self.job.enabled = True
        self.job.save()

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` on the live server."""
        return f"{self.live_server_url}{path}"

    def test_run_dry_run_and_browse_the_sync(self):
        with logged_in_page(self) as page:
            self.run_job(page, "fx-browser-a=First tenant,fx-browser-b", dry_run=True)
            self.browse_dry_run(page)
            self.run_job(page, "fx-browser-a=First tenant,fx-browser-b,!fx-rejected", dry_run=False)
            self.browse_lists(page)

    def test_a_conflict_on_the_diff_tab(self):
        sync = make_sync(source="Fixture", records=4, job=self.job)
        conflict = add_conflict(sync)
        diff_url = reverse("plugins:nautobot_ssot:sync_diff", kwargs={"pk": sync.pk})
        with logged_in_page(self) as page:
            page.goto(self.url(f"{diff_url}?conflicts=True"))
            expect(page.get_by_text(conflict.nautobot_value).first).to_be_visible()
            expect(page.get_by_text(conflict.changed_by).first).to_be_visible()
            shot(page, "sync_conflicts")

    def test_watch_the_progress_of_a_run(self):
        slow_job = job_model_for(fixture_module().FixtureSlowDataSource)
        names = ",".join(f"fx-slow-{index:03d}" for index in range(SLOW_TENANTS))
        with logged_in_page(self) as page:
            self.submit_job(page, slow_job, names, dry_run=False)
            watcher = page.context.new_page()
            watcher.goto(self.url(self.running_sync().job_result.get_absolute_url()))
            first = self.wait_for_progress(watcher, above=0)
            watcher.locator(".ssot-progress").scroll_into_view_if_needed()
            shot(watcher, "job_result_progress")
            self.assertGreater(self.wait_for_progress(watcher, above=first), first)
            expect(watcher.get_by_text("Writing the changes").first).to_be_visible()
            page.wait_for_url("**/job-results/**", timeout=TIMEOUT_MS * 3)

    def running_sync(self) -> Sync:
        """The sync of the job run the test started, once it is running (read from the database)."""
        for _ in range(TIMEOUT_MS // 250):
            sync = Sync.objects.filter(outcome=SyncOutcomeChoices.OUTCOME_RUNNING).select_related("job_result").first()
            if sync is not None:
                return sync
            time.sleep(0.25)
        raise AssertionError("No sync started running.")

    def wait_for_progress(self, page: Page, above: int) -> int:
        """Wait until the progress panel shows more than ``above`` objects written; return how many it shows."""
        page.wait_for_function(WRITTEN_MORE_THAN, arg=above, timeout=TIMEOUT_MS)
        return int(page.locator(DONE).get_attribute("data-value"))

    def log_in(self, page: Page) -> None:
        """Log in through Nautobot's login form."""
        page.goto(self.url(reverse("login")))
        page.fill("#id_username", "browser")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)

    def submit_job(self, page: Page, job: Job, names: str, dry_run: bool) -> None:
        """Fill in and submit the form of ``job``, without waiting for the run (Celery runs it in the request)."""
        page.goto(self.url(reverse("extras:job_run", kwargs={"pk": job.pk})))
        page.fill("#id_source_names", names)
        dry_run_box = page.locator("#id_dryrun")
        if dry_run_box.is_checked() != dry_run:
            dry_run_box.click()
        page.click("#id__run", no_wait_after=True)

    def run_job(self, page: Page, names: str, dry_run: bool) -> None:
        """Submit the job form and wait for the job result page to report completion."""
        self.submit_job(page, self.job, names, dry_run)
        page.wait_for_url("**/job-results/**")
        expect(page.get_by_text("View Sync")).to_be_visible()
        expect(page.locator(".badge", has_text="Completed" if dry_run else "Failed").first).to_be_visible()

    def browse_dry_run(self, page: Page) -> None:
        """Open the sync, its diff and logs tabs, and the dashboard."""
        for close in page.locator(".alert .btn-close").all():
            close.click()
        shot(page, "job_result")
        page.get_by_text("View Sync").click()
        sync = Sync.objects.get(dry_run=True)
        page.wait_for_url(f"**{sync.get_absolute_url()}")
        expect(page.get_by_text("TIMINGS AND MEMORY", exact=True)).to_be_visible()
        shot(page, "sync_detail")
        page.locator(f'a[href="{reverse("plugins:nautobot_ssot:sync_diff", kwargs={"pk": sync.pk})}"]').first.click()
        page.wait_for_url("**/diff/")
        expect(page.get_by_text("fx-browser-a").first).to_be_visible()
        shot(page, "sync_diff")
        page.locator(
            f'a[href="{reverse("plugins:nautobot_ssot:sync_logentries", kwargs={"pk": sync.pk})}"]'
        ).first.click()
        page.wait_for_url("**/logs/")
        shot(page, "sync_logs_tab")
        page.goto(self.url(reverse("plugins:nautobot_ssot:dashboard")))
        expect(page.get_by_text("Fixture Data Source").first).to_be_visible()
        shot(page, "dashboard")

    def browse_lists(self, page: Page) -> None:
        """Open the history, the log entries and the data source page after a real run."""
        page.goto(self.url(reverse("plugins:nautobot_ssot:sync_list")))
        expect(page.locator("#object_table").get_by_text("Fixture").first).to_be_visible()
        shot(page, "sync_list")
        page.goto(self.url(reverse("plugins:nautobot_ssot:synclogentry_list")))
        expect(page.get_by_text("fx-rejected").first).to_be_visible()
        shot(page, "sync_log_entries")
        page.goto(self.url(reverse("plugins:nautobot_ssot:data_job", kwargs={"pk": self.job.pk})))
        expect(page.locator("#ssot-run-job")).to_be_visible()
        shot(page, "data_source")
