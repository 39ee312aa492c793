"""Recompute every case's stored rule inputs from scratch, or only check them; and the
members' tallies that the dashboards read (dashboards.tallies), which follow the cases."""

import time

from django.core.management.base import BaseCommand, CommandError

from campaign.rule_inputs import drift, refresh_rule_inputs


class Command(BaseCommand):
    help = (
        "Recompute the rule inputs stored on every case (claimants, resident excluded, "
        "claim awarded) and on every resident (on a roster). With --check, write nothing "
        "and exit 1 if any stored value differs from a recomputation. The members' tallies "
        "kept for the dashboards are checked (and rebuilt) the same way."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="only report the differences, write nothing"
        )

    def handle(self, *args, **options):
        from dashboards import tallies  # the dashboards' counts follow the cases

        started = time.perf_counter()
        differences = drift()
        for pk, name, stored, fresh in differences[:50]:
            self.stderr.write(f"{name} of #{pk}: stored {stored}, recomputed {fresh}")
        if len(differences) > 50:
            self.stderr.write(f"... and {len(differences) - 50} more")
        if options["check"]:
            tallied = tallies.drift()
            for table, campaign, member, day, name, kept, counted in tallied[:50]:
                self.stderr.write(
                    f"{table} {name} of member #{member} (campaign #{campaign}, {day}): "
                    f"kept {kept}, counted {counted}"
                )
            if differences or tallied:
                raise CommandError(
                    f"{len(differences)} stored rule inputs and {len(tallied)} tallies differ."
                )
            self.stdout.write(f"No drift ({time.perf_counter() - started:.1f} s).")
            return
        refresh_rule_inputs()
        tallied = tallies.drift()  # after the refresh, whose writes the tallies follow
        if tallied:
            tallies.rebuild()
        self.stdout.write(
            f"Recomputed every rule input; {len(differences)} had drifted, and "
            f"{len(tallied)} tallies ({time.perf_counter() - started:.1f} s)."
        )
