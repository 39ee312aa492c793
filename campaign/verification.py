"""Every case checked against the police's activation list (rules.md, "Verification against
the activation list"; interfaces.md §5).

The list in force for a campaign is its latest import (`ActivationList`); its rows are
`ActivationEntry`. Each case keeps the list's values for its resident (`official_level`,
`official_activated_on`, `official_portal`, all NULL when the resident is not on the list),
written here at every import of the list and by every write path that touches a resident
(`refresh_official`, called beside `campaign.rule_inputs.refresh_rule_inputs`). A case's
status is then a condition over the case alone, with the campaign's tolerance:

- verified: on the list, the same level, an activation date within the tolerance, and,
  where the list says, the same portal answer;
- differs: on the list, something differs;
- not found: not on the list;
- not checked: no list in force.

The status is a `Q` over the cases table like the rules of `campaign.rules`, so that a
member's counts of each status are one aggregate, and a case's status follows a correction
at once.
"""

import copy
import datetime
from collections.abc import Iterable

from django.db import connection
from django.db.models import (
    CharField,
    Count,
    DateField,
    Exists,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models import Case as CaseWhen
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from config import formats

from .bulk import in_batches
from .models import ActivationEntry, ActivationList, Campaign, Case, FiguresFrom, Resident
from . import rules

VERIFIED = "verified"
DIFFERS = "differs"
NOT_FOUND = "not_found"
NOT_CHECKED = "not_checked"
STATUSES = (VERIFIED, DIFFERS, NOT_FOUND, NOT_CHECKED)
LABELS = {
    VERIFIED: _("verified"),
    DIFFERS: _("differs from the activation list"),
    NOT_FOUND: _("not on the activation list"),
    NOT_CHECKED: _("not checked"),
}
# What a secretary checks, by status.
ADVICE = {
    DIFFERS: _(
        "Check the level, the activation date and the portal answer with the resident; "
        "correct the case if it was typed wrong."
    ),
    NOT_FOUND: _(
        "Check the ID number with the resident's card; the account may not be activated yet, "
        "or activated outside the police's area."
    ),
}


def list_in_force(campaign: Campaign) -> ActivationList | None:
    """The campaign's latest imported list whose rows are still kept, or None (one query:
    not cached on the campaign, which may outlive an import)."""
    if campaign is None or campaign.pk is None:
        return None
    return (
        ActivationList.objects.filter(campaign_id=campaign.pk, rows_removed_at__isnull=True)
        .order_by("-imported_at", "-pk")
        .first()
    )


def forget_list_in_force(campaign):
    """(Nothing is cached: kept for the callers that import a list.)"""


# --- The statuses as conditions over the cases table ----------------------------------------


class AddDays(Func):
    """A date column plus a whole number of days, as a date (PostgreSQL: date + integer;
    SQLite: date(column, '+N days'), text in the stored form)."""

    output_field = DateField()

    def __init__(self, expression, days):
        super().__init__(expression)
        self.days = int(days)

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} + {self.days})", params

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"date({sql}, '{self.days:+d} days')", params


def on_list() -> Q:
    return Q(official_level__isnull=False)


def is_verified(campaign: Campaign) -> Q:
    """On the list with the same level, an activation date within the campaign's tolerance,
    and the same portal answer where the list gives one."""
    tolerance = campaign.verification_tolerance_days or 0
    if tolerance:
        same_day = Q(
            activated_on__gte=AddDays("official_activated_on", -tolerance),
            activated_on__lte=AddDays("official_activated_on", tolerance),
        )
    else:
        same_day = Q(activated_on=F("official_activated_on"))
    return (
        on_list()
        & Q(official_level=F("eid_level"))
        & same_day
        & (Q(official_portal__isnull=True) | Q(official_portal=F("portal_used")))
    )


def status_conditions(campaign: Campaign) -> dict:
    """{status: Q} of the three statuses a list in force gives (they partition the cases)."""
    verified = is_verified(campaign)
    return {
        VERIFIED: verified,
        DIFFERS: on_list() & ~verified,
        NOT_FOUND: ~on_list(),
    }


