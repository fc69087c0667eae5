"""Nautobot's cached metadata lookups, answered from memory inside a bulk write (part of ``CacheMemo``).

Validating and serializing one object asks Nautobot for the custom fields, computed fields, relationships and
data validation rules of its model (and, for a Location, a setting), a dozen times. Each of those lookups builds
its cache keys, opens a tracing span and reads the cache: cheap once, but the largest cost left per object after
the cache reads themselves are memoized. ``LookupMemo`` answers a repeated lookup (same manager, same arguments,
a model instance counting as its model) with the result of the first one.

The lookups (``internals.MEMOIZED_LOOKUPS``) are replaced while at least one memo is active, on any thread
(``LOOKUPS``, an ``internals.ProcessPatch``), and put back when the last one ends. The replacement answers from a
memo only on a thread where one is active (``LookupMemo.active()``, inside ``CacheMemo.active()``) and calls
through everywhere else, so a thread not in a run sees Nautobot's own behaviour. The memo forgets everything
whenever a cache key is deleted (which is how Nautobot invalidates these lookups when their definitions change);
a setting changed in the meantime is seen by the next run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.db.models import Manager, Model

from nautobot_ssot.contrib.bulk import internals

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
        previous = getattr(_current, "memo", None)
        with LOOKUPS.active():
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

    Every lookup in ``internals.MEMOIZED_LOOKUPS`` that takes a model reads only ``model._meta.concrete_model``
    from it, and callers pass instances as well as classes (``CustomField.objects.get_for_model(self)`` in ``clean()``).
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

    return remembered


LOOKUPS = internals.ProcessPatch(internals.MEMOIZED_LOOKUPS, remembering)
"""Nautobot's metadata lookups, replaced by ``remembering`` ones while a memo is active on any thread."""
