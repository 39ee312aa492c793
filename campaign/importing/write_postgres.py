"""The fast writer of residents and cases, on PostgreSQL: COPY of what is new, a temporary
table and one INSERT ... ON CONFLICT DO UPDATE for the rest.
"""

import operator

from django.db import connection

from units.normalize import (
    fold,
)

from ..bulk import copy_rows, reserve_ids, text_columns
from ..models import Case, Resident
from .write import FOLDED_NAME, RESIDENT_COLUMNS, RULE_INPUTS

RESIDENT_TEXTS = (
    *text_columns(Resident._meta.get_field(name) for name in RESIDENT_COLUMNS),
    FOLDED_NAME,
)
_resident_columns = operator.attrgetter(*RESIDENT_COLUMNS)


def _resident_values(records):
    """Each record's RESIDENT_COLUMNS and its folded name, for COPY (None in a text column
    is written as the empty string: see RESIDENT_TEXTS)."""
    folded = {}  # names repeat a lot: fold each once
    for r in records:
        name = r.full_name
        search = folded.get(name)
        if search is None:
            search = folded[name] = fold(name)
        yield (*_resident_columns(r), search)


def _stamps(now, user_id):
    """created_at, updated_at, created_by_id, updated_by_id as COPY text, formatted once
    (not once a row)."""
    at, by = now.isoformat(), "" if user_id is None else str(user_id)
    return (at, at, by, by)


def _case_values(rows):
    for resident, member, c in rows:
        yield (
            resident,
            member,
            c.eid_level,
            c.activated_on,
            c.portal_used,
            bool(c.id_card_application),
            c.guided_on,
            c.place,
            c.note,
            c.activity_id,
        )


def _temporary_table(cursor, name, table, columns):
    """A temporary table `name` with `columns` of `table`, their types taken from it (none
    restated here), dropped at the end of the transaction."""
    cursor.execute(
        f"CREATE TEMPORARY TABLE {name} ON COMMIT DROP AS"
        f" SELECT {', '.join(columns)} FROM {table} WITH NO DATA"
    )


class PostgresWriter:
    """The fast path. What the plan found new (residents not in the database, and their
    cases) is COPYed straight into its table with its rule inputs, the residents' ids
    reserved from their sequence first. The other residents and cases go through a temporary
    table and one INSERT ... SELECT ... ON CONFLICT DO UPDATE, then their rule inputs are
    refreshed. Rows in a stable order (ID number; resident, member) so that concurrent
    imports lock them in the same order. If another import created one of the "new"
    residents meanwhile, the COPY waits for it and then fails on the unique ID number (an
    IntegrityError): import_workbook plans again, sees the resident, and takes the ON
    CONFLICT path."""

    @staticmethod
    def residents(records, user, now, inputs):
        if not records:
            return {}
        table = Resident._meta.db_table
        user_id = user.pk if user else None
        new = sorted((r for r in records if inputs.is_new(r.id_number)), key=lambda r: r.id_number)
        changed = [r for r in records if not inputs.is_new(r.id_number)]
        found = {}
        with connection.cursor() as cursor:
            if new:
                ids = reserve_ids(table, len(new))
                stamps = _stamps(now, user_id)
                copy_rows(
                    cursor,
                    table,
                    (
                        "id",
                        *RESIDENT_COLUMNS,
                        FOLDED_NAME,
                        "on_roster",
                        "created_at",
                        "updated_at",
                        "created_by_id",
                        "updated_by_id",
                    ),
                    (
                        (pk, *values, inputs.on_roster(values[0]), *stamps)
                        for pk, values in zip(ids, _resident_values(new))
                    ),
                    texts=RESIDENT_TEXTS,
                )
                found.update(zip((r.id_number for r in new), ids))
            if changed:
                found.update(PostgresWriter._upsert_residents(cursor, table, changed, user_id, now))
        return found

    @staticmethod
    def _upsert_residents(cursor, table, records, user_id, now):
        _temporary_table(cursor, "import_resident", table, (*RESIDENT_COLUMNS, FOLDED_NAME))
        copy_rows(
            cursor,
            "import_resident",
            (*RESIDENT_COLUMNS, FOLDED_NAME),
            _resident_values(records),
            texts=RESIDENT_TEXTS,
        )
        columns = ", ".join((*RESIDENT_COLUMNS, FOLDED_NAME))
        updates = ", ".join(
            f"{c} = EXCLUDED.{c}"
            for c in (*RESIDENT_COLUMNS[1:], FOLDED_NAME, "updated_at", "updated_by_id")
        )
        cursor.execute(
            f"INSERT INTO {table} ({columns}, on_roster,"
            " created_at, updated_at, created_by_id, updated_by_id)"
            f" SELECT {columns}, false, %s, %s, %s, %s FROM import_resident ORDER BY id_number"
            f" ON CONFLICT (id_number) DO UPDATE SET {updates} RETURNING id_number, id",
            [now, now, user_id, user_id],
        )
        found = dict(cursor.fetchall())
        cursor.execute("DROP TABLE import_resident")
        return found

    @staticmethod
    def cases(campaign, rows, user, now, inputs):
        if not rows:
            return
        table = Case._meta.db_table
        user_id = user.pk if user else None
        columns = ("resident_id", "member_id", *Case.DETAILS)
        new = sorted(
            (row for row in rows if inputs.is_new(row[2].id_number)), key=lambda row: row[:2]
        )
        others = [row for row in rows if not inputs.is_new(row[2].id_number)]
        with connection.cursor() as cursor:
            if new:
                head, tail = (campaign.pk,), _stamps(now, user_id)
                copy_rows(
                    cursor,
                    table,
                    (
                        "campaign_id",
                        *columns,
                        *RULE_INPUTS,
                        "created_at",
                        "updated_at",
                        "created_by_id",
                        "updated_by_id",
                    ),
                    (
                        (*head, *values, *inputs.case(row[2]), *tail)
                        for row, values in zip(new, _case_values(new))
                    ),
                    texts=("place", "note"),
                )
            if others:
                PostgresWriter._upsert_cases(cursor, table, campaign, columns, others, user_id, now)

    @staticmethod
    def _upsert_cases(cursor, table, campaign, columns, rows, user_id, now):
        _temporary_table(cursor, "import_case", table, columns)
        copy_rows(cursor, "import_case", columns, _case_values(rows), texts=("place", "note"))
        names = ", ".join(columns)
        updates = ", ".join(
            f"{c} = EXCLUDED.{c}" for c in (*Case.DETAILS, "updated_at", "updated_by_id")
        )
        cursor.execute(
            f"INSERT INTO {table} (campaign_id, {names},"
            " claimants, resident_excluded, claim_awarded,"
            f" created_at, updated_at, created_by_id, updated_by_id)"
            f" SELECT %s, {names}, 1, false, false, %s, %s, %s, %s FROM import_case"
            f" ORDER BY resident_id, member_id"
            f" ON CONFLICT (campaign_id, resident_id, member_id) DO UPDATE SET {updates}",
            [campaign.pk, now, now, user_id, user_id],
        )
        cursor.execute("DROP TABLE import_case")
