from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from operations.notifications import bell_state


def notifications(request: HttpRequest) -> dict[str, Any]:
    """The bell on every tenant page: the unread count, and whether it should poll."""
    tenant = getattr(request, "tenant", None)
    if tenant is None or not request.user.is_authenticated:
        return {}
    unread, live = bell_state(user=request.user, tenant=tenant)
    # The bell polls only while a run this person started has not ended.
    return {"unread_notifications": unread, "bell_live": live}
