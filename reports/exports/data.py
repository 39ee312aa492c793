"""What a report holds, as plain data: the units' figures (sub-units indented under their
parent, a totals row), the members', the award proposals, the double claims still open and
the named list of credited full cases. Every figure comes from `campaign.results`; the
named list from `campaign.rules.credited_full`, so the workbook and the results pages can
never disagree.

A report is a dict that survives JSON (a submission stores it frozen); the named list is an
iterable of rows beside it, streamed from the database for a live report.
"""

import datetime

from django.db import models
from django.db.models import Exists, F, FilteredRelation, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Cast, Substr
from django.utils.translation import gettext as _

from campaign import rules
from campaign.activity_yield import compute_yield
from campaign.claims import double_claimed_cases
from campaign.models import Case, DoubleClaimResolution
from dashboards.figures import results_for
from units.history import tree_on
from units.models import PATH_DIGITS, Unit
from units.search import Folded

# Names in the order a Vietnamese reader looks for them: without diacritics first (Đào among
# the D, not after the Z as the characters' codes put it), then as written.
VIETNAMESE_NAME_ORDER = {
    "resident": ("resident__search_name", "resident__full_name"),
    "guide": (Folded("member__full_name"), "member__full_name"),
}

# Figures that add up over units (the rest is derived from them).
ADDITIVE = ("members", "period_eid", "credited_eid", "period_full", "credited_full")

# The resident's details a named-list row shows, as the guide's tree recorded them
# (_recorded_details); the ID number is one for every tree.
NAMED_DETAILS = ("full_name", "birth_date", "phone", "address")
NAMED_LIST_FIELDS = (
    "named_full_name",
    "named_birth_date",
    "resident__id_number",
    "named_phone",
    "named_address",
    "eid_level",
    "activated_on",
    "portal_used",
    "member__full_name",
    "member__unit__name",
    "member__unit__path",
)


def scope_units(unit=None, units=None):
    """The units a report covers: `unit`'s subtree within `units` (all units by default)."""
    units = Unit.objects.all() if units is None else units
    return units.subtree(unit) if unit is not None else units


def period_json(period):
    if period is None:
        return None
    return {
        "slug": period.slug,
        "name": period.name,
        "starts_on": period.starts_on.isoformat(),
        "ends_on": period.ends_on.isoformat(),
        "due_on": period.due_on.isoformat(),
    }


def live_report(campaign, *, units, as_of, period=None):
    """The report over `units` (a Unit queryset closed under sub-units) as the data stands:
    cumulative figures as of `as_of`, and within `period` when one is given."""
    since = period.starts_on if period is not None else None
    # The kept figures (dashboards.figures), as the dashboards read them: one computation
    # per figures version, from the tallies the cases' triggers keep.
    results = results_for(campaign, as_of=as_of, since=since, units=units)
    checked = results.activation_list is not None
    shown = {u.pk for u in results.units}
    depth_of, unit_rows = {}, []
    for u in results.units:
        depth_of[u.pk] = depth_of.get(u.parent_id, -1) + 1 if u.parent_id in shown else 0
        unit_rows.append(
            {
                "code": u.code,
                "name": u.name,
                "kind": u.kind,
                "path": u.path,
                "depth": depth_of[u.pk],
                "members": u.tally.members,
                "period_eid": u.tally.period_eid,
                "credited_eid": u.tally.credited_eid,
                "period_full": u.tally.period_full,
                "credited_full": u.tally.credited_full,
                "average": str(u.average),
                "collective_award": u.collective_award,
                "status": "",
                **_checks(u.tally, checked),
            }
        )
    names = {u.code: u.name for u in results.units}
    members = [
        {
            "unit": m.unit_code,
            "unit_name": names[m.unit_code],
            "name": m.name,
            "category": m.category,
            "active": m.active,
            "quota": m.quota,
            "cases": m.cases,
            "credited_eid": m.credited_eid,
            "credited_full": m.credited_full,
            "period_eid": m.period_eid,
            "period_full": m.period_full,
            "double_claims": m.double_claims,
            "meets_quota": m.meets_quota,
            "individual_award": m.individual_award,
            **_checks(m, checked),
        }
        for m in results.members
    ]
    return {
        "campaign": campaign.slug,
        "as_of": as_of.isoformat(),
        "period": period_json(period),
        "individual_threshold": campaign.individual_award_threshold,
        "collective_threshold": str(campaign.collective_award_threshold),
        "units": unit_rows,
        "totals": totals_of(unit_rows, campaign),
        "members": members,
        "duplicates": open_double_claims(campaign, units, as_of),
        "figures_from": str(results.figures_from),
        "activation_list": (
            {
                "imported_at": results.activation_list.imported_at.isoformat(),
                "rows": results.activation_list.rows,
            }
            if checked
            else None
        ),
        "activities": activity_rows(campaign, units=units, as_of=as_of, since=since),
    }


