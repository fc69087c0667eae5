"""Every reach of the deferred and bulk write paths into private or undocumented names of Nautobot, Django and DRF.

The deferred writer (``deferred``) and the bulk writer (``writer``, ``flush``, ``changelog``, ``support``) rely on
how Nautobot's change context and change-logging receivers work inside, and on a few private names of Django's
signals and querysets; their memos replace Nautobot's metadata lookups, the cache object's methods and methods of
the serializers they make. Those are reached only through this module, and only on the Nautobot versions they
were checked on (``TESTED_NAUTOBOT``, which also fixes the Django and DRF versions): on any other version
``internals_unsupported()`` says why, the adapter writes every model through the standard writer
(``validated_save()``, change record per save) instead, and nothing is replaced even if a memo is switched on.
``tests/contrib/bulk/test_internals.py`` holds the canary tests: they fail when one of these names, its signature
(``EVERY_TARGET``), the key formats rebuilt here and in ``serialization`` (natural slugs, tree cache keys) or the
behaviour relied on changes.

What is relied on:

- the change context (``change_context_state``) holds ``deferred_object_changes``, a dict keyed by
  ``"<content type pk>__<object pk>[__<user pk>]"`` whose values are lists of ``{"action", "instance", "user"}``
  entries, and ``defer_object_changes``, which makes Nautobot's receivers register a change there without
  serializing or storing anything;
- Nautobot's receivers look a key up with ``in`` before registering it, so an object saved a second time in the
  same context is noticed by a dict that records its lookups (``TrackedChanges``);
- ``Signal._live_receivers(sender)`` lists the receivers a signal will call; ``HANDLED_RECEIVERS`` are the
  (private) receivers whose effect the bulk path reproduces;
- a queryset whose ``_result_cache`` is filled and ``_prefetch_done`` set, stored in an instance's
  ``_prefetched_objects_cache``, is what ``prefetch_related`` leaves behind; ``get_prefetcher`` says how
  ``prefetch_related`` reads a relation; ``QuerySet._raw_delete`` deletes rows with one statement;
- ``serialize_object`` reads ``_custom_field_data`` and the ``_tags`` set on an unsaved object;
- Nautobot caches the descendants of a tree object under ``nautobot.<label>.<pk>.cacheable_descendants_pks(...)``
  and its ``display`` under a key holding its primary key where the parent's holds the parent's;
- a Django cursor wraps the driver's (``cursor.cursor``), which runs ``COPY`` with ``copy_expert``;
- Django's deletion ``Collector`` (not documented) collects the deletion of many objects at once, as a queryset
  delete does, and keeps the fields it sets to null in ``field_updates``;
- a DRF serializer keeps its output in ``_data`` once computed.

Replacements are active only while a run writes: ``ProcessPatch`` replaces functions in their class or module
while at least one run on any thread is in its block (the replacements behave as the originals on other threads),
``replaced_methods`` replaces methods of the current thread's cache object only, and ``override`` sets methods on
serializer objects made for one batch. Django's documented model API (``_meta``, ``_state``, ``_base_manager``,
``_default_manager``) is used directly.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, partial, wraps
from operator import attrgetter
from typing import Any, Protocol

import nautobot
from django.core.exceptions import ObjectDoesNotExist
from django.db import router
from django.db.models import Model, QuerySet, prefetch_related_objects
from django.db.models.deletion import Collector
from django.db.models.query import get_prefetcher
from django.dispatch import Signal
from nautobot.core.models.tree_queries import TreeModel
from nautobot.extras.signals import change_context_state
from rest_framework.serializers import Serializer

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


_NOTHING = object()
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
"""The address in the text of an object's default representation (dropped from signatures)."""


# What the bulk path replaces while a run writes, and the private names and formats it reads. Every name below is
# checked by a canary (``tests/contrib/bulk/test_internals.py``): its existence, and its signature as recorded here.


