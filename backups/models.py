"""Backup sets: named collections of policy snapshots, and the versions captured into them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from inventory.models import InventorySync, Policy
from operations.models import OperationRun
from tenantatlas.models import Tenant, TenantQuerySet


class BackupSet(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="backup_sets")
    name = models.CharField(max_length=200)
    description = models.TextField(max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet["BackupSet"].as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            # "Baseline" and "baseline" in one tenant would be two sets nobody can tell apart.
            models.UniqueConstraint(F("tenant"), Lower("name"), name="backup_set_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse(
            "backups:detail", kwargs={"tenant_slug": self.tenant.slug, "backup_set_id": self.pk}
        )


class BackupItem(models.Model):
    """One captured version of one policy in one set. Insert-only, except ``is_latest``.

    Versions of a policy in a set are numbered 1, 2, 3…; exactly one of them
    (the newest) has ``is_latest``, and that is what the set shows and exports.
    The policy's identity is copied from inventory so that a backup stays
    readable and exportable even if the inventory row goes away.
    """

    backup_set = models.ForeignKey(BackupSet, on_delete=models.CASCADE, related_name="items")
    policy = models.ForeignKey(
        Policy, null=True, blank=True, on_delete=models.SET_NULL, related_name="backup_items"
    )
    policy_type = models.CharField(max_length=64)
    external_id = models.CharField(max_length=200)
    display_name = models.CharField(max_length=300)
    platform = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField()
    is_latest = models.BooleanField(default=True)
    settings = models.JSONField()  # normalised, as in the snapshot it was captured from
    content_hash = models.CharField(max_length=64)
    has_masked_secrets = models.BooleanField(default=False)
    captured_at = models.DateTimeField(default=timezone.now)
    run = models.ForeignKey(
        OperationRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="backup_items"
    )
    source_sync = models.ForeignKey(
        InventorySync, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["policy_type", "display_name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["backup_set", "policy_type", "external_id", "version"],
                name="backup_item_version_unique",
            ),
            # A policy appears once in what the set shows.
            models.UniqueConstraint(
                fields=["backup_set", "policy_type", "external_id"],
                condition=Q(is_latest=True),
                name="backup_item_one_latest",
            ),
        ]
        indexes = [
            # The capture job reads the latest versions of a chunk of chosen policies.
            models.Index(
                fields=["backup_set", "policy"],
                condition=Q(is_latest=True),
                name="backup_item_latest_policy",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} v{self.version}"
