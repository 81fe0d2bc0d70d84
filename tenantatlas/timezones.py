"""Every time a person sees is in their zone: activated once per request.

The zone is the person's preference, else the tenant's (``Tenant.time_zone``),
else the site's ``TIME_ZONE``. It comes from what the request has loaded
already (the user with its preferences, the tenant), so it costs no query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from tenantatlas.models import display_zone


class TimeZoneMiddleware:
    """After ``TenantMiddleware``: sets ``request.time_zone`` and activates it for the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()  # a thread serves the next person next

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> None:
        zone = display_zone(request.user, getattr(request, "tenant", None))
        request.time_zone = zone  # type: ignore[attr-defined]
        timezone.activate(zone)
