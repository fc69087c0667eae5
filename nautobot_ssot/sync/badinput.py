"""Bad source records: reject them one by one at load time, report each, and never let them cause deletes.

A source adapter builds its objects with ``add_or_reject`` instead of ``adapter.add(Model(**values))``.
A record whose values do not validate as the model (wrong types, missing identifiers, ...) or whose
identifiers another record of the same load already uses is left out of the source and reported as a
failure entry of the run (action ``reject``), naming the record and the reason. Because a left-out record
looks like a deleted one to the diff, ``protect_rejected`` removes from the diff the deletes of the objects
those records stood for (all deletes of the model, when a record's identity could not be read).

The rejections stay on the adapter (``rejections_of``) until the job takes them into its run once the adapter
is loaded (``nautobot_ssot.sync.context.RunContext.take_rejections``), so an adapter needs no link to its run.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import pydantic
from diffsync import Adapter, DiffSyncModel
from diffsync.diff import Diff
from diffsync.enum import DiffSyncActions
from diffsync.exceptions import ObjectAlreadyExists

REJECTED_MESSAGE = "Rejected source record {record}: {reason}"
"""The message of a rejected record's log entry."""

REJECTIONS_ATTRIBUTE = "ssot_rejections"
"""The attribute of an adapter holding the records it rejected (see ``rejections_of``)."""

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rejection:
    """One rejected source record.

    Attributes:
        model: The diffsync model name of the record.
        unique_id: Its unique id, when its identity could be read.
        record: How the record is named in the report.
        reason: Why it was rejected.
    """

    model: str
    unique_id: str | None
    record: str
    reason: str

    @property
    def message(self) -> str:
        """The rejection in words."""
        return REJECTED_MESSAGE.format(record=self.record, reason=self.reason)


@dataclass
class Rejections:
    """Source records rejected during one run (or by one adapter, until the job takes them).

    Attributes:
        ids: ``(model name, unique id)`` of each rejected record whose identity could be read.
        unknown_models: Model names with a rejected record whose identity could not be read.
        count: Number of records rejected.
        pending: The rejections not taken by the run yet (see ``take``).
    """

    ids: set[tuple[str, str]] = field(default_factory=set)
    unknown_models: set[str] = field(default_factory=set)
    count: int = 0
    pending: list[Rejection] = field(default_factory=list)

    def add(self, rejection: Rejection) -> None:
        """Count one rejection and remember its identity."""
        self.count += 1
        if rejection.unique_id is None:
            self.unknown_models.add(rejection.model)
        else:
            self.ids.add((rejection.model, rejection.unique_id))

    def take(self) -> list[Rejection]:
        """The rejections not taken yet; they are taken."""
        taken, self.pending = self.pending, []
        return taken


def rejections_of(adapter: object) -> Rejections:
    """The records ``adapter`` rejected (``add_or_reject``), kept on it until the run takes them."""
    rejections = getattr(adapter, REJECTIONS_ATTRIBUTE, None)
    if rejections is None:
        rejections = Rejections()
        setattr(adapter, REJECTIONS_ATTRIBUTE, rejections)
    return rejections


def _unique_id(model_class: type[DiffSyncModel], values: dict[str, Any]) -> str | None:
    """The record's unique id, when its identifiers are present and plain values."""
    ids = [values.get(name) for name in model_class._identifiers]
    if any(value is None or not isinstance(value, (str, int, float, bool)) for value in ids):
        return None
    return model_class.create_unique_id(**dict(zip(model_class._identifiers, ids, strict=True)))


def _reason(error: pydantic.ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or 'record'}: {item['msg']}" for item in error.errors()
    )


def _printable(text: str) -> str:
    """``text`` with NUL characters (which the database cannot store) written as an escape."""
    return text.replace("\x00", "\\x00")


def _has_nul(values: dict[str, Any]) -> bool:
    return "\\u0000" in json.dumps(values, default=str)


def reject(adapter: Adapter, model_name: str, unique_id: str | None, record: str, reason: str) -> None:
    """Report one source record as rejected: kept on the adapter until the run records it as a failure."""
    rejection = Rejection(
        model=model_name,
        unique_id=_printable(unique_id) if unique_id is not None else None,
        record=_printable(record),
        reason=reason,
    )
    rejections = rejections_of(adapter)
    rejections.add(rejection)
    rejections.pending.append(rejection)
    logger.debug("%s", rejection.message)


def add_or_reject(
    adapter: Adapter, model_class: type[DiffSyncModel], values: dict[str, Any], record: str | None = None
) -> DiffSyncModel | None:
    """Build ``model_class(**values)`` and add it to ``adapter``, or reject the record and report why.

    Records sharing identifiers are all rejected (which one is right cannot be known).

    Args:
        adapter: The source adapter being loaded.
        model_class: The diffsync model of the record.
        values: The record's values.
        record: How to name the record in the report (default: its model and unique id, or its values).

    Returns:
        The added object, or None when the record was rejected.
    """
    model_name, unique_id = model_class.get_type(), _unique_id(model_class, values)
    record = record or (f"{model_name} {unique_id}" if unique_id is not None else f"{model_name} {values!r:.200}")
    if (model_name, unique_id) in rejections_of(adapter).ids:
        reject(adapter, model_name, unique_id, record, "duplicate identifiers: another record has the same ones")
        return None
    if _has_nul(values):
        reject(adapter, model_name, unique_id, record, "a value contains a NUL character, which cannot be stored")
        return None
    try:
        instance = model_class(**values)
        adapter.add(instance)
    except pydantic.ValidationError as error:
        reject(adapter, model_name, unique_id, record, _reason(error))
        return None
    except ObjectAlreadyExists as error:
        _reject_duplicates(adapter, error.existing_object, record)
        return None
    return instance


def _reject_duplicates(adapter: Adapter, existing: DiffSyncModel, record: str) -> None:
    """Reject a record and the earlier one with the same identifiers (removed from the adapter)."""
    model_name, unique_id = existing.get_type(), existing.get_unique_id()
    adapter.remove(existing, remove_children=True)
    reason = "duplicate identifiers: another record has the same ones"
    reject(adapter, model_name, unique_id, f"{model_name} {unique_id} (first record)", reason)
    reject(adapter, model_name, unique_id, record, reason)


def protect_rejected(diff: Diff, rejections: Rejections) -> int:
    """Remove from ``diff`` the deletes of objects whose source record was rejected.

    Returns:
        The number of deletes removed.
    """
    if not rejections.count:
        return 0
    return _prune(diff, rejections)


def _prune(diff: Diff, rejections: Rejections) -> int:
    removed = 0
    for group in list(diff.children):
        elements = diff.children[group]
        for name, element in list(elements.items()):
            protected = group in rejections.unknown_models or (group, name) in rejections.ids
            if element.action == DiffSyncActions.DELETE and protected:
                del elements[name]
                removed += 1
            else:
                removed += _prune(element.child_diff, rejections)
    return removed
