from functools import cached_property

from .models import ADMINISTERS, EDITS, SEES, Member, UnitRole


class Navigation:
    """What the menu offers the signed-in user: only what their roles let them open, by the
    door's role groups (units.models: SEES, EDITS, ADMINISTERS), so the menu offers what the
    door opens. One query for the user's roles (none for a superuser), read only when the
    menu is drawn; a second, whether they are a member with their own account, only for
    non-editors."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def _roles(self):
        if self.user.is_superuser:
            return set(SEES)
        return set(UnitRole.objects.filter(user=self.user).values_list("role", flat=True))

    @property
    def sees_units(self):
        return bool(self._roles & SEES)

    @property
    def edits_units(self):
        return bool(self._roles & EDITS)

    @property
    def administers(self):
        return bool(self._roles & ADMINISTERS)

    @cached_property
    def records_cases(self):
        return self.edits_units or Member.objects.own_of(self.user).exists()


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav": Navigation(user)}
