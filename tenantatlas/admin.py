from django.contrib import admin

from tenantatlas.generics import ModelAdmin, TabularInline
from tenantatlas.models import Membership, Preferences, Tenant


class MembershipInline(TabularInline[Membership, Tenant]):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Tenant)
class TenantAdmin(ModelAdmin[Tenant]):
    list_display = ["name", "slug", "entra_tenant_id", "created_at"]
    search_fields = ["name", "slug", "entra_tenant_id"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(ModelAdmin[Membership]):
    list_display = ["user", "tenant", "role", "created_at"]
    list_filter = ["role", "tenant"]
    search_fields = ["user__username", "tenant__name"]
    autocomplete_fields = ["user", "tenant"]


@admin.register(Preferences)
class PreferencesAdmin(ModelAdmin[Preferences]):
    list_display = ["user", "time_zone", "updated_at"]
    search_fields = ["user__username", "time_zone"]
    autocomplete_fields = ["user"]
