"""Conflicts: fields the sync would overwrite that someone else changed in Nautobot since the job's last real run.

Before the sync phase, for every object the diff would update or delete, Nautobot's change records
(``ObjectChange``) say whether the fields the sync would write were changed by anyone but this job (a person,
another job) since the start of the job's last real run that completed. Per model of the diff this costs one
query for the change records of the objects changed by others, and one query (plus the model's prefetches)
to find which diffsync records those objects are, whatever the number of objects.

Each conflict is resolved by the run's policy (``ConflictPolicyChoices``):

- *source wins*: the source's value is written (as without conflict detection); the conflict is reported;
- *Nautobot wins*: the changed fields keep their Nautobot values, the rest of the object is synced (a delete
  of a changed object is held);
- *hold*: the object is left alone (a delete too, with the deletes under it) and reported; a person applies
  it later by running the job as a dry run and applying its plan.

A run applying a plan applies the reviewed plan as it is (source wins); its conflicts are still reported.
Only fields that Nautobot's change record holds (model fields, foreign keys, to-many relations, tags, custom
fields) are checked; custom relationships and object metadata are not.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from diffsync import Adapter
from diffsync.diff import Diff, DiffElement
from diffsync.enum import DiffSyncActions
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet
from nautobot.extras.choices import ObjectChangeEventContextChoices
from nautobot.extras.models import Job as JobModel
from nautobot.extras.models import ObjectChange

from nautobot_ssot.choices import ConflictPolicyChoices, ConflictResolutionChoices
from nautobot_ssot.contrib.kinds import (
    CustomFieldKind,
    FieldKind,
    ForeignKeyKind,
    GenericForeignKeyKind,
    PlainKind,
    ToManyKind,
)
from nautobot_ssot.models import Sync, SyncConflict
from nautobot_ssot.sync.diffs import checked_elements
from nautobot_ssot.sync.diffstore import stored_record_id
from nautobot_ssot.sync.plan import APPLIED_OUTCOMES

CUSTOM_FIELDS = "custom_fields"
"""The key of an object's custom field values in its change record."""


@dataclass(frozen=True)
class ConflictSettings:
    """How one run treats conflicts.

    Attributes:
        policy: The policy of every model not listed in ``per_model``.
        per_model: Policies of single diffsync models, by model name.
        job_path: The ``change_context_detail`` of the changes the job itself made (its class path, as Nautobot
            stores it: at most ``CHANGELOG_MAX_CHANGE_CONTEXT_DETAIL`` characters).
        since: Start of the job's last completed real run; None when there is none (nothing is checked).
    """

    policy: str = ConflictPolicyChoices.POLICY_SOURCE_WINS
    per_model: Mapping[str, str] = field(default_factory=dict)
    job_path: str = ""
    since: datetime | None = None

    def __post_init__(self) -> None:
        """Check the policies.

        Raises:
            ValueError: A policy is not one of ``ConflictPolicyChoices``.
        """
        for where, policy in (("policy", self.policy), *self.per_model.items()):
            if policy not in ConflictPolicyChoices.values():
                choices = ", ".join(ConflictPolicyChoices.values())
                raise ValueError(f"Conflict policy of {where}: {policy!r} is not one of {choices}.")

    def policy_for(self, model_name: str) -> str:
        """The policy of one diffsync model."""
        return self.per_model.get(model_name, self.policy)


@dataclass(frozen=True)
class Edit:
    """The latest change of one field of one Nautobot object by someone other than the job.

    Attributes:
        change_id: The ObjectChange.
        user_name: Who made it.
        time: When.
    """

    change_id: uuid.UUID
    user_name: str
    time: datetime


@dataclass
class ConflictReport:
    """The conflicts of one run, stored as ``SyncConflict`` rows.

    Attributes:
        conflicts: The rows.
    """

    conflicts: list[SyncConflict] = field(default_factory=list)

    @property
    def objects(self) -> int:
        """The number of objects with at least one conflict."""
        return len({(conflict.model_name, conflict.unique_id) for conflict in self.conflicts})

    def count(self, resolution: str) -> int:
        """How many conflicts were resolved as ``resolution``."""
        return sum(1 for conflict in self.conflicts if conflict.resolution == resolution)

    def describe(self) -> str:
        """One line for the job log."""
        counts = ", ".join(f"{self.count(value)} {value}" for value, _ in ConflictResolutionChoices.CHOICES)
        return f"{len(self.conflicts)} conflict(s) on {self.objects} object(s) changed in Nautobot: {counts}."