def activity_rows(campaign, *, units, as_of, since=None):
    """The outreach activities organised by one of `units` held in the period (up to
    `as_of`): kind, days, place, organisers, members taking part, the cases naming them and
    the credited full cases among those (campaign.activity_yield)."""
    found = compute_yield(campaign, as_of=as_of, since=since, units=units, above=False)
    return [
        {
            "code": row.code,
            "title": row.title,
            "kind": row.kind,
            "starts_on": row.starts_on.isoformat(),
            "ends_on": row.ends_on.isoformat() if row.ends_on else None,
            "place": row.place,
            "organisers": row.organisers,
            "members": row.members,
            "cases": row.cases,
            "credited": row.credited,
        }
        for row in sorted(found.activities, key=lambda r: (r.starts_on, r.pk))
    ]


# Cases by verification status: blank (None) with no list in force, and in a report frozen
# before they existed.
CHECKS = ("verified", "differs", "not_found")


def _checks(figures, checked):
    return {name: getattr(figures, name) if checked else None for name in CHECKS}


def totals_of(unit_rows, campaign):
    """The totals row: the sum of the top rows (each already holds its sub-units)."""
    totals = dict.fromkeys(ADDITIVE, 0)
    checks = {}
    for row in unit_rows:
        if row["depth"] == 0:
            for name in ADDITIVE:
                totals[name] += row[name]
            for name in CHECKS:
                if row.get(name) is not None:
                    checks[name] = checks.get(name, 0) + row[name]
    totals.update({name: checks.get(name) for name in CHECKS})
    derive(totals, campaign)
    return totals


def derive(row, campaign):
    """A row's average and collective award, from its additive figures, by the rules."""
    row["average"] = str(rules.average(row["credited_full"], row["members"]))
    row["collective_award"] = rules.earns_collective_award(
        campaign, row["credited_full"], row["members"]
    )


def proposals(report):
    """(individuals, units) proposed for an award: members whose credited full cases reach
    the individual threshold, then units whose average reaches the collective one."""
    individuals = [m for m in report["members"] if m["individual_award"]]
    units = [u for u in report["units"] if u["collective_award"]]
    return individuals, units


def open_double_claims(campaign, units, as_of=None):
    """Residents claimed by two or more members of `units` with no standing resolution:
    [{name, id_number, claimants: [[guide, unit], ...]}], in name order."""
    standing = DoubleClaimResolution.objects.filter(
        campaign=campaign, resident_id=OuterRef("resident_id"), undone_at__isnull=True
    )
    unit_name = "member__unit__name"
    tree = tree_on(as_of) if as_of is not None else None
    if tree is None:
        cases = double_claimed_cases(campaign, units)
    else:  # the claimants' units as they stood on `as_of`
        within = tree.scope(units)
        pks = tree.member_pks(within)
        cases = Case.objects.filter(rules.is_double_claim(), campaign=campaign)
        if pks is not None:
            cases = cases.filter(member_id__in=pks)
        cases = cases.annotate(unit_on=tree.unit_on()).annotate(
            unit_name_on=tree.unit_value("unit_on", "name", within)
        )
        unit_name = "unit_name_on"
    rows = (
        cases.exclude(Exists(standing))
        .order_by(
            *VIETNAMESE_NAME_ORDER["resident"], "resident_id", *VIETNAMESE_NAME_ORDER["guide"], "pk"
        )
        .values_list(
            "resident_id",
            "resident__full_name",
            "resident__id_number",
            "member__full_name",
            unit_name,
            "resident__tree_id",
        )
    )
    found, foreign = {}, set()
    for resident_id, name, id_number, guide, unit, tree in rows:
        entry = found.setdefault(resident_id, {"name": name, "id_number": id_number})
        entry.setdefault("claimants", []).append([guide, unit])
        if tree is not None:
            foreign.add((resident_id, tree))
    # A resident whose Resident row is another tree's record is named as the report's own
    # tree recorded them, or not at all: never by another tree's typing.
    if foreign:
        from privacy.scope import names_recorded_by

        trees = trees_of_units(units)
        outside = {pk for pk, tree in foreign if tree not in trees}
        for pk, name in names_recorded_by(trees, outside).items():
            found[pk]["name"] = name
    return list(found.values())


