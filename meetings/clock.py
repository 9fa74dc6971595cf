"""The database's clock: the one time every host and worker agrees on.

Leases, token leases and job heartbeats are compared across processes on several hosts; a host whose
clock runs ahead would take a lease that is still live, one behind would keep a dead one. So they are
written and compared with the database's time (`Now()` in a statement, or `database_now()` when the
value must also be known to the caller), never a host's `timezone.now()`, which stays for what one host
alone decides (how long it waits, what a page shows).
"""

from __future__ import annotations

import datetime

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import DateTimeField, ExpressionWrapper, Value
from django.db.models.functions import Now
from django.db.models.sql import Query


def database_now(using: str = DEFAULT_DB_ALIAS) -> datetime.datetime:
    """The database's current time (aware, UTC), read with one SELECT.

    For a lease whose end the caller must know (to release only its own): written as a value from here,
    compared in the same UPDATE with a value from here. Between this read and that UPDATE lie
    milliseconds, which make a claim more careful (an older "now") and a lease that much shorter.
    """
    connection = connections[using]
    now = Now()
    sql, params = Query(None).get_compiler(using).compile(now)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        (value,) = cursor.fetchone()
    for converter in connection.ops.get_db_converters(now):
        value = converter(value, now, connection)
    if value.tzinfo is None:  # SQLite stores and answers UTC without an offset
        value = value.replace(tzinfo=datetime.UTC)
    return value.astimezone(datetime.UTC)


def database_now_plus(delta: datetime.timedelta) -> ExpressionWrapper:
    """The database's clock plus `delta`, inside an UPDATE or a filter (a heartbeat, a lease's end)."""
    return ExpressionWrapper(Now() + Value(delta), output_field=DateTimeField())
