from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def csrf_failure(request, reason=""):
    """An expired or blocked form, explained in the user's language (nothing was saved)."""
    return render(request, "403_csrf.html", status=403)


@never_cache
@require_GET
def service_worker(request):
    """The service worker (static/js/sw.js), served from the site's root so that it may
    answer for every page: quick entry offline, and "a connection is needed" elsewhere.
    Read from static/ as it is (no build step); never cached, so an update reaches phones
    the next time they are online."""
    path = finders.find("js/sw.js")
    if path is None:
        raise Http404
    with open(path, "rb") as source:
        response = HttpResponse(source.read(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline(request):
    """What the service worker shows for a page asked for without a connection."""
    return render(request, "offline.html")
