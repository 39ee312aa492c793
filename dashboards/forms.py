"""The filter every page of figures shares: campaign, and a day or a reporting period."""

import datetime
from typing import NamedTuple

from django import forms
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.current import campaign_for_request
from campaign.models import Campaign
from reports.models import ReportingPeriod
from units.forms import DayFirstDateField
from units.normalize import clean_text


class Timeframe(NamedTuple):
    """What figures a page shows: the campaign's, as of a day, and within a period (`since`
    its first day) or cumulative (`since` and `period` None)."""

    campaign: Campaign
    as_of: datetime.date
    since: datetime.date | None
    period: ReportingPeriod | None


class FiguresFilter(forms.Form):
    """The one filter of every page of figures (the dashboards, the results, the report's
    export): which campaign, and figures as of a day or for a reporting period."""

    campaign = forms.ModelChoiceField(
        Campaign.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=None,
        label=gettext_lazy("Campaign"),
    )
    # Typed and shown dd/mm/yyyy whatever the browser's language (a browser's own date field
    # follows its locale and showed mm/dd/yyyy in an English browser); 2023-06-20 in an
    # address is read too.
    as_of = DayFirstDateField(label=gettext_lazy("As of"), required=False)
    period = forms.ModelChoiceField(
        ReportingPeriod.objects.none(),
        to_field_name="slug",
        required=False,
        label=gettext_lazy("Reporting period"),
        empty_label=gettext_lazy("(cumulative)"),
    )

    def __init__(self, request, data=None):
        # The one way a page chooses its campaign (campaign/current.py); a form sent by POST
        # names its campaign in its data.
        data = request.GET if data is None else data
        campaign = campaign_for_request(request, Campaign.objects.all())
        asked = data.get("campaign")
        if campaign and asked and asked != campaign.slug:
            campaign = next((c for c in request.campaigns if c.slug == asked), campaign)
        if campaign and data.get("campaign") != campaign.slug:
            data = data.copy()
            data["campaign"] = campaign.slug  # show the campaign the figures are of
        super().__init__(data)
        self.campaign = campaign
        self.fields["period"].queryset = ReportingPeriod.objects.filter(campaign=campaign)

    def clean_as_of(self):
        """A day the campaign's weeks can be counted to: 31/12/9999 (typed in an address)
        once overflowed the weeks' arithmetic into a server error."""
        day = self.cleaned_data.get("as_of")
        if day is not None and not (
            datetime.date(1900, 1, 1) <= day <= datetime.date(2100, 12, 31)
        ):
            raise forms.ValidationError(
                gettext_lazy("Give a day between 01/01/1900 and 31/12/2100.")
            )
        return day

    def window(self):
        """The Timeframe asked for: a period's days, or cumulative up to the day asked (today by
        default, and when the day typed cannot be read: the form shows why)."""
        if self.campaign is None:
            raise Http404(_("There is no campaign yet."))
        today = timezone.localdate()
        if not self.is_valid():
            return Timeframe(self.campaign, today, None, None)
        period = self.cleaned_data.get("period")
        if period:
            return Timeframe(self.campaign, period.ends_on, period.starts_on, period)
        return Timeframe(self.campaign, self.cleaned_data.get("as_of") or today, None, None)


def search_text(value, limit=100):
    """A search typed in the address bar, its invisible characters dropped; a control
    character (a NUL byte, which PostgreSQL cannot compare) makes it no search at all."""
    try:
        return clean_text(value or "").strip()[:limit]
    except ValueError:
        return ""


def previous_period(campaign, before):
    """The last reporting period of `campaign` that ends before `before`, or None."""
    return (
        ReportingPeriod.objects.filter(campaign=campaign, ends_on__lt=before)
        .order_by("-ends_on")
        .first()
    )
