from django.shortcuts import render


def csrf_failure(request, reason=""):
    """An expired or blocked form, explained in the user's language (nothing was saved)."""
    return render(request, "403_csrf.html", status=403)
