"""Print a campaign's results as the JSON of docs/results-json.md (and nothing else on stdout)."""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.current import campaign_for_command
from campaign.results import build_results


# Kept under this name for the commands that import it from here.
campaign_from_option = campaign_for_command


def date_from_option(text, option="--as-of"):
    try:
        return datetime.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise CommandError(
            _("%(option)s must be a date written YYYY-MM-DD, not “%(text)s”.")
            % {"option": option, "text": text}
        ) from None


class Command(BaseCommand):
    help = "Print the campaign's results (every member and every unit) as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", metavar="SLUG", help="the campaign's short name")
        when = parser.add_mutually_exclusive_group()
        when.add_argument(
            "--as-of",
            metavar="YYYY-MM-DD",
            help="count e-ID accounts activated up to this day (default: today)",
        )
        when.add_argument(
            "--period",
            metavar="SLUG",
            help="a reporting period (e.g. dot-1, thang-05-2023, tong-ket): figures "
            "as of its last day, plus period_eid/period_full within it",
        )

    def handle(self, *args, **options):
        as_of = (
            date_from_option(options["as_of"])
            if options["as_of"] is not None
            else timezone.localdate()
        )
        campaign = campaign_for_command(options["campaign"])
        period = None
        if options["period"]:
            period = campaign.periods.filter(slug=options["period"]).first()
            if period is None:
                known = ", ".join(campaign.periods.values_list("slug", flat=True)) or "-"
                raise CommandError(
                    _("No reporting period has the short name %(slug)s (known: %(known)s).")
                    % {"slug": options["period"], "known": known}
                )
            as_of = period.ends_on
        results = build_results(campaign, as_of=as_of, since=period.starts_on if period else None)
        self.stdout.write(json.dumps(results.as_json(period), ensure_ascii=False, indent=2))
