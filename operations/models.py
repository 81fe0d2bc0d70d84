"""The canonical record of every long-running operation, and what people are told about it."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from operations.sanitize import sanitize, sanitize_code
from tenantatlas.models import Tenant, TenantQuerySet


class RunStatus(models.TextChoices):
    """What the worker writes."""

    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class StatusBucket(models.TextChoices):
    """What a person sees, derived from status and counts (DESIGN.md's table)."""

    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTIALLY_SUCCEEDED = "partially_succeeded", "Partially succeeded"
    FAILED = "failed", "Failed"


ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)
TERMINAL_STATUSES = (RunStatus.COMPLETED, RunStatus.FAILED)


def status_bucket(status: str, *, succeeded: int, failed: int) -> StatusBucket:
    """The bucket rule for one row; its database twin is BUCKET_EXPRESSION."""
    if status == RunStatus.QUEUED:
        return StatusBucket.QUEUED
    if status == RunStatus.RUNNING:
        return StatusBucket.RUNNING
    if status == RunStatus.COMPLETED and failed == 0:
        return StatusBucket.SUCCEEDED
    if status == RunStatus.COMPLETED and succeeded > 0:
        return StatusBucket.PARTIALLY_SUCCEEDED
    return StatusBucket.FAILED


# The same rule as a stored generated column, so the hub filters and counts
# by bucket with an index instead of in Python.
BUCKET_EXPRESSION = Case(
    When(status=RunStatus.QUEUED, then=Value(StatusBucket.QUEUED.value)),
    When(status=RunStatus.RUNNING, then=Value(StatusBucket.RUNNING.value)),
    When(Q(status=RunStatus.COMPLETED, failed=0), then=Value(StatusBucket.SUCCEEDED.value)),
    When(
        Q(status=RunStatus.COMPLETED, succeeded__gt=0),
        then=Value(StatusBucket.PARTIALLY_SUCCEEDED.value),
    ),
    default=Value(StatusBucket.FAILED.value),
    output_field=models.CharField(max_length=24),
)


def job_id_for(run_id: int) -> str:
    """A run's RQ job id follows from its id, so starting a run is one INSERT, not two writes."""
    return f"run-{run_id}"


def split_run_type(run_type: str) -> tuple[str, str]:
    """``"backup_set.add_policies"`` → ``("backup_set", "add_policies")``, or ValueError."""
    resource, sep, action = run_type.partition(".")
    if not sep or not resource or not action:
        raise ValueError(f"run type must be 'resource.action', got {run_type!r}")
    return resource, action


class OperationRunQuerySet(TenantQuerySet["OperationRun"]):
    def of_type(self, run_type: str) -> OperationRunQuerySet:
        resource, action = split_run_type(run_type)
        return self.filter(resource=resource, action=action)

    def active(self) -> OperationRunQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)


