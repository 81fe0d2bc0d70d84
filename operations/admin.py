from django.contrib import admin

from operations.models import Notification, OperationRun, RunFailure
from tenantatlas.generics import ModelAdmin, TabularInline


class RunFailureInline(TabularInline[RunFailure, OperationRun]):
    model = RunFailure
    extra = 0
    can_delete = False
    readonly_fields = ["code", "message", "item", "created_at"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(OperationRun)
class OperationRunAdmin(ModelAdmin[OperationRun]):
    """Runs are written by the lifecycle only; the admin shows them read-only."""

    list_display = [
        "id",
        "tenant",
        "resource",
        "action",
        "status_bucket",
        "processed",
        "total",
        "created_at",
    ]
    list_filter = ["status_bucket", "resource", "action", "tenant"]
    date_hierarchy = "created_at"
    inlines = [RunFailureInline]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [f.name for f in OperationRun._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(Notification)
class NotificationAdmin(ModelAdmin[Notification]):
    list_display = ["title", "user", "tenant", "level", "created_at", "read_at"]
    list_filter = ["level", "tenant"]
    search_fields = ["title", "user__username"]
    raw_id_fields = ["run", "user"]
