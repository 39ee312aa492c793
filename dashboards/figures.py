"""The dashboards' figures: computed once per figures version, kept, and read back.

`current_version()` is one small query; `kept(parts, compute)` returns what `compute()`
returns, from the kept copy while the version has not changed since it was computed. The
triggers of this app's migration (see `dashboards.models`) move the version on every write
that can change a figure, so no write path needs to remember to invalidate anything.
"""

import datetime
import hashlib
import json
import pickle
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from campaign import rules
from campaign.models import Case
from campaign.results import _percent, build_results
from units.history import tree_on
from units.models import Member, Unit

from . import tallies
from .models import FiguresWrite, KeptCount, KeptFigures
from campaign.activity_yield import compute_yield

# Folding the write log into one row once it holds this many rows keeps the version's SUM cheap.
FOLD_AFTER = 1000


def current_version():
    """The sum of committed writes to the tables the figures read."""
    table = FiguresWrite._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(SUM(n), 0), COUNT(*) FROM {table}")
        total, rows = cursor.fetchone()
        if rows == 0 and connection.vendor == "sqlite":
            # SQLite's triggers bump counter row 1 and cannot add it back: once a flush or
            # a partial restore emptied the table, the version would never move again.
            # (Whatever emptied it emptied the kept figures too, so nothing kept is stale.)
            cursor.execute(f"INSERT OR IGNORE INTO {table} (id, n) VALUES (1, 0)")
    if rows > FOLD_AFTER:
        fold_writes()
    return int(total)


def fold_writes():
    """Replace the logged writes by one row holding their sum (the version is unchanged)."""
    table = FiguresWrite._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH gone AS (DELETE FROM {table} RETURNING n) "
                f"INSERT INTO {table} (n) SELECT SUM(n) FROM gone HAVING COUNT(*) > 0"
            )
        else:
            cursor.execute(f"SELECT COALESCE(SUM(n), 0) FROM {table}")
            (total,) = cursor.fetchone()
            cursor.execute(f"DELETE FROM {table}")
            cursor.execute(f"INSERT INTO {table} (id, n) VALUES (1, %s)", [total])


def key_of(parts):
    return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()


# The last figures this process read, by (key, version, computed at): a warm page skips
# unpickling (about 0.1 s for a district of 5,000 members). The kept row is still looked up
# on every request (its version and time, not its payload), so a memory entry is used only
# while the database holds that very computation. Read-only for the pages.
_MEMORY = OrderedDict()
MEMORY_ENTRIES = 24
_memory_lock = threading.Lock()


def _remember(entry, value):
    with _memory_lock:
        _MEMORY[entry] = value
        _MEMORY.move_to_end(entry)
        while len(_MEMORY) > MEMORY_ENTRIES:
            _MEMORY.popitem(last=False)
    return value


def _read_kept(key, version):
    """What is kept under `key` for `version`, or None."""
    row = KeptFigures.objects.filter(key=key).values_list("version", "computed_at").first()
    if row is not None and row[0] == version:
        entry = (key, version, row[1])
        with _memory_lock:
            if entry in _MEMORY:
                _MEMORY.move_to_end(entry)
                return _MEMORY[entry]
        payload = (
            KeptFigures.objects.filter(key=key, version=version, computed_at=row[1])
            .values_list("payload", flat=True)
            .first()
        )
        if payload is not None:
            return _remember(entry, pickle.loads(zlib.decompress(bytes(payload))))
    return None


