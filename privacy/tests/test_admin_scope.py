"""The admin site for a staff user who is not a superuser: every list and form is scoped to
the units they administer, or is the superuser's alone; no authenticator app's secret is
ever shown (issue 17, item 6).

The staff user administers tree A and holds every model permission there is (the worst a
superuser could give them). Tree B holds one of everything; no admin page may show it.
"""

import datetime
import uuid

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import NoReverseMatch, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from campaign.models import ActivityKind, Case, DoubleClaimResolution, OfflineBatch, Resident
from campaign.tests.factories import CaseFactory, ResidentFactory, plan_campaign
from jobs.models import Job
from privacy.admin_scope import ScopedAccesses, ScopedDevices, ScopedUsers
from privacy.models import PersonalDataAccess
from reports.models import ExpectedUnit, ReportHeading
from reports.tests.factories import PeriodFactory, SubmissionFactory
from units.admin import ScopedAdmin, SuperuserOnlyAdmin
from units.models import UnitChange, UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory, UserFactory

pytestmark = pytest.mark.django_db

B_ID = "014199123456"
B_WORDS = ["Tree B District", "Cầm Thị Khác", "Lường Văn Bê", "nguoi.cua.b", B_ID]


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.OTP_REQUIRED_ROLES = []


@pytest.fixture
def world():
    from axes.models import AccessAttempt

    campaign = plan_campaign()
    tree_a = UnitFactory(code="TA", name="Cây A")
    commune_a = UnitFactory(code="TA-1", name="Xã của A", parent=tree_a)
    tree_b = UnitFactory(code="TB", name="Tree B District")
    staff = UserFactory(username="quantri.a", is_staff=True)
    staff.user_permissions.set(Permission.objects.all())
    UnitRoleFactory(user=staff, unit=tree_a, role=UnitRole.Role.ADMIN)
    user_a = UserFactory(username="thuky.a")
    UnitRoleFactory(user=user_a, unit=commune_a, role=UnitRole.Role.SECRETARY)
    guide_a = MemberFactory(unit=commune_a, full_name="Lò Văn A")
    case_a = CaseFactory(member=guide_a, resident=ResidentFactory(full_name="Quàng Thị A"))

    user_b = UserFactory(username="nguoi.cua.b")
    role_b = UnitRoleFactory(user=user_b, unit=tree_b, role=UnitRole.Role.ADMIN)
    guide_b = MemberFactory(unit=tree_b, full_name="Cầm Thị Khác", id_number="014188000111")
    resident_b = ResidentFactory(full_name="Lường Văn Bê", id_number=B_ID, tree=tree_b)
    case_b = CaseFactory(member=guide_b, resident=resident_b, campaign=campaign)
    # Tree A's own case on B's resident: the Resident row holds B's details.
    shared = CaseFactory(member=guide_a, resident=resident_b, campaign=campaign)
    period = PeriodFactory(
        starts_on=datetime.date(2023, 5, 1),
        ends_on=datetime.date(2023, 5, 31),
        due_on=datetime.date(2023, 6, 10),
    )
    change = UnitChange.objects.create(
        kind=UnitChange.Kind.CLOSE, day=datetime.date(2023, 6, 1), target=tree_b, made_by=user_b
    )
    change.units.add(tree_b)
    b_objects = {
        "units.Unit": [tree_b],
        "units.Member": [guide_b],
        "units.UnitRole": [role_b],
        "campaign.Resident": [resident_b],
        "campaign.Case": [case_b, shared],
        "campaign.Campaign": [campaign],
        "campaign.ActivityKind": list(ActivityKind.objects.all()[:1]),
        "campaign.DoubleClaimResolution": [
            DoubleClaimResolution.objects.create(
                campaign=campaign, resident=resident_b, awarded_to=guide_b, reason="Tree B"
            )
        ],
        "campaign.OfflineBatch": [
            OfflineBatch.objects.create(user=user_b, key=uuid.uuid4(), cases=1)
        ],
        "reports.ReportingPeriod": [period],
        "privacy.PersonalDataAccess": [
            PersonalDataAccess.record(
                user=user_b, action="reveal", what="Tree B District: Lường Văn Bê", rows=1
            )
        ],
        "reports.ReportHeading": [
            ReportHeading.objects.create(
                campaign=campaign,
                unit=tree_b,
                issuing_body="Tree B District",
                place="B",
                recipient="B",
            )
        ],
        "reports.ExpectedUnit": [ExpectedUnit.objects.create(campaign=campaign, unit=tree_b)],
        "reports.Submission": [
            SubmissionFactory(
                period=period, unit=tree_b, submitted_by=user_b, as_of=datetime.date(2023, 5, 31)
            )
        ],
        "units.UnitChange": [change],
        "jobs.Job": [
            Job.objects.create(
                kind="report_export", label="Tree B District", owner=user_b, unit=tree_b
            )
        ],
        "auth.User": [user_b],
        "auth.Group": [Group.objects.create(name="Tree B District")],
        "axes.AccessAttempt": [
            AccessAttempt.objects.create(
                username="nguoi.cua.b", ip_address="10.0.0.2", failures_since_start=3
            )
        ],
        "otp_totp.TOTPDevice": [TOTPDevice.objects.create(user=user_b, name="Tree B District")],
    }
    return {
        "staff": staff,
        "user_a": user_a,
        "case_a": case_a,
        "tree_a": tree_a,
        "tree_b": tree_b,
        "guide_b": guide_b,
        "b": b_objects,
    }


