"""Nautobot's dispatch of webhooks, job hooks and events when a job's change context closes, made cheap per record.

When a job's change context closes, Nautobot walks every change record of the run and, per record: asks whether
its type supports job hooks (a cache read of a whole queryset of content types), reads the record's data (left
out of the walk's own query, so one query per record) and, for an update or a delete, the object's previous
record (one more query; Nautobot issue 6303). A sync writes thousands of records, so that walk can take longer
than the writes did.

``fast_dispatch()`` runs around a job's run and the walk after it. Inside it, the first record the walk asks
snapshots of has the data of its chunk of the run's records (the next ``CHUNK`` by time) and their previous
records read with four queries, which the next records of the chunk take from memory; Nautobot's cache reads
are answered from a cache memo once the walk has started. Nautobot's own ``get_snapshots``, webhook, job hook
and event code then runs on records that hold the same data as they would have read, so every webhook, job hook
and event is sent with the same payload.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from nautobot.extras.choices import ObjectChangeActionChoices
from nautobot.extras.models import ObjectChange

from nautobot_ssot.contrib.bulk import internals
from nautobot_ssot.contrib.bulk.cachememo import CacheMemo

CHUNK = 500
"""Records whose data and previous records are read with one set of queries."""


@dataclass
class SnapshotPrefetch:
    """The data of a run's change records and of their previous records, read per chunk as the walk reaches them.

    Attributes:
        data: ``object_data`` and ``object_data_v2`` per record not handed out yet.
        previous: The previous record of each update or delete not handed out yet (None: it has none).
        chunk: Records read per chunk.
    """

    data: dict[UUID, tuple[Any, Any]] = field(default_factory=dict)
    previous: dict[UUID, ObjectChange | None] = field(default_factory=dict)
    chunk: int = CHUNK
    _memo: ExitStack = field(default_factory=ExitStack)
    _memo_open: bool = False

    def prime(self, record: ObjectChange) -> None:
        """Give ``record`` (from the walk, its data left out) its data and previous record, from its chunk."""
        if not internals.is_deferred(record, "object_data_v2"):
            return
        if not self._memo_open:
            self._memo.enter_context(CacheMemo().active())
            self._memo_open = True
        if record.pk not in self.data:
            self._read_chunk(record)
        data = self.data.pop(record.pk, None)
        if data is None:
            return
        record.object_data, record.object_data_v2 = data
        if record.action != ObjectChangeActionChoices.ACTION_CREATE:
            internals.answer_previous_change(record, self.previous.pop(record.pk, None))

    def close(self) -> None:
        """Stop answering cache reads from memory."""
        self._memo.close()
        self._memo_open = False

    def _read_chunk(self, first: ObjectChange) -> None:
        """Read the data of the next records of ``first``'s run, and their previous records.

        The chunk is ordered without its JSON columns and their data read by primary key, as Nautobot's walk leaves
        them out of its ordered query (sorting rows with them runs MySQL out of sort memory).
        """
        rows = list(
            ObjectChange.objects.filter(request_id=first.request_id, time__gte=first.time)
            .order_by("time")
            .values_list("pk", "action", "changed_object_type_id", "changed_object_id", "time")[: self.chunk]
        )
        pks = [row[0] for row in rows]
        for pk, data, data_v2 in ObjectChange.objects.filter(pk__in=pks).values_list(
            "pk", "object_data", "object_data_v2"
        ):
            self.data[pk] = (data, data_v2)
        changes = [row for row in rows if row[1] != ObjectChangeActionChoices.ACTION_CREATE]
        self.previous.update(previous_records(changes))


def previous_records(rows: list[tuple]) -> dict[UUID, ObjectChange | None]:
    """Return the previous record of each ``(pk, action, type id, object id, time)``, as ``get_prev_change`` finds it.

    Two queries whatever the number of rows: the candidates (every record of those objects older than the newest
    row), then the data of the chosen ones, read as ``get_prev_change(only=["object_data_v2", "object_data"])``
    reads them.
    """
    if not rows:
        return {}
    candidates: dict[tuple[int, UUID], list[tuple[Any, UUID]]] = {}
    for pk, type_id, object_id, time in ObjectChange.objects.filter(
        changed_object_id__in={row[3] for row in rows}, time__lt=max(row[4] for row in rows)
    ).values_list("pk", "changed_object_type_id", "changed_object_id", "time"):
        candidates.setdefault((type_id, object_id), []).append((time, pk))
    chosen = {row[0]: latest_before(candidates.get((row[2], row[3]), []), row[4], row[0]) for row in rows}
    found = ObjectChange.objects.only("object_data_v2", "object_data").in_bulk([pk for pk in chosen.values() if pk])
    return {pk: found.get(previous) if previous else None for pk, previous in chosen.items()}


def latest_before(candidates: list[tuple[Any, UUID]], time: Any, own: UUID) -> UUID | None:
    """Return the primary key of the newest candidate older than ``time`` other than ``own`` (None: there is none)."""
    older = [(when, pk) for when, pk in candidates if when < time and pk != own]
    return max(older, key=lambda item: item[0])[1] if older else None


@contextmanager
def fast_dispatch() -> Iterator[None]:
    """Make Nautobot's dispatch of the change records cheap per record inside the block (see the module).

    Does nothing on a Nautobot version whose internals were not checked (``internals.internals_unsupported``).
    """
    if internals.internals_unsupported():
        yield
        return
    prefetch = SnapshotPrefetch()
    try:
        with internals.priming_snapshots(prefetch.prime):
            yield
    finally:
        prefetch.close()
