"""Whole ID and phone numbers only after a recorded reveal.

A case or member form opens with the ID number and the phone masked, a resident's or
member's page with its ID number, birth date, phone and address masked. The reveal button
is a POST (privacy.views) that records the reveal (who, when, whose, what, from where) and
opens the form or the page once with everything whole. A form sent back with a masked
value left as it was keeps the value held, and stays masked if it comes back with errors.
"""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .masking import MASKS, masked_fields

SESSION_KEY = "privacy_revealed"

# What a form masks (the fields a secretary may need to correct); a page masks every field
# the person's model declares (its MASKED).
FORM_MASKS = {name: MASKS[name] for name in ("id_number", "phone")}


def allow_once(request, key):
    revealed = request.session.get(SESSION_KEY, [])
    request.session[SESSION_KEY] = [*revealed[-19:], key]


def revealed_now(request, key):
    """Whether a reveal of `key` was just recorded: true for the one page that follows."""
    revealed = request.session.get(SESSION_KEY, [])
    if key in revealed and request.method == "GET":
        revealed.remove(key)
        request.session[SESSION_KEY] = revealed
        return True
    return False


def masked_initial(request, key, initial):
    """`initial` with its ID number and phone masked, unless a reveal of `key` was just
    recorded."""
    if revealed_now(request, key):
        return initial
    return {
        **initial,
        **{name: mask(initial[name]) for name, mask in FORM_MASKS.items() if initial.get(name)},
    }


def keep_masked(form, held):
    """`form` showing the `held` values (by field name) masked: a masked value sent back
    untouched means the value held; any other value is cleaned as typed."""
    for name, whole in held.items():
        if not whole or name not in form.fields:
            continue
        field, masked = form.fields[name], FORM_MASKS[name](whole)
        field.clean = _unmasking(field.clean, masked, whole)
    return form


def _unmasking(clean, masked, whole):
    return lambda value: clean(whole if (value or "").strip() == masked else value)


def masked_details(person):
    """The page's values of `person` (a resident or a member), masked, by field name."""
    return {
        name: mask(getattr(person, name, None)) if getattr(person, name, None) else ""
        for name, mask in masked_fields(person).items()
    }


FIELD_NAMES = {
    "id_number": lambda: pgettext("revealed", "ID number"),
    "birth_date": lambda: pgettext("revealed", "birth date"),
    "phone": lambda: pgettext("revealed", "phone number"),
    "address": lambda: pgettext("revealed", "address"),
}


def what_revealed(subject, place, person, fields):
    """What the record of the reveal says: whose record, where, which details held were shown
    (`"Người dân #4758, trang chi tiết: số định danh, số điện thoại"`). Neither the name nor
    any digit: the record outlives the person's deletion or anonymisation, and its keyed
    subject already ties it to the person for the person's-rights page."""
    shown = [FIELD_NAMES[name]() for name in fields if getattr(person, name, None)]
    return _("%(subject)s, %(place)s: %(shown)s") % {
        "subject": subject,
        "place": place,
        "shown": ", ".join(shown) or _("nothing held"),
    }