def with_status(cases: QuerySet, campaign: Campaign) -> QuerySet:
    """`cases` annotated with `verification` (one of STATUSES), in the same query: whether
    a list is in force for the case's campaign is read by the database too."""
    in_force = ActivationList.objects.filter(
        campaign_id=OuterRef("campaign_id"), rows_removed_at__isnull=True
    )
    return cases.annotate(
        verification=CaseWhen(
            When(~Exists(in_force), then=Value(NOT_CHECKED)),
            When(~on_list(), then=Value(NOT_FOUND)),
            When(is_verified(campaign), then=Value(VERIFIED)),
            default=Value(DIFFERS),
            output_field=CharField(),
        )
    )


def status_counts(campaign: Campaign) -> dict:
    """The Count aggregates of each status (verified, differs, not_found), for
    `.annotate(**...)` or `.aggregate(**...)` over a campaign's cases."""
    return {
        status: Count("pk", filter=condition)
        for status, condition in status_conditions(campaign).items()
    }


def status_of(case, campaign: Campaign, *, checked: bool | None = None) -> str:
    """One case's status, read in Python from its stored values (a page showing one case)."""
    if checked is None:
        checked = list_in_force(campaign) is not None
    if not checked:
        return NOT_CHECKED
    if case.official_level is None:
        return NOT_FOUND
    tolerance = campaign.verification_tolerance_days or 0
    same_day = (
        case.activated_on is not None
        and abs((case.activated_on - case.official_activated_on).days) <= tolerance
    )
    if (
        case.eid_level == case.official_level
        and same_day
        and (case.official_portal is None or case.official_portal == case.portal_used)
    ):
        return VERIFIED
    return DIFFERS


def differences(case) -> list:
    """[(what, typed, official)] of what differs between the case and the list (for a case
    on the list), in words and dd/mm/yyyy."""
    rows = []

    def day(value):
        return formats.day(value) if isinstance(value, datetime.date) else "—"

    def yes_no(value):
        return "—" if value is None else (_("yes") if value else _("no"))

    if case.official_level is None:
        return rows
    if case.eid_level != case.official_level:
        rows.append((_("e-ID level"), case.eid_level or "—", case.official_level))
    if case.activated_on != case.official_activated_on:
        rows.append((_("activated on"), day(case.activated_on), day(case.official_activated_on)))
    if case.official_portal is not None and case.official_portal != case.portal_used:
        rows.append((_("portal"), yes_no(case.portal_used), yes_no(case.official_portal)))
    return rows


# --- Keeping the list's values on the cases -------------------------------------------------

OFFICIAL = ("official_level", "official_activated_on", "official_portal")


def refresh_official(
    *,
    campaign: Campaign | None = None,
    resident_ids: Iterable[int] | None = None,
    id_numbers: Iterable[str] | None = None,
    force: bool = False,
) -> int:
    """Write on the cases (of `campaign`, or all; of `resident_ids` or of the residents with
    `id_numbers`, or all) the activation list's values for their resident, only where they
    changed. Returns how many cases changed.

    With no list row anywhere every case's values are NULL already (whoever removes rows
    refreshes with `force`), so the writes of a campaign without a list cost one query."""
    if not force and not ActivationEntry.objects.exists():
        return 0
    if id_numbers is not None:
        ids = []
        for batch in in_batches(sorted(set(id_numbers))):
            ids += Resident.objects.filter(id_number__in=batch).values_list("pk", flat=True)
        resident_ids = ids if resident_ids is None else [*resident_ids, *ids]
    if resident_ids is not None:
        resident_ids = sorted({int(pk) for pk in resident_ids if pk is not None})
        if not resident_ids:
            return 0
        if len(resident_ids) > 5000:
            # Many residents: one pass over the campaign's (or every) case is cheaper.
            resident_ids = None
    if connection.vendor == "postgresql":
        return _refresh_postgres(campaign, resident_ids)
    return _refresh_portable(campaign, resident_ids)


def _scope_sql(alias, campaign, resident_ids):
    where, params = [], []
    if campaign is not None:
        where.append(f"{alias}.campaign_id = %s")
        params.append(campaign.pk)
    if resident_ids is not None:
        if connection.vendor == "postgresql":
            where.append(f"{alias}.resident_id = ANY(%s::bigint[])")
            params.append("{" + ",".join(map(str, resident_ids)) + "}")
        else:
            where.append(f"{alias}.resident_id IN ({', '.join(['%s'] * len(resident_ids))})")
            params += resident_ids
    return (" AND ".join(where) or "true"), params


