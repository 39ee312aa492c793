"""The change history of one record, for the administrators of its units.

django-simple-history keeps a copy of every unit, role, member, resident, case and
double-claim resolution at each create, change and delete, with who and when. This module
says which records an administrator may read the history of (their units', including rows
since deleted) and turns the copies into before → after lines, ID and phone numbers masked.
"""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from units.models import Unit
from units.privacy import mask_id_number, mask_phone

KINDS = {
    "don-vi": ("units", "Unit"),
    "thanh-vien": ("units", "Member"),
    "vai-tro": ("units", "UnitRole"),
    "nguoi-dan": ("campaign", "Resident"),
    "truong-hop": ("campaign", "Case"),
    "giai-quyet": ("campaign", "DoubleClaimResolution"),
}
MASKED = {"id_number": mask_id_number, "phone": mask_phone}
SKIPPED = {"updated_at", "updated_by", "created_at", "created_by", "search_name", "path"}
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
    from campaign.models import Case

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


def changes(rows):
    """[(row, [(field label, before, after)])] for each history row."""
    out = []
    previous = None
    for row in rows:
        lines = []
        fields = [f for f in row.instance._meta.concrete_fields if f.name not in SKIPPED]
        for field in fields:
            after = _shown(field, row)
            before = _shown(field, previous) if previous is not None else ""
            if previous is None or before != after:
                if previous is None and after in ("", "—"):
                    continue
                lines.append((field.verbose_name, before, after))
        out.append((row, TYPES.get(row.history_type, row.history_type), lines))
        previous = row
    return out


def _shown(field, row):
    value = getattr(row, field.attname, None)
    if value in (None, ""):
        return "—"
    if field.name in MASKED:
        return MASKED[field.name](value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y %H:%M" if hasattr(value, "hour") else "%d/%m/%Y")
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)


def label(row):
    """The record's name as of `row` (a history copy or the record), or its number when what
    it names is gone (a case whose resident was deleted at their request)."""
    try:
        return str(row.instance if hasattr(row, "instance") else row)
    except Exception:  # noqa: BLE001 - a related row deleted since: any lookup error
        return f"#{row.id}"
