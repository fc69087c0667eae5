"""Base classes for data sync jobs: DataSyncBaseJob, DataSource, DataTarget and DataMapping."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from diffsync.diff import Diff
from diffsync.enum import DiffSyncFlags
from django.conf import settings
from django.db.models import Model
from django.templatetags.static import static
from django.utils import timezone
from django.utils.functional import classproperty
from nautobot.apps.jobs import BooleanVar, ChoiceVar, DryRunVar, IntegerVar, Job, ObjectVar
from nautobot.extras.constants import CHANGELOG_MAX_CHANGE_CONTEXT_DETAIL

from nautobot_ssot.choices import (
    ConflictPolicyChoices,
    SyncLogEntryActionChoices,
    SyncLogEntryStatusChoices,
    SyncModeChoices,
    SyncOutcomeChoices,
)
from nautobot_ssot.contrib.adapter import NautobotAdapter
from nautobot_ssot.contrib.bulk.dispatch import fast_dispatch
from nautobot_ssot.contrib.cache import collection_paused
from nautobot_ssot.contrib.component_creation import SkipAutoComponentCreation
from nautobot_ssot.forms import preselect_single_choices
from nautobot_ssot.models import Sync, SyncLogEntry
from nautobot_ssot.sync.badinput import Rejections, protect_rejected
from nautobot_ssot.sync.conflicts import ConflictSettings, detect_conflicts, last_real_run_start
from nautobot_ssot.sync.context import RunContext
from nautobot_ssot.sync.convergence import DEFAULT_NOT_CONVERGING_RUNS, flag_not_converging
from nautobot_ssot.sync.diffs import CompactDiff
from nautobot_ssot.sync.diffstore import store_diff
from nautobot_ssot.sync.executor import SyncStopped, apply_diff
from nautobot_ssot.sync.grace import GracePeriod, GraceRun
from nautobot_ssot.sync.guards import (
    DEFAULT_MAX_DELETE_PERCENT,
    DEFAULT_MIN_TARGET_OBJECTS,
    DeleteGuard,
    check_deletes,
    small_target_note,
)
from nautobot_ssot.sync.liveness import Heartbeat, reap_stale_syncs
from nautobot_ssot.sync.locking import run_lock
from nautobot_ssot.sync.logcapture import LogCollector
from nautobot_ssot.sync.parallel import ThreadedAdapterLoader, load_both
from nautobot_ssot.sync.phases import measure_phase
from nautobot_ssot.sync.plan import (
    PlanError,
    build_plan_diff,
    check_plan_usable,
    find_drift,
    plan_records,
    restrict_plan_choices,
)
from nautobot_ssot.sync.progress import ProgressCallback, ProgressReporter
from nautobot_ssot.sync.replace import with_replacements
from nautobot_ssot.sync.transactions import PhaseResult, run_in_transaction
from nautobot_ssot.sync.wording import PHASE_WORDS, describe_diff, describe_outcome

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


class SyncRefused(Exception):
    """The run refuses to apply its sync (delete guard, drifted plan, another run in progress); nothing changed."""


@dataclass
class SafetyOptions:
    """The safety options of one run, read from the job input and the job's ``Meta`` defaults.

    Attributes:
        validate_dry_run: On a dry run, apply every change in a transaction that is always rolled back.
        all_or_nothing: Apply the whole sync in one transaction, rolled back if any record fails.
        delete_guard: Limits on the deletes of the sync.
        plan: The dry run whose stored diff this run applies, if any.
    """

    validate_dry_run: bool = False
    all_or_nothing: bool = False
    delete_guard: DeleteGuard = field(default_factory=DeleteGuard)
    plan: Sync | None = None


def _option(kwargs: dict[str, Any], name: str, default: Any) -> Any:
    """Job input ``name``, or ``default`` when it was not given (or given empty)."""
    value = kwargs.get(name)
    return default if value is None or value == "" else value


class DataSyncBaseJob(Job):
    """Common base class for data synchronization jobs.

    Subclasses implement ``load_source_adapter`` and ``load_target_adapter`` (or override
    ``sync_data``), never ``run``. ``Meta`` may set, besides any Job option:

    - ``dryrun_default``: initial value of the *Dry run* checkbox (True when unset);
    - ``validate_dry_run_default``: initial value of *Validate dry run* (False when unset);
    - ``all_or_nothing_default``: initial value of *All or nothing* (False when unset);
    - ``max_delete_percent_default`` / ``max_delete_count_default``: the delete guard's limits
      (50 percent and no count limit when unset);
    - ``conflict_policy_default``: what a run does with fields someone else changed in Nautobot since the job's
      last real run (a ``ConflictPolicyChoices`` value; "source-wins" when unset), overridable on the run form;
    - ``conflict_policy_per_model``: policies of single diffsync models (``{"device": "hold"}``), over both;
    - ``not_converging_runs``: flag records changed in each of this many real runs in a row (3 when unset);
    - ``delete_grace_days`` / ``delete_grace_runs``: mark objects missing from the source instead of deleting
      them, and delete them once missing for this many days / real runs (off when both are unset);
    - ``data_source`` / ``data_target``: labels of the two systems (default: the job name);
    - ``data_source_icon`` / ``data_target_icon``: URLs of icons for the two systems.

    A job may set ``skip_auto_component_creation = True`` (or the app setting of the same name may) to create
    Devices and Modules without the components their types would add, for the whole run.

    Only one run of a job runs at a time: a run that starts while another run of the same job is in
    progress is refused (see the safety documentation).

    Attributes:
        sync: The Sync recording this run.
        diff: The diff computed by ``calculate_diff`` (or the plan being applied).
        source_adapter: The loaded source adapter.
        target_adapter: The loaded target adapter.
        diffsync_flags: Flags used for the diff and the sync.
        diff_class: The class of the diff ``calculate_diff`` computes (``CompactDiff``: diffsync's ``Diff``,
            without a table of children in the elements that have none).
        store_unchanged_log_entries: Store a log entry for each unchanged record (they are always counted).
        supports_rollback: The target's writes can be rolled back with the Nautobot database transaction
            (True when the target is Nautobot). Without it, a validated dry run is a plain dry run and an
            all-or-nothing run stops at the first failure but cannot undo what it already wrote.
        safety: The safety options of this run.
        run_context: The bookkeeping of the run (log entries, counts, rejections, progress), handed to what
            records into it (see ``nautobot_ssot.sync.context``).
        parallel_loading: Load the source and the target adapter at the same time, each in its own thread.
        skip_auto_component_creation: Create Devices and Modules without their types' components during the run.
    """

    dryrun = DryRunVar(description="Perform a dry-run, making no actual changes to the target data.")
    memory_profiling = BooleanVar(description="Perform a memory profiling analysis.", default=False)
    parallel_loading = BooleanVar(
        description="Load the source and the target adapter at the same time, each in its own thread.",
        default=False,
    )
    validate_dry_run = BooleanVar(
        description="With dry run: apply every change inside a transaction that is always rolled back, "
        "to report the errors a real run would hit.",
        default=False,
    )
    all_or_nothing = BooleanVar(
        description="Apply the whole sync in one transaction: if any record fails, nothing is written.",
        default=False,
    )
    max_delete_percent = IntegerVar(
        description="Refuse the sync if it would delete more than this share (percent) of the target's objects; "
        "100 turns the check off.",
        required=False,
        default=DEFAULT_MAX_DELETE_PERCENT,
        min_value=0,
        max_value=100,
    )
    max_delete_count = IntegerVar(
        description="Refuse the sync if it would delete more than this many objects (empty: no limit).",
        required=False,
        min_value=0,
    )
    apply_plan = ObjectVar(
        model=Sync,
        required=False,
        query_params={"dry_run": True},
        description="Apply exactly the diff of this earlier dry run (refused if the target changed since).",
    )

    conflict_policy = ChoiceVar(
        choices=(("", "the job's default"), *ConflictPolicyChoices.CHOICES),
        required=False,
        label="Conflict policy",
        description="What to do with fields someone else changed in Nautobot since this job's last real run.",
    )

    diff_class: type[Diff] = CompactDiff
    store_unchanged_log_entries: bool = False
    skip_auto_component_creation: bool = False
    supports_rollback: bool = True

    def __init__(self):
        """Initialize the run state."""
        super().__init__()
        self.sync: Sync | None = None
        self.diff = None
        self.source_adapter = None
        self.target_adapter = None
        self.dryrun: bool = self.dryrun_default
        self.memory_profiling: bool = False
        self.parallel_loading: bool = False
        self.run_context: RunContext | None = None
        self.diffsync_flags = DiffSyncFlags.CONTINUE_ON_FAILURE | DiffSyncFlags.LOG_UNCHANGED_RECORDS
        self.safety = SafetyOptions()
        self.conflict_policy: str = ""
        self.phase_result = PhaseResult()
        self.replaced: Counter[str] = Counter()

    @property
    def log_collector(self) -> LogCollector | None:
        """The run's log collector (None before the run starts)."""
        return self.run_context.collector if self.run_context is not None else None

    @property
    def rejections(self) -> Rejections:
        """Source records rejected so far in this run (see ``nautobot_ssot.sync.badinput``)."""
        return self.run_context.rejections if self.run_context is not None else Rejections()

    @property
    def progress(self) -> ProgressReporter | None:
        """Publishes the run's progress (None before the run starts)."""
        return self.run_context.progress if self.run_context is not None else None

    @classproperty
    def dryrun_default(cls) -> bool:  # noqa: N805
        """Initial value of the *Dry run* variable: ``Meta.dryrun_default``, True when unset."""
        return bool(getattr(cls.Meta, "dryrun_default", True))

    @classmethod
    def safety_defaults(cls) -> dict[str, Any]:
        """Initial values of the safety variables, from ``Meta`` (see the class docstring)."""
        return {
            "validate_dry_run": bool(getattr(cls.Meta, "validate_dry_run_default", False)),
            "all_or_nothing": bool(getattr(cls.Meta, "all_or_nothing_default", False)),
            "max_delete_percent": getattr(cls.Meta, "max_delete_percent_default", DEFAULT_MAX_DELETE_PERCENT),
            "max_delete_count": getattr(cls.Meta, "max_delete_count_default", None),
        }

    def load_source_adapter(self) -> None:
        """Instantiate the source adapter into ``self.source_adapter`` and load its data."""
        raise NotImplementedError

    def load_target_adapter(self) -> None:
        """Instantiate the target adapter into ``self.target_adapter`` and load its data."""
        raise NotImplementedError

    def calculate_diff(self) -> None:
        """Compute the diff from source to target into ``self.diff``, settle it and store it on the Sync, once.

        Settling keeps rejected source records from causing deletes and, when the run applies a plan, swaps in
        the plan's diff (see ``settle_diff``). The cyclic garbage collector is paused while diffsync compares (it
        builds one element per object and frees little; see ``nautobot_ssot.contrib.cache.collection_paused``),
        also when this is called on its own.
        """
        if self.source_adapter is None or self.target_adapter is None:
            self.logger.warning("Not both adapters were properly initialized prior to diff calculation.")
            return
        with collection_paused():
            self.diff = self.source_adapter.diff_to(
                self.target_adapter,
                flags=self.diffsync_flags,
                callback=self._progress_callback(),
                diff_class=self.diff_class,
            )
        self.settle_diff()

    def settle_diff(self) -> None:
        """Remove the deletes of rejected records, swap in the plan if any, and store the diff (once per run).

        Raises:
            SyncRefused: The plan cannot be applied (it drifted, or was applied already).
        """
        self._take_rejections()
        protected = protect_rejected(self.diff, self.rejections)
        if protected:
            self.logger.warning("Kept %s object(s) whose source record was rejected; not deleted.", protected)
        if self.safety.plan is not None:
            self._use_plan(self.safety.plan)
        records = store_diff(self.sync, self.diff)
        if self.run_context is not None:
            self.run_context.diff_stored = True
        if self.sync.diff_truncated:
            self.logger.info("The diff has %s changed records; it is kept per record only.", records)
        self.logger.info(describe_diff(self.diff.summary()))

    def _take_rejections(self) -> None:
        """Record the source records the adapters rejected while loading as failures of the run."""
        if self.run_context is None:
            return
        for adapter in (self.source_adapter, self.target_adapter):
            if adapter is not None:
                self.run_context.take_rejections(adapter)

    def execute_sync(self) -> None:
        """Apply ``self.diff`` from the source adapter to the target adapter.

        Each record is applied in its own savepoint (a failure is reported and the rest goes on), creates and
        updates parents first, deletes children first (see ``nautobot_ssot.sync.executor``).
        """
        if self.source_adapter is None or self.target_adapter is None:
            self.logger.warning("Not both adapters were properly initialized prior to synchronization.")
            return
        stop = self.safety.all_or_nothing and not self.supports_rollback
        source, target = self.source_adapter, self.target_adapter
        callback = self._progress_callback()
        self.replaced = apply_diff(
            source,
            target,
            self.diff,
            self.diffsync_flags,
            stop_on_failure=stop,
            callback=callback,
            outcomes=self.run_context,
        ).replaced
        if self.replaced:
            self.logger.info(
                "Replaced %s object(s) that held the unique value of a new or changed record (log entries: replace).",
                sum(self.replaced.values()),
            )

    def _progress_callback(self) -> ProgressCallback | None:
        """Diffsync's progress callback publishing this run's progress (see ``nautobot_ssot.sync.progress``)."""
        return self.progress.callback if self.progress is not None else None

    def sync_data(self, memory_profiling: bool) -> None:
        """Load both adapters, calculate the diff, check it and, unless this is a plain dry run, apply it.

        Each step is timed (and memory-traced when ``memory_profiling``) on ``self.sync``. The cyclic garbage
        collector is paused while the adapters load and while the diff is computed: each builds one object per
        record and frees little, and the collector's passes over the growing heap cost more than the loading
        (see ``nautobot_ssot.contrib.cache.collection_paused``).
        """
        if not self.sync or self.run_context is None:
            return
        steps = (
            ("source_load", f": {self.data_source}", self.load_source_adapter),
            ("target_load", f": {self.data_target}", self.load_target_adapter),
            ("diff", "", self.calculate_diff),
        )
        if self.parallel_loading:
            self._load_in_parallel(memory_profiling)
            steps = steps[2:]
        for phase, system, step in steps:
            self.logger.info("%s%s...", PHASE_WORDS[phase], system)
            self.progress.start(phase)
            with measure_phase(self.sync, phase, self.logger, memory_profiling), collection_paused():
                step()
            self._take_rejections()
        self.check_before_sync()
        if self.sync.mode == SyncModeChoices.MODE_DRY_RUN:
            self.logger.info("Dry run: nothing is written; the diff shows what a real run would change.")
            return
        self.logger.info("Syncing from %s to %s...", self.data_source, self.data_target)
        self.progress.start("sync", len(self.diff) if self.diff is not None else 0)
        with measure_phase(self.sync, "sync", self.logger, memory_profiling):
            self._run_sync_phase()

    def _load_in_parallel(self, memory_profiling: bool) -> None:
        """Load both adapters at the same time; both load times record the time until both are loaded."""
        self.logger.info("Loading source and target adapters in parallel...")
        with measure_phase(self.sync, "source_load", self.logger, memory_profiling), collection_paused():
            load_both(self)
        self.sync.target_load_time = self.sync.source_load_time
        self.sync.save(update_fields=["target_load_time"])

    def check_before_sync(self) -> None:
        """Settle and store the diff if ``calculate_diff`` did not, check conflicts, and apply the delete guard.

        Raises:
            SyncRefused: The plan drifted, or the delete guard refuses a real run.
        """
        if self.diff is None or self.target_adapter is None:
            return
        if self.run_context is not None and not self.run_context.diff_stored:
            self.settle_diff()
        self.check_conflicts()
        self.apply_delete_grace()
        self._guard_deletes()

    def check_conflicts(self) -> None:
        """Find the fields the diff would overwrite that others changed in Nautobot; apply the conflict policy.

        See ``nautobot_ssot.sync.conflicts``. A run applying a plan applies it as reviewed (source wins). A real
        run also flags the records that did not converge (``nautobot_ssot.sync.convergence``).
        """
        report = detect_conflicts(self.sync, self.diff, self.target_adapter, self.conflict_settings())
        if report.conflicts:
            self.logger.warning("%s", report.describe())
        if not self.dryrun:
            runs = getattr(self.Meta, "not_converging_runs", DEFAULT_NOT_CONVERGING_RUNS)
            flagged = flag_not_converging(self.sync, self.job_model, runs)
            if flagged:
                self.logger.warning(
                    "%s record(s) changed in each of the last %s real runs: not converging.", flagged, runs
                )

    def apply_delete_grace(self) -> None:
        """In a real run of a job with a grace period for deletes, mark objects instead of deleting them.

        See ``nautobot_ssot.sync.grace``; set ``Meta.delete_grace_days`` and/or ``Meta.delete_grace_runs``. Dry runs
        and runs applying a plan delete as their diff says.
        """
        days, runs = getattr(self.Meta, "delete_grace_days", None), getattr(self.Meta, "delete_grace_runs", None)
        grace = GracePeriod(job_path=self.change_context_detail, days=days, runs=runs)
        if self.dryrun or not grace.enabled or self.safety.plan is not None:
            return
        self.logger.info("%s", GraceRun(grace, self.target_adapter).apply(self.diff).describe())

    @property
    def change_context_detail(self) -> str:
        """How Nautobot's change records name this job (its class path, cut to the stored length)."""
        return self.class_path[:CHANGELOG_MAX_CHANGE_CONTEXT_DETAIL]

    def conflict_settings(self) -> ConflictSettings:
        """The conflict policy of this run, from the job input and the job's ``Meta``."""
        policy = self.conflict_policy or getattr(self.Meta, "conflict_policy_default", "")
        per_model = getattr(self.Meta, "conflict_policy_per_model", {})
        if self.safety.plan is not None:
            policy, per_model = ConflictPolicyChoices.POLICY_SOURCE_WINS, {}
        return ConflictSettings(
            policy=policy or ConflictPolicyChoices.POLICY_SOURCE_WINS,
            per_model=per_model,
            job_path=self.change_context_detail,
            since=last_real_run_start(self.job_model, self.sync),
        )

    def _guard_deletes(self) -> None:
        reason = check_deletes(self.safety.delete_guard, self.diff, self.target_adapter)
        if not reason:
            note = small_target_note(self.safety.delete_guard, self.diff, self.target_adapter)
            if note:
                self.logger.info(note)
            return
        if not self.dryrun:
            raise SyncRefused(reason)
        self.sync.outcome_message = f"A real run would be refused. {reason}"
        self.sync.save(update_fields=["outcome_message"])
        self.logger.warning(self.sync.outcome_message)

    def _use_plan(self, plan: Sync) -> None:
        """Replace the fresh diff with the plan's, after checking that the target has not drifted."""
        try:
            check_plan_usable(plan, self.job_model, self.user)
            records = plan_records(plan)
            drifts = find_drift(records, self.target_adapter)
            if drifts:
                listed = "; ".join(str(drift) for drift in drifts[:20])
                raise SyncRefused(
                    f"The target changed since the plan of sync {plan} was made, so it was not applied and nothing "
                    f"was written. {len(drifts)} record(s) drifted: {listed}"
                )
            self.diff = build_plan_diff(records, self.source_adapter, self.target_adapter)
        except PlanError as error:
            raise SyncRefused(str(error)) from error
        self.logger.info("Applying the plan of sync %s (%s records).", plan, len(records))

    def _run_sync_phase(self) -> None:
        """Run ``execute_sync`` directly, or inside a transaction for validated dry runs and all-or-nothing."""
        mode = self.sync.mode
        if mode == SyncModeChoices.MODE_PER_OBJECT or not self.supports_rollback:
            self.execute_sync()
            return
        always = mode == SyncModeChoices.MODE_VALIDATED_DRY_RUN
        run_in_transaction(self.execute_sync, self.run_context.collector, self.phase_result, always_rollback=always)
        if self.phase_result.rolled_back:
            self.logger.warning(self.phase_result.reason)

    def lookup_object(self, model_name: str, unique_id: str) -> Model | None:
        """Return the Nautobot record identified by a diffsync model name and unique id, if any.

        Used to link log entries to the objects they describe; the default finds nothing.
        """
        return None

    def _written_object(self, model_name: str, unique_id: str) -> Model | None:
        """The object a contrib target adapter created or updated for this record, so no job needs a lookup."""
        if isinstance(self.target_adapter, NautobotAdapter):
            return self.target_adapter.take_written(model_name, unique_id)
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
        """Render the job form with the *Dry run* and safety inputs set from the ``Meta`` defaults.

        The *Apply plan* input offers and accepts only the syncs the requesting user may view; a required object
        input with a single choice is preselected.
        """
        form = super().as_form(data=data, files=files, initial=initial, approval_view=approval_view)
        restrict_plan_choices(form)
        preselect_single_choices(form)
        defaults = {
            "dryrun": cls.dryrun_default,
            **cls.safety_defaults(),
            "conflict_policy": getattr(cls.Meta, "conflict_policy_default", ""),
        }
        for name, value in defaults.items():
            if name in form.fields and not (initial and name in initial):
                form.fields[name].initial = value
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

    def __call__(self, *args, **kwargs):
        """Run the job as Nautobot runs it, with the dispatch of its change records made cheap per record.

        When the job's change context closes, Nautobot sends the webhooks, job hooks and events of every change
        record of the run; ``fast_dispatch`` reads what that needs per chunk of records instead of per record.
        """
        with fast_dispatch():
            return super().__call__(*args, **kwargs)

    def run(self, dryrun: bool | None = None, memory_profiling: bool = False, *args, **kwargs) -> dict[str, int]:  # noqa: D417
        """Job entry point from Nautobot: record a Sync and run ``sync_data``, one run of a job at a time.

        Do not override (beyond reading your own variables and calling ``super().run``).

        Returns:
            The summary of the run.
        """
        self.dryrun = self.dryrun_default if dryrun is None else bool(dryrun)
        self.memory_profiling = bool(memory_profiling)
        self.parallel_loading = bool(kwargs.get("parallel_loading", False))
        self.safety = self._read_safety(kwargs)
        self.conflict_policy = kwargs.get("conflict_policy") or ""
        reap_stale_syncs()
        self.sync = self._create_sync()
        self.run_context = self._new_run_context()
        with run_lock(self.class_path) as acquired:
            if acquired:
                self._run_recorded()
            else:
                self._refuse_concurrent()
        return self.sync.summary

    def _new_run_context(self) -> RunContext:
        """The bookkeeping of this run: its log collector and its progress."""
        collector = LogCollector(
            self.sync, self.lookup_object, keep_unchanged=self.store_unchanged_log_entries, written=self._written_object
        )
        return RunContext(sync=self.sync, collector=collector, progress=ProgressReporter(self.sync.pk))

    def _read_safety(self, kwargs: dict[str, Any]) -> SafetyOptions:
        """The safety options of this run from the job input, falling back to the ``Meta`` defaults."""
        defaults = self.safety_defaults()
        plan = kwargs.get("apply_plan") or None
        if plan is not None and not isinstance(plan, Sync):
            plan = Sync.objects.filter(pk=plan).first()
        max_percent = int(_option(kwargs, "max_delete_percent", defaults["max_delete_percent"]))
        explicit = hasattr(self.Meta, "max_delete_percent_default") or max_percent != DEFAULT_MAX_DELETE_PERCENT
        guard = DeleteGuard(
            max_percent=max_percent,
            max_count=_option(kwargs, "max_delete_count", defaults["max_delete_count"]),
            min_target_objects=0 if explicit else DEFAULT_MIN_TARGET_OBJECTS,
        )
        return SafetyOptions(
            validate_dry_run=bool(_option(kwargs, "validate_dry_run", defaults["validate_dry_run"])),
            all_or_nothing=bool(_option(kwargs, "all_or_nothing", defaults["all_or_nothing"])),
            delete_guard=guard,
            plan=plan,
        )

    def _mode(self) -> str:
        if self.dryrun:
            validated = self.safety.validate_dry_run and self.supports_rollback
            return SyncModeChoices.MODE_VALIDATED_DRY_RUN if validated else SyncModeChoices.MODE_DRY_RUN
        return SyncModeChoices.MODE_ALL_OR_NOTHING if self.safety.all_or_nothing else SyncModeChoices.MODE_PER_OBJECT

    def _create_sync(self) -> Sync:
        if self.dryrun and self.safety.validate_dry_run and not self.supports_rollback:
            self.logger.warning("The target cannot roll back its writes, so this is a plain dry run (diff only).")
        return Sync.objects.create(
            source=self.data_source,
            target=self.data_target,
            dry_run=self.dryrun,
            job_result=self.job_result,
            start_time=timezone.now(),
            diff={},
            mode=self._mode(),
            outcome=SyncOutcomeChoices.OUTCOME_RUNNING,
            plan=self.safety.plan,
        )

    def _run_recorded(self) -> None:
        """Run ``sync_data`` with a heartbeat and log capture; record how it ended, whatever happens."""
        try:
            with (
                Heartbeat(self.sync),
                self.run_context.collector,
                self._component_creation(),
            ):
                self.sync_data(self.memory_profiling)
                self._take_rejections()
        except SyncRefused as refusal:
            self._end(SyncOutcomeChoices.OUTCOME_REFUSED, str(refusal))
        except SyncStopped as stopped:
            self._end(SyncOutcomeChoices.OUTCOME_FAILED, f"{stopped} Changes made before it remain.")
        except BaseException as error:
            self._end(SyncOutcomeChoices.OUTCOME_FAILED, f"{type(error).__name__}: {error}")
            raise
        finally:
            self.progress.finish()
            self._record_outcome()

    @contextmanager
    def _component_creation(self) -> Iterator[None]:
        """Suppress automatic Device/Module components when the job or the app setting asks for it."""
        app_setting = settings.PLUGINS_CONFIG.get("nautobot_ssot", {}).get("skip_auto_component_creation", False)
        skip = bool(self.skip_auto_component_creation or app_setting)
        if skip:
            self.logger.info("skip_auto_component_creation: Devices and Modules get no automatic components.")
        with SkipAutoComponentCreation() if skip else nullcontext():
            yield

    def _refuse_concurrent(self) -> None:
        """Record this run as refused because another run of the same job holds the lock."""
        running = (
            Sync.objects.filter(job_result__job_model__module_name=self.job_model.module_name)
            .filter(job_result__job_model__job_class_name=self.job_model.job_class_name)
            .filter(outcome=SyncOutcomeChoices.OUTCOME_RUNNING)
            .exclude(pk=self.sync.pk)
            .first()
        )
        other = f" (sync {running}, job result {running.job_result_id})" if running else ""
        self._end(
            SyncOutcomeChoices.OUTCOME_REFUSED,
            f"Another run of {self.job_model} is in progress{other}; this run was refused and changed nothing. "
            "Run it again once that run has finished.",
        )
        self._record_outcome()

    def _end(self, outcome: str, message: str) -> None:
        """Set how the run ended (the first ending recorded wins)."""
        if self.sync.outcome == SyncOutcomeChoices.OUTCOME_RUNNING:
            self.sync.outcome, self.sync.outcome_message = outcome, message

    def _record_outcome(self) -> None:
        """Add the per-object outcome to the summary, record how the run ended; fail the job when it did not succeed."""
        counts = self.run_context.collector.counts
        failures = counts[SyncLogEntryStatusChoices.STATUS_FAILURE]
        errors = counts[SyncLogEntryStatusChoices.STATUS_ERROR]
        summary = with_replacements(self.sync.summary or {}, self.replaced)
        self.sync.summary = {**summary, "failure": failures, "error": errors}
        self.sync.rolled_back = self.phase_result.rolled_back
        if self.phase_result.rolled_back:
            self._end(SyncOutcomeChoices.OUTCOME_ROLLED_BACK, self.phase_result.reason)
        finished = SyncOutcomeChoices.OUTCOME_COMPLETED_WITH_FAILURES if failures or errors else None
        self._end(finished or SyncOutcomeChoices.OUTCOME_COMPLETED, self.sync.outcome_message)
        self.sync.save(update_fields=["summary", "rolled_back", "outcome", "outcome_message"])
        if not self._unsuccessful():
            self.logger.info(describe_outcome(self.sync.summary, self.sync.dry_run))
        if failures or errors:
            self.fail("%s object(s) failed and %s object(s) had errors; see the sync's log entries.", failures, errors)
        if self._unsuccessful():
            self.fail("%s", self.sync.outcome_message)

    def _unsuccessful(self) -> bool:
        """Refused, failed, or an all-or-nothing run that was rolled back."""
        if self.sync.outcome in (SyncOutcomeChoices.OUTCOME_REFUSED, SyncOutcomeChoices.OUTCOME_FAILED):
            return True
        return self.sync.rolled_back and self.sync.mode == SyncModeChoices.MODE_ALL_OR_NOTHING


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
    """Base class for jobs that sync data from Nautobot into another system.

    The other system's writes are not part of Nautobot's database transaction, so ``supports_rollback`` is
    False: a validated dry run is a plain dry run, and an all-or-nothing run stops at the first failure
    without undoing what it already wrote. Set it to True only if the target adapter's writes go to
    Nautobot's database.
    """

    supports_rollback: bool = False

    @classproperty
    def data_source(cls) -> str:  # noqa: N805
        """The source of a data target is always Nautobot."""
        return NAUTOBOT_LABEL

    @classproperty
    def data_source_icon(cls) -> str:  # noqa: N805
        """Nautobot's logo."""
        return static("img/nautobot_logo.png")


__all__ = (
    "DataMapping",
    "DataSource",
    "DataSyncBaseJob",
    "DataTarget",
    "NautobotAdapter",
    "SyncLogEntryActionChoices",
    "ThreadedAdapterLoader",
)
