"""Browser journeys: real headless Chromium (Playwright) against a live server.

Each journey is what one person does from start to end, asserting what they see. A failed
journey leaves a screenshot of the page as it was in test-artifacts/FAILED-<test>.png.
"""

import os
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "mat-khau-123"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, for the page fixture to see a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


def _page(browser, request, width, height, service_workers="block"):
    ARTIFACTS.mkdir(exist_ok=True)
    # Every page registers the offline service worker (static/js/sw.js); the journeys run
    # without it, as a first visit does, except those of the installed app (app_phone).
    context = browser.new_context(
        viewport={"width": width, "height": height},
        locale="vi-VN",
        extra_http_headers={"Accept-Language": "vi"},
        accept_downloads=True,
        service_workers=service_workers,
    )
    page = context.new_page()
    violations = []
    # A Content-Security-Policy violation shows in the console: a journey fails on one.
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.csp_violations = violations
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        page.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def desktop(browser, request):
    """A page in an office browser, 1366 px wide."""
    yield from _page(browser, request, 1366, 900)


@pytest.fixture
def phone(browser, request):
    """A page on a phone, 390 × 844."""
    yield from _page(browser, request, 390, 844)


@pytest.fixture
def app_phone(browser, request):
    """A phone, 390 × 844, with the service worker allowed: quick entry as an app."""
    yield from _page(browser, request, 390, 844, service_workers="allow")


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"journey-{name}.png"), full_page=True)


def sign_in(page, live_server, username, password=PASSWORD, next_path="/"):
    page.goto(f"{live_server.url}{next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")


@pytest.fixture(autouse=True)
def plan_campaign(transactional_db):
    """The plan's campaign, as the data migration creates it. `serialized_rollback` restores
    it before each journey (the root conftest keeps the migrated data where every
    connection finds it); a journey also makes sure of it itself, as it needs it to sign in
    anywhere."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("campaign.migrations.0002_plan_campaign")
    migration.create_plan_campaign(apps, None)
