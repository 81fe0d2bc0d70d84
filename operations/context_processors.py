from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from operations.notifications import unread_count


def notifications(request: HttpRequest) -> dict[str, Any]:
    """The bell's unread count, on every tenant page."""
    tenant = getattr(request, "tenant", None)
    if tenant is None or not request.user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user=request.user, tenant=tenant)}
