"""`python manage.py import_xlsx FILE [--campaign SLUG] [--dry-run] [--user USERNAME]
[--allow-claims]`."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.current import campaign_for_command
from campaign.importing import import_workbook
from config.commands import Command as TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Import a workbook (sheets Đơn vị, Thành viên, Người dân): all or nothing. Exit 0 and "
        "a summary on success; exit 1 and one error a line (sheet, row, column, reason)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--campaign", help=gettext_lazy("campaign slug (optional when there is one campaign)")
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=gettext_lazy("check and report, write nothing")
        )
        parser.add_argument(
            "--user", help=gettext_lazy("import with this user's scope (default: all units)")
        )

        parser.add_argument(
            "--allow-claims",
            action="store_true",
            help=gettext_lazy(
                "import even if the file claims more residents of other trees' units than "
                "the campaign holds for review"
            ),
        )

    def handle(
        self,
        *args,
        file,
        campaign=None,
        dry_run=False,
        user=None,
        allow_claims=False,
        **options,
    ):
        campaign = campaign_for_command(campaign)
        if user is not None:
            try:
                user = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(_("No user is named %(name)s.") % {"name": user}) from None
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
        plan = import_workbook(
            file, campaign=campaign, user=user, dry_run=dry_run, allow_claims=allow_claims
        )
        for warning in plan.warnings:
            self.stderr.write(_("Warning: %(problem)s") % {"problem": warning})
        if not plan.ok:
            for error in plan.errors:
                self.stderr.write(str(error))
            self.stderr.write(
                _("%(count)d errors: nothing was imported.") % {"count": len(plan.errors)}
            )
            raise SystemExit(1)
        for line in plan.summary():
            self.stdout.write(line)
        for claim in plan.double_claims:
            self.stdout.write(
                _("Double claim: %(name)s (rows %(rows)s) is listed by %(guides)s.")
                % {
                    "name": claim.full_name,
                    "rows": ", ".join(map(str, claim.rows)),
                    "guides": "; ".join(f"{name} ({code})" for name, code in claim.guides),
                }
            )
        self.stdout.write(
            _("Checked only (--dry-run): nothing was written.") if dry_run else _("Imported.")
        )
