"""The plan's rules (rules.md, plan section IV.1): when a case is credited to its member,
and, when it is not, every reason why.

Each rule is defined once, here, as the condition a case must meet (a `Q` over the cases
table and its stored rule inputs, see `campaign.claims`). Every figure — a member's credited
count, a unit's average, a report's named list, a case's "why not credited" — is built from
these same conditions, in the database.

    e-ID case   = in_activation_window & not_double_claimed & resident_not_cadre
    full case   = e-ID case & has_portal_account

The numbers the rules use (the activation start, the quotas, the award thresholds) are the
campaign's settings; nothing here holds a number of its own.
"""

import datetime
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce

from django.db.models import (
    BooleanField,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as CaseWhen
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.formats import day
from units.models import Member, MemberCategory, UnitKind

from .models import Campaign, Case, DoubleClaimResolution, FiguresFrom

# --- Which figures: recorded, or the activation list's ------------------------------------
# With the campaign's "figures from" the activation list (rules.md, verification), a case's
# level, activation date and, where the list says, portal answer are the list's (its row for
# the case's resident, joined through `Case.official`, see campaign.verification); a resident
# not on the list is not activated. Every other
# rule stands as it is.


def from_activation_list(campaign: Campaign | None) -> bool:
    return getattr(campaign, "figures_from", None) == FiguresFrom.ACTIVATION_LIST


def level_field(campaign: Campaign | None = None) -> str:
    return "official__eid_level" if from_activation_list(campaign) else "eid_level"


def day_field(campaign: Campaign | None = None) -> str:
    return "official__activated_on" if from_activation_list(campaign) else "activated_on"


# --- The conditions a case must meet --------------------------------------------------------


def is_activated(campaign: Campaign | None = None) -> Q:
    """The resident's e-ID account (level 1 or 2) is activated."""
    return Q(**{f"{level_field(campaign)}__isnull": False, f"{day_field(campaign)}__isnull": False})


def activated_before_start(campaign: Campaign) -> Q:
    """Activated before the campaign's activation start: accounts that existed before the
    plan was signed never count."""
    return Q(**{f"{day_field(campaign)}__lt": campaign.activation_starts_on})


def activated_after(as_of: datetime.date, campaign: Campaign | None = None) -> Q:
    """Activated after the day the figures are taken on (a report's last day)."""
    return Q(**{f"{day_field(campaign)}__gt": as_of})


def in_activation_window(campaign: Campaign, as_of: datetime.date) -> Q:
    """Activated on or after the campaign's activation start and on or before `as_of`."""
    return (
        is_activated(campaign)
        & ~activated_before_start(campaign)
        & ~activated_after(as_of, campaign)
    )


def activated_since(since: datetime.date, campaign: Campaign | None = None) -> Q:
    """Activated on or after `since`: the part of a window that falls in a period."""
    return Q(**{f"{day_field(campaign)}__gte": since})


def is_double_claim() -> Q:
    """Another member (of the same unit kind, when the campaign counts double claims only
    within a kind) lists the same resident in the same campaign."""
    return Q(claimants__gt=1)


def not_double_claimed() -> Q:
    """Nobody else claims the resident, or a district administrator's standing resolution
    awards the case to this case's member. An unresolved double claim credits nobody."""
    return ~is_double_claim() | Q(claim_awarded=True)


def guided_by(day: datetime.date) -> Q:
    """The cases guided on or before `day`: by their guidance date, or without one by their
    activation date, or without either by the day they were recorded. The residents reached
    ("người dân được hướng dẫn") on a past day count these, so the headline follows the page's
    day like every figure on it."""
    next_day = timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
    )
    undated = Q(guided_on__isnull=True)
    return (
        Q(guided_on__lte=day)
        | undated & Q(activated_on__lte=day)
        | undated & Q(activated_on__isnull=True, created_at__lt=next_day)
    )


