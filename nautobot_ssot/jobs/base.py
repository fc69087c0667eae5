"""Base classes for data sync jobs: DataSyncBaseJob, DataSource, DataTarget and DataMapping."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from diffsync.enum import DiffSyncFlags
from django.db.models import Model
from django.templatetags.static import static
from django.utils import timezone
from django.utils.functional import classproperty
from nautobot.apps.jobs import BooleanVar, DryRunVar, Job

from nautobot_ssot.choices import SyncLogEntryStatusChoices
from nautobot_ssot.models import Sync, SyncLogEntry
from nautobot_ssot.sync.diffstore import store_diff
from nautobot_ssot.sync.logcapture import LogCollector
from nautobot_ssot.sync.phases import measure_phase

NAUTOBOT_LABEL = "Nautobot"


@dataclass
class DataMapping:
    """One mapping of a sync job: a kind of source data and the kind of target data it becomes.

    Attributes:
        source_name: Name of the data in the source system.
        source_url: Link to that data in the source system, if any.
        target_name: Name of the data in the target system.
        target_url: Link to that data in the target system, if any.
    """

    source_name: str
    source_url: str | None
    target_name: str
    target_url: str | None


class DataSyncBaseJob(Job):
    """Common base class for data synchronization jobs.

    Subclasses implement ``load_source_adapter`` and ``load_target_adapter`` (or override
    ``sync_data``), never ``run``. ``Meta`` may set, besides any Job option:

    - ``dryrun_default``: initial value of the *Dry run* checkbox (True when unset);
    - ``data_source`` / ``data_target``: labels of the two systems (default: the job name);
    - ``data_source_icon`` / ``data_target_icon``: URLs of icons for the two systems.

    Attributes:
        sync: The Sync recording this run.
        diff: The diff computed by ``calculate_diff``.
        source_adapter: The loaded source adapter.
        target_adapter: The loaded target adapter.
        diffsync_flags: Flags used for the diff and the sync.
        store_unchanged_log_entries: Store a log entry for each unchanged record (they are always counted).
    """

    dryrun = DryRunVar(description="Perform a dry-run, making no actual changes to the target data.")
    memory_profiling = BooleanVar(description="Perform a memory profiling analysis.", default=False)

    store_unchanged_log_entries: bool = False

    def __init__(self):
        """Initialize the run state."""
        super().__init__()
        self.sync: Sync | None = None
        self.diff = None
        self.source_adapter = None
        self.target_adapter = None
        self.dryrun: bool = self.dryrun_default
        self.memory_profiling: bool = False
        self.log_collector: LogCollector | None = None
        self.diffsync_flags = DiffSyncFlags.CONTINUE_ON_FAILURE | DiffSyncFlags.LOG_UNCHANGED_RECORDS

    @classproperty
    def dryrun_default(cls) -> bool:  # noqa: N805
        """Initial value of the *Dry run* variable: ``Meta.dryrun_default``, True when unset."""
        return bool(getattr(cls.Meta, "dryrun_default", True))

    def load_source_adapter(self) -> None:
        """Instantiate the source adapter into ``self.source_adapter`` and load its data."""
        raise NotImplementedError

    def load_target_adapter(self) -> None:
        """Instantiate the target adapter into ``self.target_adapter`` and load its data."""
        raise NotImplementedError

    def calculate_diff(self) -> None:
        """Compute the diff from source to target into ``self.diff`` and store it on the Sync."""
        if self.source_adapter is None or self.target_adapter is None:
            self.logger.warning("Not both adapters were properly initialized prior to diff calculation.")
            return
        self.diff = self.source_adapter.diff_to(self.target_adapter, flags=self.diffsync_flags)
        records = store_diff(self.sync, self.diff)
        if self.sync.diff_truncated:
            self.logger.info("The diff has %s changed records; it is kept per record only.", records)
        self.logger.info("Diff summary: %s", self.diff.summary())

    def execute_sync(self) -> None:
        """Apply ``self.diff`` from the source adapter to the target adapter."""
        if self.source_adapter is None or self.target_adapter is None:
            self.logger.warning("Not both adapters were properly initialized prior to synchronization.")
            return
        self.source_adapter.sync_to(self.target_adapter, flags=self.diffsync_flags, diff=self.diff)

    def sync_data(self, memory_profiling: bool) -> None:
        """Load both adapters, calculate the diff and, unless this is a dry run, apply it.

        Each step is timed (and memory-traced when ``memory_profiling``) on ``self.sync``.
        """
        if not self.sync:
            return
        steps = (
            ("source_load", "Loading current data from source adapter...", self.load_source_adapter),
            ("target_load", "Loading current data from target adapter...", self.load_target_adapter),
            ("diff", "Calculating diffs...", self.calculate_diff),
        )
        for phase, message, step in steps:
            self.logger.info(message)
            with measure_phase(self.sync, phase, self.logger, memory_profiling):
                step()
        if self.dryrun:
            self.logger.info("As `dryrun` is set, skipping the actual data sync.")
            return
        self.logger.info("Syncing from %s to %s...", self.source_adapter, self.target_adapter)
        with measure_phase(self.sync, "sync", self.logger, memory_profiling):
            self.execute_sync()
        self.logger.info("Sync complete")

    def lookup_object(self, model_name: str, unique_id: str) -> Model | None:
        """Return the Nautobot record identified by a diffsync model name and unique id, if any.

        Used to link log entries to the objects they describe; the default finds nothing.
        """
        return None

    @classmethod
    def data_mappings(cls) -> Iterable[DataMapping]:
        """List the data mappings involved in this sync job."""
        return []

    @classmethod
    def config_information(cls) -> dict[str, Any]:
        """Return user-facing configuration ``{property: value}``; rendered as text, so never secrets."""
        return {}

    def sync_log(  # noqa: PLR0913, PLR0917  (public signature kept for compatibility)
        self,
        action: str,
        status: str,
        message: str = "",
        diff: dict | None = None,
        synced_object: Model | None = None,
        object_repr: str = "",
    ) -> SyncLogEntry:
        """Record one action on one object as a SyncLogEntry of this run."""
        if synced_object is not None and not object_repr:
            object_repr = str(synced_object)
        return SyncLogEntry.objects.create(
            sync=self.sync,
            action=action,
            status=status,
            message=message,
            diff=diff,
            synced_object=synced_object,
            object_repr=object_repr,
        )

    @classmethod
    def as_form(cls, data=None, files=None, initial=None, approval_view=False):
        """Render the job form with the *Dry run* checkbox set from ``Meta.dryrun_default``."""
        form = super().as_form(data=data, files=files, initial=initial, approval_view=approval_view)
        if "dryrun" in form.fields and not (initial and "dryrun" in initial):
            form.fields["dryrun"].initial = cls.dryrun_default
        return form

    @classproperty
    def data_source(cls) -> str:  # noqa: N805
        """The system providing the input data of this sync."""
        return getattr(cls.Meta, "data_source", cls.name)

    @classproperty
    def data_target(cls) -> str:  # noqa: N805
        """The system modified by this sync."""
        return getattr(cls.Meta, "data_target", cls.name)

    @classproperty
    def data_source_icon(cls) -> str | None:  # noqa: N805
        """Icon URL of the data source."""
        return getattr(cls.Meta, "data_source_icon", None)

    @classproperty
    def data_target_icon(cls) -> str | None:  # noqa: N805
        """Icon URL of the data target."""
        return getattr(cls.Meta, "data_target_icon", None)

    def run(self, dryrun: bool | None = None, memory_profiling: bool = False, *args, **kwargs) -> dict[str, int]:  # noqa: D417
        """Job entry point from Nautobot: record a Sync and run ``sync_data``. Do not override.

        Returns:
            The summary of the run.
        """
        self.dryrun = self.dryrun_default if dryrun is None else bool(dryrun)
        self.memory_profiling = bool(memory_profiling)
        self.sync = Sync.objects.create(
            source=self.data_source,
            target=self.data_target,
            dry_run=self.dryrun,
            job_result=self.job_result,
            start_time=timezone.now(),
            diff={},
        )
        self.log_collector = LogCollector(
            self.sync, self.lookup_object, keep_unchanged=self.store_unchanged_log_entries
        )
        try:
            with self.log_collector:
                self.sync_data(self.memory_profiling)
        finally:
            self._record_outcome()
        return self.sync.summary

    def _record_outcome(self) -> None:
        """Add the per-object outcome to the summary; fail the job when objects failed."""
        counts = self.log_collector.counts
        failures = counts[SyncLogEntryStatusChoices.STATUS_FAILURE]
        errors = counts[SyncLogEntryStatusChoices.STATUS_ERROR]
        self.sync.summary = {**(self.sync.summary or {}), "failure": failures, "error": errors}
        self.sync.save(update_fields=["summary"])
        if failures or errors:
            self.fail("%s object(s) failed and %s object(s) had errors; see the sync's log entries.", failures, errors)


class DataSource(DataSyncBaseJob):
    """Base class for jobs that sync data from another system into Nautobot."""

    @classproperty
    def data_target(cls) -> str:  # noqa: N805
        """The target of a data source is always Nautobot."""
        return NAUTOBOT_LABEL

    @classproperty
    def data_target_icon(cls) -> str:  # noqa: N805
        """Nautobot's logo."""
        return static("img/nautobot_logo.png")


class DataTarget(DataSyncBaseJob):
    """Base class for jobs that sync data from Nautobot into another system."""

    @classproperty
    def data_source(cls) -> str:  # noqa: N805
        """The source of a data target is always Nautobot."""
        return NAUTOBOT_LABEL

    @classproperty
    def data_source_icon(cls) -> str:  # noqa: N805
        """Nautobot's logo."""
        return static("img/nautobot_logo.png")
