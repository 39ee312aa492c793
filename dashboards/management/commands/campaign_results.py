"""Print a campaign's results as the JSON of docs/results-json.md (and nothing else on stdout).

The figures are the dashboards' (`dashboards.figures.results_for`: the tallies the database
triggers keep), the same that every page and the report workbook show."""

import json

from django.utils import timezone
from django.utils.translation import gettext_lazy

from campaign.current import campaign_for_command
from campaign.verification import as_source
from config.commands import Command as TranslatedCommand
from config.commands import (
    add_day_or_period,
    date_from_option,
    day_or_period,
    period_from_option,
)
from dashboards.figures import results_for


class Command(TranslatedCommand):
    help = gettext_lazy("Print the campaign's results (every member and every unit) as JSON.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--campaign", metavar="SLUG", help=gettext_lazy("the campaign's short name")
        )
        add_day_or_period(
            parser,
            as_of_help=gettext_lazy(
                "count e-ID accounts activated up to this day (default: today)"
            ),
            period_help=gettext_lazy(
                "a reporting period (e.g. dot-1, thang-05-2023, tong-ket): figures "
                "as of its last day, plus period_eid/period_full within it"
            ),
        )
        parser.add_argument(
            "--figures-from",
            choices=["recorded", "activation_list"],
            help=gettext_lazy(
                "compute the figures as this setting would (recorded, or from the activation "
                "list), without changing the campaign's setting"
            ),
        )

    def handle(self, *args, **options):
        day_or_period(options)
        as_of = (
            date_from_option(options["as_of"])
            if options["as_of"] is not None
            else timezone.localdate()
        )
        campaign = campaign_for_command(options["campaign"])
        period = period_from_option(campaign, options["period"])
        if period is not None:
            as_of = period.ends_on
        if options.get("figures_from"):
            campaign = as_source(campaign, options["figures_from"])
        # The one engine of the figures (the kept tallies), as the pages and the workbook read
        # them; `build_results` counting from the cases is the tests' oracle of it.
        results = results_for(campaign, as_of=as_of, since=period.starts_on if period else None)
        self.stdout.write(json.dumps(results.as_json(period), ensure_ascii=False, indent=2))
