"""The 500 handler: a dependency that is down answers 503 "temporarily unavailable", not 500.

Django turns any uncaught exception (from a view or a middleware, e.g. the
session or the tenant lookup) into a call of ``handler500`` while the
exception is being handled, so one place sees them all.
"""

from __future__ import annotations

import sys

import redis.exceptions
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from tenantatlas.tenancy import is_api

# Raised when PostgreSQL or Redis is down, unreachable or silent (connect and
# answer deadlines, statement timeout): a retry later may well succeed.
DEPENDENCY_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
RETRY_AFTER_SECONDS = 30


def server_error(request: HttpRequest) -> HttpResponse:
    if isinstance(sys.exc_info()[1], DEPENDENCY_ERRORS):
        return temporarily_unavailable(request)
    # No request context: context processors query the database, which may be the problem.
    return HttpResponse(render_to_string("500.html"), status=500)


def temporarily_unavailable(request: HttpRequest) -> HttpResponse:
    response: HttpResponse
    if is_api(request):
        response = JsonResponse({"error": "temporarily unavailable"}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
