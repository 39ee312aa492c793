"""Forms for the organisation, and the form fields that read typed personal data.

The fields here hand every typed value to units.normalize, so a value typed in a form is read
exactly as the same value in a workbook: ID numbers (separators dropped, a lost leading zero
restored), names (NFC, spaces collapsed), phones (+84 → 0), dates (day first). Text typed on a
form is also rid of invisible characters, and refused with a control character in it.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db.models import Q
from django.db.models.lookups import Contains
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.formats import day

from . import normalize
from .models import Member, MemberCategory, Unit
from .search import Folded


class IdNumberField(forms.CharField):
    """A 12-digit personal ID number, typed on a numeric keypad."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 24)  # room for separators typed between the groups
        kwargs.setdefault("label", _("ID number"))
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        attrs.update(
            {
                "inputmode": "numeric",
                "autocomplete": "off",
                "spellcheck": "false",
                # No example number as placeholder: in a list of ten empty rows it read as
                # numbers already typed.
                "class": "id-number",
            }
        )
        return attrs

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return ""
        try:
            return normalize.normalize_id_number(value)
        except ValueError as error:
            raise ValidationError(str(error), code="id_number") from None


class NameField(forms.CharField):
    """A person's name, stored composed (NFC) with its spaces collapsed."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault("label", _("Full name"))
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"autocomplete": "off", "autocapitalize": "words"})
        return attrs

    def to_python(self, value):
        try:
            return normalize.normalize_person_name(super().to_python(value))
        except ValueError as error:
            raise ValidationError(str(error), code="name") from None


class PlainTextField(forms.CharField):
    """Free text (an address, a note, a reason): invisible characters dropped, a control
    character refused (see normalize.clean_text)."""

    def to_python(self, value):
        value = super().to_python(value)
        try:
            return normalize.clean_text(value).strip()
        except ValueError as error:
            raise ValidationError(str(error), code="control_character") from None


class PhoneField(forms.CharField):
    """A Vietnamese phone number, stored as 0XXXXXXXXX."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Phone"))
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "tel", "autocomplete": "off"})
        return attrs

    def to_python(self, value):
        value = super().to_python(value)
        try:
            return normalize.normalize_phone(value)
        except ValueError as error:
            raise ValidationError(str(error), code="phone") from None


class DayFirstDateField(forms.Field):
    """A date typed day first (21/04/2023, 21-4-2023, 2023-04-21), shown as dd/mm/yyyy.
    With `past_only`, a day after today is refused (a birth, an activation, a guidance)."""

    widget = forms.TextInput

    def __init__(self, *, past_only=False, **kwargs):
        self.past_only = past_only
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"placeholder": _("dd/mm/yyyy"), "autocomplete": "off", "class": "date"})
        return attrs

    def prepare_value(self, value):
        if isinstance(value, datetime.date):
            return day(value)
        return value

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
        if value in self.empty_values:
            return None
        try:
            day = normalize.normalize_date(value)
        except ValueError as error:
            raise ValidationError(str(error), code="date") from None
        if day.year < 1900:
            raise ValidationError(_("This date is too far in the past."), code="date")
        if self.past_only and day > timezone.localdate():
            raise ValidationError(_("This date is in the future."), code="future_date")
        return day


class WarningsMixin:
    """Forms that collect warnings: things probably but not certainly wrong (an unknown
    province code, a phone prefix no network uses). They are shown, never block a save."""

    @property
    def warnings(self):
        if not hasattr(self, "_warnings"):
            self._warnings = []
        return self._warnings

    def warn_about_id_and_phone(
        self, *, id_field="id_number", phone_field="phone", birth_date=None, sex=None
    ):
        data = getattr(self, "cleaned_data", {})
        if data.get(id_field):
            self.warnings.extend(
                normalize.check_id_number(data[id_field], birth_date=birth_date, sex=sex or None)
            )
        if data.get(phone_field):
            self.warnings.extend(normalize.check_phone(data[phone_field]))


