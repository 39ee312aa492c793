"""Inserting many new rows fast: PostgreSQL's COPY, or one executemany elsewhere.

For the demo district at a province's scale (a million cases) and the benchmarks: Django's
`bulk_create` spends most of its time building one statement per batch in Python.
Rows go in exactly as `save()` would write them (field defaults, auto_now, database
preparation of each value); primary keys are set on the objects only when asked for.

Every large write shares the helpers below: `copy_rows` (the one COPY writer, for this module
and the importer) and `in_batches` (IN look-ups within the databases' parameter limits).
"""

import csv
import io
import itertools

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
        with connection.cursor() as cursor:
            copy_rows(
                cursor.cursor, model._meta.db_table, columns, rows, texts=text_columns(fields)
            )
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


class _CsvStream:
    """What COPY reads: the rows formatted as CSV a chunk at a time, as the server asks for
    them, so that the database inserts one chunk while Python formats the next (instead of
    waiting for the whole file to be formatted first). An empty unquoted field is NULL."""

    CHUNK = 2000  # rows

    def __init__(self, rows):
        self.rows = iter(rows)
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\n")

    def read(self, size=-1):
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerows(itertools.islice(self.rows, self.CHUNK))
        return self.buffer.getvalue()

    readline = read


def copy_rows(cursor, table, columns, rows, *, texts=()):
    """COPY `rows` (tuples in the order of `columns`) into `table` (PostgreSQL), as CSV. An
    empty field is NULL, except in the `texts` columns, where it is the empty string."""
    options = "FORMAT csv"
    if texts:
        options += f", FORCE_NOT_NULL ({', '.join(texts)})"
    # copy_expert is not among the methods Django wraps: a unique violation must still be an
    # IntegrityError (the importer retries it).
    with connection.wrap_database_errors:
        cursor.copy_expert(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH ({options})", _CsvStream(rows)
        )


def text_columns(fields):
    """The columns of `fields` that hold text and are never NULL: for `copy_rows(texts=)`."""
    return [f.column for f in fields if f.empty_strings_allowed and not f.null]


def in_batches(values, size=5000):
    """`values` in lists of at most `size`: for IN (...) look-ups that stay under the
    databases' limits on parameters."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


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
