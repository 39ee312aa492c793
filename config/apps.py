from django.apps import AppConfig


class ProductionConfig(AppConfig):
    """The project's own production pieces (sign-in protections, health, request logs):
    an app only so that its signal is connected once Django has loaded."""

    name = "config"
    label = "production"
    verbose_name = "Production"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from config.security import mark_session_seen

        user_logged_in.connect(mark_session_seen, dispatch_uid="config.security.mark_session_seen")

        from django.contrib import admin

        from config import admin_labels

        admin_labels.name_library_apps()
        admin_labels.register_vietnamese_totp_admin()
        admin_labels.register_vietnamese_task_admin()
        admin_labels.name_totp_devices_in_the_index(admin.site)
