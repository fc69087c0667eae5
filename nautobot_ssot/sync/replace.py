"""Replacements: a create or update refused because an object the same diff deletes still holds its unique value.

An IP address whose mask changes in the source (identifiers ``host`` and ``mask_length``) becomes "create
10.0.0.1/25, delete 10.0.0.1/24" in the diff. Applied in that order, the create is refused (the old address still
holds the host in its parent) and the delete then removes the old one: both are gone. ``SafeSyncer`` asks this
module, when a create or update fails, which object of the diff's deletes stands in its way:

- a uniqueness error of Django's own checks (``validate_unique()``, unique constraints, the bulk path's
  validation) names the unique fields and the new object, so the holder is found with one query and matched to the
  delete of the diff that loads it (certain);
- a uniqueness check written in a model's ``clean()`` (an interface name on its device) or a database
  ``unique_violation`` names neither, so the deletes of the same model that share the most values with the new
  record are tried, at most ``MAX_GUESSES`` of them (a guess is confirmed when the write then succeeds or fails
  for another reason).

The syncer then deletes the holder and writes again, both in one savepoint: the pair is applied whole or not at
all. Only models of ``nautobot_ssot.contrib`` (with a Django ``_model``) written by a ``NautobotAdapter`` are matched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pydantic
from diffsync import Adapter, DiffSyncModel
from diffsync.diff import Diff, DiffElement
from diffsync.enum import DiffSyncActions
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError
from django.db.models import Model

from nautobot_ssot.choices import SyncLogEntryActionChoices

REPLACE = SyncLogEntryActionChoices.ACTION_REPLACE
"""The log action of a create or update applied together with the delete of the object it replaces."""

UNIQUE_CODES = frozenset({"unique", "unique_together"})
"""Codes of Django's uniqueness errors (their ``params`` name the object and the unique fields)."""

UNIQUE_VIOLATION = "23505"
"""PostgreSQL's SQLSTATE of a unique constraint violation."""

MAX_GUESSES = 3
"""Deletes tried, most similar first, when the error does not name the object holding the unique value."""


@dataclass(frozen=True)
class PendingDelete:
    """A delete of the diff, with the element it sits under (None at the top level).

    Attributes:
        element: The diff element deleting the object.
        parent: The element it is a child of.
    """

    element: DiffElement
    parent: DiffElement | None


@dataclass(frozen=True)
class Holders:
    """What a failed write says about the object in its way.

    Attributes:
        candidates: Deletes of the diff that may hold the unique value, most likely first.
        certain: The error named the holder (otherwise the candidates are guesses).
    """

    candidates: list[PendingDelete]
    certain: bool


class ReplacementNeeded(Exception):  # noqa: N818  (a signal to the syncer, not an error)
    """A create or update failed because an object the diff deletes holds its unique value.

    Args:
        error: The write's error.
        holders: The deletes to try.
    """

    def __init__(self, error: Exception, holders: Holders):
        super().__init__(str(error))
        self.error = error
        self.holders = holders


