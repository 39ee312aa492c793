"""A realistic demo district, modelled on the signed plan: Sốp Cộp district, Sơn La province.

Its police with teams and commune posts, the Youth Union with commune unions and village
branches, the Women's Union with commune branches, a Youth Federation; members with the names
of the district's peoples (Thái, H'Mông, Khơ Mú); residents and cases spread over
April–November 2023 with realistic shares of double claims, activations before the campaign,
residents who are cadres, levels 1 and 2, portal yes and no. The same seed gives the same
district, row for row.
"""

import datetime
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from campaign.activities import Activity, ActivityKind
from campaign.bulk import insert_objects
from campaign.claims import refresh_rule_inputs
from campaign.models import Campaign, Case, Place, Resident, ResidentCategory
from dashboards import tallies
from units.models import Member, MemberCategory, Unit, UnitKind, UnitRole

from .models import ReportHeading

DISTRICT = "Sốp Cộp"
COMMUNES = [
    ("SC", "Sốp Cộp"),
    ("DC", "Dồm Cang"),
    ("NL", "Nậm Lạnh"),
    ("ML", "Mường Lèo"),
    ("MV", "Mường Và"),
    ("MLA", "Mường Lạn"),
    ("PB", "Púng Bánh"),
    ("SK", "Sam Kha"),
]
VILLAGES = {
    "SC": ["Bản Hua Mường", "Bản Sốp Cộp", "Bản Củ"],
    "DC": ["Bản Dồm", "Bản Cang", "Bản Pá Khoang"],
    "NL": ["Bản Nậm Lạnh", "Bản Huổi Hịa", "Bản Co Phương"],
    "ML": ["Bản Lả", "Bản Huổi Bon", "Bản Pa Lếch"],
    "MV": ["Bản Và", "Bản Nà Khi", "Bản Huổi Khương"],
    "MLA": ["Bản Lạn", "Bản Mòn", "Bản Tin Tốc"],
    "PB": ["Bản Púng Bánh", "Bản Nà Dạ", "Bản Phiêng Piếng"],
    "SK": ["Bản Sam Kha", "Bản Pá Vai", "Bản Huổi Lạ"],
}
SURNAMES = [
    "Lò",
    "Lường",
    "Quàng",
    "Cầm",
    "Vì",
    "Tòng",
    "Điêu",
    "Giàng",
    "Sùng",
    "Mùa",
    "Hạng",
    "Lầu",
    "Lý",
    "Vừ",
    "Lò",
    "Quàng",
    "Lường",
    "Bạc",
    "Hoàng",
    "Nguyễn",
]
MALE_MIDDLE = ["Văn", "Văn", "A", "Seo", "Văn"]
FEMALE_MIDDLE = ["Thị", "Thị", "Thị"]
MALE_GIVEN = [
    "Thành",
    "Hùng",
    "Pó",
    "Dế",
    "Chư",
    "Sểnh",
    "Pằng",
    "Páo",
    "Sình",
    "Chứ",
    "Dua",
    "Tùng",
    "Kiên",
    "Quyết",
    "Xuân",
    "Phong",
    "Hải",
    "Lả",
    "Chông",
    "Vàng",
    "Khánh",
]
FEMALE_GIVEN = [
    "Mai",
    "Hoa",
    "Ban",
    "Diêm",
    "Chinh",
    "Thoan",
    "Ánh",
    "Hương",
    "Dợ",
    "Mỷ",
    "Xúa",
    "Lan",
    "Thu",
    "Ngọc",
    "Pằng",
    "Sua",
    "Dung",
    "Phượng",
    "Ín",
    "Lả",
]
PLACE_WEIGHTS = [
    (Place.HOME, 30),
    (Place.VOLUNTEER_SATURDAY, 18),
    (Place.MARKET, 12),
    (Place.COMMUNITY_HALL, 12),
    (Place.SCHOOL, 8),
    (Place.HOSPITAL, 6),
    (Place.OFFICE, 8),
    (Place.BUS_STATION, 2),
    (Place.OTHER, 4),
]
CAMPAIGN_START = datetime.date(2023, 4, 21)
DEMO_PASSWORD = "vneid-demo-2023"
DEMO_ACCOUNTS = [
    # username, description, role, unit code (None: superuser)
    ("quantri", "Quản trị huyện (toàn bộ đơn vị)", UnitRole.Role.ADMIN, None),
    ("bithu.mlan", "Bí thư Đoàn xã Mường Lạn (nhập liệu)", UnitRole.Role.SECRETARY, "DX-MLA"),
    ("xem.hoipn", "Cán bộ Hội LHPN huyện (chỉ xem)", UnitRole.Role.VIEWER, "HPN"),
    ("doanvien", "Đoàn viên chi đoàn (nhập trường hợp của mình)", None, "CD-MLA-1"),
]


