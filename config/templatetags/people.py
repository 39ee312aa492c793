"""How a page names a person who did something (recorded, sent, resolved, changed)."""

from django import template

register = template.Library()


@register.filter
def person(user, nobody=""):
    """A user by their full name (the user name when they have none); `nobody` (or "—") for
    no user, as when a command or an import did it."""
    if user is None or user == "":
        return nobody or "—"
    full_name = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    return full_name or user.get_username()
