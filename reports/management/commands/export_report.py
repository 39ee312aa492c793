"""Write the report workbook (interfaces.md §2 and §4) for the district police to send to
the provincial police. Acts as the district administrator: every unit."""

import getpass
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from campaign.management.commands.campaign_results import campaign_from_option, date_from_option
from dashboards.formats import whole
from reports.exports import export_report
from units.models import Unit


class Command(BaseCommand):
    help = "Write the report workbook (.xlsx) of a period or a day, for a unit or the district."

    def add_arguments(self, parser):
        parser.add_argument("--out", metavar="FILE.xlsx", required=True, help="the workbook")
        parser.add_argument("--campaign", metavar="SLUG", help="the campaign's short name")
        when = parser.add_mutually_exclusive_group()
        when.add_argument("--period", metavar="SLUG", help="a reporting period (e.g. dot-1)")
        when.add_argument("--as-of", metavar="YYYY-MM-DD", help="figures as of this day")
        parser.add_argument("--unit", metavar="CODE", help="a unit's code (default: all)")
        parser.add_argument(
            "--live", action="store_true", help="for a period: the data as it stands now"
        )

    def handle(self, *args, **options):
        out = Path(options["out"])
        if out.suffix.lower() != ".xlsx":
            raise CommandError(_("--out must name an .xlsx file, not “%s”.") % out)
        if out.is_dir():
            raise CommandError(_("--out names a folder: %s") % out)
        if not out.parent.is_dir():
            raise CommandError(_("The folder %s does not exist.") % out.parent)
        campaign = campaign_from_option(options["campaign"])
        as_of = date_from_option(options["as_of"]) if options["as_of"] else None
        period = None
        if options["period"]:
            period = campaign.periods.filter(slug=options["period"]).first()
            if period is None:
                known = ", ".join(campaign.periods.values_list("slug", flat=True)) or "-"
                raise CommandError(
                    _("No reporting period has the short name %(slug)s (known: %(known)s).")
                    % {"slug": options["period"], "known": known}
                )
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(_("No unit has the code %s.") % options["unit"])
        # Written beside the target and moved in place: a failure leaves no half-written file.
        handle, temporary = tempfile.mkstemp(suffix=".xlsx", dir=out.parent)
        os.close(handle)
        try:
            report, rows = export_report(
                temporary,
                campaign=campaign,
                user=None,
                unit=unit,
                period=period,
                as_of=as_of,
                live=options["live"],
                channel=f"dòng lệnh, {_os_user()}",
            )
            os.replace(temporary, out)
        except OSError as error:
            message = _("Cannot write %(out)s: %(error)s") % {"out": out, "error": error}
            raise CommandError(message) from None
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        self.stderr.write(
            _("Wrote %(out)s: %(units)s units, %(members)s members, %(rows)s named rows.")
            % {
                "out": out,
                "units": whole(len(report["units"])),
                "members": whole(len(report["members"])),
                "rows": whole(rows),
            }
        )


def _os_user():
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "?"
