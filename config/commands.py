"""The base of the project's management commands: their help is written in English for the
translators and shown in the user's language (Vietnamese) when it is printed."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    """`help = gettext_lazy(...)` on a subclass: argparse needs the description as text."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)
