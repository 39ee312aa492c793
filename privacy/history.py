"""The change history of one record, for the administrators of its units.

django-simple-history keeps a copy of every unit, role, member, resident, case and
double-claim resolution at each create, change and delete, with who and when. This module
says which records an administrator may read the history of (their units', including rows
since deleted) and turns the copies into before → after lines, with the ID number, birth date,
phone and address masked as the pages mask them (a reveal is a recorded act of the pages, not
of the history). A resident whose Resident row holds another tree's record is told by the
user's own tree's record (its own history), and named as that tree recorded them.
"""

from dataclasses import dataclass

from django.apps import apps
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from campaign.models import Case
from config.formats import day, moment
from units.models import Unit

from .masking import mask_birth_date, mask_hidden, mask_id_number, mask_phone

KINDS = {
    "don-vi": ("units", "Unit"),
    "thanh-vien": ("units", "Member"),
    "vai-tro": ("units", "UnitRole"),
    "nguoi-dan": ("campaign", "Resident"),
    "truong-hop": ("campaign", "Case"),
    "giai-quyet": ("campaign", "DoubleClaimResolution"),
}
MASKED = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "birth_date": mask_birth_date,
    "address": mask_hidden,
}
SKIPPED = {"id", "updated_at", "updated_by", "created_at", "created_by", "search_name", "path"}
TYPES = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


def model_of(kind):
    app, name = KINDS[kind]
    return apps.get_model(app, name)


