from django.contrib import admin
from django.contrib.auth import urls as auth_urls
from django.urls import URLPattern, URLResolver, include, path

from tenantatlas import views
from tenantatlas.security import requires_email

PASSWORD_RESET_VIEWS = {
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}
# Django's auth pages; the password-reset ones answer 404 unless e-mail is configured.
account_patterns: list[URLPattern | URLResolver] = [
    path(str(p.pattern), requires_email(p.callback), name=p.name)
    if isinstance(p, URLPattern) and p.name in PASSWORD_RESET_VIEWS
    else p
    for p in auth_urls.urlpatterns
] + [path("preferences/", views.preferences, name="preferences")]

# Every tenant page lives under t/<tenant_slug>/; TenantMiddleware resolves
# the slug into request.tenant and request.membership before a view runs.
tenant_patterns: list[URLPattern | URLResolver] = [
    path("", views.tenant_home, name="tenant_home"),
    path("", include("monitoring.urls")),  # monitoring/operations/… and notifications/
    path("inventory/", include("inventory.urls")),
    path("drift/", include("drift.urls")),
    path("backups/", include("backups.urls")),
]

# The app's 404 page for DEBUG=False; NotFoundPageMiddleware covers DEBUG=True.
handler404 = "tenantatlas.notfound.not_found"
# A database or Redis outage answers 503 "temporarily unavailable" (HTML or JSON), not 500.
handler500 = "tenantatlas.errors.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that name none (the admin's).
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/", include(account_patterns)),
    path("admin/", admin.site.urls),
    path("t/<slug:tenant_slug>/", include(tenant_patterns)),
    path("api/v1/t/<slug:tenant_slug>/", include("monitoring.api_urls")),
]
