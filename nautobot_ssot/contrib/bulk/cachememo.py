"""An in-process memo over Django's default cache for the duration of a bulk write.

Validating and serializing one object reads the same few cache keys (custom field definitions, data validation
rules, natural key settings) from Redis every time: a network round trip per key per object, which
costs more than writing the object. Inside ``CacheMemo.active()`` a key read once is answered from memory;
anything written or deleted through the cache in the meantime updates or drops the memo, so the values seen are
the ones the cache holds. Only the current thread's cache object is touched (Django keeps one per thread), and
only while the block runs: its methods (``internals.CACHE_METHODS``) are replaced on entering and put back on
leaving (``internals.replaced_methods``).

Two batch helpers cut the round trips further where a batch of objects reads and writes keys of its own (the
cached ``display`` of tree models): ``preload`` reads many keys with one ``get_many`` (and remembers which are
absent), and inside ``deferring()`` plain ``set`` calls are answered by the memo at once and sent to the cache
with one ``set_many`` per timeout when the block ends (or before any other write, to keep their order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import caches

from nautobot_ssot.contrib.bulk import internals
from nautobot_ssot.contrib.bulk.lookupmemo import LookupMemo

_MISSING = object()
DEFERRABLE = {"timeout", "version"}
"""Keyword arguments of a ``set`` that ``deferring()`` may send later with ``set_many``."""
PRECISE = ("get", "set", "set_many", "delete", "delete_many")
"""Cache methods the memo follows key by key; any other write (``delete_pattern``, ``clear``...) empties it."""
_ABSENT = object()
"""Memo value of a key read (by ``preload``) and found absent from the cache."""
WRAPPED = tuple(method.name for method in internals.CACHE_METHODS if method.name != "get_many")
"""Cache methods the memo replaces on the current thread's cache object (``internals.CACHE_METHODS``)."""


@dataclass
class CacheMemo:
    """Answers ``get`` from memory after the first read; writes go through and keep the memo in step.

    The values are kept between ``active()`` blocks, so one memo serves a whole run.

    Attributes:
        values: Values read or written, per (key, version).
        lookups: Nautobot's metadata lookups answered from memory in the block (forgotten with any deleted key).
    """

    values: dict[Any, Any] = field(default_factory=dict)
    lookups: LookupMemo = field(default_factory=LookupMemo)
    _deferred: dict[tuple[Any, Any], dict[Any, Any]] | None = None
    _set_many: Callable[..., Any] | None = None

    @contextmanager
    def active(self) -> Iterator[CacheMemo]:
        """Put the memo in front of the current thread's default cache inside the block (nesting is fine)."""
        backend = caches["default"]
        if getattr(backend.get, "_ssot_memo", None) is self:
            yield self
            return
        original = {name: getattr(backend, name) for name in WRAPPED if hasattr(backend, name)}
        self._set_many = original.get("set_many")
        try:
            with internals.replaced_methods(backend, self._replacements(original)), self.lookups.active():
                yield self
        finally:
            self.send_deferred()
            self._set_many = None

    def _replacements(self, original: dict[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
        """The memo's replacement of each method in ``original`` (the cache object's own methods)."""
        replacements = {"get": self._getter(original["get"]), "set": self._setter(original["set"])}
        if "set_many" in original:
            replacements["set_many"] = self._many_setter(original["set_many"])
        for name in ("delete", "delete_many"):
            if name in original:
                replacements[name] = self._deleter(original[name], many=name == "delete_many")
        for name, method in original.items():
            if name not in PRECISE:
                replacements[name] = self._forgetter(method)
        return replacements

    @staticmethod
    def current() -> CacheMemo | None:
        """Return the memo active on the current thread's default cache, if any."""
        return getattr(caches["default"].get, "_ssot_memo", None)

    def preload(self, keys: list[Any], version: Any = None) -> None:
        """Read the keys the memo does not know yet with one ``get_many``; remember the absent ones as absent."""
        wanted = [key for key in dict.fromkeys(keys) if (key, version) not in self.values]
        if not wanted:
            return
        found = caches["default"].get_many(wanted, version=version)
        for key in wanted:
            self.values[(key, version)] = found.get(key, _ABSENT)

    def forget(self, keys: list[Any], version: Any = None) -> None:
        """Drop what the memo holds of ``keys`` (a later read asks the cache again); deferred writes are kept."""
        for key in keys:
            self.values.pop((key, version), None)

    @contextmanager
    def deferring(self) -> Iterator[None]:
        """Inside the block, send plain ``set`` calls to the cache in one ``set_many`` per timeout at the end."""
        if self._deferred is not None:
            yield
            return
        self._deferred = {}
        try:
            yield
        finally:
            self.send_deferred()
            self._deferred = None

    def send_deferred(self) -> None:
        """Send the deferred writes now."""
        deferred = self._deferred
        if not deferred:
            return
        self._deferred = {}
        set_many = self._set_many or caches["default"].set_many
        for (timeout, version), values in deferred.items():
            set_many(values, timeout=timeout, version=version)

    def _getter(self, read: Callable[..., Any]) -> Callable[..., Any]:
        def get(key: Any, default: Any = None, version: Any = None) -> Any:
            value = self.values.get((key, version), _MISSING)
            if value is _MISSING:
                value = read(key, _MISSING, version=version)
                if value is _MISSING:
                    return default
                self.values[(key, version)] = value
            return default if value is _ABSENT else value

        get._ssot_memo = self
        return get

    def _setter(self, write: Callable[..., Any]) -> Callable[..., Any]:
        def set_(key: Any, value: Any, *args: Any, **kwargs: Any) -> Any:
            if self._deferred is not None and not args and "timeout" in kwargs and kwargs.keys() <= DEFERRABLE:
                self._deferred.setdefault((kwargs["timeout"], kwargs.get("version")), {})[key] = value
                self.values[(key, kwargs.get("version"))] = value
                return True
            self.send_deferred()
            result = write(key, value, *args, **kwargs)
            self.values[(key, kwargs.get("version"))] = value
            return result

        return set_

    def _many_setter(self, write: Callable[..., Any]) -> Callable[..., Any]:
        def set_many(data: dict[Any, Any], *args: Any, **kwargs: Any) -> Any:
            self.send_deferred()
            result = write(data, *args, **kwargs)
            version = kwargs.get("version", args[1] if len(args) > 1 else None)
            failed = set(result or ())
            for key, value in data.items():
                if key in failed:
                    self.values.pop((key, version), None)
                else:
                    self.values[(key, version)] = value
            return result

        return set_many

    def _deleter(self, method: Callable[..., Any], many: bool) -> Callable[..., Any]:
        def delete(keys: Any, *args: Any, **kwargs: Any) -> Any:
            self.send_deferred()
            self.lookups.clear()
            keys = list(keys) if many else keys
            if len(args) > 1 or kwargs.keys() - {"version"}:
                self.values.clear()
            version = kwargs.get("version", args[0] if args else None)
            for key in keys if many else (keys,):
                self.values.pop((key, version), None)
            return method(keys, *args, **kwargs)

        return delete

    def _forgetter(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def forget(*args: Any, **kwargs: Any) -> Any:
            self.send_deferred()
            self.values.clear()
            self.lookups.clear()
            return method(*args, **kwargs)

        return forget
