"""Policies and the snapshots that inventory syncs take of them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from inventory import secrets
from inventory.normalize import MASKED_SECRET, normalize
from operations.models import OperationRun, RunStatus, StatusBucket
from tenantatlas.models import Tenant, TenantQuerySet

if TYPE_CHECKING:
    from inventory.sources.base import SourcePolicy

POLICY_TYPE_LABELS = {
    "deviceConfiguration": "Device configuration",
    "compliancePolicy": "Compliance policy",
    "settingsCatalog": "Settings catalog",
    "groupPolicyConfiguration": "Administrative templates",
}
MASKED_LABEL = "masked (not compared)"
WITHHELD_LABEL = "secret (withheld)"


class Policy(models.Model):
    """One Intune configuration object's identity in a tenant (its content lives in snapshots)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="policies")
    policy_type = models.CharField(max_length=64)
    external_id = models.CharField(max_length=200)
    display_name = models.CharField(max_length=300)
    platform = models.CharField(max_length=64, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet["Policy"].as_manager()

    class Meta:
        verbose_name_plural = "policies"
        ordering = ["policy_type", "display_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "policy_type", "external_id"], name="policy_identity_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.policy_type})"


class SyncStatus(models.TextChoices):
    """A snapshot's status: its run's, in a snapshot's words (``sync_status``)."""

    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


def sync_status(run: OperationRun | None) -> SyncStatus:
    """Running while its run is active; succeeded once the run completed with at least
    one item read (partially succeeded included: ``is_complete`` tells them apart);
    failed otherwise, and when the run is gone."""
    if run is None:
        return SyncStatus.FAILED
    bucket = run.bucket
    if bucket in (StatusBucket.QUEUED, StatusBucket.RUNNING):
        return SyncStatus.RUNNING
    if bucket in (StatusBucket.SUCCEEDED, StatusBucket.PARTIALLY_SUCCEEDED):
        return SyncStatus.SUCCEEDED
    return SyncStatus.FAILED


# The database twin of sync_status's "usable" case: the run completed and, the
# snapshot being complete, no item failed.
USABLE = Q(is_complete=True, run__status=RunStatus.COMPLETED)


class InventorySyncQuerySet(TenantQuerySet["InventorySync"]):
    def usable_for_drift(self) -> InventorySyncQuerySet:
        """Successful, complete snapshots: the only ones drift may compare."""
        return self.filter(USABLE)


class InventorySync(models.Model):
    """One snapshot of a tenant's policies for one scope, taken by one inventory.sync run."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="inventory_syncs")
    scope_key = models.CharField(max_length=300)
    run = models.OneToOneField(
        OperationRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inventory_sync",
    )
    # False when the sync failed, was cut short or an item could not be read:
    # such a snapshot is never offered to drift. Its status is its run's (``status``).
    is_complete = models.BooleanField(default=False)
    item_count = models.PositiveIntegerField(default=0)
    taken_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = InventorySyncQuerySet.as_manager()

    class Meta:
        ordering = ["-taken_at", "-id"]
        indexes = [
            models.Index(
                fields=["tenant", "scope_key", "-taken_at"],
                condition=Q(is_complete=True),
                name="sync_scope_complete",
            )
        ]

    def __str__(self) -> str:
        return f"Sync of {self.scope_key} at {self.taken_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse(
            "inventory:sync_detail", kwargs={"tenant_slug": self.tenant.slug, "sync_id": self.pk}
        )

    @property
    def status(self) -> SyncStatus:
        return sync_status(self.run)


def stored_copy(source: SourcePolicy, tenant_id: int) -> dict[str, Any]:
    """The fields a stored copy of ``source`` keeps (a snapshot item, a backup version).

    One definition, so that a version captured fresh from the source hashes like
    the snapshot of the same settings (drift and "unchanged" compare the hashes).
    """
    normalized = normalize(source.settings, secrets.fingerprint_key(tenant_id))
    return {
        "policy_type": source.policy_type,
        "external_id": source.external_id,
        "display_name": source.stored_name,
        "settings": normalized.settings,
        "content_hash": normalized.content_hash,
        "has_masked_secrets": normalized.has_masked_secrets,
    }


class SnapshotItem(models.Model):
    """A policy's normalised settings as one sync saw them."""

    sync = models.ForeignKey(InventorySync, on_delete=models.CASCADE, related_name="items")
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="snapshot_items")
    # Copied from the policy so drift can stream (key, hash) pairs from one index.
    policy_type = models.CharField(max_length=64)
    external_id = models.CharField(max_length=200)
    display_name = models.CharField(max_length=300)
    settings = models.JSONField()
    content_hash = models.CharField(max_length=64)
    has_masked_secrets = models.BooleanField(default=False)

    class Meta:
        ordering = ["policy_type", "external_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sync", "policy_type", "external_id"],
                name="snapshot_item_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name} in {self.sync_id}"

    @classmethod
    def from_source(cls, sync: InventorySync, policy_id: int, source: SourcePolicy) -> SnapshotItem:
        """An unsaved item for ``source`` as read by ``sync`` (normalised and hashed at ingest)."""
        return cls(sync=sync, policy_id=policy_id, **stored_copy(source, sync.tenant_id))

    @property
    def policy_type_label(self) -> str:
        return POLICY_TYPE_LABELS.get(self.policy_type, self.policy_type)

    @property
    def settings_json(self) -> str:
        """The stored settings for a person to read, withheld secrets spelled out."""
        text = json.dumps(self.settings, indent=2, sort_keys=True, ensure_ascii=False)
        text = text.replace(json.dumps(MASKED_SECRET), json.dumps(MASKED_LABEL))
        return secrets.FINGERPRINT_RE.sub(json.dumps(WITHHELD_LABEL), text)


