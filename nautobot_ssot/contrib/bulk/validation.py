"""Validation of objects written in bulk: the model's full_clean(), with the database checks done once per batch.

``full_clean()`` asks the database, per object, whether each foreign key target exists (and matches the field's
``limit_choices_to``) and whether the unique fields are free. For thousands of objects that is thousands of
queries asking the same few questions. ``BulkValidator`` runs ``full_clean()`` without those two checks and
then answers them itself:

- a foreign key target is checked once per (field, target) per run; targets pending creation in the same
  run exist by construction;
- uniqueness is checked against an index of the model's unique values, read with one query per unique
  constraint the first time the model is validated, and kept up to date as objects are accepted, changed
  and deleted (so two new objects with the same name are caught too).

Unique constraints with a condition or expressions are still validated per object by Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connections, router
from django.db.models import Field, ForeignKey, Model, UniqueConstraint
from nautobot.core.models.tree_queries import TreeModel

UniqueKey = tuple[str, ...]


@dataclass(frozen=True)
class Claim:
    """Values two objects written in one run may not share, though no unique constraint says so.

    Attributes:
        values: The values (with what they are, so that claims of different rules never meet).
        field: The field the error names.
        message: The error when another pending object holds them.
    """

    values: tuple
    field: str
    message: str


@dataclass
class UniqueIndex:
    """The values of one unique field set of one model, mapped to the primary key holding them.

    Attributes:
        fields: The unique field names.
        attnames: Their column attribute names (``parent_id`` for ``parent``).
        holders: Values to primary key.
    """

    fields: UniqueKey
    attnames: tuple[str, ...]
    holders: dict[tuple, Any] = field(default_factory=dict)
    keys: dict[Any, tuple] = field(default_factory=dict)

    @classmethod
    def load(cls, model: type[Model], fields: UniqueKey) -> UniqueIndex:
        """Read the current values of ``fields`` of every ``model`` row (one query)."""
        attnames = tuple(model._meta.get_field(name).attname for name in fields)
        index = cls(fields, attnames)
        for pk, *values in model._base_manager.values_list("pk", *attnames).iterator(chunk_size=5000):
            index.put(pk, tuple(values))
        return index

    def put(self, pk: Any, key: tuple | None) -> None:
        """Record that ``pk`` now holds ``key`` (None: no values), dropping what it held before."""
        old = self.keys.pop(pk, None)
        if old is not None and self.holders.get(old) == pk:
            del self.holders[old]
        if key is not None:
            self.holders[key] = pk
            self.keys[pk] = key

    def drop(self, pk: Any) -> None:
        """Forget what ``pk`` holds."""
        self.put(pk, None)

    def key(self, obj: Model) -> tuple | None:
        """Return the object's values, or None when one is empty (Django does not check those)."""
        values = tuple(getattr(obj, attname) for attname in self.attnames)
        return None if any(value is None for value in values) else values