def _url(model, name, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{name}", args=args)


def _refused(response):
    """403, 404, or the admin's redirect for an object it does not find."""
    if response.status_code in (403, 404):
        return True
    return response.status_code == 302 and response["Location"] in (reverse("admin:index"),)


def test_every_admin_is_scoped_or_the_superusers():
    kinds = (ScopedAdmin, SuperuserOnlyAdmin, ScopedUsers, ScopedDevices, ScopedAccesses)
    loose = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, kinds)
    ]
    assert loose == []
    # No table of history (simple-history) is registered without a scope either.
    assert not [m for m in admin.site._registry if m.__name__.startswith("Historical")]


def test_an_out_of_scope_staff_user_sees_nothing_of_the_other_tree(client, world):
    client.force_login(world["staff"])
    by_label = {model._meta.label: model for model in admin.site._registry}
    checked_lists = checked_objects = 0
    for label, model in by_label.items():
        response = client.get(_url(model, "changelist"))
        assert response.status_code in (200, 403), label
        if response.status_code == 200:
            shown = set(response.context["cl"].result_list)
            leaked = shown & set(world["b"].get(label, []))
            assert not leaked, f"{label} lists {leaked}"
            text = response.content.decode()
            assert not [w for w in B_WORDS if w in text], label
        checked_lists += 1
        for obj in world["b"].get(label, []):
            for view in ("change", "delete", "history"):
                try:
                    url = _url(model, view, obj.pk)
                except NoReverseMatch:
                    continue
                response = client.get(url)
                assert _refused(response), f"{label} {view} {obj.pk}: {response.status_code}"
                assert not [w for w in B_WORDS if w in response.content.decode()], (label, view)
                checked_objects += 1
    assert checked_lists == len(admin.site._registry) >= 20
    assert set(world["b"]) <= set(by_label)
    assert checked_objects >= 3 * 20


def test_the_staff_user_still_sees_their_own_tree(client, world):
    client.force_login(world["staff"])
    cases = client.get(_url(Case, "changelist")).context["cl"].result_list
    assert list(cases) == [world["case_a"]]
    users = set(client.get(_url(type(world["staff"]), "changelist")).context["cl"].result_list)
    assert world["user_a"] in users and world["staff"] in users
    assert client.get(_url(Resident, "change", world["case_a"].resident_id)).status_code == 200


