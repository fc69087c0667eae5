"""Every reach of the deferred and bulk write paths into private or undocumented names of Nautobot and Django.

The deferred writer (``deferred``) and the bulk writer (``writer``, ``flush``, ``changelog``, ``support``) rely on
how Nautobot's change context and change-logging receivers work inside, and on a few private names of Django's
signals and querysets. Those are reached only through this module, and only on the Nautobot versions they were
checked on (``TESTED_NAUTOBOT``): on any other version ``internals_unsupported()`` says why, and the adapter
writes every model through the standard writer (``validated_save()``, change record per save) instead.
``tests/contrib/bulk/test_internals.py`` holds the canary tests: they fail when one of these names or the
behaviour relied on changes.

What is relied on:

- the change context (``change_context_state``) holds ``deferred_object_changes``, a dict keyed by
  ``"<content type pk>__<object pk>[__<user pk>]"`` whose values are lists of ``{"action", "instance", "user"}``
  entries, and ``defer_object_changes``, which makes Nautobot's receivers register a change there without
  serializing or storing anything;
- Nautobot's receivers look a key up with ``in`` before registering it, so an object saved a second time in the
  same context is noticed by a dict that records its lookups (``TrackedChanges``);
- ``Signal._live_receivers(sender)`` lists the receivers a signal will call;
- a queryset whose ``_result_cache`` is filled and ``_prefetch_done`` set, stored in an instance's
  ``_prefetched_objects_cache``, is what ``prefetch_related`` leaves behind.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, wraps
from operator import attrgetter
from typing import Any

import nautobot
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet, prefetch_related_objects
from django.dispatch import Signal
from nautobot.extras.signals import change_context_state

TESTED_NAUTOBOT = ((3, 0), (3, 2))
"""The first and last Nautobot ``(major, minor)`` whose internals this module was checked on (both included)."""


def internals_unsupported(version: str | None = None) -> str | None:
    """Return why the deferred and bulk writers cannot run on this Nautobot, or None when they can.

    Args:
        version: The Nautobot version to check; the installed one when not given.
    """
    version = version or nautobot.__version__
    parts = version.split(".")
    try:
        found = (int(parts[0]), int(parts[1]))
    except (IndexError, ValueError):
        return f"Nautobot version {version!r} is not a release version"
    first, last = TESTED_NAUTOBOT
    if first <= found <= last:
        return None
    return (
        f"Nautobot {version} is not among the versions the deferred and bulk writers were checked on "
        f"({first[0]}.{first[1]} to {last[0]}.{last[1]})"
    )


def current_context() -> Any:
    """Return Nautobot's active change context (None outside a job or request)."""
    return change_context_state.get()


@contextmanager
def without_change_context() -> Iterator[None]:
    """Run the block with no change context active (Nautobot's receivers then record nothing)."""
    token = change_context_state.set(None)
    try:
        yield
    finally:
        change_context_state.reset(token)


def change_key(content_type_pk: int, object_pk: Any, user: Any) -> str:
    """Return the key Nautobot's receivers register a change under in ``deferred_object_changes``."""
    return f"{content_type_pk}__{object_pk}" + (f"__{user.pk}" if user is not None else "")


def registered_changes(context: Any) -> dict[str, list[dict[str, Any]]]:
    """Return the changes registered in the change context (``deferred_object_changes``)."""
    return context.deferred_object_changes


def register_change(context: Any, key: str, action: str, instance: Model, user: Any) -> bool:
    """Register a change as Nautobot's receivers do, unless ``key`` is registered already; say whether it was."""
    changes = context.deferred_object_changes
    if key in changes:
        return False
    changes[key] = [{"action": action, "instance": instance, "user": user}]
    return True


@contextmanager
def tracking_changes(context: Any) -> Iterator[TrackedChanges]:
    """Hold the context's registered changes in a ``TrackedChanges`` inside the block (a plain dict after it)."""
    changes = context.deferred_object_changes = TrackedChanges(context.deferred_object_changes)
    try:
        yield changes
    finally:
        context.deferred_object_changes = dict(changes)


@contextmanager
def deferring(context: Any) -> Iterator[None]:
    """Make Nautobot's receivers register changes without serializing or storing them, inside the block."""
    context.defer_object_changes = True
    try:
        yield
    finally:
        context.defer_object_changes = False


