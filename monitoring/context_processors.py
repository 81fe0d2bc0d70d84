from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from operations.notifications import UNREAD_CAP, bell_state


def notifications(request: HttpRequest) -> dict[str, Any]:
    """The bell on every tenant page: the unread count, and whether it should poll."""
    tenant = getattr(request, "tenant", None)
    if tenant is None or not request.user.is_authenticated:
        return {}
    unread, live = bell_state(user=request.user, tenant=tenant)
    # The bell polls only while a run this person started has not ended.
    shown = f"{UNREAD_CAP - 1}+" if unread >= UNREAD_CAP else unread
    return {"unread_notifications": shown, "bell_live": live}
