"""The dashboards' templates say everything through the translation machinery, like the rest
of the project: their words are English msgids in `{% translate %}` / `{% blocktranslate %}`
(or `_("…")` in an include's argument), their Vietnamese in locale/vi/LC_MESSAGES/django.po.
A Vietnamese word typed into a template would show in Vietnamese to a user who chose
English, and be missed by whoever translates."""

import re
import unicodedata
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# What may hold words: the translation tags, a translated literal, and comments.
TRANSLATED = re.compile(
    r"{%\s*blocktranslate\b.*?%}(?P<block>.*?){%\s*endblocktranslate\s*%}"
    r"|{%\s*translate\s+(?P<q>[\"'])(?P<msgid>.*?)(?P=q).*?%}"
    r"|_\((?P<q2>[\"'])(?P<literal>.*?)(?P=q2)\)",
    re.S,
)
COMMENTS = re.compile(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S)


def vietnamese_letters(text):
    """The letters of `text` that only Vietnamese (of the project's languages) writes: đ,
    and any letter with a diacritic (ă â ê ô ơ ư and the tone marks)."""
    return {c for c in text if c.isalpha() and (c in "đĐ" or unicodedata.normalize("NFD", c) != c)}


def dashboards_templates():
    return sorted(p for p in TEMPLATES.rglob("*.html") if "dashboards" in p.parts)


def test_the_letters_are_told_apart():
    assert vietnamese_letters("Tổng quan, đơn vị, ưu tiên") == set("ổđơịưê")
    assert vietnamese_letters("Overview › ▲ “quoted” − 20%…") == set()


def test_no_dashboards_template_holds_a_vietnamese_word_outside_a_translation_tag():
    assert len(dashboards_templates()) >= 10
    found = {}
    for path in dashboards_templates():
        text = COMMENTS.sub("", path.read_text(encoding="utf-8"))
        outside = TRANSLATED.sub("", text)
        for line in outside.splitlines():
            if vietnamese_letters(line):
                found.setdefault(path.name, []).append(line.strip()[:80])
    assert found == {}


def test_the_dashboards_msgids_are_english():
    """The Vietnamese is the translation, in the .po file, never the msgid."""
    found = {}
    for path in dashboards_templates():
        for match in TRANSLATED.finditer(COMMENTS.sub("", path.read_text(encoding="utf-8"))):
            msgid = match.group("block") or match.group("msgid") or match.group("literal")
            if vietnamese_letters(msgid):
                found.setdefault(path.name, []).append(msgid[:80])
    assert found == {}