def drop_pre_change(context: Any, pk: str) -> None:
    """Forget the data Nautobot cached of object ``pk`` before its first save in the context (its ``prechange``)."""
    for cached in (context.pre_object_data, context.pre_object_data_v2):
        if cached:
            cached.pop(pk, None)


def is_deferring(context: Any) -> bool:
    """Whether Nautobot's receivers are registering changes without storing them (``deferring``)."""
    return bool(context.defer_object_changes)


class TrackedChanges(dict):
    """Nautobot's ``deferred_object_changes`` of the change context, noting which existing keys are looked up.

    Nautobot's receivers look a change key up before registering it; an existing key means the object changed
    again in the same context.

    Attributes:
        touched: Existing keys looked up since last cleared.
    """

    def __init__(self, *args: Any) -> None:
        """Hold the entries of ``args`` (a dict), none touched yet."""
        super().__init__(*args)
        self.touched: set[str] = set()

    def __contains__(self, key: object) -> bool:
        """Whether ``key`` is registered (noting it as touched when it is)."""
        found = super().__contains__(key)
        if found:
            self.touched.add(key)
        return found


def live_receivers(signal: Signal, sender: type[Model]) -> list[Any]:
    """Return the receivers ``signal`` calls when ``sender`` sends it."""
    live = signal._live_receivers(sender)
    return list(live[0] if isinstance(live, tuple) else live)


@contextmanager
def prefetched(objects: Sequence[Model], lookups: Sequence[str]) -> Iterator[None]:
    """Prefetch ``lookups`` on ``objects`` (all of one model) for the block, then drop what was prefetched.

    A relation the objects hold prefetched already (their to-many fields, attached just before serializing) is
    left as it is. Afterwards the objects hold nothing of what the block prefetched, so that a later read (their
    next save, their next serialization) sees the database.
    """
    held = set(objects[0].__dict__.get("_prefetched_objects_cache", ())) if objects else set()
    wanted = [lookup for lookup in lookups if lookup.split("__", 1)[0] not in held]
    try:
        prefetch_related_objects(list(objects), *wanted)
        yield
    finally:
        forget_prefetched(objects, {lookup.split("__", 1)[0] for lookup in wanted})


def forget_prefetched(objects: Sequence[Model], names: set[str]) -> None:
    """Drop the prefetched relations ``names`` (by prefetch cache name) from ``objects``."""
    for obj in objects:
        cache = obj.__dict__.get("_prefetched_objects_cache")
        if cache:
            for name in names:
                cache.pop(name, None)


def set_prefetched(obj: Model, cache_name: str, template: QuerySet, related: list[Model]) -> None:
    """Leave on ``obj`` what ``prefetch_related`` leaves: a copy of ``template`` already holding ``related``."""
    queryset = template._chain()
    queryset._result_cache = related
    queryset._prefetch_done = True
    obj.__dict__.setdefault("_prefetched_objects_cache", {})[cache_name] = queryset


# Change records pinned to a parent object.
#
# Several Nautobot models override ``to_objectchange`` only to pin the record's ``related_object`` to a parent (a
# device component to its device or module, a template to its device type, a VM interface to its virtual machine,
# ...). Their records are built like any other, with that parent as related object, so the fast serializers can
# build them too. ``test_internals`` compares the result with each override's own record.


@dataclass(frozen=True)
class RecordShape:
    """How the change records of a model are built.

    Attributes:
        plain: Built as ``ChangeLoggedModel.to_objectchange`` builds them (the fast serializers can build them).
        parent: For a plain record of a model whose override pins a parent: how to find that parent.
    """

    plain: bool
    parent: Callable[[Model], Model | None] | None = None

    def related_object(self, obj: Model) -> Model | None:
        """Return the object the record of ``obj`` is pinned to (None when it has none or it was deleted)."""
        if self.parent is None:
            return None
        try:
            return self.parent(obj)
        except ObjectDoesNotExist:
            return None


def record_shape(model: type[Model]) -> RecordShape:
    """Return how the change records of ``model`` are built (``plain=False``: only its own ``to_objectchange``)."""
    from nautobot.extras.models.change_logging import ChangeLoggedModel  # noqa: PLC0415  (models load after apps)

    own = model.to_objectchange
    if own is ChangeLoggedModel.to_objectchange:
        return RecordShape(plain=True)
    parent = parent_pinning_overrides().get(own)
    return RecordShape(plain=parent is not None, parent=parent)


