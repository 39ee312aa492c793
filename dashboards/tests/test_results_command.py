"""`campaign_results`: the JSON of interfaces.md §3, exactly, from the kept figures (equal to
the oracle `build_results`), and clear errors."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from campaign.tests.factories import CampaignFactory, ResidentFactory
from campaign.tests.helpers import add_case, add_full_cases
from units.models import MemberCategory, UnitKind
from units.tests.factories import MemberFactory, UnitFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("campaign_results", *args, stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def test_prints_every_member_and_unit_with_the_documented_fields():
    district = UnitFactory(code="HD", name="Huyện Đoàn", kind=UnitKind.YOUTH_UNION)
    commune = UnitFactory(code="XA-1", name="Đoàn xã 1", parent=district)
    closed = UnitFactory(
        code="XA-2", name="Đoàn xã 2", parent=district, valid_to=datetime.date(2023, 5, 1)
    )
    cadre = MemberFactory(
        unit=commune, id_number="014090000001", full_name="Lò Văn A", category=MemberCategory.CADRE
    )
    MemberFactory(unit=commune, id_number="014090000002", full_name="Lò Văn B")
    left = MemberFactory(unit=closed, id_number="014090000003", full_name="Lò Văn C", active=False)
    add_full_cases(cadre, 50)
    add_case(cadre, activated_on=datetime.date(2023, 6, 21))
    resident = ResidentFactory()
    add_case(cadre, resident)
    add_case(left, resident)

    data, err = run("--as-of", "2023-06-20")
    assert (data["campaign"], data["as_of"], err) == ("vneid-2023", "2023-06-20", "")
    members = {m["id_number"]: m for m in data["members"]}
    assert members["014090000001"] == {
        "id_number": "014090000001",
        "name": "Lò Văn A",
        "unit": "XA-1",
        "category": "cadre",
        "cases": 52,
        "credited_eid": 50,
        "credited_full": 50,
        "double_claims": 1,
        "quota": 20,
        "meets_quota": True,
        "individual_award": True,
    }
    assert members["014090000002"] == {
        "id_number": "014090000002",
        "name": "Lò Văn B",
        "unit": "XA-1",
        "category": "member",
        "cases": 0,
        "credited_eid": 0,
        "credited_full": 0,
        "double_claims": 0,
        "quota": 10,
        "meets_quota": False,
        "individual_award": False,
    }
    assert members["014090000003"]["cases"] == 1
    units = {u["code"]: u for u in data["units"]}
    assert units == {
        "HD": {
            "code": "HD",
            "name": "Huyện Đoàn",
            "members": 2,
            "credited_full": 50,
            "average": 25.0,
            "collective_award": True,
        },
        "XA-1": {
            "code": "XA-1",
            "name": "Đoàn xã 1",
            "members": 2,
            "credited_full": 50,
            "average": 25.0,
            "collective_award": True,
        },
        "XA-2": {
            "code": "XA-2",
            "name": "Đoàn xã 2",
            "members": 0,
            "credited_full": 0,
            "average": 0.0,
            "collective_award": False,
        },
    }


def test_as_of_changes_the_credited_figures_but_not_the_cases():
    member = MemberFactory(id_number="014090000009")
    add_case(member, activated_on=datetime.date(2023, 6, 21))
    before, _ = run("--as-of", "2023-06-20")
    after, _ = run("--as-of", "2023-06-21")
    assert (before["members"][0]["cases"], before["members"][0]["credited_full"]) == (1, 0)
    assert (after["members"][0]["cases"], after["members"][0]["credited_full"]) == (1, 1)


def test_as_of_defaults_to_today():
    data, _ = run()
    assert data["as_of"] == datetime.date.today().isoformat()


def test_a_campaign_is_chosen_by_slug_and_required_when_there_are_several():
    CampaignFactory(slug="chien-dich-2024")
    with pytest.raises(CommandError, match="--campaign"):
        run()
    data, _ = run("--campaign", "chien-dich-2024", "--as-of", "2024-01-01")
    assert data["campaign"] == "chien-dich-2024"


@pytest.mark.parametrize(
    "args", [["--campaign", "khong-co"], ["--as-of", "20/06/2023"], ["--as-of", "2023-02-30"]]
)
def test_a_bad_slug_or_date_is_a_clear_error(args):
    with pytest.raises(CommandError) as error:
        run(*args)
    assert args[1] in str(error.value)


def test_an_impossible_day_and_both_day_and_period_are_refused_in_vietnamese():
    with pytest.raises(CommandError, match="“2023-02-30” không phải ngày có thật"):
        run("--as-of", "2023-02-30")
    with pytest.raises(CommandError, match="Chỉ ghi --as-of hoặc --period, không ghi cả hai"):
        run("--as-of", "2023-06-20", "--period", "dot-1")


def test_the_commands_help_is_in_vietnamese():
    import subprocess
    import sys

    for command, text in (
        ("campaign_results", "In kết quả của chiến dịch"),
        ("export_report", "Ghi tệp báo cáo"),
        ("import_xlsx", "nhập tất cả hoặc không nhập gì"),
    ):
        shown = subprocess.run(
            [sys.executable, "manage.py", command, "--help"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert text in " ".join(shown.split()), command


def test_a_bad_date_exits_non_zero_with_nothing_on_stdout():
    import subprocess
    import sys

    # The date is checked before the database is opened.
    done = subprocess.run(
        [sys.executable, "manage.py", "campaign_results", "--as-of", "hôm nay"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert done.stdout == ""
    assert "--as-of" in done.stderr


@pytest.mark.parametrize("window", [["--as-of", "2023-06-20"], ["--period", "thang-05-2023"]])
def test_the_figures_are_the_kept_ones_and_agree_with_the_oracle(window):
    """The command reads the figures the pages read (dashboards.figures); `build_results`
    counting from the cases is the reference they must equal, before and after a write."""
    from campaign.results import build_results
    from campaign.tests import districts
    from campaign.tests.factories import plan_campaign
    from dashboards.models import KeptFigures

    district = districts.double_claim()
    campaign = plan_campaign()
    period = campaign.periods.filter(slug=window[1]).first()
    as_of = period.ends_on if period else datetime.date(2023, 6, 20)
    since = period.starts_on if period else None

    def oracle():
        expected = build_results(campaign, as_of=as_of, since=since).as_json(period)
        return json.loads(json.dumps(expected, ensure_ascii=False))

    assert not KeptFigures.objects.exists()
    assert run(*window)[0] == oracle()
    assert KeptFigures.objects.exists()  # read through the kept figures, as the pages do
    add_full_cases(district["officer"], 3)  # after the figures were kept
    data, _err = run(*window)
    assert data == oracle()
    officer = next(m for m in data["members"] if m["id_number"] == district["officer"].id_number)
    assert officer["credited_full"] >= 3
