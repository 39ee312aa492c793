"""The administrator's pages for units that change: close, merge, split, each previewed and
then confirmed all or nothing; the record of changes, each undoable while no report covering
its day has been submitted."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from units.forms import DayFirstDateField
from units.models import Unit, UnitChange, UnitKind, UnitRole

from . import unit_changes as changes

NEW_UNITS = 3  # rows for new units on the split form


def _administered(user):
    units = Unit.objects.administered_by(user)
    if not units.exists():
        raise PermissionDenied(_("Only an administrator may change units."))
    return units


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, unit):
        return f"{unit.name} ({unit.code})"


class UnitsChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, unit):
        return f"{unit.name} ({unit.code})"


class RolesChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, role):
        return f"{role.user.get_full_name() or role.user.username} · {role.get_role_display()} · {role.unit.name}"


class CloseForm(forms.Form):
    unit = UnitChoice(queryset=Unit.objects.none(), label=gettext_lazy("Unit"))
    day = DayFirstDateField(label=gettext_lazy("From the day"))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units.filter(valid_to__isnull=True)

    def plan(self):
        return changes.plan_close(unit=self.cleaned_data["unit"], day=self.cleaned_data["day"])


class MergeForm(forms.Form):
    units = UnitsChoice(queryset=Unit.objects.none(), label=gettext_lazy("Units merged"))
    target = UnitChoice(queryset=Unit.objects.none(), label=gettext_lazy("Into the unit"))
    day = DayFirstDateField(label=gettext_lazy("From the day"))
    keep_roles = RolesChoice(
        queryset=UnitRole.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Roles that stay with the merged unit"),
    )
    confirm_fields = ["keep_roles"]

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        open_units = units.filter(valid_to__isnull=True)
        self.fields["units"].queryset = open_units
        self.fields["target"].queryset = open_units
        self.fields["keep_roles"].queryset = UnitRole.objects.filter(
            unit__in=open_units
        ).select_related("user", "unit")

    def plan(self):
        data = self.cleaned_data
        return changes.plan_merge(
            units=list(data["units"]),
            target=data["target"],
            day=data["day"],
            keep_roles=[role.pk for role in data["keep_roles"]],
        )


class SplitForm(forms.Form):
    """A split of one unit: its new units (rows), and where each member, sub-unit and
    role goes."""

    day = DayFirstDateField(label=gettext_lazy("From the day"))

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        for n in range(1, NEW_UNITS + 1):
            required = n == 1
            self.fields[f"code_{n}"] = forms.CharField(
                label=_("New unit %(n)d: code") % {"n": n}, required=required, max_length=50
            )
            self.fields[f"name_{n}"] = forms.CharField(
                label=_("New unit %(n)d: name") % {"n": n}, required=required, max_length=255
            )
            self.fields[f"kind_{n}"] = forms.ChoiceField(
                label=_("New unit %(n)d: kind") % {"n": n},
                choices=UnitKind.choices,
                initial=unit.kind,
            )
        places = [("", "—")] + [
            (str(n), _("New unit %(n)d") % {"n": n}) for n in range(1, NEW_UNITS + 1)
        ]
        self.members = list(unit.members.order_by("-active", "full_name"))
        for member in self.members:
            self.fields[f"member_{member.pk}"] = forms.ChoiceField(
                label=member.full_name, choices=places, required=False
            )
        self.subunits = list(unit.children.all())
        for sub in self.subunits:
            self.fields[f"sub_{sub.pk}"] = forms.ChoiceField(
                label=sub.name, choices=places, required=False
            )
        self.roles = list(unit.roles.select_related("user"))
        keep = [("", _("stays with %(unit)s") % {"unit": unit.name})] + places[1:]
        for role in self.roles:
            self.fields[f"role_{role.pk}"] = forms.ChoiceField(
                label=f"{role.user.get_full_name() or role.user.username} · "
                f"{role.get_role_display()}",
                choices=keep,
                required=False,
                initial="1",
            )

    def new_fields(self):
        return [
            (self[f"code_{n}"], self[f"name_{n}"], self[f"kind_{n}"])
            for n in range(1, NEW_UNITS + 1)
        ]

    def place_fields(self, prefix, items):
        return [self[f"{prefix}_{item.pk}"] for item in items]

    def member_fields(self):
        return self.place_fields("member", self.members)

    def sub_fields(self):
        return self.place_fields("sub", self.subunits)

    def role_fields(self):
        return self.place_fields("role", self.roles)

    def plan(self):
        data = self.cleaned_data
        codes = {}
        new_units = []
        for n in range(1, NEW_UNITS + 1):
            code = (data.get(f"code_{n}") or "").strip()
            if code:
                codes[str(n)] = code
                new_units.append(
                    changes.NewUnit(code, (data.get(f"name_{n}") or "").strip(), data[f"kind_{n}"])
                )

        def placed(prefix, items):
            return {item.pk: codes.get(data.get(f"{prefix}_{item.pk}") or "", "") for item in items}

        return changes.plan_split(
            unit=self.unit,
            day=data["day"],
            new_units=new_units,
            members=placed("member", self.members),
            subunits=placed("sub", self.subunits),
            roles=placed("role", self.roles),
        )


def _preview_or_apply(request, form, kind, template_context=None):
    """Step two and three of every change: the preview (what moves), then the confirmation
    (applied all or nothing, or the preview again with why not)."""
    plan = form.plan()
    if request.POST.get("step") == "confirm" and not plan.errors:
        try:
            change = changes.apply_change(plan, user=request.user)
        except changes.ChangeRefused as refused:
            plan.errors = refused.errors
        else:
            messages.success(
                request,
                _("The change is recorded: %(change)s. It can be undone below.")
                % {"change": change},
            )
            return redirect("unit_changes:list")
    context = {"form": form, "plan": plan, "kind": kind, **(template_context or {})}
    # Refused: the form again, as it was filled in, with why (nothing was written).
    template = "units/change_form.html" if plan.errors else "units/change_preview.html"
    return render(request, template, context)


@login_required
def change_list(request):
    units = _administered(request.user)
    shown = (
        UnitChange.objects.filter(units__in=units)
        .distinct()
        .select_related("made_by", "undone_by", "target")
    )
    rows = [(change, changes.undo_problems(change)) for change in shown[:200]]
    return render(
        request,
        "units/change_list.html",
        {"rows": rows, "splittable": units.filter(valid_to__isnull=True)},
    )


@login_required
def close(request):
    units = _administered(request.user)
    form = CloseForm(request.POST or None, units=units, initial={"unit": request.GET.get("unit")})
    if request.method == "POST" and form.is_valid():
        return _preview_or_apply(request, form, "close")
    return render(request, "units/change_form.html", {"form": form, "kind": "close"})


@login_required
def merge(request):
    units = _administered(request.user)
    form = MergeForm(
        request.POST or None, units=units, initial={"units": request.GET.getlist("units")}
    )
    if request.method == "POST" and form.is_valid():
        return _preview_or_apply(request, form, "merge")
    return render(request, "units/change_form.html", {"form": form, "kind": "merge"})


@login_required
def split(request, code):
    units = _administered(request.user)
    unit = get_object_or_404(units.filter(valid_to__isnull=True), code=code)
    form = SplitForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        return _preview_or_apply(request, form, "split", {"unit": unit})
    return render(request, "units/change_form.html", {"form": form, "kind": "split", "unit": unit})


@require_POST
@login_required
def undo(request, pk):
    units = _administered(request.user)
    change = get_object_or_404(UnitChange.objects.filter(units__in=units).distinct(), pk=pk)
    if change.units.exclude(pk__in=units.values("pk")).exists():
        raise PermissionDenied(_("This change concerns units you do not administer."))
    try:
        changes.undo_change(change, user=request.user)
    except changes.ChangeRefused as refused:
        for error in refused.errors:
            messages.error(request, error)
    else:
        messages.success(request, _("The change is undone: %(change)s.") % {"change": change})
    return redirect("unit_changes:list")
