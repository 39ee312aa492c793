"""The workbook unit secretaries fill in (docs/workbook.md), as a package whose file list is
its parts:

- `spec`: the three sheets and their columns, declared once;
- `read`: sniffing a file and reading its sheets (`sniff`, `read_workbook`);
- `headers`: recognising a header row; `layout`: a sheet as found, rows that are not data;
- `limits`: the bounds on what an upload may unpack to, checked before anything reads it;
- `errors`: what a whole file can have wrong; `template`: the template and the error workbook.

Everything other modules use is importable from here.
"""

from .errors import (
    WorkbookError,
    damaged,
    password_protected,
    too_large,
    too_many_rows,
)
from .headers import (
    IGNORED,
    find_header,
    header_key,
    lookup_for,
)
from .layout import (
    SIGNATURE_CELLS,
    SKIP_HEADER,
    SKIP_HEADING,
    SKIP_NUMBERS,
    SKIP_SIGNATURES,
    SKIP_TOTALS,
    Sheet,
    Workbook,
    sheet_from_rows,
)
from .limits import (
    OLE_MAGIC,
    ZIP_MAGIC,
    check_upload,
)
from .read import (
    read_workbook,
    sniff,
    spec_for,
)
from .spec import (
    BIRTH_DATE_ALIASES,
    ERROR_HEADER,
    HEADER_SEARCH_ROWS,
    LEVELS,
    LISTS_TITLE,
    MEMBER_CATEGORIES,
    MEMBER_CATEGORY_ALIASES,
    MEMBERS,
    NO,
    PHONE_ALIASES,
    PLACES,
    RESIDENT_LABEL,
    RESIDENT_LABEL_ALIASES,
    RESIDENTS,
    ROW_NUMBER_HEADERS,
    SEXES,
    SHEETS,
    SHEETS_BY_KEY,
    UNIT_KIND_ALIASES,
    UNIT_KINDS,
    UNITS,
    YES,
    YES_NO,
    Column,
    SheetSpec,
)
from .template import (
    NOTES,
    example_rows,
    template_bytes,
    write_error_workbook,
    write_template,
)

__all__ = [
    "Column",
    "SheetSpec",
    "YES",
    "NO",
    "YES_NO",
    "UNIT_KINDS",
    "UNIT_KIND_ALIASES",
    "MEMBER_CATEGORIES",
    "MEMBER_CATEGORY_ALIASES",
    "RESIDENT_LABEL",
    "RESIDENT_LABEL_ALIASES",
    "SEXES",
    "PLACES",
    "LEVELS",
    "LISTS_TITLE",
    "ERROR_HEADER",
    "BIRTH_DATE_ALIASES",
    "PHONE_ALIASES",
    "ROW_NUMBER_HEADERS",
    "UNITS",
    "MEMBERS",
    "RESIDENTS",
    "SHEETS",
    "SHEETS_BY_KEY",
    "HEADER_SEARCH_ROWS",
    "WorkbookError",
    "too_large",
    "too_many_rows",
    "damaged",
    "password_protected",
    "check_upload",
    "OLE_MAGIC",
    "ZIP_MAGIC",
    "sniff",
    "read_workbook",
    "spec_for",
    "IGNORED",
    "lookup_for",
    "header_key",
    "find_header",
    "Sheet",
    "Workbook",
    "sheet_from_rows",
    "SKIP_HEADER",
    "SKIP_NUMBERS",
    "SKIP_HEADING",
    "SKIP_TOTALS",
    "SKIP_SIGNATURES",
    "SIGNATURE_CELLS",
    "NOTES",
    "write_template",
    "example_rows",
    "write_error_workbook",
    "template_bytes",
]