def _refresh_postgres(campaign, resident_ids):
    cases, residents = Case._meta.db_table, Resident._meta.db_table
    entries = ActivationEntry._meta.db_table
    scope, params = _scope_sql("c2", campaign, resident_ids)
    changed = " OR ".join(f"c.{name} IS DISTINCT FROM f.{name}" for name in OFFICIAL)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {cases} AS c
                SET official_level = f.official_level,
                    official_activated_on = f.official_activated_on,
                    official_portal = f.official_portal
                FROM (
                    SELECT c2.id, e.eid_level AS official_level,
                        e.activated_on AS official_activated_on,
                        e.portal_used AS official_portal
                    FROM {cases} c2
                    JOIN {residents} r ON r.id = c2.resident_id
                    LEFT JOIN {entries} e
                        ON e.campaign_id = c2.campaign_id AND e.id_number = r.id_number
                    WHERE {scope}
                ) AS f
                WHERE c.id = f.id AND ({changed})""",
            params,
        )
        return cursor.rowcount


def _refresh_portable(campaign, resident_ids):
    cases, residents = Case._meta.db_table, Resident._meta.db_table
    entries = ActivationEntry._meta.db_table
    total = 0
    batches = [None] if resident_ids is None else list(in_batches(resident_ids, 500))
    for batch in batches:
        scope, params = _scope_sql(cases, campaign, batch)
        value = {
            name: (
                f"(SELECT e.{column} FROM {entries} e JOIN {residents} r"
                f" ON r.id_number = e.id_number WHERE r.id = {cases}.resident_id"
                f" AND e.campaign_id = {cases}.campaign_id)"
            )
            for name, column in zip(OFFICIAL, ("eid_level", "activated_on", "portal_used"))
        }
        changed = " OR ".join(f"{name} IS NOT {value[name]}" for name in OFFICIAL)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {cases} SET {', '.join(f'{n} = {v}' for n, v in value.items())}"
                f" WHERE {scope} AND ({changed})",
                params,
            )
            total += cursor.rowcount
    return total


def drift() -> list:
    """Cases whose kept list values differ from the list in force: [(case id, field, kept,
    from the list)]. Read-only."""
    differences_found = []
    entries = {
        (campaign_id, id_number): (level, day, portal)
        for campaign_id, id_number, level, day, portal in ActivationEntry.objects.values_list(
            "campaign_id", "id_number", "eid_level", "activated_on", "portal_used"
        )
    }
    for pk, campaign_id, id_number, *kept in Case.objects.values_list(
        "pk", "campaign_id", "resident__id_number", *OFFICIAL
    ):
        fresh = entries.get((campaign_id, id_number), (None, None, None))
        for name, stored, value in zip(OFFICIAL, kept, fresh):
            if stored != value:
                differences_found.append((pk, name, stored, value))
    return differences_found


# --- Counts per member ----------------------------------------------------------------------

MEMBER_COUNTS = (
    "verified",
    "differs",
    "not_found",
    "recorded_eid",
    "recorded_full",
    "official_eid",
    "official_full",
)


def as_source(campaign: Campaign, figures_from: str) -> Campaign:
    """A copy of `campaign` (unsaved, no query) whose figures come from `figures_from`: the
    `campaign_results --figures-from` of interfaces.md §2, the setting left as it is."""
    view = copy.copy(campaign)
    view.figures_from = figures_from
    return view


def member_verification_counts(cases: QuerySet, campaign: Campaign, as_of) -> QuerySet:
    """For `cases` (one campaign's, a list in force), one row per member: the cases of each
    status, and the credited e-ID and full cases counted from what was typed and from the
    list. One aggregate query over the cases table."""
    recorded = as_source(campaign, FiguresFrom.RECORDED)
    official = as_source(campaign, FiguresFrom.ACTIVATION_LIST)
    counts = status_counts(campaign)
    counts.update(
        recorded_eid=Count("pk", filter=rules.credited_eid(recorded, as_of)),
        recorded_full=Count("pk", filter=rules.credited_full(recorded, as_of)),
        official_eid=Count("pk", filter=rules.credited_eid(official, as_of)),
        official_full=Count("pk", filter=rules.credited_full(official, as_of)),
    )
    return cases.filter(campaign=campaign).order_by().values("member_id").annotate(**counts)
