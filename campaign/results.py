"""The campaign's figures for members, units and the whole campaign, built from the rules in
`campaign.rules` with a constant number of queries: one aggregate over the cases table
(per member), one over the members table (own compliance), one over the cases table for
the campaign's totals, the units and members themselves, and one telling whether a unit
changed after the day (units.history; then the tree as it stood is read, two or three
queries more). A unit's figures include its
sub-units': they are rolled up over the tree in Python from per-member rows (units and
members are few; cases never leave the database).

`build_results(campaign, as_of=..., since=..., units=...)` is the one entry point. The
product reads it through the figures engine (`dashboards.figures`: the members' counts from
the tallies, kept under the figures version): the pages, the report workbook and the
`campaign_results` command. Counting from the cases, it is the tests' reference.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, lru_cache

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from units.history import tree_on
from units.models import Member, Unit, UnitKind
from units.normalize import fold

from . import rules, verification
from .models import Campaign, Case, FiguresFrom

UNSET = object()  # build_results' `tree` not given: read it
KINDS = (UnitKind.POLICE, UnitKind.YOUTH_UNION, UnitKind.WOMENS_UNION, UnitKind.YOUTH_FEDERATION)


@dataclass
class MemberResult:
    """A member's figures (members who left keep theirs)."""

    pk: int
    id_number: str
    name: str
    unit_id: int
    unit_code: str
    category: str
    active: bool
    cases: int = 0
    credited_eid: int = 0
    credited_full: int = 0
    double_claims: int = 0
    period_eid: int = 0
    period_full: int = 0
    quota: int = 0
    meets_quota: bool = False
    individual_award: bool = False
    # With a list in force (rules.md, verification): the member's cases by status, and the
    # credited cases counted both ways, recorded and from the list, whichever is in force.
    verified: int = 0
    differs: int = 0
    not_found: int = 0
    recorded_eid: int = 0
    recorded_full: int = 0
    official_eid: int = 0
    official_full: int = 0

    @property
    def gap_full(self):
        """Recorded credited full cases minus the activation list's."""
        return self.recorded_full - self.official_full

    def as_json(self):
        return {
            "id_number": self.id_number,
            "name": self.name,
            "unit": self.unit_code,
            "category": self.category,
            "cases": self.cases,
            "credited_eid": self.credited_eid,
            "credited_full": self.credited_full,
            "double_claims": self.double_claims,
            "quota": self.quota,
            "meets_quota": self.meets_quota,
            "individual_award": self.individual_award,
        }


@dataclass
class Tally:
    """Figures that add up over members and units."""

    members: int = 0  # active members
    members_listed: int = 0  # every member on the roster, active or not
    cases: int = 0
    credited_eid: int = 0
    credited_full: int = 0
    period_eid: int = 0
    period_full: int = 0
    double_claims: int = 0
    meeting_quota: int = 0  # active members whose credited full cases reach their quota
    individual_awards: int = 0
    # Verification (with a list in force): cases by status, credited both ways.
    verified: int = 0
    differs: int = 0
    not_found: int = 0
    recorded_eid: int = 0
    recorded_full: int = 0
    official_eid: int = 0
    official_full: int = 0
    # Own compliance (plan II.1): cadres bound, and how many meet each target.
    bound: int = 0
    level2: int = 0
    vneid: int = 0
    portal: int = 0
    own_procedures: int = 0
    family_procedures: int = 0

    def add(self, other):
        # (through the instances' dictionaries: run for every member and unit of a district)
        mine, theirs = self.__dict__, other.__dict__
        for name in mine:
            mine[name] += theirs[name]

    def average(self):
        return rules.average(self.credited_full, self.members)

    @property
    def gap_full(self):
        """Recorded credited full cases minus the activation list's."""
        return self.recorded_full - self.official_full

    def share(self, part):
        """`part` (a field name) per cadre bound by plan II.1, as a percentage (1 decimal)."""
        return percent(getattr(self, part), self.bound)


