"""Production hardening that Django does not ship: sign-in client address, headers, reset gating."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


def client_ip(request: HttpRequest) -> str | None:
    """The address a sign-in attempt came from; axes locks out username + this address.

    Behind our TLS proxy every request comes from the proxy: the client is the
    last X-Forwarded-For entry, the one the proxy appended. Earlier entries are
    whatever the client claimed and must not be trusted (or anyone could pose
    as someone else's address and lock them out).
    """
    if settings.BEHIND_PROXY:
        forwarded: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",")]
        if hops[-1]:
            return hops[-1]
    address: str | None = request.META.get("REMOTE_ADDR")
    return address


class SecurityHeadersMiddleware:
    """Permissions-Policy on every answer; nothing a signed-in person sees is stored by caches.

    Authenticated pages and exports carry tenants' configuration: a shared
    computer's browser cache or a proxy must not keep them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


def requires_email[V: Callable[..., Any]](view: V) -> V:
    """Password reset only where mail can reach people; elsewhere its pages do not exist."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not settings.PASSWORD_RESET_ENABLED:
            raise Http404("Password reset is not available on this site.")
        return view(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]
