"""The project's reference (docs/) kept in step with the code: every sheet, column and
choice the workbook declares, every command and option, every key of the results JSON."""

import re
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.management import get_commands, load_command_class
from django.core.management.base import BaseCommand

from campaign import workbook as wb
from campaign.tests.factories import CaseFactory, plan_campaign
from campaign.tests.helpers import AS_OF
from reports.models import ReportingPeriod

DOCS = Path(settings.BASE_DIR) / "docs"


def doc(name):
    return (DOCS / name).read_text(encoding="utf-8")


def test_every_sheet_column_and_choice_the_workbook_declares_is_in_the_workbook_doc():
    text = doc("workbook.md")
    missing = []
    for spec in wb.SHEETS:
        missing += [spec.title] if f"**{spec.title}**" not in text else []
        for column in spec.columns:
            if f"| {column.header} |" not in text:
                missing.append(f"{spec.title}: {column.header}")
            missing += [f"{column.header}: {c}" for c in column.choices if c not in text]
    assert missing == []


def project_commands():
    """(name, app) of the commands the project's own apps define."""
    apps = {
        config.name
        for config in django_apps.get_app_configs()
        if Path(config.path).is_relative_to(settings.BASE_DIR)
        and "site-packages" not in config.path
    }
    return sorted((name, app) for name, app in get_commands().items() if app in apps)


@pytest.mark.parametrize("name, app", project_commands())
def test_every_command_and_its_options_are_in_the_command_line_doc(name, app):
    if name == "makemessages":
        return  # Django's own, with a tweak for the translators
    text = doc("commands.md")
    assert f"## {name}" in text
    django_options = {
        option
        for action in BaseCommand().create_parser("manage.py", name)._actions
        for option in action.option_strings
    }
    parser = load_command_class(app, name).create_parser("manage.py", name)
    for action in parser._actions:
        for option in set(action.option_strings) - django_options:
            assert re.search(rf"`{re.escape(option)}(?![\w-])", text), option
        if not action.option_strings and action.dest != "args":
            assert f"`{action.dest.upper()}`" in text, action.dest


def keys(data, found=None):
    found = set() if found is None else found
    if isinstance(data, dict):
        for key, value in data.items():
            found.add(key)
            keys(value, found)
    elif isinstance(data, list):
        for value in data:
            keys(value, found)
    return found


@pytest.mark.django_db
def test_every_key_of_the_results_json_is_in_its_doc():
    from campaign.results import build_results

    CaseFactory()
    period = ReportingPeriod.objects.filter(campaign=plan_campaign()).order_by("starts_on")[0]
    data = build_results(plan_campaign(), as_of=AS_OF, since=period.starts_on).as_json(period)
    text = doc("results-json.md")
    documented = set(re.findall(r"`([a-z_]+)`", text))
    assert keys(data) - documented == set()
    assert data["members"] and data["units"]


def test_the_docs_link_only_to_pages_that_exist():
    for page in DOCS.glob("*.md"):
        for target in re.findall(r"\]\(([^)#]+\.md)\)", page.read_text(encoding="utf-8")):
            assert (DOCS / target).exists(), (page.name, target)


def test_every_column_and_status_of_the_activation_list_is_in_its_doc():
    from campaign.activations import SPEC
    from campaign.verification import LABELS, STATUSES

    text = doc("activation-list.md")
    for column in SPEC.columns:
        assert f"| {column.header} |" in text, column.header
    for status in STATUSES:
        assert f"`{status}`" in text, status
        assert str(LABELS[status]) in text, LABELS[status]
    assert "`verification_tolerance_days`" in text and "`figures_from`" in text


@pytest.mark.django_db
def test_every_key_of_the_results_json_with_a_list_in_force_is_in_its_doc(tmp_path):
    from campaign.activations import import_activation_list
    from campaign.results import build_results

    case = CaseFactory()
    path = tmp_path / "list.csv"
    path.write_text(
        f"Số định danh,Mức định danh,Ngày kích hoạt\n{case.resident.id_number},2,02/05/2023\n",
        encoding="utf-8",
    )
    assert import_activation_list(path, campaign=plan_campaign()).ok
    data = build_results(plan_campaign(), as_of=AS_OF).as_json()
    documented = set(re.findall(r"`([a-z_]+)`", doc("results-json.md")))
    assert {"figures_from", "activation_list", "verified", "not_found"} <= keys(data)
    assert keys(data) - documented == set()


def test_the_workbook_doc_names_the_optional_activity_column_as_an_extension():
    from campaign.workbook import RESIDENTS

    column = RESIDENTS.columns[-1]
    assert column.header == "Hoạt động" and not column.required
    text = doc("workbook.md")
    assert "| Hoạt động | no |" in text
    assert "interfaces.md §1" in text
    # The row for the shared format's §1, as it is to be added there.
    assert "`| Hoạt động | no | the activity's code or name;" in text