@cache
def parent_pinning_overrides() -> dict[Callable[..., Any], Callable[[Model], Model | None]]:
    """Return Nautobot's ``to_objectchange`` overrides that only pin a parent, each with how it finds the parent."""
    from nautobot.circuits.models import CircuitTermination  # noqa: PLC0415  (models load after apps)
    from nautobot.dcim.models import device_component_templates as templates  # noqa: PLC0415
    from nautobot.dcim.models import device_components as components  # noqa: PLC0415
    from nautobot.extras.models import CustomFieldChoice  # noqa: PLC0415
    from nautobot.virtualization.models import VMInterface  # noqa: PLC0415

    return {
        components.ComponentModel.to_objectchange: attrgetter("device"),
        components.ModularComponentModel.to_objectchange: lambda obj: obj.module if obj.module else obj.device,
        components.ModuleBay.to_objectchange: attrgetter("parent"),
        templates.ComponentTemplateModel.to_objectchange: attrgetter("device_type"),
        templates.ModularComponentTemplateModel.to_objectchange: attrgetter("parent"),
        templates.ModuleBayTemplate.to_objectchange: attrgetter("parent"),
        VMInterface.to_objectchange: attrgetter("virtual_machine"),
        CircuitTermination.to_objectchange: attrgetter("circuit"),
        CustomFieldChoice.to_objectchange: attrgetter("custom_field"),
    }


# Nautobot's dispatch of a change context's records (``nautobot_ssot.contrib.bulk.dispatch``).
#
# When a change context closes, ``web_request_context`` reads the run's records with ``object_data`` and
# ``object_data_v2`` deferred and calls ``get_snapshots()`` on each, which reads the deferred data and, for an
# update or a delete, calls ``get_prev_change(only=[...])``.

_priming = threading.local()
_priming_lock = threading.Lock()
_priming_users = 0


def is_deferred(record: Model, name: str) -> bool:
    """Whether the field ``name`` of ``record`` was left out of the query that read it (a read would query)."""
    return name not in record.__dict__


def answer_previous_change(record: Model, previous: Model | None) -> None:
    """Make ``record.get_prev_change()`` return ``previous`` without a query (for this instance only)."""
    record.get_prev_change = lambda user=None, only=None: previous


@contextmanager
def priming_snapshots(prime: Callable[[Model], None]) -> Iterator[None]:
    """Call ``prime(record)`` before each ``ObjectChange.get_snapshots()`` made on this thread inside the block.

    ``get_snapshots`` is wrapped while any thread is inside such a block, and restored when the last one leaves;
    on other threads the wrapper only calls through.
    """
    from nautobot.extras.models import ObjectChange  # noqa: PLC0415  (models load after apps)

    global _priming_users  # noqa: PLW0603  (one wrapper per process, counted by its users)
    previous = getattr(_priming, "prime", None)
    with _priming_lock:
        if _priming_users == 0:
            ObjectChange.get_snapshots = _primed(ObjectChange.get_snapshots)
        _priming_users += 1
    _priming.prime = prime
    try:
        yield
    finally:
        _priming.prime = previous
        with _priming_lock:
            _priming_users -= 1
            if _priming_users == 0:
                ObjectChange.get_snapshots = ObjectChange.get_snapshots.__wrapped__


def _primed(get_snapshots: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``ObjectChange.get_snapshots`` so that it primes the record first on a thread that asked for it."""

    @wraps(get_snapshots)
    def primed(record: Model, *args: Any, **kwargs: Any) -> Any:
        prime = getattr(_priming, "prime", None)
        if prime is not None:
            prime(record)
        return get_snapshots(record, *args, **kwargs)

    return primed


# Relations Nautobot's API serializers of cable endpoints read object by object.
#
# ``CableTerminationModelSerializerMixin`` reads ``obj.cable`` and ``obj.get_cable_peer()`` (each through the
# reverse one-to-one ``cable_termination``), ``PathEndpointModelSerializerMixin`` reads ``obj.cable_paths.first()``
# three times (``CablePath`` has a default ordering, so ``first()`` reads a prefetched list). Prefetched, they cost
# a query per batch.


def endpoint_prefetches(model: type[Model]) -> list[str]:
    """Return the cable relations the API serializer of ``model`` reads per object (none for other models)."""
    names = {field.name for field in model._meta.get_fields()}
    return [name for name in ("cable_termination", "cable_paths") if name in names]
