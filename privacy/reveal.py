"""Whole ID numbers on edit forms only after a recorded reveal.

The case form opens with the resident's ID number masked; "Hiện số đầy đủ" is a POST that
records the reveal (who, when, which case, from where) and opens the form once with the
whole number. Saving the form with the masked number left as it was keeps the number.
"""

from units.privacy import BULLET, mask_id_number

SESSION_KEY = "privacy_revealed"


def allow_once(request, key):
    revealed = request.session.get(SESSION_KEY, [])
    request.session[SESSION_KEY] = [*revealed[-19:], key]


def masked_initial(request, key, initial):
    """`initial` with its ID number masked, unless a reveal of `key` was just recorded."""
    revealed = request.session.get(SESSION_KEY, [])
    if key in revealed and request.method == "GET":
        revealed.remove(key)
        request.session[SESSION_KEY] = revealed
        return initial
    if initial.get("id_number"):
        initial = {**initial, "id_number": mask_id_number(initial["id_number"])}
    return initial


def restore_masked(data, whole):
    """The posted `data` with the masked ID number, sent back untouched, made whole again."""
    if data is None or BULLET not in data.get("id_number", ""):
        return data
    data = data.copy()
    if data["id_number"].strip() == mask_id_number(whole):
        data["id_number"] = whole
    return data
