"""Persist a diffsync diff as one row per changed object, plus a bounded JSON copy and a summary."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from diffsync.diff import Diff, DiffElement

from nautobot_ssot.models import SYNC_DIFF_JSON_MAX_RECORDS, Sync, SyncDiffRecord, SyncJSONEncoder

BATCH_SIZE = 1000
SYNC_DIFF_JSON_MAX_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class _Walked:
    element: DiffElement
    parent_id: uuid.UUID | None


def _walk(diff: Diff) -> Iterator[_Walked]:
    """Yield every element of ``diff`` depth-first, with the id of its nearest changed ancestor record."""
    stack: list[tuple[Iterator[DiffElement], uuid.UUID | None]] = [(iter(diff.get_children()), None)]
    while stack:
        children, parent_id = stack[-1]
        element = next(children, None)
        if element is None:
            stack.pop()
            continue
        yield _Walked(element, parent_id)
        own_id = _record_id(element)
        stack.append((iter(element.get_children()), own_id or parent_id))


def _record_id(element: DiffElement) -> uuid.UUID | None:
    """A stable id for the element's record (None when the element itself is unchanged)."""
    if not element.action:
        return None
    if not hasattr(element, "_ssot_record_id"):
        element._ssot_record_id = uuid.uuid4()  # noqa: SLF001  (our own tag on the element)
    return element._ssot_record_id  # noqa: SLF001


def stored_record_id(element: DiffElement) -> uuid.UUID | None:
    """The id of the ``SyncDiffRecord`` stored for ``element`` by ``store_diff``, if it was stored."""
    return getattr(element, "_ssot_record_id", None)


def iter_records(sync: Sync, diff: Diff) -> Iterator[SyncDiffRecord]:
    """Yield unsaved SyncDiffRecord rows for every changed object of ``diff``, in diff order."""
    position = 0
    for walked in _walk(diff):
        record_id = _record_id(walked.element)
        if record_id is None:
            continue
        element = walked.element
        yield SyncDiffRecord(
            id=record_id,
            sync=sync,
            position=position,
            model_name=element.type,
            unique_id=element.name,
            parent_id=walked.parent_id,
            action=element.action,
            keys=element.keys,
            source_attrs=element.source_attrs,
            target_attrs=element.dest_attrs,
        )
        position += 1


def store_diff(sync: Sync, diff: Diff, batch_size: int = BATCH_SIZE) -> int:
    """Store ``diff`` on ``sync``: per-record rows, summary, and the JSON copy when small enough.

    Returns:
        The number of changed records stored.
    """
    SyncDiffRecord.objects.filter(sync=sync).delete()
    batch: list[SyncDiffRecord] = []
    count = 0
    for record in iter_records(sync, diff):
        batch.append(record)
        if len(batch) >= batch_size:
            SyncDiffRecord.objects.bulk_create(batch)
            count += len(batch)
            batch = []
    SyncDiffRecord.objects.bulk_create(batch)
    count += len(batch)
    sync.summary = diff.summary()
    sync.diff, sync.diff_truncated = bounded_diff_json(diff, count)
    sync.save(update_fields=["summary", "diff", "diff_truncated"])
    return count


def bounded_diff_json(diff: Diff, record_count: int) -> tuple[dict, bool]:
    """Return ``(diff.dict(), False)`` when the diff is small enough to keep whole, else ``({}, True)``."""
    if record_count > SYNC_DIFF_JSON_MAX_RECORDS:
        return {}, True
    value = diff.dict()
    encoded = json.dumps(value, cls=SyncJSONEncoder)
    if len(encoded) > SYNC_DIFF_JSON_MAX_BYTES:
        return {}, True
    return json.loads(encoded), False
