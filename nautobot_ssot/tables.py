"""Tables of syncs, per-record diffs and log entries.

Every column renders text through ``format_html`` or Django's autoescaping: names, messages and
diff values come from external systems.
"""

from __future__ import annotations

import django_tables2 as tables
from django.db.models import Model
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.timezone import localtime
from nautobot.apps.tables import BaseTable, BooleanColumn, ButtonsColumn, ToggleColumn
from nautobot.apps.templatetags import hyperlinked_object, placeholder

from nautobot_ssot.models import Sync, SyncConflict, SyncDiffRecord, SyncLogEntry
from nautobot_ssot.templatetags.conflict_tags import conflict_change_link, render_not_converging
from nautobot_ssot.templatetags.ssot_labels import (
    ObjectKeys,
    attribute_html,
    existing_objects,
    labelled,
    model_for_name,
    model_html,
)
from nautobot_ssot.templatetags.ssot_tags import (
    action_badge,
    format_duration,
    render_before_after,
    render_keys,
    render_log_diff,
    status_badge,
    summary_badges,
    sync_status,
    value_text,
)


class SyncTable(BaseTable):
    """Sync history: one row per run.

    The queryset should ``select_related("job_result__job_model")`` and ``defer("diff")``.
    """

    pk = ToggleColumn()
    start_time = tables.DateTimeColumn(linkify=True, short=True, verbose_name="Started")
    source = tables.Column()
    target = tables.Column()
    job = tables.Column(accessor="job_result__job_model", verbose_name="Job", order_by=("job_result__job_model__name",))
    dry_run = BooleanColumn(verbose_name="Dry run")
    status = tables.Column(accessor="job_result__status", verbose_name="Status", empty_values=())
    duration = tables.Column(empty_values=(), orderable=False)
    summary = tables.Column(empty_values=(), orderable=False, verbose_name="Summary")
    actions = ButtonsColumn(Sync, buttons=("detail", "delete"))

    class Meta(BaseTable.Meta):
        """Metadata."""

        model = Sync
        fields = (
            "pk",
            "start_time",
            "source",
            "target",
            "job",
            "dry_run",
            "status",
            "duration",
            "summary",
            "diff_truncated",
            "actions",
        )
        default_columns = (
            "pk",
            "start_time",
            "source",
            "target",
            "dry_run",
            "status",
            "duration",
            "summary",
            "actions",
        )

    def render_job(self, value):
        """Link to the data source/target page of the job."""
        url = reverse("plugins:nautobot_ssot:data_job", kwargs={"pk": value.pk})
        return format_html('<a href="{}">{}</a>', url, value.name)

    def render_status(self, record):
        """Nautobot's job status label."""
        return sync_status(record.job_result)

    def render_duration(self, record):
        """Total time of the measured phases."""
        return format_duration(record.duration)

    def render_summary(self, record):
        """Summary counts as badges linking to the matching entries."""
        return summary_badges(record)


class DiffObjectsMixin:
    """Shows the objects of diff records by their display names, linked, when they exist.

    The objects of the rows on the table's page are looked up at the first row rendered, one query per model.
    """

    _existing: dict[ObjectKeys, Model] | None = None

    def render_model_name(self, value):
        """The model's verbose name."""
        return model_html(value)

    def record_of(self, row_record) -> SyncDiffRecord | None:
        """The diff record of a row (the row itself here)."""
        return row_record

    def _page_records(self) -> list[SyncDiffRecord]:
        rows = self.page.object_list if getattr(self, "page", None) is not None else self.rows
        return [record for row in rows if (record := self.record_of(row.record)) is not None]

    def _object_keys(self, record: SyncDiffRecord) -> ObjectKeys | None:
        model = model_for_name(record.model_name)
        return ObjectKeys.of(model, record.keys) if model is not None and record.keys else None

    def existing_object(self, record: SyncDiffRecord | None) -> Model | None:
        """The object a diff record stands for, if it exists."""
        if record is None:
            return None
        if self._existing is None:
            self._existing = existing_objects(filter(None, map(self._object_keys, self._page_records())))
        keys = self._object_keys(record)
        return self._existing.get(keys) if keys is not None else None

    def object_html(self, record: SyncDiffRecord | None, unique_id: str):
        """The object's display name linked to it when it exists, else its identifiers; the unique id on hover."""
        instance = self.existing_object(record)
        if instance is not None:
            url = instance.get_absolute_url()
            return format_html('<a href="{}" title="{}">{}</a>', url, unique_id, display_name(instance))
        values = ", ".join(value_text(value) for value in (record.keys or {}).values()) if record else ""
        return labelled(values or unique_id, unique_id)


def display_name(instance: Model) -> str:
    """How Nautobot names an object on its pages: its ``display`` when it has one."""
    return getattr(instance, "display", None) or str(instance)


class SyncDiffRecordTable(DiffObjectsMixin, BaseTable):
    """The per-record diff of one sync, with before (target) and after (source) values."""

    position = tables.Column(verbose_name="#")
    action = tables.Column()
    model_name = tables.Column(verbose_name="Model")
    unique_id = tables.Column(verbose_name="Object")
    keys = tables.Column(orderable=False, verbose_name="Identifiers")
    changes = tables.Column(empty_values=(), orderable=False, verbose_name="Before / after")
    not_converging = tables.Column(orderable=False, verbose_name="Not converging")

    class Meta(BaseTable.Meta):
        """Metadata."""

        model = SyncDiffRecord
        fields = ("position", "action", "model_name", "unique_id", "keys", "changes", "not_converging")
        default_columns = fields

    def render_position(self, value):
        """Rows are numbered from 1 for people (``position`` itself counts from 0)."""
        return value + 1

    def render_not_converging(self, record, value):
        """The attributes that keep changing, with a link to the record's log entries in every sync."""
        return render_not_converging(record, value)

    def render_action(self, value):
        """Colored action badge."""
        return action_badge(value)

    def render_unique_id(self, record, value):
        """The object's display name, linked when it exists."""
        return self.object_html(record, value)

    def render_keys(self, record, value):
        """Identifiers as ``label: value`` pairs."""
        return render_keys(value, model_for_name(record.model_name))

    def render_changes(self, record):
        """Attribute table: before (target) and after (source)."""
        return render_before_after(record)


