from django.contrib import admin

from units.admin import ScopedReadOnlyAdmin

from .models import Job


@admin.register(Job)
class JobAdmin(ScopedReadOnlyAdmin):
    """Jobs are read here as on their page: a staff user sees their own and those of the
    units they administer (the door of jobs.models), never changed."""

    list_display = ["label", "owner", "status", "done", "total", "created_at", "finished_at"]
    list_filter = ["status", "kind"]
    # The file holds whole ID numbers: it is served by the job's page, which checks who asks.
    exclude = ["file", "params"]
    readonly_fields = [f.name for f in Job._meta.fields if f.name not in ("file", "params")]

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=Job.objects.visible_to(request.user).values("pk"))
