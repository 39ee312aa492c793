"""Print a campaign's results as the JSON of interfaces.md §3 (and nothing else on stdout)."""
import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from campaign.models import Campaign
from campaign.results import build_results


def campaign_from_option(slug):
    """The campaign named by `slug`, or the only one when no slug is given."""
    if slug:
        try:
            return Campaign.objects.get(slug=slug)
        except Campaign.DoesNotExist:
            known = ", ".join(Campaign.objects.values_list("slug", flat=True)) or "-"
            raise CommandError(f"No campaign with the short name {slug!r} (known: {known}).")
    campaigns = list(Campaign.objects.all()[:2])
    if len(campaigns) == 1:
        return campaigns[0]
    if not campaigns:
        raise CommandError("There is no campaign in the database.")
    raise CommandError("There are several campaigns: choose one with --campaign SLUG.")


def date_from_option(text, option="--as-of"):
    try:
        return datetime.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise CommandError(f"{option} must be a date written YYYY-MM-DD, not {text!r}.")


class Command(BaseCommand):
    help = "Print the campaign's results (every member and every unit) as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", metavar="SLUG", help="the campaign's short name")
        parser.add_argument("--as-of", metavar="YYYY-MM-DD",
                            help="count e-ID accounts activated up to this day (default: today)")

    def handle(self, *args, **options):
        as_of = (date_from_option(options["as_of"]) if options["as_of"] is not None
                 else timezone.localdate())
        campaign = campaign_from_option(options["campaign"])
        results = build_results(campaign, as_of=as_of)
        self.stdout.write(json.dumps(results.as_json(), ensure_ascii=False, indent=2))