class SyncConflictTable(DiffObjectsMixin, BaseTable):
    """The conflicts of one sync: the source value, the Nautobot value, who changed it and when."""

    model_name = tables.Column(verbose_name="Model")
    unique_id = tables.Column(verbose_name="Object")
    action = tables.Column()
    attribute = tables.Column(verbose_name="Field")
    source_value = tables.Column(verbose_name="Source value")
    nautobot_value = tables.Column(verbose_name="Nautobot value")
    changed_by = tables.Column(verbose_name="Changed by")
    changed_at = tables.DateTimeColumn(short=True, verbose_name="Changed at")
    resolution = tables.Column()

    class Meta(BaseTable.Meta):
        """Metadata."""

        model = SyncConflict
        fields = (
            "model_name",
            "unique_id",
            "action",
            "attribute",
            "source_value",
            "nautobot_value",
            "changed_by",
            "changed_at",
            "resolution",
        )
        default_columns = fields

    def render_action(self, value):
        """Colored action badge."""
        return action_badge(value)

    def record_of(self, row_record) -> SyncDiffRecord | None:
        """The diff record of a conflict (select it with the conflicts)."""
        return row_record.record

    def render_unique_id(self, record, value):
        """The object's display name, linked when it exists."""
        return self.object_html(record.record, value)

    def render_attribute(self, record, value):
        """The field's label, or "whole object" for a delete."""
        return attribute_html(model_for_name(record.model_name), value) if value else "(whole object)"

    def render_source_value(self, record):
        """The source's value (none for a delete)."""
        return value_text(record.source_value) if record.attribute else placeholder(None)

    def render_nautobot_value(self, record):
        """The value in Nautobot, as changed."""
        return value_text(record.nautobot_value)

    def render_changed_at(self, record, value):
        """When, linked to Nautobot's change record."""
        return conflict_change_link(record, value)

    def render_resolution(self, record):
        """What the run did with it."""
        return record.get_resolution_display()


class SyncLogEntryTable(BaseTable):
    """Log entries: what happened to each object.

    The queryset should ``select_related("sync", "synced_object_type")`` and
    ``prefetch_related("synced_object")`` with the sync's ``diff`` deferred.
    """

    pk = ToggleColumn()
    timestamp = tables.DateTimeColumn(linkify=True, short=True, attrs={"td": {"class": "text-nowrap"}})
    sync = tables.Column(attrs={"td": {"class": "text-nowrap"}})
    action = tables.Column()
    status = tables.Column()
    synced_object_type = tables.Column(empty_values=(), verbose_name="Object type")
    synced_object = tables.Column(empty_values=(), orderable=False, verbose_name="Object")
    message = tables.Column()
    diff = tables.Column(orderable=False)

    class Meta(BaseTable.Meta):
        """Metadata."""

        model = SyncLogEntry
        fields = (
            "pk",
            "timestamp",
            "sync",
            "action",
            "status",
            "synced_object_type",
            "synced_object",
            "message",
            "diff",
        )
        default_columns = (
            "pk",
            "timestamp",
            "sync",
            "action",
            "status",
            "synced_object_type",
            "synced_object",
            "message",
            "diff",
        )

    def render_sync(self, value):
        """The sync's start time, linked; its source, target and time on hover (one line, whatever the names)."""
        return format_html('<a href="{}" title="{}">{}</a>', value.get_absolute_url(), str(value), short_time(value))

    def render_action(self, value):
        """Colored action badge."""
        return action_badge(value)

    def render_status(self, value):
        """Colored status badge."""
        return status_badge(value)

    def render_synced_object_type(self, record):
        """The model's verbose name, its app label and model (or diffsync name) on hover."""
        return object_type_html(record)

    def render_synced_object(self, record):
        """A link to the object when it still exists, else its recorded name as text."""
        if record.synced_object is not None:
            return hyperlinked_object(record.synced_object)
        return placeholder(record.object_repr)

    def render_diff(self, record, value):
        """The changed attributes, before and after."""
        return render_log_diff(value, entry_model(record))


def entry_model(entry: SyncLogEntry) -> type[Model] | None:
    """The model of a log entry's object: its recorded type, else the model its diffsync name stands for."""
    if entry.synced_object_type_id is not None and entry.synced_object_type.model_class() is not None:
        return entry.synced_object_type.model_class()
    return model_for_name(entry.model_name) if entry.model_name else None


def object_type_html(entry: SyncLogEntry):
    """A log entry's object type as its model's verbose name; its diffsync name (or the model's label) on hover."""
    model = entry_model(entry)
    if model is not None:
        return labelled(capfirst(model._meta.verbose_name), entry.model_name or model._meta.label_lower)
    return model_html(entry.model_name) if entry.model_name else placeholder(None)


def short_time(sync: Sync) -> str:
    """When a sync started, short (the locale's short date and time)."""
    if sync.start_time is None:
        return "not started"
    return date_format(localtime(sync.start_time), "SHORT_DATETIME_FORMAT")
