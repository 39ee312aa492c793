"""Pages of the personal-data protections: the recorded reveal of personal data on a form or
a page, the history of a record, and the person's rights (see, correct, delete)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaign.models import Case, Resident
from units import normalize
from units.forms import DayFirstDateField
from units.models import Member

from . import history, reveal, rights
from .models import PersonalDataAccess
from .ratelimit import lookups_left
from .scope import as_seen_by


def _record_reveal(request, *, subject, place, person, fields, key):
    PersonalDataAccess.record(
        user=request.user,
        action=PersonalDataAccess.Action.REVEAL,
        what=reveal.what_revealed(subject, place, person, fields),
        rows=1,
        request=request,
        id_number=person.id_number,
    )
    reveal.allow_once(request, key)


@login_required
@require_POST
def reveal_case_id(request, pk):
    """Record that the user asked to see the whole ID and phone numbers of the case's
    resident, then open the case form once with them."""
    case = get_object_or_404(
        Case.objects.editable_by(request.user).select_related("resident"), pk=pk
    )
    _record_reveal(
        request,
        subject=_("Resident #%(pk)s") % {"pk": case.resident_id},
        place=_("the edit form of case #%(pk)s") % {"pk": case.pk},
        person=case.resident,
        fields=reveal.FORM_MASKS,
        key=f"case:{case.pk}",
    )
    return redirect("campaign:case_edit", pk=case.pk)


@login_required
@require_POST
def reveal_member_id(request, pk):
    """Record that the user asked to see a member's whole ID and phone numbers, then open the
    member form once with them; from the member's page (`page` sent), the page once with
    every detail whole."""
    member = get_object_or_404(Member.objects.editable_by(request.user), pk=pk)
    on_page = "page" in request.POST
    _record_reveal(
        request,
        subject=_("Member #%(pk)s") % {"pk": member.pk},
        place=_("the detail page") if on_page else _("the edit form"),
        person=member,
        fields=member.MASKED if on_page else reveal.FORM_MASKS,
        key=f"member-page:{member.pk}" if on_page else f"member:{member.pk}",
    )
    return redirect(member) if on_page else redirect("units:member_edit", pk=member.pk)


@login_required
@require_POST
def reveal_resident(request, pk):
    """Record that the user asked to see a resident's details whole on their page, then open
    the page once with them. Only for a user who may edit one of the resident's cases, and
    not when the details held were typed by a unit the user cannot see."""
    resident = get_object_or_404(
        Resident.objects.filter(pk__in=Case.objects.editable_by(request.user).values("resident")),
        pk=pk,
    )
    if as_seen_by(request.user, resident).details_hidden:
        raise PermissionDenied
    _record_reveal(
        request,
        subject=_("Resident #%(pk)s") % {"pk": resident.pk},
        place=_("the detail page"),
        person=resident,
        fields=resident.MASKED,
        key=f"resident:{resident.pk}",
    )
    return redirect(resident)


@login_required
def record_history(request, kind, pk):
    """Every version of one record, who made it and when, for its units' administrators."""
    if kind not in history.KINDS:
        raise Http404
    found = history.history_of(request.user, kind, pk)
    if found is None:
        raise Http404
    label, rows, record = found
    return render(
        request,
        "privacy/history.html",
        {
            "model": history.model_of(kind)._meta,
            "entries": list(reversed(history.changes(rows, record, user=request.user))),
            "label": label,
        },
    )


class PersonForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=40)

    def clean_id_number(self):
        try:
            return normalize.normalize_id_number(self.cleaned_data["id_number"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class CorrectionForm(forms.ModelForm):
    # Day first, as every date field of the product (units.forms).
    birth_date = DayFirstDateField(label=_("Birth date"), required=False)

    class Meta:
        model = Resident
        fields = rights.CORRECTABLE


def _require_administrator(user):
    """The person's-data page is the data controller's: an administrator of a tree's top
    unit."""
    if not rights.trees_administered_by(user):
        raise PermissionDenied


@login_required
def person_search(request):
    """Find a person by ID number (sent by POST, so the number is in no address)."""
    _require_administrator(request.user)
    form = PersonForm(request.POST or None)
    elsewhere = False
    if request.method == "POST" and form.is_valid() and lookups_left(request.user) <= 0:
        # Whether a number is held elsewhere is an answer too: the case form's limit holds.
        form.add_error(None, _("Too many look-ups in a minute: wait a moment."))
    elif request.method == "POST" and form.is_valid():
        number = form.cleaned_data["id_number"]
        PersonalDataAccess.record(
            user=request.user,
            action=PersonalDataAccess.Action.LOOKUP,
            what=_("ID-number look-up on the person's-data page"),
            rows=Resident.objects.filter(id_number=number).count(),
            request=request,
            id_number=number,
        )
        resident = rights.residents_administered_by(request.user).filter(id_number=number).first()
        if resident is not None:
            return redirect("privacy:person", pk=resident.pk)
        elsewhere = Resident.objects.filter(id_number=number).exists()
        form.add_error(None, _("No resident with this ID number in the units you administer."))
    return render(request, "privacy/person_search.html", {"form": form, "elsewhere": elsewhere})


@login_required
def person(request, pk):
    """Everything held about one resident, with the forms to correct and to delete it."""
    _require_administrator(request.user)
    resident = get_object_or_404(rights.residents_administered_by(request.user), pk=pk)
    trees = rights.trees_administered_by(request.user)
    # The form shows and checks the tree's own record (a display copy when it is not the
    # Resident row's); correct_person writes it where it belongs.
    shown = rights.shown_to(resident, rights.own_tree(resident, trees))
    form = CorrectionForm(request.POST or None, instance=shown)
    if request.method == "POST" and form.is_valid():
        rights.correct_person(
            resident=resident,
            data=form.cleaned_data,
            user=request.user,
            request=request,
            trees=trees,
        )
        messages.success(request, _("Corrected at the person's request."))
        return redirect("privacy:person", pk=resident.pk)
    held = rights.everything_held(request.user, resident, trees)
    PersonalDataAccess.record(
        user=request.user,
        action=PersonalDataAccess.Action.REVEAL,
        what=_("Resident #%(pk)s: everything held (the person's rights page)")
        % {"pk": resident.pk},
        rows=1 + len(held["cases"]),
        request=request,
        id_number=resident.id_number,
    )
    return render(request, "privacy/person.html", {**held, "form": form})


@login_required
@require_POST
def person_erase(request, pk):
    _require_administrator(request.user)
    resident = get_object_or_404(rights.residents_administered_by(request.user), pk=pk)
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Tick the box to confirm the deletion."))
        return redirect("privacy:person", pk=pk)
    count = rights.erase_person(resident=resident, user=request.user, request=request)
    messages.success(
        request,
        _("Deleted at the person's request: their record and %(count)s cases.") % {"count": count},
    )
    return redirect("privacy:person_search")
