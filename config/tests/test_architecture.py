"""docs/architecture.md names every app of the project, so the map cannot fall behind."""

import configparser
from pathlib import Path

from django.apps import apps
from django.conf import settings

DOC = Path(settings.BASE_DIR) / "docs" / "architecture.md"


def project_apps():
    base = Path(settings.BASE_DIR).resolve()
    names = set()
    for app in apps.get_app_configs():
        top = app.name.split(".")[0]
        # An app of the project is a folder at the root (not a package in .venv).
        if Path(app.path).resolve().is_relative_to(base / top):
            names.add(top)
    return sorted(names)


def test_the_architecture_names_every_app():
    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in project_apps() if f"`{name}`" not in text]
    assert project_apps(), "no app of the project was found"
    assert missing == [], f"docs/architecture.md does not name: {missing}"


def test_the_architecture_names_every_exception_of_the_layers():
    """Each import .importlinter lets run against the layers is explained in the doc."""
    linter = configparser.ConfigParser()
    linter.read(Path(settings.BASE_DIR) / ".importlinter", encoding="utf-8")
    ignored = linter["importlinter:contract:layers"]["ignore_imports"].split("\n")
    importers = {
        line.split("->")[0].strip()
        for line in ignored
        if "->" in line and not line.lstrip().startswith("#") and ".tests" not in line
    } - {"**.conftest", "jobs.faults.**"}
    text = DOC.read_text(encoding="utf-8")
    assert importers, "no exception found in .importlinter"
    missing = [name for name in sorted(importers) if f"`{name}`" not in text]
    assert missing == [], f"docs/architecture.md does not explain: {missing}"
