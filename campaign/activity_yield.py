"""What the outreach activities yield: the cases that name each activity and, of them, the
credited full cases (by the rules of campaign.rules, as of a day), with the members taking
part, their hours and the materials used. Every total (by kind, place, week, commune,
member) is a sum of the activities' own rows, so no two tables can disagree.

A case of another tree at a joint activity is counted, never named: the rows carry counts
and the activities' own facts only."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count

from config.formats import day
from units.models import Member, Unit

from . import rules
from .activities import Activity, ancestor_pks
from .models import NO_PLACE, Case


@dataclass
class ActivityRow:
    pk: int
    code: str
    title: str
    kind: str  # the kind's name
    kind_pk: int
    starts_on: datetime.date
    ends_on: datetime.date | None
    place: str
    commune: str
    organisers: list  # unit names
    members: int
    hours: Decimal
    materials: int
    banners: int
    posters: int
    leaflets: int
    reach: int | None
    cases: int = 0
    credited: int = 0

    @property
    def member_hours(self):
        return self.hours * self.members

    @property
    def week(self):
        return self.starts_on - datetime.timedelta(days=self.starts_on.weekday())


@dataclass
class Group:
    """A sum of activities' rows: by kind, place, week, commune, member."""

    label: str
    activities: int = 0
    cases: int = 0
    credited: int = 0
    members: int = 0
    member_hours: Decimal = Decimal(0)
    materials: int = 0

    def add(self, row):
        self.activities += 1
        self.cases += row.cases
        self.credited += row.credited
        self.members += row.members
        self.member_hours += row.member_hours
        self.materials += row.materials

    @property
    def per_member(self):
        return ratio(self.credited, self.members)

    @property
    def per_member_hour(self):
        return ratio(self.credited, self.member_hours)

    @property
    def materials_per_credited(self):
        return ratio(self.materials, self.credited)


@dataclass
class MemberRow:
    """A member taking part: named when the user may see them."""

    pk: int | None
    name: str
    unit: str
    activities: int = 0
    hours: Decimal = Decimal(0)
    cases: int = 0
    credited: int = 0
    own_credited: int = 0  # of them, the cases the member guided themselves

    @property
    def per_hour(self):
        return ratio(self.credited, self.hours)


@dataclass
class Yield:
    activities: list = field(default_factory=list)  # ActivityRow, latest first
    kinds: list = field(default_factory=list)  # Group
    places: list = field(default_factory=list)
    weeks: list = field(default_factory=list)  # (monday, Group)
    communes: list = field(default_factory=list)  # (commune, [Group by kind])
    members: list = field(default_factory=list)  # MemberRow
    total: Group = field(default_factory=lambda: Group("Cộng"))


