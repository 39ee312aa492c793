"""Recompute every case's stored rule inputs from scratch, or only check them; and the
members' tallies that the dashboards read (dashboards.tallies), which follow the cases."""

import time

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.rule_inputs import drift, refresh_rule_inputs
from config.commands import Command as TranslatedCommand
from dashboards import tallies  # the dashboards' counts follow the cases


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Recompute the rule inputs stored on every case (claimants, resident excluded, "
        "claim awarded) and on every resident (on a roster). With --check, write nothing "
        "and exit 1 if any stored value differs from a recomputation. The members' tallies "
        "kept for the dashboards are checked (and rebuilt) the same way."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help=gettext_lazy("only report the differences, write nothing"),
        )

    def handle(self, *args, **options):
        started = time.perf_counter()
        differences = drift()
        for pk, name, stored, fresh in differences[:50]:
            self.stderr.write(
                _("%(name)s of case #%(pk)s: stored %(stored)s, recomputed %(fresh)s")
                % {"name": name, "pk": pk, "stored": stored, "fresh": fresh}
            )
        if len(differences) > 50:
            self.stderr.write(_("... and %(n)s more") % {"n": len(differences) - 50})
        if options["check"]:
            tallied = tallies.drift()
            for table, campaign, member, day, name, kept, counted in tallied[:50]:
                self.stderr.write(
                    _(
                        "%(table)s %(name)s of member #%(member)s (campaign #%(campaign)s, "
                        "%(day)s): kept %(kept)s, counted %(counted)s"
                    )
                    % {
                        "table": table,
                        "name": name,
                        "member": member,
                        "campaign": campaign,
                        "day": day,
                        "kept": kept,
                        "counted": counted,
                    }
                )
            if differences or tallied:
                raise CommandError(
                    _("%(inputs)s stored rule inputs and %(tallies)s tallies differ.")
                    % {"inputs": len(differences), "tallies": len(tallied)}
                )
            self.stdout.write(
                _("No drift (%(seconds).1f s).") % {"seconds": time.perf_counter() - started}
            )
            return
        refresh_rule_inputs()
        tallied = tallies.drift()  # after the refresh, whose writes the tallies follow
        if tallied:
            tallies.rebuild()
        self.stdout.write(
            _(
                "Recomputed every rule input; %(inputs)s had drifted, and %(tallies)s "
                "tallies (%(seconds).1f s)."
            )
            % {
                "inputs": len(differences),
                "tallies": len(tallied),
                "seconds": time.perf_counter() - started,
            }
        )
