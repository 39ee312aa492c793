"""Workbooks built in the tests, as secretaries' files really are."""

import zipfile
from xml.sax.saxutils import escape

import openpyxl

UNIT_HEADERS = ["Mã đơn vị", "Tên đơn vị", "Loại", "Mã đơn vị cấp trên"]
MEMBER_HEADERS = [
    "Mã đơn vị",
    "Họ và tên",
    "Số định danh",
    "Đối tượng",
    "Ngày sinh",
    "Số điện thoại",
]
RESIDENT_HEADERS = [
    "Họ và tên",
    "Số định danh",
    "Số định danh người hướng dẫn",
    "Mức định danh",
    "Ngày kích hoạt",
    "Tài khoản DVC",
    "Đối tượng",
    "Ngày sinh",
    "Giới tính",
    "Số điện thoại",
    "Địa chỉ",
    "Ngày hướng dẫn",
    "Hình thức",
    "Ghi chú",
]


def resident_row(name, id_number, guide, level=2, activated="02/05/2023", portal="Có", **extra):
    """A Người dân row in RESIDENT_HEADERS order (extra: category, birth, sex, phone, address,
    guided, place, note)."""
    return [
        name,
        id_number,
        guide,
        level,
        activated,
        portal,
        extra.get("category"),
        extra.get("birth"),
        extra.get("sex"),
        extra.get("phone"),
        extra.get("address"),
        extra.get("guided"),
        extra.get("place"),
        extra.get("note"),
    ]


def build_xlsx(path, sheets, *, above=None):
    """Write a workbook: `sheets` maps a sheet name to rows (the header row first); `above`
    maps a sheet name to rows written above the header (titles, blank rows)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in (above or {}).get(name, []):
            sheet.append(row)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def build_ods(path, sheets):
    """A minimal OpenDocument spreadsheet, hand-built (content.xml in a zip)."""
    tables = []
    for name, rows in sheets.items():
        body = []
        for row in rows:
            cells = []
            for value in row:
                if value is None:
                    cells.append("<table:table-cell/>")
                elif isinstance(value, (int, float)):
                    cells.append(
                        f'<table:table-cell office:value-type="float" office:value="{value}">'
                        f"<text:p>{value}</text:p></table:table-cell>"
                    )
                else:
                    cells.append(
                        f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}'
                        "</text:p></table:table-cell>"
                    )
            body.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
        tables.append(
            f'<table:table table:name="{escape(name)}">' + "".join(body) + "</table:table>"
        )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        "<office:body><office:spreadsheet>"
        + "".join(tables)
        + "</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return path


def build_huge_xlsx(path, sheet_name, rows):
    """An .xlsx whose sheet has `rows` data rows, written as raw XML (openpyxl would take
    a minute for a million rows)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                "</Types>"
            ),
        )
        archive.writestr(
            "_rels/.rels",
            (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                "</Relationships>"
            ),
        )
        archive.writestr(
            "xl/workbook.xml",
            (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                f'<sheets><sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
            ),
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                "</Relationships>"
            ),
        )
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                (
                    '<?xml version="1.0" encoding="UTF-8"?>'
                    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    f'<dimension ref="A1:A{rows + 1}"/><sheetData>'
                    '<row r="1"><c r="A1" t="inlineStr"><is><t>Họ và tên</t></is></c></row>'
                ).encode()
            )
            chunk = []
            for number in range(2, rows + 2):
                chunk.append(f'<row r="{number}"><c r="A{number}"><v>1</v></c></row>')
                if len(chunk) == 10000:
                    sheet.write("".join(chunk).encode())
                    chunk = []
            sheet.write(("".join(chunk) + "</sheetData></worksheet>").encode())
    return path


def build_encrypted_ole(path):
    """The shape of a password-protected .xlsx: an OLE2 compound file whose directory holds
    the EncryptionInfo and EncryptedPackage streams (what Office writes)."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[24:26] = (0x3E).to_bytes(2, "little")  # minor version
    header[26:28] = (3).to_bytes(2, "little")  # major version (512-byte sectors)
    header[28:30] = b"\xfe\xff"  # little endian
    header[30:32] = (9).to_bytes(2, "little")
    directory = bytearray(512)
    for index, name in enumerate(["Root Entry", "EncryptionInfo", "EncryptedPackage"]):
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entry = bytearray(128)
        entry[: len(encoded)] = encoded
        entry[64:66] = len(encoded).to_bytes(2, "little")
        entry[66] = 5 if index == 0 else 2
        directory[index * 128 : (index + 1) * 128] = entry
    with open(path, "wb") as f:
        f.write(bytes(header) + bytes(directory) + b"\x00" * 4096)
    return path


def post_and_run_jobs(client, url, data=None):
    """POST to `url`, then run the jobs the request queued (as the task worker would)."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data or {})


def job_result(response):
    """Where the job a response leads to sent its user (the preview, or what was imported)."""
    from jobs.models import Job

    job = Job.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])
    return job.result_url
