"""One run at a time: a database lock per job, taken by the run itself and released when it ends or dies.

PostgreSQL session advisory locks (``pg_try_advisory_lock``) and MySQL named locks (``GET_LOCK``) are taken
atomically, so two runs that start at the same instant cannot both get it, and they belong to the run's
database connection: a worker that dies loses its connection and the database frees the lock at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

LOCK_NAMESPACE = "nautobot_ssot.run"


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (PostgreSQL advisory locks take a bigint)."""
    digest = hashlib.sha256(f"{LOCK_NAMESPACE}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _try_lock(name: str) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_key(name)])
        else:
            cursor.execute("SELECT GET_LOCK(%s, 0)", [f"{LOCK_NAMESPACE}:{lock_key(name)}"])
        return bool(cursor.fetchone()[0])


def _unlock(name: str) -> None:
    if connection.connection is None:
        return  # The connection was lost, and the lock with it.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_key(name)])
        else:
            cursor.execute("SELECT RELEASE_LOCK(%s)", [f"{LOCK_NAMESPACE}:{lock_key(name)}"])


@contextmanager
def run_lock(name: str) -> Iterator[bool]:
    """Try to take the run lock ``name`` for the duration of the block, without waiting.

    Args:
        name: What may run only once at a time (a job's class path).

    Yields:
        True when this block holds the lock; False when another run holds it (nothing is held then).
    """
    acquired = _try_lock(name)
    try:
        yield acquired
    finally:
        if acquired:
            _unlock(name)