@contextmanager
def one_at_a_time(key):
    """On PostgreSQL, outside a transaction: while the block runs, no other process or
    thread runs a block for the same `key` (a session advisory lock; they wait). After a
    write, the requests that find the same figures missing wait for the first to compute
    and keep them, instead of computing them all at once on the same cores."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield False
        return
    lock = int(key[:15], 16)  # 60 bits of the key: a bigint
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [lock])
    try:
        yield True
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [lock])


def kept(parts, compute, version=None):
    """`compute()`, kept under `parts` (a JSON-able description) and the figures version."""
    version = current_version() if version is None else version
    key = key_of(parts)
    found = _read_kept(key, version)
    if found is not None:
        return found
    with one_at_a_time(key) as waited:
        found = _read_kept(key, version) if waited else None  # kept by who held the lock
        if found is not None:
            return found
        return _compute_and_keep(key, version, compute)


def _compute_and_keep(key, version, compute):
    value = compute()
    payload = zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)
    computed_at = timezone.now()
    try:
        with transaction.atomic():
            updated = KeptFigures.objects.filter(key=key).update(
                version=version, payload=payload, computed_at=computed_at
            )
            if not updated:
                KeptFigures.objects.create(
                    key=key, version=version, payload=payload, computed_at=computed_at
                )
    except IntegrityError:  # another request kept the same figures at the same moment
        return value
    return _remember((key, version, computed_at), value)


# --- What the pages read ------------------------------------------------------------------


@dataclass
class Figures:
    """What the overview, the rankings and the member lists show for one scope."""

    results: object  # campaign.results.Results, its queryset dropped
    summary: dict


@dataclass
class Outreach:
    places: list  # [(place, cases, credited_full)]
    weeks: list  # [(monday, place, cases)] by guidance week


def scope_parts(units):
    """A description of a scope for a key: the primary keys of its units."""
    return sorted(units.values_list("pk", flat=True)) if units is not None else "all"


def figures_for(campaign, *, as_of, since=None, units=None, scope=None, version=None):
    """The kept `Figures` of `campaign` on `as_of` (for the period since..as_of, if given),
    over `units` (a Unit queryset closed under sub-units)."""
    scope = scope if scope is not None else scope_parts(units)
    version = current_version() if version is None else version
    parts = ["figures", campaign.pk, campaign.figures_from, as_of, since, scope]

    def compute():
        return compute_figures(campaign, as_of, since, units, scope=scope, version=version)

    return kept(parts, compute, version)


def results_for(campaign, *, as_of, since=None, units=None, scope=None, version=None):
    """The kept `build_results` alone, without the campaign summary (no distinct residents,
    no weekly rows): what a comparison with an earlier day needs (the units ranking's change
    since the last period)."""
    scope = scope if scope is not None else scope_parts(units)
    version = current_version() if version is None else version

    def compute():
        tallies.fold_if_due()
        results = _results(campaign, as_of, since, whole_or(units, scope), tree_on(as_of))
        results.cases = None  # a queryset is not kept: it would be evaluated
        return results

    return kept(
        ["results", campaign.pk, campaign.figures_from, as_of, since, scope], compute, version
    )


def _results(campaign, as_of, since, units, tree):
    """`build_results` for `units` (None: all), the members' counts read from the tallies
    (which count what was typed); with figures from the activation list, counted from the
    cases (kept like every figure, so once per figures version). `tree` is
    `units.history.tree_on(as_of)`."""
    if rules.from_activation_list(campaign):
        return build_results(campaign, as_of=as_of, since=since, units=units, tree=tree)
    return build_results(
        campaign,
        as_of=as_of,
        since=since,
        units=units,
        tree=tree,
        counts=tallies.member_counts(campaign, as_of, since, _members(units, tree)),
    )


def whole_or(units, scope):
    """`units`, or None when they are every unit: the same figures, read without joining
    each case to its member and unit (a district administrator's scope is the whole tree)."""
    if units is None or (scope != "all" and len(scope) == Unit.objects.count()):
        return None
    return units


def compute_figures(campaign, as_of, since, units, *, scope=None, version=None):
    """build_results and the campaign summary, from the tallies: the members' counts, and
    the summary's credited e-ID cases by level as the sums of the weekly rows (kept too, for
    the progress chart). Of the cases table, only the double-claimed ones are read (an
    index of a few percent of the cases): the residents reached follow from them (see
    `_residents_reached`). On PostgreSQL the three parts run at the same time."""
    scope = scope if scope is not None else scope_parts(units)
    units = whole_or(units, scope)
    tree = tree_on(as_of)  # once: the units as they stood on `as_of`, None if as they stand
    cases = _cases(campaign, units, tree)
    tallies.fold_if_due()
    found = in_parallel(
        {
            "results": lambda: _results(campaign, as_of, since, units, tree),
            "weekly": lambda: _weekly_rows(campaign, as_of, units, scope, version, tree),
            "double_claimed": lambda: _distinct_residents(cases.filter(rules.is_double_claim())),
            "residents": lambda: (
                _distinct_residents(guided_by(cases, as_of))
                if as_of < timezone.localdate()
                else None
                if campaign.double_claims_across_kinds
                else _distinct_residents(cases)
            ),
        }
    )
    results, double_claimed = found["results"], found["double_claimed"]
    residents = found["residents"]
    if residents is None:
        residents = _residents_reached(results.totals, double_claimed)
    summary = _summary(results, found["weekly"], residents, double_claimed)
    results.cases = None  # a queryset is not kept: it would be evaluated
    results.__dict__["summary"] = summary  # what Results.summary would compute
    return Figures(results=results, summary=summary)


def in_parallel(calls):
    """{name: call()} for `calls` ({name: function}). On PostgreSQL and outside a transaction
    (where every connection reads the same committed data), the calls but the first run on
    connections of their own at the same time; otherwise one after the other."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return {name: call() for name, call in calls.items()}

    def run(call):
        try:
            return call()
        finally:
            connection.close()  # this thread's own connection

    first, *others = calls
    with ThreadPoolExecutor(max_workers=len(others) or 1) as pool:
        started = {name: pool.submit(run, calls[name]) for name in others}
        found = {first: calls[first]()}
        found.update((name, future.result()) for name, future in started.items())
    return found


def _summary(results, weekly, residents, double_claimed_residents):
    """campaign.results' summary, its credited cases by level read from the weekly rows."""
    totals, units = results.totals, results.units
    figures = {
        "level1": sum(row[3] for row in weekly),
        "level2": sum(row[4] for row in weekly),
        "residents": residents,
        "double_claimed_residents": double_claimed_residents,
    }
    sized = [unit for unit in units if unit.tally.members and not unit.closed]
    figures.update(
        credited_eid=totals.credited_eid,
        credited_full=totals.credited_full,
        portal_share=_percent(totals.credited_full, totals.credited_eid),
        members=totals.members,
        members_meeting_quota=totals.meeting_quota,
        members_meeting_quota_share=_percent(totals.meeting_quota, totals.members),
        individual_awards=totals.individual_awards,
        units_with_members=len(sized),
        units_at_collective_threshold=sum(1 for unit in sized if unit.collective_award),
    )
    figures["units_at_collective_threshold_share"] = _percent(
        figures["units_at_collective_threshold"], figures["units_with_members"]
    )
    return figures


def _residents_reached(totals, double_claimed_residents):
    """The distinct residents of the cases in scope, without reading them, when double
    claims count across unit kinds: a case's `claimants` is then how many cases its resident
    has in the campaign, so a resident listed once is one case with a single claimant, and
    every other is a double-claimed resident. Residents = cases - double-claimed cases +
    double-claimed residents."""
    return totals.cases - totals.double_claims + double_claimed_residents


def guided_by(cases, day):
    """The cases guided on or before `day`: by their guidance date, or without one by their
    activation date, or without either by the day they were recorded (the page's headline
    "người dân được hướng dẫn" follows the page's day like every figure on it)."""
    next_day = timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
    )
    undated = Q(guided_on__isnull=True)
    return cases.filter(
        Q(guided_on__lte=day)
        | undated & Q(activated_on__lte=day)
        | undated & Q(activated_on__isnull=True, created_at__lt=next_day)
    )


