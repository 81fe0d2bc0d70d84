from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from operations.notifications import UNREAD_CAP, bell_state
from tenantatlas.models import Tenant

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def notifications(request: HttpRequest) -> dict[str, Any]:
    """The bell on every tenant page: the unread count, and whether it should poll.

    Read when a template first prints either value: the htmx partials (a run's
    live progress, the list's rows) carry no bell, so their polls skip the query.
    """
    tenant = getattr(request, "tenant", None)
    if tenant is None or not request.user.is_authenticated:
        return {}
    bell = _Bell(request.user, tenant)
    return {
        "unread_notifications": SimpleLazyObject(lambda: bell.state[0]),
        "bell_live": SimpleLazyObject(lambda: bell.state[1]),
    }


def polling(request: HttpRequest) -> dict[str, str]:
    """The live parts' poll intervals, as htmx's ``every`` reads them (settings.py)."""
    return {
        "hub_poll": htmx_interval(settings.HUB_POLL_SECONDS),
        "bell_poll": htmx_interval(settings.BELL_POLL_SECONDS),
    }


def htmx_interval(seconds: float) -> str:
    """``2s`` for whole seconds (the defaults read as before), else milliseconds: ``250ms``."""
    if seconds == int(seconds):
        return f"{int(seconds)}s"
    return f"{max(1, round(seconds * 1000))}ms"


class _Bell:
    def __init__(self, user: User, tenant: Tenant) -> None:
        self.user = user
        self.tenant = tenant

    @cached_property
    def state(self) -> tuple[int | str, bool]:
        unread, live = bell_state(user=self.user, tenant=self.tenant)
        # The bell polls only while a run this person started has not ended.
        return (f"{UNREAD_CAP - 1}+" if unread >= UNREAD_CAP else unread), live
