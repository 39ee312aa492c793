"""The records an import passes from step to step: the rows parsed from the file, the parsed
workbook, and the plan of what importing it would do.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .. import workbook as wb


@dataclass
class Counts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0

    @property
    def total(self):
        return self.new + self.changed + self.unchanged


@dataclass
class DoubleClaim:
    """A resident that, once the file is imported, two or more members claim."""

    id_number: str
    full_name: str
    rows: list
    guides: list  # [(full name, unit code)]


# --- Parsed rows --------------------------------------------------------------------------


@dataclass(slots=True)
class UnitRow:
    row: int
    code: str
    name: str
    kind: str
    parent_code: str


@dataclass(slots=True)
class MemberRow:
    row: int
    unit_code: str
    full_name: str
    id_number: str
    category: str
    birth_date: object
    phone: str
    flags: dict


@dataclass(slots=True)
class ResidentRow:
    rows: list
    id_number: str
    full_name: str
    birth_date: object = None
    sex: str = ""
    phone: str = ""
    address: str = ""
    village: str = ""
    commune: str = ""
    category: object = None  # None: not given


@dataclass(slots=True)
class CaseRow:
    row: int
    id_number: str
    guide_id_number: str
    eid_level: object
    activated_on: object
    portal_used: bool
    id_card_application: object  # None: column absent
    guided_on: object
    place: str
    note: str
    activity_id: object = None  # the activity named, found by the plan (None: none)
    activity: str = ""  # the "Hoạt động" cell as written: an activity's code or name


@dataclass
class ParsedWorkbook:
    """The file's rows, normalised and checked without the database."""

    path: str = ""
    format: str = ""
    sheets: dict = field(default_factory=dict)  # spec key -> workbook.Sheet (rows dropped)
    read_titles: list = field(default_factory=list)  # every sheet read, in reading order
    units: dict = field(default_factory=dict)  # code -> UnitRow
    members: dict = field(default_factory=dict)  # id number -> MemberRow
    residents: dict = field(default_factory=dict)  # id number -> ResidentRow
    cases: dict = field(default_factory=dict)  # (id number, guide id number) -> CaseRow
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    # Keys seen on rows that have errors: not "unknown" to the rows that refer to them.
    unit_codes_seen: set = field(default_factory=set)
    member_ids_seen: set = field(default_factory=set)

    def title(self, key):
        sheet = self.sheets.get(key)
        return sheet.title if sheet else {s.key: s.title for s in wb.SHEETS}[key]

    def header(self, key, column):
        sheet = self.sheets.get(key)
        return sheet.header(column) if sheet else wb.SHEETS_BY_KEY[key].column(column).header


@dataclass
class ImportPlan:
    """What importing the file would do, and why it cannot, if it cannot."""

    parsed: ParsedWorkbook
    campaign: object = None
    user: object = None
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)  # units, members, residents, cases -> Counts
    double_claims: list = field(default_factory=list)
    written: bool = False
    # The writes, filled by plan_import for write_import.
    new_units: list = field(default_factory=list)  # UnitRow, parents first
    changed_units: list = field(default_factory=list)  # (pk, UnitRow)
    member_writes: list = field(default_factory=list)  # MemberRow merged
    moved_members: list = field(default_factory=list)  # pks of members changing unit
    resident_writes: list = field(default_factory=list)  # ResidentRow merged
    # Another tree's residents: (id number, tree pk, merged ResidentRecord.DETAILS dict).
    record_writes: list = field(default_factory=list)
    case_writes: list = field(default_factory=list)  # CaseRow merged
    resident_pks: dict = field(default_factory=dict)  # id number -> pk (existing)
    member_pks: dict = field(default_factory=dict)  # id number -> pk (existing)
    unit_pks: dict = field(default_factory=dict)  # code -> pk (existing)
    unit_trees: dict = field(default_factory=dict)  # code -> its tree's top unit pk (existing)
    # For the rule inputs of residents new at plan time (all their cases are in the file):
    guide_kinds: dict = field(default_factory=dict)  # guide id number -> unit kind
    roster_ids: set = field(default_factory=set)  # ID numbers on a member roster (database or file)

    @property
    def ok(self):
        return not self.errors

    def summary(self):
        """One line per sheet: new, changed, unchanged."""
        lines = []
        labels = {
            "units": _("Units"),
            "members": _("Members"),
            "residents": _("Residents"),
            "cases": _("Cases (resident and guide)"),
        }
        for key, counts in self.counts.items():
            lines.append(
                _("%(what)s: %(new)d new, %(changed)d changed, %(unchanged)d unchanged")
                % {
                    "what": labels[key],
                    "new": counts.new,
                    "changed": counts.changed,
                    "unchanged": counts.unchanged,
                }
            )
        if self.double_claims:
            lines.append(
                _("Double claims the file creates: %(count)d") % {"count": len(self.double_claims)}
            )
        return lines

    def problems_by_sheet(self):
        """{sheet title: {row: [reasons]}} for the error workbook."""
        found = {}
        for problem in self.errors:
            if not problem.sheet:
                continue
            reason = f"{problem.column}: {problem.message}" if problem.column else problem.message
            found.setdefault(problem.sheet, {}).setdefault(problem.row, []).append(reason)
        return found
