"""Nautobot's cached metadata lookups, answered from memory inside a bulk write (part of ``CacheMemo``).

Validating and serializing one object asks Nautobot for the custom fields, computed fields, relationships and
data validation rules of its model (and, for a Location, a setting), a dozen times. Each of those lookups builds
its cache keys, opens a tracing span and reads the cache: cheap once, but the largest cost left per object after
the cache reads themselves are memoized. ``LookupMemo`` answers a repeated lookup (same manager, same arguments,
a model instance counting as its model) with the result of the first one. The lookups are wrapped once per
process; the wrapper answers from a memo only on a thread where one is active (``LookupMemo.active()``, inside
``CacheMemo.active()``), and calls through everywhere else. The memo forgets everything whenever a cache key is
deleted (which is how Nautobot invalidates these lookups when their definitions change); a setting changed in
the meantime is seen by the next run.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, wraps
from typing import Any

from django.db.models import Manager, Model

LOOKUPS = (
    ("nautobot.extras.models.customfields", "CustomFieldManager", "get_for_model"),
    ("nautobot.extras.models.customfields", "CustomFieldManager", "keys_for_model"),
    ("nautobot.extras.models.customfields", "ComputedFieldManager", "get_for_model"),
    ("nautobot.extras.models.relationships", "RelationshipManager", "get_for_model"),
    ("nautobot.extras.models.relationships", "RelationshipManager", "get_for_model_source"),
    ("nautobot.extras.models.relationships", "RelationshipManager", "get_for_model_destination"),
    ("nautobot.extras.models.datasources", "GitRepositoryManager", "get_for_provided_contents"),
    ("nautobot.data_validation.models", "ValidationRuleManager", "get_for_model"),
    ("nautobot.data_validation.models", "ValidationRuleManager", "get_enabled_for_model"),
    ("nautobot.data_validation.custom_validators", "", "get_data_compliance_rules_map"),
    ("nautobot.dcim.models.locations", "", "get_settings_or_config"),
    ("nautobot.ipam.models", "", "get_default_namespace"),
)
"""(module, class or "" for a module function, name) of the lookups answered from memory."""


_current = threading.local()
"""The memo active on each thread (``_current.memo``), if any."""


@dataclass
class LookupMemo:
    """Results of Nautobot's metadata lookups, per (lookup, arguments), while the memo is active on a thread.

    Attributes:
        results: The remembered results.
    """

    results: dict[Any, Any] = field(default_factory=dict)

    @contextmanager
    def active(self) -> Iterator[None]:
        """Answer the lookups from memory inside the block, on the current thread only (nesting is fine)."""
        install_wrappers()
        previous = getattr(_current, "memo", None)
        _current.memo = self
        try:
            yield
        finally:
            _current.memo = previous

    def clear(self) -> None:
        """Forget every result (a cache key was deleted, so a definition may have changed)."""
        self.results.clear()

    def answer(self, lookup: Callable[..., Any], args: tuple, kwargs: dict[str, Any]) -> Any:
        """Return the remembered result of ``lookup(*args, **kwargs)``, calling it the first time."""
        key = (lookup, tuple(map(model_key, args)), tuple(sorted(kwargs.items())) if kwargs else ())
        try:
            return self.results[key]
        except KeyError:
            result = self.results[key] = lookup(*args, **kwargs)
            return result
        except TypeError:
            return lookup(*args, **kwargs)


def model_key(argument: Any) -> Any:
    """The part of a lookup's key for one argument: a model instance or class counts as its concrete model.

    Every lookup in ``LOOKUPS`` that takes a model reads only ``model._meta.concrete_model`` from it, and
    callers pass instances as well as classes (``CustomField.objects.get_for_model(self)`` in ``clean()``).
    """
    if isinstance(argument, (str, Manager)):
        return argument
    if isinstance(argument, Model) or (isinstance(argument, type) and issubclass(argument, Model)):
        return argument._meta.concrete_model
    return argument


def remembering(lookup: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a lookup so that it asks the current thread's active memo, if there is one."""

    @wraps(lookup)
    def remembered(*args: Any, **kwargs: Any) -> Any:
        memo = getattr(_current, "memo", None)
        if memo is None:
            return lookup(*args, **kwargs)
        return memo.answer(lookup, args, kwargs)

    remembered.__ssot_lookup__ = lookup
    return remembered


@cache
def install_wrappers() -> None:
    """Wrap every lookup in ``LOOKUPS`` once per process (without an active memo they just call through)."""
    for owner, name in lookup_owners():
        original = vars(owner)[name]
        if not hasattr(original, "__ssot_lookup__"):
            setattr(owner, name, remembering(original))


def lookup_owners() -> tuple[tuple[Any, str], ...]:
    """Return the (class or module, attribute name) of every lookup in ``LOOKUPS`` that this Nautobot has."""
    owners = []
    for module_name, class_name, name in LOOKUPS:
        owner: Any = importlib.import_module(module_name)
        owner = getattr(owner, class_name, None) if class_name else owner
        if owner is not None and name in vars(owner):
            owners.append((owner, name))
    return tuple(owners)
