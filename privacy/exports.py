"""How many people an exported workbook holds, for the access record."""


def rows_held(path):
    """The non-blank rows of every sheet of the .xlsx at `path`, less each sheet's first
    (its header): what the file would tell whoever opens it."""
    import openpyxl

    with open(path, "rb") as stream:
        book = openpyxl.load_workbook(stream, read_only=True)
        try:
            total = 0
            for sheet in book.worksheets:
                filled = sum(
                    1
                    for row in sheet.iter_rows(values_only=True)
                    if any(v not in (None, "") for v in row)
                )
                total += max(filled - 1, 0)
            return total
        finally:
            book.close()
