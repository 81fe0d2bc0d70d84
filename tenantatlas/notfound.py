"""The app's own 404 answer, also when ``DEBUG`` is on (the demo runs with it).

With ``DEBUG=True`` Django answers an unknown address, or a view's ``Http404``,
with its technical page (URL patterns, settings hints) and never calls
``handler404``. That page is for developers, not for the people using the demo,
so this middleware swaps any HTML 404 that is not already ours for
``templates/404.html`` (JSON ``{"error": "not found"}`` under ``/api/``).
Views' own JSON 404s are left alone. It sits inside ``CommonMiddleware``, so
``APPEND_SLASH`` still redirects ``…/operations`` to ``…/operations/``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from tenantatlas.tenancy import is_api

# Marks a 404 this module rendered, so it is never rendered twice.
OWN_PAGE_ATTR = "tenantatlas_not_found"


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The one 404 answer (also ``handler404`` for ``DEBUG=False``)."""
    response: HttpResponse
    if is_api(request):
        response = JsonResponse({"error": "not found"}, status=404)
    else:
        response = HttpResponse(render_to_string("404.html", request=request), status=404)
    setattr(response, OWN_PAGE_ATTR, True)
    return response


class NotFoundPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 404 or getattr(response, OWN_PAGE_ATTR, False):
            return response
        if not response.get("Content-Type", "").startswith("text/html"):
            return response  # a view's deliberate JSON/plain 404
        return not_found(request)
