"""Which models the bulk path can write, and why the others fall back to the standard path.

The bulk path writes rows with ``bulk_create``/``bulk_update`` and deletes with one collector per batch, so a
model's own ``save()``/``delete()`` and its signal receivers do not run. That is only correct when the bulk path
does what they would have done. It knows:

- Django's and Nautobot's base models (nothing to do beyond validation and the change log);
- ``TreeModel`` (Location, TenantGroup, ...): its ``save()``/``delete()`` only invalidate cached descendants,
  which the bulk path invalidates once per flush;
- the receivers Nautobot connects to every model (change logging, which the bulk path writes itself; the
  pre-save snapshot, used only for webhook payloads of objects without any change record; the tree depth
  cache, invalidated once per flush);
- the ``save()`` (and ``delete()``) of the classes in ``reproduced`` (VLAN, Device, device components such as
  Interface, VM interfaces, IP addresses, prefixes), whose logic the bulk path does itself, as long as their source
  is the one it was checked against (a prefix whose network a sync may change falls back);
- the receivers in ``reproduced.handled_receivers()`` (those of IP address assignments), as long as their source
  is the one checked.

A model with any other ``save()``/``delete()`` override or signal receiver (Cable, Module, Namespace, ...), or a
NautobotModel class with a field kind the bulk path does not write (custom relationships, object metadata,
reverse foreign key relations), is saved object by object instead (the default path, or the standard path
where the job opted out of deferred change records).
"""

from __future__ import annotations

from functools import cache

from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import Signal
from nautobot.core.models.tree_queries import TreeModel

from nautobot_ssot.contrib.bulk import internals, reproduced
from nautobot_ssot.contrib.fields import FieldPlan
from nautobot_ssot.contrib.kinds import (
    CustomFieldKind,
    FieldKind,
    ForeignKeyKind,
    GenericForeignKeyKind,
    PlainKind,
    ToManyKind,
)

KNOWN_OVERRIDES = (Model, TreeModel)
"""Classes whose ``save()``/``delete()`` the bulk path reproduces."""


MODEL_SIGNALS = (pre_save, post_save, pre_delete, post_delete)
"""The signals a model's rows being written or deleted send."""

BULK_KINDS = (PlainKind, ForeignKeyKind, GenericForeignKeyKind, CustomFieldKind, ToManyKind)
"""Field kinds the bulk path writes."""


def receiver_names(model: type[Model], signals: tuple[Signal, ...] = MODEL_SIGNALS) -> set[str]:
    """Return ``module.name`` of every receiver of ``signals`` (save and delete by default) live for ``model``."""
    names = set()
    for signal in signals:
        receivers = internals.live_receivers(signal, model)
        names.update(f"{receiver.__module__}.{receiver.__name__}" for receiver in receivers)
    return names


def foreign_receivers(model: type[Model], signals: tuple[Signal, ...] = MODEL_SIGNALS) -> set[str]:
    """Return the receivers of ``signals`` live for ``model``, but this app's own (its memos' watches, ...)."""
    return {name for name in receiver_names(model, signals) if not name.startswith("nautobot_ssot.")}


def runs_delete_receivers(model: type[Model]) -> bool:
    """Whether deleting ``model`` rows calls receivers beyond Nautobot's change logging and this app's own."""
    return bool(foreign_receivers(model, (pre_delete, post_delete)) - internals.HANDLED_RECEIVERS)


@cache
def model_fallback_reason(model: type[Model]) -> str | None:
    """Return why ``model`` cannot be written in bulk, or None when it can."""
    for klass in model.__mro__:
        reason = override_reason(klass)
        if reason:
            return reason
    unknown = sorted(name for name in foreign_receivers(model) if reproduced.receiver_unchecked(name))
    if unknown:
        return f"signal receivers {', '.join(unknown)} run on save or delete"
    if model._meta.pk.name != "id" or model._meta.pk.get_default() is None:
        return "its primary key is not generated before the object is saved"
    return None


def override_reason(klass: type) -> str | None:
    """Return why the ``save()``/``delete()`` a class defines is not done on the bulk path; None when it is."""
    if klass in KNOWN_OVERRIDES:
        return None
    reproduction = reproduced.reproductions().get(klass)
    for method in ("delete", "save"):
        if method in klass.__dict__ and (reproduction is None or not reproduction.covers(method)):
            return f"{klass.__name__}.{method}() has its own logic"
    return reproduction.changed_source() if reproduction is not None else None


def plan_fallback_reason(plan: FieldPlan) -> str | None:
    """Return why the fields of a plan cannot be written in bulk, or None when they can."""
    for kind in plan.kinds:
        reason = kind_fallback_reason(plan.django_model, kind)
        if reason:
            return reason
    refused = refused_fields(plan)
    if refused:
        return f"{plan.django_model.__name__}.save() does more when {', '.join(sorted(refused))} is written"
    return model_fallback_reason(plan.django_model)


def kind_fallback_reason(model: type[Model], kind: FieldKind) -> str | None:
    """Return why one kind of fields cannot be written in bulk, or None when it can."""
    if not isinstance(kind, BULK_KINDS):
        return f"{type(kind).__name__} fields ({', '.join(kind.names)}) are written one object at a time"
    if not isinstance(kind, ToManyKind):
        return None
    if not kind_is_bulk_to_many(model, kind):
        return f"'{kind.name}' is not a many-to-many relation"
    through = model._meta.get_field(kind.name).remote_field.through
    for name in sorted(receiver_names(through, (m2m_changed,))):
        reason = reproduced.receiver_unchecked(name)
        if reason:
            return f"'{kind.name}': {reason} when its rows change"
    return None


def refused_fields(plan: FieldPlan) -> set[str]:
    """Return the fields of the plan whose writing the reproduced ``save()`` of its model does not cover."""
    items = reproduced.reproductions_for(plan.django_model)
    written = {name.split("__", 1)[0] for kind in plan.kinds for name in kind.names}
    changed = written - {name.split("__", 1)[0] for name in plan.identifiers}
    refused = {name for item in items for name in item.refused_fields} & written
    return refused | ({name for item in items for name in item.refused_attributes} & changed)


def kind_is_bulk_to_many(model: type[Model], kind: ToManyKind) -> bool:
    """Whether the to-many relation is a forward many-to-many field (tags included)."""
    field = model._meta.get_field(kind.name)
    return bool(field.many_to_many and not field.auto_created)
