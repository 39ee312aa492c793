from django.conf import settings
from django.shortcuts import render
from django.utils import translation


class DefaultLanguageMiddleware:
    """Vietnamese unless the user chose another language (the cookie set by set_language).

    Django's LocaleMiddleware would follow the browser's Accept-Language, and most phones
    and office browsers here send English: the campaign's users expect Vietnamese.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.codes = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.codes:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class MethodNotAllowedPageMiddleware:
    """A page for an address that only takes a sent form, opened by a link or a bookmark, or
    after signing in again (the sign-in goes back to the form's address). Django answers
    405 with an empty page; this says in the user's language what happened and that nothing
    was changed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or response.content:
            return response
        page = render(request, "405.html", status=405)
        page["Allow"] = response["Allow"]
        return page
