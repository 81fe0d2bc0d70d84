from django.contrib import admin

from inventory.models import InventorySync, Policy, TenantConnection
from tenantatlas.generics import ModelAdmin


@admin.register(Policy)
class PolicyAdmin(ModelAdmin[Policy]):
    list_display = ["display_name", "policy_type", "platform", "tenant", "last_seen_at"]
    list_filter = ["policy_type", "platform", "tenant"]
    search_fields = ["display_name", "external_id"]


@admin.register(InventorySync)
class InventorySyncAdmin(ModelAdmin[InventorySync]):
    list_display = ["pk", "tenant", "scope_key", "status", "is_complete", "item_count", "taken_at"]
    list_filter = ["run__status_bucket", "is_complete", "tenant"]  # the status is its run's
    list_select_related = ["tenant", "run"]
    raw_id_fields = ["run"]


@admin.register(TenantConnection)
class TenantConnectionAdmin(ModelAdmin[TenantConnection]):
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