# Nobody files ten thousand procedures: a larger count is a typo. (The columns would hold
# up to 2^31 on PostgreSQL and anything on SQLite: the form answers the same on both.)
PROCEDURES_LIMIT = 9999


class MemberForm(WarningsMixin, forms.ModelForm):
    """A member of a unit the user may edit, with their own compliance (plan II.1)."""

    full_name = NameField()
    id_number = IdNumberField()
    birth_date = DayFirstDateField(label=_("Birth date"), required=False, past_only=True)
    phone = PhoneField()

    class Meta:
        model = Member
        fields = [
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
        ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = Unit.objects.editable_by(user)
        # Open units; a member of a unit closed since stays editable in that unit.
        open_units = units.open().values("pk")
        self.fields["unit"].queryset = units.filter(
            Q(pk__in=open_units) | Q(pk=self.instance.unit_id or 0)
        )
        for name in (
            "own_procedures_online",
            "own_procedures_total",
            "family_procedures_online",
            "family_procedures_total",
        ):
            self.fields[name].validators.append(
                MaxValueValidator(PROCEDURES_LIMIT, _("At most %(limit_value)s."))
            )
            self.fields[name].widget.attrs.update(
                {"inputmode": "numeric", "min": 0, "max": PROCEDURES_LIMIT}
            )

    def clean(self):
        data = super().clean()
        for online, total in (
            ("own_procedures_online", "own_procedures_total"),
            ("family_procedures_online", "family_procedures_total"),
        ):
            if (data.get(online) or 0) > (data.get(total) or 0):
                self.add_error(online, _("Procedures filed online cannot exceed the total."))
        self.warn_about_id_and_phone(birth_date=data.get("birth_date"))
        return data


class MemberStatusForm(forms.Form):
    """A member marked as active again ("1") or as former ("0"): the member page's buttons."""

    active = forms.TypedChoiceField(
        choices=[("1", _("Active")), ("0", _("Former"))], coerce=lambda value: value == "1"
    )


class MemberFilterForm(forms.Form):
    """Search and filters of the member list."""

    ACTIVE_CHOICES = [("", _("Active and former")), ("1", _("Active")), ("0", _("Former"))]

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Name or ID number"), "type": "search"}),
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All my units")
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *MemberCategory.choices],
    )
    active = forms.ChoiceField(label=_("Status"), required=False, choices=ACTIVE_CHOICES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.visible_to(user)

    def filter(self, members):
        """`members` narrowed by the valid filters (invalid ones are ignored)."""
        if not self.is_valid():
            return members
        data = self.cleaned_data
        if data["q"]:
            members = members.filter(search_condition(data["q"], "full_name", "id_number"))
        if data["unit"]:
            members = members.filter(unit__in=Unit.objects.subtree(data["unit"]))
        if data["category"]:
            members = members.filter(category=data["category"])
        if data["active"]:
            members = members.filter(active=data["active"] == "1")
        return members


def named_in(queryset, value, *, field="pk"):
    """The object of `queryset` whose `field` is `value` (a query-string value, so anything:
    junk, a NUL byte, another unit's key), or None when it names none of them."""
    try:
        return forms.ModelChoiceField(queryset, to_field_name=field).clean(value)
    except ValidationError:
        return None


def search_condition(text, name_field, id_field, *, folded_field=None):
    """A Q matching a typed search: digits look up ID numbers (separators ignored, a lost
    leading zero tolerated), anything else looks up names, ignoring case and diacritics
    (in `folded_field` when the name is stored folded, else folding `name_field`)."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if digits and len(digits) >= len(text.replace(" ", "").replace(".", "").replace("-", "")):
        try:
            return Q(**{id_field: normalize.normalize_id_number(text)})
        except ValueError:
            return Q(**{f"{id_field}__contains": digits})
    if folded_field:
        return Q(**{f"{folded_field}__contains": normalize.fold(text)})
    return Q(Contains(Folded(name_field), normalize.fold(text)))
