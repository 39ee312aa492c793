"""Recompute every case's stored rule inputs from scratch, or only check them."""

import time

from django.core.management.base import BaseCommand, CommandError

from campaign.rule_inputs import drift, refresh_rule_inputs


class Command(BaseCommand):
    help = (
        "Recompute the rule inputs stored on every case (claimants, resident excluded, "
        "claim awarded) and on every resident (on a roster). With --check, write nothing "
        "and exit 1 if any stored value differs from a recomputation."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="only report the differences, write nothing"
        )

    def handle(self, *args, **options):
        started = time.perf_counter()
        differences = drift()
        for pk, name, stored, fresh in differences[:50]:
            self.stderr.write(f"{name} of #{pk}: stored {stored}, recomputed {fresh}")
        if len(differences) > 50:
            self.stderr.write(f"... and {len(differences) - 50} more")
        if options["check"]:
            if differences:
                raise CommandError(f"{len(differences)} stored rule inputs differ.")
            self.stdout.write(f"No drift ({time.perf_counter() - started:.1f} s).")
            return
        refresh_rule_inputs()
        self.stdout.write(
            f"Recomputed every rule input; {len(differences)} had drifted "
            f"({time.perf_counter() - started:.1f} s)."
        )
