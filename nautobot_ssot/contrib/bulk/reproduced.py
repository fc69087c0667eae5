"""What the bulk path does in place of the ``save()`` logic of Nautobot's network models.

The bulk path writes rows with ``bulk_create``/``bulk_update``, so a model's own ``save()`` does not run. For the
classes below it does what their ``save()`` does beyond Django's, at one of two moments:

- ``accepted``: on each object once validated, before it is queued (what ``save()`` does before writing the row);
- ``written``: on each batch of objects once their rows are written (what ``save()`` does after writing).

Each reproduction names the source it was checked against (a digest of every method it reproduces). When
Nautobot's source differs, or cannot be read, the model falls back to being saved object by object: a changed
``save()`` is never skipped silently. ``tests/contrib/bulk/test_reproduced.py`` holds the canaries.

Some models and the through tables of to-many relations have signal receivers of their own;
``handled_receivers()`` lists those whose effect the bulk path has, with the source each was checked against.
"""

from __future__ import annotations

import hashlib
import inspect
import ipaddress
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model

from nautobot_ssot.contrib.bulk import internals
from nautobot_ssot.contrib.bulk.parents import network_key, shorter_keys
from nautobot_ssot.contrib.bulk.validation import Claim

Moved = dict[type[Model], set[Any]]
"""Primary keys of other objects whose stored row a reproduced method changed (without a record), per model."""
Accepted = Callable[[Model], None]
Written = Callable[[type[Model], Sequence[Model], bool], Moved | None]
Deleting = Callable[[Sequence[Model]], Moved | None]


def source_digest(function: Callable) -> str:
    """The first 12 hex digits of the SHA-256 of a function's source.

    Raises:
        OSError: The source cannot be read.
    """
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:12]


def nothing_before(obj: Model) -> None:
    """Nothing to do before the row is written."""


def nothing_after(model: type[Model], objects: Sequence[Model], created: bool) -> None:
    """Nothing to do after the rows are written."""


def nothing_on_delete(objects: Sequence[Model]) -> None:
    """Nothing to do before the rows are deleted."""


@dataclass(frozen=True)
class Reproduction:
    """How the bulk path does what one class's ``save()`` does beyond Django's.

    Attributes:
        owner: The class defining the ``save()``.
        sources: Name and source digest of each method of ``owner`` the reproduction was checked against.
        accepted: Applied to each object once validated, before it is queued.
        written: Applied to each batch once its rows are written (model, objects, whether they were created);
            returns the other objects it changed, if any.
        refused_fields: Fields that, when a sync writes them, make ``save()`` do what is not reproduced here.
        refused_attributes: Fields that do the same when a sync may change them (attributes, not identifiers).
        deleting: Applied to each batch of objects before their rows are deleted (``delete()``, when defined);
            returns the other objects it changed, if any.
        claim: What a validated object may not share with another object queued in the same run.
        cleans: Whether ``save()`` runs ``clean()`` itself (the object is then validated on every update, even
            when only its to-many relations changed).
    """

    owner: type
    sources: tuple[tuple[str, str], ...]
    accepted: Accepted = nothing_before
    written: Written = nothing_after
    refused_fields: frozenset[str] = frozenset()
    refused_attributes: frozenset[str] = frozenset()
    deleting: Deleting = nothing_on_delete
    cleans: bool = False
    claim: Callable[[Model], Claim | None] | None = None

    def covers(self, method: str) -> bool:
        """Whether ``method`` of the owner is one the reproduction was checked against."""
        return any(name == method for name, _ in self.sources)

    def changed_source(self) -> str | None:
        """Return which checked method differs from, or cannot be compared with, its digest; None when all match."""
        for name, digest in self.sources:
            method = getattr(self.owner, name)
            try:
                found = source_digest(method)
            except (OSError, TypeError):
                return f"the source of {self.owner.__name__}.{name}() cannot be read"
            if found != digest:
                return f"{self.owner.__name__}.{name}() is not the one the bulk path was checked against"
        return None


def device_from_module(obj: Model) -> None:
    """``ModularComponentModel.save()``: a component of a module belongs to the module's device."""
    if obj.device_id is None and obj.module_id is not None:
        obj.device = getattr(obj.module.parent_module_bay, "parent_device", None)