@dataclass
class DemoSummary:
    units: int = 0
    members: int = 0
    residents: int = 0
    cases: int = 0
    activities: int = 0
    linked: int = 0  # cases naming the activity at which they happened
    accounts: list = field(default_factory=list)


def unit_plan():
    """(code, name, kind, parent code) of the district's units, parents first."""
    police, youth, women = UnitKind.POLICE, UnitKind.YOUTH_UNION, UnitKind.WOMENS_UNION
    units = [
        ("CAH", f"Công an huyện {DISTRICT}", police, None),
        ("CAH-QLHC", "Đội Cảnh sát QLHC về TTXH", police, "CAH"),
        ("CAH-HS", "Đội Cảnh sát hình sự - kinh tế - ma túy", police, "CAH"),
        ("CAH-AN", "Đội An ninh", police, "CAH"),
        ("CAH-TM", "Đội Tham mưu - Tổng hợp", police, "CAH"),
        ("CAH-DTN", "Đoàn Thanh niên Công an huyện", police, "CAH"),
        ("CAH-HPN", "Hội Phụ nữ Công an huyện", police, "CAH"),
        ("HD", f"Huyện Đoàn {DISTRICT}", youth, None),
        ("HPN", f"Hội LHPN huyện {DISTRICT}", women, None),
        ("HLHTN", f"Hội LHTN Việt Nam huyện {DISTRICT}", UnitKind.YOUTH_FEDERATION, None),
    ]
    for code, name in COMMUNES:
        units.append((f"CAX-{code}", f"Công an xã {name}", police, "CAH"))
        units.append((f"DX-{code}", f"Đoàn xã {name}", youth, "HD"))
        units.append((f"HPNX-{code}", f"Hội LHPN xã {name}", women, "HPN"))
    for code, _name in COMMUNES:
        for index, village in enumerate(VILLAGES[code][:2], start=1):
            units.append((f"CD-{code}-{index}", f"Chi đoàn {village}", youth, f"DX-{code}"))
        units.append((f"CH-{code}-1", f"Chi hội phụ nữ {VILLAGES[code][2]}", women, f"HPNX-{code}"))
    return units


