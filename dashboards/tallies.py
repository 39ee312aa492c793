"""Each member's case counts, kept in the same transaction as every write to the cases.

The figures of a member (and, rolled up, of a unit and the district) are counts of their
cases that meet the rules of `campaign.rules`. Every rule but one depends on the case alone
(its level and activation day, its portal use and its stored rule inputs): only the
activation window depends on the day the figures are taken on. So the cases table's triggers
(created by this app's migration, from `install_triggers` below) write, with every statement
that inserts, changes or deletes cases, COPY included, the change it makes to

- `WeekTally`: per campaign, member and week of activation, the cases, the double claims,
  and the cases that meet every other rule of the e-ID case (`eid`), of the full case
  (`eid_full`), by level;
- `DayTally`: the same rule-meeting counts per day of activation.

A member's counts for a window of activation days (the campaign's start to the day the
figures are taken on, or a period's days within it) are the sums of the whole weeks inside
the window plus the days at its edges: some 170,000 weekly rows and a few thousand daily
ones for a million cases, instead of the million cases themselves.

The triggers only append rows (never update one), so concurrent writers never wait for
each other; `fold()` merges a member's rows now and then, keeping the sums. The rules are
restated here once in SQL (`SQL_MEETS_RULES`), beside the same condition from
`campaign.rules` (`meets_rules`); the tests check that the two agree and that the figures
read from the tallies equal `campaign.results.build_results` after every write path.
"""

import datetime

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django_tasks import task

from campaign import rules
from campaign.models import Campaign, Case

from .models import DayTally, TallyFold, WeekTally

CASES = Case._meta.db_table
WEEKS = WeekTally._meta.db_table
DAYS = DayTally._meta.db_table
# The columns of a case whose change can change a tally.
WATCHED_COLUMNS = (
    "campaign_id",
    "member_id",
    "eid_level",
    "activated_on",
    "portal_used",
    "claimants",
    "resident_excluded",
    "claim_awarded",
)
# Fold a table once it holds this many rows not folded yet (by the job worker), or this
# many more (at once, by the reader: no worker is folding).
FOLD_AFTER = 5000
FOLD_INLINE_AFTER = 100_000
FOLD_ASK_AGAIN = datetime.timedelta(minutes=5)


def meets_rules():
    """A case that meets every rule of the e-ID case but its activation window."""
    return rules.is_activated() & rules.not_double_claimed() & rules.resident_not_cadre()


# The same condition in SQL, over the case's columns (`t.`).
SQL_MEETS_RULES = (
    "(t.eid_level IS NOT NULL AND t.activated_on IS NOT NULL"
    " AND (t.claimants <= 1 OR t.claim_awarded) AND NOT t.resident_excluded)"
)
SQL_COUNTS = {
    "eid": SQL_MEETS_RULES,
    "eid_full": f"{SQL_MEETS_RULES} AND t.portal_used",
    "level1": f"{SQL_MEETS_RULES} AND t.eid_level = 1",
    "level2": f"{SQL_MEETS_RULES} AND t.eid_level = 2",
}


def _week_sql(vendor, column):
    if vendor == "postgresql":
        return f"date_trunc('week', {column})::date"
    return f"date({column}, 'weekday 0', '-6 days')"  # SQLite: the Monday of that week


def _counted(condition):
    return f"SUM(CASE WHEN {condition} THEN t.s ELSE 0 END)"


def delta_selects(vendor, rows):
    """{table: (its columns, the SELECT of what `rows` change in it)}, where `rows` is a SQL
    relation of case rows with a column `s`: +1 for a row written, -1 for a row removed."""
    counts = {"cases": "SUM(t.s)", "double_claims": _counted("t.claimants > 1")}
    counts.update((name, _counted(condition)) for name, condition in SQL_COUNTS.items())
    week = _week_sql(vendor, "t.activated_on")
    nonzero = " OR ".join(f"{expression} <> 0" for expression in counts.values())
    weeks = (
        f"SELECT t.campaign_id, t.member_id, {week}, {', '.join(counts.values())}"
        f" FROM {rows} t GROUP BY t.campaign_id, t.member_id, {week} HAVING {nonzero}"
    )
    daily = {name: counts[name] for name in SQL_COUNTS}
    nonzero = " OR ".join(f"{expression} <> 0" for expression in daily.values())
    days = (
        f"SELECT t.campaign_id, t.member_id, t.activated_on, {', '.join(daily.values())}"
        f" FROM {rows} t WHERE {SQL_MEETS_RULES}"
        f" GROUP BY t.campaign_id, t.member_id, t.activated_on HAVING {nonzero}"
    )
    return {
        WEEKS: (["campaign_id", "member_id", "week", *counts], weeks),
        DAYS: (["campaign_id", "member_id", "day", *daily], days),
    }