def trees_of_units(units):
    """The top units (primary keys) of the trees `units` (a Unit queryset) belong to."""
    return set(
        units.annotate(top=Cast(Substr("path", 2, PATH_DIGITS), IntegerField()))
        .order_by()
        .values_list("top", flat=True)
        .distinct()
    )


def named_list(campaign, *, units, as_of, period=None, exclude_paths=()):
    """The named list: every credited full case of `units` as of `as_of`, in the order of
    the units, then guide, then resident; each row (name, birth date, ID number, phone,
    address, level, activation date, portal, guide, guide's unit, within the period, unit
    path). Streamed from the database; `exclude_paths` leaves out subtrees (submitted ones)."""
    cases = Case.objects.filter(campaign=campaign).filter(rules.credited_full(campaign, as_of))
    fields, unit_path = NAMED_LIST_FIELDS, "member__unit__path"
    tree = tree_on(as_of)
    if tree is None:
        cases = cases.filter(member__unit__in=units)
    else:  # the guides' units as they stood on `as_of` (rules.md, units that change)
        within = tree.scope(units)
        pks = tree.member_pks(within)
        if pks is not None:
            cases = cases.filter(member_id__in=pks)
        cases = cases.annotate(unit_on=tree.unit_on()).annotate(
            unit_name_on=tree.unit_value("unit_on", "name", within),
            unit_path_on=tree.unit_value("unit_on", "path", within),
        )
        fields, unit_path = (
            (*NAMED_LIST_FIELDS[:-2], "unit_name_on", "unit_path_on"),
            "unit_path_on",
        )
    for path in exclude_paths:
        cases = cases.exclude(**{f"{unit_path}__startswith": path})
    cases = _recorded_details(cases, trees_of_units(units), unit_path)
    since = period.starts_on if period is not None else None
    rows = cases.order_by(
        unit_path,
        *VIETNAMESE_NAME_ORDER["guide"],
        "member_id",
        Folded("named_full_name"),
        "named_full_name",
        "pk",
    ).values_list(*fields)
    for row in rows.iterator(chunk_size=5000):
        yield (*row[:10], since is not None and row[6] >= since, row[10])


def _recorded_details(cases, trees, unit_path):
    """`cases` with their resident's NAMED_DETAILS (`named_<field>`) as the tree of each
    case's guide recorded them: the Resident row's when it is that tree's record, else that
    tree's ResidentRecord (one LEFT JOIN per tree of the report, never a query per row),
    else none: never another tree's typing."""
    guide_tree = Cast(Substr(unit_path, 2, PATH_DIGITS), IntegerField())
    cases = cases.annotate(guide_tree=guide_tree)
    for tree in sorted(trees):
        cases = cases.alias(
            **{
                f"record_{tree}": FilteredRelation(
                    "resident__records", condition=Q(resident__records__tree_id=tree)
                )
            }
        )
    own = Q(resident__tree__isnull=True) | Q(resident__tree_id=F("guide_tree"))
    details = {}
    for name in NAMED_DETAILS:
        field = Case._meta.get_field("resident").related_model._meta.get_field(name)
        default = Value(_("(recorded by another unit)")) if name == "full_name" else None
        details[f"named_{name}"] = models.Case(
            When(own, then=F(f"resident__{name}")),
            *(When(guide_tree=tree, then=F(f"record_{tree}__{name}")) for tree in sorted(trees)),
            default=default,
            output_field=field.__class__(),
        )
    return cases.annotate(**details)


def named_list_count(campaign, *, units, as_of):
    return (
        Case.objects.filter(campaign=campaign, member__unit__in=units)
        .filter(rules.credited_full(campaign, as_of))
        .count()
    )


def freeze_named_row(row):
    """A named-list row as JSON keeps it (dates as ISO text)."""
    return [value.isoformat() if isinstance(value, datetime.date) else value for value in row]


def thaw_named_row(row):
    row = list(row)
    for index in (1, 6):
        if row[index]:
            row[index] = datetime.date.fromisoformat(row[index])
    return tuple(row)
