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
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, Count, Q, When
from django.db.models import Case as DbCase
from django.db.models.functions import Cast, Length, Substr, TruncWeek
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from campaign import rules
from campaign.activity_yield import compute_yield
from campaign.models import Case
from campaign.results import build_results, summary_figures
from units.history import UnitMove, tree_on
from units.models import PATH_DIGITS, Member, Unit

from . import tallies
from .models import FiguresWrite, KeptCount, KeptFigures

# Folding the write log into one row once it holds this many rows keeps the version's SUM cheap.
FOLD_AFTER = 1000


def current_version():
    """The sum of committed writes to the tables the figures read (every branch's)."""
    every, branches, _moved, _wanted = _sums()
    return every + sum(branches.values())


def _sums(units=None):
    """(the committed writes that name no branch, {branch: the writes naming it}, whether a
    standing unit change exists, the branches of `units` among them or None for all units):
    one query."""
    table = FiguresWrite._meta.db_table
    moved, params = (
        UnitMove.objects.filter(change__undone_at__isnull=True)
        .values("pk")[:1]
        .query.sql_with_params()
    )
    in_scope = "1 = 1"
    if units is not None:
        try:
            scope, scope_params = (
                units.order_by()
                .annotate(branch=branch_expression("path"))
                .values("branch")
                .query.sql_with_params()
            )
            in_scope, params = f"branch IN ({scope})", (*params, *scope_params)
        except EmptyResultSet:
            in_scope = "1 = 0"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT branch, COALESCE(SUM(n), 0), COUNT(*), EXISTS({moved}), {in_scope}"
            f" FROM {table} GROUP BY branch",
            params,
        )
        found = cursor.fetchall()
        if not found and connection.vendor == "sqlite":
            # SQLite's triggers bump counter row 1 and cannot add it back: once a flush or
            # a partial restore emptied the table, the version would never move again.
            # (Whatever emptied it emptied the kept figures too, so nothing kept is stale.)
            cursor.execute(f"INSERT OR IGNORE INTO {table} (id, n) VALUES (1, 0)")
    if sum(row[2] for row in found) > FOLD_AFTER:
        fold_writes()
    every = sum(int(row[1]) for row in found if row[0] is None)
    branches = {row[0]: int(row[1]) for row in found if row[0] is not None}
    wanted = {row[0] for row in found if row[0] is not None and row[4]}
    return every, branches, any(row[3] for row in found), wanted if units is not None else None


def branch_of(path):
    """The branch of the unit tree that the unit at materialised `path` is in, for the
    figures version: the unit below the top one it stands under (a commune's unit, say),
    or the top unit itself for a top unit's own members. Migration 0007 names the same in
    SQL in the cases table's triggers, so a case written moves its branch's version only."""
    if len(path) > PATH_DIGITS + 2:
        return int(path[PATH_DIGITS + 2 : 2 * PATH_DIGITS + 2])
    return int(path[1 : PATH_DIGITS + 1])


def scope_branches(units):
    """The branches of `units` (a Unit queryset), or None for every branch (all units)."""
    if units is None:
        return None
    return {branch_of(path) for path in units.order_by().values_list("path", flat=True)}


def scope_version(units=None):
    """The figures version of what `units` (a Unit queryset; None: every unit) shows: the
    writes to their branches and those naming no branch. A case saved in another branch
    leaves it unchanged. While a standing unit change exists, a past day's tree can put a
    member in another branch than today's, so it is then every branch's version."""
    sums = _sums(units)
    every, branches, moved, wanted = sums
    if wanted is None or moved:
        return Version(every + sum(branches.values()), sums)
    return Version(every + sum(n for branch, n in branches.items() if branch in wanted), sums)


class Version(int):
    """A figures version, and the sums it was read from (`_sums()`): what the branches'
    parts are kept under, read once per request."""

    def __new__(cls, value, sums):
        version = super().__new__(cls, value)
        version.sums = sums
        return version


def fold_writes():
    """Replace the logged writes by one row holding their sum (the version is unchanged)."""
    table = FiguresWrite._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH gone AS (DELETE FROM {table} RETURNING n, branch) "
                f"INSERT INTO {table} (n, branch) SELECT SUM(n), branch FROM gone GROUP BY branch"
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


# The branches' parts (`_by_branch`) are small and many: a memory of their own.
_PARTS = OrderedDict()
PART_ENTRIES = 2048