def resident_not_cadre() -> Q:
    """The resident is not a cadre, union member, civil servant or in the armed forces:
    neither declared so, nor (if the campaign says so) on any member roster."""
    return Q(resident_excluded=False)


def has_portal_account(campaign: Campaign | None = None) -> Q:
    """The resident also activated and used the public service portal account (from the
    activation list: as the list says, or as typed where the list says nothing of it)."""
    if from_activation_list(campaign):
        return Q(official__portal_used=True) | Q(
            official__portal_used__isnull=True, portal_used=True
        )
    return Q(portal_used=True)


def is_before_start(campaign: Campaign, day: datetime.date) -> bool:
    """`activated_before_start` for one typed day, before any case is saved (a form's
    warning): the same comparison with the campaign's activation start."""
    return day < campaign.activation_starts_on


# --- The rules, each with the reason shown when a case fails it -----------------------------


@dataclass(frozen=True)
class Facts:
    """What a reason names beyond the case itself, read once for a list of cases: the
    campaign, who claims each double-claimed resident, and how a resolution decided."""

    campaign: Campaign
    claimants: dict  # resident id -> [(member id, name, unit name)]
    decisions: dict  # resident id -> the name of the member credited, or "nobody"


def _counted_day(case, facts):
    """The activation day the figures read: typed, or the activation list's."""
    if from_activation_list(facts.campaign):
        return case.official_activated_on
    return case.activated_on


def _why_before_start(case, facts):
    return gettext("activated on %(day)s, before the campaign start %(start)s") % {
        "day": day(_counted_day(case, facts)),
        "start": day(facts.campaign.activation_starts_on),
    }


def _why_after_as_of(case, facts):
    return gettext("activated on %(day)s, after the reporting date") % {
        "day": day(_counted_day(case, facts))
    }


def _why_double_claim(case, facts):
    names = ", ".join(
        f"{name} ({unit})"
        for member_id, name, unit in facts.claimants.get(case.resident_id, [])
        if member_id != case.member_id
    )
    text = gettext("claimed by another member: %(names)s") % {"names": names}
    if case.resident_id in facts.decisions:
        return (
            text
            + " · "
            + gettext("resolved: credited to %(name)s")
            % {"name": facts.decisions[case.resident_id]}
        )
    return text + " · " + gettext("not resolved yet: credited to nobody")


def _why_resident_cadre(case, facts):
    if case.resident.declared_category:
        return gettext("the resident is declared: %(category)s") % {
            "category": case.resident.declared_category
        }
    if case.roster_name:
        return gettext("the resident's ID number is on a member roster (%(name)s)") % {
            "name": case.roster_name
        }
    return None


@dataclass(frozen=True)
class Rule:
    """One condition of rules.md, with the reason shown when a case fails it."""

    code: str
    reason: str  # the short reason, for a tally of reasons
    condition: Callable[[Campaign, datetime.date], Q]  # what a credited case meets
    full_only: bool = False  # fails the full case only, not the e-ID case
    # The reason with this case's facts (None: the short reason says it all).
    explained: Callable[[Case, Facts], str | None] | None = None

    def why(self, case, facts: Facts) -> str:
        """Why `case` fails this rule, in the words shown beside it."""
        return (self.explained and self.explained(case, facts)) or str(self.reason)


RULES = [
    Rule("not_activated", _("e-ID account not activated"), lambda c, d: is_activated(c)),
    Rule(
        "before_start",
        _("activated before the campaign start"),
        lambda c, d: ~activated_before_start(c),
        explained=_why_before_start,
    ),
    Rule(
        "after_as_of",
        _("activated after the reporting date"),
        lambda c, d: ~activated_after(d, c),
        explained=_why_after_as_of,
    ),
    Rule(
        "double_claim",
        _("claimed by another member"),
        lambda c, d: not_double_claimed(),
        explained=_why_double_claim,
    ),
    Rule(
        "resident_cadre",
        _("the resident is a cadre, union member, civil servant or armed forces"),
        lambda c, d: resident_not_cadre(),
        explained=_why_resident_cadre,
    ),
    Rule(
        "no_portal",
        _("no public service portal account"),
        lambda c, d: has_portal_account(c),
        full_only=True,
    ),
]