@dataclass
class UnitResult:
    """A unit's figures, its sub-units included, also split by the kind of the members' units."""

    pk: int
    code: str
    name: str
    kind: str
    path: str
    parent_id: int | None
    closed: bool
    tally: Tally = field(default_factory=Tally)
    by_kind: dict = field(default_factory=dict)  # kind -> Tally
    average: Decimal = Decimal("0.00")
    collective_award: bool = False

    @property
    def depth(self):
        return self.path.count("/") - 1

    def as_json(self):
        return {
            "code": self.code,
            "name": self.name,
            "members": self.tally.members,
            "credited_full": self.tally.credited_full,
            "average": float(self.average),
            "collective_award": self.collective_award,
        }


@dataclass
class Results:
    campaign: object
    as_of: object
    since: object
    members: list  # MemberResult, ordered by unit then name
    units: list  # UnitResult, in tree order
    totals: Tally
    by_kind: dict  # kind -> Tally, over the members in scope
    cases: object = None  # the cases in scope (a queryset), for the summary
    figures_from: str = FiguresFrom.RECORDED
    activation_list: object = None  # the list in force (ActivationList), or None

    @cached_property
    def summary(self):
        """Campaign-wide figures (three more queries, run when first read): residents reached,
        credited e-ID cases by level, the portal's share, progress toward the targets."""
        return _summary(self.campaign, self.as_of, self.cases, self.totals, self.units)

    def unit(self, code: str) -> "UnitResult | None":
        return next((u for u in self.units if u.code == code), None)

    def as_json(self, period=None) -> dict:
        """The JSON of docs/results-json.md. For a reporting `period`, extended (never changed):
        a top-level "period", and each member's and unit's figures within the period
        ("period_eid", "period_full") beside the cumulative ones."""
        data = {
            "campaign": self.campaign.slug,
            "as_of": self.as_of.isoformat(),
            "figures_from": str(self.figures_from),
            "members": [m.as_json() for m in self.members],
            "units": [u.as_json() for u in self.units],
        }
        if self.activation_list is not None:
            data["activation_list"] = {
                "imported_at": self.activation_list.imported_at.isoformat(),
                "rows": self.activation_list.rows,
            }
            for row, member in zip(data["members"], self.members):
                row.update(
                    verified=member.verified, differs=member.differs, not_found=member.not_found
                )
        if period is not None:
            data["period"] = {
                "slug": period.slug,
                "name": period.name,
                "starts_on": period.starts_on.isoformat(),
                "ends_on": period.ends_on.isoformat(),
            }
            for row, member in zip(data["members"], self.members):
                row.update(period_eid=member.period_eid, period_full=member.period_full)
            for row, unit in zip(data["units"], self.units):
                row.update(period_eid=unit.tally.period_eid, period_full=unit.tally.period_full)
        return data