def _remember(entry, value, memory=None):
    memory, limit = (_MEMORY, MEMORY_ENTRIES) if memory is None else (memory, PART_ENTRIES)
    with _memory_lock:
        memory[entry] = value
        memory.move_to_end(entry)
        while len(memory) > limit:
            memory.popitem(last=False)
    return value


def _read_kept(key, version):
    """What is kept under `key` for `version`, or None."""
    version = int(version)
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


def _read_many(versions):
    """{key: what is kept} for the keys of `versions` ({key: version}) kept for that version:
    two queries at most, whatever their number (one when every hit is in memory)."""
    rows = KeptFigures.objects.filter(key__in=list(versions)).values_list(
        "key", "version", "computed_at"
    )
    found, missing = {}, []
    with _memory_lock:
        for key, version, computed_at in rows:
            if versions[key] != version:
                continue
            entry = (key, version, computed_at)
            if entry in _PARTS:
                _PARTS.move_to_end(entry)
                found[key] = _PARTS[entry]
            else:
                missing.append(entry)
    if missing:
        wanted = set(missing)
        for key, version, computed_at, payload in KeptFigures.objects.filter(
            key__in=[key for key, _version, _at in missing]
        ).values_list("key", "version", "computed_at", "payload"):
            entry = (key, version, computed_at)
            if entry in wanted:
                value = pickle.loads(zlib.decompress(bytes(payload)))
                found[key] = _remember(entry, value, _PARTS)
    return found


def _compute_and_keep(key, version, compute, memory=None):
    version = int(version)
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
    return _remember((key, version, computed_at), value, memory)


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
    version = scope_version(units) if version is None else version
    parts = ["figures", campaign.pk, campaign.figures_from, as_of, since, scope]

    def compute():
        return compute_figures(campaign, as_of, since, units, scope=scope, version=version)

    return kept(parts, compute, version)


def results_for(campaign, *, as_of, since=None, units=None, scope=None, version=None):
    """The kept `build_results` alone, without the campaign summary (no distinct residents,
    no weekly rows): what a comparison with an earlier day needs (the units ranking's change
    since the last period)."""
    scope = scope if scope is not None else scope_parts(units)
    version = scope_version(units) if version is None else version

    def compute():
        tallies.fold_if_due()
        results = _results(campaign, as_of, since, whole_or(units, scope), tree_on(as_of), version)
        results.cases = None  # a queryset is not kept: it would be evaluated
        return results

    return kept(
        ["results", campaign.pk, campaign.figures_from, as_of, since, scope], compute, version
    )


def _results(campaign, as_of, since, units, tree, version=None):
    """`build_results` for `units` (None: all), the members' counts read from the tallies
    (which count what was typed); with figures from the activation list, counted from the
    cases (kept like every figure, so once per figures version). `tree` is
    `units.history.tree_on(as_of)`."""
    if rules.from_activation_list(campaign):
        return build_results(campaign, as_of=as_of, since=since, units=units, tree=tree)
    if tree is None and _composed(units, version):
        counts = _tally_parts(campaign, as_of, since, units, version)[0]
    else:
        counts = tallies.member_counts(campaign, as_of, since, _members(units, tree))
    return build_results(campaign, as_of=as_of, since=since, units=units, tree=tree, counts=counts)


def _composed(units, version):
    """Whether the figures of `units` (None: every unit) are put together branch by branch:
    when they reach more than one branch written in. One branch's figures are computed
    straight away (kept under that branch's version all the same): parts would only add
    their reading and keeping to a commune's small computation."""
    if units is None:
        return True
    sums = getattr(version, "sums", None)
    wanted = (sums if sums is not None and sums[3] is not None else _sums(units))[3]
    return len(wanted) > 1


def _tally_parts(campaign, as_of, since, units, version=None):
    """(the members' counts, the weekly rows) of `units` (None: every unit) read from the
    tallies, branch by branch (`_by_branch`), and put together: for the units as they
    stand."""

    def compute(members, branches):
        counts = _split(tallies.member_counts(campaign, as_of, since, members), branches)
        weekly = tallies.weekly_rows_by(campaign, as_of, members, branches)
        return {
            branch: (counts.get(branch, {}), weekly.get(branch, []))
            for branch in set(branches.values())
        }

    parts = _by_branch(
        "tallies",
        campaign,
        as_of,
        since,
        units,
        compute,
        lambda: ({}, []),
        getattr(version, "sums", None),
    )
    counts = {}
    for part_counts, _weekly in parts:
        counts.update(part_counts)
    return counts, _added_weeks([weekly for _counts, weekly in parts])


