"""Not converging: records whose attributes a job changed in each of its last K real runs.

A value that every run writes again means two systems are fighting over it (someone or something sets it back
after each run) or a mapping that never settles (the value written never reads back the same). After the diff of
a real run is stored, each of its updated records whose same attribute was also updated by each of the job's
previous K-1 completed real runs is flagged (``SyncDiffRecord.not_converging`` lists the attributes) and the
Sync's summary counts them (``not_converging``). The whole check is two queries, whatever the number of records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from nautobot.extras.models import Job as JobModel

from nautobot_ssot.choices import DiffActionChoices
from nautobot_ssot.models import Sync, SyncDiffRecord
from nautobot_ssot.sync.plan import APPLIED_OUTCOMES

DEFAULT_NOT_CONVERGING_RUNS = 3
"""How many real runs in a row must change a record's attribute before it is flagged."""

RECORD_COLUMNS = ("id", "sync_id", "model_name", "unique_id", "source_attrs", "target_attrs")


def previous_real_runs(job_model: JobModel, current: Sync, count: int) -> list:
    """The ids of the job's last ``count`` completed real runs before ``current``, newest first."""
    runs = Sync.objects.filter(job_result__job_model=job_model, dry_run=False, outcome__in=APPLIED_OUTCOMES)
    runs = runs.exclude(pk=current.pk).filter(start_time__lte=current.start_time)
    return list(runs.order_by("-start_time").values_list("pk", flat=True)[:count])


def changed_attributes(records: Iterable[SyncDiffRecord]) -> dict[tuple[str, str], set[str]]:
    """The attributes each record changed, by (model name, unique id)."""
    changed: dict[tuple[str, str], set[str]] = defaultdict(set)
    for record in records:
        changed[record.model_name, record.unique_id].update(record.changed_fields)
    return changed


def flag_not_converging(sync: Sync, job_model: JobModel | None, runs: int = DEFAULT_NOT_CONVERGING_RUNS) -> int:
    """Flag the records of ``sync`` whose attributes changed in it and in each of the job's previous runs.

    Args:
        sync: A real run whose diff is stored.
        job_model: Its job.
        runs: How many runs in a row (this one included) must change an attribute (at least 2).

    Returns:
        The number of records flagged (also stored as ``not_converging`` in the summary).
    """
    previous = previous_real_runs(job_model, sync, runs - 1) if job_model is not None and runs > 1 else []
    flagged = []
    if previous and len(previous) == runs - 1:
        flagged = _flag(sync, previous)
    sync.summary = {**(sync.summary or {}), "not_converging": len(flagged)}
    sync.save(update_fields=["summary"])
    return len(flagged)


def _flag(sync: Sync, previous: list) -> list[SyncDiffRecord]:
    """Set and save ``not_converging`` on the records of ``sync`` that every one of ``previous`` changed too."""
    updates = SyncDiffRecord.objects.filter(action=DiffActionChoices.ACTION_UPDATE)
    rows = list(updates.filter(sync_id__in=[sync.pk, *previous]).only(*RECORD_COLUMNS))
    per_run: dict = defaultdict(list)
    for record in rows:
        per_run[record.sync_id].append(record)
    earlier = [changed_attributes(per_run[pk]) for pk in previous]
    flagged = []
    for record in per_run[sync.pk]:
        key = (record.model_name, record.unique_id)
        steady = set(record.changed_fields).intersection(*(changed.get(key, set()) for changed in earlier))
        if steady:
            record.not_converging = sorted(steady)
            flagged.append(record)
    SyncDiffRecord.objects.bulk_update(flagged, ["not_converging"])
    return flagged
