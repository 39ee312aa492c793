import pytest


@pytest.fixture(autouse=True)
def _vietnamese(settings):
    """Tests see the product as its users do: in Vietnamese (and hash passwords fast)."""
    settings.LANGUAGE_CODE = "vi"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.utils import translation

    with translation.override("vi"):
        yield