@dataclass(frozen=True)
class Target:
    """A function of Nautobot, Django or DRF that the fast paths replace, override per object, or call privately.

    Attributes:
        module: The module defining it (or the class holding it).
        owner: The class holding it ("" for a module-level function).
        name: Its name.
        signature: Its signature as checked (``str(inspect.signature(...))``); a canary compares it.
    """

    module: str
    owner: str
    name: str
    signature: str

    def __str__(self) -> str:
        """The dotted path of the function."""
        return ".".join(part for part in (self.module, self.owner, self.name) if part)

    def holder(self) -> object:
        """Return the class or module holding the function.

        Raises:
            LookupError: This version has no such class.
        """
        module = importlib.import_module(self.module)
        if not self.owner:
            return module
        holder = getattr(module, self.owner, None)
        if holder is None:
            raise LookupError(f"{self.module}.{self.owner} does not exist")
        return holder

    def original(self) -> Callable[..., Any]:
        """Return the function.

        Raises:
            LookupError: This version has no such function.
        """
        found = getattr(self.holder(), self.name, None)
        if found is None:
            raise LookupError(f"{self} does not exist")
        return found

    def current_signature(self) -> str:
        """The function's signature on this version, as ``signature`` records it (no object addresses)."""
        return ADDRESS.sub("", str(inspect.signature(self.original())))


def base_cache_method(name: str, parameters: str) -> Target:
    """A method of Django's cache API (``BaseCache``), with its parameters after ``self``."""
    return Target(
        "django.core.cache.backends.base", "BaseCache", name, f"(self, {parameters})" if parameters else "(self)"
    )


MEMOIZED_LOOKUPS = (
    Target(
        "nautobot.extras.models.customfields",
        "CustomFieldManager",
        "get_for_model",
        "(self, model, exclude_filter_disabled=False, get_queryset=True)",
    ),
    Target("nautobot.extras.models.customfields", "CustomFieldManager", "keys_for_model", "(self, model)"),
    Target(
        "nautobot.extras.models.customfields",
        "ComputedFieldManager",
        "get_for_model",
        "(self, model, get_queryset=True)",
    ),
    Target(
        "nautobot.extras.models.relationships",
        "RelationshipManager",
        "get_for_model",
        "(self, model, hidden=None, get_queryset=True)",
    ),
    Target(
        "nautobot.extras.models.relationships",
        "RelationshipManager",
        "get_for_model_source",
        "(self, model, hidden=None, get_queryset=True)",
    ),
    Target(
        "nautobot.extras.models.relationships",
        "RelationshipManager",
        "get_for_model_destination",
        "(self, model, hidden=None, get_queryset=True)",
    ),
    Target(
        "nautobot.extras.models.datasources",
        "GitRepositoryManager",
        "get_for_provided_contents",
        "(self, provided_contents_type)",
    ),
    Target("nautobot.data_validation.models", "ValidationRuleManager", "get_for_model", "(self, content_type: str)"),
    Target(
        "nautobot.data_validation.models", "ValidationRuleManager", "get_enabled_for_model", "(self, content_type: str)"
    ),
    Target("nautobot.data_validation.custom_validators", "", "get_data_compliance_rules_map", "()"),
    Target("nautobot.dcim.models.locations", "", "get_settings_or_config", "(variable_name, fallback=None)"),
    Target("nautobot.ipam.models", "", "get_default_namespace", "()"),
)
"""Nautobot's cached metadata lookups that ``LookupMemo`` answers from memory (replaced while a run writes)."""

CACHE_METHODS = (
    base_cache_method("get", "key, default=None, version=None"),
    base_cache_method("set", "key, value, timeout=<object object>, version=None"),
    base_cache_method("add", "key, value, timeout=<object object>, version=None"),
    base_cache_method("get_or_set", "key, default, timeout=<object object>, version=None"),
    base_cache_method("set_many", "data, timeout=<object object>, version=None"),
    base_cache_method("delete", "key, version=None"),
    base_cache_method("delete_many", "keys, version=None"),
    base_cache_method("get_many", "keys, version=None"),
    base_cache_method("incr", "key, delta=1, version=None"),
    base_cache_method("decr", "key, delta=1, version=None"),
    base_cache_method("touch", "key, timeout=<object object>, version=None"),
    base_cache_method("clear", ""),
    Target("django_redis.cache", "RedisCache", "delete_pattern", "(self, *args, **kwargs)"),
)
"""Methods of the cache backend that ``CacheMemo`` replaces on the current thread's cache object, in a run."""

