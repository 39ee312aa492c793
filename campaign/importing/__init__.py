"""Importing the workbook unit secretaries fill in (docs/workbook.md), as a pipeline whose
file list is its steps:

1. `parse_workbook(path)` (parse, parse_residents, cells) reads the file and checks every row
   on its own and against the other rows of the file (no database): typed values, required
   values, duplicates.
2. `plan_import(parsed, campaign=, user=)` (plan, plan_residents) checks the rows against the
   database (unit codes, guides, the user's scope) and works out what would change: new /
   changed / unchanged rows per sheet and the double claims the file creates. It writes
   nothing: it is the preview.
3. `write_import(plan)` (write, write_postgres) writes a plan without errors (the caller holds
   the transaction) and refreshes the rule inputs of the residents it touched.

The records passed from step to step are in records, what an import reports in problems.
`import_workbook(path, campaign=, user=, dry_run=)` runs the three in one transaction,
all or nothing, planning again inside the transaction so the checks hold against the
database as it is when the rows are written; concurrent imports of overlapping lists are
safe (ON CONFLICT on the unique keys; retried on a deadlock, or when another import created
a resident this one planned as new).
"""

import logging

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from privacy.imports import record_import  # one event per import (who, file, counts)

from ..models import Campaign, Resident
from ..rule_inputs import refresh_rule_inputs
from ..verification import refresh_official
from .claims import planned_claims
from .parse import parse_workbook, without_gc
from .plan import plan_import
from .problems import Problem, RowNumber
from .records import Counts, DoubleClaim, ImportPlan, ParsedWorkbook
from .write import OrmWriter, write_plan
from .write_postgres import PostgresWriter

__all__ = [
    "Counts",
    "DoubleClaim",
    "ImportPlan",
    "ParsedWorkbook",
    "Problem",
    "RowNumber",
    "import_workbook",
    "parse_workbook",
    "plan_import",
    "write_import",
]

# The writers write_import chooses between, looked up here on each call (so that the
# portable one can be run on PostgreSQL too).
_OrmWriter, _PostgresWriter = OrmWriter, PostgresWriter

logger = logging.getLogger(__name__)

RETRIES = 3


def import_workbook(
    path,
    *,
    campaign: Campaign,
    user=None,
    dry_run: bool = False,
    progress=None,
    in_transaction=None,
    allow_claims: bool = False,
    review=None,
) -> ImportPlan:
    """Import the workbook at `path`: all or nothing. Returns the plan (errors, warnings,
    counts, double claims); `plan.written` tells whether anything was written.
    `progress(done, total)`, if given, is told the work done in rows of the file's rows
    (the parse, the plan and, unless `dry_run`, the write, each an equal share).
    `in_transaction(plan)`, if given, is called inside the writing transaction once the
    rows are written (a job records there that its import committed).
    Unless `allow_claims`, a file claiming more residents guided by other trees' units than
    the campaign's `claims_review_threshold` is held (an error, nothing written): refused,
    or, with `review`, until an approval covers its claims (_hold_claims)."""
    steps = _Steps(progress, 2 if dry_run else 3)
    parsed = parse_workbook(path, progress=steps.step(0))
    if parsed.errors or dry_run:
        plan = plan_import(parsed, campaign=campaign, user=user, progress=steps.step(1))
        return _hold_claims(plan, allow_claims, review)
    for attempt in range(1, RETRIES + 1):
        try:
            with transaction.atomic():
                plan = plan_import(parsed, campaign=campaign, user=user, progress=steps.step(1))
                _hold_claims(plan, allow_claims, review)
                if plan.ok:  # the import recorded as one event, in the same transaction
                    written = write_import(plan, progress=steps.step(2))
                    residents = set(written or ()) | _written_residents(plan)
                    record_import(plan=plan, path=path, resident_ids=residents)
                    if in_transaction is not None:
                        in_transaction(plan)
            steps.step(2)(1, 1)
            return plan
        except (IntegrityError, OperationalError) as exc:
            # A concurrent import created the same unit or member, or the two deadlocked:
            # plan again against what it wrote.
            if attempt == RETRIES or not _retryable(exc):
                raise
            logger.info("import retried after %s", exc.__class__.__name__)
    raise AssertionError("unreachable")


def _hold_claims(plan, allow_claims, review=None):
    """Hold (an error on the plan) a file that claims more residents whom units of other
    trees guide than the campaign allows without review (importing.claims): refused, or,
    with `review` (claims -> None when an approval covers them, else why it is held),
    waiting for the district administrator's decision (campaign.import_reviews)."""
    if allow_claims or not plan.ok:
        return plan
    claims = planned_claims(plan)
    limit = plan.campaign.claims_review_threshold
    if len(claims) <= limit:
        return plan
    if review is None:  # the command's operator: told how many
        message = _(
            "This file would record %(count)s residents whom units of other trees "
            "already guide (more than %(limit)s): their cases would be credited to "
            "nobody."
        ) % {"count": number_format(len(claims), force_grouping=True), "limit": limit}
        why = _("Such an import needs the district administrator's approval: nothing was imported.")
    else:  # a secretary: not how many (no count of other trees' residents to probe)
        message = _(
            "This file would record more than %(limit)s residents whom units of other "
            "trees already guide: their cases would be credited to nobody."
        ) % {"limit": limit}
        why = review(claims)
        if why is None:
            return plan
    plan.errors.append(Problem(sheet="Người dân", message=f"{message} {why}", code="claims_held"))
    return plan


def _written_residents(plan):
    """The residents the plan wrote or guided (its resident and case rows), by ID number:
    the bulk writers do not hand their keys back."""
    numbers = sorted(
        {r.id_number for r in plan.resident_writes} | {c.id_number for c in plan.case_writes}
    )
    found = set()
    for start in range(0, len(numbers), 5000):
        batch = numbers[start : start + 5000]
        found.update(Resident.objects.filter(id_number__in=batch).values_list("pk", flat=True))
    return found


class _Steps:
    """The steps of an import told as one figure: rows done of the file's rows, each step an
    equal share (the parse counts the rows; the later steps tell their own part done)."""

    def __init__(self, progress, steps):
        self.progress, self.steps, self.rows = progress, steps, 0

    def step(self, index):
        def report(done, total):
            if self.progress is None:
                return
            if index == 0:
                self.rows = total
            share = min(done / total, 1) if total else 1
            self.progress(int(self.rows * (index + share) / self.steps), self.rows)

        return report


def write_import(plan: ImportPlan, progress=None) -> set[int]:
    """Write a plan without errors (inside the caller's transaction) and refresh the rule
    inputs of every resident it touched. Returns the primary keys of those residents.
    `progress(done, total)`, if given, is told the two steps done (the rows, the inputs)."""
    progress = progress or (lambda done, total: None)
    writer = _PostgresWriter if connection.vendor == "postgresql" else _OrmWriter
    progress(0, 2)
    with without_gc():
        touched = write_plan(plan, writer)
    progress(1, 2)
    if touched:
        refresh_rule_inputs(resident_ids=touched)
    # New residents' rule inputs come from the plan; their activation list values too.
    refresh_official(campaign=plan.campaign, id_numbers={c.id_number for c in plan.case_writes})
    progress(2, 2)
    plan.written = True
    return touched


def _retryable(exc):
    if isinstance(exc, IntegrityError):
        return True
    text = str(exc).lower()
    return "deadlock" in text or "could not serialize" in text or "locked" in text
