"""The report workbook's reference (docs/report-workbook.md) kept in step with the exporter:
every sheet, in order, and every column header, in order, that reports.exports writes."""

from pathlib import Path

from django.conf import settings

from reports.exports import SHEETS
from reports.exports.workbook import TABLES


def doc():
    return (Path(settings.BASE_DIR) / "docs" / "report-workbook.md").read_text(encoding="utf-8")


def test_every_sheet_the_exporter_writes_is_named_in_the_doc_in_order():
    text = doc()
    assert list(TABLES) == list(SHEETS)
    missing = [name for name in SHEETS if f"| **{name}** |" not in text]
    assert missing == []
    places = [text.index(f"| **{name}** |") for name in SHEETS]
    assert places == sorted(places)


def test_every_column_header_of_every_sheet_is_in_its_section_of_the_doc_in_order():
    text = doc()
    missing, out_of_order = [], []
    for name, columns in TABLES.items():
        section = text.split(f"\n### {name}\n", 1)
        if len(section) == 1:
            missing.append(f"### {name}")
            continue
        body = section[1].split("\n### ", 1)[0]
        rows = [line.split(" | ")[0].strip("| ") for line in body.splitlines() if line[:2] == "| "]
        headers = [row for row in rows if row != "column"]
        missing += [f"{name}: {c.header}" for c in columns if c.header not in headers]
        if [c.header for c in columns] != headers:
            out_of_order.append(name)
    assert missing == [] and out_of_order == []


def test_the_doc_names_the_activities_sheet_last_as_an_extension_of_the_format():
    text = doc()
    assert list(SHEETS)[-1] == "Hoạt động"
    assert list(SHEETS)[:5] == [
        "Tổng hợp",
        "Thành viên",
        "Đề nghị khen thưởng",
        "Danh sách kèm theo",
        "Trùng lặp",
    ]
    assert "| **Hoạt động** |" in text and "\n### Hoạt động\n" in text
    assert "interfaces.md §4" in text
    assert "`| Hoạt động | activity (added at the end) |" in text
    # What a submitted report holds of its activities is said.
    assert "as they stood when it was\nsent" in text
