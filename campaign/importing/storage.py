"""Where the uploads of the workbook import and of the activation list are kept, and what is
kept beside each: one folder per upload (named by a random token) under the storage root,
holding the file itself (`upload`), who sent it for which campaign (`meta.json`) and, once
checked, what its preview shows (`preview.json`). The views store and read the folders, the
jobs check and write them, and `purge_uploads` deletes those older than IMPORT_KEEP_HOURS."""

import json
import re
import shutil
import tempfile
import time
from pathlib import Path

from django.conf import settings

from units.models import Unit

# An upload's folder name (secrets.token_hex(16)): nothing else names a folder.
TOKEN = re.compile(r"[0-9a-f]{32}")
SHOWN = 500  # errors shown on the page; all are in the error workbook


def storage_root():
    root = Path(
        getattr(settings, "IMPORT_TEMP_DIR", "") or Path(tempfile.gettempdir()) / "vneid-import"
    )
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root


def purge_old(root):
    cutoff = time.time() - settings.IMPORT_KEEP_HOURS * 3600
    for folder in root.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass


def save_meta(folder, meta):
    write_whole(folder / "meta.json", json.dumps(meta))


def _problem_dict(problem):
    return {
        "sheet": problem.sheet,
        "row": problem.row,
        "column": problem.column,
        "message": problem.message,
        "code": problem.code,
    }


def _claims_shown_to(user, plan):
    """The double claims a workbook creates, as its preview shows them: the guides of the
    user's units (and of units the file itself creates) by name, the others only counted (as
    the case form's ID-number look-up). Rows on a second list name their sheet."""
    claims = plan.double_claims[:SHOWN]
    codes = {code for claim in claims for _name, code in claim.guides}
    visible = set(
        Unit.objects.visible_to(user).filter(code__in=codes).values_list("code", flat=True)
    )
    visible |= {unit.code for unit in plan.new_units}
    return [
        {
            "name": claim.full_name,
            "rows": [str(row) for row in claim.rows],
            "guides": [guide for guide in claim.guides if guide[1] in visible],
            "other_guides": sum(guide[1] not in visible for guide in claim.guides),
        }
        for claim in claims
    ]


def save_preview(folder, plan, user):
    """Keep what the preview shows (and the error workbook needs) beside the upload."""
    preview = {
        "format": plan.parsed.format,
        "ok": plan.ok,
        "written": plan.written,
        "error_count": len(plan.errors),
        "errors": [_problem_dict(p) for p in plan.errors[:SHOWN]],
        "warning_count": len(plan.warnings),
        "warnings": [_problem_dict(p) for p in plan.warnings[:SHOWN]],
        "counts": {key: vars(counts) for key, counts in plan.counts.items()},
        "double_claim_count": len(plan.double_claims),
        "double_claims": _claims_shown_to(user, plan),
        "row_problems": {
            sheet: {str(row): reasons for row, reasons in rows.items()}
            for sheet, rows in plan.problems_by_sheet().items()
        },
        "has_rows_to_fix": any(p.sheet for p in plan.errors),
    }
    (folder / ERRORS).unlink(missing_ok=True)  # an earlier check's, of other errors
    if preview["has_rows_to_fix"]:
        preview["error_rows_held"] = save_error_workbook(folder, preview)
    write_whole(folder / "preview.json", json.dumps(preview, ensure_ascii=False))


ERRORS = "errors.xlsx"


def save_error_workbook(folder, preview):
    """Write the error workbook of the upload in `folder` once, by the check job (streamed:
    workbook.write_error_workbook), whole or not at all; the download serves the file.
    Returns how many people it holds, for the access record of each download."""
    from .. import workbook as wb

    problems = {
        sheet: {int(row): reasons for row, reasons in rows.items()}
        for sheet, rows in preview["row_problems"].items()
    }
    out = folder / ERRORS
    part = out.with_name(out.name + ".part")
    try:
        with open(part, "wb") as stream:
            held = wb.write_error_workbook(folder / "upload", preview["format"], problems, stream)
        part.replace(out)
    except BaseException:
        part.unlink(missing_ok=True)  # a full disk (the 507 page) leaves no part of it
        raise
    return held


def write_whole(path, text):
    """Write `text` to `path` whole or not at all (a full disk leaves the former file, or
    none): written beside it, then renamed over it."""
    part = path.with_name(path.name + ".part")
    try:
        part.write_text(text)
        part.replace(path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def read_json(path):
    """The JSON kept at `path`, or None when it is missing or damaged."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
