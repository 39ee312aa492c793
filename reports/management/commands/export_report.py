"""Write the report workbook (interfaces.md §2 and §4) for the district police to send to
the provincial police. Acts as the district administrator: every unit."""

import errno
import getpass
import os
import tempfile
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.current import campaign_for_command
from config.commands import Command as TranslatedCommand
from config.commands import (
    add_day_or_period,
    date_from_option,
    day_or_period,
    period_from_option,
)
from dashboards.formats import whole
from reports.exports import export_report
from units.models import Unit


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Write the report workbook (.xlsx) of a period or a day, for a unit or the district."
    )

    def add_arguments(self, parser):
        # Checked in handle(), so that a missing --out is said in Vietnamese, not by argparse.
        parser.add_argument("--out", metavar="FILE.xlsx", help=gettext_lazy("the workbook"))
        parser.add_argument(
            "--campaign", metavar="SLUG", help=gettext_lazy("the campaign's short name")
        )
        add_day_or_period(
            parser,
            as_of_help=gettext_lazy("figures as of this day"),
            period_help=gettext_lazy("a reporting period (e.g. dot-1)"),
        )
        parser.add_argument(
            "--unit", metavar="CODE", help=gettext_lazy("a unit's code (default: all)")
        )
        parser.add_argument(
            "--live",
            action="store_true",
            help=gettext_lazy("for a period: the data as it stands now"),
        )

    def handle(self, *args, **options):
        if not options["out"]:
            raise CommandError(_("Name the workbook to write: --out FILE.xlsx."))
        day_or_period(options)
        out = Path(options["out"])
        if out.suffix.lower() != ".xlsx":
            raise CommandError(_("--out must name an .xlsx file, not “%s”.") % out)
        if out.is_dir():
            raise CommandError(_("--out names a folder: %s") % out)
        if out.parent.exists() and not out.parent.is_dir():
            raise CommandError(_("%s is a file, not a folder.") % out.parent)
        if not out.parent.is_dir():
            raise CommandError(_("The folder %s does not exist.") % out.parent)
        if options["live"] and not options["period"]:
            self.stderr.write(
                _(
                    "--live only changes a period's report (it ignores the submissions); a day's report is always live."
                )
            )
        campaign = campaign_for_command(options["campaign"])
        as_of = date_from_option(options["as_of"]) if options["as_of"] else None
        period = period_from_option(campaign, options["period"])
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(_("No unit has the code %s.") % options["unit"])
        # Written beside the target and moved in place: a failure leaves no half-written file.
        # It holds whole ID numbers (the named list), so only its owner may read it (0600).
        try:
            handle, temporary = tempfile.mkstemp(suffix=".xlsx", dir=out.parent)
        except OSError as error:
            raise CommandError(_cannot_write(out, error)) from None
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
            raise CommandError(_cannot_write(out, error)) from None
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


def _cannot_write(out, error):
    reasons = {
        errno.EACCES: _("no permission to write in its folder"),
        errno.EPERM: _("no permission to write in its folder"),
        errno.EROFS: _("its folder is read-only"),
        errno.ENOSPC: _("the disk is full"),
        errno.ENOENT: _("no file can be made in its folder"),
    }
    reason = reasons.get(error.errno) or error.strerror or str(error)
    return _("Cannot write %(out)s: %(error)s") % {"out": out, "error": reason}


def _os_user():
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "?"
