"""`python manage.py import_activations FILE [--campaign SLUG] [--dry-run]`."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.activations import import_activation_list
from campaign.current import campaign_for_command
from config.commands import Command as TranslatedCommand


def _number(n):
    return f"{n:,}".replace(",", ".")


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Import the police's activation list (a workbook or a CSV file) as the list in force: "
        "all or nothing. Exit 0 and a summary (rows read; cases verified, differing, not "
        "found); exit 1 and one error a line, writing nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--campaign", help=gettext_lazy("campaign slug (optional when there is one campaign)")
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=gettext_lazy("check and report, write nothing")
        )

    def handle(self, *args, file, campaign=None, dry_run=False, **options):
        campaign = campaign_for_command(campaign)
        try:
            open(file, "rb").close()
        except FileNotFoundError:
            raise CommandError(_("There is no file %(file)s.") % {"file": file}) from None
        except IsADirectoryError:
            raise CommandError(
                _("%(file)s is a folder, not a workbook.") % {"file": file}
            ) from None
        except PermissionError:
            raise CommandError(_("You may not read %(file)s.") % {"file": file}) from None
        except OSError as exc:
            raise CommandError(
                _("Cannot open %(file)s: %(reason)s") % {"file": file, "reason": exc.strerror}
            ) from None
        result = import_activation_list(file, campaign=campaign, dry_run=dry_run)
        for warning in result.warnings:
            self.stderr.write(_("Warning: %(problem)s") % {"problem": warning})
        if not result.ok:
            for problem in result.problems():
                self.stderr.write(problem)
            if result.errors:
                self.stderr.write(
                    _("%(count)d errors: nothing was imported.") % {"count": len(result.errors)}
                )
            else:
                self.stderr.write(_("Nothing was imported."))
            raise SystemExit(1)
        counts = {
            k: _number(result.statuses.get(k, 0)) for k in ("verified", "differs", "not_found")
        }
        self.stdout.write(
            _("Rows read: %(rows)s (%(ids)s ID numbers).")
            % {"rows": _number(result.rows_read), "ids": _number(len(result.entries))}
        )
        self.stdout.write(
            _("Cases verified: %(verified)s; differing: %(differs)s; not found: %(not_found)s.")
            % counts
        )
        if result.unchanged:
            self.stdout.write(_("The list in force already holds these rows: nothing changed."))
        elif dry_run:
            self.stdout.write(_("Checked only (--dry-run): nothing was written."))
        else:
            self.stdout.write(_("Imported: this list is now the list in force."))
