from django.core.management.commands import makemessages


class Command(makemessages.Command):
    """makemessages without fuzzy matching: a new message gets no guessed translation
    (a guess like "Guided by" → "người hướng dẫn" for another string would ship as wrong)."""

    msgmerge_options = makemessages.Command.msgmerge_options + ["--no-fuzzy-matching"]
