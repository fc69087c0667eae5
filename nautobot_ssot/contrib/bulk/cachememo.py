"""An in-process memo over Django's default cache for the duration of a bulk write.

Validating and serializing one object reads the same few cache keys (custom field definitions, data validation
rules, natural key settings) from Redis every time: a network round trip per key per object, which
costs more than writing the object. Inside ``CacheMemo.active()`` a key read once is answered from memory;
anything written or deleted through the cache in the meantime updates or drops the memo, so the values seen are
the ones the cache holds. Only the current thread's cache object is touched, and only while the block runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import caches

_MISSING = object()
_WRAPPED = (
    "get",
    "set",
    "add",
    "get_or_set",
    "delete",
    "delete_pattern",
    "delete_many",
    "set_many",
    "incr",
    "decr",
    "touch",
    "clear",
)


@dataclass
class CacheMemo:
    """Answers ``get`` from memory after the first read; writes go through and keep the memo in step.

    The values are kept between ``active()`` blocks, so one memo serves a whole run.

    Attributes:
        values: Values read or written, per (key, version).
    """

    values: dict[Any, Any] = field(default_factory=dict)

    @contextmanager
    def active(self) -> Iterator[CacheMemo]:
        """Put the memo in front of the current thread's default cache inside the block (nesting is fine)."""
        backend = caches["default"]
        if getattr(backend.get, "_ssot_memo", None) is self:
            yield self
            return
        original = {name: getattr(backend, name) for name in _WRAPPED if hasattr(backend, name)}
        backend.get = self._getter(original["get"])
        backend.set = self._setter(original["set"])
        for name, method in original.items():
            if name not in ("get", "set"):
                setattr(backend, name, self._forgetter(method))
        try:
            yield self
        finally:
            for name in original:
                backend.__dict__.pop(name, None)

    def _getter(self, read: Callable[..., Any]) -> Callable[..., Any]:
        def get(key: Any, default: Any = None, version: Any = None) -> Any:
            value = self.values.get((key, version), _MISSING)
            if value is _MISSING:
                value = read(key, _MISSING, version=version)
                if value is _MISSING:
                    return default
                self.values[(key, version)] = value
            return value

        get._ssot_memo = self
        return get

    def _setter(self, write: Callable[..., Any]) -> Callable[..., Any]:
        def set_(key: Any, value: Any, *args: Any, **kwargs: Any) -> Any:
            result = write(key, value, *args, **kwargs)
            self.values[(key, kwargs.get("version"))] = value
            return result

        return set_

    def _forgetter(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def forget(*args: Any, **kwargs: Any) -> Any:
            self.values.clear()
            return method(*args, **kwargs)

        return forget
