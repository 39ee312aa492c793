"""Which campaign a page or a command is about: one way, everywhere.

A page shows the campaign named by `?campaign=SLUG` (remembered in the session, so that the
member list, the resident list and the results stay on the same campaign), else the one
remembered, else `Campaign.objects.current()`. A command takes `--campaign SLUG`, which may
be left out when the database holds one campaign (docs/commands.md).
"""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from .models import Campaign, current_of

SESSION_KEY = "campaign"


def campaign_for_request(request, campaigns=None):
    """The campaign `request` is about, among `campaigns` (default: the active ones), or
    None when there is none. `request.campaigns` lists them all, for the selector. One query."""
    if campaigns is None:
        campaigns = Campaign.objects.active()
    campaigns = list(campaigns.latest_first())
    by_slug = {campaign.slug: campaign for campaign in campaigns}
    asked = by_slug.get(request.GET.get("campaign"))
    if asked is not None and request.session.get(SESSION_KEY) != asked.slug:
        request.session[SESSION_KEY] = asked.slug
    request.campaigns = campaigns
    return asked or by_slug.get(request.session.get(SESSION_KEY)) or current_of(campaigns)


def campaign_for_command(slug):
    """The campaign a command's `--campaign SLUG` names, or the only one when no slug is
    given; a CommandError says what to do otherwise."""
    if slug:
        try:
            return Campaign.objects.get(slug=slug)
        except Campaign.DoesNotExist:
            known = ", ".join(Campaign.objects.values_list("slug", flat=True)) or "-"
            raise CommandError(
                _("No campaign has the short name %(slug)s (known: %(known)s).")
                % {"slug": slug, "known": known}
            ) from None
    campaigns = list(Campaign.objects.all()[:2])
    if len(campaigns) == 1:
        return campaigns[0]
    if not campaigns:
        raise CommandError(_("There is no campaign in the database."))
    raise CommandError(_("There are several campaigns: choose one with --campaign SLUG."))