def last_real_run_start(job_model: JobModel | None, current: Sync) -> datetime | None:
    """Start time of the job's last real run that completed (before ``current``), if any."""
    if job_model is None:
        return None
    runs = Sync.objects.filter(job_result__job_model=job_model, dry_run=False, outcome__in=APPLIED_OUTCOMES)
    return runs.exclude(pk=current.pk).order_by("-start_time").values_list("start_time", flat=True).first()


def data_keys(kind: FieldKind) -> tuple[str, ...]:
    """The keys of a change record's data that hold a field kind's value (empty when it holds none)."""
    if isinstance(kind, CustomFieldKind):
        return (f"{CUSTOM_FIELDS}.{kind.key}",)
    if isinstance(kind, GenericForeignKeyKind):
        return (kind.ct_field, kind.fk_field)
    if isinstance(kind, ForeignKeyKind):
        return (kind.relation,)
    if isinstance(kind, (PlainKind, ToManyKind)):
        return (kind.name,)
    return ()


def attribute_keys(model_class: Any) -> dict[str, tuple[str, ...]]:
    """For each field of a NautobotModel class, the change record keys holding it."""
    return {name: data_keys(kind) for kind in model_class.field_plan().kinds for name in kind.names}


def flat_data(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """A change record's data with each custom field as its own ``custom_fields.<key>`` entry."""
    flat = dict(data or {})
    custom = flat.pop(CUSTOM_FIELDS, None) or {}
    flat.update({f"{CUSTOM_FIELDS}.{key}": value for key, value in custom.items()})
    return flat


def written_by(change: Mapping[str, Any], job_path: str) -> bool:
    """Whether a change record is the job's own."""
    job = ObjectChangeEventContextChoices.CONTEXT_JOB
    return change["change_context"] == job and change["change_context_detail"] == job_path


def _history(django_model: type[Model], settings: ConflictSettings) -> Iterator[dict[str, Any]]:
    """Every change record of the objects of ``django_model`` that someone else changed since ``settings.since``.

    One query; records in object order, oldest first within an object.
    """
    content_type = ContentType.objects.get_for_model(django_model)
    changes = ObjectChange.objects.filter(changed_object_type=content_type)
    others = changes.filter(time__gt=settings.since).exclude(
        change_context=ObjectChangeEventContextChoices.CONTEXT_JOB, change_context_detail=settings.job_path
    )
    history = changes.filter(changed_object_id__in=others.values("changed_object_id"))
    columns = ("id", "changed_object_id", "time", "user_name", "change_context", "change_context_detail")
    return history.order_by("changed_object_id", "time").values(*columns, "object_data").iterator()


def find_edits(django_model: type[Model], settings: ConflictSettings) -> dict[uuid.UUID, dict[str, Edit]]:
    """The fields of ``django_model`` objects that someone else changed since ``settings.since``, by object id.

    A field the job itself wrote again afterwards is no longer counted.
    """
    edits: dict[uuid.UUID, dict[str, Edit]] = {}
    previous: dict[uuid.UUID, dict[str, Any]] = {}
    for change in _history(django_model, settings):
        pk = change["changed_object_id"]
        data = flat_data(change["object_data"])
        before = previous.get(pk, {})
        changed = [key for key in set(data) | set(before) if data.get(key) != before.get(key)]
        previous[pk] = data
        fields_of = edits.setdefault(pk, {})
        if written_by(change, settings.job_path):
            for key in changed:
                fields_of.pop(key, None)
        elif change["time"] > settings.since:
            edit = Edit(change["id"], change["user_name"], change["time"])
            fields_of.update(dict.fromkeys(changed, edit))
    return {pk: fields for pk, fields in edits.items() if fields}


def object_ids(adapter: Adapter, model_class: Any, queryset: QuerySet) -> dict[str, uuid.UUID]:
    """The id of each object of ``queryset`` by its diffsync unique id, as ``model_class`` loads it (one query).

    The query is ``queryset`` with the joins and prefetches of the class's field plan.
    """
    plan = model_class.field_plan()
    found = {}
    for obj in plan.prepare(queryset, adapter):
        values = plan.load(obj)
        identifiers = {name: _identifier(adapter, name, obj, values) for name in model_class._identifiers}
        found[model_class.create_unique_id(**identifiers)] = obj.pk
    return found


def _identifier(adapter: Adapter, name: str, obj: Model, values: Mapping[str, Any]) -> Any:
    """One identifier's value, through the adapter's ``load_param_<name>`` when it has one."""
    hook = getattr(adapter, f"load_param_{name}", None)
    return hook(name, obj) if hook is not None else values[name]


def _conflict(element: DiffElement, attribute: str, edit: Edit) -> SyncConflict:
    """One unsaved conflict row of ``element`` (``attribute`` empty: the whole object)."""
    return SyncConflict(
        record_id=stored_record_id(element),
        model_name=element.type,
        unique_id=element.name,
        action=element.action,
        attribute=attribute,
        source_value=(element.source_attrs or {}).get(attribute) if attribute else None,
        nautobot_value=(element.dest_attrs or {}).get(attribute) if attribute else element.dest_attrs,
        changed_by=edit.user_name,
        changed_at=edit.time,
        change_id=edit.change_id,
    )


def conflicting_fields(
    element: DiffElement, keys: Mapping[str, tuple[str, ...]], edits: Mapping[str, Edit]
) -> dict[str, Edit]:
    """The attributes of ``element`` that the sync would write and someone else changed, with the latest edit.

    A delete conflicts as a whole (attribute ``""``) with the latest edit of the object.
    """
    if element.action == DiffSyncActions.DELETE:
        return {"": max(edits.values(), key=lambda edit: edit.time)}
    found = {}
    for attribute in element.get_attrs_diffs().get("+", {}):
        matching = [edits[key] for key in keys.get(attribute, ()) if key in edits]
        if matching:
            found[attribute] = max(matching, key=lambda edit: edit.time)
    return found


def resolve(element: DiffElement, attributes: Iterable[str], policy: str) -> str:
    """Change ``element`` as ``policy`` says for these conflicting attributes; return the resolution."""
    if policy == ConflictPolicyChoices.POLICY_SOURCE_WINS:
        return ConflictResolutionChoices.RESOLUTION_OVERWRITTEN
    if policy == ConflictPolicyChoices.POLICY_NAUTOBOT_WINS and element.action == DiffSyncActions.UPDATE:
        kept = {attribute: element.dest_attrs[attribute] for attribute in attributes}
        element.source_attrs = {**element.source_attrs, **kept}
        return ConflictResolutionChoices.RESOLUTION_KEPT
    hold(element)
    return ConflictResolutionChoices.RESOLUTION_HELD


def hold(element: DiffElement) -> None:
    """Leave the object of ``element`` alone; for a delete, also the deletes under it."""
    deleting = element.action == DiffSyncActions.DELETE
    element.source_attrs = dict(element.dest_attrs)
    if deleting:
        for child in element.get_children():
            if child.action == DiffSyncActions.DELETE:
                hold(child)


def model_conflicts(
    target: Adapter, model_name: str, elements: list[DiffElement], settings: ConflictSettings
) -> list[SyncConflict]:
    """Find the conflicts of one diffsync model's elements and resolve them by the model's policy."""
    model_class = getattr(target, model_name, None)
    if getattr(model_class, "_model", None) is None or not hasattr(model_class, "field_plan"):
        return []
    edits = find_edits(model_class._model, settings)
    if not edits:
        return []
    pks = object_ids(target, model_class, model_class.get_queryset().filter(pk__in=list(edits)))
    keys = attribute_keys(model_class)
    conflicts = []
    for element in elements:
        found = conflicting_fields(element, keys, edits.get(pks.get(element.name), {}))
        rows = [_conflict(element, attribute, edit) for attribute, edit in found.items()]
        resolution = resolve(element, found, settings.policy_for(model_name)) if rows else ""
        for row in rows:
            row.resolution = resolution
        conflicts.extend(rows)
    return conflicts


def detect_conflicts(sync: Sync, diff: Diff, target: Adapter, settings: ConflictSettings) -> ConflictReport:
    """Find the conflicts of ``diff``, resolve them by policy (changing ``diff``) and store them on ``sync``.

    Args:
        sync: The run's Sync; its summary gains ``conflicts``.
        diff: The diff about to be applied; held and kept fields are taken out of it.
        target: The target adapter (its NautobotModel classes say how records map onto Nautobot objects).
        settings: The policy and the job's identity; nothing is checked when ``settings.since`` is None.

    Returns:
        The conflicts found.
    """
    report = ConflictReport()
    if settings.since is not None:
        for model_name, elements in checked_elements(diff).items():
            report.conflicts.extend(model_conflicts(target, model_name, elements, settings))
    for conflict in report.conflicts:
        conflict.sync = sync
    SyncConflict.objects.filter(sync=sync).delete()
    SyncConflict.objects.bulk_create(report.conflicts)
    sync.summary = {**(sync.summary or {}), "conflicts": len(report.conflicts)}
    sync.save(update_fields=["summary"])
    return report
