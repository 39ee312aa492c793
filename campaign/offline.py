"""Quick entry where there is no signal: what a phone keeps to work offline, and the batch
of cases it sends when the signal comes back.

While online, the phone keeps `bundle(user, campaign)`: the user's guides and their units,
the campaign's rules for the form's checks and the checks' messages in the user's language.
Nothing of another unit, and no resident. Offline, cases wait on the phone, each with a key
the phone made (a UUID). `receive_batch` then records them one by one through the same form
and service as an online quick entry:

- a case whose key is already recorded for the user (a resend after a lost answer) is
  answered "already recorded", and nothing is written twice;
- a key that is not a UUID, or that another user sent, refuses the whole batch with nothing
  written (a tampered or replayed batch), as does an oversized batch;
- otherwise each case stands alone: a wrong case is returned with its reasons and the good
  ones are recorded (unlike the workbook import, which is all or nothing).

Every batch received is recorded (who, when, how many): `OfflineBatch`.
"""

import json
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from units import normalize
from units.models import Member

from . import services
from .activity_forms import ActivityChoiceField, offer_activities
from .forms import QuickCaseForm
from .models import Campaign, Case, OfflineBatch, OfflineCaseKey, Place

# A day at a market stall is a few dozen cases; the phone sends in batches of 50.
MAX_CASES = 100
MAX_BYTES = 256 * 1024
FIELDS = (
    "member",
    "id_number",
    "full_name",
    "eid_level",
    "activated_on",
    "portal_used",
    "id_card_application",
    "guided_on",
    "phone",
    "place",
    "activity",
)


class BatchRefused(Exception):
    """The whole batch is refused and nothing is written: `status` is the HTTP answer."""

    def __init__(self, message, *, status=400, code="refused"):
        super().__init__(message)
        self.message, self.status, self.code = message, status, code


class OfflineCaseForm(QuickCaseForm):
    """A case typed offline: the quick form's fields and checks, the guidance date as typed,
    and a guide who left the user's units meanwhile said in words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].error_messages["invalid_choice"] = self.out_of_scope()

    @staticmethod
    def out_of_scope():
        return _(
            "This member is no longer among those you may enter cases for (moved, former, "
            "or your role changed)."
        )


# --- What the phone keeps -------------------------------------------------------------------


def bundle(*, user, campaign, csrf_token):
    """What quick entry needs offline, for `user` on `campaign` (JSON-ready)."""
    guides = list(
        Member.objects.guides_for(user)
        .select_related("unit")
        .order_by("unit__path", "full_name")
        .only("pk", "full_name", "unit__id", "unit__name")
    )
    units = {guide.unit.pk: guide.unit.name for guide in guides}
    # The activities the form offers around today (those of the user's units), the day's
    # first: a case typed offline may name one, as online.
    today = timezone.localdate()
    activities = offer_activities(ActivityChoiceField(), user=user, campaign=campaign)
    return {
        "user": {"id": user.pk, "username": user.get_username()},
        "csrf_token": csrf_token,
        "made_at": timezone.now().isoformat(),
        "today": timezone.localdate().isoformat(),
        "campaign": {
            "slug": campaign.slug,
            "name": campaign.name,
            "activation_starts_on": campaign.activation_starts_on.isoformat(),
            "open": campaign_is_open(campaign),
        },
        "guides": [
            {"id": guide.pk, "name": guide.full_name, "unit": guide.unit.pk} for guide in guides
        ],
        "units": [{"id": pk, "name": name} for pk, name in units.items()],
        "places": [{"value": value, "label": str(label)} for value, label in Place.choices],
        "activities": [
            {
                "id": activity.pk,
                "name": str(activity),
                "today": activity.starts_on <= today <= (activity.ends_on or activity.starts_on),
            }
            for activity in activities
        ],
        "rules": {
            "province_codes": sorted(normalize.PROVINCE_CODES),
            "mobile_prefixes": sorted(normalize.MOBILE_PREFIXES),
            "max_cases": MAX_CASES,
        },
        "messages": check_messages(),
    }


def check_messages():
    """The form checks' messages, as the server says them, for the phone to say the same.
    Placeholders are Python's (%(count)d); the phone fills them the same way."""
    required = str(forms.Field.default_error_messages["required"])
    return {
        "required": required,
        "invalid_choice": str(forms.ChoiceField.default_error_messages["invalid_choice"]),
        "member_out_of_scope": OfflineCaseForm.out_of_scope(),
        "level_required": _("Choose the e-ID level, or “not activated yet”."),
        "id_missing": _("The ID number is missing."),
        "id_digits_only": _("The ID number may contain only digits."),
        "id_length": _("The ID number must have 12 digits (this one has %(count)d)."),
        "id_province": _("ID number %(id)s: %(code)s is not a province code."),
        "name_symbols": _("A name cannot contain symbols or emoji (%(symbols)s)."),
        "name_letters": _("A name must contain letters."),
        "control_character": _(
            "This text contains an invisible control character (copied from "
            "another program or a damaged file); type it again."
        ),
        "phone_foreign": _("Only Vietnamese phone numbers (+84) are accepted."),
        "phone_digits_only": _("A phone number may contain only digits."),
        "phone_length": _("A phone number must have 10 digits (this one has %(count)d)."),
        "phone_start": _("A Vietnamese phone number starts with 0 or +84."),
        "phone_prefix": _("Phone number %(phone)s has an unknown prefix."),
        "date_not_real": _("%(value)s is not a real date (day/month/year)."),
        "date_unreadable": _(
            "%(value)s cannot be read as a date; write it as day/month/year, e.g. 21/04/2023."
        ),
        "date_not_a_date": _("This is not a date."),
        "date_too_old": _("This date is too far in the past."),
        "date_future": _("This date is in the future."),
        "activation_date_missing": _(
            "Give the day the e-ID account was activated, or choose “not activated yet”."
        ),
        "level_missing": _(
            "Choose the e-ID level (1 or 2) activated on that day, or leave the date blank."
        ),
        "activity_invalid": str(ActivityChoiceField().error_messages["invalid_choice"]),
        "before_start": _("Activated on %(day)s, before %(start)s: this case will not count."),
        "duplicate_case": _("%(member)s already guides this resident in this campaign."),
        "campaign_closed": _("The campaign %(campaign)s is closed: no case can be added to it."),
    }


