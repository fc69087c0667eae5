"""Turn the diffs nautobot-ssot 4.x stored as one JSON value per sync into this version's per-record rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.apps.registry import Apps

BATCH_SIZE = 1000
MARKERS = ("+", "-")


@dataclass(frozen=True)
class LegacyRecord:
    """One changed object read from a 4.x diff (diffsync's ``Diff.dict()`` layout)."""

    id: uuid.UUID
    parent_id: uuid.UUID | None
    model_name: str
    unique_id: str
    action: str
    source_attrs: dict | None
    target_attrs: dict | None


def legacy_action(element: dict) -> str | None:
    """The action of one element: "+" only is a create, "-" only a delete, both with changes an update."""
    if "+" in element and "-" not in element:
        return "create"
    if "-" in element and "+" not in element:
        return "delete"
    return "update" if element.get("+") or element.get("-") else None


def legacy_records(diff: dict, parent_id: uuid.UUID | None = None) -> Iterator[LegacyRecord]:
    """Yield the changed objects of a 4.x diff depth-first, children after their parent.

    Args:
        diff: ``{model name: {unique id: {"+": attrs, "-": attrs, child model name: {...}}}}``.
        parent_id: The id of the nearest changed ancestor's record.
    """
    for model_name, elements in diff.items():
        if model_name in MARKERS or not isinstance(elements, dict):
            continue
        for unique_id, element in elements.items():
            yield from _element_records(model_name, str(unique_id), element, parent_id)


def _element_records(model_name: str, unique_id: str, element: dict, parent_id: uuid.UUID | None):
    """The record of one element (when it changed itself) followed by those of its children."""
    action = legacy_action(element) if isinstance(element, dict) else None
    own_id = uuid.uuid4() if action else None
    if action:
        yield LegacyRecord(own_id, parent_id, model_name, unique_id, action, element.get("+"), element.get("-"))
    if isinstance(element, dict):
        yield from legacy_records(element, own_id or parent_id)


def convert_legacy_diffs(apps: Apps) -> int:
    """Store per-record rows for every sync that has a JSON diff but no records yet.

    Returns:
        The number of syncs converted.
    """
    sync_model = apps.get_model("nautobot_ssot", "Sync")
    pending = sync_model.objects.exclude(diff={}).filter(diff_records__isnull=True).values_list("pk", flat=True)
    converted = 0
    for sync_id in list(pending.iterator()):
        diff = sync_model.objects.filter(pk=sync_id).values_list("diff", flat=True).get()
        if isinstance(diff, dict):
            _store(apps, sync_id, diff)
            converted += 1
    return converted


def _store(apps: Apps, sync_id: uuid.UUID, diff: dict) -> None:
    """Write the records of one sync's diff in batches."""
    record_model = apps.get_model("nautobot_ssot", "SyncDiffRecord")
    batch = []
    for position, record in enumerate(legacy_records(diff)):
        batch.append(
            record_model(
                id=record.id,
                sync_id=sync_id,
                position=position,
                model_name=record.model_name,
                unique_id=record.unique_id,
                parent_id=record.parent_id,
                action=record.action,
                keys={},
                source_attrs=record.source_attrs,
                target_attrs=record.target_attrs,
            )
        )
        if len(batch) >= BATCH_SIZE:
            record_model.objects.bulk_create(batch)
            batch = []
    record_model.objects.bulk_create(batch)
