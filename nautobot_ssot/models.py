"""Records of sync runs: Sync, its per-record diff (SyncDiffRecord) and its log (SyncLogEntry).

Storage design:

- ``Sync`` holds one run: timings and memory per phase, the summary counts, and, for
  compatibility with code written against nautobot-ssot 4.x, ``diff``: the whole diffsync diff as
  JSON, but only while it stays under ``SYNC_DIFF_JSON_MAX_RECORDS`` records (otherwise it is left
  empty and ``diff_truncated`` is set). A huge diff never produces an oversized row.
- ``SyncDiffRecord`` holds the diff one changed object per row (dry runs included): model, unique
  id, action, and the attributes before and after. Pages, filters and counts of a 100k-record diff
  are plain indexed queries.
- ``SyncLogEntry`` holds what happened to each object when the sync was applied.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from nautobot.apps.models import BaseModel, NotesMixin
from nautobot.extras.choices import JobResultStatusChoices
from nautobot.extras.models import JobResult

from nautobot_ssot.choices import (
    ConflictResolutionChoices,
    DiffActionChoices,
    SyncLogEntryActionChoices,
    SyncLogEntryStatusChoices,
    SyncModeChoices,
    SyncOutcomeChoices,
)
from nautobot_ssot.sync.config import stale_after

SYNC_DIFF_JSON_MAX_RECORDS = 1000


class SyncJSONEncoder(DjangoJSONEncoder):
    """JSON encoder for diffs: anything Django cannot encode (IP networks, enums, ...) is stored as text."""

    def default(self, o):
        """Encode ``o`` like Django does; sets become lists (sorted when they can be), anything else ``str(o)``."""
        if isinstance(o, (set, frozenset)):
            return sorted_list(o)
        try:
            return super().default(o)
        except TypeError:
            return str(o)


DiffJSONEncoder = SyncJSONEncoder
"""The name nautobot-ssot 4.x gives the diff encoder."""


def sorted_list(values: set | frozenset) -> list:
    """The set's members as a list, sorted when they can be compared."""
    try:
        return sorted(values)
    except TypeError:
        return list(values)


PHASES = ("source_load", "target_load", "diff", "sync")

LOG_COUNTS = (
    ("num_unchanged", "action", SyncLogEntryActionChoices.ACTION_NO_CHANGE),
    ("num_created", "action", SyncLogEntryActionChoices.ACTION_CREATE),
    ("num_updated", "action", SyncLogEntryActionChoices.ACTION_UPDATE),
    ("num_deleted", "action", SyncLogEntryActionChoices.ACTION_DELETE),
    ("num_succeeded", "status", SyncLogEntryStatusChoices.STATUS_SUCCESS),
    ("num_failed", "status", SyncLogEntryStatusChoices.STATUS_FAILURE),
    ("num_errored", "status", SyncLogEntryStatusChoices.STATUS_ERROR),
)
"""The annotations of ``Sync.annotated_queryset()``: name, log entry field and value counted."""

ACTION_CLASSES = {
    SyncLogEntryActionChoices.ACTION_NO_CHANGE: "secondary",
    SyncLogEntryActionChoices.ACTION_CREATE: "success",
    SyncLogEntryActionChoices.ACTION_UPDATE: "info",
    SyncLogEntryActionChoices.ACTION_DELETE: "warning",
    SyncLogEntryActionChoices.ACTION_REJECT: "danger",
}
STATUS_CLASSES = {
    SyncLogEntryStatusChoices.STATUS_SUCCESS: "success",
    SyncLogEntryStatusChoices.STATUS_FAILURE: "warning",
    SyncLogEntryStatusChoices.STATUS_ERROR: "danger",
}


def _short(value: timedelta | None) -> str:
    """A duration without microseconds ("0:01:02"), or "-" when unknown."""
    return "-" if value is None else str(value - timedelta(microseconds=value.microseconds))


def _linked(url: str | None, text: str) -> SafeString | str:
    """``text`` as an escaped link to ``url``, or plain ``text`` when there is no URL."""
    return format_html('<a href="{}">{}</a>', url, text) if url else text


def _memory_field() -> models.PositiveBigIntegerField:
    return models.PositiveBigIntegerField(blank=True, null=True)


