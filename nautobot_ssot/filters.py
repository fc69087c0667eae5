"""Filter sets for syncs, their per-record diffs and their log entries."""

from django.db.models import Exists, OuterRef
from nautobot.apps.filters import (
    BaseFilterSet,
    BooleanFilter,
    ContentTypeFilter,
    ModelMultipleChoiceFilter,
    MultipleChoiceFilter,
    MultiValueCharFilter,
    NaturalKeyOrPKMultipleChoiceFilter,
    SearchFilter,
)
from nautobot.extras.choices import JobResultStatusChoices
from nautobot.extras.models import Job, JobResult

from nautobot_ssot.choices import DiffActionChoices, SyncLogEntryActionChoices, SyncLogEntryStatusChoices
from nautobot_ssot.models import Sync, SyncConflict, SyncDiffRecord, SyncLogEntry
from nautobot_ssot.permissions import restrict_filters_to_requester


class RequesterFilterSet(BaseFilterSet):
    """A filter set whose model filters accept and show only objects the requesting user may view."""

    def __init__(self, *args, **kwargs):
        """Build the filter set, then restrict its model filters (see ``nautobot_ssot.permissions``)."""
        super().__init__(*args, **kwargs)
        restrict_filters_to_requester(self)


class SyncFilterSet(RequesterFilterSet):
    """Filter syncs by source, target, dry run, status, start time and job.

    Date ranges use the generated lookups, e.g. ``start_time__gte`` and ``start_time__lte``.
    """

    q = SearchFilter(filter_predicates={"source": "icontains", "target": "icontains"})
    source = MultiValueCharFilter(label="Source")
    target = MultiValueCharFilter(label="Target")
    dry_run = BooleanFilter(label="Dry run")
    status = MultipleChoiceFilter(
        field_name="job_result__status", choices=JobResultStatusChoices, null_value=None, label="Status"
    )
    job = NaturalKeyOrPKMultipleChoiceFilter(
        field_name="job_result__job_model",
        to_field_name="name",
        queryset=Job.objects.all(),
        label="Job (name or ID)",
    )
    job_result = ModelMultipleChoiceFilter(queryset=JobResult.objects.all(), label="Job result (ID)")

    class Meta:
        """Metadata."""

        model = Sync
        fields = ["id", "source", "target", "start_time", "dry_run", "diff_truncated", "job_result"]


class SyncLogEntryFilterSet(RequesterFilterSet):
    """Filter log entries by sync, action, status, type of synced object and text."""

    q = SearchFilter(filter_predicates={"object_repr": "icontains", "message": "icontains"})
    sync = ModelMultipleChoiceFilter(queryset=Sync.objects.all(), label="Sync (ID)")
    action = MultipleChoiceFilter(choices=SyncLogEntryActionChoices, label="Action")
    status = MultipleChoiceFilter(choices=SyncLogEntryStatusChoices, label="Status")
    synced_object_type = ContentTypeFilter(label="Object type (app_label.model)")
    has_synced_object = BooleanFilter(
        field_name="synced_object_id", lookup_expr="isnull", exclude=True, label="Linked to an object"
    )

    class Meta:
        """Metadata."""

        model = SyncLogEntry
        fields = [
            "id",
            "sync",
            "timestamp",
            "action",
            "status",
            "synced_object_id",
            "object_repr",
            "message",
            "model_name",
            "unique_id",
        ]


class SyncDiffRecordFilterSet(RequesterFilterSet):
    """Filter the per-record diff of a sync by action, model and unique id."""

    q = SearchFilter(filter_predicates={"unique_id": "icontains", "model_name": "icontains"})
    sync = ModelMultipleChoiceFilter(queryset=Sync.objects.all(), label="Sync (ID)")
    action = MultipleChoiceFilter(choices=DiffActionChoices, label="Action")
    model_name = MultiValueCharFilter(label="Model")
    conflicts = BooleanFilter(method="filter_conflicts", label="Has conflicts")
    not_converging = BooleanFilter(method="filter_not_converging", label="Not converging")

    class Meta:
        """Metadata."""

        model = SyncDiffRecord
        fields = ["id", "sync", "action", "model_name", "unique_id"]

    def filter_conflicts(self, queryset, name, value):
        """Records with (True) or without (False) conflicts."""
        with_conflicts = SyncConflict.objects.filter(record=OuterRef("pk"))
        return queryset.filter(Exists(with_conflicts) if value else ~Exists(with_conflicts))

    def filter_not_converging(self, queryset, name, value):
        """Records flagged (True) or not flagged (False) as not converging."""
        flagged = queryset.exclude(not_converging=[])
        return flagged if value else queryset.filter(not_converging=[])