def _distinct_residents(cases):
    return cases.values("resident_id").distinct().count()


def _members(units, tree):
    """The ids of the members of `units` (None: every member), for the tallies: on `tree`,
    the units as they stood on the figures' day when one changed since (units.history)."""
    if tree is not None:
        return tree.member_pks(tree.scope(units))
    return Member.objects.filter(unit__in=units).values("pk") if units is not None else None


def _cases(campaign, units, tree):
    cases = Case.objects.filter(campaign=campaign).order_by()
    if tree is not None:
        pks = _members(units, tree)
        return cases.filter(member_id__in=pks) if pks is not None else cases
    return cases.filter(member__unit__in=units) if units is not None else cases


def kept_count(queryset):
    """`queryset.count()`, kept under the figures version: on PostgreSQL one statement reads
    the version, returns the kept count while it holds, and otherwise counts and keeps the
    count (version and count read in the same snapshot). Elsewhere (SQLite, development
    sizes) the rows are counted."""
    if connection.vendor != "postgresql":
        return queryset.count()
    try:
        rows = queryset.order_by()
        if not rows.query.values_select:  # rows named by their keys; else as the caller chose
            rows = rows.values("pk")
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # e.g. a user with no unit: nothing to count
        return 0
    key = key_of(["count", sql, params])
    table = KeptCount._meta.db_table
    with one_at_a_time(key), connection.cursor() as cursor:
        cursor.execute(
            f"""WITH v AS (SELECT COALESCE(SUM(n), 0) AS version
                           FROM {FiguresWrite._meta.db_table}),
                hit AS (SELECT kept.n FROM {table} kept JOIN v ON kept.version = v.version
                        WHERE kept.key = %s),
                counted AS (
                    INSERT INTO {table} (key, version, n)
                    SELECT %s, v.version, (SELECT COUNT(*) FROM ({sql}) rows) FROM v
                    WHERE NOT EXISTS (SELECT 1 FROM hit)
                    ON CONFLICT (key) DO UPDATE SET version = EXCLUDED.version, n = EXCLUDED.n
                    RETURNING n)
            SELECT n FROM hit UNION ALL SELECT n FROM counted""",
            [key, key, *params],
        )
        return cursor.fetchone()[0]


