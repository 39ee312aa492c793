"""What a whole file can have wrong, each said in one sentence for the secretary."""

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _


class WorkbookError(Exception):
    """The file cannot be read as a workbook; `message` is one sentence for the secretary."""

    def __init__(self, message, code):
        super().__init__(message)
        self.message = message
        self.code = code


def too_large(size):
    return WorkbookError(
        _(
            "The file is %(size)s MB; the limit is %(limit)s MB. Split it into several "
            "workbooks, or delete unused sheets and pictures."
        )
        % {
            "size": _megabytes(size),
            "limit": _megabytes(settings.IMPORT_MAX_BYTES),
        },
        "too_large",
    )


def _megabytes(size):
    """Bytes as megabytes with one decimal, in the language's format (60,0 in Vietnamese)."""
    return number_format(size / 1048576, decimal_pos=1, use_l10n=True)


def too_many_rows(sheet_title, rows):
    return WorkbookError(
        _(
            "Sheet “%(sheet)s” has about %(rows)s rows; the limit is %(limit)s. Split it into "
            "several workbooks."
        )
        % {
            "sheet": sheet_title,
            "rows": f"{rows:,}".replace(",", "."),
            "limit": f"{settings.IMPORT_MAX_ROWS:,}".replace(",", "."),
        },
        "too_many_rows",
    )


def damaged():
    return WorkbookError(
        _(
            "The file is damaged or incomplete (perhaps the upload was cut off). Open it in "
            "Excel, save it again and upload it once more."
        ),
        "damaged",
    )


def password_protected():
    return WorkbookError(
        _(
            "The workbook is protected by a password. Open it in Excel, remove the password "
            "(File › Info › Protect Workbook) and upload it again."
        ),
        "encrypted",
    )
