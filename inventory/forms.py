"""The connection settings form. The client secret is write-only: never rendered back."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django import forms

from inventory.connections import set_secret
from inventory.crypto import CredentialsUnavailable
from inventory.models import ConnectionKind, TenantConnection

# A directory id (GUID) or a verified domain of the tenant (contoso.onmicrosoft.com).
_ENTRA_TENANT_RE = re.compile(
    r"^(?:[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}"
    r"|(?=.{3,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+)$"
)
if TYPE_CHECKING:
    _ModelForm = forms.ModelForm[TenantConnection]
else:  # ModelForm is generic only in the type stubs
    _ModelForm = forms.ModelForm

_GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


class ConnectionForm(_ModelForm):
    entra_tenant_id = forms.CharField(
        label="Entra tenant id",
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"size": 40}),
        help_text="The directory (tenant) id, or a verified domain (contoso.onmicrosoft.com).",
    )
    client_secret = forms.CharField(
        label="New client secret",
        required=False,
        max_length=1000,
        strip=True,
        # Never echoed, not even when the form comes back with errors.
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "new-password", "size": 40}
        ),
        help_text="Write-only. Leave empty to keep the stored secret.",
    )
    clear_secret = forms.BooleanField(label="Remove the stored secret", required=False)

    class Meta:
        model = TenantConnection
        fields = ["kind", "client_id", "demo_size", "demo_fail_every"]
        labels = {
            "client_id": "Application (client) id",
            "demo_size": "Demo tenant size (policies)",
            "demo_fail_every": "Demo: fail every Nth policy (0 = never)",
        }
        widgets = {"kind": forms.RadioSelect, "client_id": forms.TextInput(attrs={"size": 40})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entra_tenant_id"].initial = self.instance.tenant.entra_tenant_id

    def clean_entra_tenant_id(self) -> str:
        value: str = self.cleaned_data["entra_tenant_id"]
        if value and not _ENTRA_TENANT_RE.match(value):
            raise forms.ValidationError("Enter a tenant id (GUID) or a domain name.")
        return value

    def clean_client_id(self) -> str:
        value: str = self.cleaned_data["client_id"].strip()
        if value and not _GUID_RE.match(value):
            raise forms.ValidationError("The application (client) id is a GUID.")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        secret = data.get("client_secret") or ""
        if secret and data.get("clear_secret"):
            self.add_error("clear_secret", "Enter a new secret or remove the stored one, not both.")
        elif secret:
            try:
                set_secret(self.instance, secret)  # encrypted now: a missing key is a form error
            except CredentialsUnavailable as exc:
                self.add_error("client_secret", str(exc))
        if data.get("kind") == ConnectionKind.GRAPH:
            self._require_graph_fields(data, has_secret=bool(secret))
        return data

    def _require_graph_fields(self, data: dict[str, Any], *, has_secret: bool) -> None:
        if not data.get("entra_tenant_id") and "entra_tenant_id" not in self.errors:
            self.add_error("entra_tenant_id", "Microsoft Graph needs the Entra tenant id.")
        if not data.get("client_id") and "client_id" not in self.errors:
            self.add_error("client_id", "Microsoft Graph needs the application (client) id.")
        keeps_secret = self.instance.has_secret and not data.get("clear_secret")
        if not (has_secret or keeps_secret) and "client_secret" not in self.errors:
            self.add_error("client_secret", "Microsoft Graph needs a client secret.")

    def save(self, commit: bool = True) -> TenantConnection:
        connection = super().save(commit=False)
        if self.cleaned_data.get("clear_secret"):
            connection.client_secret_encrypted = ""
            connection.secret_updated_at = None
        tenant = connection.tenant
        tenant.entra_tenant_id = self.cleaned_data.get("entra_tenant_id") or ""
        if commit:
            tenant.save(update_fields=["entra_tenant_id"])
            connection.save()
        return connection