class Sync(NotesMixin, BaseModel):
    """One run of a data source or data target job."""

    source = models.CharField(max_length=64, help_text="System data is read from")
    target = models.CharField(max_length=64, help_text="System data is written to")
    start_time = models.DateTimeField(blank=True, null=True, db_index=True)
    dry_run = models.BooleanField(default=False, help_text="Report what would change without changing it")
    source_load_time = models.DurationField(blank=True, null=True)
    target_load_time = models.DurationField(blank=True, null=True)
    diff_time = models.DurationField(blank=True, null=True)
    sync_time = models.DurationField(blank=True, null=True)
    source_load_memory_final = _memory_field()
    source_load_memory_peak = _memory_field()
    target_load_memory_final = _memory_field()
    target_load_memory_peak = _memory_field()
    diff_memory_final = _memory_field()
    diff_memory_peak = _memory_field()
    sync_memory_final = _memory_field()
    sync_memory_peak = _memory_field()
    diff = models.JSONField(blank=True, default=dict, encoder=SyncJSONEncoder)
    diff_truncated = models.BooleanField(
        default=False,
        db_default=False,
        help_text="The diff was too large to keep as one JSON value; see the per-record diff",
    )
    summary = models.JSONField(blank=True, null=True, default=dict, encoder=SyncJSONEncoder)
    job_result = models.ForeignKey(to=JobResult, on_delete=models.CASCADE, blank=True, null=True)
    mode = models.CharField(
        max_length=32,
        choices=SyncModeChoices,
        blank=True,
        default="",
        db_default="",
        help_text="How the sync phase was run",
    )
    outcome = models.CharField(
        max_length=32,
        choices=SyncOutcomeChoices,
        blank=True,
        default="",
        db_default="",
        help_text="How the run ended",
    )
    outcome_message = models.TextField(blank=True, default="", db_default="", help_text="Why the run ended that way")
    rolled_back = models.BooleanField(
        default=False, db_default=False, help_text="The changes of the sync phase were rolled back"
    )
    heartbeat = models.DateTimeField(
        blank=True, null=True, help_text="Last sign of life of the worker running this sync"
    )
    plan = models.ForeignKey(
        to="self",
        on_delete=models.SET_NULL,
        blank=True,
        null=True,
        related_name="plan_applications",
        help_text="The dry run whose stored diff this run applied",
    )

    class Meta:
        """Metadata."""

        ordering = ["start_time"]
        indexes = [models.Index(fields=["source", "target", "-start_time"], name="nautobot_ssot_sync_src_tgt")]

    hide_in_diff_view = True
    """Nautobot's change log leaves syncs out of its diff views (as nautobot-ssot 4.x does)."""

    def __str__(self) -> str:
        """Human name: source, target and start time."""
        when = self.start_time.strftime("%Y-%m-%d %H:%M:%S") if self.start_time else "not started"
        return f"{self.source} → {self.target} ({when})"

    def get_absolute_url(self, api: bool = False) -> str:
        """URL of this sync's detail page (or API endpoint)."""
        if api:
            return reverse("plugins-api:nautobot_ssot-api:sync-detail", kwargs={"pk": self.pk})
        return reverse("plugins:nautobot_ssot:sync", kwargs={"pk": self.pk})

    @classmethod
    def annotated_queryset(cls) -> QuerySet[Sync]:
        """Syncs with the counts of their log entries per action and status (``num_created``, ``num_failed``, ...).

        Returns:
            A queryset of syncs, their job result joined, the large ``diff`` and ``summary`` deferred.
        """
        counts = {name: Count("log", filter=Q(**{f"log__{field}": value})) for name, field, value in LOG_COUNTS}
        return cls.objects.defer("diff", "summary").select_related("job_result").annotate(**counts)

    @property
    def end_time(self) -> datetime | None:
        """When the run ended: its job result's completion time (None while it runs)."""
        return self.job_result.date_done if self.job_result else None

    @property
    def duration(self) -> timedelta:
        """Wall-clock time of the run: end minus start, or until now while it runs (zero before it starts)."""
        if self.start_time is None:
            return timedelta()
        end = self.end_time
        if end is None and self.status not in JobResultStatusChoices.READY_STATES:
            end = timezone.now()
        return (end - self.start_time) if end else timedelta()

    @property
    def phases_duration(self) -> timedelta | None:
        """Total time of the measured phases (None when no phase was measured)."""
        times = [getattr(self, f"{phase}_time") for phase in PHASES]
        measured = [value for value in times if value is not None]
        return sum(measured, timedelta()) if measured else None

    def get_source_target_url(self) -> str | None:
        """Return the detail page of the job that produced this sync, if known."""
        if self.job_result and self.job_result.job_model:
            return reverse("plugins:nautobot_ssot:data_job", kwargs={"pk": self.job_result.job_model.pk})
        return None

    def _job_page(self, side: str, system: str) -> str | None:
        """The 4.x-style job page of this sync's job for one side (None when that side is Nautobot itself)."""
        job_model = self.job_result.job_model if self.job_result else None
        if system == "Nautobot" or job_model is None:
            return None
        return reverse(f"plugins:nautobot_ssot:data_{side}", kwargs={"class_path": job_model.class_path})

    def get_source_url(self) -> str | None:
        """URL of the data source job page when the source is an external system (else None)."""
        return self._job_page("source", self.source)

    def get_target_url(self) -> str | None:
        """URL of the data target job page when the target is an external system (else None)."""
        return self._job_page("target", self.target)

    def get_source_display(self) -> SafeString | str:
        """The source's name, linked to its job page when it has one (escaped)."""
        return _linked(self.get_source_url(), self.source)

    def get_target_display(self) -> SafeString | str:
        """The target's name, linked to its job page when it has one (escaped)."""
        return _linked(self.get_target_url(), self.target)

    def get_duration_display(self) -> SafeString:
        """The run's duration and the time of each phase, as a short HTML list."""
        return format_html(
            "{} total<ul><li>{} loading from {}</li><li>{} loading from {}</li>"
            "<li>{} calculating the diff</li><li>{} syncing</li></ul>",
            _short(self.duration),
            _short(self.source_load_time),
            self.source,
            _short(self.target_load_time),
            self.target,
            _short(self.diff_time),
            _short(self.sync_time),
        )

    @property
    def status(self) -> str:
        """Status of the run, from its JobResult (pending when it has none; failed when its worker was lost)."""
        if self.job_result is None:
            return JobResultStatusChoices.STATUS_PENDING
        if self.is_stale:
            return JobResultStatusChoices.STATUS_FAILURE
        return self.job_result.status

    @property
    def is_stale(self) -> bool:
        """The run is unfinished but its worker gave no sign of life for longer than ``stale_after()``."""
        finished = self.job_result is None or self.job_result.status in JobResultStatusChoices.READY_STATES
        last_sign = self.heartbeat or self.start_time
        if finished or self.outcome != SyncOutcomeChoices.OUTCOME_RUNNING or last_sign is None:
            return False
        return timezone.now() - last_sign > stale_after()

    def summary_count(self, key: str) -> int:
        """Return one count from the summary (0 when absent)."""
        return int((self.summary or {}).get(key, 0))


