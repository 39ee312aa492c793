"""What a user may see of a person another tree of units also recorded.

A resident is one identity, by ID number, whoever guided them; what each tree of units typed
about them (name, birth date, phone, address) is that tree's own record (campaign.owners).
A user sees the record of their own tree: the Resident row's details when it is their
tree's, else their tree's ResidentRecord; and when their trees hold none, nothing (the name
too), with the ID number masked. Knowing an ID number never opens another tree's record.
"""

import copy

from django.utils.translation import gettext as _

from campaign.forms import initial_from_case
from campaign.models import Case, DoubleClaimResolution, ResidentRecord
from campaign.owners import trees_of
from units.models import Member, Unit

from .masking import mask_id_number

# What a tree keeps of a person besides the name (ResidentRecord.DETAILS, the resident's
# declared details but the category): blanked when the user's trees hold no record.
PERSONAL_FIELDS = tuple(name for name in ResidentRecord.DETAILS if name != "full_name")


def _is_own(user, resident):
    return resident.tree_id is None or resident.tree_id in trees_of(user)


def typed_outside_scope(user, resident):
    """True when the details the Resident row holds are another tree's record."""
    return not _is_own(user, resident)


def _records_for(user, residents):
    """{resident pk: the user's trees' ResidentRecord} for these residents (one query)."""
    residents = [r for r in residents if r.pk is not None]
    if not residents:
        return {}
    found = {}
    for record in ResidentRecord.objects.filter(
        resident_id__in=[r.pk for r in residents], tree_id__in=trees_of(user)
    ).order_by("-tree_id"):
        found[record.resident_id] = record
    return found


def _shown(resident, record):
    """A copy of `resident` with `record`'s details (None: blank, the ID number masked)."""
    shown = copy.copy(resident)
    if record is None:
        for name in PERSONAL_FIELDS:
            setattr(shown, name, None if name == "birth_date" else "")
        shown.full_name = _("(recorded by another unit)")
        shown.id_number = mask_id_number(resident.id_number)
        shown.details_hidden = True
    else:
        for name in record.DETAILS:
            setattr(shown, name, getattr(record, name))
        shown.full_name = record.full_name or _("(recorded by another unit)")
        shown.details_hidden = False
    shown.save = shown.delete = _read_only
    return shown


def as_seen_by(user, resident):
    """`resident` itself when its details are the user's tree's record; else a copy with
    the record of the user's tree, or with nothing when it holds none (never saved)."""
    if _is_own(user, resident):
        resident.details_hidden = False
        return resident
    return _shown(resident, _records_for(user, [resident]).get(resident.pk))


def _read_only(*args, **kwargs):
    raise RuntimeError("A resident as seen by a user is for display only.")


def case_initial_as_seen_by(user, case):
    """The case form's initial values for `case`: the resident as the user's tree holds them
    (the ID number whole: the form's masking hides it until a recorded reveal)."""
    shown = as_seen_by(user, case.resident)
    if shown is case.resident:
        return initial_from_case(case)
    seen = copy.copy(case)
    seen.resident = shown
    initial = initial_from_case(seen)
    initial["id_number"] = case.resident.id_number
    return initial


def counted_not_named(user, verdicts, campaign):
    """`verdicts` (campaign.rules.explain) with every member of a unit `user` cannot see
    counted instead of named: who else claims a resident, the member a double claim was
    awarded to, the roster a resident's ID number is on. At most three queries."""
    from django.db.models import Exists, OuterRef
    from django.utils.translation import gettext, ngettext

    visible = Member.objects.visible_to(user)
    claimed = {v.case.resident_id for v in verdicts if "double_claim" in v.codes}
    others, decisions = {}, {}
    if claimed:
        for rid, mid, name, unit, seen in (
            Case.objects.filter(campaign=campaign, resident_id__in=claimed)
            .annotate(seen=Exists(visible.filter(pk=OuterRef("member_id"))))
            .values_list(
                "resident_id", "member_id", "member__full_name", "member__unit__name", "seen"
            )
        ):
            others.setdefault(rid, []).append((mid, name, unit, seen))
        for rid, awarded_id, awarded, seen in (
            DoubleClaimResolution.objects.filter(
                campaign=campaign, resident_id__in=claimed, undone_at__isnull=True
            )
            .annotate(seen=Exists(visible.filter(pk=OuterRef("awarded_to_id"))))
            .values_list("resident_id", "awarded_to_id", "awarded_to__full_name", "seen")
        ):
            if awarded_id is None:
                decisions[rid] = gettext("nobody")
            else:
                decisions[rid] = awarded if seen else gettext("a member of another unit")
    on_rosters = {
        v.case.resident.id_number for v in verdicts if getattr(v.case, "roster_name", None)
    }
    seen_rosters = (
        set(visible.filter(id_number__in=on_rosters).values_list("id_number", flat=True))
        if on_rosters
        else set()
    )
    for verdict in verdicts:
        case = verdict.case
        reasons = []
        for code, text in verdict.reasons:
            if code == "double_claim":
                claimants = [c for c in others.get(case.resident_id, []) if c[0] != case.member_id]
                named = [f"{name} ({unit})" for _m, name, unit, seen in claimants if seen]
                hidden = sum(1 for *_rest, seen in claimants if not seen)
                if hidden:
                    named.append(
                        ngettext(
                            "%(count)s member in other units",
                            "%(count)s members in other units",
                            hidden,
                        )
                        % {"count": hidden}
                    )
                text = gettext("claimed by another member: %(names)s") % {"names": ", ".join(named)}
                if case.resident_id in decisions:
                    text += " · " + gettext("resolved: credited to %(name)s") % {
                        "name": decisions[case.resident_id]
                    }
                else:
                    text += " · " + gettext("not resolved yet: credited to nobody")
            elif code == "resident_cadre" and getattr(case, "roster_name", None):
                if case.resident.id_number not in seen_rosters:
                    text = gettext("the resident's ID number is on another unit's member roster")
            reasons.append((code, text))
        verdict.reasons = reasons
    return verdicts


