"""Queries of Nautobot's ``clean()`` that the bulk writer answers from what its run knows.

Validating an interface (any component of a device) asks the database whether the device has a component of
that name already; validating an IP address asks whether the address falls in an exclusive range of its namespace
and whether the address exists under its parent prefix. That is one to two queries per object, a quarter of the
time of creating a network's interfaces and addresses in bulk. While the bulk writer validates an object, on its
thread, ``CleanAnswers`` answers them from what the run knows, with what the database would have said:

- a device queued for creation in the run (not written yet) has no stored component: only the components queued
  with it can share a name, which a claim between queued objects catches (``reproduced.component_name``);
- the stored components of a stored device are read once, with one query per device and model, and kept until the
  run writes (``written``) or a component or device is saved or deleted meanwhile (on PostgreSQL only, whose text
  comparison is exact, as ``clean()``'s lookup is there);
- the exclusive ranges of a namespace are looked for once per run; a namespace with none needs no query per
  address. Ranges queued in the run are checked too (stored ones are looked up as ``clean()`` does);
- an address under a parent is a unique (parent, host) pair, which the validator's unique index holds, stored
  and queued.

``ModularComponentModel.clean`` and ``IPAddress.clean`` are replaced while at least one run validates
(``internals.ProcessPatch``); the replacements call the originals on every thread not validating a run, and are
installed only where the original's source is the one they were checked against (``SOURCES``): otherwise
Nautobot's own ``clean()`` runs, with its queries.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import cache, wraps
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

from nautobot_ssot.contrib.bulk import internals
from nautobot_ssot.contrib.bulk.parents import ParentPrefixes
from nautobot_ssot.contrib.bulk.reproduced import source_digest
from nautobot_ssot.contrib.bulk.validation import BulkValidator, compares_text_exactly

_current = threading.local()
"""The answers of the run validating on each thread (``_current.answers``), if any."""

SOURCES = {
    "ModularComponentModel.clean": "723579611c0e",
    "IPAddress.clean": "19addf38b25b",
    "Prefix.get_parent": "5fb3fc634ad7",
}
"""The source digest of each replaced ``clean()`` the replacement was checked against."""

COMPONENT_DEVICES = 256
"""Devices whose stored component names a run keeps at a time (a diff usually lists a device's components together)."""


@dataclass
class CleanAnswers:
    """What one bulk run knows that answers queries of ``clean()``.

    Attributes:
        validator: The run's validation state (objects queued for creation, unique values).
        parents: The prefixes of the run's namespaces, stored and queued.
        exclusive: Per namespace primary key, whether a stored exclusive IP address range is in it.
        queued_ranges: Per namespace primary key, the exclusive ranges validated in the run.
        components: Per (component model, device primary key), the primary keys of the stored components outside
            modules, by name.
    """

    validator: BulkValidator
    parents: ParentPrefixes
    exclusive: dict[Any, bool] = field(default_factory=dict)
    queued_ranges: dict[Any, list[Model]] = field(default_factory=dict)
    components: dict[tuple[type[Model], Any], dict[str, tuple[Any, ...]]] = field(default_factory=dict)
    _watching: bool = False
    _watched_components: set[type[Model]] = field(default_factory=set)

    @contextmanager
    def active(self) -> Iterator[None]:
        """Answer from the run inside the block, on the current thread only (nesting is fine)."""
        previous = getattr(_current, "answers", None)
        with ExitStack() as patches:
            for patch in CLEAN_PATCHES:
                patches.enter_context(patch.active())
            _current.answers = self
            try:
                yield
            finally:
                _current.answers = previous

    def device_is_new(self, obj: Model) -> bool:
        """Whether the device of a component is queued for creation and not written: no stored row names it."""
        return obj.device_id is not None and obj.device_id in self.validator.pending

    def component_name_taken(self, obj: Model) -> bool | None:
        """Whether another stored component of the device has the name (None: ask the database, as ``clean()``).

        Answered for a device already stored, on PostgreSQL, from its components read once per run and model (the
        components of at most ``COMPONENT_DEVICES`` devices are kept at a time).
        """
        model = type(obj)
        if not compares_text_exactly(model):
            return None
        key = (model, obj.device_id)
        if key not in self.components:
            self._watch_components(model)
            if len(self.components) >= COMPONENT_DEVICES:
                self.components.clear()
            self.components[key] = stored_component_names(model, obj.device_id)
        return any(pk != obj.pk for pk in self.components[key].get(obj.name, ()))

    def written(self, *args: Any, **kwargs: Any) -> None:
        """Forget the stored components read (the run wrote, or one was saved or deleted meanwhile)."""
        self.components.clear()

    def has_exclusive_ranges(self, namespace_pk: Any) -> bool:
        """Whether a stored exclusive IP address range is in the namespace (one query per namespace and run)."""
        from nautobot.ipam.models import IPAddressRange  # noqa: PLC0415  (models load after apps)

        if namespace_pk not in self.exclusive:
            self._watch()
            stored = IPAddressRange.objects.filter(parent__namespace_id=namespace_pk, is_exclusive=True)
            self.exclusive[namespace_pk] = stored.exists()
        return self.exclusive[namespace_pk]

    def queued_range_holding(self, namespace_pk: Any, obj: Model) -> Model | None:
        """Return an exclusive range validated in the run that holds the address, if any."""
        host = ipaddress.ip_address(obj.host)
        for candidate in self.queued_ranges.get(namespace_pk, ()):
            start, end = ipaddress.ip_address(candidate.start_host), ipaddress.ip_address(candidate.end_host)
            if start.version == host.version and start <= host <= end:
                return candidate
        return None

    def holds_address(self, obj: Model) -> bool:
        """Whether another address, stored or queued, has the same parent and host (the unique index knows)."""
        for index in self.validator.unique_indexes(type(obj)):
            if set(index.fields) == {"parent", "host"}:
                return index.holders.get(index.key(obj), obj.pk) != obj.pk
        same = type(obj).objects.filter(parent_id=obj.parent_id, host=obj.host)
        return same.exclude(pk=obj.pk).exists()

    def note(self, obj: Model) -> None:
        """Remember an exclusive IP address range validated in the run (its addresses are refused from now on)."""
        from nautobot.ipam.models import IPAddressRange  # noqa: PLC0415  (models load after apps)

        if isinstance(obj, IPAddressRange) and obj.is_exclusive:
            self.queued_ranges.setdefault(internals.namespace_of(obj).pk, []).append(obj)

    def forget(self, *args: Any, **kwargs: Any) -> None:
        """Drop what was read (a range was saved or deleted); connected to the range signals."""
        self.exclusive.clear()

    def _watch(self) -> None:
        """Forget what was read whenever an IP address range is saved or deleted (for as long as this object lives)."""
        from nautobot.ipam.models import IPAddressRange  # noqa: PLC0415  (models load after apps)

        if not self._watching:
            post_save.connect(self.forget, sender=IPAddressRange)
            post_delete.connect(self.forget, sender=IPAddressRange)
            self._watching = True

    def _watch_components(self, model: type[Model]) -> None:
        """Forget the components read whenever a component of ``model`` or a device is saved or deleted."""
        from nautobot.dcim.models import Device  # noqa: PLC0415  (models load after apps)

        for sender in {model, Device} - self._watched_components:
            post_save.connect(self.written, sender=sender)
            post_delete.connect(self.written, sender=sender)
            self._watched_components.add(sender)


def stored_component_names(model: type[Model], device_pk: Any) -> dict[str, tuple[Any, ...]]:
    """Return the primary keys of the device's stored components of ``model`` outside modules, by name."""
    names: dict[str, tuple[Any, ...]] = {}
    for name, pk in model.objects.filter(device_id=device_pk, module__isnull=True).values_list("name", "pk"):
        names[name] = (*names.get(name, ()), pk)
    return names


def current() -> CleanAnswers | None:
    """The answers of the run validating on this thread, if any."""
    return getattr(_current, "answers", None)


def component_clean(original: Callable[[Model], None]) -> Callable[[Model], None]:
    """Wrap ``ModularComponentModel.clean``: a name is looked for among the device's stored components, read once.

    A device queued for creation has none.
    """
    if not checked(original, "ModularComponentModel.clean"):
        return original
    owner = internals.CLEAN_TARGETS[0].holder()

    @wraps(original)
    def clean(self: Model) -> None:
        answers = current()
        if answers is None or self.module_id is not None or self.device_id is None:
            original(self)
            return
        taken = False if answers.device_is_new(self) else answers.component_name_taken(self)
        if taken is None:
            original(self)
            return
        super(owner, self).clean()
        if taken:
            raise ValidationError(f"A {self._meta.verbose_name} by this name already exists on {self.device}")

    return clean


def address_clean(original: Callable[[Model], None]) -> Callable[[Model], None]:
    """Wrap ``IPAddress.clean``: exclusive ranges and duplicates are answered from the run."""
    if not checked(original, "IPAddress.clean"):
        return original
    owner = internals.CLEAN_TARGETS[1].holder()

    @wraps(original)
    def clean(self: Model) -> None:
        answers = current()
        if answers is None:
            original(self)
            return
        clean_address(self, answers)
        super(owner, self).clean()

    return clean


def prefix_parent(original: Callable[[Model], Model | None]) -> Callable[[Model], Model | None]:
    """Wrap ``Prefix.get_parent``: the parent is found among the prefixes read once, and those queued in the run."""
    if not checked(original, "Prefix.get_parent"):
        return original

    @wraps(original)
    def get_parent(self: Model) -> Model | None:
        answers = current()
        known, parent = answers.parents.parent_of_prefix(self) if answers is not None else (False, None)
        return parent if known else original(self)

    return get_parent


@cache
def checked(original: Callable[..., Any], name: str) -> bool:
    """Whether the source of ``original`` is the one its replacement was checked against (read once per process)."""
    try:
        return source_digest(original) == SOURCES[name]
    except (OSError, TypeError):
        return False


def clean_address(obj: Model, answers: CleanAnswers) -> None:
    """What ``IPAddress.clean()`` checks and sets before its parent class's ``clean()``.

    Raises:
        ValidationError: As ``IPAddress.clean()`` raises it.
    """
    from nautobot.ipam.choices import IPAddressTypeChoices, IPAddressVersionChoices  # noqa: PLC0415

    internals.deconstruct_address(obj)
    if obj.present_in_database and internals.stored_host(obj) != obj.host:
        raise ValidationError({"__all__": "Host address cannot be changed once created"})
    if obj.type == IPAddressTypeChoices.TYPE_SLAAC and obj.ip_version != IPAddressVersionChoices.VERSION_6:
        raise ValidationError({"type": "Only IPv6 addresses can be assigned SLAAC type"})
    if obj.host and obj.ip_version:
        refuse_in_exclusive_range(obj, answers)
    take_closest_parent(obj)
    if obj.host and obj.parent_id and answers.holds_address(obj):
        raise ValidationError({"__all__": f"IP address {obj.address} already exists in {obj.parent}."})
    if not obj.dns_name.islower():
        obj.dns_name = obj.dns_name.lower()


def refuse_in_exclusive_range(obj: Model, answers: CleanAnswers) -> None:
    """Refuse an address in an exclusive range of its namespace, stored or queued in the run.

    Raises:
        ValidationError: The address is in one.
    """
    from nautobot.ipam.models import IPAddressRange  # noqa: PLC0415  (models load after apps)

    namespace = internals.namespace_of(obj)
    found = answers.queued_range_holding(namespace.pk, obj)
    if found is None and answers.has_exclusive_ranges(namespace.pk):
        found = IPAddressRange.objects.filter(
            parent__namespace=namespace,
            ip_version=obj.ip_version,
            is_exclusive=True,
            start_host__lte=obj.host,
            end_host__gte=obj.host,
        ).first()
    if found is not None:
        message = (
            f'IP address {obj.host} falls within exclusive IP Address Range "{found}". '
            "Creating an IP Address within an exclusive range is not permitted."
        )
        raise ValidationError({"__all__": message})


def take_closest_parent(obj: Model) -> None:
    """Check an explicitly set parent against the closest one, or take the closest one, as ``clean()`` does.

    Raises:
        ValidationError: The parent set is not the closest prefix, or no prefix holds the address.
    """
    closest = internals.closest_parent(obj)
    if closest is None:
        return
    if obj.parent is not None and obj.parent != closest:
        namespace = internals.namespace_of(obj)
        message = (
            f"{obj.parent} cannot be assigned as the parent of {obj}. "
            f" In namespace {namespace}, the expected parent would be {closest}."
        )
        raise ValidationError({"parent": message})
    obj.parent = closest
    internals.forget_provided_namespace(obj)


CLEAN_PATCHES = (
    internals.ProcessPatch(internals.CLEAN_TARGETS[:1], component_clean),
    internals.ProcessPatch(internals.CLEAN_TARGETS[1:2], address_clean),
    internals.ProcessPatch(internals.CLEAN_TARGETS[2:], prefix_parent),
)
"""The replacements, installed while at least one run validates."""
