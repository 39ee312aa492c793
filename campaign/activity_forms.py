"""Forms of outreach activities: record or change one, and the field that links a case to
the activity at which it happened."""

import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.formats import day
from units.forms import DayFirstDateField, PlainTextField
from units.models import Member, Unit

from .activities import Activity, ActivityKind, organiser_pks_seen_by

# A weekly series is at most a year of Saturdays.
MAX_REPEATS = 53
# The members taking part are ticked in a list of at most this many.
MAX_MEMBER_CHOICES = 300


class UnitsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, unit):
        return f"{unit.name} ({unit.get_kind_display()})"


class MembersField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, member):
        return f"{member.full_name} · {member.unit.name}"


class ActivityForm(forms.ModelForm):
    """An activity as a secretary records it: kind, days, place, organisers (one or several,
    of any kind: joint police-union activities are the plan's point), members taking part,
    materials, and for a post its link and reach. A Volunteer Saturday may repeat weekly."""

    starts_on = DayFirstDateField(label=_("Day"))
    ends_on = DayFirstDateField(
        label=_("Last day"), required=False, help_text=_("Blank: a one-day activity.")
    )
    place = PlainTextField(label=_("Place"), max_length=255, required=False)
    commune = PlainTextField(label=_("Commune"), max_length=100, required=False)
    name = PlainTextField(
        label=_("Name"),
        max_length=200,
        required=False,
        help_text=_("Blank: called by its kind, day and place."),
    )
    organisers = UnitsField(
        label=_("Organised by"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "ticks"}),
        help_text=_("One or several units, of any kind; at least one of yours."),
        error_messages={"required": _("Choose at least one organising unit.")},
    )
    known_partners = UnitsField(
        label=_("Partners of your earlier joint activities"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "ticks"}),
        help_text=_(
            "Units outside yours named as organisers of an activity you see: tick one to "
            "organise this one with it too."
        ),
    )
    partners = forms.CharField(
        label=_("Partner units outside yours (codes)"),
        required=False,
        max_length=500,
        help_text=_(
            "For a joint activity with a unit you do not see (the commune police, say): its "
            "code, as its users know it; several separated by commas."
        ),
    )
    members = MembersField(
        label=_("Members taking part"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "ticks"}),
    )
    post_url = forms.URLField(
        label=_("Post link"), max_length=500, required=False, assume_scheme="https"
    )
    repeat_until = DayFirstDateField(
        label=_("Repeat every week until"),
        required=False,
        help_text=_(
            "For a Volunteer Saturday: one activity each Saturday up to this day, with the "
            "same organisers and members (materials only on the first)."
        ),
    )

    class Meta:
        model = Activity
        fields = [
            "kind",
            "name",
            "starts_on",
            "ends_on",
            "place",
            "commune",
            "organisers",
            "known_partners",
            "partners",
            "members",
            "hours",
            "banners",
            "posters",
            "leaflets",
            "post_url",
            "reach",
            "code",
        ]
        error_messages = {"kind": {"required": _("Choose the kind of activity.")}}

    def __init__(self, *args, user, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.campaign = user, campaign
        self.fields["kind"].queryset = ActivityKind.objects.for_campaign(campaign)
        self.fields["kind"].empty_label = _("Choose the kind")
        self.fields["starts_on"].error_messages["required"] = _("Give the activity's day.")
        self.editable_units = Unit.objects.editable_by(user)
        # Only the units the user sees are listed (another tree's names are not shown); a
        # partner of another tree is named by its code. An organiser closed since stays.
        visible = Unit.objects.visible_to(user)
        units = visible.open()
        self.kept_organisers = []
        if self.instance.pk:
            current = self.instance.organisers.all()
            units = units | visible.filter(pk__in=current)
            self.kept_organisers = list(current.exclude(pk__in=visible.values("pk")))
        self.fields["organisers"].queryset = units.order_by("path")
        # Partners of other trees already named beside the user's units on an activity the
        # user sees (so already shown to them on the list): offered to tick again. No other
        # unit of another tree is listed.
        known = Unit.objects.none()
        seen_units = organiser_pks_seen_by(user)
        if seen_units is not None:  # one who sees every unit has them all listed above
            through = Activity.organisers.through.objects
            seen = through.filter(unit_id__in=seen_units)
            if campaign is not None:
                seen = seen.filter(activity__campaign=campaign)
            partners = through.filter(activity_id__in=seen.values("activity_id")).exclude(
                unit_id__in=seen_units
            )
            known = (
                Unit.objects.open()
                .filter(pk__in=set(partners.values_list("unit_id", flat=True).distinct()))
                .exclude(pk__in=visible.values("pk"))
                .exclude(pk__in=[u.pk for u in self.kept_organisers])
            )
        self.fields["known_partners"].queryset = known.order_by("path")
        members = Member.objects.guides_for(user)
        if self.instance.pk:  # those of the organising units' trees
            organisers = list(self.instance.organisers.values_list("path", flat=True))
            under = Q(pk__in=[])
            for path in organisers:
                under |= Q(unit__path__startswith=path)
            members = members.filter(under)
        self.too_many_members = members.count() > MAX_MEMBER_CHOICES
        if self.too_many_members:  # a district's thousands: not a list of checkboxes
            members = (
                members.filter(pk__in=self.instance.members.all())
                if self.instance.pk
                else members.none()
            )
            self.fields["members"].help_text = _(
                "Too many members to list: record the activity for the unit that held it "
                "(a commune, a branch), then choose its members."
            )
        kept = self.instance.members.all() if self.instance.pk else Member.objects.none()
        self.kept_members = []
        if self.instance.pk:  # members of other units already taking part stay, unnamed
            self.kept_members = list(kept.exclude(pk__in=members.values("pk")))
        self.fields["members"].queryset = members.select_related("unit").order_by(
            "unit__path", "full_name"
        )
        if self.instance.pk:
            self.fields["members"].initial = list(
                kept.filter(pk__in=members.values("pk")).values_list("pk", flat=True)
            )
            del self.fields["repeat_until"]
        for name in ("hours", "banners", "posters", "leaflets", "reach"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "min": "0"})

    def clean_partners(self):
        codes = [c.strip() for c in self.cleaned_data["partners"].split(",") if c.strip()]
        named = Q(pk__in=[])
        for code in codes:
            named |= Q(code__iexact=code)
        found = {u.code.casefold(): u for u in Unit.objects.open().filter(named)}
        unknown = [c for c in codes if c.casefold() not in found]
        if unknown:
            raise forms.ValidationError(
                _("No open unit has the code %(codes)s.") % {"codes": ", ".join(unknown)},
                code="unknown_partner",
            )
        return [found[c.casefold()] for c in codes]

    def all_organisers(self):
        """The organisers ticked, the earlier partners ticked, the partners named by code,
        and those of other trees the activity already had (kept, as the user cannot see
        them)."""
        data = self.cleaned_data
        units = {
            u.pk: u
            for u in [
                *data["organisers"],
                *data.get("known_partners", []),
                *data["partners"],
                *self.kept_organisers,
            ]
        }
        return list(units.values())

    def clean(self):
        data = super().clean()
        organisers = data.get("organisers")
        if organisers is not None and not any(unit in self.editable_units for unit in organisers):
            self.add_error(
                "organisers",
                forms.ValidationError(
                    _("At least one organising unit must be one whose data you enter."),
                    code="no_own_organiser",
                ),
            )
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error(
                "ends_on",
                forms.ValidationError(
                    _("The last day (%(end)s) cannot be before the first day (%(start)s).")
                    % {"end": day(end), "start": day(start)},
                    code="ends_before_start",
                ),
            )
        code = data.get("code")
        if code and self.campaign:
            taken = Activity.objects.filter(campaign=self.campaign, code__iexact=code)
            if self.instance.pk:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error(
                    "code",
                    forms.ValidationError(_("Another activity has this code."), code="code_taken"),
                )
        repeat_until, kind = data.get("repeat_until"), data.get("kind")
        if repeat_until and start:
            if not (kind and kind.repeats_weekly):
                self.add_error(
                    "repeat_until",
                    forms.ValidationError(
                        _("Only a weekly activity (the Volunteer Saturday) repeats."),
                        code="not_weekly",
                    ),
                )
            elif start.weekday() != 5:
                self.add_error(
                    "starts_on",
                    forms.ValidationError(
                        _("A Volunteer Saturday that repeats starts on a Saturday."),
                        code="not_saturday",
                    ),
                )
            elif repeat_until < start:
                self.add_error(
                    "repeat_until",
                    forms.ValidationError(
                        _("The last Saturday cannot be before the first."), code="repeat_before"
                    ),
                )
            elif (repeat_until - start).days // 7 >= MAX_REPEATS:
                self.add_error(
                    "repeat_until",
                    forms.ValidationError(
                        _("A series holds at most %(count)d Saturdays.") % {"count": MAX_REPEATS},
                        code="too_many",
                    ),
                )
        return data

    def saturdays(self):
        """The days of the series: the first day, then every week up to `repeat_until`."""
        start = self.cleaned_data["starts_on"]
        until = self.cleaned_data.get("repeat_until")
        if not until:
            return [start]
        return [start + datetime.timedelta(weeks=n) for n in range((until - start).days // 7 + 1)]


class ActivityFilterForm(forms.Form):
    kind = forms.ModelChoiceField(
        label=_("Kind"), queryset=ActivityKind.objects.none(), required=False
    )
    since = DayFirstDateField(label=_("From"), required=False)
    until = DayFirstDateField(label=_("To"), required=False)

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = ActivityKind.objects.for_campaign(campaign)
        self.fields["kind"].empty_label = _("Every kind")

    def filter(self, activities):
        if not self.is_valid():
            return activities
        data = self.cleaned_data
        if data["kind"]:
            activities = activities.filter(kind=data["kind"])
        if data["since"]:
            activities = activities.filter(starts_on__gte=data["since"])
        if data["until"]:
            activities = activities.filter(starts_on__lte=data["until"])
        return activities


# --- The activity a case names ----------------------------------------------------------

# The activities offered in a case's drop-down: those held in this many days around the day.
OFFER_DAYS_BEFORE, OFFER_DAYS_AFTER, OFFER_AT_MOST = 31, 1, 40


class ActivityChoiceField(forms.ModelChoiceField):
    """The activity at which the resident was guided: any the user may see (a tampered
    choice outside them is refused); the drop-down offers the day's first, then the recent
    ones."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("At the activity"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("queryset", Activity.objects.none())
        kwargs.setdefault(
            "error_messages",
            {"invalid_choice": _("This activity is not one of your units' activities.")},
        )
        super().__init__(**kwargs)

    def label_from_instance(self, activity):
        return str(activity)


def offer_activities(field, *, user, campaign, day=None, current=None):
    """Set `field` (an ActivityChoiceField) for `user`: every activity of `campaign` they
    may see is accepted; the drop-down lists those held around `day` (today by default),
    the day's first, and `current` (the case's activity) in any case."""
    day = day or timezone.localdate()
    visible = Activity.objects.visible_to(user).of_campaign(campaign)
    field.queryset = visible
    offered = list(
        visible.filter(
            starts_on__lte=day + datetime.timedelta(days=OFFER_DAYS_AFTER),
            starts_on__gte=day - datetime.timedelta(days=OFFER_DAYS_BEFORE),
        )
        .select_related("kind")
        .day_first(day)[:OFFER_AT_MOST]
    )
    if current is not None and current not in offered:
        offered.append(current)
    field.widget.choices = [("", _("None (not at an activity)"))] + [
        (activity.pk, str(activity)) for activity in offered
    ]
    field.offered = offered
    return offered
