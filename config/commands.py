"""The base of the project's management commands: their help is written in English for the
translators and shown in the user's language (Vietnamese) when it is printed; and the
options of a day or a reporting period that the figures' commands share."""

import datetime
import re

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


class Command(BaseCommand):
    """`help = gettext_lazy(...)` on a subclass: argparse needs the description as text."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)


def date_from_option(text, option="--as-of"):
    try:
        return datetime.date.fromisoformat(text)
    except (TypeError, ValueError):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
            message = _("%(option)s: “%(text)s” is not a real day.")
        else:
            message = _("%(option)s must be a date written YYYY-MM-DD, not “%(text)s”.")
        raise CommandError(message % {"option": option, "text": text}) from None


def add_day_or_period(parser, *, as_of_help, period_help):
    """--as-of and --period, which exclude each other (checked in `day_or_period`, so that
    the refusal is in the user's language, not argparse's)."""
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", help=as_of_help)
    parser.add_argument("--period", metavar="SLUG", help=period_help)


def day_or_period(options):
    if options["as_of"] and options["period"]:
        raise CommandError(_("Give --as-of or --period, not both."))


def period_from_option(campaign, slug):
    """The campaign's reporting period `--period` names, None when none was given, or a
    refusal naming the periods there are."""
    if not slug:
        return None
    period = campaign.periods.filter(slug=slug).first()
    if period is None:
        known = ", ".join(campaign.periods.values_list("slug", flat=True)) or "-"
        raise CommandError(
            _("No reporting period has the short name %(slug)s (known: %(known)s).")
            % {"slug": slug, "known": known}
        )
    return period