def _by_branch(kind, campaign, as_of, since, units, compute, empty, sums=None):
    """[the part of each branch of the unit tree (`branch_of`) that `units` (None: every
    unit) reach], each kept under the version of its branch alone: after a case is saved in
    one commune, only that commune's part is computed again, and the others are read back.
    `compute(members, branches)` gives {branch: part} for the branches not kept, `members`
    being their members (a queryset of ids) and `branches` {member id: branch};
    `empty()` a branch's part when it gives none. For figures that add up over disjoint sets
    of members (the tallies' counts and weeks, the cases by place). A constant number of
    queries, whatever the number of branches. `sums`: `_sums()` as read already for this
    request (an older reading only makes a part computed again, never stale)."""
    every, sums, _moved, _wanted = sums or _sums()
    groups = {}
    for pk, path in (
        (units if units is not None else Unit.objects.all()).order_by().values_list("pk", "path")
    ):
        groups.setdefault(branch_of(path), []).append(pk)
    wanted = {}  # branch: (key, version)
    for branch, pks in sorted(groups.items()):
        pks.sort()
        key = key_of([kind, campaign.pk, campaign.figures_from, as_of, since, branch, pks])
        wanted[branch] = (key, every + sums.get(branch, 0))
    found = _read_many(dict(wanted.values()))
    missing = [branch for branch, (key, _version) in wanted.items() if key not in found]
    if missing:
        unit_branch = {pk: branch for branch in missing for pk in groups[branch]}
        members = Member.objects.filter(unit_id__in=list(unit_branch))
        branches = {pk: unit_branch[unit] for pk, unit in members.values_list("pk", "unit_id")}
        computed = compute(members.values("pk"), branches)
        found.update(
            _keep_many({wanted[b][0]: (wanted[b][1], computed.get(b) or empty()) for b in missing})
        )
    return [found[key] for key, _version in wanted.values()]


def _keep_many(values):
    """Keep each of `values` ({key: (version, value)}) in one statement; {key: value}."""
    computed_at = timezone.now()
    KeptFigures.objects.bulk_create(
        [
            KeptFigures(
                key=key,
                version=int(version),
                computed_at=computed_at,
                payload=zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1),
            )
            for key, (version, value) in values.items()
        ],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["version", "payload", "computed_at"],
    )
    return {
        key: _remember((key, version, computed_at), value, _PARTS)
        for key, (version, value) in values.items()
    }


def branch_expression(path):
    """`branch_of` in SQL, of the materialised path at the field `path` (a lookup)."""
    return DbCase(
        When(
            GreaterThan(Length(path), PATH_DIGITS + 2),
            then=Cast(Substr(path, PATH_DIGITS + 3, PATH_DIGITS), BigIntegerField()),
        ),
        default=Cast(Substr(path, 2, PATH_DIGITS), BigIntegerField()),
    )


