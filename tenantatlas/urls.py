from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from tenantatlas import views

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

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that name none (the admin's).
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("t/<slug:tenant_slug>/", include(tenant_patterns)),
    path("api/v1/t/<slug:tenant_slug>/", include("monitoring.api_urls")),
]
