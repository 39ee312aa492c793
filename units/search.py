"""Name search that ignores case and Vietnamese diacritics, in the database.

A secretary typing "lo van thanh" on a phone without a Vietnamese keyboard finds
"Lò Văn Thành". The database function `vn_fold(text)` gives the same folding as
`units.normalize.fold` (no diacritics, đ → d, lower case): on PostgreSQL a plain SQL function
created by a migration (built-in `translate`, no extension needed), on SQLite a Python
function registered on every connection.
"""

import unicodedata

from django.db.models import CharField, Func

from .normalize import fold

# Every letter of Vietnamese with a diacritic, upper and lower case (names are stored NFC).
_BASES = "aăâeêioôơuưy"
_TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
_LETTERS = sorted(
    {
        unicodedata.normalize("NFC", base + tone)
        for base in _BASES + _BASES.upper()
        for tone in _TONES
    }
    | {"đ", "Đ"}
)
ACCENTED = "".join(ch for ch in _LETTERS if fold(ch) != ch.lower())
PLAIN = "".join(fold(ch) for ch in ACCENTED)


class Folded(Func):
    """`vn_fold(expression)`: the text folded for matching."""

    function = "vn_fold"
    output_field = CharField()


def postgresql_function_sql():
    return (
        "CREATE OR REPLACE FUNCTION vn_fold(text) RETURNS text AS "
        f"$$ SELECT lower(translate($1, '{ACCENTED}', '{PLAIN}')) $$ "
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE"
    )


def register_sqlite_function(sender, connection, **kwargs):
    """connection_created receiver: teach SQLite `vn_fold`."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "vn_fold", 1, lambda text: None if text is None else fold(text), deterministic=True
        )


class FoldedNameField(CharField):
    """A name folded for search, kept by Django on every save, bulk_create and bulk insert
    (`pre_save`), from the field named `source`. Paths that write rows in SQL of their own
    (the importer's COPY) fill it with `units.normalize.fold` themselves."""

    def __init__(self, *args, source="full_name", **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def pre_save(self, instance, add):
        value = fold(getattr(instance, self.source) or "")
        setattr(instance, self.attname, value)
        return value

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, value in (("max_length", 255), ("editable", False), ("default", "")):
            if kwargs.get(key) == value:
                kwargs.pop(key)
        return name, path, args, kwargs