def history_of(user, kind, pk):
    """(the record's label, its history rows oldest first, the record today or None), or None
    when `user` does not administer its units (a deleted record is judged by its last copy).
    A record written before the history began, or only by the bulk import, has no rows yet."""
    model = model_of(kind)
    rows = list(
        model.history.filter(id=pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    record = model.objects.filter(pk=pk).first()
    current = rows[-1] if rows else record
    if current is None:
        return None
    if rows:
        current.id = pk
    elif not hasattr(current, "id"):
        current.id = current.pk
    if not _administers(user, kind, current):
        return None
    if kind == "nguoi-dan" and _foreign(user, current):
        return _own_record_history(user, pk, record)
    names = {}
    if kind == "truong-hop":
        resident = _resident_as_seen_by(user, current.resident_id, names)
        member = _member_as_seen_by(user, current.member_id, names)
        return f"{resident} ← {member}", rows, record
    if kind == "giai-quyet":
        resident = _resident_as_seen_by(user, current.resident_id, names)
        awarded = current.awarded_to_id
        member = _member_as_seen_by(user, awarded, names) if awarded else "—"
        return f"{resident} → {member}", rows, record
    return label(current), rows, record


def _foreign(user, resident_row):
    """True when the resident row (or its last copy) holds another tree's record."""
    from campaign.owners import trees_of

    tree = getattr(resident_row, "tree_id", None)
    return tree is not None and tree not in trees_of(user)


def _own_record_history(user, pk, resident):
    """The history of what the user's own trees recorded of resident `pk`: their
    ResidentRecord's copies, labelled by its name; nothing when they recorded nothing."""
    from campaign.models import ResidentRecord
    from campaign.owners import trees_of

    trees = trees_of(user)
    rows = list(
        ResidentRecord.history.filter(resident_id=pk, tree_id__in=trees)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    record = ResidentRecord.objects.filter(resident_id=pk, tree_id__in=trees).first()
    named = (record.full_name if record else "") or (rows[-1].full_name if rows else "")
    return named or str(_("(recorded by another unit)")), rows, record


def _member_as_seen_by(user, pk, names):
    """Member `pk` by name when `user` sees their unit, else "a member of another unit"
    (counted, not named); `#pk` when gone."""
    key = ("member-seen", pk)
    if key not in names:
        from units.models import Member

        found = Member.objects.filter(pk=pk).first()
        if found is None:
            names[key] = f"#{pk}"
        elif Member.objects.visible_to(user).filter(pk=pk).exists():
            names[key] = found.full_name
        else:
            names[key] = str(_("a member of another unit"))
    return names[key]


def _resident_as_seen_by(user, pk, names):
    """Resident `pk` named as `user`'s tree recorded them (`#pk` when gone)."""
    key = ("resident-seen", pk)
    if key not in names:
        from campaign.models import Resident
        from privacy.scope import as_seen_by

        found = Resident.objects.filter(pk=pk).first()
        names[key] = f"#{pk}" if found is None else str(as_seen_by(user, found).full_name)
    return names[key]


def _administers(user, kind, row):
    units = Unit.objects.administered_by(user)
    if kind == "don-vi":
        return units.filter(pk=row.id).exists()
    if kind in ("thanh-vien", "vai-tro"):
        return units.filter(pk=row.unit_id).exists()
    members = apps.get_model("units", "Member").objects.filter(unit__in=units)
    if kind == "truong-hop":
        return members.filter(pk=row.member_id).exists()
    resident_id = row.id if kind == "nguoi-dan" else row.resident_id
    return (
        Case.objects.filter(resident_id=resident_id, member__in=members).exists()
        or Case.history.filter(resident_id=resident_id, member_id__in=members.values("pk")).exists()
    )


# simple_history's own names of its row types (the person page shows them): in the catalogue.
HISTORY_TYPE_NAMES = [gettext_noop("Created"), gettext_noop("Changed"), gettext_noop("Deleted")]


@dataclass
class Creation:
    """The creation of a record whose history has no copy of it: written by the bulk import
    (COPY) or before the history began. Told from the record's own who and when."""

    history_date: object
    history_user: object
    history_type: str = "+"
    by_import: bool = True


def changes(rows, record=None, user=None):
    """[(row, type, [(field label, before, after)])] for each history row, beginning at the
    record's creation: when no copy holds it (the bulk import writes none), a first entry is
    made from the record itself, with its values if nothing changed it since."""
    out = []
    previous = None
    names = {"user": user}
    if record is not None and (not rows or rows[0].history_type != "+"):
        created_at = getattr(record, "created_at", None)
        if created_at is not None:
            creation = Creation(created_at, getattr(record, "created_by", None))
            lines = [] if rows else _lines(type(record), record, None, names)
            out.append((creation, TYPES["+"], lines))
    for row in rows:
        lines = _lines(row.instance._meta.model, row, previous, names)
        out.append((row, TYPES.get(row.history_type, row.history_type), lines))
        previous = row
    return out


def _lines(model, row, previous, names):
    lines = []
    for field in model._meta.concrete_fields:
        if field.name in SKIPPED:
            continue
        after = _shown(field, row, names)
        before = _shown(field, previous, names) if previous is not None else ""
        if previous is None or before != after:
            if previous is None and after in ("", "—"):
                continue
            lines.append((field.verbose_name, before, after))
    return lines


def _shown(field, row, names=None):
    value = getattr(row, field.attname, None)
    if value in (None, ""):
        return "—"
    if field.name in MASKED:
        return MASKED[field.name](value)
    if field.is_relation and field.related_model is not None:
        names = {} if names is None else names
        if field.related_model._meta.label == "campaign.Resident" and names.get("user"):
            return _resident_as_seen_by(names["user"], value, names)
        if field.related_model._meta.label == "units.Member" and names.get("user"):
            return _member_as_seen_by(names["user"], value, names)
        return _name_of(field.related_model, value, names)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if hasattr(value, "strftime"):
        return moment(value) if hasattr(value, "hour") else day(value)
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)


def _name_of(model, pk, names):
    """A related record by its name (a resident, a member, a campaign), not its number; its
    number when it is gone. Each is looked up once per page."""
    key = (model, pk)
    if key not in names:
        found = model._default_manager.filter(pk=pk).first()
        names[key] = label(found) if found is not None else f"#{pk}"
    return names[key]


def label(row):
    """The record's name as of `row` (a history copy or the record), or its number when what
    it names is gone (a case whose resident was deleted at their request)."""
    try:
        return str(row.instance if hasattr(row, "instance") else row)
    except Exception:  # noqa: BLE001 - a related row deleted since: any lookup error
        return f"#{row.id}"
