"""Web UI: dashboard, sync history and detail (diff, logs, job result), log entries, data source/target pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber, TruncDate
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.generic import View
from django_tables2 import RequestConfig
from nautobot.apps.templatetags import hyperlinked_object, placeholder
from nautobot.apps.ui import (
    Button,
    DataTablePanel,
    DistinctViewTab,
    EChartsBase,
    EChartsTypeChoices,
    KeyValueTablePanel,
    ObjectDetailContent,
    ObjectFieldsPanel,
    ObjectsTablePanel,
    Panel,
    SectionChoices,
    Tab,
)
from nautobot.apps.views import (
    ContentTypePermissionRequiredMixin,
    EnhancedPaginator,
    ObjectBulkDestroyViewMixin,
    ObjectDestroyViewMixin,
    ObjectDetailViewMixin,
    ObjectListViewMixin,
    ObjectView,
    get_paginate_count,
)
from nautobot.extras.models import Job, JobLogEntry
from nautobot.extras.tables import JobLogEntryTable
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.response import Response

from nautobot_ssot import NautobotSSOTAppConfig, filters, forms, tables
from nautobot_ssot.api import serializers
from nautobot_ssot.choices import SyncModeChoices
from nautobot_ssot.jobs import DataSource, DataTarget, get_data_jobs
from nautobot_ssot.models import PHASES, Sync, SyncConflict, SyncDiffRecord, SyncLogEntry
from nautobot_ssot.progress_ui import SyncProgressPanel
from nautobot_ssot.sync.plan import plan_apply_url
from nautobot_ssot.sync.report import failures_csv, failures_csv_filename
from nautobot_ssot.templatetags.ssot_tags import (
    format_bytes,
    format_duration,
    render_log_diff,
    summary_counts,
    sync_status,
)

RECENT_SYNCS = 10
RUNS_PER_JOB = 3
ACTIVITY_DAYS = 30
PHASE_LABELS = {
    "source_load": "Load source",
    "target_load": "Load target",
    "diff": "Calculate diff",
    "sync": "Apply changes",
}


def sync_list_queryset():
    """Syncs as lists show them: newest first, job result and job joined, the JSON diff never loaded."""
    return Sync.objects.defer("diff").select_related("job_result__job_model").order_by("-start_time")


def log_entry_queryset():
    """Log entries, newest first, with their sync (without its JSON diff), object type and object if it exists."""
    return (
        SyncLogEntry.objects.select_related("sync", "synced_object_type")
        .defer("sync__diff")
        .prefetch_related("synced_object")
        .order_by("-timestamp")
    )


class SyncFieldsPanel(ObjectFieldsPanel):
    """The fields of a sync, with its status, job and duration rendered for people."""

    def render_value(self, key, value, context):
        """Render status, job and duration; everything else as Nautobot does."""
        sync = context["object"]
        if key == "status":
            return sync_status(sync.job_result)
        if key == "job":
            return _job_link(sync)
        if key == "duration":
            return format_duration(value)
        return super().render_value(key, value, context)

    def get_data(self, context):
        """Add the job to the fields (it is reached through the job result)."""
        data = super().get_data(context)
        data["job"] = None
        return data


def _job_link(sync: Sync):
    """Link to the data source/target page of the sync's job, if known."""
    url = sync.get_source_target_url()
    if url is None:
        return placeholder(None)
    return format_html('<a href="{}">{}</a>', url, sync.job_result.job_model.name)


def phase_rows(sync: Sync) -> list[dict[str, str]]:
    """One row per phase for the timings panel (a DataTablePanel reads rows as dicts): duration and memory."""
    return [
        {
            "phase": PHASE_LABELS[phase],
            "duration": format_duration(getattr(sync, f"{phase}_time")),
            "memory_final": format_bytes(getattr(sync, f"{phase}_memory_final")),
            "memory_peak": format_bytes(getattr(sync, f"{phase}_memory_peak")),
        }
        for phase in PHASES
    ]


def summary_data(sync: Sync) -> dict:
    """Summary counts keyed by label, each a link to the matching entries when there are any."""
    data = {}
    for count in summary_counts(sync):
        if count.url:
            data[count.label] = format_html('<a href="{}">{}</a>', count.url, count.value)
        else:
            data[count.label] = str(count.value)
    return data


