from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = _("Organisation")

    def ready(self):
        from django.db.backends.signals import connection_created

        from .search import register_sqlite_function

        connection_created.connect(register_sqlite_function, dispatch_uid="units.vn_fold")