def _split(rows, branches):
    """{branch: {member id: row}} of `rows` ({member id: row})."""
    found = {}
    for member, row in rows.items():
        found.setdefault(branches[member], {})[member] = row
    return found


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
    if tree is None and not rules.from_activation_list(campaign) and _composed(units, version):
        # The branches' parts first (most kept already), then the rest at the same time.
        counts, weekly = _tally_parts(campaign, as_of, since, units, version)
        results = lambda: build_results(  # noqa: E731
            campaign, as_of=as_of, since=since, units=units, tree=None, counts=counts
        )
        weeks = lambda: weekly  # noqa: E731
    else:
        results = lambda: _results(campaign, as_of, since, units, tree)  # noqa: E731
        weeks = lambda: _weekly_rows(campaign, as_of, units, scope, version, tree)  # noqa: E731
    found = in_parallel(
        {
            "results": results,
            "weekly": weeks,
            "double_claimed": lambda: _distinct_residents(cases.filter(rules.is_double_claim())),
            "residents": lambda: (
                _distinct_residents(cases.filter(rules.guided_by(as_of)))
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
    return summary_figures(
        results.totals,
        results.units,
        level1=sum(row[3] for row in weekly),
        level2=sum(row[4] for row in weekly),
        residents=residents,
        double_claimed_residents=double_claimed_residents,
    )


def _residents_reached(totals, double_claimed_residents):
    """The distinct residents of the cases in scope, without reading them, when double
    claims count across unit kinds: a case's `claimants` is then how many cases its resident
    has in the campaign, so a resident listed once is one case with a single claimant, and
    every other is a double-claimed resident. Residents = cases - double-claimed cases +
    double-claimed residents."""
    return totals.cases - totals.double_claims + double_claimed_residents


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
        whole = whole_or(units, scope)
        if found is None and _composed(whole, version):
            return _tally_parts(campaign, as_of, None, whole, version)[1]
        return tallies.weekly_rows(campaign, as_of, _members(whole_or(units, scope), found))

    return kept(
        ["weekly by level", campaign.pk, campaign.figures_from, as_of, scope], compute, version
    )


def _added_weeks(parts):
    """The weekly rows of several branches added up, week by week (as `tallies.weekly_rows`
    gives them: in order, the weeks with no credited e-ID case left out)."""
    weeks = {}
    for rows in parts:
        for week, *counts in rows:
            found = weeks.setdefault(week, [0] * len(counts))
            for index, count in enumerate(counts):
                found[index] += count
    return [(week, *counts) for week, counts in sorted(weeks.items()) if counts[0]]


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
    version = scope_version(units) if version is None else version
    rows = _weekly_rows(campaign, as_of, units, scope, version)
    return [(day, eid, full) for day, eid, full, _level1, _level2 in rows]


def outreach_for(campaign, *, as_of, units=None, scope=None, version=None):
    """Cases by place (with their credited full cases), and by guidance week and place:
    added up from each branch's (`_by_branch`) while the units stand as they stood then."""
    scope = scope if scope is not None else scope_parts(units)
    version = scope_version(units) if version is None else version
    full = rules.credited_full(campaign, as_of)

    def counted(cases, by=()):
        places = cases.values(*by, "place").annotate(n=Count("pk"), full=Count("pk", filter=full))
        weeks = (
            cases.filter(guided_on__isnull=False, guided_on__lte=as_of)
            .annotate(week=TruncWeek("guided_on"))
            .values(*by, "week", "place")
            .annotate(n=Count("pk"))
        )
        return places, weeks

    def by_branch(members, _branches):
        cases = Case.objects.filter(campaign=campaign, member_id__in=members).annotate(
            branch=branch_expression("member__unit__path")
        )
        places, weeks = counted(cases, ("branch",))
        parts = {}
        for row in places.order_by():
            part = parts.setdefault(row["branch"], Outreach(places=[], weeks=[]))
            part.places.append((row["place"], row["n"], row["full"]))
        for row in weeks.order_by():
            part = parts.setdefault(row["branch"], Outreach(places=[], weeks=[]))
            part.weeks.append((_day(row["week"]), row["place"], row["n"]))
        return parts

    def compute():
        tree = tree_on(as_of)
        if tree is not None or not _composed(whole_or(units, scope), version):
            places, weeks = counted(_cases(campaign, whole_or(units, scope), tree))
            return Outreach(
                places=[
                    (row["place"], row["n"], row["full"]) for row in places.order_by("-n", "place")
                ],
                weeks=[
                    (_day(row["week"]), row["place"], row["n"])
                    for row in weeks.order_by("week", "place")
                ],
            )
        parts = _by_branch(
            "outreach",
            campaign,
            as_of,
            None,
            whole_or(units, scope),
            by_branch,
            lambda: Outreach(places=[], weeks=[]),
        )
        places, weeks = {}, {}
        for part in parts:
            for place, n, credited in part.places:
                found = places.setdefault(place, [0, 0])
                found[0] += n
                found[1] += credited
            for week, place, n in part.weeks:
                weeks[week, place] = weeks.get((week, place), 0) + n
        return Outreach(
            places=sorted(
                ((place, n, credited) for place, (n, credited) in places.items()),
                key=lambda row: (-row[1], row[0]),
            ),
            weeks=[(week, place, n) for (week, place), n in sorted(weeks.items())],
        )

    return kept(["outreach", campaign.pk, campaign.figures_from, as_of, scope], compute, version)


def _day(value):
    return value.date() if isinstance(value, datetime.datetime) else value


def activity_yield_for(campaign, *, as_of, units=None, scope=None, version=None):
    """The outreach activities' yield (campaign.activity_yield) over `units`' activities,
    kept under the figures version (the activities' tables move it too)."""
    scope = scope if scope is not None else scope_parts(units)
    version = scope_version(units) if version is None else version

    def compute():
        whole = whole_or(units, scope)
        members = None
        if whole is not None:
            members = set(Member.objects.filter(unit__in=whole).values_list("pk", flat=True))
        return compute_yield(campaign, as_of=as_of, units=whole, visible_members=members)

    return kept(["activity yield", campaign.pk, as_of, scope], compute, version)
