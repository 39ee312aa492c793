"""Masking of personal data (Law 91/2025/QH15 on personal data protection): THE one place
that decides how an ID number or a phone number looks where it is not needed whole.

Lists show `0140•••••234`: the first four digits (province and century/sex) help a secretary
tell people apart and spot a typo, the last three find the paper row; the rest is hidden.
A resident's or member's own page also masks the birth date (the year is kept: it tells
people of one name apart) and the address; whole values appear only after a recorded reveal
(privacy.reveal).
"""

BULLET = "•"


def _mask(value, *, head, tail):
    text = str(value or "")
    if not text:
        return ""
    if len(text) <= head + tail:
        # Too short to show anything safely: hide all but the last character.
        return BULLET * (len(text) - 1) + text[-1:]
    return text[:head] + BULLET * (len(text) - head - tail) + text[-tail:]


def mask_id_number(value):
    """`"014090123234"` → `"0140•••••234"`: first 4 and last 3 digits, bullets between."""
    return _mask(value, head=4, tail=3)


def mask_phone(value):
    """`"0912345678"` → `"091••••678"`: the network prefix and the last 3 digits."""
    return _mask(value, head=3, tail=3)


def mask_birth_date(value):
    """`date(1990, 4, 21)` → `"••/••/1990"`: the year only."""
    if not value:
        return ""
    return f"{BULLET * 2}/{BULLET * 2}/{value.year}"


def mask_hidden(value):
    """Any text (an address) → `"••••••"`: nothing of it shown, only that something is held."""
    return BULLET * 6 if value else ""


# How each personal field a model declares in its MASKED (Resident, Member) is masked.
MASKS = {
    "id_number": mask_id_number,
    "birth_date": mask_birth_date,
    "phone": mask_phone,
    "address": mask_hidden,
}


def masked_fields(person):
    """{field: mask} for the fields `person`'s model declares masked, in a page's order."""
    return {name: MASKS[name] for name in type(person).MASKED}
