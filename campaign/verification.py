"""Every case checked against the police's activation list (rules.md, "Verification against
the activation list"; interfaces.md §5).

The list in force for a campaign is its latest import (`ActivationList`); its rows are
`ActivationEntry`, kept in their own table beside the cases. Each row knows its resident
(`ActivationEntry.resident`, set at the import and by every write path that adds a resident
or changes one's ID number: `refresh_official`, called beside
`campaign.rule_inputs.refresh_rule_inputs`), and a case reaches its resident's row through
`Case.official`, a join on (campaign, resident). An import writes the list alone, never the
cases. A case's status is then a condition over the case and that join, with the campaign's
tolerance:

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
from django.db.models import Case as CaseWhen
from django.db.models import (
    CharField,
    Count,
    DateField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils.translation import gettext_lazy as _

from config import formats

from . import rules
from .bulk import in_batches
from .models import ActivationEntry, ActivationList, Campaign, FiguresFrom, Resident

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


# The list's values of a case, through the join (`Case.official`).
LEVEL, DAY, PORTAL = "official__eid_level", "official__activated_on", "official__portal_used"


def on_list() -> Q:
    return Q(**{f"{LEVEL}__isnull": False})


def is_verified(campaign: Campaign) -> Q:
    """On the list with the same level, an activation date within the campaign's tolerance,
    and the same portal answer where the list gives one."""
    tolerance = campaign.verification_tolerance_days or 0
    if tolerance:
        same_day = Q(
            activated_on__gte=AddDays(DAY, -tolerance),
            activated_on__lte=AddDays(DAY, tolerance),
        )
    else:
        same_day = Q(activated_on=F(DAY))
    return (
        on_list()
        & Q(eid_level=F(LEVEL))
        & same_day
        & (Q(**{f"{PORTAL}__isnull": True}) | Q(portal_used=F(PORTAL)))
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


# --- Keeping each row of the list joined to its resident ------------------------------------


def refresh_official(
    *,
    campaign: Campaign | None = None,
    resident_ids: Iterable[int] | None = None,
    id_numbers: Iterable[str] | None = None,
    force: bool = False,
) -> int:
    """Join the list's rows (of `campaign`, or all) to the residents (of `resident_ids` or
    with `id_numbers`, or all) whose ID number they hold, only where that changed: a new
    resident, or a resident whose ID number was corrected, reaches their row of the list at
    once. Returns how many rows changed. Nothing is written on the cases.

    Rows kept after retention (no ID number) keep the resident they had. With no row of a
    list in force anywhere, one query."""
    live = ActivationEntry.objects.filter(id_number__isnull=False)
    if campaign is not None:
        live = live.filter(campaign_id=campaign.pk)
    if not live.exists():
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
            resident_ids = None  # many residents: one pass over every row is cheaper
    entries, residents = ActivationEntry._meta.db_table, Resident._meta.db_table
    changed = 0
    batches = [None] if resident_ids is None else list(in_batches(resident_ids, 500))
    with connection.cursor() as cursor:
        for batch in batches:
            where, params = ["e.id_number IS NOT NULL"], []
            if campaign is not None:
                where.append("e.campaign_id = %s")
                params.append(campaign.pk)
            scope = " AND ".join(where)
            if batch is None:
                own, own_params = "true", []
                theirs, theirs_params = "true", []
            else:
                marks = ", ".join(["%s"] * len(batch))
                own, own_params = f"e.resident_id IN ({marks})", list(batch)
                theirs = f"e.id_number IN (SELECT id_number FROM {residents} WHERE id IN ({marks}))"
                theirs_params = list(batch)
            # First a row whose resident no longer holds its ID number lets go of them...
            cursor.execute(
                f"UPDATE {entries} AS e SET resident_id = NULL WHERE {scope} AND {own}"
                " AND e.resident_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM"
                f" {residents} r WHERE r.id = e.resident_id AND r.id_number = e.id_number)",
                params + own_params,
            )
            changed += cursor.rowcount
            # ... then every row reaches the resident who holds its ID number now.
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"UPDATE {entries} AS e SET resident_id = r.id FROM {residents} r"
                    f" WHERE {scope} AND {theirs} AND r.id_number = e.id_number"
                    " AND e.resident_id IS DISTINCT FROM r.id",
                    params + theirs_params,
                )
            else:
                found = f"(SELECT r.id FROM {residents} r WHERE r.id_number = e.id_number)"
                cursor.execute(
                    f"UPDATE {entries} AS e SET resident_id = {found}"
                    f" WHERE {scope} AND {theirs} AND e.resident_id IS NOT {found}",
                    params + theirs_params,
                )
            changed += cursor.rowcount
    return changed


def link_list(activation_list) -> int:
    """Join every row of a list just written to its resident (one statement)."""
    entries, residents = ActivationEntry._meta.db_table, Resident._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {entries} AS e SET resident_id = r.id FROM {residents} r"
                " WHERE e.activation_list_id = %s AND r.id_number = e.id_number",
                [activation_list.pk],
            )
        else:
            cursor.execute(
                f"UPDATE {entries} SET resident_id = (SELECT r.id FROM {residents} r"
                f" WHERE r.id_number = {entries}.id_number) WHERE activation_list_id = %s",
                [activation_list.pk],
            )
        return cursor.rowcount


def drift() -> list:
    """Rows of a list in force not joined to the resident who holds their ID number:
    [(row id, "resident", joined, holder)]. Read-only."""
    holders = dict(Resident.objects.values_list("id_number", "pk"))
    return [
        (pk, "resident", joined, holders.get(id_number))
        for pk, id_number, joined in ActivationEntry.objects.filter(
            id_number__isnull=False
        ).values_list("pk", "id_number", "resident_id")
        if holders.get(id_number) != joined
    ]


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