class SyncDiffRecord(BaseModel):
    """One changed object of a sync's diff (kept for dry runs too)."""

    sync = models.ForeignKey(to=Sync, on_delete=models.CASCADE, related_name="diff_records")
    position = models.PositiveIntegerField(help_text="Order of this record in the diff")
    model_name = models.CharField(max_length=100)
    unique_id = models.TextField()
    parent = models.ForeignKey(to="self", on_delete=models.CASCADE, blank=True, null=True, related_name="children")
    action = models.CharField(max_length=16, choices=DiffActionChoices)
    keys = models.JSONField(default=dict, encoder=SyncJSONEncoder, help_text="Identifiers of the object")
    source_attrs = models.JSONField(blank=True, null=True, encoder=SyncJSONEncoder, help_text="Values in the source")
    target_attrs = models.JSONField(blank=True, null=True, encoder=SyncJSONEncoder, help_text="Values in the target")
    not_converging = models.JSONField(
        blank=True, default=list, help_text="Attributes that changed in each of the job's last real runs"
    )

    class Meta:
        """Metadata."""

        ordering = ["sync", "position"]
        indexes = [
            models.Index(fields=["sync", "position"], name="nautobot_ssot_diff_pos"),
            models.Index(fields=["sync", "action"], name="nautobot_ssot_diff_action"),
            models.Index(fields=["sync", "model_name"], name="nautobot_ssot_diff_model"),
        ]

    def __str__(self) -> str:
        """Human name: action, model and unique id."""
        return f"{self.action} {self.model_name} {self.unique_id}"

    def get_absolute_url(self, api: bool = False) -> str:
        """The diff tab of this record's sync."""
        if api:
            return reverse("plugins-api:nautobot_ssot-api:sync-detail", kwargs={"pk": self.sync_id})
        return reverse("plugins:nautobot_ssot:sync_diff", kwargs={"pk": self.sync_id})

    @property
    def changed_fields(self) -> list[str]:
        """Names of the attributes that differ between source and target."""
        before, after = self.target_attrs or {}, self.source_attrs or {}
        return sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))