def build_results(
    campaign: Campaign,
    *,
    as_of: datetime.date,
    since: datetime.date | None = None,
    units: QuerySet | None = None,
    counts: dict | None = None,
    tree=UNSET,
) -> Results:
    """Every figure of rules.md for `campaign` on `as_of` (and, with `since`, within the
    period since..as_of as well as cumulative), for `units` (a Unit queryset closed under
    sub-units, such as `Unit.objects.visible_to(user)` or `.subtree(unit)`; all by default),
    on the tree as it stood on `as_of` (rules.md, units that change: a member's unit, a
    unit's parent, the units of `units`' subtrees then).

    `counts`, when given, are the members' case counts as `rules.member_case_counts` gives
    them, by member id, read elsewhere (the dashboards read them from the tallies kept at
    write time); otherwise they are counted from the cases. `tree`, when given, is
    `units.history.tree_on(as_of)`, read already."""
    scoped = units is not None
    if tree is UNSET:  # None: the units stood on `as_of` as they stand now
        tree = tree_on(as_of)
    unit_on = None  # {member pk: unit pk} on `as_of`, when the units changed since
    if tree is not None:
        within = tree.scope(units)
        unit_rows = tree.ordered(within)
        unit_on = tree.member_units()
        pks = tree.member_pks(within)
        members_qs, cases_qs = Member.objects.all(), Case.objects.all()
        if pks is not None:
            members_qs = members_qs.filter(pk__in=pks)
            cases_qs = cases_qs.filter(member_id__in=pks)
    else:
        unit_rows = list(
            (units if scoped else Unit.objects.all())
            .order_by("path")
            .values("pk", "code", "name", "kind", "path", "parent_id", "valid_to")
        )
        members_qs = Member.objects.all()
        cases_qs = Case.objects.all()
        if scoped:
            members_qs = members_qs.filter(unit__in=units)
            cases_qs = cases_qs.filter(member__unit__in=units)
    unit_by_pk = {row["pk"]: row for row in unit_rows}

    if counts is None:
        counts = {
            row["member_id"]: row
            for row in rules.member_case_counts(cases_qs, campaign, as_of, since)
        }
    if unit_on is None:
        compliance = {
            row["unit_id"]: row for row in rules.own_compliance_counts(members_qs, campaign)
        }
    else:  # per member, added up by their unit on `as_of`
        compliance = {}
        for row in rules.own_compliance_counts(members_qs, campaign, unit="pk"):
            found = compliance.setdefault(unit_on[row.pop("pk")], dict.fromkeys(row, 0))
            for name, value in row.items():
                found[name] += value
    checked = verification.list_in_force(campaign)
    checks = (
        {
            row["member_id"]: row
            for row in verification.member_verification_counts(cases_qs, campaign, as_of)
        }
        if checked is not None
        else {}
    )

    member_results, own = [], {}  # own: unit pk -> {kind: Tally} of its own members
    for row in members_qs.order_by().values(
        "pk", "id_number", "full_name", "unit_id", "category", "active"
    ):
        if unit_on is not None:
            row["unit_id"] = unit_on[row["pk"]]
        unit = unit_by_pk.get(row["unit_id"])
        if unit is None:
            continue
        result = MemberResult(
            pk=row["pk"],
            id_number=row["id_number"],
            name=row["full_name"],
            unit_id=row["unit_id"],
            unit_code=unit["code"],
            category=row["category"],
            active=row["active"],
            quota=campaign.quota_for(row["category"]),
        )
        found = counts.get(row["pk"])
        if found:
            for name in ("cases", "credited_eid", "credited_full", "double_claims"):
                setattr(result, name, found[name])
            result.period_eid = found.get("period_eid", 0)
            result.period_full = found.get("period_full", 0)
        check = checks.get(row["pk"])
        if check:
            for name in verification.MEMBER_COUNTS:
                setattr(result, name, check[name])
        result.meets_quota = rules.meets_quota(campaign, result.category, result.credited_full)
        result.individual_award = rules.earns_individual_award(campaign, result.credited_full)
        member_results.append(result)
        tally = own.setdefault(row["unit_id"], {}).setdefault(unit["kind"], Tally())
        _add_member(tally, result)
    # Names as a Vietnamese reader looks for them: without diacritics first (Đ among the D).
    member_results.sort(
        key=lambda m: (unit_by_pk[m.unit_id]["path"], _folded(m.name), m.name, m.id_number)
    )

    for unit_pk, row in compliance.items():
        if unit_pk in unit_by_pk:
            tally = own.setdefault(unit_pk, {}).setdefault(unit_by_pk[unit_pk]["kind"], Tally())
            for name in (
                "bound",
                "level2",
                "vneid",
                "portal",
                "own_procedures",
                "family_procedures",
            ):
                setattr(tally, name, getattr(tally, name) + row[name])

    unit_results = {
        row["pk"]: UnitResult(
            pk=row["pk"],
            code=row["code"],
            name=row["name"],
            kind=row["kind"],
            path=row["path"],
            parent_id=row["parent_id"],
            closed=row["valid_to"] is not None and row["valid_to"] < as_of,
        )
        for row in unit_rows
    }
    totals, by_kind = Tally(), {}
    for unit_pk, kinds in own.items():
        ancestors = [int(pk) for pk in unit_by_pk[unit_pk]["path"].strip("/").split("/")]
        for kind, tally in kinds.items():
            totals.add(tally)
            by_kind.setdefault(kind, Tally()).add(tally)
            for ancestor in ancestors:
                if ancestor in unit_results:
                    target = unit_results[ancestor]
                    target.tally.add(tally)
                    target.by_kind.setdefault(kind, Tally()).add(tally)
    for result in unit_results.values():
        result.average = result.tally.average()
        result.collective_award = rules.earns_collective_award(
            campaign, result.tally.credited_full, result.tally.members
        )
    ordered_units = [unit_results[row["pk"]] for row in unit_rows]
    return Results(
        campaign=campaign,
        as_of=as_of,
        since=since,
        members=member_results,
        units=ordered_units,
        totals=totals,
        by_kind=by_kind,
        cases=cases_qs,
        figures_from=campaign.figures_from,
        activation_list=checked,
    )


