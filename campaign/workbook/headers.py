"""Recognising a sheet's header row: its cells matched to the declared columns, ignoring case,
spacing, diacritics and the notes people add in brackets.
"""

import re

from units.normalize import fold

IGNORED = ""  # the key of a header recognised as one the importer does not read


def lookup_for(spec):
    """{folded header: column key} for `spec`, its ignored headers mapped to IGNORED."""
    lookup = {fold(name): IGNORED for name in spec.ignored}
    for column in spec.columns:
        for name in column.folded:
            lookup[name] = column.key
    return lookup


_BRACKETED = re.compile(r"[(\[][^)\]]*[)\]]")
_MARKS = re.compile(r"[\s*:.]+$")
_NO_BRACKETS = str.maketrans("()[]", "    ")
# Names the guide ("người hướng dẫn", "cán bộ HD"), not the resident ("người được hướng dẫn").
_GUIDE = re.compile(r"(?<!duoc )\b(?:huong dan|hd)\b")


def header_key(lookup, text):
    """The column a header names: as written, or with the note in brackets secretaries add
    read as part of the name ("Số định danh (người hướng dẫn)") or, failing that, left out
    ("Ngày kích hoạt (ngày/tháng/năm)", "Họ và tên (*)"), a trailing "*" or ":" too."""
    folded = fold(text)
    key = lookup.get(folded)
    if key is not None or not ("(" in folded or "[" in folded or _MARKS.search(folded)):
        return key
    variants = [_MARKS.sub("", folded.translate(_NO_BRACKETS))]
    notes = " ".join(_BRACKETED.findall(folded))
    if not _GUIDE.search(notes):
        # A note about the guide ("Ngày sinh (người hướng dẫn)") is not left out: the column
        # is the guide's, not the resident's.
        variants.append(_MARKS.sub("", _BRACKETED.sub(" ", folded)))
    for variant in variants:
        key = lookup.get(fold(variant))
        if key is not None:
            return key
    return None


def _header_cells(lookup, cells):
    """{key: (index, text)} of the cells of one row that are headers of the sheet."""
    found = {}
    for index, cell in enumerate(cells):
        if isinstance(cell, str) and cell.strip():
            key = header_key(lookup, cell)
            if key and key not in found:
                found[key] = (index, cell)
    return found


def _two_row_header(lookup, upper, lower):
    """{key: (index, text)} of a header written on two rows: a group title above (merged
    across its columns) with the columns' names below, and the other columns' names merged
    down both rows (so written in the upper row only). A name under a group is read with
    the group when together they are a header ("Số định danh" under "Người hướng dẫn")."""
    found = {}
    group = None
    for index in range(max(len(upper), len(lower))):
        top = upper[index] if index < len(upper) else None
        bottom = lower[index] if index < len(lower) else None
        top = top.strip() if isinstance(top, str) and top.strip() else None
        bottom = bottom.strip() if isinstance(bottom, str) and bottom.strip() else None
        if bottom is None:
            group = None
            candidates = [top] if top else []
        else:
            # A group title spans the columns to its right whose top cell is blank.
            group = top or group
            candidates = [f"{bottom} {group}", f"{group} {bottom}"] if group else []
            if not (group and _GUIDE.search(fold(group))):
                # Under "Người hướng dẫn" a name is the guide's (their phone is not the
                # resident's), unless with the group it names a column.
                candidates.append(bottom)
        for text in candidates:
            key = header_key(lookup, text)
            if key is None:
                continue
            if key != IGNORED and key not in found:
                # Named in messages as written, the group added only where it tells the column.
                plain = text in (top, bottom) or header_key(lookup, bottom) == key
                found[key] = (
                    index,
                    (top if bottom is None else bottom) if plain else f"{bottom} ({group})",
                )
            break
    return found


def find_header(spec, head):
    """The header among the first rows `head` ([(number, cells)]): the row naming the most
    of the sheet's columns, joined with the row above or below it when the header is written
    on two rows. Returns (last header row number, {key: (index, text)}) or None."""
    lookup = lookup_for(spec)
    best = None
    for position, (number, cells) in enumerate(head):
        found = _header_cells(lookup, cells)
        if found and (best is None or len(found) > len(best[2])):
            best = (position, number, found)
    if best is None:
        return None
    position, number, found = best
    for upper, lower in ((position, position + 1), (position - 1, position)):
        if (
            upper < 0
            or lower >= len(head)
            or _has_id_like(head[lower][1])
            or _has_id_like(head[upper][1])
        ):
            continue
        joined = _two_row_header(lookup, head[upper][1], head[lower][1])
        if len(joined) > len(found) and set(joined) >= set(found):
            return head[lower][0], joined
    return number, found


def _has_id_like(cells):
    """Whether a row holds what looks like an ID number (a header row never does)."""
    for cell in cells:
        if isinstance(cell, (int, float)) and not isinstance(cell, bool) and abs(cell) >= 1e8:
            return True
        if isinstance(cell, str) and sum(ch.isdigit() for ch in cell) >= 9:
            return True
    return False