def component_name(obj: Model) -> Claim | None:
    """``ModularComponentModel.clean()``: a device has one component of a kind per name outside its modules.

    Its query sees stored components only (or none, for a device queued in the run: ``cleans``); two components
    queued in one run are checked against each other here.
    """
    if obj.module_id is not None or obj.device_id is None:
        return None
    message = f"A {obj._meta.verbose_name} by this name already exists on {obj.device}"
    return Claim((obj._meta.label, obj.device_id, obj.name), "__all__", message)


def default_interface_status(obj: Model) -> None:
    """``BaseInterface.save()``: an interface without a status gets the Active one.

    Raises:
        ValidationError: No Active status exists for the model.
    """
    from nautobot.dcim.choices import InterfaceStatusChoices  # noqa: PLC0415  (models load after apps)
    from nautobot.extras.models import Status  # noqa: PLC0415

    if obj.status_id is not None:
        return
    name = InterfaceStatusChoices.as_dict().get(InterfaceStatusChoices.STATUS_ACTIVE)
    try:
        obj.status = Status.objects.get_for_model(obj).get(name=name)
    except Status.DoesNotExist as error:
        raise ValidationError({"status": "Default status 'active' does not exist"}) from error


def clear_tagged_vlans(model: type[Model], objects: Sequence[Model], created: bool) -> None:
    """``BaseInterface.save()``: an existing interface whose mode is not "tagged" keeps no tagged VLANs."""
    from nautobot.dcim.choices import InterfaceModeChoices  # noqa: PLC0415  (models load after apps)

    from nautobot_ssot.contrib.bulk.relations import ThroughTable  # noqa: PLC0415  (relations imports support, which imports this)

    if created:
        return
    untagged = {obj.pk: () for obj in objects if obj.mode != InterfaceModeChoices.MODE_TAGGED}
    if untagged:
        ThroughTable.of(model, "tagged_vlans").write(untagged)


def snapshot_hosts(model: type[Model], objects: Sequence[Model], created: bool) -> None:
    """``NamespaceParentedModelMixin.save()``: remember the saved parent and host, as ``save()`` does.

    Its other step, ``clean()`` (which finds the parent prefix), ran when the object was validated.
    """
    for obj in objects:
        internals.snapshot_tracked_fields(obj)


def device_uniqueness(obj: Model) -> Claim | None:
    """What ``DeviceUniquenessValidator`` (run by ``save()`` and ``full_clean()``) would find among pending devices.

    It queries stored devices only; two devices queued in one run are checked against each other here.
    """
    from nautobot.apps.utils import get_settings_or_config  # noqa: PLC0415
    from nautobot.dcim.choices import DeviceUniquenessChoices  # noqa: PLC0415  (models load after apps)

    mode = get_settings_or_config("DEVICE_UNIQUENESS", fallback=DeviceUniquenessChoices.DEFAULT)
    if not obj.name:
        return None
    if mode == DeviceUniquenessChoices.LOCATION_TENANT_NAME:
        where = f"location {obj.location}" + (f" and tenant {obj.tenant}" if obj.tenant_id else " with no tenant")
        message = f"A device named '{obj.name}' is written in this run already, in {where}."
        return Claim((mode, obj.location_id, obj.tenant_id, obj.name), "__all__", message)
    if mode == DeviceUniquenessChoices.NAME:
        message = f"A device named '{obj.name}' is written in this run already (names are globally unique)."
        return Claim((mode, obj.name), "name", message)
    return None


def device_components(model: type[Model], objects: Sequence[Model], created: bool) -> None:
    """``Device.save()``: a new device gets its type's components; an updated one moves its child devices along."""
    from nautobot.apps.dcim import is_auto_component_creation_suppressed  # noqa: PLC0415  (models load after apps)

    if not created:
        for device in objects:
            move_children(device)
    elif not is_auto_component_creation_suppressed():
        create_components(objects)


def create_components(devices: Sequence[Model]) -> None:
    """``Device.create_components()`` for a batch: each kind of component made from the templates, in one insert.

    The kinds come in the order Nautobot creates them (a front port needs its device's rear ports).
    """
    from django.core.cache import cache  # noqa: PLC0415
    from nautobot.core.utils.cache import construct_cache_key  # noqa: PLC0415

    by_type: dict[Any, list[Model]] = {}
    for device in devices:
        by_type.setdefault(device.device_type_id, []).append(device)
    for component, templates in component_templates():
        rows = []
        for group in by_type.values():
            found = list(getattr(group[0].device_type, templates).all())
            rows += [template.instantiate(device=device) for device in group for template in found]
        component.objects.bulk_create(rows)
    methods = ("has_device_bays", "has_module_bays")
    keys = [construct_cache_key(device, method_name=name, branch_aware=True) for device in devices for name in methods]
    cache.delete_many(keys)


