"""Tenancy: tenants, the people in them and their roles."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class Role(models.TextChoices):
    READONLY = "readonly", "Read-only"
    OPERATOR = "operator", "Operator"
    MANAGER = "manager", "Manager"
    OWNER = "owner", "Owner"

    @property
    def rank(self) -> int:
        return ROLE_RANK[self]


# Roles are ordered: each one can do everything the ones below it can.
ROLE_RANK = {Role.READONLY: 0, Role.OPERATOR: 1, Role.MANAGER: 2, Role.OWNER: 3}


class TenantQuerySet[M: models.Model](models.QuerySet[M]):
    """The one way to scope tenant-owned rows: ``Model.objects.for_tenant(tenant)``."""

    def for_tenant(self, tenant: Tenant) -> Self:
        return self.filter(tenant=tenant)


class Tenant(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    entra_tenant_id = models.CharField(
        "Entra tenant id", max_length=64, blank=True, help_text="The Microsoft Entra directory id."
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def tenant_zone(tenant: Tenant) -> ZoneInfo:
    """The tenant's zone; an unknown name falls back to the site's zone instead of failing pages.

    Local days in this zone are the hub's days and the run rollup's days.
    """
    return _first_zone(tenant.time_zone, settings.TIME_ZONE)


def site_zone() -> ZoneInfo:
    """``TIME_ZONE``: for pages outside a tenant."""
    return _first_zone(settings.TIME_ZONE)


def _first_zone(*names: str) -> ZoneInfo:
    for name in names:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


# In the tz database's files but no place's zone: "localtime" is whatever the
# server runs in, "Factory" the "-00" of a machine nobody set up.
NOT_A_PLACE = frozenset({"localtime", "Factory", "posixrules"})


@cache
def time_zone_names() -> frozenset[str]:
    """The IANA names this server's tz database knows (read from disk once)."""
    return frozenset(available_timezones()) - NOT_A_PLACE


def validate_time_zone(name: str) -> None:
    if name and name not in time_zone_names():
        raise ValidationError(
            "“%(name)s” is not a time zone name this server knows; pick one like Europe/Paris.",
            code="unknown_time_zone",
            params={"name": name[:64]},
        )


class Preferences(models.Model):
    """One person's display preferences; no row means every default.

    Loaded with the user on every request (``tenantatlas.auth``), so reading
    them costs no query.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="preferences",
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="An IANA time zone name; empty: each tenant's own time zone.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "preferences"

    def __str__(self) -> str:
        return f"Preferences of {self.user}"


def preferred_zone(user: AbstractBaseUser | AnonymousUser) -> ZoneInfo | None:
    """The person's own zone, or None to follow the tenant's (or the site's)."""
    preferences: Preferences | None = getattr(user, "preferences", None)
    name = preferences.time_zone if preferences else ""
    if not name or name not in time_zone_names():  # a zone the tz database has since dropped
        return None
    return ZoneInfo(name)


def display_zone(user: AbstractBaseUser | AnonymousUser, tenant: Tenant | None) -> ZoneInfo:
    """The zone a person sees times and days in: their own, else the tenant's, else the site's."""
    preferred = preferred_zone(user)
    if preferred is not None:
        return preferred
    return tenant_zone(tenant) if tenant is not None else site_zone()


class MembershipQuerySet(TenantQuerySet["Membership"]):
    def for_user(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.READONLY)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant"], name="membership_user_tenant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.tenant} ({self.role})"

    def has_role(self, required: Role | str) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(required)]