def _weekly_rows(campaign, as_of, units, scope, version, tree=False):
    """[(monday, credited_eid, credited_full, of them level 1, level 2)] by activation week."""

    def compute():
        found = tree_on(as_of) if tree is False else tree
        if rules.from_activation_list(campaign):
            return _weekly_from_cases(campaign, as_of, whole_or(units, scope), found)
        return tallies.weekly_rows(campaign, as_of, _members(whole_or(units, scope), found))

    return kept(
        ["weekly by level", campaign.pk, campaign.figures_from, as_of, scope], compute, version
    )


def _weekly_from_cases(campaign, as_of, units, tree):
    """`tallies.weekly_rows` counted from the cases, by the week of the activation date the
    figures read (the activation list's): [(monday, eid, full, level 1, level 2)]."""
    eid, full = rules.credited_eid(campaign, as_of), rules.credited_full(campaign, as_of)
    level = rules.level_field(campaign)
    rows = (
        _cases(campaign, units, tree)
        .filter(eid)
        .annotate(week=TruncWeek(rules.day_field(campaign)))
        .values("week")
        .annotate(
            n_eid=Count("pk"),
            n_full=Count("pk", filter=full),
            n_level1=Count("pk", filter=Q(**{level: 1})),
            n_level2=Count("pk", filter=Q(**{level: 2})),
        )
        .order_by("week")
    )
    return [
        (_day(row["week"]), row["n_eid"], row["n_full"], row["n_level1"], row["n_level2"])
        for row in rows
        if row["n_eid"]
    ]


def weekly_for(campaign, *, as_of, units=None, scope=None, version=None):
    """Credited e-ID and full cases by week of activation (Monday), up to `as_of`:
    [(monday, credited_eid, credited_full)], not cumulated."""
    scope = scope if scope is not None else scope_parts(units)
    version = current_version() if version is None else version
    rows = _weekly_rows(campaign, as_of, units, scope, version)
    return [(day, eid, full) for day, eid, full, _level1, _level2 in rows]


def outreach_for(campaign, *, as_of, units=None, scope=None, version=None):
    """Cases by place (with their credited full cases), and by guidance week and place."""
    scope = scope if scope is not None else scope_parts(units)

    def compute():
        cases = _cases(campaign, whole_or(units, scope), tree_on(as_of))
        full = rules.credited_full(campaign, as_of)
        places = [
            (row["place"], row["n"], row["full"])
            for row in cases.values("place")
            .annotate(n=Count("pk"), full=Count("pk", filter=full))
            .order_by("-n", "place")
        ]
        weeks = [
            (_day(row["week"]), row["place"], row["n"])
            for row in cases.filter(guided_on__isnull=False, guided_on__lte=as_of)
            .annotate(week=TruncWeek("guided_on"))
            .values("week", "place")
            .annotate(n=Count("pk"))
            .order_by("week", "place")
        ]
        return Outreach(places=places, weeks=weeks)

    return kept(["outreach", campaign.pk, campaign.figures_from, as_of, scope], compute, version)


def _day(value):
    return value.date() if isinstance(value, datetime.datetime) else value


def activity_yield_for(campaign, *, as_of, units=None, scope=None, version=None):
    """The outreach activities' yield (campaign.activity_yield) over `units`' activities,
    kept under the figures version (the activities' tables move it too)."""
    scope = scope if scope is not None else scope_parts(units)

    def compute():
        whole = whole_or(units, scope)
        members = None
        if whole is not None:
            members = set(Member.objects.filter(unit__in=whole).values_list("pk", flat=True))
        return compute_yield(campaign, as_of=as_of, units=whole, visible_members=members)

    return kept(["activity yield", campaign.pk, as_of, scope], compute, version)