def component_templates() -> list[tuple[type[Model], str]]:
    """Each component model with the device type's templates of it, in the order ``create_components()`` uses."""
    from nautobot.dcim import models  # noqa: PLC0415  (models load after apps)

    return [
        (models.ConsolePort, "console_port_templates"),
        (models.ConsoleServerPort, "console_server_port_templates"),
        (models.PowerPort, "power_port_templates"),
        (models.PowerOutlet, "power_outlet_templates"),
        (models.Interface, "interface_templates"),
        (models.RearPort, "rear_port_templates"),
        (models.FrontPort, "front_port_templates"),
        (models.DeviceBay, "device_bay_templates"),
        (models.ModuleBay, "module_bay_templates"),
    ]


def move_children(device: Model) -> None:
    """``Device.save()``: the devices in the bays of a device follow its location and rack (each saved)."""
    for child in device.get_children():
        if child.location != device.location or child.rack != device.rack:
            child.location, child.rack = device.location, device.rack
            child.save()


PREFIX_NETWORK = frozenset({"prefix", "network", "broadcast", "prefix_length", "ip_version", "namespace"})
"""What makes ``Prefix.save()`` move or reparent the prefix's descendants when it changes."""


def reparent_prefixes(model: type[Model], objects: Sequence[Model], created: bool) -> Moved | None:
    """``Prefix.save()``: a new prefix becomes the parent of what it is now the closest prefix of.

    Nautobot reparents child prefixes, addresses and ranges with three statements per saved prefix. A batch of new
    prefixes usually holds nothing stored yet (one query per kind says so); otherwise each prefix does it, in the
    order they were queued, as its ``save()`` would have. The saved network is then remembered, as ``save()`` does.

    Returns:
        What now has one of the prefixes as parent (the records made of it earlier in the run show the new parent).
    """
    moved = None
    if created and holds_descendants(objects):
        for prefix in objects:
            prefix.reparent_subnets()
            prefix.reparent_ips()
            prefix.reparent_ip_address_ranges()
        moved = held_by(objects)
    for prefix in objects:
        internals.snapshot_prefix(prefix)
    return moved


def held_by(prefixes: Sequence[Model]) -> Moved:
    """The prefixes, addresses and ranges whose parent is one of ``prefixes``."""
    from nautobot.ipam.models import IPAddress, IPAddressRange, Prefix  # noqa: PLC0415  (models load after apps)

    pks = [prefix.pk for prefix in prefixes]
    return {
        model: set(model.objects.filter(parent_id__in=pks).values_list("pk", flat=True))
        for model in (Prefix, IPAddress, IPAddressRange)
    }


def holds_descendants(prefixes: Sequence[Model]) -> bool:
    """Whether new prefixes may hold another prefix, an address or a range (more than true never hurts)."""
    from nautobot.ipam.models import IPAddress, IPAddressRange, Prefix  # noqa: PLC0415  (models load after apps)

    if queued_inside(prefixes):
        return True
    pks = [prefix.pk for prefix in prefixes]
    for (namespace_pk, version), (first, last) in spans(prefixes).items():
        inside = {"ip_version": version}
        if (
            Prefix.objects.filter(namespace_id=namespace_pk, network__gte=first, broadcast__lte=last, **inside)
            .exclude(pk__in=pks)
            .exists()
        ):
            return True
        held = {"parent__namespace_id": namespace_pk, **inside}
        if IPAddress.objects.filter(host__gte=first, host__lte=last, **held).exists():
            return True
        if IPAddressRange.objects.filter(start_host__gte=first, end_host__lte=last, **held).exists():
            return True
    return False


def queued_inside(prefixes: Sequence[Model]) -> bool:
    """Whether a prefix of the batch holds one queued before it (which its ``save()`` would then reparent)."""
    order = {(prefix.namespace_id, prefix_key(prefix)): position for position, prefix in enumerate(prefixes)}
    for position, prefix in enumerate(prefixes):
        shorter = shorter_keys(str(prefix.network), prefix.prefix_length)
        if any(order.get((prefix.namespace_id, key), -1) > position for key in shorter):
            return True
    return False


