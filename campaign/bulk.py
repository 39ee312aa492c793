"""Inserting many new rows fast: PostgreSQL's COPY, or one executemany elsewhere.

For the demo district at a province's scale (a million cases) and the benchmarks: Django's
`bulk_create` spends most of its time building one statement per batch in Python.
Rows go in exactly as `save()` would write them (field defaults, auto_now, database
preparation of each value); primary keys are set on the objects only when asked for.
"""

import datetime
import io

from django.db import connection

CHUNK = 50_000


def insert_objects(objects, *, with_pks=False):
    """Insert unsaved model instances of one model; returns how many were written. With
    `with_pks`, each object gets its primary key (on PostgreSQL reserved from the table's
    sequence before the COPY, which returns none)."""
    objects = list(objects)
    if not objects:
        return 0
    model = type(objects[0])
    if with_pks and connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=1000)  # sets the keys where it can
        return len(objects)
    if with_pks:
        for obj, pk in zip(objects, reserve_ids(model._meta.db_table, len(objects))):
            obj.pk = pk
    fields = [
        f
        for f in model._meta.concrete_fields
        if (with_pks or not f.primary_key) and not getattr(f, "generated", False)
    ]
    rows = (
        [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
        for obj in objects
    )
    columns = [f.column for f in fields]
    if connection.vendor == "postgresql":
        _copy(model._meta.db_table, columns, rows)
    else:
        _executemany(model._meta.db_table, columns, rows)
    return len(objects)


def reserve_ids(table, count):
    """`count` new primary keys from `table`'s id sequence (PostgreSQL), in increasing order:
    rows COPYed with them need no look-up of their ids afterwards."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (sequence,) = cursor.fetchone()
        cursor.execute(
            "SELECT array_agg(n ORDER BY n) FROM (SELECT nextval(%s::regclass) AS n"
            " FROM generate_series(1, %s)) AS reserved",
            [sequence, count],
        )
        (ids,) = cursor.fetchone()
    return ids


def _copy_text(value):
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def _copy(table, columns, rows):
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        buffer, count = io.StringIO(), 0

        def flush():
            buffer.seek(0)
            # A constraint violation must still be Django's IntegrityError (copy_expert is not
            # among the cursor methods Django wraps).
            with connection.wrap_database_errors:
                raw.copy_expert(
                    f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN", buffer
                )
            buffer.seek(0)
            buffer.truncate()

        for row in rows:
            buffer.write("\t".join([_copy_text(v) for v in row]))
            buffer.write("\n")
            count += 1
            if count % CHUNK == 0:
                flush()
        if buffer.tell():
            flush()


def _executemany(table, columns, rows):
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {connection.ops.quote_name(table)} ({names}) VALUES ({marks})"
    with connection.cursor() as cursor:
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) >= CHUNK:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)