class Generator:
    """Deterministic people: names, birth dates and ID numbers consistent with each other."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.serials = {}
        self.members_listed = set()

    def person(self, *, min_age=16, max_age=70):
        rng = self.rng
        sex = rng.choice("MF")
        middle = rng.choice(MALE_MIDDLE if sex == "M" else FEMALE_MIDDLE)
        given = rng.choice(MALE_GIVEN if sex == "M" else FEMALE_GIVEN)
        name = f"{rng.choice(SURNAMES)} {middle} {given}"
        birth = datetime.date(
            2023 - rng.randint(min_age, max_age), rng.randint(1, 12), rng.randint(1, 28)
        )
        return name, sex, birth, self.id_number(birth, sex)

    def id_number(self, birth, sex):
        century = (birth.year // 100 - 19) * 2 + (1 if sex == "F" else 0)
        key = (century, birth.year % 100)
        serial = self.serials.get(key, self.rng.randint(0, 9999)) + 1
        self.serials[key] = serial
        return f"014{century}{birth.year % 100:02d}{serial:06d}"

    def phone(self):
        return f"0{self.rng.choice(['3', '8', '9'])}{self.rng.randint(10_000_000, 99_999_999)}"


def _member_plan(units, count, rng):
    """How many members each unit gets, and of which category."""
    weights = []
    for unit in units:
        if unit.kind == UnitKind.POLICE:
            weight = 4 if unit.parent_id else 2
        elif unit.kind == UnitKind.YOUTH_FEDERATION:
            weight = 4
        else:
            weight = 6 if unit.code.startswith(("CD-", "CH-")) else 4
        weights.append(weight)
    total = sum(weights)
    plan = []
    for unit, weight in zip(units, weights):
        plan.append((unit, max(2, round(count * weight / total))))
    return plan


def _category(unit, index, rng):
    if unit.kind == UnitKind.POLICE:
        return MemberCategory.ARMED_FORCES if rng.random() < 0.9 else MemberCategory.CADRE
    if index < 2:
        return MemberCategory.CADRE
    roll = rng.random()
    if roll < 0.12:
        return MemberCategory.CIVIL_SERVANT
    if roll < 0.18:
        return MemberCategory.CADRE
    return MemberCategory.MEMBER


@transaction.atomic
def seed_demo(*, seed=2023, cases=10_000, members=400, stdout=None):
    """Load the demo district into an empty database. Returns a DemoSummary."""
    rng_gen = Generator(seed)
    rng = rng_gen.rng
    summary = DemoSummary()
    campaign = Campaign.objects.get(slug="vneid-2023")

    by_code = {}
    for code, name, kind, parent in unit_plan():
        unit = Unit(
            code=code,
            name=name,
            kind=kind,
            parent=by_code.get(parent),
            valid_from=datetime.date(2020, 1, 1),
        )
        unit.save()
        by_code[code] = unit
    summary.units = len(by_code)
    _seed_headings(campaign, by_code)

    roster = []
    for unit, size in _member_plan(list(by_code.values()), members, rng):
        for index in range(size):
            name, sex, birth, id_number = rng_gen.person(min_age=18, max_age=45)
            category = _category(unit, index, rng)
            compliant = category != MemberCategory.MEMBER or rng.random() < 0.5
            own_total = rng.randint(0, 6)
            family_total = rng.randint(0, 8)
            roster.append(
                Member(
                    unit=unit,
                    full_name=name,
                    id_number=id_number,
                    category=category,
                    birth_date=birth,
                    phone=rng_gen.phone(),
                    active=rng.random() > 0.03,
                    has_level2_account=compliant or rng.random() < 0.3,
                    vneid_activated=compliant or rng.random() < 0.4,
                    portal_used=compliant and rng.random() < 0.85,
                    own_procedures_total=own_total,
                    own_procedures_online=own_total
                    if rng.random() < 0.8
                    else rng.randint(0, own_total),
                    family_procedures_total=family_total,
                    family_procedures_online=rng.randint(0, family_total),
                )
            )
    Member.objects.bulk_create(roster, batch_size=2000)
    roster = list(Member.objects.order_by("pk").select_related("unit"))
    summary.members = len(roster)

    summary.residents, summary.cases = _seed_cases(campaign, roster, rng_gen, cases)
    if connection.vendor == "postgresql":
        # Statistics of the rows just written, before the rule inputs are worked out: with
        # none, PostgreSQL finds each resident's earliest case by walking the cases' primary
        # key (the ORDER BY pk LIMIT 1 of campaign.owners), once per resident, and a million
        # cases never finish.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE campaign_resident, campaign_case, units_member, units_unit")
    summary.activities, summary.linked = _seed_activities(campaign, by_code, roster, seed)
    refresh_rule_inputs()
    tallies.rebuild()  # the dashboards' tallies, compact (as folded) from the start
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # plans for a million rows need fresh statistics
            cursor.execute(
                "ANALYZE campaign_resident, campaign_case, units_member,"
                " dashboards_weektally, dashboards_daytally"
            )
    summary.accounts = _seed_accounts(by_code)
    return summary


def _seed_headings(campaign, by_code):
    """The report headings of the three unions the district police expect reports from, as
    their own documents carry them (the provincial body above, the signer's title)."""
    heads = (
        ("HD", "TỈNH ĐOÀN SƠN LA", "HĐ", "TM.", "BAN THƯỜNG VỤ", "BÍ THƯ", "Lò Văn Thành"),
        (
            "HPN",
            "HỘI LHPN TỈNH SƠN LA",
            "HPN",
            "TM.",
            "BAN THƯỜNG VỤ",
            "CHỦ TỊCH",
            "Quàng Thị Xuân",
        ),
        (
            "HLHTN",
            "HỘI LHTN VIỆT NAM TỈNH SƠN LA",
            "HLHTN",
            "TM.",
            "ỦY BAN HỘI",
            "CHỦ TỊCH",
            "Cầm Văn Dũng",
        ),
    )
    for code, parent_body, number_code, prefix, body_title, title, name in heads:
        ReportHeading.objects.create(
            campaign=campaign,
            unit=by_code[code],
            parent_body=parent_body,
            issuing_body=by_code[code].name,
            number_code=number_code,
            place=DISTRICT,
            recipient=f"Công an huyện {DISTRICT}",
            recipients="Như trên;\nLưu: VT.",
            signer_prefix=prefix,
            signer_body_title=body_title,
            signer_title=title,
            signer_name=name,
        )


def _productivity(roster, rng):
    """Some members guide many residents, most guide a few: a skewed share per member."""
    return [rng.paretovariate(1.6) * (0.2 if not m.active else 1.0) for m in roster]


def _seed_cases(campaign, roster, gen, count, chunk=20_000):
    rng = gen.rng
    weights = _productivity(roster, rng)
    places, place_weights = zip(*PLACE_WEIGHTS)
    span = (datetime.date(2023, 11, 25) - CAMPAIGN_START).days
    members_by_id = {m.id_number: m for m in roster}
    member_ids = list(members_by_id)
    residents_made = cases_made = 0
    recent = []  # residents listed in earlier chunks
    while cases_made < count:
        size = min(chunk, count - cases_made)
        guides = rng.choices(roster, weights=weights, k=size)
        residents, rows, reused = [], [], set()
        pool = list(recent)  # residents a second member may also claim
        for guide in guides:
            if pool and rng.random() < 0.04:  # another member claims a listed resident
                key = rng.choice(pool)
                if key in recent:
                    reused.add(key)
            else:
                key = _new_resident(gen, residents, member_ids, members_by_id)
                pool.append(key)
            rows.append((guide, key))
        insert_objects(residents)
        resident_pk = _pks_by_id_number({key for _, key in rows})
        taken = set()  # (member, resident) pairs already in the database
        earlier = [resident_pk[key] for key in reused]
        for start in range(0, len(earlier), 5000):
            taken.update(
                Case.objects.filter(
                    campaign=campaign, resident_id__in=earlier[start : start + 5000]
                ).values_list("member_id", "resident_id")
            )
        cases = []
        for guide, key in rows:
            pair = (guide.pk, resident_pk[key])
            if pair not in taken:
                taken.add(pair)
                cases.append(_case(campaign, guide, pair[1], rng, places, place_weights, span))
        insert_objects(cases)
        residents_made += len(residents)
        cases_made += len(cases) or size  # never loop forever on a degenerate roster
        recent = pool[-5000:]
    return residents_made, Case.objects.filter(campaign=campaign).count()


def _pks_by_id_number(id_numbers):
    id_numbers = list(id_numbers)
    found = {}
    for start in range(0, len(id_numbers), 5000):
        found.update(
            Resident.objects.filter(id_number__in=id_numbers[start : start + 5000]).values_list(
                "id_number", "pk"
            )
        )
    return found


def _new_resident(gen, residents, member_ids, members_by_id):
    rng = gen.rng
    if rng.random() < 0.01 and member_ids:
        # A member listed as a resident: their ID is on the roster, so the case never counts.
        member = members_by_id[rng.choice(member_ids)]
        if member.id_number not in gen.members_listed:
            gen.members_listed.add(member.id_number)
            residents.append(
                Resident(
                    id_number=member.id_number,
                    full_name=member.full_name,
                    birth_date=member.birth_date,
                    phone=member.phone,
                )
            )
            return member.id_number
    name, sex, birth, id_number = gen.person(min_age=15, max_age=80)
    commune_code, commune = rng.choice(COMMUNES)
    village = rng.choice(VILLAGES[commune_code])
    category = ResidentCategory.RESIDENT
    if rng.random() < 0.02:
        category = rng.choice(
            [ResidentCategory.MEMBER, ResidentCategory.CIVIL_SERVANT, ResidentCategory.ARMED_FORCES]
        )
    residents.append(
        Resident(
            id_number=id_number,
            full_name=name,
            birth_date=birth,
            sex=sex,
            phone=gen.phone() if rng.random() < 0.8 else "",
            address=f"{village}, xã {commune}, huyện {DISTRICT}, tỉnh Sơn La",
            village=village,
            commune=commune,
            category=category,
        )
    )
    return id_number


def _case(campaign, guide, resident_id, rng, places, place_weights, span):
    guided = CAMPAIGN_START + datetime.timedelta(days=int(span * rng.random() ** 0.8))
    level = activated = None
    roll = rng.random()
    if roll < 0.03:  # activated before the plan was signed: never counts
        activated = CAMPAIGN_START - datetime.timedelta(days=rng.randint(1, 60))
        guided = activated
        level = rng.choice([1, 2])
    elif roll < 0.11:  # not activated yet
        pass
    else:
        activated = guided + datetime.timedelta(days=rng.choice([0, 0, 0, 1, 2, 3, 7]))
        level = 2 if rng.random() < 0.55 else 1
    portal_used = level is not None and rng.random() < 0.72
    id_card_application = rng.random() < 0.05
    place = rng.choices(places, weights=place_weights)[0]
    # At a Volunteer Saturday or a Sunday market: guided on that weekday, the one before.
    weekday = {Place.VOLUNTEER_SATURDAY: 5, Place.MARKET: 6}.get(place)
    if weekday is not None:
        moved = guided - datetime.timedelta(days=(guided.weekday() - weekday) % 7)
        if moved >= CAMPAIGN_START and (activated is None or activated >= moved):
            guided = moved
    return Case(
        campaign=campaign,
        member=guide,
        resident_id=resident_id,
        eid_level=level,
        activated_on=activated,
        portal_used=portal_used,
        id_card_application=id_card_application,
        guided_on=guided,
        place=place,
    )


# The campaign's outreach as the plan lists it (section III): where a case happened, the
# kind of activity that takes place there.
LINKED_PLACES = {
    Place.VOLUNTEER_SATURDAY: "volunteer_saturday",
    Place.MARKET: "market",
    Place.COMMUNITY_HALL: "conference",
    Place.SCHOOL: "school",
}


def _seed_activities(campaign, by_code, roster, seed):
    """The district's outreach activities (rules.md, "Activities"): every commune Youth
    Union's Volunteer Saturdays (one Saturday in four with the commune police), market days
    of the commune Women's Union with the police every other Sunday, a conference and a
    school day per commune, the district police's trainings for union cadres, and the
    unions' posts. A case guided at such a place on such a day by a member of an organising
    unit (or a unit under one) names the activity. Returns (activities, linked cases)."""
    rng = random.Random(seed * 23 + 1)
    ActivityKind.objects.ensure_plan_kinds()
    kinds = {k.code: k for k in ActivityKind.objects.for_campaign(campaign)}
    last = datetime.date(2023, 11, 25)
    first_saturday = CAMPAIGN_START + datetime.timedelta(days=(5 - CAMPAIGN_START.weekday()) % 7)
    members_of = {}
    for member in roster:
        if member.active:
            members_of.setdefault(member.unit.code, []).append(member)
    planned = []  # (Activity, organiser codes, member pool codes)

    def plan(kind, day, place, commune, organisers, pool, taking_part, **extra):
        planned.append(
            (
                Activity(
                    campaign=campaign,
                    code=f"HD{len(planned) + 1:06d}",
                    kind=kinds[kind],
                    starts_on=day,
                    place=place,
                    commune=commune,
                    **extra,
                ),
                organisers,
                pool,
                taking_part,
            )
        )

    for code, commune in COMMUNES:
        villages = VILLAGES[code]
        youth = [f"DX-{code}", f"CD-{code}-1", f"CD-{code}-2"]
        women = [f"HPNX-{code}", f"CH-{code}-1"]
        day, week = first_saturday, 0
        while day <= last:
            joint = week % 4 == 0
            plan(
                "volunteer_saturday",
                day,
                f"Nhà văn hóa {villages[week % len(villages)]}",
                commune,
                [f"DX-{code}"] + ([f"CAX-{code}"] if joint else []),
                youth + ([f"CAX-{code}"] if joint else []),
                rng.randint(3, 6),
                hours=4,
                banners=1 if week % 4 == 0 else 0,
                posters=rng.randint(0, 4),
                leaflets=rng.choice([0, 50, 80, 100, 150]),
            )
            day += datetime.timedelta(weeks=1)
            week += 1
        day = first_saturday + datetime.timedelta(days=1)
        while day <= last:
            plan(
                "market",
                day,
                f"Chợ phiên {commune}",
                commune,
                [f"HPNX-{code}", f"CAX-{code}"],
                women + [f"CAX-{code}"],
                rng.randint(2, 4),
                hours=3,
                posters=rng.randint(2, 6),
                leaflets=rng.choice([100, 150, 200]),
            )
            day += datetime.timedelta(weeks=1)
        plan(
            "conference",
            datetime.date(2023, 5, 10) + datetime.timedelta(days=COMMUNES.index((code, commune))),
            f"Hội trường UBND xã {commune}",
            commune,
            [f"CAX-{code}", f"DX-{code}", f"HPNX-{code}"],
            youth + women + [f"CAX-{code}"],
            rng.randint(4, 8),
            hours=3,
            banners=1,
            leaflets=200,
            name=f"Hội nghị tuyên truyền Đề án 06 xã {commune}",
        )
        plan(
            "school",
            datetime.date(2023, 9, 12) + datetime.timedelta(days=COMMUNES.index((code, commune))),
            f"Trường THCS {commune}",
            commune,
            [f"DX-{code}", f"CAX-{code}"],
            youth + [f"CAX-{code}"],
            rng.randint(2, 4),
            hours=2,
            posters=2,
            leaflets=100,
        )
    for number, day in enumerate(
        (datetime.date(2023, 4, 25), datetime.date(2023, 6, 6), datetime.date(2023, 8, 15)),
        start=1,
    ):
        plan(
            "training",
            day,
            f"Hội trường Công an huyện {DISTRICT}",
            DISTRICT,
            ["CAH", "HD", "HPN", "HLHTN"],
            ["CAH-QLHC", "HD", "HPN", "HLHTN"],
            rng.randint(6, 10),
            hours=8,
            banners=1,
            leaflets=300,
            name=f"Tập huấn hướng dẫn cài đặt VNeID cho cán bộ Đoàn, Hội (lớp {number})",
        )
    for number in range(12):
        code = ("HD", "HPN", "HLHTN")[number % 3]
        plan(
            "post",
            datetime.date(2023, 5, 2) + datetime.timedelta(weeks=2 * number),
            "Trang Facebook của đơn vị",
            "",
            [code],
            [code],
            1,
            hours=1,
            post_url=f"https://www.facebook.com/{code.lower()}.sopcop/posts/{1000 + number}",
            reach=rng.randint(800, 6000),
        )
    made = Activity.objects.bulk_create([entry[0] for entry in planned], batch_size=1000)
    organisers, taking_part = [], []
    for activity, (_a, codes, pool, count) in zip(made, planned):
        organisers += [
            Activity.organisers.through(activity_id=activity.pk, unit_id=by_code[c].pk)
            for c in codes
        ]
        candidates = [m for c in pool for m in members_of.get(c, [])]
        chosen = rng.sample(candidates, min(count, len(candidates)))
        taking_part += [
            Activity.members.through(activity_id=activity.pk, member_id=m.pk) for m in chosen
        ]
    Activity.organisers.through.objects.bulk_create(organisers, batch_size=2000)
    Activity.members.through.objects.bulk_create(taking_part, batch_size=2000)

    # Each case at a place of an activity of the guide's unit or a unit above, that day.
    held = {}  # (unit code, day, kind code) -> activity pk
    for activity, (_a, codes, _p, _n) in zip(made, planned):
        for c in codes:
            held.setdefault((c, activity.starts_on, activity.kind.code), activity.pk)
    above = {}  # a unit's code -> its own code and those above it
    for code, unit in by_code.items():
        chain, current = [], unit
        while current is not None:
            chain.append(current.code)
            current = by_code.get(current.parent.code) if current.parent_id else None
        above[code] = chain
    unit_of = {m.pk: m.unit.code for m in roster}
    linking = {}
    for pk, member_id, day, place in (
        Case.objects.filter(campaign=campaign, place__in=list(LINKED_PLACES))
        .values_list("pk", "member_id", "guided_on", "place")
        .iterator(chunk_size=20_000)
    ):
        kind = LINKED_PLACES[place]
        for code in above[unit_of[member_id]]:
            found = held.get((code, day, kind))
            if found is not None:
                linking.setdefault(found, []).append(pk)
                break
    for activity_pk, pks in linking.items():
        for start in range(0, len(pks), 5000):
            Case.objects.filter(pk__in=pks[start : start + 5000]).update(activity_id=activity_pk)
    return len(made), sum(len(pks) for pks in linking.values())


def _seed_accounts(by_code):
    User = get_user_model()
    accounts = []
    for username, description, role, code in DEMO_ACCOUNTS:
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(DEMO_PASSWORD)
        if code is None:
            user.is_staff = user.is_superuser = True
            roots = [u for u in by_code.values() if u.parent_id is None]
        else:
            roots = [by_code[code]]
        user.save()
        if role is None:  # a member's own account: no unit role, their own cases only
            # A member, as the account's description says (a branch's first two are cadres).
            members = Member.objects.filter(unit=roots[0], active=True).order_by("pk")
            member = members.filter(category=MemberCategory.MEMBER).first() or members.first()
            if member:
                member.user = user
                member.save(update_fields=["user"])
        else:
            for unit in roots:
                UnitRole.objects.get_or_create(user=user, unit=unit, defaults={"role": role})
        accounts.append((username, DEMO_PASSWORD, description))
    return accounts
