"""Hostile workbooks, built part by part so that none is ever held whole in memory: small on
disk, enormous (or explosive) once unpacked. Used by test_upload_limits.py and by
benchmarks/bench_upload_limits.py."""

import zipfile

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
    f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
    '<sheets><sheet name="Người dân" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
    f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Họ và tên</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>Số định danh</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>Số định danh người hướng dẫn</t></is></c></row>'
)
MB = 1024 * 1024


def _sheet(rows_xml=HEADER_ROW):
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>{rows_xml}</sheetData></worksheet>'


def _shared(items=""):
    return f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">{items}</sst>'


def write_xlsx(path, sheet=None, shared=None):
    """An .xlsx whose sheet and shared strings are each given as text or as an iterable of
    byte chunks (streamed into the zip, so a 300 MB part never exists in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        for name, part in (
            ("xl/worksheets/sheet1.xml", sheet if sheet is not None else _sheet()),
            ("xl/sharedStrings.xml", shared if shared is not None else _shared()),
        ):
            if isinstance(part, str):
                archive.writestr(name, part)
                continue
            with archive.open(name, "w", force_zip64=True) as out:
                for chunk in part:
                    out.write(chunk)
    return path


def huge_cell(path, megabytes=300):
    """One shared string of `megabytes` MB of text, referenced by a cell of the residents'
    sheet: about 300 KB on disk."""

    def shared():
        yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}"><si><t>'.encode()
        block = b"A" * MB
        for _ in range(megabytes):
            yield block
        yield b"</t></si></sst>"

    rows = HEADER_ROW + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    return write_xlsx(path, sheet=_sheet(rows), shared=shared())


def long_rows(path, rows=300_000, width=900):
    """`rows` rows, each a cell of `width` characters of text (inline), under the header."""

    def sheet():
        yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'.encode()
        yield HEADER_ROW.encode()
        text = ("Nguyễn Văn A, bản Nà Khá " * (width // 25 + 1))[:width]
        batch = []
        for n in range(2, rows + 2):
            batch.append(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{text}</t></is></c></row>')
            if len(batch) == 1000:
                yield "".join(batch).encode()
                batch = []
        yield "".join(batch).encode()
        yield b"</sheetData></worksheet>"

    return write_xlsx(path, sheet=sheet())


def deep_nesting(path, depth=100_000):
    """A shared string nested `depth` elements deep."""
    items = "<si>" + "<r>" * depth + "<t>x</t>" + "</r>" * depth + "</si>"
    return write_xlsx(path, shared=_shared(items))


def entity_bomb(path, levels=9):
    """The billion laughs: ten entities each ten of the one before, in the shared strings."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10}">' for n in range(1, levels + 1)
    ]
    shared = (
        '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE sst [' + "".join(entities) + "]>"
        f'<sst xmlns="{MAIN}"><si><t>&lol{levels};</t></si></sst>'
    )
    return write_xlsx(path, shared=shared)


def external_entity(path, target="file:///etc/passwd"):
    """XXE: a shared string that would pull in a file of the server."""
    shared = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<!DOCTYPE sst [<!ENTITY xxe SYSTEM "{target}">]>'
        f'<sst xmlns="{MAIN}"><si><t>&xxe;</t></si></sst>'
    )
    return write_xlsx(path, shared=shared)


def sparse_corners(path):
    """Two cells, at A1 and XFD1048576: calamine would allocate the whole sheet between them
    (half a terabyte) and the process would abort."""
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>y</t></is></c></row>'
    )
    return write_xlsx(path, sheet=_sheet(rows))


def giant_tag(path, megabytes=5):
    """One start tag of `megabytes` MB of attributes, which expat would buffer whole."""
    attributes = " ".join(f'a{n}="{"x" * 1000}"' for n in range(megabytes * 1024))
    return write_xlsx(path, shared=_shared(f"<si {attributes}><t>x</t></si>"))


def many_members(path, members=20_000):
    """A zip of tens of thousands of empty parts: its central directory alone fills memory."""
    write_xlsx(path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as archive:
        for n in range(members):
            archive.writestr(f"xl/media/p{n}.bin", b"")
    return path


ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def write_ods(path, body):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type='
            '"application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type='
            '"text/xml"/></manifest:manifest>',
        )
        archive.writestr(
            "content.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS}>'
            '<office:body><office:spreadsheet><table:table table:name="Người dân">'
            f"{body}</table:table></office:spreadsheet></office:body></office:document-content>",
        )
    return path


def ods_repeated_cells(path):
    """One filled cell repeated across 16,384 columns of a row repeated a million times: a
    few hundred bytes that stand for 17 billion cells."""
    body = (
        '<table:table-row table:number-rows-repeated="1048576">'
        '<table:table-cell table:number-columns-repeated="16384" office:value-type="string">'
        "<text:p>x</text:p></table:table-cell></table:table-row>"
    )
    return write_ods(path, body)


def ods_with_empty_tail(path):
    """A plain sheet as LibreOffice saves it: a header, one row, and a million empty rows."""
    header = "".join(
        f'<table:table-cell office:value-type="string"><text:p>{h}</text:p></table:table-cell>'
        for h in ("Họ và tên", "Số định danh", "Số định danh người hướng dẫn")
    )
    body = (
        f"<table:table-row>{header}</table:table-row>"
        '<table:table-row table:number-rows-repeated="1048575">'
        '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
    )
    return write_ods(path, body)
