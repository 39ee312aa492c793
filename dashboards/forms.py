"""The filter every dashboard page shares: campaign, and a day or a reporting period."""

import datetime

from django import forms
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy

from campaign.current import campaign_for_request
from campaign.models import Campaign
from reports.models import ReportingPeriod
from units.normalize import clean_text

DAY_PATTERN = r"\d{1,2}/\d{1,2}/\d{4}"


class VietnameseDateInput(forms.TextInput):
    """A day typed and shown as dd/mm/yyyy whatever the browser's language (a browser's own
    date field follows its locale and showed mm/dd/yyyy in an English browser)."""

    def __init__(self, attrs=None):
        defaults = {
            "inputmode": "numeric",
            "pattern": DAY_PATTERN,
            "placeholder": "dd/mm/yyyy",
            "autocomplete": "off",
            "class": "day",
        }
        super().__init__({**defaults, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, datetime.date):
            return f"{value:%d/%m/%Y}"
        return value


class DashboardFilter(forms.Form):
    campaign = forms.ModelChoiceField(
        Campaign.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=None,
        label=gettext_lazy("Campaign"),
    )
    as_of = forms.DateField(
        label=gettext_lazy("As of"),
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=VietnameseDateInput(),
        error_messages={"invalid": "Nhập ngày theo dạng ngày/tháng/năm, ví dụ 21/04/2023."},
    )
    period = forms.ModelChoiceField(
        ReportingPeriod.objects.none(),
        to_field_name="slug",
        required=False,
        label=gettext_lazy("Reporting period"),
        empty_label=gettext_lazy("(cumulative)"),
    )

    def __init__(self, request):
        # The one way a page chooses its campaign (campaign/current.py), as the results do.
        data = request.GET
        campaign = campaign_for_request(request, Campaign.objects.all())
        if campaign and data.get("campaign") != campaign.slug:
            data = data.copy()
            data["campaign"] = campaign.slug
        super().__init__(data)
        self.campaign = campaign
        self.fields["period"].queryset = ReportingPeriod.objects.filter(campaign=campaign)

    def window(self):
        """(campaign, as_of, since, period): since and period are None for cumulative figures."""
        if self.campaign is None:
            raise Http404(_("There is no campaign yet."))
        today = timezone.localdate()
        if not self.is_valid():
            return self.campaign, today, None, None
        period = self.cleaned_data.get("period")
        if period:
            return self.campaign, period.ends_on, period.starts_on, period
        return self.campaign, self.cleaned_data.get("as_of") or today, None, None


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