class OperationRun(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="runs")
    resource = models.CharField(max_length=40)
    action = models.CharField(max_length=40)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    status_bucket = models.GeneratedField(
        expression=BUCKET_EXPRESSION,
        output_field=models.CharField(max_length=24, choices=StatusBucket.choices),
        db_persist=True,
    )
    total = models.PositiveIntegerField(default=0)
    succeeded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    # Every item counted once, in the bucket it ended in: stored by PostgreSQL,
    # never written by us, so it can never disagree with the three counts.
    processed = models.GeneratedField(
        expression=F("succeeded") + F("failed") + F("skipped"),
        output_field=models.PositiveIntegerField(),
        db_persist=True,
    )
    failures_dropped = models.PositiveIntegerField(default=0)
    failure_reason = models.CharField(max_length=500, blank=True)
    context = models.JSONField(default=dict, blank=True)
    # Two starts of the same thing share a dedupe key; the partial unique
    # constraint below lets only one of them be active at a time.
    dedupe_key = models.CharField(max_length=200, blank=True)
    initiated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    objects = OperationRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "-created_at", "-id"], name="run_tenant_created"),
            models.Index(
                fields=["tenant", "status_bucket", "-created_at", "-id"], name="run_tenant_bucket"
            ),
            models.Index(
                fields=["tenant", "resource", "action", "-created_at", "-id"],
                name="run_tenant_type",
            ),
            models.Index(
                fields=["tenant", "resource", "action", "status_bucket", "-created_at", "-id"],
                name="run_tenant_type_bucket",
            ),
            # The recovery check scans only active runs, a handful among millions.
            models.Index(
                fields=["status", "heartbeat_at"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="run_active",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "resource", "action", "dedupe_key"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="run_one_active_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_type} #{self.pk}"

    @property
    def run_type(self) -> str:
        return f"{self.resource}.{self.action}"

    @property
    def job_id(self) -> str:
        return job_id_for(self.pk)

    @property
    def bucket(self) -> StatusBucket:
        """The bucket from the current values (the stored column is fresh only after a read)."""
        return status_bucket(self.status, succeeded=self.succeeded, failed=self.failed)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def duration(self) -> timedelta | None:
        if self.started_at is None:
            return None
        return (self.finished_at or timezone.now()) - self.started_at


class RunDayCount(models.Model):
    """The run rollup: how many of a tenant's runs of one type sit in one bucket, per local day.

    A cache of ``COUNT(*) … GROUP BY`` over OperationRun, kept in the same
    transaction as every lifecycle transition (operations/rollup.py) so the
    hub's tabs and chart read O(days) rows however many runs a tenant has.
    The day is the run's ``created_at`` in the tenant's zone. The runs stay the
    truth: ``rollup.reconcile`` recounts them and repairs any drift.
    """

    # No index of its own: the key below starts with the tenant.
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    resource = models.CharField(max_length=40)
    action = models.CharField(max_length=40)
    bucket = models.CharField(max_length=24, choices=StatusBucket.choices)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # Also the index every read walks: one tenant, a range of days.
            models.UniqueConstraint(
                fields=["tenant", "day", "resource", "action", "bucket"], name="run_day_count_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource}.{self.action} {self.bucket} on {self.day}: {self.count}"


def failure_kept(stored: int) -> bool:
    """Whether a run that already stores ``stored`` failure entries keeps one more.

    Past ``RUN_FAILURE_CAP`` entries are only counted (``failures_dropped``):
    a run with a million failing items stays one page, not a million rows.
    """
    return stored < settings.RUN_FAILURE_CAP


class RunFailure(models.Model):
    """One sanitized failure entry. Insert-only: a run's list is never rewritten."""

    run = models.ForeignKey(OperationRun, on_delete=models.CASCADE, related_name="failures")
    code = models.CharField(max_length=64)
    message = models.CharField(max_length=500)
    item = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    @classmethod
    def sanitized(
        cls, run: OperationRun, *, code: object, message: object, item: object = ""
    ) -> RunFailure:
        """An unsaved entry whose every text went through the one sanitizer."""
        return cls(
            run=run,
            code=sanitize_code(code),
            message=sanitize(message),
            item=sanitize(item, max_length=200),
        )


class NotificationLevel(models.TextChoices):
    INFO = "info", "Info"
    SUCCESS = "success", "Success"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"


class NotificationQuerySet(TenantQuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="notifications")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    level = models.CharField(
        max_length=16, choices=NotificationLevel.choices, default=NotificationLevel.INFO
    )
    title = models.CharField(max_length=200)
    body = models.CharField(max_length=500, blank=True)
    # Only for a notice without a run; a run's notice is linked by the hub from ``run``.
    link = models.CharField(max_length=300, blank=True)
    run = models.ForeignKey(
        OperationRun, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "tenant", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["user", "tenant"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]
        constraints = [
            # One notice per person and run, updated in place as the run moves.
            models.UniqueConstraint(
                fields=["user", "run"],
                condition=Q(run__isnull=False),
                name="notification_one_per_run",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
