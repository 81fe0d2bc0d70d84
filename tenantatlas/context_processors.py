from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from tenantatlas.models import Membership


def tenancy(request: HttpRequest) -> dict[str, Any]:
    """The tenant switcher needs the person's tenants on every page."""
    if not request.user.is_authenticated:
        return {}
    memberships = getattr(request, "memberships", None)
    if memberships is None:  # a page outside /t/<slug>/ (the chooser): load them lazily
        memberships = Membership.objects.for_user(request.user).select_related("tenant")
    return {
        "current_tenant": getattr(request, "tenant", None),
        "current_membership": getattr(request, "membership", None),
        "my_memberships": memberships,
    }
