"""Quick entry where there is no signal, on the web: what the phone keeps, and the batch it
sends (campaign.offline). Both answer JSON, and a signed-out user gets a 401 in JSON rather
than the sign-in page, so the phone keeps its cases and asks the user to sign in again."""

from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from units.models import Member

from . import offline
from .views import current_campaign


def _refusal(message, *, status, code):
    return JsonResponse({"error": message, "code": code}, status=status)


def _signed_in_editor(request):
    """None when the user may send cases, else the JSON answer saying why not."""
    if not request.user.is_authenticated:
        return _refusal(
            _("Your session has ended: sign in again to send the cases waiting on this phone."),
            status=401,
            code="signed_out",
        )
    if not Member.objects.guides_for(request.user).exists():
        return _refusal(
            _("Your role lets you read these lists, not change them."),
            status=403,
            code="read_only",
        )
    return None


@never_cache
@require_GET
def offline_bundle(request):
    """What quick entry keeps on the phone to work offline (campaign.offline.bundle)."""
    refused = _signed_in_editor(request)
    if refused:
        return refused
    campaign = current_campaign(request)
    return JsonResponse(
        offline.bundle(user=request.user, campaign=campaign, csrf_token=get_token(request))
    )


@never_cache
@require_POST
def offline_send(request):
    """Cases typed offline, sent in a batch: each recorded or refused on its own."""
    refused = _signed_in_editor(request)
    if refused:
        return refused
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > offline.MAX_BYTES:
            raise offline.BatchRefused(offline.too_large(), status=413, code="too_large")
        batch_key, cases = offline.parse_batch(request.body, user=request.user)
    except offline.BatchRefused as error:
        return _refusal(error.message, status=error.status, code=error.code)
    batch, answers = offline.receive_batch(user=request.user, batch_key=batch_key, cases=cases)
    return JsonResponse(
        {
            "batch": batch.pk,
            "recorded": batch.recorded,
            "already_recorded": batch.already_recorded,
            "refused": batch.refused,
            "cases": answers,
        }
    )
