"""Insert rows with PostgreSQL's ``COPY ... FROM STDIN`` instead of a multi-row ``INSERT``.

Change records are large (the two JSON serializations of the object, about 4 KB per record). Sent as ``INSERT``
parameters, every value is quoted into the statement on the client and the statement parsed on the server,
which cost more than storing the rows. ``COPY`` sends the rows as tab-separated text, which the server reads
without parsing SQL; the text of each row is made as the driver reads it (``RowReader``). The values are
prepared as ``bulk_create`` prepares them (``pre_save``, then the field's
database value; JSON as the field's encoder encodes it, see ``JsonText``), so the stored rows are the same.

Only PostgreSQL with psycopg2 has it; elsewhere ``copy_rows`` returns False and the caller uses ``bulk_create``.
The statement goes through the connection's ``execute_wrapper`` hooks (so query counters that use them count
it), but not into ``connection.queries`` (``assertNumQueries`` does not see it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from functools import partial
from typing import Any

import orjson
from django.db import connections, router
from django.db.models import CharField, Field, ForeignKey, JSONField, Model, TextField, UUIDField

from nautobot_ssot.contrib.bulk import internals

PLAIN_COLUMNS = (CharField, TextField, UUIDField, ForeignKey)
"""Field classes (exactly these) whose attribute value, as text, is what an insert stores."""

NULL = "\\N"
"""How COPY's text format writes NULL."""

ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))
"""Characters COPY's text format reserves, with their escapes (the backslash first)."""


def copy_rows(model: type[Model], objects: Sequence[Model]) -> bool:
    """Insert ``objects`` (new, primary keys set) with one ``COPY``; return False when the database cannot.

    Raises:
        DatabaseError: The database refused the rows (nothing of the statement is stored).
    """
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql" or not objects:
        return False
    with connection.cursor() as cursor:
        if not internals.can_copy(cursor):
            return False
        fields = [field for field in model._meta.concrete_fields if field.column and not field.generated]
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        statement = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
        texts = [column_text(field, connection) for field in fields]
        rows = RowReader("\t".join(text(obj) for text in texts) + "\n" for obj in objects)
        internals.copy_from(connection, cursor, statement, rows)
    return True


class RowReader:
    """The rows of a ``COPY``, as a file the driver reads: each row's text is made when the driver asks for it.

    The text of a whole batch of change records (several KB per record) is never held at once.
    """

    def __init__(self, rows: Iterator[str]) -> None:
        """Read the text of ``rows``, one row after another."""
        self.rows = rows

    def read(self, size: int = -1) -> str:
        """Return the next rows (at least ``size`` characters of them, unless none are left; all when negative)."""
        taken, length = [], 0
        for row in self.rows:
            taken.append(row)
            length += len(row)
            if 0 <= size <= length:
                break
        return "".join(taken)


def column_text(field: Field, connection: Any) -> Callable[[Model], str]:
    """Return how to write the value of ``field`` of an object as COPY text.

    Text, UUID and foreign key columns (most of a change record) are written from the attribute itself, which
    is what their preparation for the database gives; JSON columns are encoded with ``JsonText``; every other
    field goes through ``copy_text``.
    """
    if type(field) in PLAIN_COLUMNS:
        attname = field.attname

        def plain(obj: Model) -> str:
            value = getattr(obj, attname)
            return NULL if value is None else escape(str(value))

        return plain
    if isinstance(field, JSONField):
        encode = JsonText(field.encoder or json.JSONEncoder)

        def json_column(obj: Model) -> str:
            prepared = field.get_prep_value(field.pre_save(obj, add=True))
            return NULL if prepared is None else escape(encode(prepared))

        return json_column
    return partial(copy_text, field, connection=connection)


class JsonText:
    """Encode values as their JSON field's encoder does (``json.dumps(value, cls=encoder)``), faster.

    The values are encoded with orjson, which hands what it does not encode itself to the encoder's
    ``default()``, as ``json`` does: dates and times are always handed over (orjson's own format differs
    from Django's), and so are model instances, lazy strings and the like. The stored JSON (``jsonb``) is the
    same; for a value orjson refuses (an integer beyond 64 bits, say), ``json.dumps`` with the encoder is used.
    """

    OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS

    def __init__(self, encoder: type[json.JSONEncoder]) -> None:
        """Encode with ``encoder``'s ``default()`` for what orjson hands over."""
        self.encoder = encoder
        self.default = encoder().default

    def __call__(self, value: Any) -> str:
        """Return ``value`` as JSON text."""
        try:
            return orjson.dumps(value, default=self.default, option=self.OPTIONS).decode()
        except orjson.JSONEncodeError:
            return json.dumps(value, cls=self.encoder)


def copy_text(field: Field, obj: Model, connection: Any) -> str:
    """Return the value of ``field`` on a new ``obj`` as COPY text, prepared as an insert prepares it."""
    value = field.pre_save(obj, add=True)
    value = field.get_db_prep_save(value, connection)
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return escape(str(value))


def escape(text: str) -> str:
    """Escape the characters COPY's text format reserves."""
    for character, replacement in ESCAPES:
        if character in text:
            text = text.replace(character, replacement)
    return text
