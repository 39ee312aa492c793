"""The change history of one record, for the administrators of its units.

django-simple-history keeps a copy of every unit, role, member, resident, case and
double-claim resolution at each create, change and delete, with who and when. This module
says which records an administrator may read the history of (their units', including rows
since deleted) and turns the copies into before → after lines, ID and phone numbers masked.
"""

from dataclasses import dataclass

from django.apps import apps
from django.utils.translation import gettext_lazy as _, gettext_noop

from config.formats import day, moment
from units.models import Unit

from .masking import mask_id_number, mask_phone
from campaign.models import Case

KINDS = {
    "don-vi": ("units", "Unit"),
    "thanh-vien": ("units", "Member"),
    "vai-tro": ("units", "UnitRole"),
    "nguoi-dan": ("campaign", "Resident"),
    "truong-hop": ("campaign", "Case"),
    "giai-quyet": ("campaign", "DoubleClaimResolution"),
}
MASKED = {"id_number": mask_id_number, "phone": mask_phone}
SKIPPED = {"id", "updated_at", "updated_by", "created_at", "created_by", "search_name", "path"}
TYPES = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


def model_of(kind):
    app, name = KINDS[kind]
    return apps.get_model(app, name)


def history_of(user, kind, pk):
    """(the record's label, its history rows oldest first), or None when `user` does not
    administer its units (a deleted record is judged by its last copy). A record written
    before the history began, or only by the bulk import, has no rows yet."""
    model = model_of(kind)
    rows = list(
        model.history.filter(id=pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    current = rows[-1] if rows else model.objects.filter(pk=pk).first()
    if current is None:
        return None
    if rows:
        current.id = pk
    elif not hasattr(current, "id"):
        current.id = current.pk
    if not _administers(user, kind, current):
        return None
    return label(current), rows


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


def changes(rows, record=None):
    """[(row, type, [(field label, before, after)])] for each history row, beginning at the
    record's creation: when no copy holds it (the bulk import writes none), a first entry is
    made from the record itself, with its values if nothing changed it since."""
    out = []
    previous = None
    names = {}
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
        return _name_of(field.related_model, value, {} if names is None else names)
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