class ConnectionKind(models.TextChoices):
    DEMO = "demo", "Demo source"
    GRAPH = "graph", "Microsoft Graph"


class Cloud(models.TextChoices):
    """Which Microsoft cloud the tenant lives in: picks the login authority and Graph host."""

    GLOBAL = "global", "Global (login.microsoftonline.com, graph.microsoft.com)"
    USGOV_HIGH = "usgov_high", "US Government GCC High (graph.microsoft.us)"
    USGOV_DOD = "usgov_dod", "US Government DoD (dod-graph.microsoft.us)"
    CHINA = "china", "China, operated by 21Vianet (microsoftgraph.chinacloudapi.cn)"


class AuthMethod(models.TextChoices):
    SECRET = "secret", "Client secret"
    CERTIFICATE = "certificate", "Certificate"


CERTIFICATE_WARNING_DAYS = 30


class CertificateState(models.TextChoices):
    OK = "ok", "Valid"
    EXPIRING = "expiring", "Expires soon"
    EXPIRED = "expired", "Expired"


class TenantConnection(models.Model):
    """Where a tenant's inventory syncs read from: Microsoft Graph, or the demo generator
    (a kind the demo app plugs in when it is enabled; inventory never imports it).

    The Graph client secret and the certificate's PEM (private key + certificate)
    are stored only encrypted (inventory.crypto); they are write-only for people:
    pages say whether one is set (and a certificate's thumbprint and expiry),
    never what it is.
    """

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="connection")
    kind = models.CharField(
        max_length=16, choices=ConnectionKind.choices, default=ConnectionKind.GRAPH
    )
    # The demo source: a deterministic tenant of demo_size policies that moves
    # one generation forward after each sync that read it.
    demo_seed = models.CharField(max_length=100, blank=True)
    demo_size = models.PositiveIntegerField(default=60, validators=[MaxValueValidator(5000)])
    demo_fail_every = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(1000)])
    demo_generation = models.PositiveIntegerField(default=0)
    # Microsoft Graph, app-only: the Entra tenant id lives on Tenant.
    client_id = models.CharField(max_length=100, blank=True)
    cloud = models.CharField(max_length=16, choices=Cloud.choices, default=Cloud.GLOBAL)
    client_secret_encrypted = models.TextField(blank=True)
    secret_updated_at = models.DateTimeField(null=True, blank=True)
    # Which credential a Graph sync uses; the other one may stay stored, unused.
    auth_method = models.CharField(
        max_length=16, choices=AuthMethod.choices, default=AuthMethod.SECRET
    )
    # Not editable: set only through connections.set_certificate (so never in a ModelForm
    # or the admin). Thumbprint and expiry are public facts, kept to show without decrypting.
    certificate_encrypted = models.TextField(blank=True, editable=False)
    certificate_thumbprint = models.CharField(max_length=40, blank=True, editable=False)
    certificate_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    certificate_updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet["TenantConnection"].as_manager()

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.tenant}"

    def __repr__(self) -> str:
        # Never the ciphertext, not even in a debugger or a traceback's locals.
        return f"<TenantConnection tenant={self.tenant_id} kind={self.kind}>"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.demo_seed:
            self.demo_seed = self.tenant.slug
        super().save(*args, **kwargs)

    @property
    def has_secret(self) -> bool:
        return bool(self.client_secret_encrypted)

    @property
    def has_certificate(self) -> bool:
        return bool(self.certificate_encrypted)

    def certificate_state(self, now: datetime | None = None) -> str:
        """Expired, expiring within CERTIFICATE_WARNING_DAYS, ok; "" without a certificate."""
        if not self.has_certificate or self.certificate_expires_at is None:
            return ""
        now = now or timezone.now()
        if self.certificate_expires_at <= now:
            return CertificateState.EXPIRED
        if self.certificate_expires_at <= now + timedelta(days=CERTIFICATE_WARNING_DAYS):
            return CertificateState.EXPIRING
        return CertificateState.OK