def prefix_key(prefix: Model) -> tuple[int, int, int] | None:
    """The key of a prefix among networks (``parents.network_key``)."""
    return network_key(str(prefix.network), str(prefix.broadcast), prefix.prefix_length)


def spans(prefixes: Sequence[Model]) -> dict[tuple[Any, int], tuple[str, str]]:
    """The first and last address covered by the prefixes, per (namespace, IP version)."""
    bounds: dict[tuple[Any, int], tuple[Any, Any]] = {}
    for prefix in prefixes:
        first, last = ipaddress.ip_address(str(prefix.network)), ipaddress.ip_address(str(prefix.broadcast))
        key = (prefix.namespace_id, first.version)
        low, high = bounds.get(key, (first, last))
        bounds[key] = (min(low, first), max(high, last))
    return {key: (str(low), str(high)) for key, (low, high) in bounds.items()}


def release_prefixes(objects: Sequence[Model]) -> Moved:
    """``Prefix.delete()``: a deleted prefix hands its children, addresses and ranges to its own parent.

    A root prefix holding addresses or ranges is protected, as ``delete()`` protects it (the batch then falls back
    to one object at a time, and that prefix fails alone).

    Returns:
        The prefixes, addresses and ranges handed over (the records made of them earlier in the run show it).

    Raises:
        ProtectedError: A root prefix holds addresses or ranges.
    """
    from django.db.models import ProtectedError  # noqa: PLC0415

    moved = held_by(objects)
    for prefix in objects:
        for name in ("ip_addresses", "ip_address_ranges"):
            held = getattr(prefix, name).all()
            if prefix.parent_id is None and held.exists():
                label = "IP Address" if name == "ip_addresses" else "IP Address Range"
                message = f"Cannot delete Prefix {prefix} because it has child {label} objects that would no longer "
                raise ProtectedError(msg=message + "have a valid parent: ", protected_objects=held)
        for name in ("children", "ip_addresses", "ip_address_ranges"):
            getattr(prefix, name).update(parent_id=prefix.parent_id)
    return moved


def prefix_reproduction() -> Reproduction:
    """``Prefix.save()`` and ``Prefix.delete()``: the parent found, what the prefix holds reparented or handed over."""
    from nautobot.ipam.models import Prefix  # noqa: PLC0415  (models load after apps)

    checked = ("save", "ddac19bf9b69"), ("delete", "74e1b305c512"), ("__init__", "b300e36d4696")
    reparenting = (
        ("reparent_subnets", "1d623b749a23"),
        ("reparent_ips", "a6de0a2c274f"),
        ("reparent_ip_address_ranges", "be4067d6ef68"),
    )
    return Reproduction(
        Prefix,
        (*checked, *reparenting),
        written=reparent_prefixes,
        deleting=release_prefixes,
        refused_attributes=PREFIX_NETWORK,
        cleans=True,
    )


@cache
def reproductions() -> dict[type, Reproduction]:
    """Return the reproduced ``save()`` of each class, keyed by the class defining it."""
    from nautobot.dcim.models import Device  # noqa: PLC0415
    from nautobot.dcim.models.device_components import (  # noqa: PLC0415  (models load after apps)
        BaseInterface,
        CableTermination,
        ModularComponentModel,
    )
    from nautobot.ipam.models import VLAN, NamespaceParentedModelMixin  # noqa: PLC0415

    known = (
        Reproduction(
            Device,
            (("save", "671ae89cae3e"), ("create_components", "e8c432d5f0cd")),
            written=device_components,
            refused_fields=frozenset({"cluster"}),
            claim=device_uniqueness,
        ),
        Reproduction(VLAN, (("save", "6006a7c229ec"), ("__init__", "aea8cf6554c1"))),
        prefix_reproduction(),
        Reproduction(
            ModularComponentModel, (("save", "e75854dc4a55"),), accepted=device_from_module, claim=component_name
        ),
        Reproduction(CableTermination, (("save", "e6869277fbe7"),), refused_fields=frozenset({"cable"})),
        Reproduction(
            BaseInterface, (("save", "e34d446841fa"),), accepted=default_interface_status, written=clear_tagged_vlans
        ),
        Reproduction(
            NamespaceParentedModelMixin,
            (
                ("save", "d7f95b16d843"),
                ("_snapshot_tracked_fields", "81e637611795"),
                ("_get_closest_parent", "a1ab529faea5"),
            ),
            written=snapshot_hosts,
            cleans=True,
        ),
    )
    return {reproduction.owner: reproduction for reproduction in known}