@dataclass
class BulkValidator:
    """Validate objects like ``full_clean()``, with foreign key and uniqueness checks answered per batch.

    Attributes:
        checked_targets: (field, target pk) pairs already found valid.
        pending: Primary keys of objects accepted for creation and not written yet.
        indexes: Unique indexes per model, loaded on first use.
        claims: Values that only one pending object may hold (beyond unique constraints), with its primary key.
        held: The values each pending object holds in ``claims``.
        stored: The values of one column of a unique index held by stored objects, per (model, field name), in the
            form the database compares (made when first asked; a changed object's new value is added, a deleted
            object's stays: it may hold more than is stored, never less).
    """

    checked_targets: set[tuple[Any, Any]] = field(default_factory=set)
    pending: set[Any] = field(default_factory=set)
    indexes: dict[type[Model], list[UniqueIndex]] = field(default_factory=dict)
    claims: dict[tuple, Any] = field(default_factory=dict)
    held: dict[Any, tuple[tuple, ...]] = field(default_factory=dict)
    stored: dict[tuple[type[Model], str], set] = field(default_factory=dict)

    def validate(self, obj: Model, claims: Sequence[Claim] = ()) -> None:
        """Validate ``obj`` (new or changed) and reserve its unique values and ``claims`` (only when it is valid).

        Raises:
            ValidationError: The object is not valid; the same messages ``full_clean()`` gives, and the message of
                each claim another pending object holds.
        """
        foreign_keys = [f for f in obj._meta.concrete_fields if isinstance(f, ForeignKey)]
        errors: dict[str, list] = {}
        excluded = [f.name for f in foreign_keys]
        try:
            with hidden_primary_key(obj):
                obj.full_clean(exclude=excluded, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for foreign_key in foreign_keys:
            self._check_target(obj, foreign_key, errors)
        self._check_unique(obj, errors)
        self._check_conditional_constraints(obj, errors)
        self._check_claims(obj, claims, errors)
        if errors:
            raise ValidationError(errors)
        self._reserve(obj)
        self._hold(obj, claims)

    def _check_target(self, obj: Model, foreign_key: ForeignKey, errors: dict[str, list]) -> None:
        value = getattr(obj, foreign_key.attname)
        if value is not None and (value in self.pending or (foreign_key, value) in self.checked_targets):
            return
        try:
            foreign_key.clean(value, obj)
        except ValidationError as error:
            errors.setdefault(foreign_key.name, []).extend(error.error_list)
            return
        if value is not None:
            self.checked_targets.add((foreign_key, value))

    def unique_indexes(self, model: type[Model]) -> list[UniqueIndex]:
        """Return the unique indexes of ``model``, reading them on first use."""
        if model not in self.indexes:
            self.indexes[model] = [UniqueIndex.load(model, fields) for fields in unique_field_sets(model)]
        return self.indexes[model]

    def is_unique_key(self, model: type[Model], parameters: Mapping[str, Any]) -> bool:
        """Whether lookup ``parameters`` are the fields of one unique index of ``model``, none of them empty."""
        if any(value is None for value in parameters.values()):
            return False
        names = set(parameters)
        return any(set(index.fields) == names for index in self.unique_indexes(model))

    def none_stored(self, model: type[Model], parameters: Mapping[str, Any]) -> bool:
        """Whether no stored object of ``model`` can match lookup ``parameters``, without a query.

        True when one parameter is a plain column of a unique index read from the database (an address's host) and
        no stored object holds its value there: a lookup of objects queued in the run needs no query then. Only
        on PostgreSQL, whose text comparison is exact (MySQL's default collation ignores case).
        """
        if not compares_text_exactly(model):
            return False
        for index in self.indexes.get(model, ()):
            for position, name in enumerate(index.fields):
                column = model._meta.get_field(name)
                if name not in parameters or column.is_relation or parameters[name] is None:
                    continue
                value = compared_form(column, parameters[name])
                if value is not None and value not in self._stored(model, index, position):
                    return True
        return False

    def _stored(self, model: type[Model], index: UniqueIndex, position: int) -> set:
        key = (model, index.fields[position])
        if key not in self.stored:
            column = model._meta.get_field(index.fields[position])
            held = (values[position] for pk, values in index.keys.items() if pk not in self.pending)
            self.stored[key] = {compared_form(column, value) for value in held}
        return self.stored[key]

    def _check_unique(self, obj: Model, errors: dict[str, list]) -> None:
        for index in self.unique_indexes(type(obj)):
            key = index.key(obj)
            holder = index.holders.get(key) if key is not None else None
            if holder is None or holder == obj.pk or set(index.fields) & set(errors):
                continue
            name = index.fields[0] if len(index.fields) == 1 else NON_FIELD_ERRORS
            message = obj.unique_error_message(type(obj), index.fields)
            errors.setdefault(name, []).append(message)

    @staticmethod
    def _check_conditional_constraints(obj: Model, errors: dict[str, list]) -> None:
        others = [c for c in obj._meta.constraints if not is_plain_unique(c)]
        if not others:
            return
        try:
            obj.validate_constraints(exclude=set(errors))
        except ValidationError as error:
            error.update_error_dict(errors)

    def _reserve(self, obj: Model) -> None:
        """Record the object's unique values (dropping its old ones) so later objects see them."""
        if not obj._state.adding:
            self._note_stored(obj)
        for index in self.unique_indexes(type(obj)):
            index.put(obj.pk, index.key(obj))

    def _check_claims(self, obj: Model, claims: Sequence[Claim], errors: dict[str, list]) -> None:
        """Add the message of each claim another pending object holds (the stored ones were checked by Nautobot).

        A message ``clean()`` gave already (a stored object changed in the run holds the claim) is not repeated.
        """
        for claim in claims:
            if self.claims.get(claim.values, obj.pk) != obj.pk and claim.message not in messages(errors, claim.field):
                errors.setdefault(claim.field, []).append(claim.message)

    def _hold(self, obj: Model, claims: Sequence[Claim]) -> None:
        """Hold ``claims`` for ``obj``, releasing what it held before (under its old name, say)."""
        for values in self.held.pop(obj.pk, ()):
            if self.claims.get(values) == obj.pk:
                del self.claims[values]
        for claim in claims:
            self.claims[claim.values] = obj.pk
        if claims:
            self.held[obj.pk] = tuple(claim.values for claim in claims)

    def _note_stored(self, obj: Model) -> None:
        """Add the new values of a changed stored object to ``stored`` (more than is stored is fine, less is not)."""
        model = type(obj)
        for (owner, name), values in self.stored.items():
            if owner is model:
                column = model._meta.get_field(name)
                values.add(compared_form(column, getattr(obj, column.attname)))

    def written(self) -> None:
        """Forget the pending objects, the unique values and the claims: everything accepted is being written.

        The unique values are read again, from the database, when a model is next validated.
        """
        self.pending.clear()
        self.indexes.clear()
        self.claims.clear()
        self.held.clear()
        self.stored.clear()

    def release(self, model: type[Model], pks: Iterable[Any]) -> None:
        """Forget the unique values of deleted objects."""
        pks = list(pks)
        for index in self.indexes.get(model, ()):
            for pk in pks:
                index.drop(pk)


def compares_text_exactly(model: type[Model]) -> bool:
    """Whether the database of ``model`` compares text exactly, as Python does (PostgreSQL; MySQL ignores case)."""
    return connections[router.db_for_read(model)].vendor == "postgresql"


def messages(errors: dict[str, list], name: str) -> set[str]:
    """Return the texts of the errors under ``name`` (``ValidationError`` instances or texts)."""
    texts: set[str] = set()
    for error in errors.get(name, ()):
        texts.update(error.messages if isinstance(error, ValidationError) else [str(error)])
    return texts


def compared_form(column: Field, value: Any) -> Any:
    """Return ``value`` in the form an exact lookup on ``column`` compares (None when it cannot say).

    The field's Python form: canonical for an address (``2001:DB8::1`` and ``2001:db8::1`` are one host), the text
    itself for text, which PostgreSQL compares exactly (``none_stored`` only answers on PostgreSQL).
    """
    try:
        return column.to_python(value)
    except (TypeError, ValueError, ValidationError):
        return None


@contextmanager
def hidden_primary_key(obj: Model) -> Iterator[None]:
    """Clean a new tree object without its (generated, unused) primary key, as an object that has none yet.

    A new object cannot be its own ancestor, so tree models skip their loop check, which would otherwise look
    up parents that are still queued for creation in the database. Other models keep it: their ``clean()`` may
    filter on the object itself (a device's interfaces), which needs a primary key, and finds nothing.
    """
    if not (obj._state.adding and isinstance(obj, TreeModel)):
        yield
        return
    pk = obj.pk
    obj.pk = None
    try:
        yield
    finally:
        obj.pk = pk


def is_plain_unique(constraint: Any) -> bool:
    """Whether ``constraint`` is a UniqueConstraint on fields only (no condition, expressions or options)."""
    return (
        isinstance(constraint, UniqueConstraint)
        and bool(constraint.fields)
        and constraint.condition is None
        and not constraint.expressions
        and not constraint.include
        and getattr(constraint, "nulls_distinct", None) is not False
    )


def unique_field_sets(model: type[Model]) -> list[UniqueKey]:
    """Return the field sets that must be unique: unique fields, ``unique_together``, plain UniqueConstraints."""
    sets: list[UniqueKey] = [(f.name,) for f in model._meta.concrete_fields if f.unique and not f.primary_key]
    for parent in [model, *model._meta.get_parent_list()]:
        sets.extend(tuple(names) for names in parent._meta.unique_together)
        sets.extend(tuple(c.fields) for c in parent._meta.constraints if is_plain_unique(c))
    return list(dict.fromkeys(sets))