class SyncLogEntry(NotesMixin, BaseModel):
    """What happened to one object during a sync."""

    sync = models.ForeignKey(to=Sync, on_delete=models.CASCADE, related_name="logs", related_query_name="log")
    timestamp = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=32, choices=SyncLogEntryActionChoices)
    status = models.CharField(max_length=32, choices=SyncLogEntryStatusChoices)
    diff = models.JSONField(blank=True, null=True, encoder=SyncJSONEncoder)
    synced_object_type = models.ForeignKey(
        to=ContentType, blank=True, null=True, on_delete=models.PROTECT, related_name="+"
    )
    synced_object_id = models.UUIDField(blank=True, null=True)
    synced_object = GenericForeignKey(ct_field="synced_object_type", fk_field="synced_object_id")
    object_repr = models.TextField(blank=True, default="", editable=False)
    message = models.TextField(blank=True)
    model_name = models.CharField(
        max_length=100, blank=True, default="", db_default="", help_text="Diffsync model of the record"
    )
    unique_id = models.TextField(
        blank=True, default="", db_default="", help_text="Unique id of the record in its diffsync model"
    )

    class Meta:
        """Metadata."""

        verbose_name_plural = "sync log entries"
        ordering = ["sync", "timestamp"]
        indexes = [
            models.Index(fields=["sync", "timestamp"], name="nautobot_ssot_log_time"),
            models.Index(fields=["sync", "action"], name="nautobot_ssot_log_action"),
            models.Index(fields=["sync", "status"], name="nautobot_ssot_log_status"),
            models.Index(fields=["-timestamp"], name="nautobot_ssot_log_recent"),
        ]

    def __str__(self) -> str:
        """Human name: action and status of the object."""
        return f"{self.object_repr or 'object'}: {self.action} {self.status}"

    def get_absolute_url(self, api: bool = False) -> str:
        """URL of this entry's detail page (or API endpoint)."""
        if api:
            return reverse("plugins-api:nautobot_ssot-api:synclogentry-detail", kwargs={"pk": self.pk})
        return reverse("plugins:nautobot_ssot:synclogentry", kwargs={"pk": self.pk})

    def get_action_class(self) -> str | None:
        """Bootstrap colour class of the action (as nautobot-ssot 4.x names them)."""
        return ACTION_CLASSES.get(self.action)

    def get_status_class(self) -> str | None:
        """Bootstrap colour class of the status (as nautobot-ssot 4.x names them)."""
        return STATUS_CLASSES.get(self.status)


class SyncConflict(BaseModel):
    """One field (or, for a delete, one object) the sync would overwrite that someone else changed in Nautobot.

    "Someone else" is anyone but the job itself (a person, another job) since the job's last real run that
    completed; see ``nautobot_ssot.sync.conflicts``.
    """

    sync = models.ForeignKey(to=Sync, on_delete=models.CASCADE, related_name="conflicts")
    record = models.ForeignKey(
        to=SyncDiffRecord, on_delete=models.CASCADE, blank=True, null=True, related_name="conflicts"
    )
    model_name = models.CharField(max_length=100)
    unique_id = models.TextField()
    action = models.CharField(max_length=16, choices=DiffActionChoices)
    attribute = models.CharField(max_length=200, blank=True, default="", help_text="Empty: the whole object")
    source_value = models.JSONField(blank=True, null=True, encoder=SyncJSONEncoder, help_text="Value in the source")
    nautobot_value = models.JSONField(
        blank=True, null=True, encoder=SyncJSONEncoder, help_text="Value in Nautobot, as changed"
    )
    changed_by = models.CharField(max_length=150, blank=True, default="", help_text="Who changed it in Nautobot")
    changed_at = models.DateTimeField(blank=True, null=True, help_text="When it was changed in Nautobot")
    change_id = models.UUIDField(blank=True, null=True, help_text="The Nautobot change record (ObjectChange)")
    resolution = models.CharField(max_length=32, choices=ConflictResolutionChoices)

    class Meta:
        """Metadata."""

        ordering = ["sync", "model_name", "unique_id", "attribute"]
        indexes = [models.Index(fields=["sync", "model_name"], name="nautobot_ssot_conflict_model")]

    def __str__(self) -> str:
        """Human name: model, unique id and attribute."""
        return f"{self.model_name} {self.unique_id} {self.attribute or '(object)'}".strip()

    def get_absolute_url(self, api: bool = False) -> str:
        """The conflicts of this conflict's sync (the diff tab, filtered)."""
        if api:
            return reverse("plugins-api:nautobot_ssot-api:sync-detail", kwargs={"pk": self.sync_id})
        return reverse("plugins:nautobot_ssot:sync_diff", kwargs={"pk": self.sync_id}) + "?conflicts=True"


class SSOTConfig(models.Model):
    """A model without a table: its ``view_ssotconfig`` permission guards the configuration page (as in 4.x)."""

    class Meta:
        """Metadata."""

        managed = False
        default_permissions = ("view",)
        verbose_name = "SSoT configuration"
