"""Content-Security-Policy: Django's own middleware, with a wider policy for the admin only.

Our pages carry no inline script, handler or style attribute: scripts come
from /static/ with the request's nonce. The Django admin and the django-rq
dashboard (staff only, under /admin/) ship inline scripts and styles of their
own, so they get a policy that allows those, and nothing from other origins.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import ContentSecurityPolicyMiddleware


class TenantAtlasCSPMiddleware(ContentSecurityPolicyMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.path.startswith("/admin/") and not hasattr(response, "_csp_config"):
            response._csp_config = settings.ADMIN_CSP  # type: ignore[attr-defined]
        return super().process_response(request, response)
