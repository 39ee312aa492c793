"""Importing the police's activation list (interfaces.md §5): a workbook (.xlsx, .xls,
.ods) or a CSV file (UTF-8 with or without a byte-order mark; comma or semicolon), one
table: the sheet "Danh sách kích hoạt", else the first sheet.

Read as a stream, a row at a time, into one small tuple per ID number. All or nothing: any
wrong row and nothing is written, every wrong row named (sheet, row as the file numbers it,
column, reason). The bounds of the workbook import hold (size, unpacked size, cells...),
with a row limit of its own (ACTIVATION_MAX_ROWS). The new list replaces the one in force
for the campaign; a list whose rows are those in force already changes nothing, whatever
its form (.xlsx or CSV).
"""

import codecs
import csv
import datetime
import hashlib
import os
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from units.normalize import fold, is_blank, normalize_date, normalize_yes_no

from . import verification
from .bulk import copy_rows
from .importing.cells import read_id_number, read_level, read_name, shown
from .importing.problems import Problem
from .models import ActivationEntry, ActivationList, Campaign, Case, Resident
from .workbook import (
    HEADER_SEARCH_ROWS,
    OLE_MAGIC,
    ZIP_MAGIC,
    Column,
    SheetSpec,
    WorkbookError,
    damaged,
    find_header,
    password_protected,
    sniff,
    too_large,
)
from .workbook.limits import check_upload
from .workbook.spec import BIRTH_DATE_ALIASES, RESIDENTS

SHEET_TITLE = "Danh sách kích hoạt"


def _aliases(key):
    return RESIDENTS.column(key).aliases


SPEC = SheetSpec(
    key="activations",
    title=SHEET_TITLE,
    columns=(
        Column("id_number", "Số định danh", required=True, aliases=_aliases("id_number")),
        Column("eid_level", "Mức định danh", required=True, aliases=_aliases("eid_level")),
        Column("activated_on", "Ngày kích hoạt", required=True, aliases=_aliases("activated_on")),
        Column("portal_used", "Tài khoản DVC", aliases=_aliases("portal_used")),
        Column("full_name", "Họ và tên", aliases=_aliases("full_name")),
        Column("birth_date", "Ngày sinh", aliases=BIRTH_DATE_ALIASES),
    ),
    aliases=("Danh sach kich hoat tai khoan", "Danh sách kích hoạt tài khoản"),
    ignored=("STT", "TT", "Số TT", "Số thứ tự"),
)


@dataclass
class ActivationImport:
    """What reading (and, unless a dry run, importing) one list found and did."""

    campaign: Campaign
    file_name: str = ""
    sha256: str = ""
    content_sha256: str = ""
    sheet: str = ""
    format: str = ""
    rows_read: int = 0  # data rows of the file
    entries: dict = field(default_factory=dict)  # id number -> (level, day, portal, name, birth)
    has_portal: bool = False
    errors: list = field(default_factory=list)  # Problem
    warnings: list = field(default_factory=list)  # Problem
    file_error: str = ""  # one sentence: the file is not a list we can read
    unchanged: bool = False  # the list in force holds these very rows
    written: bool = False
    dry_run: bool = False
    statuses: dict = field(default_factory=dict)  # status -> cases, after the import
    activation_list: ActivationList | None = None

    @property
    def ok(self):
        return not self.errors and not self.file_error

    def problems(self):
        return [self.file_error] if self.file_error else [str(p) for p in self.errors]

    def summary(self):
        return {
            "rows": self.rows_read,
            "entries": len(self.entries),
            "unchanged": self.unchanged,
            "written": self.written,
            "dry_run": self.dry_run,
            **{status: self.statuses.get(status, 0) for status in verification.STATUSES[:3]},
        }


class ListError(Exception):
    """The file is not a list we can read: one sentence."""


def max_rows():
    return settings.ACTIVATION_MAX_ROWS


def _too_many_rows(rows):
    return ListError(
        _("The list has about %(rows)s rows; the limit is %(limit)s.")
        % {"rows": f"{rows:,}".replace(",", "."), "limit": f"{max_rows():,}".replace(",", ".")}
    )