def _all_of(rules, campaign, as_of):
    return reduce(operator.and_, (rule.condition(campaign, as_of) for rule in rules))


def credited_eid(campaign: Campaign, as_of: datetime.date) -> Q:
    """A credited e-ID case: it meets every rule but those of the full case only."""
    return _all_of([rule for rule in RULES if not rule.full_only], campaign, as_of)


def credited_full(campaign: Campaign, as_of: datetime.date) -> Q:
    """A credited full case, meeting every rule: the measure that quotas and awards count."""
    return _all_of(RULES, campaign, as_of)


def _flag(q):
    return CaseWhen(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def with_verdict(
    cases: QuerySet, campaign: Campaign, as_of: datetime.date, since: datetime.date | None = None
) -> QuerySet:
    """Annotate `cases` with `is_credited_eid`, `is_credited_full`, `in_period` and one
    `fails_<code>` flag per rule, all computed by the database from the rules above. Pages
    and templates read these flags rather than restating a condition."""
    flags = {f"fails_{rule.code}": _flag(~rule.condition(campaign, as_of)) for rule in RULES}
    flags["is_credited_eid"] = _flag(credited_eid(campaign, as_of))
    flags["is_credited_full"] = _flag(credited_full(campaign, as_of))
    flags["in_period"] = _flag(activated_since(since, campaign)) if since else Value(True)
    return cases.annotate(**flags)


@dataclass
class Verdict:
    """A case's standing under the rules, with every reason it is not credited."""

    case: Case
    credited_eid: bool
    credited_full: bool
    in_period: bool
    reasons: list = field(default_factory=list)  # [(code, text)], in the order of RULES

    @property
    def codes(self):
        return [code for code, _text in self.reasons]


def explain(
    cases: QuerySet, campaign: Campaign, as_of: datetime.date, since: datetime.date | None = None
) -> list["Verdict"]:
    """The verdict on each of `cases` (a queryset of one campaign's cases), reasons named:
    who else claims the resident and how a resolution decided, why the resident is excluded.
    A constant number of queries, whatever the number of cases."""
    cases = list(
        with_verdict(cases.filter(campaign=campaign), campaign, as_of, since)
        .select_related("resident", "member__unit", "official")
        .annotate(
            roster_name=Subquery(
                Member.objects.filter(id_number=OuterRef("resident__id_number")).values(
                    "full_name"
                )[:1]
            )
        )
    )
    facts = _facts(campaign, {case.resident_id for case in cases if case.fails_double_claim})
    return [
        Verdict(
            case,
            case.is_credited_eid,
            case.is_credited_full,
            case.in_period,
            [
                (rule.code, rule.why(case, facts))
                for rule in RULES
                if getattr(case, f"fails_{rule.code}")
            ],
        )
        for case in cases
    ]


def _facts(campaign, claimed):
    """The claimants and standing decisions of the double-claimed residents `claimed`."""
    claimants, decisions = {}, {}
    if claimed:
        for rid, mid, name, unit in Case.objects.filter(
            campaign=campaign, resident_id__in=claimed
        ).values_list("resident_id", "member_id", "member__full_name", "member__unit__name"):
            claimants.setdefault(rid, []).append((mid, name, unit))
        for rid, awarded in DoubleClaimResolution.objects.filter(
            campaign=campaign, resident_id__in=claimed, undone_at__isnull=True
        ).values_list("resident_id", "awarded_to__full_name"):
            decisions[rid] = awarded or gettext("nobody")
    return Facts(campaign, claimants, decisions)


# --- Figures --------------------------------------------------------------------------------


def member_case_counts(
    cases: QuerySet, campaign: Campaign, as_of: datetime.date, since: datetime.date | None = None
) -> QuerySet:
    """For `cases` (one campaign's), one row per member: `cases` (distinct residents listed;
    a member lists a resident at most once), `double_claims`, `credited_eid`,
    `credited_full`, and with `since` the same credited counts activated within the period
    (`period_eid`, `period_full`). One aggregate query over the cases table."""
    eid, full = credited_eid(campaign, as_of), credited_full(campaign, as_of)
    counts = {
        "cases": Count("pk"),
        "double_claims": Count("pk", filter=is_double_claim()),
        "credited_eid": Count("pk", filter=eid),
        "credited_full": Count("pk", filter=full),
    }
    if since:
        counts["period_eid"] = Count("pk", filter=eid & activated_since(since, campaign))
        counts["period_full"] = Count("pk", filter=full & activated_since(since, campaign))
    return cases.filter(campaign=campaign).order_by().values("member_id").annotate(**counts)


def meets_quota(campaign: Campaign, category: str, credited_full_count: int) -> bool:
    return credited_full_count >= campaign.quota_for(category)


def earns_individual_award(campaign: Campaign, credited_full_count: int) -> bool:
    return credited_full_count >= campaign.individual_award_threshold


def earns_collective_award(campaign: Campaign, credited_full_count: int, members: int) -> bool:
    """Compared exactly, never on the rounded average: full cases >= threshold x members."""
    return (
        members > 0
        and Decimal(credited_full_count) >= campaign.collective_award_threshold * members
    )


def average(credited_full_count: int, members: int) -> Decimal:
    """Credited full cases per member, rounded half up to 2 decimals (0 with no members)."""
    if not members:
        return Decimal("0.00")
    return (Decimal(credited_full_count) / Decimal(members)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


# --- Members' own compliance (plan II.1) ----------------------------------------------------

COMPLIANCE_UNIT_KINDS = (UnitKind.YOUTH_UNION, UnitKind.WOMENS_UNION)


def bound_by_own_compliance() -> Q:
    """Plan II.1 binds the active cadres of the Youth Union and the Women's Union, all levels."""
    return Q(active=True, category=MemberCategory.CADRE, unit__kind__in=COMPLIANCE_UNIT_KINDS)


def own_procedures_on_target(campaign: Campaign) -> Q:
    """Files online at least the campaign's share (100%) of their own procedures."""
    return Q(own_procedures_total__gt=0) & _share_reached(
        "own_procedures_online", "own_procedures_total", campaign.own_procedures_target
    )


def family_procedures_on_target(campaign: Campaign) -> Q:
    """Files online at least the campaign's share (70%) of their family's procedures."""
    return Q(family_procedures_total__gt=0) & _share_reached(
        "family_procedures_online", "family_procedures_total", campaign.family_procedures_target
    )


def _share_reached(online, total, percent):
    # Kept in integers (online x 100 >= percent x total): 70% of 10 is 7, not 7.000000000000001.
    return GreaterThanOrEqual(F(online) * 100, F(total) * percent)


def own_compliance_counts(members: QuerySet, campaign: Campaign, *, unit="unit_id") -> QuerySet:
    """For `members`, one row per unit (the field `unit` names it): how many are bound by plan II.1 and how many of them
    hold a level-2 account, activated VNeID, use the portal, and meet the own and family
    procedure targets. One aggregate query over the members table."""
    bound = bound_by_own_compliance()
    return (
        members.order_by()
        .values(unit)
        .annotate(
            bound=Count("pk", filter=bound),
            level2=Count("pk", filter=bound & Q(has_level2_account=True)),
            vneid=Count("pk", filter=bound & Q(vneid_activated=True)),
            portal=Count("pk", filter=bound & Q(portal_used=True)),
            own_procedures=Count("pk", filter=bound & own_procedures_on_target(campaign)),
            family_procedures=Count("pk", filter=bound & family_procedures_on_target(campaign)),
        )
    )
