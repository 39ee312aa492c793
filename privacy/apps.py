from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Personal data")

    def ready(self):
        # The last app: every admin, the libraries' included, is registered by now.
        from privacy.admin_scope import scope_library_admins

        scope_library_admins()
