"""Live progress of a running sync on its Sync page and its JobResult page: panels and the fragment they poll.

A panel renders the progress fragment (phase, objects done of the total, rate, time left) and the fragment asks
for itself again every ``PROGRESS_POLL_SECONDS`` (htmx), swapping itself in place. It reads the run's latest
snapshot from the cache (``nautobot_ssot.sync.progress``); a poll costs one query (the sync, to check the
permission and whether it still runs). When the run has ended the fragment asks the page to reload once, so
that the page shows what the run did.

A JobResult's page can open before its job has created its Sync (the job waits for a worker): its panel then
polls the JobResult's fragment, which turns into the Sync's fragment once the Sync exists.
"""

from __future__ import annotations

from time import time

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.generic import View
from nautobot.apps.ui import Panel
from nautobot.extras.models import JobResult

from nautobot_ssot.choices import SyncOutcomeChoices
from nautobot_ssot.jobs.base import DataSyncBaseJob
from nautobot_ssot.models import Sync
from nautobot_ssot.sync.progress import read_progress

PROGRESS_POLL_SECONDS = 2
"""How often a page showing a running sync's progress asks for it again."""

TEMPLATE = "nautobot_ssot/inc/sync_progress.html"


def is_running(sync: Sync | None) -> bool:
    """Whether ``sync`` exists and still runs."""
    return sync is not None and sync.outcome == SyncOutcomeChoices.OUTCOME_RUNNING


def render_progress(sync: Sync) -> str:
    """A sync's progress fragment: phase, objects done of the total, rate and time left, polling while it runs."""
    running = is_running(sync)
    progress = read_progress(sync.pk) if running else None
    context = {
        "running": running,
        "progress": progress,
        "running_for": progress.running_for(time()) if progress else None,
        "progress_url": reverse("plugins:nautobot_ssot:sync_progress", kwargs={"pk": sync.pk}),
        "poll_seconds": PROGRESS_POLL_SECONDS,
    }
    return render_to_string(TEMPLATE, context)


def render_waiting(job_result: JobResult) -> str:
    """The fragment of a job result whose sync has not started yet, polling until it does."""
    context = {
        "running": True,
        "waiting": True,
        "progress_url": reverse("plugins:nautobot_ssot:jobresult_progress", kwargs={"pk": job_result.pk}),
        "poll_seconds": PROGRESS_POLL_SECONDS,
    }
    return render_to_string(TEMPLATE, context)


def is_sync_job(job_result: JobResult) -> bool:
    """Whether ``job_result`` is a run of a data source or data target job."""
    job_class = job_result.job_model.job_class if job_result.job_model is not None else None
    return job_class is not None and issubclass(job_class, DataSyncBaseJob)


def waits_for_sync(job_result: JobResult, sync: Sync | None) -> bool:
    """Whether a sync job's result has no sync yet because the job has not started."""
    return sync is None and job_result.is_unready_state and is_sync_job(job_result)


def sync_of(user, job_result: JobResult) -> Sync | None:
    """The Sync recorded by ``job_result``, if ``user`` may view it."""
    return Sync.objects.restrict(user, "view").defer("diff", "summary").filter(job_result=job_result).first()


class SyncProgressPanel(Panel):
    """A running sync's live progress on its page, refreshed in place."""

    def should_render(self, context):
        """Only while the sync runs."""
        return is_running(context.get("object")) and super().should_render(context)

    def render_body_content(self, context):
        """The progress fragment."""
        return render_progress(context["object"])


class JobResultProgressPanel(Panel):
    """The live progress of the Sync a JobResult's job runs, on the JobResult's page (waiting for it to start)."""

    def _sync(self, context) -> Sync | None:
        return sync_of(context["request"].user, context["object"]) if context.get("object") is not None else None

    def should_render(self, context):
        """While the sync runs, or while a sync job waits to start."""
        job_result, sync = context.get("object"), self._sync(context)
        shown = is_running(sync) or (job_result is not None and waits_for_sync(job_result, sync))
        return shown and super().should_render(context)

    def render_body_content(self, context):
        """The sync's progress fragment, or the waiting one."""
        sync = self._sync(context)
        return render_progress(sync) if sync is not None else render_waiting(context["object"])


def fragment_response(content: str, running: bool) -> HttpResponse:
    """A fragment; once the run has ended, it also asks the page to reload (htmx's ``HX-Refresh``)."""
    response = HttpResponse(content)
    if not running:
        response["HX-Refresh"] = "true"
    return response


class SyncProgressView(View):
    """The progress fragment of one sync the user may view."""

    def get(self, request, pk):
        """Render the fragment."""
        sync = get_object_or_404(Sync.objects.restrict(request.user, "view").defer("diff", "summary"), pk=pk)
        return fragment_response(render_progress(sync), is_running(sync))


class JobResultProgressView(View):
    """The progress fragment of a job result's sync, or the waiting fragment until the job starts its sync."""

    def get(self, request, pk):
        """Render the fragment."""
        job_result = get_object_or_404(JobResult.objects.restrict(request.user, "view"), pk=pk)
        sync = sync_of(request.user, job_result)
        if sync is not None:
            return fragment_response(render_progress(sync), is_running(sync))
        waiting = waits_for_sync(job_result, sync)
        return fragment_response(render_waiting(job_result) if waiting else "", waiting)