class ApplyPlanButton(Button):
    """Link to the job's run form, filled in to apply this dry run's plan (shown for dry runs only)."""

    def should_render(self, context):
        """Only for a dry run with a job."""
        sync = context.get("object")
        return bool(super().should_render(context) and sync and sync.dry_run and plan_apply_url(sync))

    def get_link(self, context):
        """The job's run form with this plan's input."""
        return plan_apply_url(context["object"])


class ForbiddenPageMixin:
    """Answer a refused request, such as a delete without CSRF token, with Nautobot's 403 page.

    DRF reports a failed CSRF check as its own ``PermissionDenied`` after signing the user out of the request;
    rendered as an object page, it looked the object up as an anonymous user and answered 404.
    """

    def handle_exception(self, exc):
        """Raise DRF's ``PermissionDenied`` as Django's, which Nautobot answers with its 403 page."""
        if isinstance(exc, exceptions.PermissionDenied):
            raise PermissionDenied(str(exc.detail)) from exc
        return super().handle_exception(exc)


DRY_RUN_LOGS_NOTE = (
    "A dry run writes nothing, so it has no log entries: the Diff tab shows what a real run would change. "
    "A dry run with Validate dry run set logs each change it tried before rolling it back."
)
"""What the Logs tab of a plain dry run says instead of an empty list."""


class DryRunLogsNotePanel(Panel):
    """Says why a plain dry run has no log entries (shown on its Logs tab only)."""

    def should_render(self, context):
        """Only for a plain dry run (a validated dry run has entries)."""
        sync = context.get("object")
        plain = sync is not None and sync.dry_run and sync.mode != SyncModeChoices.MODE_VALIDATED_DRY_RUN
        return bool(plain and super().should_render(context))

    def render_body_content(self, context):
        """The note."""
        return format_html('<p class="p-3 mb-0">{}</p>', DRY_RUN_LOGS_NOTE)


class PagedTablePanel(ObjectsTablePanel):
    """A table panel paging its rows, linking to the full list from its header only (no "View N more" as well)."""

    def get_extra_context(self, context):
        """Nautobot's context without the count of rows beyond the page (the pager reaches them)."""
        return {**super().get_extra_context(context), "more_queryset_count": 0}