def campaign_is_open(campaign):
    return campaign.is_active and (
        campaign.ends_on is None or campaign.ends_on >= timezone.localdate()
    )


# --- What the phone sends -------------------------------------------------------------------


def too_large():
    return _("The batch is too large: send at most %(count)d cases at a time.") % {
        "count": MAX_CASES
    }


def parse_batch(body, *, user):
    """The batch in a request's body: (its key, its cases), or BatchRefused. A case is a
    dict of FIELDS with its "key" and "campaign" (a slug)."""
    if len(body) > MAX_BYTES:
        raise BatchRefused(too_large(), status=413, code="too_large")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BatchRefused(_("The batch cannot be read; nothing was recorded.")) from None
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise BatchRefused(_("The batch cannot be read; nothing was recorded."))
    cases = data["cases"]
    if len(cases) > MAX_CASES:
        raise BatchRefused(too_large(), status=413, code="too_large")
    if not cases:
        raise BatchRefused(_("The batch holds no case."))
    batch_key = _key(data.get("key"))
    keys = []
    for case in cases:
        if not isinstance(case, dict):
            raise BatchRefused(_("The batch cannot be read; nothing was recorded."))
        keys.append(_key(case.get("key")))
    if len(set(keys)) != len(keys):
        raise BatchRefused(
            _("The batch holds the same case key twice; nothing was recorded."), code="bad_key"
        )
    # A key another user sent: this batch is a replay of theirs (or a tampered one).
    others = OfflineCaseKey.objects.filter(key__in=keys).exclude(user=user)
    other_batches = OfflineBatch.objects.filter(key=batch_key).exclude(user=user)
    if others.exists() or other_batches.exists():
        raise BatchRefused(
            _("This batch was sent from another account; nothing was recorded."),
            status=403,
            code="other_user",
        )
    return batch_key, [{**case, "key": key} for case, key in zip(cases, keys)]


def _key(value):
    """A key the phone made: a UUID in its canonical text form, nothing else."""
    try:
        key = uuid.UUID(str(value))
    except (ValueError, AttributeError, TypeError):
        key = None
    if key is None or str(key) != str(value).lower():
        raise BatchRefused(
            _("A case key in this batch is not one the app makes; nothing was recorded."),
            code="bad_key",
        )
    return key


def receive_batch(*, user, batch_key, cases):
    """Record `cases` (from parse_batch) sent by `user`, each on its own. Returns the batch
    and one answer per case: {"key", "status": "recorded" | "already_recorded" | "refused",
    "errors": {field: [message]}, "double_claim": reason or ""}."""
    known = dict(
        OfflineCaseKey.objects.filter(user=user, key__in=[c["key"] for c in cases]).values_list(
            "key", "case_id"
        )
    )
    campaigns = {campaign.slug: campaign for campaign in Campaign.objects.all()}
    batch = OfflineBatch.objects.create(user=user, key=batch_key, cases=len(cases))
    answers = []
    for case in cases:
        if case["key"] in known:
            answers.append(_answer(case, "already_recorded", case_id=known[case["key"]]))
            continue
        answers.append(_record(case, user=user, batch=batch, campaigns=campaigns))
    for status, field in (
        ("recorded", "recorded"),
        ("already_recorded", "already_recorded"),
        ("refused", "refused"),
    ):
        setattr(batch, field, sum(1 for answer in answers if answer["status"] == status))
    batch.save(update_fields=["recorded", "already_recorded", "refused"])
    return batch, answers


