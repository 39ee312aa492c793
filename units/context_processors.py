from functools import cached_property

from django.db.models import Exists, F, OuterRef
from django.db.models.lookups import StartsWith

from .models import ADMINISTERS, EDITS, SEES, Member, Unit, UnitRole


class Navigation:
    """What the menu offers the signed-in user: only what their roles let them open, by the
    door's role groups (units.models: SEES, EDITS, ADMINISTERS), so the menu offers what the
    door opens. One query for the user's roles (none for a superuser), read only when the
    menu is drawn; a second, whether they are a member with their own account, only for
    non-editors."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def _held(self):
        """[(role, whether the user administers every unit, the parent of the role's unit:
        None for a tree's top unit)] of the user's roles: one query (the second, a subquery:
        no unit lies outside the units they administer)."""
        admin = UnitRole.objects.filter(user=self.user, role=UnitRole.Role.ADMIN)
        covering = admin.filter(StartsWith(OuterRef("path"), F("unit__path")))
        outside = Unit.objects.filter(~Exists(covering))
        return list(
            UnitRole.objects.filter(user=self.user)
            .annotate(everything=~Exists(outside))
            .values_list("role", "everything", "unit__parent_id")
        )

    @cached_property
    def _roles(self):
        if self.user.is_superuser:
            return set(SEES)
        return {role for role, _everything, _top in self._held}

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
    def controls_personal_data(self):
        """An administrator of a tree's top unit: the person's-data page (privacy.rights).
        Read with the roles, in the same query."""
        if self.user.is_superuser:
            return True
        return any(role in ADMINISTERS and up is None for role, _everything, up in self._held)

    @cached_property
    def manages_activation_list(self):
        """A district administrator (every unit administered): the activation list's page.
        Read with the roles, in the same query."""
        if not self.administers:
            return False
        if self.user.is_superuser:
            return True
        return any(everything for _role, everything, _top in self._held)

    @cached_property
    def records_cases(self):
        return self.edits_units or Member.objects.own_of(self.user).exists()


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav": Navigation(user)}