@cache
def reproductions_for(model: type[Model]) -> tuple[Reproduction, ...]:
    """Return the reproductions that apply to ``model``, most basic class first (the order ``super()`` reaches)."""
    known = reproductions()
    return tuple(known[klass] for klass in reversed(model.__mro__) if klass in known)


def accept(obj: Model) -> None:
    """Do on a validated object what its classes' ``save()`` does before writing the row.

    Raises:
        ValidationError: The object cannot be saved (as its ``save()`` would have raised).
    """
    for reproduction in reversed(reproductions_for(type(obj))):
        reproduction.accepted(obj)


def claims(obj: Model) -> list[Claim]:
    """Return what a validated object may not share with another object queued in the same run."""
    found = (item.claim(obj) for item in reproductions_for(type(obj)) if item.claim is not None)
    return [claim for claim in found if claim is not None]


def cleans_on_save(model: type[Model]) -> bool:
    """Whether the ``save()`` of ``model`` runs ``clean()`` itself."""
    return any(reproduction.cleans for reproduction in reproductions_for(model))


def deleting(model: type[Model], objects: Sequence[Model]) -> Moved:
    """Do on a batch of objects about to be deleted what their classes' ``delete()`` does first.

    Returns:
        The other objects whose stored row changed.

    Raises:
        ProtectedError: One of them cannot be deleted (as its ``delete()`` would have raised).
    """
    return merged(reproduction.deleting(objects) for reproduction in reversed(reproductions_for(model)))


def written(model: type[Model], objects: Sequence[Model], created: bool) -> Moved:
    """Do on a batch of written objects what their classes' ``save()`` does after writing the rows.

    Returns:
        The other objects whose stored row changed.
    """
    return merged(reproduction.written(model, objects, created) for reproduction in reproductions_for(model))


def merged(results: Iterable[Moved | None]) -> Moved:
    """Merge what several reproduced methods moved."""
    moved: Moved = {}
    for result in results:
        for model, pks in (result or {}).items():
            moved.setdefault(model, set()).update(pks)
    return moved


@cache
def handled_receivers() -> dict[str, tuple[Callable, str]]:
    """Return the receivers the bulk path knows to have their effect, with the source each was checked against.

    - ``validate_interface_ip_assignments`` runs ``full_clean()`` on the IP address assignments added to an
      interface: an assignment names exactly one interface and is unique per (address, interface). The bulk path
      writes an interface's ``ip_addresses`` rows with that interface alone, one row per address.
    - ``ip_address_to_interface_assignment_created`` runs ``full_clean()`` on an assignment once it is saved: the
      bulk path validates every assignment before it is queued.
    - ``ip_address_to_interface_pre_delete`` clears the host's primary address that loses its last assignment: the
      bulk path deletes through Django's deletion collector, which calls it, and records the hosts it saves.
    """
    from nautobot.ipam import signals  # noqa: PLC0415  (models load after apps)
    from nautobot.ipam.models import IPAddressToInterface  # noqa: PLC0415

    return {
        "nautobot.ipam.signals.validate_interface_ip_assignments": (
            signals.validate_interface_ip_assignments,
            "c1c504b35eec",
        ),
        "nautobot.ipam.models.IPAddressToInterface.clean": (IPAddressToInterface.clean, "b078d49482c7"),
        "nautobot.ipam.signals.ip_address_to_interface_assignment_created": (
            signals.ip_address_to_interface_assignment_created,
            "7d07d0806002",
        ),
        "nautobot.ipam.signals.ip_address_to_interface_pre_delete": (
            signals.ip_address_to_interface_pre_delete,
            "4afcb7e2af12",
        ),
    }


def receiver_unchecked(name: str) -> str | None:
    """Return why a receiver is not known to have its effect on the bulk path; None when it is."""
    if name in internals.HANDLED_RECEIVERS:
        return None
    if name not in handled_receivers():
        return f"the receiver {name} runs"
    return changed_receiver_source()


@cache
def changed_receiver_source() -> str | None:
    """Return which checked receiver (or what it calls) changed; None when none did."""
    for name, (function, digest) in handled_receivers().items():
        try:
            if source_digest(function) != digest:
                return f"{name} is not the one the bulk path was checked against"
        except (OSError, TypeError):
            return f"the source of {name} cannot be read"
    return None