class SyncUIViewSet(
    ForbiddenPageMixin, ObjectDetailViewMixin, ObjectListViewMixin, ObjectDestroyViewMixin, ObjectBulkDestroyViewMixin
):
    """Sync history (list), sync detail with diff, logs and job result tabs, and deletion."""

    queryset = sync_list_queryset()
    filterset_class = filters.SyncFilterSet
    filterset_form_class = forms.SyncFilterForm
    table_class = tables.SyncTable
    serializer_class = serializers.SyncSerializer
    action_buttons = ("export",)

    object_detail_content = ObjectDetailContent(
        extra_buttons=(
            Button(
                weight=100,
                label="Failures CSV",
                icon="mdi-download",
                link_name="plugins:nautobot_ssot:sync_failures",
                required_permissions=["nautobot_ssot.view_synclogentry"],
            ),
            ApplyPlanButton(
                weight=200, label="Apply this plan", icon="mdi-play", required_permissions=["extras.run_job"]
            ),
        ),
        panels=(
            SyncProgressPanel(section=SectionChoices.LEFT_HALF, weight=50, label="Progress"),
            SyncFieldsPanel(
                section=SectionChoices.LEFT_HALF,
                weight=100,
                fields=["source", "target", "status", "dry_run", "start_time", "duration", "diff_truncated"],
            ),
            KeyValueTablePanel(
                section=SectionChoices.RIGHT_HALF, weight=100, label="Summary", context_data_key="summary_data"
            ),
            DataTablePanel(
                section=SectionChoices.RIGHT_HALF,
                weight=200,
                label="Timings and memory",
                context_data_key="phase_rows",
                columns=["phase", "duration", "memory_final", "memory_peak"],
                column_headers=["Phase", "Duration", "Memory (final)", "Memory (peak)"],
            ),
        ),
        extra_tabs=(
            DistinctViewTab(
                weight=Tab.WEIGHT_CHANGELOG_TAB + 100,
                tab_id="diff",
                label="Diff",
                url_name="plugins:nautobot_ssot:sync_diff",
                related_object_attribute="diff_records",
                panels=(
                    Panel(
                        weight=100,
                        section=SectionChoices.FULL_WIDTH,
                        label="Filter",
                        body_content_template_path="nautobot_ssot/inc/diff_filter_form.html",
                    ),
                    ObjectsTablePanel(
                        weight=200,
                        section=SectionChoices.FULL_WIDTH,
                        context_table_key="diff_table",
                        table_title="Changed records",
                        enable_related_link=False,
                        add_button_route=None,
                        show_table_config_button=False,
                        include_paginator=True,
                    ),
                ),
            ),
            DistinctViewTab(
                weight=Tab.WEIGHT_CHANGELOG_TAB + 200,
                tab_id="logs",
                label="Logs",
                url_name="plugins:nautobot_ssot:sync_logentries",
                required_permissions=["nautobot_ssot.view_synclogentry"],
                panels=(
                    DryRunLogsNotePanel(weight=50, section=SectionChoices.FULL_WIDTH, label="Why no log entries"),
                    PagedTablePanel(
                        weight=100,
                        section=SectionChoices.FULL_WIDTH,
                        table_class=tables.SyncLogEntryTable,
                        table_filter="sync",
                        select_related_fields=["synced_object_type"],
                        prefetch_related_fields=["synced_object"],
                        exclude_columns=["sync", "pk"],
                        add_button_route=None,
                        include_paginator=True,
                        tab_id="logs",
                    ),
                ),
            ),
            DistinctViewTab(
                weight=Tab.WEIGHT_CHANGELOG_TAB + 300,
                tab_id="job_result",
                label="Job Result",
                url_name="plugins:nautobot_ssot:sync_jobresult",
                required_permissions=["extras.view_jobresult"],
                panels=(
                    ObjectFieldsPanel(
                        weight=100,
                        section=SectionChoices.LEFT_HALF,
                        label="Job result",
                        context_object_key="job_result",
                        fields=["name", "job_model", "status", "user", "date_created", "date_started", "date_done"],
                        ignore_nonexistent_fields=True,
                    ),
                    ObjectsTablePanel(
                        weight=200,
                        section=SectionChoices.FULL_WIDTH,
                        context_table_key="job_log_table",
                        table_title="Job log",
                        enable_related_link=False,
                        add_button_route=None,
                        show_table_config_button=False,
                        include_paginator=True,
                    ),
                ),
            ),
        ),
    )

    def get_extra_context(self, request, instance=None):
        """Add the summary, the phase table and the table of the active tab."""
        context = super().get_extra_context(request, instance)
        if instance is None or not instance.present_in_database:
            return context
        context["summary_data"] = summary_data(instance)
        context["phase_rows"] = phase_rows(instance)
        context["job_result"] = instance.job_result
        if self.action == "diff":
            context.update(diff_tab_context(request, instance))
        elif self.action == "jobresult":
            context["job_log_table"] = job_log_table(request, instance)
        return context

    @action(detail=True, url_path="diff", url_name="diff", custom_view_base_action="view")
    def diff(self, request, *args, **kwargs):
        """The per-record diff of the sync, paged and filterable by action, model and text."""
        return Response({})

    @action(
        detail=True,
        url_path="logs",
        url_name="logentries",
        custom_view_base_action="view",
        custom_view_additional_permissions=["nautobot_ssot.view_synclogentry"],
    )
    def logentries(self, request, *args, **kwargs):
        """The log entries of the sync."""
        return Response({})

    @action(
        detail=True,
        url_path="jobresult",
        url_name="jobresult",
        custom_view_base_action="view",
        custom_view_additional_permissions=["extras.view_jobresult"],
    )
    def jobresult(self, request, *args, **kwargs):
        """The job result of the sync and its job log."""
        return Response({})

    @action(
        detail=True,
        url_path="failures.csv",
        url_name="failures",
        custom_view_base_action="view",
        custom_view_additional_permissions=["nautobot_ssot.view_synclogentry"],
    )
    def failures(self, request, *args, **kwargs):
        """Download the sync's failed records as CSV."""
        sync = self.get_object()
        response = HttpResponse(failures_csv(sync), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{failures_csv_filename(sync)}"'
        return response


DIFF_FILTER_PARAMS = ("q", "action", "model_name", "conflicts", "not_converging")
SINGLE_VALUE_DIFF_PARAMS = ("q", "conflicts", "not_converging")


def diff_tab_context(request, sync: Sync) -> dict:
    """The diff tab's filter form and table: the sync's diff records filtered by the request.

    Diff records are part of their sync: viewing the sync is what permits viewing them.
    """
    params = request.GET.copy()
    data = {
        key: params.get(key) if key in SINGLE_VALUE_DIFF_PARAMS else params.getlist(key)
        for key in DIFF_FILTER_PARAMS
        if key in params
    }
    model_names = (
        SyncDiffRecord.objects.filter(sync=sync).order_by("model_name").values_list("model_name", flat=True).distinct()
    )
    form = forms.SyncDiffRecordFilterForm(data or None, model_names=list(model_names))
    filterset = filters.SyncDiffRecordFilterSet(data, SyncDiffRecord.objects.filter(sync=sync))
    queryset = filterset.qs if filterset.is_valid() else SyncDiffRecord.objects.none()
    table = diff_tab_table(request, sync, queryset, filterset.form.cleaned_data if filterset.is_valid() else {})
    return {"diff_filter_form": form, "diff_table": table, "diff_filtered": bool(data)}


def diff_tab_table(request, sync: Sync, records, filters: dict):
    """The diff tab's table: the conflicts of the filtered records when filtering on conflicts, else the records.

    The "not converging" column shows when filtering on it.
    """
    if filters.get("conflicts"):
        conflicts = SyncConflict.objects.filter(sync=sync, record__in=records).select_related("record")
        return tables.SyncConflictTable(conflicts, user=request.user, orderable=False)
    exclude = () if filters.get("not_converging") else ("not_converging",)
    return tables.SyncDiffRecordTable(records.order_by("position"), user=request.user, orderable=False, exclude=exclude)


def job_log_table(request, sync: Sync) -> JobLogEntryTable:
    """The job log of the sync's job result, as far as the user may see it."""
    entries = JobLogEntry.objects.restrict(request.user, "view").filter(job_result_id=sync.job_result_id)
    return JobLogEntryTable(entries.order_by("created"), user=request.user, orderable=False)


class SyncLogEntryFieldsPanel(ObjectFieldsPanel):
    """The fields of a log entry, with the synced object linked when it still exists."""

    def render_value(self, key, value, context):
        """Render the object link and the diff; everything else as Nautobot does."""
        entry = context["object"]
        if key == "synced_object":
            return hyperlinked_object(value) if value is not None else placeholder(entry.object_repr)
        if key == "diff":
            return render_log_diff(value, tables.entry_model(entry))
        if key == "synced_object_type":
            return tables.object_type_html(entry)
        return super().render_value(key, value, context)


class SyncLogEntryUIViewSet(ObjectDetailViewMixin, ObjectListViewMixin):
    """Log entries of all syncs (list) and of one object (detail)."""

    queryset = log_entry_queryset()
    filterset_class = filters.SyncLogEntryFilterSet
    filterset_form_class = forms.SyncLogEntryFilterForm
    table_class = tables.SyncLogEntryTable
    serializer_class = serializers.SyncLogEntrySerializer
    action_buttons = ("export",)

    object_detail_content = ObjectDetailContent(
        panels=(
            SyncLogEntryFieldsPanel(
                section=SectionChoices.LEFT_HALF,
                weight=100,
                fields=["sync", "timestamp", "action", "status", "synced_object_type", "synced_object", "object_repr"],
            ),
            SyncLogEntryFieldsPanel(
                section=SectionChoices.RIGHT_HALF, weight=100, label="Message and diff", fields=["message", "diff"]
            ),
        ),
    )


@dataclass
class JobOverview:
    """A data source or target job with its latest runs, for the dashboard.

    Attributes:
        job: The Job model.
        kind: ``"source"`` or ``"target"``.
        runs: The latest syncs of the job, newest first.
        can_run: Whether the user may run the job (and it is enabled and installed).
    """

    job: Job
    kind: str
    runs: list[Sync] = field(default_factory=list)
    can_run: bool = False

    @property
    def job_class(self):
        """The job's class (DataSource or DataTarget subclass)."""
        return self.job.job_class

    @property
    def icon(self) -> str | None:
        """Icon URL of the system at the other end of Nautobot."""
        return self.job_class.data_source_icon if self.kind == "source" else self.job_class.data_target_icon

    @property
    def system(self) -> str:
        """Name of the system at the other end of Nautobot."""
        return self.job_class.data_source if self.kind == "source" else self.job_class.data_target

    @property
    def url(self) -> str:
        """The data source/target page of the job."""
        return reverse("plugins:nautobot_ssot:data_job", kwargs={"pk": self.job.pk})

    @property
    def run_url(self) -> str:
        """The job's run form."""
        return reverse("extras:job_run", kwargs={"pk": self.job.pk})


def may_run(user, job: Job) -> bool:
    """Whether ``user`` may run ``job`` now: the permission, and the job enabled and installed."""
    return bool(user.has_perm("extras.run_job") and job.enabled and job.installed)


def latest_runs(user, jobs: list[Job], per_job: int = RUNS_PER_JOB) -> dict:
    """The ``per_job`` latest syncs of each job, in one query: ``{job pk: [sync, ...]}``."""
    ranked = (
        sync_list_queryset()
        .restrict(user, "view")
        .filter(job_result__job_model__in=jobs)
        .annotate(
            rank=Window(
                RowNumber(), partition_by=[F("job_result__job_model")], order_by=F("start_time").desc(nulls_last=True)
            )
        )
        .filter(rank__lte=per_job)
        .order_by("-start_time")
    )
    runs = {}
    for sync in ranked:
        runs.setdefault(sync.job_result.job_model_id, []).append(sync)
    return runs


def job_overviews(user) -> tuple[list[JobOverview], list[JobOverview]]:
    """The data sources and data targets the user may see, each with its latest runs."""
    sources, targets = get_data_jobs()
    permitted = set(Job.objects.restrict(user, "view").values_list("pk", flat=True))
    sources = [job for job in sources if job.pk in permitted]
    targets = [job for job in targets if job.pk in permitted]
    runs = latest_runs(user, sources + targets)
    return (
        [JobOverview(job, "source", runs.get(job.pk, []), may_run(user, job)) for job in sources],
        [JobOverview(job, "target", runs.get(job.pk, []), may_run(user, job)) for job in targets],
    )


def activity_chart(user, days: int = ACTIVITY_DAYS) -> dict:
    """ECharts configuration of the number of syncs (and dry runs) per day over the last ``days`` days."""
    today = timezone.localdate()
    since = today - timedelta(days=days - 1)
    rows = (
        Sync.objects.restrict(user, "view")
        .filter(start_time__date__gte=since)
        .annotate(day=TruncDate("start_time"))
        .values("day")
        .annotate(total=Count("id"), dry=Count("id", filter=Q(dry_run=True)))
    )
    totals = {row["day"]: (row["total"] - row["dry"], row["dry"]) for row in rows}
    dates = [since + timedelta(days=offset) for offset in range(days)]
    data = {
        "x": [day.isoformat() for day in dates],
        "series": [
            {"name": "Syncs", "data": [totals.get(day, (0, 0))[0] for day in dates]},
            {"name": "Dry runs", "data": [totals.get(day, (0, 0))[1] for day in dates]},
        ],
    }
    chart = EChartsBase(chart_type=EChartsTypeChoices.BAR, data=data, x_label="Day", y_label="Runs", show_toolbox=False)
    config = chart.get_config()
    config["yAxis"]["minInterval"] = 1  # runs are counted whole: no 0.2 steps on an empty chart
    return config


class DashboardView(ContentTypePermissionRequiredMixin, View):
    """Every data source and data target with its latest runs, recent syncs and activity over time."""

    def get_required_permission(self):
        """Viewing syncs is what the dashboard needs."""
        return "nautobot_ssot.view_sync"

    def get(self, request):
        """Render the dashboard."""
        sources, targets = job_overviews(request.user)
        recent = sync_list_queryset().restrict(request.user, "view").order_by("-start_time")[:RECENT_SYNCS]
        recent_table = tables.SyncTable(recent, user=request.user, orderable=False)
        recent_table.columns.hide("pk")
        context = {
            "title": "Single Source of Truth",
            "data_sources": sources,
            "data_targets": targets,
            "recent_table": recent_table,
            "sync_count": Sync.objects.restrict(request.user, "view").count(),
            "activity_chart": activity_chart(request.user),
            "activity_chart_renderer": {"renderer": "canvas"},
            "content_type": ContentType.objects.get_for_model(Sync),
        }
        return render(request, "nautobot_ssot/dashboard.html", context)


class DataJobView(ObjectView):
    """The page of one data source or data target job: description, configuration, mappings and history."""

    queryset = Job.objects.all()
    template_name = "nautobot_ssot/data_job.html"
    additional_permissions = ["nautobot_ssot.view_sync"]

    def get(self, request, *args, **kwargs):
        """Render the page of an installed data source/target job, 404 for any other job."""
        job = _job_from_url(self.queryset, kwargs)
        overview = _overview_for(job)
        history = sync_list_queryset().restrict(request.user, "view").filter(job_result__job_model=job)
        history_table = tables.SyncTable(history.order_by("-start_time"), user=request.user)
        history_table.columns.hide("pk")
        paginate = {"paginator_class": EnhancedPaginator, "per_page": get_paginate_count(request)}
        RequestConfig(request, paginate).configure(history_table)
        context = {
            "object": job,
            "overview": overview,
            "job_class": overview.job_class,
            "config_information": overview.job_class.config_information(),
            "data_mappings": list(overview.job_class.data_mappings()),
            "history_table": history_table,
            "history_url": reverse("plugins:nautobot_ssot:sync_list") + f"?job={job.pk}",
            "run_url": reverse("extras:job_run", kwargs={"pk": job.pk}),
            "can_run": may_run(request.user, job),
        }
        return render(request, self.get_template_name(), context)


def _job_from_url(queryset: QuerySet[Job], kwargs: dict[str, str]) -> Job:
    """The job a data job URL names: by ``pk``, or by ``class_path`` as nautobot-ssot 4.x links to it."""
    if "pk" in kwargs:
        return get_object_or_404(queryset, pk=kwargs["pk"])
    module_name, _, class_name = kwargs["class_path"].rpartition(".")
    return get_object_or_404(queryset, module_name=module_name, job_class_name=class_name)


def _overview_for(job: Job) -> JobOverview:
    """The overview of ``job`` if it is a data source or data target job, else 404."""
    job_class = job.job_class
    if job_class is not None and issubclass(job_class, DataSource):
        return JobOverview(job, "source")
    if job_class is not None and issubclass(job_class, DataTarget):
        return JobOverview(job, "target")
    raise Http404("This job is not an installed data source or data target.")


SECRET_WORDS = ("password", "secret", "token", "key")


@dataclass(frozen=True)
class SettingRow:
    """One app setting as the configuration page shows it."""

    name: str
    value: object
    default: bool


def setting_rows() -> list[SettingRow]:
    """The app's settings, secrets masked, marked where the default applies."""
    configured = settings.PLUGINS_CONFIG.get("nautobot_ssot", {})
    defaults = NautobotSSOTAppConfig.default_settings
    rows = []
    for name in sorted(set(defaults) | set(configured)):
        value = configured.get(name, defaults.get(name))
        masked = "********" if value and any(word in name.lower() for word in SECRET_WORDS) else value
        rows.append(SettingRow(name, masked, name not in configured))
    return rows


class SSOTConfigView(ContentTypePermissionRequiredMixin, View):
    """The app's configuration (the ``config`` page of nautobot-ssot 4.x): its settings and where they come from."""

    def get_required_permission(self):
        """The permission nautobot-ssot 4.x guards this page with."""
        return "nautobot_ssot.view_ssotconfig"

    def get(self, request):
        """Render the settings table."""
        context = {"title": "SSoT configuration", "settings_rows": setting_rows()}
        return render(request, "nautobot_ssot/config.html", context)
