"""Deletes with a grace period: an object missing from the source is marked first, deleted only later.

Opt-in per job (``Meta.delete_grace_days`` and/or ``Meta.delete_grace_runs``). In a real run, each object the
diff would delete is handled so:

- an object this job did not create or last write (its latest Nautobot change record is someone else's) is not
  a candidate: it is left alone;
- an object without a mark gets one (Nautobot object metadata of the type ``MARK_TYPE_NAME``, whose value says
  which job marked it, since when it is missing and in how many runs) and is left alone;
- a marked object is deleted once it has been missing for ``days`` days or ``runs`` runs (whichever comes
  first); until then its run count goes up and it is left alone.

An object of the job that the diff no longer deletes (it came back in the source) loses its mark. Per model
this costs a few queries (the objects, their latest change records, their marks), whatever their number.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from diffsync import Adapter
from diffsync.diff import Diff, DiffElement
from diffsync.enum import DiffSyncActions
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from nautobot.extras.choices import MetadataTypeDataTypeChoices
from nautobot.extras.models import MetadataType, ObjectChange, ObjectMetadata

from nautobot_ssot.sync.conflicts import hold, object_ids, written_by
from nautobot_ssot.sync.diffs import checked_elements

MARK_TYPE_NAME = "SSoT: missing from source"
"""The Nautobot metadata type of the marks."""


@dataclass(frozen=True)
class GracePeriod:
    """How long an object may be missing from the source before a run deletes it.

    Attributes:
        job_path: The job's class path as its change records hold it (whose objects and marks these are).
        days: Delete once missing for this many days (None: no limit by time).
        runs: Delete once missing in this many real runs (None: no limit by runs).
    """

    job_path: str
    days: int | None = None
    runs: int | None = None

    @property
    def enabled(self) -> bool:
        """Whether the job asked for a grace period at all."""
        return self.days is not None or self.runs is not None

    def expired(self, since: datetime, runs: int, now: datetime) -> bool:
        """Whether an object missing since ``since`` and in ``runs`` runs may be deleted now."""
        by_days = self.days is not None and now - since >= timedelta(days=self.days)
        return by_days or (self.runs is not None and runs >= self.runs)


@dataclass
class GraceReport:
    """What the grace period did in one run.

    Attributes:
        marked: Objects marked (newly or again) and left alone.
        deleted: Marked objects whose grace period is over (deleted by the sync).
        not_owned: Objects left alone because someone else last wrote them.
        unmarked: Marks removed because the object is back in the source.
    """

    marked: int = 0
    deleted: int = 0
    not_owned: int = 0
    unmarked: int = 0

    def describe(self) -> str:
        """One line for the job log."""
        return (
            f"Deletes with a grace period: {self.marked} object(s) marked and kept, {self.deleted} deleted after "
            f"their grace period, {self.not_owned} kept (last written by someone else), {self.unmarked} unmarked."
        )


def mark_type(content_type: ContentType) -> MetadataType:
    """The metadata type of the marks, created on first use, allowed on ``content_type``."""
    metadata_type, _ = MetadataType.objects.get_or_create(
        name=MARK_TYPE_NAME,
        defaults={
            "data_type": MetadataTypeDataTypeChoices.TYPE_JSON,
            "description": "Set by SSoT jobs on objects missing from their source, deleted after a grace period.",
        },
    )
    metadata_type.content_types.add(content_type)
    return metadata_type


def owned_by_job(content_type: ContentType, pks: list[uuid.UUID], job_path: str) -> set[uuid.UUID]:
    """The objects among ``pks`` whose latest change record is the job's own (it created or last wrote them)."""
    latest = (
        ObjectChange.objects.filter(changed_object_type=content_type, changed_object_id__in=pks)
        .order_by("changed_object_id", "-time")
        .distinct("changed_object_id")
        .values("changed_object_id", "change_context", "change_context_detail")
    )
    return {change["changed_object_id"] for change in latest if written_by(change, job_path)}


def marks_of(metadata_type: MetadataType, content_type: ContentType, pks) -> dict[uuid.UUID, ObjectMetadata]:
    """The marks of these objects, by object id."""
    marks = ObjectMetadata.objects.filter(
        metadata_type=metadata_type, assigned_object_type=content_type, assigned_object_id__in=list(pks)
    )
    return {mark.assigned_object_id: mark for mark in marks}


class GraceRun:
    """The grace period applied to one run's deletes (see the module docstring).

    Args:
        grace: The job's grace period.
        target: The target adapter (its NautobotModel classes map records onto Nautobot objects).
    """

    def __init__(self, grace: GracePeriod, target: Adapter):
        self.grace = grace
        self.target = target
        self.now = timezone.now()
        self.report = GraceReport()
        self.kept: set[uuid.UUID] = set()

    def apply(self, diff: Diff) -> GraceReport:
        """Mark, count and hold or let through every delete of ``diff``; unmark the objects that came back."""
        for model_name, elements in checked_elements(diff).items():
            deletes = [element for element in elements if element.action == DiffSyncActions.DELETE]
            if deletes:
                self._model(model_name, deletes)
        self._unmark_returned()
        return self.report

    def _model(self, model_name: str, deletes: list[DiffElement]) -> None:
        """Handle the deletes of one diffsync model."""
        model_class = getattr(self.target, model_name, None)
        if getattr(model_class, "_model", None) is None or not hasattr(model_class, "field_plan"):
            return
        plan = model_class.field_plan()
        wanted = Q()
        for element in deletes:
            wanted |= Q(**plan.filter_parameters(element.keys, self.target))
        pks = object_ids(self.target, model_class, model_class.get_queryset().filter(wanted))
        content_type = ContentType.objects.get_for_model(model_class._model)
        owned = owned_by_job(content_type, list(pks.values()), self.grace.job_path)
        metadata_type = mark_type(content_type)
        marks = marks_of(metadata_type, content_type, owned)
        for element in deletes:
            pk = pks.get(element.name)
            if pk is None or pk not in owned:
                self.report.not_owned += 1
                hold(element)
                continue
            self.kept.add(pk)
            mark = marks.get(pk) or ObjectMetadata(
                metadata_type=metadata_type, assigned_object_type=content_type, assigned_object_id=pk, scoped_fields=[]
            )
            self._count(element, mark)

    def _count(self, element: DiffElement, mark: ObjectMetadata) -> None:
        """Count one more run on the object's mark and hold it, or let the delete through when the period is over."""
        since, runs = self.now, 1
        if mark.present_in_database:
            since, runs = datetime.fromisoformat(mark.value["missing_since"]), mark.value["runs"] + 1
        if self.grace.expired(since, runs, self.now):
            self.report.deleted += 1
            if mark.present_in_database:
                mark.delete()
            return
        mark.value = {"job": self.grace.job_path, "missing_since": since.isoformat(), "runs": runs}
        mark.save()
        self.report.marked += 1
        hold(element)

    def _unmark_returned(self) -> None:
        """Remove the job's marks from objects the diff does not delete any more."""
        marks = ObjectMetadata.objects.filter(metadata_type__name=MARK_TYPE_NAME, _value__job=self.grace.job_path)
        deleted, _ = marks.exclude(assigned_object_id__in=self.kept).delete()
        self.report.unmarked = deleted