def _answer(case, status, *, case_id=None, errors=None, warnings=(), double_claim=""):
    return {
        "key": str(case["key"]),
        "status": status,
        "case": case_id,
        "errors": errors or {},
        "warnings": list(warnings),
        "double_claim": double_claim,
    }


def _record(case, *, user, batch, campaigns):
    campaign = campaigns.get(case.get("campaign"))
    if campaign is None or not campaign_is_open(campaign):
        name = campaign.name if campaign else str(case.get("campaign") or "—")
        message = _("The campaign %(campaign)s is closed: no case can be added to it.")
        return _answer(case, "refused", errors={"__all__": [message % {"campaign": name}]})
    data = {name: _text(case.get(name)) for name in FIELDS}
    form = OfflineCaseForm(data, user=user, campaign=campaign)
    if not form.is_valid():
        return _answer(case, "refused", errors=_errors(form))
    try:
        with transaction.atomic():
            saved = services.case_create(
                campaign=campaign,
                member=form.cleaned_data["member"],
                resident_data=form.resident_data(),
                case_data=form.case_data(),
                user=user,
            )
            OfflineCaseKey.objects.create(key=case["key"], user=user, case=saved, batch=batch)
    except ValidationError as error:
        return _answer(case, "refused", errors={"__all__": error.messages})
    except IntegrityError:
        # The same key recorded meanwhile by a resend that arrived first.
        case_id = (
            OfflineCaseKey.objects.filter(key=case["key"], user=user)
            .values_list("case_id", flat=True)
            .first()
        )
        return _answer(case, "already_recorded", case_id=case_id)
    return _answer(
        case,
        "recorded",
        case_id=saved.pk,
        warnings=form.warnings,
        double_claim=double_claim_reason(saved, user=user),
    )


def _text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    return str(value)


def _errors(form):
    return {
        field: [str(message) for message in messages] for field, messages in form.errors.items()
    }


def double_claim_reason(case, *, user):
    """Why a case just recorded is a double claim, naming the other guides the user may see
    (and only counting the others), or "" when nobody else claims the resident."""
    others = (
        Case.objects.filter(campaign=case.campaign, resident=case.resident)
        .exclude(member=case.member)
        .select_related("member__unit")
    )
    if not others.exists():
        return ""
    visible = list(others.visible_to(user))
    hidden = others.count() - len(visible)
    names = ", ".join(f"{other.member.full_name} ({other.member.unit.name})" for other in visible)
    parts = []
    if names:
        parts.append(_("Also guided by %(guides)s.") % {"guides": names})
    if hidden:
        parts.append(_("Also guided by %(count)d member(s) in other units.") % {"count": hidden})
    parts.append(_("A double claim: it counts for nobody until the district resolves it."))
    return " ".join(parts)


def page_texts():
    """What the quick entry page says about the cases waiting on the phone (JSON-ready).
    Placeholders in braces, filled on the phone."""
    return {
        "kept_on_phone": _(
            "Kept on this phone: %(name)s. It will be sent when the signal comes back."
        ),
        "kept": _(
            "This phone holds %(count)s case(s) (%(size)s KB) of personal data. Each is "
            "deleted from the phone as soon as it is sent."
        ),
        "nothing_kept": _("This phone holds no case waiting to send."),
        "sending": _("Sending…"),
        "sent": _("%(count)s case(s) sent and recorded."),
        "already": _(
            "%(count)s case(s) had already arrived from an earlier send and were not recorded "
            "twice."
        ),
        "refused": _(
            "%(count)s case(s) refused: see the reasons below, correct or delete each one."
        ),
        "not_sent": _("Not sent: no answer from the server. The cases stay on this phone."),
        "signed_out": _(
            "Your session has ended. Sign in again to send the %(count)s case(s) waiting on "
            "this phone; they stay here until then."
        ),
        "status_waiting": _("Waiting to send"),
        "status_refused": _("Refused by the server"),
        "edit": _("Correct"),
        "remove": _("Delete"),
        "confirm_remove": _("Delete the case of %(name)s from this phone? It will not be sent."),
        "no_bundle": _(
            "This phone has not yet kept what quick entry needs offline: open quick entry "
            "once with a connection."
        ),
        "labels": {
            "member": _("Guided by"),
            "id_number": _("ID number"),
            "full_name": _("Full name"),
            "eid_level": _("e-ID level"),
            "activated_on": _("Activated on"),
            "guided_on": _("Guided on"),
            "phone": _("Phone"),
            "place": _("Where"),
            "activity": _("At the activity"),
        },
    }
