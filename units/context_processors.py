from functools import cached_property

from .models import Member, UnitRole


class Navigation:
    """What the menu offers the signed-in user: only what their roles let them open.
    One query for the user's roles (none for a superuser), read only when the menu is drawn;
    a second, whether they are a member with their own account, only for non-editors."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def _roles(self):
        if self.user.is_superuser:
            return set(UnitRole.Role.values)
        return set(UnitRole.objects.filter(user=self.user).values_list("role", flat=True))

    @property
    def sees_units(self):
        return bool(self._roles)

    @property
    def edits_units(self):
        return bool(self._roles & {UnitRole.Role.ADMIN, UnitRole.Role.SECRETARY})

    @property
    def administers(self):
        return UnitRole.Role.ADMIN in self._roles

    @cached_property
    def manages_activation_list(self):
        """A district administrator (every unit administered): the activation list's page.
        Two queries, for administrators only."""
        if not self.administers:
            return False
        from campaign.activation_views import may_manage_list

        return may_manage_list(self.user)

    @cached_property
    def records_cases(self):
        return self.edits_units or Member.objects.filter(user=self.user, active=True).exists()


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav": Navigation(user)}