SERIALIZER_OVERRIDES = (
    Target("rest_framework.fields", "Field", "get_attribute", "(self, instance)"),
    Target("rest_framework.serializers", "Serializer", "to_representation", "(self, instance)"),
    Target("rest_framework.relations", "HyperlinkedRelatedField", "get_url", "(self, obj, view_name, request, format)"),
    Target("rest_framework.fields", "DateTimeField", "default_timezone", "(self)"),
    Target("nautobot.core.api.serializers", "BaseModelSerializer", "get_natural_slug", "(self, instance)"),
    Target("nautobot.core.api.serializers", "NotesSerializerMixin", "get_notes_url", "(self, instance)"),
)
"""Methods that ``SerializerMemo`` overrides on the serializer objects (and their fields) it makes for one batch."""

PRIVATE_CALLS = (
    Target("django.dispatch.dispatcher", "Signal", "_live_receivers", "(self, sender)"),
    Target("django.db.models.query", "QuerySet", "_raw_delete", "(self, using)"),
    Target("django.db.models.query", "QuerySet", "_chain", "(self)"),
    Target("django.db.models.query", "", "get_prefetcher", "(instance, through_attr, to_attr)"),
    Target("nautobot.extras.signals", "", "_handle_changed_object_pre_save", "(sender, instance, raw=False, **kwargs)"),
    Target("nautobot.extras.signals", "", "_handle_changed_object", "(sender, instance, raw=False, **kwargs)"),
    Target("nautobot.extras.signals", "", "_handle_deleted_object", "(sender, instance, **kwargs)"),
    Target(
        "nautobot.extras.signals", "", "_handle_deleted_m2m_through_object", "(sender, instance, origin=None, **kwargs)"
    ),
    Target("nautobot.core.signals", "", "invalidate_max_depth_cache", "(sender, **kwargs)"),
)
"""Private functions called, and the signal receivers whose effect the bulk path reproduces (``HANDLED_RECEIVERS``)."""

HANDLED_RECEIVERS = frozenset(f"{target.module}.{target.name}" for target in PRIVATE_CALLS[4:])
"""Signal receivers (``module.name``) whose effect the bulk path reproduces or that do not apply to it."""

SNAPSHOT_TARGETS = (
    Target(
        "nautobot.extras.models.change_logging",
        "ObjectChange",
        "get_snapshots",
        "(self, pre_object_data=None, pre_object_data_v2=None)",
    ),
    Target("nautobot.extras.models.change_logging", "ObjectChange", "get_prev_change", "(self, user=None, only=None)"),
)
"""What the dispatch of a job's records calls per record: ``get_snapshots`` is replaced while a sync job runs (it
primes the record first, see ``priming_snapshots``), ``get_prev_change`` is answered per record instance."""

DELETION_TARGETS = (
    Target("django.db.models.deletion", "Collector", "__init__", "(self, using, origin=None)"),
    Target(
        "django.db.models.deletion",
        "Collector",
        "collect",
        "(self, objs, source=None, nullable=False, collect_related=True, source_attr=None, reverse_dependency=False, "
        "keep_parents=False, fail_on_restricted=True)",
    ),
    Target("django.db.models.deletion", "Collector", "delete", "(self)"),
    Target("django.db.models.deletion", "Collector", "add_field_update", "(self, field, value, objs)"),
)
"""Django's deletion collector, run once for a batch of deletes of one model (``collect_deletion``), and where it
keeps the fields it sets to null (``field_updates``, read by ``refers_within``)."""

LOADDATA_CHECK = Target("nautobot.core.signals", "", "disable_for_loaddata", "(signal_handler)")
"""Nautobot's wrapper of some signal receivers (an interface's tagged VLANs), which walks ``inspect.stack()`` on
each call to return early under ``loaddata``; while a run writes, the ``inspect`` its module sees gives the stack
without reading every frame's source (``FRAME_STACK_PATCH``)."""

MODEL_CALLS = (
    Target("nautobot.ipam.models", "NamespaceParentedModelMixin", "_snapshot_tracked_fields", "(self)"),
    Target("nautobot.ipam.models", "NamespaceParentedModelMixin", "_get_closest_parent", "(self, host)"),
    Target("nautobot.ipam.models", "IPAddress", "_deconstruct_address", "(self, address)"),
)
"""Private methods of Nautobot's models that the bulk path calls where their ``save()`` or ``clean()`` would
(``contrib.bulk.reproduced``, ``contrib.bulk.cleans``)."""

