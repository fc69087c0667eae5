"""Which models the bulk path can write, and why the others fall back to the standard path.

The bulk path writes rows with ``bulk_create``/``bulk_update`` and deletes with one collector per batch, so a
model's own ``save()``/``delete()`` and its signal receivers do not run. That is only correct when the bulk path
does what they would have done. It knows:

- Django's and Nautobot's base models (nothing to do beyond validation and the change log);
- ``TreeModel`` (Location, TenantGroup, ...): its ``save()``/``delete()`` only invalidate cached descendants,
  which the bulk path invalidates once per flush;
- the receivers Nautobot connects to every model (change logging, which the bulk path writes itself; the
  pre-save snapshot, used only for webhook payloads of objects without any change record; the tree depth
  cache, invalidated once per flush).

A model with any other ``save()``/``delete()`` override or signal receiver (Device, Prefix, Interface, ...), or a
NautobotModel class with a field kind the bulk path does not write (custom relationships, object metadata,
reverse foreign key relations), is saved object by object instead (the default path, or the standard path
where the job opted out of deferred change records).
"""

from __future__ import annotations

from functools import cache

from django.db.models import Model
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from nautobot.core.models.tree_queries import TreeModel

from nautobot_ssot.contrib.bulk import internals
from nautobot_ssot.contrib.fields import FieldPlan
from nautobot_ssot.contrib.kinds import CustomFieldKind, ForeignKeyKind, GenericForeignKeyKind, PlainKind, ToManyKind

KNOWN_OVERRIDES = (Model, TreeModel)
"""Classes whose ``save()``/``delete()`` the bulk path reproduces."""


def reproduced_overrides() -> dict[type[Model], str]:
    """Return model classes whose ``save()`` only does, beyond Django's, what never applies to bulk-built objects.

    ``VLAN.save()`` wraps Django's in a transaction and then applies the legacy ``location`` constructor argument;
    the bulk path builds objects without it and writes each batch in a transaction. ``test_support`` holds a
    canary of that method's source.
    """
    from nautobot.ipam.models import VLAN  # noqa: PLC0415  (models load after apps)

    return {VLAN: "save"}


BULK_KINDS = (PlainKind, ForeignKeyKind, GenericForeignKeyKind, CustomFieldKind, ToManyKind)
"""Field kinds the bulk path writes."""


def receiver_names(model: type[Model]) -> set[str]:
    """Return ``module.name`` of every receiver of the save and delete signals live for ``model``."""
    names = set()
    for signal in (pre_save, post_save, pre_delete, post_delete):
        receivers = internals.live_receivers(signal, model)
        names.update(f"{receiver.__module__}.{receiver.__name__}" for receiver in receivers)
    return names


@cache
def model_fallback_reason(model: type[Model]) -> str | None:
    """Return why ``model`` cannot be written in bulk, or None when it can."""
    reproduced = reproduced_overrides()
    for klass in model.__mro__:
        for method in ("save", "delete"):
            if method in klass.__dict__ and klass not in KNOWN_OVERRIDES and reproduced.get(klass) != method:
                return f"{klass.__name__}.{method}() has its own logic"
    unknown = sorted(receiver_names(model) - internals.HANDLED_RECEIVERS)
    if unknown:
        return f"signal receivers {', '.join(unknown)} run on save or delete"
    if model._meta.pk.name != "id" or model._meta.pk.get_default() is None:
        return "its primary key is not generated before the object is saved"
    return None


def plan_fallback_reason(plan: FieldPlan) -> str | None:
    """Return why the fields of a plan cannot be written in bulk, or None when they can."""
    for kind in plan.kinds:
        if not isinstance(kind, BULK_KINDS):
            return f"{type(kind).__name__} fields ({', '.join(kind.names)}) are written one object at a time"
        if isinstance(kind, ToManyKind) and not kind_is_bulk_to_many(plan.django_model, kind):
            return f"'{kind.name}' is not a many-to-many relation"
    return model_fallback_reason(plan.django_model)


def kind_is_bulk_to_many(model: type[Model], kind: ToManyKind) -> bool:
    """Whether the to-many relation is a forward many-to-many field (tags included)."""
    field = model._meta.get_field(kind.name)
    return bool(field.many_to_many and not field.auto_created)
