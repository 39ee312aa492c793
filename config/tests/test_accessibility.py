"""What the HTML checker and axe-core found once, checked on the templates and stylesheets
themselves so it cannot come back: contrast of the warning colour and of the charts' band,
every navigation named, no empty table header, no search input acting as a combobox."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = [
    path
    for folder in ("templates", "dashboards/templates", "reports/templates", "privacy/templates")
    for path in (ROOT / folder).rglob("*.html")
]


def _luminance(colour):
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    channels = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b):
    lighter, darker = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _css(name):
    return (ROOT / "static/css" / name).read_text()


def _variable(name):
    return re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{3,6}})", _css("site.css")).group(1)


def _rule(css, selector):
    return re.search(re.escape(selector) + r"\s*\{([^}]*)\}", css).group(1)


def _colour(declarations, prop):
    value = re.search(rf"(?<![-\w]){prop}:\s*([^;]+)", declarations).group(1).strip()
    match = re.match(r"var\(--([\w-]+)\)", value)
    return _variable(match.group(1)) if match else re.search(r"#[0-9a-fA-F]{3,6}", value).group(0)


def test_contrast_helper_agrees_with_wcag():
    assert round(contrast("#000", "#fff"), 1) == 21.0
    assert round(contrast("#9a6700", "#fff4e5"), 2) == 4.48  # the colour axe-core refused


@pytest.mark.parametrize(
    "selector", [".tag.warn", ".msg.warning", ".tag.ok", ".tag.err", ".msg.error"]
)
def test_coloured_tags_and_messages_are_readable(selector):
    rule = _rule(_css("site.css"), selector)
    assert contrast(_colour(rule, "color"), _colour(rule, "background")) >= 4.5


def test_warning_text_is_readable_on_the_page_and_cards():
    for background in ("#ffffff", _variable("bg")):
        assert contrast(_variable("warn"), background) >= 4.5


def test_the_charts_120_day_band_is_drawn_with_3_to_1_against_white():
    band = _rule(_css("dashboards.css"), ".chart-svg .band")
    assert contrast(_colour(band, "stroke"), "#ffffff") >= 3  # its edges (WCAG 1.4.11)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_name_every_navigation_and_table_header(template):
    text = template.read_text()
    for nav in re.findall(r"<nav\b[^>]*>", text):
        assert "aria-label" in nav, f"{nav} has no label"
    assert not re.search(r"<th(\s[^>]*)?>\s*</th>", text), "an empty table header"
    for tag in re.findall(r"<input\b[^>]*>", text):
        assert not ('role="combobox"' in tag and 'type="search"' in tag), tag


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_pages_title_is_plain_text(template):
    """The title block is what a tab, a screen reader and the history name the page by: a
    few words, never markup (a section pasted into it once made one page's title a table)."""
    for title in re.findall(r"{% block title %}(.*?){% endblock", template.read_text(), re.S):
        assert "<" not in title and "\n" not in title, f"title block holds: {title[:60]!r}"


# A cell of a table that becomes cards on a phone (`table.stack`, site.css) shows no column
# heading there: it says what it is by its data-label, or is the card's title (`lead`), a
# message (`empty`), tags that name themselves (`tags`), the reasons line or a spacer.
SELF_DESCRIBING = re.compile(r'class="[^"]*\b(lead|empty|tags|reasons|spacer)\b')


def test_every_cell_of_a_table_that_stacks_on_a_phone_is_labelled():
    unlabelled = []
    for path in TEMPLATES:
        text = path.read_text()
        for table in re.findall(r'<table class="[^"]*\bstack\b[^"]*".*?</table>', text, re.S):
            for cell in re.findall(r"<td\b[^>]*>", table):
                if "data-label" not in cell and not SELF_DESCRIBING.search(cell):
                    unlabelled.append(f"{path.relative_to(ROOT)}: {cell}")
    # The record of access once showed "3" and "127.0.0.1" on a phone with nothing to say
    # they were the rows and the address.
    assert unlabelled == []