def _add_member(tally, result):
    """Add a member's figures to `tally` (their unit's own, for their unit's kind): what
    `Tally.add` of the member's own Tally would do, without building one for each of a
    district's thousands of members."""
    found = tally.__dict__
    active = int(result.active)
    found["members"] += active
    found["members_listed"] += 1
    found["cases"] += result.cases
    found["credited_eid"] += result.credited_eid
    found["credited_full"] += result.credited_full
    found["period_eid"] += result.period_eid
    found["period_full"] += result.period_full
    found["double_claims"] += result.double_claims
    found["meeting_quota"] += active * int(result.meets_quota)
    found["individual_awards"] += int(result.individual_award)
    for name in verification.MEMBER_COUNTS:
        found[name] += getattr(result, name)


# A member's name folded for sorting (the same few thousand names on every computation).
_folded = lru_cache(maxsize=200_000)(fold)


def _summary(campaign, as_of, cases, totals, units):
    """Campaign-wide figures: residents reached, credited e-ID cases by level, the portal's
    share of them, and progress toward the targets (plan II)."""
    eid = rules.credited_eid(campaign, as_of)
    cases = cases.filter(campaign=campaign).order_by()
    figures = cases.aggregate(
        level1=Count("pk", filter=eid & Q(**{rules.level_field(campaign): 1})),
        level2=Count("pk", filter=eid & Q(**{rules.level_field(campaign): 2})),
    )
    # Distinct residents apart, so that each count reads an index rather than the cases.
    # On a past day, only the residents guided by then (the kept figures read the same rule).
    guided = cases.filter(rules.guided_by(as_of)) if as_of < timezone.localdate() else cases
    figures["residents"] = guided.values("resident_id").distinct().count()
    figures["double_claimed_residents"] = (
        cases.filter(rules.is_double_claim()).values("resident_id").distinct().count()
    )
    return summary_figures(
        totals,
        units,
        level1=figures["level1"],
        level2=figures["level2"],
        residents=figures["residents"],
        double_claimed_residents=figures["double_claimed_residents"],
    )


def summary_figures(totals, units, *, level1, level2, residents, double_claimed_residents):
    """The campaign summary (`Results.summary`) from the totals and units of a result and
    the counts read beside them: credited e-ID cases by level, residents reached and the
    double-claimed among them. The one place the summary's shares are worked out, for the
    live results and the kept figures (`dashboards.figures`) alike."""
    figures = {
        "level1": level1,
        "level2": level2,
        "residents": residents,
        "double_claimed_residents": double_claimed_residents,
    }
    sized = [unit for unit in units if unit.tally.members and not unit.closed]
    figures.update(
        credited_eid=totals.credited_eid,
        credited_full=totals.credited_full,
        portal_share=percent(totals.credited_full, totals.credited_eid),
        members=totals.members,
        members_meeting_quota=totals.meeting_quota,
        members_meeting_quota_share=percent(totals.meeting_quota, totals.members),
        individual_awards=totals.individual_awards,
        units_with_members=len(sized),
        units_at_collective_threshold=sum(1 for unit in sized if unit.collective_award),
    )
    figures["units_at_collective_threshold_share"] = percent(
        figures["units_at_collective_threshold"], figures["units_with_members"]
    )
    return figures


def percent(part, whole):
    """`part` of `whole` in percent, rounded half up to 1 decimal (0 of nothing)."""
    if not whole:
        return Decimal("0.0")
    return (Decimal(part * 100) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
