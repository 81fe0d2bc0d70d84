from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from operations.notifications import UNREAD_CAP, unread_count


def notifications(request: HttpRequest) -> dict[str, Any]:
    """The bell's unread count, on every tenant page."""
    tenant = getattr(request, "tenant", None)
    if tenant is None or not request.user.is_authenticated:
        return {}
    count = unread_count(user=request.user, tenant=tenant)
    return {"unread_notifications": f"{UNREAD_CAP - 1}+" if count >= UNREAD_CAP else count}