# --- Reading ---------------------------------------------------------------------------------


def read_list(path, *, campaign, file_name="", progress=None) -> ActivationImport:
    """Read the list at `path` (nothing written): its rows, or its errors."""
    result = ActivationImport(campaign=campaign, file_name=file_name or os.path.basename(path))
    progress = progress or (lambda done, total: None)
    try:
        result.sha256 = _file_sha256(path)
        rows, result.format, result.sheet, total = _open_table(path, result.file_name)
        _read_rows(result, rows, total, progress)
    except WorkbookError as exc:
        result.file_error = exc.message
    except ListError as exc:
        result.file_error = str(exc)
    if result.ok:
        result.content_sha256 = _content_sha256(result.entries)
    return result


def _file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _open_table(path, file_name):
    """(rows as (number, cells), format, sheet name, rows in all) of the file's one table."""
    size = os.path.getsize(path)
    if size == 0:
        raise ListError(_("The file is empty (0 bytes). Choose the list again."))
    if size > settings.IMPORT_MAX_BYTES:
        raise too_large(size)
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith(ZIP_MAGIC) or head.startswith(OLE_MAGIC):
        check_upload(path)
        fmt = sniff(path)
        return _open_workbook(path, fmt)
    if head.lstrip().startswith((b"<", b"%PDF")) or b"\x00" in head:
        raise _not_a_table(path)
    return _open_csv(path, file_name, head)


def _open_workbook(path, fmt):
    import python_calamine

    try:
        with open(path, "rb") as stream:
            workbook = python_calamine.CalamineWorkbook.from_filelike(stream)
        names = list(workbook.sheet_names)
        if not names:
            raise ListError(_("The workbook has no sheet."))
        wanted = {fold(SHEET_TITLE), *(fold(a) for a in SPEC.aliases)}
        name = next((n for n in names if fold(n) in wanted), names[0])
        data = workbook.get_sheet_by_name(name)
    except (WorkbookError, ListError):
        raise
    except Exception as exc:  # noqa: BLE001 - calamine's errors are not all CalamineError
        if "password" in str(exc).lower():
            raise password_protected() from None
        raise damaged() from None
    total = data.total_height
    if total > max_rows() + HEADER_SEARCH_ROWS:
        raise _too_many_rows(total)
    first = (data.start[0] if data.start else 0) + 1
    first_column = data.start[1] if data.start else 0

    def rows():
        for number, cells in enumerate(data.iter_rows(), start=first):
            yield number, ([None] * first_column + list(cells)) if first_column else cells

    return rows(), fmt, name, total


