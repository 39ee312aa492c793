"""Forms to enter cases: the full form, the quick form for a phone, the batch for a paper list.

Typed values are read by the fields of units.forms (which use units.normalize). What is
probably wrong but may be right (an unknown province code, an odd phone prefix, an activation
before the campaign) is a warning shown beside the saved result, never a refusal.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.formats import day
from units.forms import (
    DayFirstDateField,
    IdNumberField,
    NameField,
    PhoneField,
    PlainTextField,
    WarningsMixin,
)
from units.guides import GuideSearchMixin
from units.models import Member, Unit

from . import rules
from .activity_forms import ActivityChoiceField, offer_activities
from .models import Case, Place, ResidentCategory, Sex

LEVEL_CHOICES = [("", _("Not activated yet")), *Case.Level.choices]


class GuideChoiceField(GuideSearchMixin, forms.ModelChoiceField):
    def label_from_instance(self, member):
        return f"{member.full_name} · {member.unit.name}"


def guide_queryset(user, *, include=None):
    """Members a user may record cases for: active members of the units they may edit
    (and `include`, the case's current guide, when editing)."""
    guides = Member.objects.guides_for(user)
    if include is not None:
        guides = guides | Member.objects.filter(pk=include.pk)
    return guides.select_related("unit").order_by("unit__path", "full_name")


class CaseDetailsMixin(WarningsMixin):
    """The checks shared by every form that records a case."""

    campaign = None

    def clean_case_details(self, data):
        level, activated = data.get("eid_level"), data.get("activated_on")
        if level and not activated and "activated_on" not in self.errors:
            self.add_error(
                "activated_on",
                forms.ValidationError(
                    _(
                        "Give the day the e-ID account was activated, or choose “not activated yet”."
                    ),
                    code="activation_date_missing",
                ),
            )
        if activated and not level and "eid_level" not in self.errors:
            self.add_error(
                "eid_level",
                forms.ValidationError(
                    _(
                        "Choose the e-ID level (1 or 2) activated on that day, or leave the date blank."
                    ),
                    code="level_missing",
                ),
            )
        if (
            activated
            and self.campaign
            and rules.is_before_start(self.campaign, activated)
            and "activated_on" not in self.errors
        ):
            self.warnings.append(
                _("Activated on %(day)s, before %(start)s: this case will not count.")
                % {
                    "day": day(activated),
                    "start": day(self.campaign.activation_starts_on),
                }
            )


class CaseForm(CaseDetailsMixin, forms.Form):
    """One case in one form: the resident, the guide, the e-ID level and date, the portal,
    the place. Used to add and to change a case."""

    omit = ()

    id_number = IdNumberField()
    full_name = NameField()
    member = GuideChoiceField(label=_("Guided by"), queryset=Member.objects.none())
    eid_level = forms.TypedChoiceField(
        label=_("e-ID level"),
        choices=LEVEL_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    activated_on = DayFirstDateField(label=_("Activated on"), required=False, past_only=True)
    portal_used = forms.BooleanField(label=_("Portal account activated and used"), required=False)
    id_card_application = forms.BooleanField(
        label=_("ID card application collected"), required=False
    )
    guided_on = DayFirstDateField(label=_("Guided on"), required=False, past_only=True)
    place = forms.ChoiceField(label=_("Where"), choices=[("", "—"), *Place.choices], required=False)
    activity = ActivityChoiceField()
    birth_date = DayFirstDateField(label=_("Birth date"), required=False, past_only=True)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices], required=False)
    phone = PhoneField()
    address = PlainTextField(label=_("Address"), max_length=255, required=False)
    category = forms.ChoiceField(
        label=_("The resident is"),
        choices=ResidentCategory.choices,
        initial=ResidentCategory.RESIDENT,
        help_text=_("Anyone but a resident is excluded from every credited count."),
    )
    note = PlainTextField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, campaign, case=None, **kwargs):
        if case is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_from_case(case)
        super().__init__(*args, **kwargs)
        self.user, self.campaign, self.case = user, campaign, case
        for name in self.omit:
            del self.fields[name]
        guides = guide_queryset(user, include=case.member if case else None)
        self.fields["member"].queryset = guides
        if "activity" in self.fields:
            offer_activities(
                self.fields["activity"],
                user=user,
                campaign=campaign,
                day=case.guided_on if case else None,
                current=case.activity if case else None,
            )
        self.fields["member"].empty_label = _("Choose the member who guided")
        if case is None and self.initial.get("member") is None:
            only = list(guides[:2])
            if len(only) == 1:
                self.initial["member"] = only[0].pk

    def clean(self):
        data = super().clean()
        self.clean_case_details(data)
        self.warn_about_id_and_phone(birth_date=data.get("birth_date"), sex=data.get("sex"))
        if data.get("id_number") and data.get("member") and self.campaign:
            duplicates = Case.objects.filter(
                campaign=self.campaign,
                member=data["member"],
                resident__id_number=data["id_number"],
            )
            if self.case is not None:
                duplicates = duplicates.exclude(pk=self.case.pk)
            if duplicates.exists():
                self.add_error(
                    "member",
                    forms.ValidationError(
                        _("%(member)s already guides this resident in this campaign.")
                        % {"member": data["member"]},
                        code="duplicate_case",
                    ),
                )
        return data

    def resident_data(self):
        data = self.cleaned_data
        return {
            key: data[key]
            for key in (
                "id_number",
                "full_name",
                "birth_date",
                "sex",
                "phone",
                "address",
                "category",
            )
            if key in data
        }

    def case_data(self):
        data = self.cleaned_data
        return {
            key: data[key]
            for key in (
                "eid_level",
                "activated_on",
                "portal_used",
                "id_card_application",
                "guided_on",
                "place",
                "note",
            )
            if key in data
        } | (
            {"activity_id": data["activity"].pk if data["activity"] else None}
            if "activity" in data
            else {}
        )