@dataclass
class DeleteIndex:
    """The deletes of one diff, found by diffsync type and unique id; built on first use.

    Attributes:
        diff: The diff being applied.
        adapter: The target adapter.
        consumed: Deletes already applied (or refused) as part of a replacement, by (type, unique id).
    """

    diff: Diff
    adapter: Adapter
    consumed: set[tuple[str, str]] = field(default_factory=set)
    _by_type: dict[str, dict[str, PendingDelete]] | None = None
    _models: dict[type[Model], list[str]] = field(default_factory=dict)

    @property
    def by_type(self) -> dict[str, dict[str, PendingDelete]]:
        """Every delete of the diff of a model with a Django ``_model``, by type and unique id."""
        if self._by_type is None:
            self._by_type = {}
            self._collect(self.diff, None)
        return self._by_type

    def _collect(self, diff: Diff, parent: DiffElement | None) -> None:
        for element in diff.get_children():
            if element.action == DiffSyncActions.DELETE and django_model(getattr(self.adapter, element.type, None)):
                type_name, unique_id = self.key(element)
                self._by_type.setdefault(type_name, {})[unique_id] = PendingDelete(element, parent)
            self._collect(element.child_diff, element)

    def key(self, element: DiffElement) -> tuple[str, str]:
        """The (type, unique id) of an element."""
        return element.type, getattr(self.adapter, element.type).create_unique_id(**element.keys)

    def name(self, element: DiffElement) -> str:
        """``type unique-id`` of an element, for messages."""
        return " ".join(self.key(element))

    def is_consumed(self, element: DiffElement) -> bool:
        """Whether the delete of ``element`` was handled with its replacement."""
        return bool(self.consumed) and self.key(element) in self.consumed

    def types_of(self, model: type[Model] | None) -> list[str]:
        """The types of the diff's deletes that write Django model ``model`` (or one related by inheritance)."""
        if model is None:
            return []
        if model not in self._models:
            names = [name for name in self.by_type if related_models(django_model(getattr(self.adapter, name)), model)]
            self._models[model] = names
        return self._models[model]

    def may_replace(self, model_class: Any) -> bool:
        """Whether the diff deletes any object of the Django model of ``model_class`` from Nautobot's database.

        Only a target adapter that loads from Nautobot's database (``get_load_queryset``: contrib's
        ``NautobotAdapter``) takes part: its writes are rolled back with a savepoint, those of a remote system are not.
        """
        if not callable(getattr(self.adapter, "get_load_queryset", None)):
            return False
        return bool(self.types_of(django_model(model_class)))

    def open_deletes(self, model: type[Model] | None) -> list[PendingDelete]:
        """The deletes of ``model`` not handled yet."""
        return [
            pending
            for name in self.types_of(model)
            for unique_id, pending in self.by_type[name].items()
            if (name, unique_id) not in self.consumed
        ]

    def holders(self, error: Exception, model_class: Any, values: Mapping[str, Any]) -> Holders:
        """The deletes of this diff that may hold the unique value ``error`` refused (none when it is another error).

        Args:
            error: The error of the create or update (diffsync's ``ObjectNotCreated``/``ObjectNotUpdated``).
            model_class: The diffsync class written.
            values: The record's identifiers and attributes, to rank guesses.
        """
        cause = error.__cause__
        named = unique_errors(cause) if isinstance(cause, ValidationError) else []
        if named:
            found = [self._delete_holding(holder) for holder in map(holder_of, named) if holder is not None]
            return Holders([pending for pending in found if pending is not None], certain=True)
        if is_unnamed_uniqueness_error(cause):
            return Holders(self._guesses(django_model(model_class), values), certain=False)
        return Holders([], certain=True)

    def _delete_holding(self, holder: Model) -> PendingDelete | None:
        """The open delete of the diff whose object is ``holder``."""
        for name in self.types_of(type(holder)):
            unique_id = unique_id_of(self.adapter, getattr(self.adapter, name), holder.pk)
            pending = self.by_type[name].get(unique_id) if unique_id is not None else None
            if pending is not None and (name, unique_id) not in self.consumed:
                return pending
        return None

    def _guesses(self, model: type[Model] | None, values: Mapping[str, Any]) -> list[PendingDelete]:
        """The open deletes of ``model`` sharing the most values with ``values`` (at least one)."""
        scored = []
        for pending in self.open_deletes(model):
            model_class = getattr(self.adapter, pending.element.type)
            target = self.adapter.get_or_none(model_class, pending.element.keys)
            shared = shared_values(values, record_values(target)) if target is not None else 0
            if shared:
                scored.append((shared, pending))
        scored.sort(key=lambda item: -item[0])
        return [pending for _, pending in scored[:MAX_GUESSES]]


def django_model(model_class: Any) -> type[Model] | None:
    """The Django model a diffsync class writes (its ``_model``), or None."""
    model = getattr(model_class, "_model", None)
    return model if isinstance(model, type) and issubclass(model, Model) else None


def related_models(one: type[Model] | None, other: type[Model] | None) -> bool:
    """Whether two Django models share rows (the same model, or one inherits the other)."""
    return one is not None and other is not None and (issubclass(one, other) or issubclass(other, one))


