"""Step 2's last question: which residents whom units of other trees already guide the file
would claim (a double claim takes their credit), and by which of the file's units. The
importer holds a file that claims more than the campaign's `claims_review_threshold` for the
district administrator's review (campaign.import_reviews).

A guide the file itself adds (a new member, in a unit recorded or new in the file) claims
as any member already on a roster does: what counts is the tree of the unit the file puts
them in.
"""

from dataclasses import dataclass, field

from units.models import Member, Unit

from ..bulk import in_batches
from ..claim_notices import holders_of
from ..owners import tree_of_path


@dataclass
class PlannedClaims:
    """The claims a plan makes on other trees' residents."""

    residents: set = field(default_factory=set)  # resident pks claimed
    claiming: dict = field(default_factory=dict)  # unit code -> name, as the file leaves it
    losing: dict = field(default_factory=dict)  # losing unit pk -> residents it loses
    units: set = field(default_factory=set)  # pks of the recorded units the claims touch

    def __len__(self):
        return len(self.residents)


@dataclass(frozen=True)
class _Claimant:
    member: object  # the member's pk (None: new in the file)
    code: str  # the code of the unit the file puts them in
    name: str
    unit: object  # that unit's pk, or its nearest recorded parent's (None: none known)
    tree: object  # the top unit of that unit's tree (None: not known)


def planned_claims(plan) -> PlannedClaims:
    """The residents the plan's new and changed cases claim from units of other trees."""
    cases = [c for c in plan.case_writes if c.id_number in plan.resident_pks]
    claimants = _claimants(plan, {c.guide_id_number for c in cases})
    holders = holders_of(
        campaign=plan.campaign, residents={plan.resident_pks[c.id_number] for c in cases}
    )
    claims = PlannedClaims()
    for case in cases:
        claimant = claimants.get(case.guide_id_number)
        if claimant is None or claimant.tree is None:
            continue
        resident = plan.resident_pks[case.id_number]
        losing = {
            unit
            for _case, member, unit, tree in holders.get(resident, ())
            if member != claimant.member and tree != claimant.tree
        }
        if not losing:
            continue
        claims.residents.add(resident)
        claims.claiming[claimant.code] = claimant.name
        if claimant.unit is not None:
            claims.units.add(claimant.unit)
        for unit in losing:
            claims.losing[unit] = claims.losing.get(unit, 0) + 1
            claims.units.add(unit)
    return claims


def _claimants(plan, guides):
    """{guide ID number: _Claimant} for the guides of `guides` the plan knows: members of
    the file's members sheet in the unit it gives them, others in their recorded unit."""
    parsed, found = plan.parsed, {}
    in_file = {g: parsed.members[g].unit_code for g in guides if g in parsed.members}
    recorded = {}
    for batch in in_batches(plan.member_pks[g] for g in guides if g in plan.member_pks):
        for pk, code, name, unit, path in Member.objects.filter(pk__in=batch).values_list(
            "pk", "unit__code", "unit__name", "unit_id", "unit__path"
        ):
            recorded[pk] = (code, name, unit, tree_of_path(path))
    names = dict(Unit.objects.filter(code__in=set(in_file.values())).values_list("code", "name"))
    for guide in guides:
        member = plan.member_pks.get(guide)
        if guide in in_file:
            code = in_file[guide]
            unit, tree = _recorded_unit(plan, code)
            name = parsed.units[code].name if code in parsed.units else names.get(code, code)
            found[guide] = _Claimant(member, code, name, unit, tree)
        elif member in recorded:
            code, name, unit, tree = recorded[member]
            found[guide] = _Claimant(member, code, name, unit, tree)
    return found


def _recorded_unit(plan, code):
    """(pk, tree) of the unit `code` if recorded, else of its nearest recorded parent in the
    file's units sheet; (None, None) when none is known."""
    seen = set()
    while code and code not in seen:
        if code in plan.unit_pks:
            return plan.unit_pks[code], plan.unit_trees[code]
        seen.add(code)
        row = plan.parsed.units.get(code)
        code = row.parent_code if row else None
    return None, None