def ratio(part, whole, places=2):
    """part / whole rounded half up to `places` (None when there is no whole)."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
    )


def activities_in_scope(campaign, units, *, as_of, since=None, above=True):
    """The activities of `campaign` up to `as_of` (from `since`) organised by one of `units`
    (None: every unit) or, with `above`, by a unit above one of them."""
    activities = Activity.objects.of_campaign(campaign).filter(starts_on__lte=as_of)
    if since:
        activities = activities.filter(starts_on__gte=since)
    if units is not None and not above:
        activities = activities.filter(organisers__in=units).distinct()
    elif units is not None:
        pks = set()
        for path in units.values_list("path", flat=True):
            pks.update(ancestor_pks(path))
        activities = activities.filter(organisers__in=sorted(pks)).distinct()
    return activities


def compute_yield(campaign, *, as_of, since=None, units=None, visible_members=None, above=True):
    """The Yield of the activities in scope (see `activities_in_scope`); members outside
    `visible_members` (a set of pks; None: all) are summed in one unnamed row."""
    activities = activities_in_scope(campaign, units, as_of=as_of, since=since, above=above)
    rows = {}
    for a in (
        activities.select_related("kind")
        .annotate(n_members=Count("members", distinct=True))
        .order_by("-starts_on", "-pk")
    ):
        rows[a.pk] = ActivityRow(
            pk=a.pk,
            code=a.code,
            title=str(a),
            kind=a.kind.name,
            kind_pk=a.kind_id,
            starts_on=a.starts_on,
            ends_on=a.ends_on,
            place=a.place,
            commune=a.commune,
            organisers=[],
            members=a.n_members,
            hours=a.hours,
            materials=a.banners + a.posters + a.leaflets,
            banners=a.banners,
            posters=a.posters,
            leaflets=a.leaflets,
            reach=a.reach,
        )
    if not rows:
        return Yield()
    credited = rules.credited_full(campaign, as_of)
    cases = Case.objects.filter(campaign=campaign, activity__isnull=False).order_by()
    for found in cases.values("activity_id").annotate(
        n=Count("pk"), full=Count("pk", filter=credited)
    ):
        row = rows.get(found["activity_id"])
        if row is not None:
            row.cases, row.credited = found["n"], found["full"]
    scoped = activities.values("pk")
    through = Activity.organisers.through.objects.filter(activity_id__in=scoped)
    names = dict(Unit.objects.values_list("pk", "name"))
    for activity_id, unit_id in through.values_list("activity_id", "unit_id").order_by(
        "activity_id", "unit__path"
    ):
        rows[activity_id].organisers.append(names.get(unit_id, ""))
    result = Yield(activities=list(rows.values()))
    _groups(result)
    result.members = _members(campaign, rows, scoped, credited, visible_members)
    return result


def _groups(result):
    kinds, places, weeks, communes = {}, {}, {}, {}
    for row in result.activities:
        result.total.add(row)
        kinds.setdefault(row.kind_pk, Group(row.kind)).add(row)
        place = row.place.strip() or str(NO_PLACE)
        places.setdefault(place.casefold(), Group(place)).add(row)
        weeks.setdefault(row.week, Group(day(row.week))).add(row)
        commune = row.commune.strip() or "Không ghi xã"
        by_kind = communes.setdefault(commune.casefold(), (commune, {}))[1]
        by_kind.setdefault(row.kind_pk, Group(row.kind)).add(row)
    result.kinds = sorted(kinds.values(), key=lambda g: (-g.credited, g.label))
    result.places = sorted(places.values(), key=lambda g: (-g.credited, g.label))
    result.weeks = sorted(weeks.items())
    result.communes = [
        (name, sorted(by_kind.values(), key=lambda g: (-g.credited, g.label)))
        for name, by_kind in sorted(communes.values(), key=lambda c: c[0].casefold())
    ]


def _members(campaign, rows, scoped, credited, visible_members):
    """Each member taking part: the activities, their hours, the cases and credited cases
    of those activities, and of them the member's own."""
    through = Activity.members.through.objects.filter(activity_id__in=scoped)
    taking_part = list(through.values_list("member_id", "activity_id"))
    if not taking_part:
        return []
    own = defaultdict(int)
    for found in (
        Case.objects.filter(campaign=campaign, activity_id__in=scoped)
        .filter(member_id__in=through.values("member_id"))
        .filter(credited)
        .order_by()
        .values("member_id", "activity_id")
        .annotate(n=Count("pk"))
    ):
        own[(found["member_id"], found["activity_id"])] = found["n"]
    people = {
        m["pk"]: m
        for m in Member.objects.filter(pk__in=through.values("member_id")).values(
            "pk", "full_name", "unit__name"
        )
    }
    named, others = {}, MemberRow(None, "Thành viên của đơn vị khác (không nêu tên)", "")
    for member_id, activity_id in taking_part:
        row = rows[activity_id]
        if visible_members is None or member_id in visible_members:
            person = people[member_id]
            target = named.setdefault(
                member_id, MemberRow(member_id, person["full_name"], person["unit__name"])
            )
        else:
            target = others
        target.activities += 1
        target.hours += row.hours
        target.cases += row.cases
        target.credited += row.credited
        target.own_credited += own[(member_id, activity_id)]
    members = sorted(named.values(), key=lambda m: (-m.credited, m.name))
    return members + ([others] if others.activities else [])