def unique_errors(error: ValidationError) -> list[ValidationError]:
    """The uniqueness errors in ``error`` that name the object and its unique fields."""
    if hasattr(error, "error_dict"):
        items = [item for group in error.error_dict.values() for item in group]
    else:
        items = error.error_list
    return [
        item
        for item in items
        if item.code in UNIQUE_CODES and isinstance(item.params, dict) and {"model", "unique_check"} <= set(item.params)
    ]


def holder_of(error: ValidationError) -> Model | None:
    """The database object holding the unique values a uniqueness error is about (one query)."""
    instance, fields = error.params["model"], error.params["unique_check"]
    model = error.params.get("model_class") or type(instance)
    lookup = {}
    for name in fields:
        attname = model._meta.get_field(name).attname
        lookup[attname] = getattr(instance, attname)
    return model._base_manager.filter(**lookup).exclude(pk=instance.pk).first()


def is_unnamed_uniqueness_error(error: BaseException | None) -> bool:
    """Whether ``error`` may be a uniqueness conflict that does not name its holder.

    That is a database unique violation, or a validation error not tied to a field (how models phrase the
    uniqueness checks of their own ``clean()``).
    """
    if isinstance(error, IntegrityError):
        cause = error.__cause__
        return (getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)) == UNIQUE_VIOLATION
    if isinstance(error, ValidationError):
        return not hasattr(error, "error_dict") or NON_FIELD_ERRORS in error.error_dict
    return False


def unique_id_of(adapter: Any, model_class: Any, pk: Any) -> str | None:
    """The unique id the target adapter gives the object ``pk`` of ``model_class`` (None when out of its scope)."""
    queryset = getattr(adapter, "get_load_queryset", None)
    if queryset is None:
        return None
    obj = queryset(model_class).filter(pk=pk).first()
    if obj is None:
        return None
    values = model_class.field_plan().load(obj)
    for name in (*model_class._identifiers, *model_class._attributes):
        hook = getattr(adapter, f"load_param_{name}", None)
        if hook is not None:
            values[name] = hook(name, obj)
    try:
        return model_class(**values).get_unique_id()
    except pydantic.ValidationError:
        return None


def record_values(record: DiffSyncModel) -> dict[str, Any]:
    """The identifiers and attributes of a diffsync record."""
    return {**record.get_identifiers(), **record.get_attrs()}


def shared_values(one: Mapping[str, Any], other: Mapping[str, Any]) -> int:
    """How many fields have the same value, other than empty, in both."""
    return sum(1 for name, value in one.items() if value not in (None, "", [], {}) and other.get(name) == value)


@contextmanager
def written_one_at_a_time(adapter: Any, *model_classes: Any) -> Iterator[None]:
    """Write ``model_classes`` object by object, through the standard writer, inside this block.

    The bulk path (``adapter.bulk_writer``) checks and queues objects and writes them when the sync completes,
    and the deferred path writes change records per batch, so neither can undo one object's delete with its
    replacement's savepoint. The queue is written first (the replacement may refer to it), then the block
    writes through the standard path, whose change records roll back with the pair.
    """
    writer = getattr(adapter, "bulk_writer", None)
    if writer is None:
        yield
        return
    with writer.one_at_a_time([django_model(model_class) for model_class in model_classes]):
        yield


def with_replacements(summary: Mapping[str, Any], replaced: Mapping[str, int]) -> dict[str, Any]:
    """A sync's summary with each replaced pair counted once, as ``replace``, instead of as a delete and a write.

    Args:
        summary: The diff's counts (``create``, ``update``, ``delete``, ...).
        replaced: Pairs replaced, by the action of their write (``create`` or ``update``).
    """
    total = sum(replaced.values())
    if not total:
        return dict(summary)
    counts = Counter({key: value for key, value in summary.items() if isinstance(value, int)})
    counts.subtract({**replaced, SyncLogEntryActionChoices.ACTION_DELETE: total})
    return {**summary, **{key: max(counts[key], 0) for key in (*replaced, "delete")}, REPLACE: total}