def initial_from_case(case):
    resident = case.resident
    return {
        "id_number": resident.id_number,
        "full_name": resident.full_name,
        "birth_date": resident.birth_date,
        "sex": resident.sex,
        "phone": resident.phone,
        "address": resident.address,
        "category": resident.category,
        "member": case.member_id,
        "eid_level": case.eid_level,
        "activated_on": case.activated_on,
        "portal_used": case.portal_used,
        "id_card_application": case.id_card_application,
        "guided_on": case.guided_on,
        "place": case.place,
        "note": case.note,
        "activity": case.activity_id,
    }


QUICK_LEVEL_CHOICES = [("none", _("Not activated yet")), *Case.Level.choices]


def quick_level(value):
    """The quick form's level: "none" is the answer "not activated yet", chosen as such."""
    return None if value == "none" else int(value)


class QuickCaseForm(CaseForm):
    """The phone form for a member's own cases at an outreach day: few, big fields. The place
    defaults to Volunteer Saturday and the guidance date to today, both shown and changeable.
    Nothing that changes a figure is chosen for the user: the e-ID level (or "not activated
    yet") must be picked, and the activation date typed, so a case is never credited by a
    default nobody looked at."""

    omit = ("birth_date", "sex", "address", "category", "note")

    eid_level = forms.TypedChoiceField(
        label=_("e-ID level"),
        choices=QUICK_LEVEL_CHOICES,
        coerce=quick_level,
        empty_value=None,
        error_messages={"required": _("Choose the e-ID level, or “not activated yet”.")},
        widget=forms.RadioSelect(attrs={"class": "choices"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].initial = Place.VOLUNTEER_SATURDAY
        self.fields["guided_on"].initial = timezone.localdate()
        self.fields["guided_on"].help_text = _(
            "The day the resident was guided: the period reports count the case by this day."
        )
        self.fields["id_number"].widget.attrs["autofocus"] = True


class BatchHeaderForm(forms.Form):
    """What a paper list shares: its guide, where and when they guided."""

    member = GuideChoiceField(label=_("Guided by"), queryset=Member.objects.none())
    place = forms.ChoiceField(label=_("Where"), choices=[("", "—"), *Place.choices], required=False)
    guided_on = DayFirstDateField(label=_("Guided on"), required=False, past_only=True)
    activity = ActivityChoiceField()

    def __init__(self, *args, user, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = guide_queryset(user)
        if campaign is None:
            del self.fields["activity"]
        else:
            offer_activities(self.fields["activity"], user=user, campaign=campaign, day=self._day())

    def _day(self):
        """The list's day as sent (its activities offered first), when it reads as one."""
        if not self.is_bound:
            return None
        try:
            return self.fields["guided_on"].clean(self.data.get(self.add_prefix("guided_on")))
        except forms.ValidationError:
            return None

    def case_data(self):
        """What every case of the list shares."""
        data = self.cleaned_data
        shared = {"place": data["place"], "guided_on": data["guided_on"]}
        if "activity" in data:
            shared["activity_id"] = data["activity"].pk if data["activity"] else None
        return shared


class BatchRowForm(CaseDetailsMixin, forms.Form):
    """One line of a paper list. A line left blank is ignored."""

    id_number = IdNumberField()
    full_name = NameField()
    phone = PhoneField()
    eid_level = forms.TypedChoiceField(
        label=_("Level"), choices=LEVEL_CHOICES, coerce=int, empty_value=None, required=False
    )
    activated_on = DayFirstDateField(label=_("Activated on"), required=False, past_only=True)
    portal_used = forms.BooleanField(label=_("Portal"), required=False)

    def __init__(self, *args, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = field.label

    def clean(self):
        data = super().clean()
        self.clean_case_details(data)
        self.warn_about_id_and_phone()
        return data


class BaseBatchFormSet(forms.BaseFormSet):
    # The row count comes from the page; one changed by hand is answered in Vietnamese.
    default_error_messages = {
        "missing_management_form": _(
            "The list was changed before it was sent; reload the page and enter it again."
        ),
        "too_many_forms": _("A list holds at most %(num)d rows; enter the rest in another list."),
    }

    def __init__(self, *args, campaign=None, member=None, **kwargs):
        self.campaign, self.member = campaign, member
        super().__init__(*args, form_kwargs={"campaign": campaign}, **kwargs)

    def filled_forms(self):
        return [form for form in self.forms if form.has_changed()]

    def clean(self):
        if any(self.errors) or not self.management_form.is_valid():
            return  # rows are wrong, or so is the row count: say that, not "fill in a row"
        seen = {}
        for number, form in enumerate(self.forms, start=1):
            id_number = form.cleaned_data.get("id_number")
            if not id_number:
                continue
            if id_number in seen:
                form.add_error(
                    "id_number",
                    forms.ValidationError(
                        _("The same ID number as row %(row)d.") % {"row": seen[id_number]},
                        code="duplicate_row",
                    ),
                )
            else:
                seen[id_number] = number
        if not seen:
            raise forms.ValidationError(_("Fill in at least one row."), code="empty")
        if self.campaign and self.member and seen:
            listed = set(
                Case.objects.filter(
                    campaign=self.campaign,
                    member=self.member,
                    resident__id_number__in=list(seen),
                ).values_list("resident__id_number", flat=True)
            )
            for form in self.forms:
                if form.cleaned_data.get("id_number") in listed:
                    form.add_error(
                        "id_number",
                        forms.ValidationError(
                            _("%(member)s already guides this resident in this campaign.")
                            % {"member": self.member},
                            code="duplicate_case",
                        ),
                    )

    @property
    def warnings(self):
        return [
            (number, warning)
            for number, form in enumerate(self.forms, start=1)
            for warning in getattr(form, "warnings", [])
        ]


BatchFormSet = forms.formset_factory(
    BatchRowForm,
    formset=BaseBatchFormSet,
    extra=10,
    max_num=50,
    validate_max=True,
    absolute_max=50,  # a row count changed to 100000 builds 50 rows, not Django's 1050
)


class ResidentFilterForm(forms.Form):
    """Search and filters of the list of residents."""

    LEVELS = [
        ("", _("Any level")),
        ("none", _("Not activated yet")),
        ("1", _("Level 1")),
        ("2", _("Level 2")),
    ]

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Name or ID number"), "type": "search"}),
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All my units")
    )
    level = forms.ChoiceField(label=_("e-ID level"), choices=LEVELS, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.visible_to(user)

    def filter(self, residents, cases, *, search):
        """Narrow `residents` (and the `cases` that make them visible) by the filters; the
        typed search by `search(text)`, a Q (the view's: privacy.scope.resident_search, a
        name as the user's own tree recorded it, a whole ID number)."""
        if not self.is_valid():
            return residents, cases
        data = self.cleaned_data
        if data["q"]:
            residents = residents.filter(search(data["q"]))
        if data["unit"]:
            cases = cases.filter(member__unit__in=Unit.objects.subtree(data["unit"]))
        if data["level"] == "none":
            cases = cases.filter(eid_level__isnull=True)
        elif data["level"]:
            cases = cases.filter(eid_level=int(data["level"]))
        return residents, cases


class ImportReviewForm(forms.Form):
    """The district administrator's decision on a held import: approve, or refuse with a
    reason the owner reads."""

    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("refuse", _("Refuse"))]
    )
    reason = PlainTextField(label=_("Reason"), required=False, max_length=1000)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not data.get("reason"):
            raise forms.ValidationError(_("Say why the import is refused: its owner reads it."))
        return data
