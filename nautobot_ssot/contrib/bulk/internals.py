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

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import nautobot
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
def prefetched(objects: Sequence[Model], lookups: list[str]) -> Iterator[None]:
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
