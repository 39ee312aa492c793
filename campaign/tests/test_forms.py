import datetime

import pytest
from django.utils import timezone

from campaign.forms import BatchFormSet, CaseForm, QuickCaseForm
from campaign.tests.factories import plan_campaign
from units.models import UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary():
    return UnitRoleFactory(role=UnitRole.Role.SECRETARY).user


def form_data(member, **extra):
    data = {
        "id_number": "014090123234",
        "full_name": "Mai",
        "member": member.pk,
        "eid_level": "1",
        "activated_on": "02/05/2023",
        "category": "resident",
    }
    data.update(extra)
    return data


def test_guides_are_active_members_of_editable_units(secretary):
    unit = secretary.unit_roles.get().unit
    mine = MemberFactory(unit=unit)
    MemberFactory(unit=unit, active=False)
    MemberFactory(unit=UnitFactory())
    form = CaseForm(user=secretary, campaign=plan_campaign())
    assert list(form.fields["member"].queryset) == [mine]


def test_date_without_level_is_an_error(secretary):
    member = MemberFactory(unit=secretary.unit_roles.get().unit)
    form = CaseForm(form_data(member, eid_level=""), user=secretary, campaign=plan_campaign())
    assert form.has_error("eid_level", "level_missing")


def test_future_date_is_an_error_and_early_activation_a_warning(secretary):
    member = MemberFactory(unit=secretary.unit_roles.get().unit)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    form = CaseForm(
        form_data(member, activated_on=tomorrow), user=secretary, campaign=plan_campaign()
    )
    assert form.has_error("activated_on", "future_date")
    form = CaseForm(
        form_data(member, activated_on="01/03/2023"), user=secretary, campaign=plan_campaign()
    )
    assert form.is_valid() and len(form.warnings) == 1


def test_quick_form_defaults(secretary):
    form = QuickCaseForm(user=secretary, campaign=plan_campaign())
    assert form["place"].value() == "volunteer_saturday"
    # The guidance day is today, shown; the level and the activation day are not chosen.
    assert form["guided_on"].value() == timezone.localdate().strftime("%d/%m/%Y")
    assert form["activated_on"].value() is None and form["eid_level"].value() is None
    assert "birth_date" not in form.fields


def test_blank_batch_rows_are_ignored_but_an_empty_list_is_an_error():
    data = {
        "rows-TOTAL_FORMS": "3",
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "50",
    }
    formset = BatchFormSet(data, prefix="rows", campaign=plan_campaign())
    assert not formset.is_valid() and formset.non_form_errors()
    data.update({"rows-1-id_number": "014090123234", "rows-1-full_name": "Mai"})
    formset = BatchFormSet(data, prefix="rows", campaign=plan_campaign())
    assert formset.is_valid(), formset.errors
    assert len(formset.filled_forms()) == 1


def test_a_paper_list_guided_in_the_future_or_a_resident_born_there_is_an_error(secretary):
    from campaign.forms import BatchHeaderForm

    member = MemberFactory(unit=secretary.unit_roles.get().unit)
    header = BatchHeaderForm({"member": member.pk, "guided_on": "31/12/9999"}, user=secretary)
    assert header.has_error("guided_on", "future_date")
    form = CaseForm(
        form_data(member, birth_date="9999-12-31"), user=secretary, campaign=plan_campaign()
    )
    assert form.has_error("birth_date", "future_date")
