"""The database's clock: the one time every host and worker agrees on.

Leases, token leases and job heartbeats are compared across processes on several hosts; a host whose
clock runs ahead would take a lease that is still live, one behind would keep a dead one. So they are
written and compared with the database's time (`Now()` in a statement; `set_to_now_plus()` when the
caller must also know the value it wrote, `database_now()` when it must know it first), never a host's
`timezone.now()`, which stays for what one host alone decides (how long it waits, what a page shows).
"""

from __future__ import annotations

import datetime

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import DateTimeField, ExpressionWrapper, QuerySet, Value
from django.db.models.functions import Now
from django.db.models.sql import Query, UpdateQuery


def database_now(using: str = DEFAULT_DB_ALIAS) -> datetime.datetime:
    """The database's current time (aware, UTC), read with one SELECT.

    For a time the caller computes with before writing it (when to check a save, a token lease), written
    and compared as values from here. Between this read and the write lie milliseconds, which make a claim
    more careful (an older "now") and a lease that much shorter.
    """
    connection = connections[using]
    now = Now()
    sql, params = Query(None).get_compiler(using).compile(now)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        (value,) = cursor.fetchone()
    return _as_utc(value, now, using)


def database_now_plus(delta: datetime.timedelta) -> ExpressionWrapper:
    """The database's clock plus `delta`, inside an UPDATE or a filter (a heartbeat, a lease's end)."""
    return ExpressionWrapper(Now() + Value(delta), output_field=DateTimeField())


def set_to_now_plus(rows: QuerySet, field: str, delta: datetime.timedelta) -> datetime.datetime | None:
    """`rows.update(**{field: database_now_plus(delta)})` for one row, answering the value it wrote (aware,
    UTC), or None when no row matched -- in one statement (UPDATE ... RETURNING, which PostgreSQL and SQLite
    3.35+ have; Django's update() answers only how many rows).

    For a lease whose end the holder must know (to release only its own) without reading the database's
    clock first: the filter of `rows` compares with `Now()` in the same statement.
    """
    query = rows.query.chain(UpdateQuery)
    value = database_now_plus(delta)
    query.add_update_values({field: value})
    sql, params = query.get_compiler(rows.db).as_sql()
    connection = connections[rows.db]
    column = connection.ops.quote_name(rows.model._meta.get_field(field).column)
    with transaction.mark_for_rollback_on_error(using=rows.db), connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {column}", params)
        row = cursor.fetchone()
    return None if row is None else _as_utc(row[0], value, rows.db)


def _as_utc(value, expression, using: str) -> datetime.datetime:
    """A datetime as the database answered `expression`, aware in UTC."""
    connection = connections[using]
    for converter in connection.ops.get_db_converters(expression):
        value = converter(value, expression, connection)
    if value.tzinfo is None:  # SQLite stores and answers UTC without an offset
        value = value.replace(tzinfo=datetime.UTC)
    return value.astimezone(datetime.UTC)
