"""Writes that span several models: a case with its resident, a member and the roster.

Each function is keyword-only, runs in one transaction, stamps who wrote what, and refreshes
the stored rule inputs (campaign.claims) of every resident it touched, so that every figure
read afterwards is right. Views validate with a form, then call one of these.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from units.models import Member, Unit, path_segment

from .claim_notices import record_claims
from .models import (
    Activity,
    Campaign,
    Case,
    DoubleClaimResolution,
    Resident,
    ResidentCategory,
    ResidentRecord,
    merge_resident_details,
)
from .owners import settle_after_delete, tree_of_member, tree_of_path
from .rule_inputs import refresh_rule_inputs, residents_guided_in, residents_with_id_numbers


def _save_checked(instance, **checks):
    """`full_clean(**checks)` then save. The same form sent twice at once (a double tap on a
    phone) or two users entering the same person pass the checks together, and the database
    refuses the second row: the checks, run again, then say why in words (a ValidationError),
    instead of a server error. The savepoint keeps the surrounding transaction usable."""
    instance.full_clean(**checks)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        instance.full_clean(**checks)
        raise


def _resident_for(*, resident_data, user, tree, retry=True):
    """The resident with the given ID number, created if new. Returns (resident, kept):
    `kept` is True when details typed differ from those recorded but were not written.

    The details typed go to the record of `tree` (the top unit of the case's guide): the
    Resident row when it is that tree's, else the tree's own ResidentRecord, never another
    tree's (campaign.owners). Recorded details are overwritten only when the user may edit
    every case of that tree; otherwise only blank ones are filled in
    (models.merge_resident_details). The category, which every tree's figures read, changes
    only for a user who may edit every case of the resident.
    """
    given = {key: value for key, value in resident_data.items() if key in Resident.DETAILS}
    resident = (
        Resident.objects.select_for_update().filter(id_number=resident_data["id_number"]).first()
    )
    if resident is None:
        resident = Resident(id_number=resident_data["id_number"], tree_id=tree)
        for key, value in given.items():
            setattr(resident, key, value)
        if not resident.category:
            resident.category = ResidentCategory.RESIDENT
        resident.stamp(user)
        try:
            _save_checked(resident)
        except ValidationError:
            if not retry:
                raise
            # Recorded meanwhile by a concurrent request: this case is about that resident.
            return _resident_for(resident_data=resident_data, user=user, tree=tree, retry=False)
        return resident, False
    every_case = not resident.cases.not_editable_by(user).exists()
    every_case_of_tree = every_case or not (
        resident.cases.filter(member__unit__path__startswith="/" + path_segment(tree))
        .not_editable_by(user)
        .exists()
    )
    category = given.pop("category", None)
    kept, dirty = False, False
    if category and category != resident.category:
        if every_case:
            resident.category, dirty = category, True
        elif category != ResidentCategory.RESIDENT:  # the forms' default is no claim
            kept = True
    if resident.tree_id is None:  # written before its tree was known: its first case's
        first = resident.cases.order_by("pk").values_list("member__unit__path", flat=True)
        resident.tree_id = tree_of_path(first[0]) if first else tree
        Resident.objects.filter(pk=resident.pk).update(tree_id=resident.tree_id)  # no author
    if resident.tree_id == tree:
        target = resident
    else:
        target = (
            ResidentRecord.objects.select_for_update()
            .filter(resident=resident, tree_id=tree)
            .first()
        ) or ResidentRecord(resident=resident, tree_id=tree)
    recorded = {key: getattr(target, key) for key in ResidentRecord.DETAILS}
    merged, kept_details = merge_resident_details(
        recorded, given, overwrite=every_case_of_tree or target.pk is None
    )
    kept = kept or kept_details
    if merged != recorded or target.pk is None:
        for key, value in merged.items():
            setattr(target, key, value)
        if target is resident:
            dirty = True
        else:
            target.stamp(user)
            target.save()
    if dirty:
        resident.stamp(user)
        _save_checked(resident)
    return resident, kept


def _delete_if_orphaned(resident_ids):
    """Residents nobody guides any more are not kept (personal data without a purpose)."""
    resident_ids = list(resident_ids)
    Resident.objects.filter(
        pk__in=resident_ids, cases__isnull=True, resolutions__isnull=True
    ).delete()
    settle_after_delete(resident_ids)


def _check_not_listed(*, campaign, member, resident, exclude_pk=None):
    duplicates = Case.objects.filter(campaign=campaign, member=member, resident=resident)
    if exclude_pk:
        duplicates = duplicates.exclude(pk=exclude_pk)
    if duplicates.exists():
        raise ValidationError(
            _("%(member)s already guides this resident in this campaign.") % {"member": member},
            code="duplicate_case",
        )


def _check_activity(*, campaign, case_data):
    """The activity a case names belongs to its campaign (the forms offer only those the
    user may see; this holds for every other writer too)."""
    activity_id = case_data.get("activity_id")
    if activity_id and not Activity.objects.filter(pk=activity_id, campaign=campaign).exists():
        raise ValidationError(
            _("This activity is not one of this campaign's."), code="activity_elsewhere"
        )


@transaction.atomic
def case_create(
    *, campaign: Campaign, member: Member, resident_data: dict, case_data: dict, user
) -> Case:
    """Record that `member` guided the resident `resident_data` (an ID number and details)
    in `campaign`. Returns the case; `case.resident_details_kept` says whether typed details
    differing from an existing resident's were left as they were."""
    resident, kept = _resident_for(
        resident_data=resident_data, user=user, tree=tree_of_member(member)
    )
    _check_not_listed(campaign=campaign, member=member, resident=resident)
    _check_activity(campaign=campaign, case_data=case_data)
    case = Case(campaign=campaign, member=member, resident=resident)
    for key in Case.DETAILS:
        if key in case_data:
            setattr(case, key, case_data[key])
    case.stamp(user)
    _save_checked(case, validate_unique=False)
    record_claims(campaign=campaign, pairs=[(resident.pk, member.pk)], user=user)
    refresh_rule_inputs(resident_ids=[resident.pk])
    case.resident_details_kept = kept
    return case


@transaction.atomic
def cases_create(*, campaign: Campaign, rows: list[dict], user) -> list[Case]:
    """Several cases at once, all or none: `rows` is a list of dicts with `member`,
    `resident_data` and `case_data`. Raises ValidationError (with the row's index in
    `error.params["row"]`) and writes nothing if one row cannot be saved."""
    created, touched = [], set()
    for index, row in enumerate(rows):
        try:
            resident, kept = _resident_for(
                resident_data=row["resident_data"], user=user, tree=tree_of_member(row["member"])
            )
            _check_not_listed(campaign=campaign, member=row["member"], resident=resident)
            _check_activity(campaign=campaign, case_data=row["case_data"])
            case = Case(campaign=campaign, member=row["member"], resident=resident)
            for key in Case.DETAILS:
                if key in row["case_data"]:
                    setattr(case, key, row["case_data"][key])
            case.stamp(user)
            _save_checked(case, validate_unique=False)
        except ValidationError as error:
            error.params = {**(getattr(error, "params", None) or {}), "row": index}
            raise
        case.resident_details_kept = kept
        created.append(case)
        touched.add(resident.pk)
    record_claims(
        campaign=campaign, pairs=[(c.resident_id, c.member_id) for c in created], user=user
    )
    refresh_rule_inputs(resident_ids=touched)
    return created


@transaction.atomic
def case_update(*, case: Case, member: Member, resident_data: dict, case_data: dict, user) -> Case:
    """Change a case: its guide, its details, or the resident it is about (a corrected ID
    number moves the case to that resident; the old one is removed if nobody guides them)."""
    if not Case.objects.select_for_update().filter(pk=case.pk).exists():
        # Deleted by someone else since the form was opened: saving would bring it back.
        raise ValidationError(
            _("This case was deleted in the meantime; nothing was saved."), code="deleted"
        )
    old_resident_id = case.resident_id
    resident, kept = _resident_for(
        resident_data=resident_data, user=user, tree=tree_of_member(member)
    )
    _check_not_listed(campaign=case.campaign, member=member, resident=resident, exclude_pk=case.pk)
    _check_activity(campaign=case.campaign, case_data=case_data)
    case.member = member
    case.resident = resident
    for key in Case.DETAILS:
        if key in case_data:
            setattr(case, key, case_data[key])
    case.stamp(user)
    _save_checked(case, validate_unique=False)
    record_claims(campaign=case.campaign, pairs=[(resident.pk, member.pk)], user=user)
    if old_resident_id != resident.pk:
        _delete_if_orphaned([old_resident_id])
    refresh_rule_inputs(resident_ids={old_resident_id, resident.pk})
    case.resident_details_kept = kept
    return case


@transaction.atomic
def case_delete(*, case: Case, user) -> None:
    """Delete a case; its resident goes too if nobody else guides them."""
    cases_delete(cases=Case.objects.filter(pk=case.pk), user=user)


@transaction.atomic
def cases_delete(*, cases: QuerySet, user) -> None:
    """Delete `cases` (a queryset); each resident goes too if nobody else guides them."""
    resident_ids = set(cases.values_list("resident_id", flat=True))
    cases.delete()
    _delete_if_orphaned(resident_ids)
    refresh_rule_inputs(resident_ids=resident_ids)


@transaction.atomic
def case_save(*, case: Case, user, previous_resident_id: int | None = None) -> Case:
    """Save a case changed in the admin site, where the resident is chosen as it is
    recorded: a resident the case was moved away from goes if nobody else guides them."""
    case.stamp(user)
    case.save()
    touched = {case.resident_id, previous_resident_id} - {None}
    if previous_resident_id not in (None, case.resident_id):
        _delete_if_orphaned([previous_resident_id])
    refresh_rule_inputs(resident_ids=touched)
    return case


@transaction.atomic
def resident_save(*, resident: Resident, user) -> Resident:
    """Save a resident changed in the admin site (a new category changes their exclusion)."""
    resident.stamp(user)
    resident.save()
    refresh_rule_inputs(resident_ids=[resident.pk])
    return resident


# --- The roster ---------------------------------------------------------------------------

MEMBER_FIELDS = (
    "unit",
    "full_name",
    "id_number",
    "category",
    "birth_date",
    "phone",
    "has_level2_account",
    "vneid_activated",
    "portal_used",
    "own_procedures_online",
    "own_procedures_total",
    "family_procedures_online",
    "family_procedures_total",
)


@transaction.atomic
def member_create(*, user, **fields) -> Member:
    """Put a person on a unit's roster (which excludes their ID number as a resident)."""
    member = Member(**{key: value for key, value in fields.items() if key in MEMBER_FIELDS})
    return member_save(member=member, user=user)


@transaction.atomic
def member_update(*, member: Member, user, **fields) -> Member:
    """Change a member; a corrected ID number changes which residents the roster excludes."""
    for key, value in fields.items():
        if key in MEMBER_FIELDS + ("active",):
            setattr(member, key, value)
    return member_save(member=member, user=user)


@transaction.atomic
def member_save(*, member: Member, user) -> Member:
    """Save a member, new or changed (the forms, the admin site). The roster excludes its ID
    numbers as residents, the old and the new one; a move to another unit changes, when
    double claims count within a unit kind, who competes for the residents they guide."""
    before = Member.objects.filter(pk=member.pk).values_list("id_number", "unit_id").first()
    member.stamp(user)
    _save_checked(member)
    old_id_number, old_unit_id = before or (None, member.unit_id)
    touched = set(residents_with_id_numbers({old_id_number, member.id_number} - {None}))
    if member.unit_id != old_unit_id:
        touched.update(residents_guided_in(members=[member]))
    refresh_rule_inputs(resident_ids=touched)
    return member


@transaction.atomic
def member_deactivate(*, member: Member, user, active: bool = False) -> Member:
    """A member who left (or, with active=True, came back): their cases still count for them
    and their unit, but a former member is not counted in the unit's size."""
    member.active = active
    member.stamp(user)
    member.save(update_fields=["active", "updated_at", "updated_by"])
    # The roster (active or not) excludes the ID number either way; refreshed all the same
    # so that any later rule reading `active` finds its inputs fresh.
    refresh_rule_inputs(resident_ids=residents_with_id_numbers([member.id_number]))
    return member


@transaction.atomic
def member_delete(*, member: Member, user) -> None:
    """Remove a member entered by mistake. A member who guides anyone cannot be deleted
    (their cases are the campaign's record): deactivate them instead."""
    if member.cases.exists():
        raise ValidationError(
            _("%(member)s guides residents and cannot be deleted; mark them as former instead.")
            % {"member": member},
            code="member_has_cases",
        )
    members_delete(members=Member.objects.filter(pk=member.pk), user=user)


@transaction.atomic
def members_delete(*, members: QuerySet, user) -> None:
    """Delete `members` (a queryset): their ID numbers no longer exclude any resident."""
    id_numbers = list(members.values_list("id_number", flat=True))
    members.delete()
    refresh_rule_inputs(resident_ids=residents_with_id_numbers(id_numbers))


# --- The admin site: the tables as they are, the rule inputs kept right -------------------


@transaction.atomic
def unit_save(*, unit: Unit, user) -> Unit:
    """Save a unit. A new kind changes who competes for a resident when double claims count
    within a kind; a move changes nothing stored, but costs little to refresh."""
    before = Unit.objects.filter(pk=unit.pk).values_list("kind", "parent_id").first()
    unit.save()
    if before is not None and before != (unit.kind, unit.parent_id):
        refresh_rule_inputs(resident_ids=residents_guided_in(units=Unit.objects.subtree(unit)))
    return unit


@transaction.atomic
def campaign_save(*, campaign: Campaign) -> Campaign:
    """Save a campaign's settings; a change to what makes a double claim or an excluded
    resident recomputes the rule inputs of its cases."""
    settings = ("double_claims_across_kinds", "roster_excludes_residents")
    before = Campaign.objects.filter(pk=campaign.pk).values_list(*settings).first()
    campaign.save()
    if before is not None and before != tuple(getattr(campaign, name) for name in settings):
        refresh_rule_inputs(
            resident_ids=campaign.cases.values_list("resident_id", flat=True).distinct()
        )
    return campaign


@transaction.atomic
def resolution_save(*, resolution: DoubleClaimResolution, user) -> DoubleClaimResolution:
    """Save a double claim's resolution as the admin site edits it."""
    if resolution.pk is None and getattr(user, "is_authenticated", False):
        resolution.resolved_by = user
    resolution.save()
    refresh_rule_inputs(resident_ids=[resolution.resident_id])
    return resolution
