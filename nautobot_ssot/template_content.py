"""Content added to Nautobot's own pages: the Sync of a JobResult and its live progress, on the JobResult's page."""

from __future__ import annotations

from django.utils.html import format_html
from nautobot.apps.templatetags import render_boolean
from nautobot.apps.ui import Button, ButtonColorChoices, KeyValueTablePanel, SectionChoices, TemplateExtension

from nautobot_ssot.models import Sync
from nautobot_ssot.progress_ui import JobResultProgressPanel
from nautobot_ssot.templatetags.ssot_tags import format_duration, summary_badges

VIEW_SYNC = "nautobot_ssot.view_sync"


def sync_for_job_result(context) -> Sync | None:
    """The Sync recorded by the JobResult shown in ``context``, if the user may see one."""
    job_result = context.get("object")
    if job_result is None:
        return None
    user = context["request"].user
    return Sync.objects.restrict(user, "view").defer("diff").filter(job_result=job_result).first()


class SyncButton(Button):
    """A button on a JobResult's page that opens the Sync the job recorded."""

    def get_link(self, context):
        """The Sync's page, or None when the job result has no sync."""
        sync = sync_for_job_result(context)
        return sync.get_absolute_url() if sync else None

    def render(self, context):
        """Render only for job results that recorded a sync."""
        if not self.should_render(context) or self.get_link(context) is None:
            return ""
        return super().render(context)


class SyncSummaryPanel(KeyValueTablePanel):
    """A panel on a JobResult's page summarizing the Sync the job recorded."""

    def get_data(self, context):
        """The sync's link, dry run flag, duration and counts; empty (so hidden) when there is no sync."""
        sync = sync_for_job_result(context)
        if sync is None:
            return {}
        return {
            "Sync": format_html('<a href="{}">{}</a>', sync.get_absolute_url(), str(sync)),
            "Dry run": render_boolean(sync.dry_run),
            "Duration": format_duration(sync.duration),
            "Summary": summary_badges(sync),
        }


class JobResultSyncExtension(TemplateExtension):
    """Link a JobResult to the Sync its SSoT job recorded."""

    model = "extras.jobresult"
    object_detail_buttons = (
        SyncButton(
            weight=100,
            label="View Sync",
            icon="mdi-sync",
            color=ButtonColorChoices.BLUE,
            required_permissions=[VIEW_SYNC],
        ),
    )
    object_detail_panels = (
        JobResultProgressPanel(
            weight=40,
            section=SectionChoices.RIGHT_HALF,
            label="Sync progress",
            required_permissions=[VIEW_SYNC],
        ),
        SyncSummaryPanel(
            weight=50,
            section=SectionChoices.RIGHT_HALF,
            label="Single Source of Truth",
            required_permissions=[VIEW_SYNC],
        ),
    )


template_extensions = [JobResultSyncExtension]