def _open_csv(path, file_name, head):
    """A CSV file in UTF-8 (a byte-order mark or not), comma or semicolon."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _not_utf8()
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            lines = sum(1 for _line in f)
    except UnicodeDecodeError:
        raise _not_utf8() from None
    if lines > max_rows() + HEADER_SEARCH_ROWS:
        raise _too_many_rows(lines)
    with open(path, encoding="utf-8-sig", newline="") as f:
        sample = "".join(line for _n, line in zip(range(HEADER_SEARCH_ROWS), f))
    delimiter = ";" if sample.count(";") > sample.count(",") else ","

    def rows():
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f, delimiter=delimiter)
            try:
                for cells in reader:
                    yield reader.line_num, cells
            except csv.Error:
                raise ListError(
                    _("Row %(row)d of the CSV file cannot be read (a quote not closed?).")
                    % {"row": reader.line_num}
                ) from None

    return rows(), "csv", file_name, lines


def _not_a_table(path):
    """The list's own sentence for a PDF, a web page or a binary file: the workbook's would
    send the administrator to a template the list does not have."""
    try:
        sniff(path)
        kind = "unknown"
    except WorkbookError as exc:
        kind = exc.code
    what = {
        "pdf": _("This is a PDF file"),
        "html": _("This is a web page or XML file"),
    }.get(kind, _("This file is not a table"))
    return ListError(
        _(
            "%(what)s, not an activation list. The list must be an Excel workbook (.xlsx, "
            ".xls), an OpenDocument spreadsheet (.ods) or a CSV file in UTF-8: export it again "
            "from the police's system in one of these forms."
        )
        % {"what": what}
    )


def _not_utf8():
    return ListError(
        _(
            "This CSV file is not in UTF-8. Save it again as “CSV UTF-8 (comma delimited)” "
            "and import it again."
        )
    )


def _csv_number(value):
    """In a CSV file every cell is text: an ID number written as a number (11 digits, its
    leading zero lost to a spreadsheet) gets its zero back as a numeric cell would."""
    if value.__class__ is str:
        stripped = value.strip()
        if len(stripped) == 11 and stripped.isdigit() and stripped.isascii():
            return int(stripped)
    return value


def _read_rows(result, rows, total, progress):
    buffered = []
    for number, cells in rows:
        buffered.append((number, list(cells)))
        if len(buffered) >= HEADER_SEARCH_ROWS:
            break
    found = find_header(SPEC, buffered)
    required = [c.header for c in SPEC.columns if c.required]
    if found is None:
        raise ListError(
            _(
                "This file is not a table of the activation list: no row names the columns "
                "%(columns)s."
            )
            % {"columns": ", ".join(f"“{h}”" for h in required)}
        )
    header_row, columns = found
    missing = [c.header for c in SPEC.columns if c.required and c.key not in columns]
    if missing:
        raise ListError(
            _("The list has no column %(columns)s (the header is on row %(row)d).")
            % {"columns": ", ".join(f"“{h}”" for h in missing), "row": header_row}
        )
    index = {key: position for key, (position, _text) in columns.items()}
    headers = {key: " ".join(str(text).split()) for key, (_pos, text) in columns.items()}
    result.has_portal = "portal_used" in index
    csv_file = result.format == "csv"
    sheet = result.sheet
    entries, first_row = result.entries, {}
    errors, warnings = result.errors, result.warnings
    limit = max_rows()
    dates, levels = {}, {}

    def cell(cells, key):
        position = index.get(key)
        if position is None or position >= len(cells):
            return None
        value = cells[position]
        return value

    def problem(number, key, message, code, into=errors):
        into.append(Problem(sheet, number, headers.get(key, ""), message, code))

    def data_rows():
        for number, cells in buffered:
            if number > header_row:
                yield number, cells
        yield from rows

    id_at, level_at, day_at = index["id_number"], index["eid_level"], index["activated_on"]
    width = max(index.values()) + 1
    absent = width  # the position of a column the list does not have: None, as padded
    portal_at = index.get("portal_used", absent)
    name_at = index.get("full_name", absent)
    birth_at = index.get("birth_date", absent)
    padding = [None] * (width + 1)
    date_class = datetime.date
    portals = {}
    done = 0
    for number, cells in data_rows():
        if len(cells) <= width:
            cells = [*cells, *padding[: width + 1 - len(cells)]]
        # The common row first: its ID number a text cell (a blank row has none).
        raw = cells[id_at] if id_at < len(cells) else None
        if (raw is None or raw.__class__ is not str or not raw) and all(
            is_blank(cell(cells, key)) for key in index
        ):
            continue
        done += 1
        if done > limit:
            raise _too_many_rows(done)
        if done % 20000 == 0:
            progress(done, total)
        failed = False
        if raw.__class__ is str and len(raw) == 12 and raw.isdigit() and raw.isascii():
            id_number = raw  # as read_id_number gives it: the common case
        elif is_blank(raw):
            problem(number, "id_number", _("This value is required."), "required")
            failed = True
            id_number = None
        else:
            try:
                id_number = read_id_number(_csv_number(raw) if csv_file else raw)
            except ValueError as exc:
                problem(number, "id_number", str(exc), "invalid")
                failed = True
                id_number = None
        raw = cells[level_at]
        level = None
        if raw.__class__ is float and (raw == 1.0 or raw == 2.0):
            level = int(raw)  # a number cell: the common case
        elif is_blank(raw):
            problem(number, "eid_level", _("The e-ID level must be 1 or 2."), "required")
            failed = True
        else:
            key = raw if raw.__class__ is str else (raw.__class__, raw)
            level = levels.get(key)
            if level is None:
                try:
                    level = read_level(raw)
                except ValueError:
                    level = 0
                levels[key] = level
            if not level:
                problem(
                    number,
                    "eid_level",
                    _("The e-ID level must be 1 or 2, not “%(value)s”.") % {"value": shown(raw)},
                    "invalid",
                )
                failed = True
        raw = cells[day_at]
        day = None
        if raw.__class__ is date_class:
            day = raw  # a date cell: the common case
        elif is_blank(raw):
            problem(number, "activated_on", _("The activation date is missing."), "required")
            failed = True
        else:
            key = raw if raw.__class__ is str else (raw.__class__, raw)
            day = dates.get(key)
            if day is None:
                try:
                    day = normalize_date(raw)
                except ValueError as exc:
                    day = str(exc)
                if len(dates) < 50_000:
                    dates[key] = day
            if isinstance(day, str):
                problem(number, "activated_on", day, "invalid")
                failed = True
                day = None
        portal = None
        if result.has_portal:
            raw = cells[portal_at]
            key = raw if raw.__class__ is str else (raw.__class__, raw)
            portal = portals.get(key)
            if portal is None:
                try:
                    portal = normalize_yes_no(raw)
                except ValueError as exc:
                    portal = str(exc)
                if len(portals) < 1000:
                    portals[key] = portal
            if portal.__class__ is str:
                problem(number, "portal_used", portal, "invalid")
                failed = True
                portal = None
        name, birth = "", None
        raw = cells[name_at]
        if (
            raw.__class__ is str
            and raw.isprintable()  # no control nor invisible character, no odd space
            and 0 < len(raw) <= 255
            and raw[0] != " "
            and raw[-1] != " "
            and "  " not in raw
            and unicodedata.is_normalized("NFC", raw)
        ):
            name = raw  # as read_name would give it
        elif not is_blank(raw):
            try:
                name = read_name(raw)
            except ValueError as exc:
                problem(number, "full_name", str(exc), "ignored", warnings)
        raw = cells[birth_at]
        if raw.__class__ is date_class:
            birth = raw
        elif raw is not None and not is_blank(raw):
            try:
                birth = normalize_date(raw)
            except ValueError as exc:
                problem(number, "birth_date", str(exc), "ignored", warnings)
        if failed or id_number is None:
            continue
        entry = (level, day, portal, name, birth)
        known = entries.get(id_number)
        if known is None:
            entries[id_number] = entry
            first_row[id_number] = number
        elif known[:3] != entry[:3]:
            problem(
                number,
                "id_number",
                _(
                    "The ID number %(id)s is also on row %(other)d, with another level, "
                    "activation date or portal answer: keep the right row only."
                )
                % {"id": id_number, "other": first_row[id_number]},
                "duplicate",
            )
    result.rows_read = done
    progress(done, total)
    if not done and not errors:
        raise ListError(_("The list has its header but no row under it."))


def _content_sha256(entries):
    """A digest of the rows as read, whatever the file's form: the same list as .xlsx or
    as CSV gives the same digest."""
    digest = hashlib.sha256()
    for id_number in sorted(entries):
        level, day, portal, name, birth = entries[id_number]
        digest.update(
            f"{id_number}|{level}|{day.isoformat()}|{portal}|{name}|{birth or ''}\n".encode()
        )
    return digest.hexdigest()


# --- Importing -------------------------------------------------------------------------------


class _DryRun(Exception):
    pass


def import_activation_list(
    path, *, campaign, user=None, dry_run=False, file_name="", progress=None
) -> ActivationImport:
    """Read the list at `path` and, when it has no error, make it the list in force for
    `campaign` (all or nothing): the list's rows are written, each joined to its resident;
    the cases are not written (they read the list through the join). With `dry_run`, the
    statuses it would give are counted and nothing is kept."""
    progress = progress or (lambda done, total: None)

    def reading(done, total):
        progress(int(done * 0.6), total)

    result = read_list(path, campaign=campaign, file_name=file_name, progress=reading)
    result.dry_run = dry_run
    if not result.ok:
        return result
    total = max(result.rows_read, 1)
    current = verification.list_in_force(campaign)
    if current is not None and current.content_sha256 == result.content_sha256:
        result.unchanged = True
        result.activation_list = current
        result.statuses = _statuses(campaign)
        progress(total, total)
        return result
    try:
        with transaction.atomic():
            _write(result, campaign, user)
            progress(int(total * 0.8), total)
            result.statuses = _statuses(campaign)
            progress(total, total)
            if dry_run:
                raise _DryRun
    except _DryRun:
        verification.forget_list_in_force(campaign)
        result.activation_list = None
        return result
    result.written = True
    return result


def _write(result, campaign, user):
    record = ActivationList.objects.create(
        campaign=campaign,
        imported_by=user if getattr(user, "is_authenticated", False) else None,
        imported_at=timezone.now(),
        file_name=result.file_name[:255],
        sha256=result.sha256,
        content_sha256=result.content_sha256,
        rows=result.rows_read,
    )
    result.activation_list = record
    ActivationEntry.objects.filter(campaign=campaign).delete()
    columns = [
        "id_number",
        "eid_level",
        "activated_on",
        "portal_used",
        "full_name",
        "birth_date",
    ]
    # The rows in the order of the table's unique index: its pages fill in order.
    rows = ((id_number, *entry) for id_number, entry in sorted(result.entries.items()))
    table = ActivationEntry._meta.db_table
    if connection.vendor == "postgresql":
        # One COPY into a table of the transaction's own (no index, no trigger, no log),
        # then one INSERT of every row joined to its resident: the list is written once,
        # each row already holding its resident.
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE activation_rows (id_number varchar(12), eid_level"
                " smallint, activated_on date, portal_used boolean, full_name varchar(255),"
                " birth_date date) ON COMMIT DROP"
            )
            copy_rows(cursor, "activation_rows", columns, rows, texts=["full_name"])
            # Enough memory for the residents' hash in one batch: the join then gives the
            # rows in the order they were copied (the index's), with no sort.
            cursor.execute("SET LOCAL work_mem = '128MB'")
            cursor.execute(
                f"INSERT INTO {table} (activation_list_id, campaign_id, resident_id,"
                f" {', '.join(columns)}) SELECT %s, %s, r.id,"
                f" {', '.join(f't.{c}' for c in columns)} FROM activation_rows t"
                f" LEFT JOIN {Resident._meta.db_table} r ON r.id_number = t.id_number",
                [record.pk, campaign.pk],
            )
            cursor.execute("DROP TABLE activation_rows")
        return
    names = ["activation_list_id", "campaign_id", *columns]
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})"
    with connection.cursor() as cursor:
        batch = []
        for row in rows:
            batch.append((record.pk, campaign.pk, *row))
            if len(batch) >= 5000:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
    verification.link_list(record)


def _statuses(campaign):
    verification.forget_list_in_force(campaign)
    if verification.list_in_force(campaign) is None:
        return {}
    return Case.objects.filter(campaign=campaign).aggregate(**verification.status_counts(campaign))


def remove_rows(campaign) -> int:
    """Retention: remove the personal data of the campaign's list, the whole area's (each
    import's record stays, marked as removed: who, when, SHA-256, rows). Only this
    campaign's rows: another campaign's list stays as it is. A row about nobody the campaign
    guides goes; a row about a resident one of its cases holds loses its ID number, name and birth date
    and keeps the level, day and portal answer it gave that resident's cases, as the typed
    values stay, so that the figures stay what they were (a later write, import or
    retention elsewhere never joins it again). No list is in force any more. Returns the
    rows removed or emptied."""
    with transaction.atomic():
        rows = ActivationEntry.objects.filter(campaign=campaign, id_number__isnull=False)
        guided = Case.objects.filter(campaign=campaign).values("resident_id")
        removed, _by_model = rows.filter(
            ~Q(resident_id__in=guided) | Q(resident__isnull=True)
        ).delete()
        emptied = rows.update(id_number=None, full_name="", birth_date=None)
        ActivationList.objects.filter(campaign=campaign, rows_removed_at__isnull=True).update(
            rows_removed_at=timezone.now()
        )
    return removed + emptied
