"""What a user may see of a person another unit also recorded.

A resident is recorded once, by ID number, whoever guided them. When units of trees the user
does not see also guide that person, the details held (birth date, phone, address, even the
name) may be those the other unit typed: knowing an ID number must not open them. The user
then sees the person as their own unit typed them, and since those details are not kept
apart, that is blank (the name too), with the ID number masked.
"""

import copy

from django.utils.translation import gettext as _

from units.models import Unit
from units.privacy import mask_id_number

PERSONAL_FIELDS = ("birth_date", "sex", "phone", "address", "village", "commune")


def typed_outside_scope(user, resident):
    """True when `resident` is also guided in units `user` cannot see and the details held
    were last written by someone who edits none of the units `user` sees."""

    if not resident.cases.hidden_from(user).exists():
        return False
    author = resident.updated_by or resident.created_by
    if author is None:  # written by a command, which acts for the district
        return False
    return not (
        Unit.objects.editable_by(author).filter(pk__in=Unit.objects.visible_to(user)).exists()
    )


def as_seen_by(user, resident):
    """`resident` itself, or a copy with what another unit typed blanked (never saved)."""
    if not typed_outside_scope(user, resident):
        resident.details_hidden = False
        return resident
    shown = copy.copy(resident)
    for name in PERSONAL_FIELDS:
        setattr(shown, name, None if name == "birth_date" else "")
    shown.full_name = _("(recorded by another unit)")
    shown.id_number = mask_id_number(resident.id_number)
    shown.details_hidden = True
    shown.save = shown.delete = _read_only
    return shown


def _read_only(*args, **kwargs):
    raise RuntimeError("A resident as seen by a user is for display only.")


def case_initial_as_seen_by(user, case):
    """The case form's initial values for `case`, without what another unit typed."""
    from campaign.forms import initial_from_case

    initial = initial_from_case(case)
    if typed_outside_scope(user, case.resident):
        for name in (*PERSONAL_FIELDS, "full_name"):
            if name in initial:
                initial[name] = None if name == "birth_date" else ""
    return initial


def counted_not_named(user, verdicts, campaign):
    """`verdicts` (campaign.rules.explain) with every member of a unit `user` cannot see
    counted instead of named: who else claims a resident, the member a double claim was
    awarded to, the roster a resident's ID number is on. At most three queries."""
    from django.db.models import Exists, OuterRef
    from django.utils.translation import gettext, ngettext

    from campaign.models import Case, DoubleClaimResolution
    from units.models import Member

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
    """`residents` (a page of them) with those another unit typed replaced by their
    as-seen-by-`user` copies: one query, and one more per distinct author of such a person."""
    from campaign.models import Case

    residents = list(residents)
    shared = set(
        Case.objects.filter(resident_id__in=[r.pk for r in residents])
        .hidden_from(user)
        .values_list("resident_id", flat=True)
    )
    if not shared:
        return residents
    in_scope = {}
    shown = []
    for resident in residents:
        author = resident.updated_by_id or resident.created_by_id
        if resident.pk in shared and author is not None:
            if author not in in_scope:
                in_scope[author] = _edits_a_unit_seen_by(author, user)
            if not in_scope[author]:
                copy_ = copy.copy(resident)
                for name in PERSONAL_FIELDS:
                    setattr(copy_, name, None if name == "birth_date" else "")
                copy_.full_name = _("(recorded by another unit)")
                copy_.id_number = mask_id_number(resident.id_number)
                copy_.details_hidden = True
                shown.append(copy_)
                continue
        shown.append(resident)
    return shown


def _edits_a_unit_seen_by(author_id, user):
    """Whether the user `author_id` edits a unit `user` sees (one query): a superuser, or a
    secretary or administrator of a unit with a unit `user` sees at or below it."""
    from django.contrib.auth import get_user_model
    from django.db.models import Exists, OuterRef, Q

    from units.models import UnitRole

    seen = Unit.objects.visible_to(user).filter(path__startswith=OuterRef("unit__path"))
    roles = UnitRole.objects.filter(
        user_id=OuterRef("pk"),
        role__in=[UnitRole.Role.ADMIN, UnitRole.Role.SECRETARY],
    ).filter(Exists(seen))
    return (
        get_user_model()
        .objects.filter(pk=author_id)
        .filter(Q(is_superuser=True) | Q(Exists(roles)))
        .exists()
    )


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
