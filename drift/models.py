"""Drift findings: what changed between a baseline and a current snapshot of one scope."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from drift.diff import SettingChange
from operations.models import OperationRun
from tenantatlas.models import Tenant, TenantQuerySet


class ChangeType(models.TextChoices):
    ADDED = "added", "Added"
    REMOVED = "removed", "Removed"
    MODIFIED = "modified", "Modified"


class DriftFinding(models.Model):
    """One policy that differs between the two snapshots a ``drift.generate`` run compared."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="drift_findings")
    run = models.ForeignKey(OperationRun, on_delete=models.CASCADE, related_name="drift_findings")
    change_type = models.CharField(max_length=16, choices=ChangeType.choices)
    policy_type = models.CharField(max_length=64)
    external_id = models.CharField(max_length=200)
    display_name = models.CharField(max_length=300)
    # SettingChange.to_json() of each setting that differs; empty for added/removed policies.
    changes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet["DriftFinding"].as_manager()

    class Meta:
        ordering = ["change_type", "policy_type", "display_name", "id"]
        indexes = [
            # The findings page: one run, optionally one change type and policy type,
            # in display order.
            models.Index(
                fields=["tenant", "run", "change_type", "policy_type", "display_name", "id"],
                name="finding_page",
            ),
            # ... or one policy type (the change type is then the leading sort key).
            models.Index(
                fields=["tenant", "run", "policy_type", "change_type", "display_name", "id"],
                name="finding_page_type",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} {self.change_type}"

    @property
    def setting_changes(self) -> list[SettingChange]:
        return [SettingChange.from_json(change) for change in self.changes]

    @property
    def assignment_change_count(self) -> int:
        """How many of the changes are to whom the policy applies (they are listed first)."""
        return sum(1 for change in self.changes if change.get("area") == "assignment")
