from django.contrib import admin

from inventory.models import InventorySync, Policy, TenantConnection


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["display_name", "policy_type", "platform", "tenant", "last_seen_at"]
    list_filter = ["policy_type", "platform", "tenant"]
    search_fields = ["display_name", "external_id"]


@admin.register(InventorySync)
class InventorySyncAdmin(admin.ModelAdmin):
    list_display = ["pk", "tenant", "scope_key", "status", "is_complete", "item_count", "taken_at"]
    list_filter = ["status", "is_complete", "tenant"]
    raw_id_fields = ["run"]


@admin.register(TenantConnection)
class TenantConnectionAdmin(admin.ModelAdmin):
    # The ciphertext is not shown, not even to staff; secrets are set on the
    # tenant's connection page, where they are encrypted.
    exclude = ["client_secret_encrypted", "certificate_encrypted"]
    readonly_fields = [
        "secret_updated_at",
        "certificate_thumbprint",
        "certificate_expires_at",
        "updated_at",
    ]
    list_display = ["tenant", "kind", "client_id", "demo_size", "demo_generation"]