CLEAN_TARGETS = (
    Target("nautobot.dcim.models.device_components", "ModularComponentModel", "clean", "(self)"),
    Target("nautobot.ipam.models", "IPAddress", "clean", "(self)"),
    Target("nautobot.ipam.models", "Prefix", "get_parent", "(self)"),
)
"""Methods of ``clean()`` replaced while a bulk run validates (``contrib.bulk.cleans``): the replacements answer some
of their queries from the run, on the validating thread only."""

EVERY_TARGET = (
    *MEMOIZED_LOOKUPS,
    *CACHE_METHODS,
    *SERIALIZER_OVERRIDES,
    *PRIVATE_CALLS,
    *SNAPSHOT_TARGETS,
    *DELETION_TARGETS,
    LOADDATA_CHECK,
    *MODEL_CALLS,
    *CLEAN_TARGETS,
)
"""Every function the fast paths replace, override or call privately."""


class ProcessPatch:
    """Functions replaced in their class or module while at least one ``active()`` block runs, on any thread.

    ``wrap`` makes the replacement of each function from the original; the replacement must behave as the original
    on a thread that is not writing a run (``LookupMemo`` answers from memory only on a thread where a memo is
    active), so that a concurrent thread not in a run sees the original behaviour. The blocks nest and may overlap
    across threads: the first to start replaces the functions, the last to end puts the originals back. On a
    Nautobot outside ``TESTED_NAUTOBOT`` nothing is replaced.
    """

    def __init__(self, targets: Sequence[Target], wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
        """Replace ``targets`` with what ``wrap`` makes of them, while active."""
        self.targets = tuple(targets)
        self.wrap = wrap
        self.installed: list[tuple[object, str, Callable[..., Any], Callable[..., Any]]] = []
        self._users = 0
        self._lock = threading.Lock()

    @contextmanager
    def active(self) -> Iterator[None]:
        """Keep the functions replaced inside the block."""
        with self._lock:
            if not self._users and internals_unsupported() is None:
                self._install()
            self._users += 1
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if not self._users:
                    self._restore()

    def _install(self) -> None:
        for target in self.targets:
            try:
                holder = target.holder()
            except (ImportError, LookupError):
                continue
            original = vars(holder).get(target.name)
            if original is not None:
                replacement = self.wrap(original)
                setattr(holder, target.name, replacement)
                self.installed.append((holder, target.name, original, replacement))

    def _restore(self) -> None:
        """Put the originals back (a name replaced again by someone else meanwhile is left as it is)."""
        for holder, name, original, replacement in reversed(self.installed):
            if vars(holder).get(name) is replacement:
                setattr(holder, name, original)
        self.installed = []


@contextmanager
def replaced_methods(obj: object, replacements: Mapping[str, Callable[..., Any]]) -> Iterator[None]:
    """Replace methods of one object (not of its class) inside the block; put back what it held after.

    Used on the current thread's cache object (Django keeps one per thread, so other threads are not affected).
    On a Nautobot outside ``TESTED_NAUTOBOT`` nothing is replaced.
    """
    if internals_unsupported() is not None:
        yield
        return
    held = {name: vars(obj).get(name, _NOTHING) for name in replacements}
    vars(obj).update(replacements)
    try:
        yield
    finally:
        for name, previous in held.items():
            if previous is _NOTHING:
                vars(obj).pop(name, None)
            else:
                vars(obj)[name] = previous


def override(obj: object, name: str, replacement: Any) -> None:
    """Override attribute ``name`` of a serializer or serializer field made for one batch (``SERIALIZER_OVERRIDES``)."""
    setattr(obj, name, replacement)


def serialize_next(serializer: Serializer, objects: Sequence[Model]) -> None:
    """Point a list serializer at the next ``objects`` to serialize (its output of earlier ones is dropped)."""
    serializer.instance = objects
    serializer.__dict__.pop("_data", None)


def take_output(serializer: Serializer) -> list[Any]:
    """Return a list serializer's output, which the serializer then no longer holds (its ``_data``).

    A serializer and its fields refer to each other, so only the garbage collector frees them, and the bulk path
    pauses it while it writes: without this, the output of every batch would stay in memory until the run ends.
    """
    data = list(serializer.data)
    serializer.__dict__.pop("_data", None)
    return data


def raw_delete(queryset: QuerySet) -> int:
    """Delete the rows of ``queryset`` with one statement: no signals, no cascades, no collector."""
    return queryset._raw_delete(queryset.db)


def prefetch_query(objects: Sequence[Model], name: str) -> tuple[QuerySet, Callable, Callable, str]:
    """Return what ``prefetch_related`` reads for relation ``name`` of ``objects`` (all of one model).

    The related objects' queryset, how to read the owner key of a related object and of an owner, and the name of
    the prefetch cache.
    """
    prefetcher = get_prefetcher(objects[0], name, name)[0]
    queryset, related_key, owner_key, _, cache_name, _ = prefetcher.get_prefetch_querysets(list(objects))
    return queryset, related_key, owner_key, cache_name


def custom_field_data(data: dict[str, Any]) -> dict[str, Any]:
    """Return (and remove) the custom field data of a serialized object's fields, as ``serialize_object`` reads it."""
    return dict(data.pop("_custom_field_data"))


def has_custom_field_data(obj: Model) -> bool:
    """Whether ``obj`` has custom field data (the private field ``serialize_object`` reads)."""
    return hasattr(obj, "_custom_field_data")


def tags_set_on(obj: Model) -> list[Any]:
    """Return the tags set on an unsaved ``obj`` (which ``serialize_object`` prefers to the stored ones)."""
    return getattr(obj, "_tags", None) or []


class Readable(Protocol):
    """What ``copy_expert`` reads the rows of a ``COPY`` from."""

    def read(self, size: int = -1) -> str:
        """Return the next text (empty at the end)."""


def can_copy(cursor: Any) -> bool:
    """Whether the database driver under Django's ``cursor`` has psycopg2's ``copy_expert``."""
    return hasattr(getattr(cursor, "cursor", cursor), "copy_expert")


def copy_from(connection: Any, cursor: Any, statement: str, rows: Readable) -> None:
    """Run a ``COPY ... FROM STDIN`` of ``rows`` (read until empty) on the driver's cursor, as Django runs a statement.

    Through the connection's ``execute_wrapper`` hooks, with driver errors turned into Django's (``DatabaseError``).
    """
    raw = getattr(cursor, "cursor", cursor)

    def execute(sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        with connection.wrap_database_errors:
            return raw.copy_expert(sql, rows)

    for wrapper in reversed(connection.execute_wrappers):
        execute = partial(wrapper, execute)
    execute(statement, None, False, {"connection": connection, "cursor": cursor})


def prefetched_relation(obj: Model, cache_name: str) -> QuerySet | None:
    """Return what ``prefetch_related`` left on ``obj`` for relation ``cache_name``, if anything."""
    return obj.__dict__.get("_prefetched_objects_cache", {}).get(cache_name)


def descendants_key_pattern(model: type[Model]) -> str:
    """The pattern of the keys under which Nautobot caches the descendants of each object of a tree ``model``."""
    return f"nautobot.{model._meta.concrete_model._meta.label_lower}.*.cacheable_descendants_pks*"


def parent_display_key(display_key: str, obj: Model) -> str:
    """The cache key of the ``display`` of the parent of tree object ``obj``, from the key of its own ``display``."""
    return display_key.replace(str(obj.pk), str(obj.parent_id))


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


def snapshot_tracked_fields(obj: Model) -> None:
    """Make an IP address (or range) remember its saved parent and hosts, as its ``save()`` does after writing."""
    obj._snapshot_tracked_fields()


def finds_closest_parent(obj: Model) -> bool:
    """Whether ``clean()`` of ``obj`` looks up its parent prefix with ``_get_closest_parent`` (an IP address)."""
    from nautobot.ipam.models import NamespaceParentedModelMixin  # noqa: PLC0415  (models load after apps)

    return isinstance(obj, NamespaceParentedModelMixin)


def parent_hosts(obj: Model) -> list[Any]:
    """The hosts whose closest parent prefix ``clean()`` of an IP address (or range) looks up, in its fields' form."""
    return [getattr(obj, name) for name in obj._change_tracked_host_fields]


def namespace_of(obj: Model) -> Model:
    """The namespace an IP address's ``clean()`` looks its parent up in (``_namespace``)."""
    return obj._namespace


def seed_closest_parent(obj: Model, namespace_pk: Any, host: str, parent: Model) -> None:
    """Make ``_get_closest_parent(host)`` of an IP address answer ``parent`` without a query (its memo)."""
    obj._closest_parent_cache[(namespace_pk, host)] = parent


def closest_parent(obj: Model) -> Model | None:
    """The closest parent prefix ``clean()`` of an IP address finds for its host (``_get_closest_parent``).

    Raises:
        ValidationError: No prefix of the namespace holds the host.
    """
    return obj._get_closest_parent(obj.host)


def snapshot_prefix(obj: Model) -> None:
    """Make a prefix remember its saved network, namespace and parent, as its ``save()`` does after writing."""
    for name in ("network", "broadcast", "prefix_length", "ip_version", "namespace_id", "parent_id"):
        setattr(obj, f"_{name}", getattr(obj, name))
    obj._cleaned = False


def deconstruct_address(obj: Model) -> None:
    """Set an IP address's host, mask length and version from its address, as its ``clean()`` does first."""
    obj._deconstruct_address(obj.address)


def stored_host(obj: Model) -> Any:
    """The host an IP address had when read from the database (``clean()`` refuses a changed one)."""
    return obj._host


def forget_provided_namespace(obj: Model) -> None:
    """Drop the namespace an IP address was given, once its parent says it (``clean()`` does the same)."""
    obj._namespace = None


def live_receivers(signal: Signal, sender: type[Model]) -> list[Any]:
    """Return the receivers ``signal`` calls when ``sender`` sends it."""
    live = signal._live_receivers(sender)
    return list(live[0] if isinstance(live, tuple) else live)


@contextmanager
def prefetched(objects: Sequence[Model], lookups: Sequence[str]) -> Iterator[None]:
    """Prefetch ``lookups`` on ``objects`` (all of one model) for the block, then drop what was prefetched.

    A relation the objects hold prefetched already (their to-many fields, attached just before serializing) is
    left as it is, and read further from what it holds (the interfaces of an interface's addresses). Afterwards
    the objects hold nothing of what the block prefetched, so that a later read (their next save, their next
    serialization) sees the database.
    """
    held = set(objects[0].__dict__.get("_prefetched_objects_cache", ())) if objects else set()
    wanted = [lookup for lookup in lookups if lookup not in held]
    try:
        prefetch_related_objects(list(objects), *wanted)
        yield
    finally:
        forget_prefetched(objects, {lookup.split("__", 1)[0] for lookup in wanted} - held)


def forget_prefetched(objects: Sequence[Model], names: set[str]) -> None:
    """Drop the prefetched relations ``names`` (by prefetch cache name) from ``objects``.

    An object left with no prefetched relation loses its (emptied) prefetch cache too, as a fresh instance has
    none: an emptied dictionary keeps its table, which the change context would hold until the run ends.
    """
    for obj in objects:
        cache = obj.__dict__.get("_prefetched_objects_cache")
        if cache:
            for name in names:
                cache.pop(name, None)
            if not cache:
                del obj.__dict__["_prefetched_objects_cache"]


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


def is_deferred(record: Model, name: str) -> bool:
    """Whether the field ``name`` of ``record`` was left out of the query that read it (a read would query)."""
    return name not in record.__dict__


def answer_previous_change(record: Model, previous: Model | None) -> None:
    """Make ``record.get_prev_change()`` return ``previous`` without a query (for this instance only)."""
    record.get_prev_change = lambda user=None, only=None: previous


def _primed(get_snapshots: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``ObjectChange.get_snapshots`` so that it primes the record first on a thread that asked for it."""

    @wraps(get_snapshots)
    def primed(record: Model, *args: Any, **kwargs: Any) -> Any:
        prime = getattr(_priming, "prime", None)
        if prime is not None:
            prime(record)
        return get_snapshots(record, *args, **kwargs)

    return primed


SNAPSHOT_PATCH = ProcessPatch(SNAPSHOT_TARGETS[:1], _primed)
"""``ObjectChange.get_snapshots`` primed while a sync job runs (on other threads it only calls through)."""


@contextmanager
def priming_snapshots(prime: Callable[[Model], None]) -> Iterator[None]:
    """Call ``prime(record)`` before each ``ObjectChange.get_snapshots()`` made on this thread inside the block."""
    previous = getattr(_priming, "prime", None)
    _priming.prime = prime
    try:
        with SNAPSHOT_PATCH.active():
            yield
    finally:
        _priming.prime = previous


class FrameStack:
    """The ``inspect`` module as ``disable_for_loaddata``'s module sees it while a run writes.

    Every name is the module's own but ``stack()``, which gives each frame of the calling stack with its file name,
    line and function (what ``disable_for_loaddata`` reads: the file name), without the source lines that
    ``inspect.stack()`` reads from disk for every frame (about 6 ms a call, twice per interface saved).
    """

    def __init__(self, module: Any) -> None:
        """Stand for ``module`` (``inspect``)."""
        self._module = module

    def __getattr__(self, name: str) -> Any:
        """The module's own attribute ``name``."""
        return getattr(self._module, name)

    @staticmethod
    def stack(context: int = 1) -> list[tuple[Any, str, int, str, None, None]]:
        """The frames of the caller's stack, innermost first: ``(frame, filename, lineno, function, None, None)``."""
        frames = []
        frame = sys._getframe(1)
        while frame is not None:
            frames.append((frame, frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name, None, None))
            frame = frame.f_back
        return frames


FRAME_STACK_PATCH = ProcessPatch([Target(LOADDATA_CHECK.module, "", "inspect", "")], FrameStack)
"""The ``inspect`` of ``nautobot.core.signals`` replaced by a ``FrameStack`` while a run writes (the check gives the
same answer on every thread)."""


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


def deletes_plainly(model: type[Model]) -> bool:
    """Whether deleting an object of ``model`` is Django's own ``Model.delete()``, or ``TreeModel.delete()``.

    ``TreeModel.delete()`` only drops the cached descendants of the object's ancestors before Django's delete
    (dropping every cached descendants list of the model before a batch does the same and more).
    """
    return model.delete in (Model.delete, TreeModel.delete)


def collect_deletion(model: type[Model], objects: Sequence[Model]) -> Collector:
    """Collect the deletion of ``objects`` (all of ``model``) as a queryset delete of them does: one collector.

    The collector's ``origin`` is a queryset of the objects, as a queryset delete passes it to the signals.

    Raises:
        ProtectedError: An object is protected by a reference to it (nothing was sent or deleted).
        RestrictedError: An object is restricted by a reference to it (nothing was sent or deleted).
    """
    origin = model.objects.filter(pk__in=[obj.pk for obj in objects])
    collector = Collector(using=router.db_for_write(model), origin=origin)
    collector.collect(list(objects))
    return collector


def collected(collector: Collector) -> dict[type[Model], list[Model]]:
    """Return the instances ``collector`` deletes (sending their signals), by model."""
    return {model: list(instances) for model, instances in collector.data.items()}


def refers_within(collector: Collector, model: type[Model], objects: Sequence[Model]) -> bool:
    """Whether the deletion changes an object of the batch other than by deleting it, or deletes more of ``model``.

    One object of a batch referring to another (an interface bridged to one deleted with it) would be changed by
    the other's delete before its own turn on the one-by-one path; an object of the model outside the batch (the
    child interface of one in it) would be deleted by a cascade the one-by-one path also runs, but later.
    """
    pks = {obj.pk for obj in objects}
    if {obj.pk for obj in collector.data.get(model, ())} != pks:
        return True
    for (field, _value), updates in collector.field_updates.items():
        if issubclass(model, field.model) and any(_updates_any(update, pks) for update in updates):
            return True
    return False


def _updates_any(update: QuerySet | Sequence[Model], pks: set[Any]) -> bool:
    """Whether a field update of the collector (a queryset or instances) reaches an object in ``pks``."""
    if isinstance(update, QuerySet):
        return update.filter(pk__in=pks).exists()
    return any(obj.pk in pks for obj in update)
