from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from tenantatlas import health
from tenantatlas.forms import PreferencesForm
from tenantatlas.models import Membership, Preferences
from tenantatlas.tenancy import TenantRequest


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in person's tenant: straight to its hub, or a chooser if several."""
    memberships = list(
        Membership.objects.for_user(request.user).select_related("tenant").order_by("tenant__name")
    )
    if len(memberships) == 1:
        return redirect("monitoring:run_list", tenant_slug=memberships[0].tenant.slug)
    return render(request, "tenant_chooser.html", {"memberships": memberships})


class SignedInRequest(HttpRequest):
    """What a ``login_required`` view receives (for type checkers)."""

    user: User


@login_required
def preferences(request: SignedInRequest) -> HttpResponse:
    """The person's own settings (their time zone); saving goes back where they came from."""
    saved: Preferences | None = getattr(request.user, "preferences", None)
    form = PreferencesForm(request.POST or None, instance=saved or Preferences(user=request.user))
    back = _local_next(request)
    if request.method == "POST" and form.is_valid():
        form.save()
        zone = form.cleaned_data["time_zone"] or "each tenant's own time zone"
        messages.success(request, f"Saved: times are now shown in {zone}.")
        return redirect(back or "preferences")
    memberships = Membership.objects.for_user(request.user).select_related("tenant")
    context = {"form": form, "back": back, "memberships": memberships.order_by("tenant__name")}
    return render(request, "preferences.html", context)


def _local_next(request: HttpRequest) -> str:
    """``next`` if it is a path on this site, else nothing (never an open redirect)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe and target.startswith("/") else ""


def tenant_home(request: TenantRequest) -> HttpResponse:
    return redirect("monitoring:run_list", tenant_slug=request.tenant.slug)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and Redis reachable, a reaper alive; names no host, user or password."""
    checks = health.run_checks()
    body = {name: "ok" if ok else "unreachable" for name, ok in checks.items()}
    return JsonResponse(body, status=200 if all(checks.values()) else 503)


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's)."""
    # Resolved per request: the manifest storage knows the hashed name only after collectstatic.
    return HttpResponsePermanentRedirect(static("favicon.svg"))