def test_a_forged_choice_of_the_other_tree_is_refused(client, world):
    client.force_login(world["staff"])
    response = client.post(
        _url(UnitRole, "add"),
        {"user": world["staff"].pk, "unit": world["tree_b"].pk, "role": UnitRole.Role.ADMIN},
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors["unit"]
    assert not UnitRole.objects.filter(user=world["staff"], unit=world["tree_b"]).exists()
    # A case credited to the other tree's guide, made here: refused the same way.
    count = Case.objects.count()
    response = client.post(
        _url(Case, "add"),
        {
            "campaign": plan_campaign().pk,
            "resident": world["case_a"].resident_id,
            "member": world["guide_b"].pk,
            "eid_level": 2,
            "activated_on": "02/05/2023",
            "place": "home",
        },
    )
    assert response.status_code == 200 and "member" in response.context["adminform"].form.errors
    assert Case.objects.count() == count


def test_no_one_reads_an_authenticator_apps_secret(client, world):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    device = world["b"]["otp_totp.TOTPDevice"][0]
    client.force_login(superuser)
    page = client.get(_url(TOTPDevice, "change", device.pk))
    assert page.status_code == 200
    text = page.content.decode()
    assert device.key not in text and "qrcode" not in text.lower()
    listing = client.get(_url(TOTPDevice, "changelist")).content.decode()
    assert "qrcode" not in listing.lower() and device.key not in listing
    for name in ("otp_totp_totpdevice_config", "otp_totp_totpdevice_qrcode"):
        assert client.get(reverse(f"admin:{name}", args=[device.pk])).status_code == 403
    assert client.get(_url(TOTPDevice, "add")).status_code == 403


def test_a_staff_administrator_removes_a_lost_device_of_their_unit(client, world):
    mine = TOTPDevice.objects.create(user=world["user_a"], name="Điện thoại cũ")
    theirs = world["b"]["otp_totp.TOTPDevice"][0]
    client.force_login(world["staff"])
    listed = set(client.get(_url(TOTPDevice, "changelist")).context["cl"].result_list)
    assert listed == {mine}
    response = client.post(
        _url(TOTPDevice, "changelist"),
        {"action": "delete_selected", "_selected_action": [mine.pk, theirs.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=mine.pk).exists()
    assert TOTPDevice.objects.filter(pk=theirs.pk).exists()


def test_an_id_number_searched_in_the_admin_is_a_recorded_look_up_never_in_the_address(
    client, world, settings
):
    from privacy.subjects import subject_key
    from units.models import Member

    settings.ID_LOOKUPS_PER_MINUTE = 3
    mine = MemberFactory(unit=world["tree_a"], full_name="Lò Thị Tìm", id_number="014195777888")
    client.force_login(world["staff"])
    url = _url(Member, "changelist")
    # Typed into the address: taken out of it, searched, recorded.
    response = client.get(url, {"id_number": "014195777888"})
    assert response.status_code == 302 and "014195777888" not in response["Location"]
    assert "so=" in response["Location"]
    page = client.get(response["Location"])
    assert list(page.context["cl"].result_list) == [mine]
    assert "014195777888" not in page.content.decode() and "Lò Thị Tìm" in page.content.decode()
    look_up = PersonalDataAccess.objects.filter(action="lookup").get()
    assert (look_up.user, look_up.rows, look_up.subject) == (
        world["staff"],
        1,
        subject_key("014195777888"),
    )
    # The box above the list: a POST. Another tree's member is not found, and is recorded.
    response = client.post(url, {"id_number_search": world["guide_b"].id_number})
    assert response.status_code == 302 and world["guide_b"].id_number not in response["Location"]
    page = client.get(response["Location"])
    assert list(page.context["cl"].result_list) == []
    assert PersonalDataAccess.objects.filter(action="lookup").count() == 2
    # An ID filter under another name (id_number__startswith) is no way round.
    response = client.get(url, {"id_number__startswith": "0141"})
    assert response.status_code == 302 and "0141" not in response["Location"]
    assert PersonalDataAccess.objects.filter(action="lookup").count() == 2  # not an ID: refused
    # A token is this session's: in another session it finds nobody.
    token_url = client.post(url, {"id_number_search": "014195777888"})["Location"]
    other = type(client)()
    other.force_login(world["staff"])
    assert list(other.get(token_url).context["cl"].result_list) == []
    # The limit of every ID look-up holds here too (3 a minute in this test).
    refused = client.post(url, {"id_number_search": "014195777888"}, follow=True)
    assert "Tra cứu quá nhiều" in refused.content.decode()
    assert PersonalDataAccess.objects.filter(action="lookup").count() == 3


def test_a_staff_user_cannot_write_the_districts_report_heading(client, world):
    client.force_login(world["staff"])
    response = client.post(
        _url(ReportHeading, "add"),
        {
            "campaign": plan_campaign().pk,
            "unit": "",
            "issuing_body": "GIẢ MẠO",
            "place": "X",
            "recipient": "Y",
            "signer_prefix": "KT.",
        },
    )
    assert response.status_code == 200 and "unit" in response.context["adminform"].form.errors
    assert not ReportHeading.objects.filter(issuing_body="GIẢ MẠO").exists()
    response = client.post(
        _url(ReportHeading, "add"),
        {
            "campaign": plan_campaign().pk,
            "unit": world["tree_a"].pk,
            "issuing_body": "ĐOÀN CÂY A",
            "place": "X",
            "recipient": "Y",
            "signer_prefix": "KT.",
        },
    )
    assert response.status_code == 302
    assert ReportHeading.objects.get(issuing_body="ĐOÀN CÂY A").unit == world["tree_a"]