def delta_statements(vendor, rows):
    """The two INSERTs that add to the tallies what `rows` change (see `delta_selects`)."""
    return [
        f"INSERT INTO {table} ({', '.join(columns)}) {select}"
        for table, (columns, select) in delta_selects(vendor, rows).items()
    ]


COLUMNS = ", ".join(WATCHED_COLUMNS)
ALL_CASES = f"(SELECT {COLUMNS}, 1 AS s FROM {CASES})"


def install_triggers(schema_editor):
    """The cases table's triggers: on PostgreSQL once per statement, over its transition
    tables (COPY included); on SQLite once per row."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        sources = {
            "insert": ("NEW TABLE AS new_rows", f"(SELECT {COLUMNS}, 1 AS s FROM new_rows)"),
            "delete": ("OLD TABLE AS old_rows", f"(SELECT {COLUMNS}, -1 AS s FROM old_rows)"),
            "update": (
                "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                f"(SELECT {COLUMNS}, 1 AS s FROM new_rows"
                f" UNION ALL SELECT {COLUMNS}, -1 AS s FROM old_rows)",
            ),
        }
        for event, (referencing, rows) in sources.items():
            body = ";\n".join(delta_statements(vendor, rows))
            if event == "update":
                body = _only_if_watched_changed(body)
            schema_editor.execute(
                f"CREATE OR REPLACE FUNCTION dashboards_tally_{event}() RETURNS trigger"
                f" LANGUAGE plpgsql AS $$ BEGIN {body}; RETURN NULL; END $$"
            )
            # (A trigger with transition tables cannot name columns: an UPDATE that leaves
            # the watched columns alone writes nothing, as its rows' changes cancel out.)
            schema_editor.execute(
                f"CREATE TRIGGER dashboards_tally_{event} AFTER {event.upper()}"
                f" ON {CASES} REFERENCING {referencing}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION dashboards_tally_{event}()"
            )
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION dashboards_tally_truncate() RETURNS trigger"
            f" LANGUAGE plpgsql AS $$ BEGIN DELETE FROM {WEEKS}; DELETE FROM {DAYS};"
            " RETURN NULL; END $$"
        )
        schema_editor.execute(
            f"CREATE TRIGGER dashboards_tally_truncate AFTER TRUNCATE ON {CASES}"
            " FOR EACH STATEMENT EXECUTE FUNCTION dashboards_tally_truncate()"
        )
    elif vendor == "sqlite":
        one = ", ".join(f"{{row}}.{column} AS {column}" for column in WATCHED_COLUMNS)
        sources = {
            "insert": f"(SELECT {one.format(row='NEW')}, 1 AS s)",
            "delete": f"(SELECT {one.format(row='OLD')}, -1 AS s)",
            "update": f"(SELECT {one.format(row='NEW')}, 1 AS s"
            f" UNION ALL SELECT {one.format(row='OLD')}, -1 AS s)",
        }
        for event, rows in sources.items():
            body = "; ".join(delta_statements(vendor, rows))
            columns = f" OF {', '.join(WATCHED_COLUMNS)}" if event == "update" else ""
            schema_editor.execute(
                f"CREATE TRIGGER dashboards_tally_{event} AFTER {event.upper()}{columns}"
                f" ON {CASES} FOR EACH ROW BEGIN {body}; END"
            )
    else:  # pragma: no cover - the product runs on PostgreSQL and SQLite only
        raise RuntimeError(f"tally triggers are not written for {vendor}")


def _only_if_watched_changed(body):
    """An UPDATE trigger's body run only when the statement changed a watched column of some
    row: one that rewrites other columns (the activation list's values, kept on every case by
    campaign.verification) would add rows whose changes cancel out, at the cost of grouping
    every row changed twice over. The test compares the watched columns of the rows before
    and after as two multisets (EXCEPT ALL: a sort or a hash, no join of the transition
    tables, which have no index): when they are equal, every delta is zero."""
    return (
        f"IF EXISTS (SELECT {COLUMNS} FROM new_rows EXCEPT ALL SELECT {COLUMNS} FROM old_rows)"
        f" THEN {body}; END IF"
    )


def update_function_sql(vendor="postgresql"):
    """The PostgreSQL function of the UPDATE trigger, as install_triggers writes it."""
    rows = (
        f"(SELECT {COLUMNS}, 1 AS s FROM new_rows"
        f" UNION ALL SELECT {COLUMNS}, -1 AS s FROM old_rows)"
    )
    body = _only_if_watched_changed(";\n".join(delta_statements(vendor, rows)))
    return (
        "CREATE OR REPLACE FUNCTION dashboards_tally_update() RETURNS trigger"
        f" LANGUAGE plpgsql AS $$ BEGIN {body}; RETURN NULL; END $$"
    )


def drop_triggers(schema_editor):
    vendor = schema_editor.connection.vendor
    for event in ("insert", "update", "delete", "truncate"):
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS dashboards_tally_{event} ON {CASES}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS dashboards_tally_{event}()")
        elif event != "truncate":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS dashboards_tally_{event}")


@transaction.atomic
def rebuild():
    """Every tally again from the cases (the migration's first fill, and a repair)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {WEEKS}")
        cursor.execute(f"DELETE FROM {DAYS}")
        for statement in delta_statements(connection.vendor, ALL_CASES):
            cursor.execute(statement)
        # (in SQL: the first migration of the tallies runs this before later ones change
        # the model)
        marks = TallyFold._meta.db_table
        cursor.execute(f"DELETE FROM {marks}")
        for table in (WEEKS, DAYS):
            cursor.execute(
                f'INSERT INTO {marks} ("table", folded_to) VALUES (%s, %s)',
                [table, _last_id(table)],
            )


# --- Folding ------------------------------------------------------------------------------


def _last_id(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        return cursor.fetchone()[0]


def fold_if_due():
    """Have each tally folded that holds `FOLD_AFTER` rows not folded yet (one query when
    none does): by the job worker, asked once per `FOLD_ASK_AGAIN`, while the caller reads
    on (the sums are right folded or not); here and now if it holds `FOLD_INLINE_AFTER`,
    when no worker seems to be folding. Called by the readers of many figures."""
    # The ids past the mark: an upper bound of the rows not folded, read from the index.
    marks = f'SELECT folded_to FROM {TallyFold._meta.db_table} WHERE "table" = %s'
    due = ", ".join(
        f"(SELECT COALESCE(MAX(id), 0) - COALESCE(({marks}), 0) FROM {table})"
        for table in (WEEKS, DAYS)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {due}", [WEEKS, DAYS])
        counts = cursor.fetchone()
    for table, count in zip((WEEKS, DAYS), counts):
        if count >= FOLD_INLINE_AFTER:
            fold(table)
        elif count >= FOLD_AFTER:
            _ask_worker_to_fold(table)


def _ask_worker_to_fold(table):
    now = timezone.now()
    TallyFold.objects.get_or_create(table=table)
    asked = (
        TallyFold.objects.filter(table=table)
        .filter(Q(requested_at__isnull=True) | Q(requested_at__lt=now - FOLD_ASK_AGAIN))
        .update(requested_at=now)
    )
    if asked:
        transaction.on_commit(lambda: fold_tallies.enqueue(table))


@task()
def fold_tallies(table):
    """The job worker's fold of one of the members' tallies (see `fold`)."""
    if table in (WEEKS, DAYS):
        fold(table)


def fold(table):
    """Merge the rows of every member with a change not folded yet into one row per key,
    the sums unchanged. Concurrent folds and writes are safe: a row is deleted once, by
    whoever folds it, and its counts go into that fold's merged row; a change committed
    later is a row of its own."""
    key = "week" if table == WEEKS else "day"
    counts = (
        ["cases", "double_claims", "eid", "eid_full", "level1", "level2"]
        if table == WEEKS
        else ["eid", "eid_full", "level1", "level2"]
    )
    sums = ", ".join(f"SUM({name})" for name in counts)
    nonzero = " OR ".join(f"SUM({name}) <> 0" for name in counts)
    with transaction.atomic(), connection.cursor() as cursor:
        mark, _created = TallyFold.objects.select_for_update().get_or_create(table=table)
        last = _last_id(table)
        members = f"SELECT DISTINCT campaign_id, member_id FROM {table} WHERE id > %s AND id <= %s"
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""WITH changed AS ({members}),
                    gone AS (DELETE FROM {table} f USING changed c
                             WHERE f.campaign_id = c.campaign_id AND f.member_id = c.member_id
                             RETURNING f.*)
                    INSERT INTO {table} (campaign_id, member_id, {key}, {", ".join(counts)})
                    SELECT campaign_id, member_id, {key}, {sums} FROM gone
                    GROUP BY campaign_id, member_id, {key} HAVING {nonzero}""",
                [mark.folded_to, last],
            )
        else:  # SQLite: one writer at a time
            cursor.execute(
                f"CREATE TEMP TABLE fold_rows AS SELECT * FROM {table}"
                f" WHERE (campaign_id, member_id) IN ({members})",
                [mark.folded_to, last],
            )
            cursor.execute(f"DELETE FROM {table} WHERE id IN (SELECT id FROM fold_rows)")
            cursor.execute(
                f"INSERT INTO {table} (campaign_id, member_id, {key}, {', '.join(counts)})"
                f" SELECT campaign_id, member_id, {key}, {sums} FROM fold_rows"
                f" GROUP BY campaign_id, member_id, {key} HAVING {nonzero}"
            )
            cursor.execute("DROP TABLE fold_rows")
        mark.folded_to = _last_id(table)
        mark.save(update_fields=["folded_to"])


# --- Reading ------------------------------------------------------------------------------


def _monday(day):
    return day - datetime.timedelta(days=day.weekday())


class Window:
    """The activation days `first`..`last` (inclusive): the Mondays of its whole weeks,
    `weeks_from` <= monday < `weeks_to`, and the days at its edges outside them."""

    def __init__(self, first, last):
        self.first, self.last = first, last
        self.empty = first > last
        start = _monday(first + datetime.timedelta(days=6))  # the first Monday >= first
        end = _monday(last + datetime.timedelta(days=1))  # the Monday after the last whole week
        if self.empty or start >= end:
            self.weeks_from = self.weeks_to = start
            self.edges = [] if self.empty else [(first, last)]
        else:
            self.weeks_from, self.weeks_to = start, end
            self.edges = [
                (a, b)
                for a, b in ((first, start - datetime.timedelta(days=1)), (end, last))
                if a <= b
            ]

    def whole_weeks(self):
        return Q(week__gte=self.weeks_from, week__lt=self.weeks_to)

    def edge_days(self):
        edges = [Q(day__range=edge) for edge in self.edges]
        return Q(pk__in=[]) if not edges else _any(edges)


def _any(conditions):
    found = conditions[0]
    for condition in conditions[1:]:
        found |= condition
    return found


def windows(campaign, as_of, since=None):
    """The cumulative window (the campaign's start to `as_of`) and, with `since`, the
    period's."""
    cumulative = Window(campaign.activation_starts_on, as_of)
    period = Window(max(since, campaign.activation_starts_on), as_of) if since else None
    return cumulative, period


def _scoped(rows, campaign, members):
    rows = rows.filter(campaign_id=campaign.pk)
    return rows.filter(member_id__in=members) if members is not None else rows


def member_counts(
    campaign: Campaign,
    as_of: datetime.date,
    since: datetime.date | None = None,
    members=None,
) -> dict:
    """What `campaign.rules.member_case_counts` gives, by member id, read from the tallies:
    {member id: {cases, double_claims, credited_eid, credited_full[, period_eid,
    period_full]}} for the members in `members` (a queryset of member ids; all if None)."""
    cumulative, period = windows(campaign, as_of, since)
    named = {"credited_eid": ("eid", cumulative), "credited_full": ("eid_full", cumulative)}
    if period is not None:
        named.update(period_eid=("eid", period), period_full=("eid_full", period))
    weekly = {"cases": Sum("cases"), "double_claims": Sum("double_claims")}
    weekly.update(
        (name, Sum(column, filter=window.whole_weeks())) for name, (column, window) in named.items()
    )
    counts = {}
    for row in _scoped(WeekTally.objects, campaign, members).values("member_id").annotate(**weekly):
        member = row.pop("member_id")
        counts[member] = {name: value or 0 for name, value in row.items()}
    edges = [window for _column, window in named.values() if window.edges]
    if edges:
        daily = {
            name: Sum(column, filter=window.edge_days()) for name, (column, window) in named.items()
        }
        for row in (
            _scoped(DayTally.objects, campaign, members)
            .filter(_any([window.edge_days() for window in edges]))
            .values("member_id")
            .annotate(**daily)
        ):
            found = counts.setdefault(
                row.pop("member_id"), {"cases": 0, "double_claims": 0, **dict.fromkeys(named, 0)}
            )
            for name, value in row.items():
                found[name] += value or 0
    return {
        member: found
        for member, found in counts.items()
        if any(found.values())  # a member whose cases were all deleted has none
    }


def weekly_rows(campaign: Campaign, as_of: datetime.date, members=None) -> list:
    """[(monday, credited e-ID, credited full, of them level 1, level 2)] by week of
    activation up to `as_of`, the weeks with none left out: `dashboards.figures`' progress
    rows, read from the tallies."""
    window, _period = windows(campaign, as_of)
    if window.empty:
        return []
    columns = ("eid", "eid_full", "level1", "level2")
    weeks = {}
    for row in (
        _scoped(WeekTally.objects, campaign, members)
        .filter(window.whole_weeks())
        .values("week")
        .annotate(**{f"n_{name}": Sum(name) for name in columns})
    ):
        weeks[row["week"]] = [row[f"n_{name}"] or 0 for name in columns]
    if window.edges:
        for row in (
            _scoped(DayTally.objects, campaign, members)
            .filter(window.edge_days())
            .values("day")
            .annotate(**{f"n_{name}": Sum(name) for name in columns})
        ):
            found = weeks.setdefault(_monday(row["day"]), [0, 0, 0, 0])
            for index, name in enumerate(columns):
                found[index] += row[f"n_{name}"] or 0
    return [(week, *counts) for week, counts in sorted(weeks.items()) if counts[0]]


def weekly_rows_by(campaign: Campaign, as_of: datetime.date, members, groups: dict) -> dict:
    """`weekly_rows` for several disjoint sets of members at once: {group: rows}, where
    `groups` gives each member's group ({member id: group}) and `members` is a queryset of
    their ids. The same two queries, by member, added up here."""
    window, _period = windows(campaign, as_of)
    if window.empty:
        return {}
    columns = ("eid", "eid_full", "level1", "level2")
    found = {}

    def add(member, week, row):
        counts = found.setdefault(groups[member], {}).setdefault(week, [0, 0, 0, 0])
        for index, name in enumerate(columns):
            counts[index] += row[f"n_{name}"] or 0

    sums = {f"n_{name}": Sum(name) for name in columns}
    for row in (
        _scoped(WeekTally.objects, campaign, members)
        .filter(window.whole_weeks())
        .values("member_id", "week")
        .annotate(**sums)
        .order_by()
    ):
        add(row["member_id"], row["week"], row)
    if window.edges:
        for row in (
            _scoped(DayTally.objects, campaign, members)
            .filter(window.edge_days())
            .values("member_id", "day")
            .annotate(**sums)
            .order_by()
        ):
            add(row["member_id"], _monday(row["day"]), row)
    return {
        group: [(week, *counts) for week, counts in sorted(weeks.items()) if counts[0]]
        for group, weeks in found.items()
    }


def _key(row):
    # SQLite gives a stored day as a date and a computed one as text.
    return (row[0], row[1], None if row[2] is None else str(row[2]))


def drift() -> list:
    """Where the tallies differ from the cases counted from scratch: [(table, campaign id,
    member id, week or day, column, kept, counted)]. Read-only."""
    differences = []
    with connection.cursor() as cursor:
        for table, (columns, select) in delta_selects(connection.vendor, ALL_CASES).items():
            key, counts = columns[:3], columns[3:]
            cursor.execute(
                f"SELECT {', '.join(key)}, {', '.join(f'SUM({c})' for c in counts)}"
                f" FROM {table} GROUP BY {', '.join(key)}"
            )
            kept = {_key(row): row[3:] for row in cursor.fetchall()}
            cursor.execute(select)
            fresh = {_key(row): row[3:] for row in cursor.fetchall()}
            zeros = (0,) * len(counts)
            for where in sorted(set(kept) | set(fresh), key=str):
                for name, stored, counted in zip(
                    counts, kept.get(where, zeros), fresh.get(where, zeros)
                ):
                    if (stored or 0) != (counted or 0):
                        differences.append((table, *where, name, stored, counted))
    return differences