def hide_outside_scope(user, residents):
    """`residents` (a page of them) with each whose Resident row is another tree's record
    replaced by its as-seen-by-`user` copy: at most one query."""
    residents = list(residents)
    foreign = [r for r in residents if not _is_own(user, r)]
    if not foreign:
        for resident in residents:
            resident.details_hidden = False
        return residents
    records = _records_for(user, foreign)
    shown = []
    for resident in residents:
        if _is_own(user, resident):
            resident.details_hidden = False
            shown.append(resident)
        else:
            shown.append(_shown(resident, records.get(resident.pk)))
    return shown


def hide_residents_of(user, cases):
    """`cases` (a list) with each resident replaced as `hide_outside_scope` says."""
    cases = list(cases)
    for case, resident in zip(cases, hide_outside_scope(user, [c.resident for c in cases])):
        case.resident = resident
    return cases


def register_rows_as_seen_by(user, rows):
    """The double-claim register's rows (reports.views.double_claims) with the claimants of
    units `user` cannot see counted, not named, the resident as the user's units typed
    them, and a decision's reason and earlier decisions kept to those who see every
    claimant. For the administrator who resolves it, each claim shows who recorded it and
    when."""
    from django.utils.translation import gettext

    seen = set(Unit.objects.visible_to(user).values_list("pk", flat=True))
    residents = hide_outside_scope(user, [row["entry"].resident for row in rows])
    for row, resident in zip(rows, residents):
        entry = row["entry"]
        row["resident"] = resident
        row["claims"] = [c for c in entry.claims if c.member.unit_id in seen]
        row["hidden_claims"] = len(entry.claims) - len(row["claims"])
        row["sees_all"] = row["hidden_claims"] == 0
        awarded = entry.resolution.awarded_to if entry.resolution else None
        row["awarded_name"] = (
            awarded.full_name
            if awarded is not None and awarded.unit_id in seen
            else gettext("a member of another unit")
            if awarded is not None
            else ""
        )
    return rows


def resident_search(user, text, prefix=""):
    """A Q matching a typed search of residents (`prefix` "resident__" on cases) as `user`
    sees them: digits find a whole ID number only (a lost leading zero tolerated), never a
    part of one, so a masked ID cannot be recovered digit by digit; a name finds the name
    the user's own tree recorded, not another tree's."""
    from django.db.models import Q

    from campaign.models import ResidentRecord
    from units import normalize
    from units.search import Folded

    digits = "".join(ch for ch in text if ch.isdigit())
    if digits and len(digits) >= len(text.replace(" ", "").replace(".", "").replace("-", "")):
        try:
            return Q(**{f"{prefix}id_number": normalize.normalize_id_number(text)})
        except ValueError:
            return Q(pk__in=[])
    folded = normalize.fold(text)
    trees = trees_of(user)
    own = Q(**{f"{prefix}tree__isnull": True}) | Q(**{f"{prefix}tree__in": trees})
    # The user's trees' records that match, found once (not probed resident by resident).
    theirs = (
        ResidentRecord.objects.filter(tree__in=trees)
        .annotate(folded=Folded("full_name"))
        .filter(folded__contains=folded)
        .values("resident_id")
    )
    return (own & Q(**{f"{prefix}search_name__contains": folded})) | Q(
        **{f"{prefix}pk__in": theirs}
    )


class SeenRows:
    """Rows (residents, or cases with `cases=True`) as `user` sees them, fetched as a page or
    in batches from any sliceable `rows` (a queryset, kept rows): each batch's residents of
    another tree shown with the user's tree's record, or unnamed (hide_outside_scope)."""

    def __init__(self, user, rows, *, cases=False):
        self.user, self.rows, self.cases = user, rows, cases

    def _seen(self, batch):
        if self.cases:
            return hide_residents_of(self.user, batch)
        return hide_outside_scope(self.user, batch)

    def __len__(self):
        return len(self.rows)

    def count(self):
        return self.rows.count() if hasattr(self.rows, "count") else len(self.rows)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._seen(list(self.rows[index]))
        return self._seen([self.rows[index]])[0]

    def __iter__(self):
        batch = []
        source = self.rows.iterator(2000) if hasattr(self.rows, "iterator") else self.rows
        for row in source:
            batch.append(row)
            if len(batch) == 2000:
                yield from self._seen(batch)
                batch = []
        yield from self._seen(batch)


def names_recorded_by(trees, resident_ids):
    """{resident pk: the name the `trees` (top-unit pks) recorded, or "(recorded by another
    unit)" when they recorded none} for residents whose Resident row is another tree's."""
    from campaign.models import ResidentRecord

    resident_ids = list(resident_ids)
    names = dict.fromkeys(resident_ids, _("(recorded by another unit)"))
    for start in range(0, len(resident_ids), 5000):
        for pk, name in (
            ResidentRecord.objects.filter(
                resident_id__in=resident_ids[start : start + 5000], tree_id__in=trees
            )
            .exclude(full_name="")
            .order_by("-tree_id")
            .values_list("resident_id", "full_name")
        ):
            names[pk] = name
    return names
