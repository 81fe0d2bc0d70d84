"""The connection settings form. Secret and certificate are write-only: never rendered back."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django import forms

from inventory import source_registry
from inventory.connections import clear_certificate, set_certificate, set_secret
from inventory.crypto import CredentialsUnavailable
from inventory.models import AuthMethod, ConnectionKind, TenantConnection
from inventory.sources.graph import (
    MAX_BUNDLE_CHARS,
    MSG_TOO_LARGE,
    CertificateBundleError,
    load_certificate_bundle,
)

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
MSG_NOT_PEM = (
    "The file is not PEM text. Convert a .pfx/.p12 first "
    "(openssl pkcs12 -in cert.pfx -nodes -out bundle.pem) and upload bundle.pem."
)


class WriteOnlyTextarea(forms.Textarea):
    """A textarea that never renders its value, not even when the form comes back with errors."""

    def format_value(self, value: Any) -> None:
        return None


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
    certificate_file = forms.FileField(
        label="Upload a PEM file",
        required=False,
        help_text="The private key (unencrypted) and its certificate, in one .pem file.",
    )
    certificate_pem = forms.CharField(
        label="…or paste the PEM",
        required=False,
        max_length=MAX_BUNDLE_CHARS,
        strip=True,
        widget=WriteOnlyTextarea(attrs={"rows": 6, "cols": 66, "spellcheck": "false"}),
        help_text="Write-only. Leave empty to keep the stored certificate.",
    )
    clear_certificate = forms.BooleanField(label="Remove the stored certificate", required=False)

    class Meta:
        model = TenantConnection
        fields = ["kind", "cloud", "auth_method", "client_id", "demo_size", "demo_fail_every"]
        labels = {
            "cloud": "Microsoft cloud",
            "auth_method": "Authenticate with",
            "client_id": "Application (client) id",
            "demo_size": "Demo tenant size (policies)",
            "demo_fail_every": "Demo: fail every Nth policy (0 = never)",
        }
        widgets = {
            "kind": forms.RadioSelect,
            "auth_method": forms.RadioSelect,
            "client_id": forms.TextInput(attrs={"size": 40}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entra_tenant_id"].initial = self.instance.tenant.entra_tenant_id
        # Omitted (scripts, older clients): keep the stored method, see clean_auth_method.
        self.fields["auth_method"].required = False
        self.fields["cloud"].required = False
        self._offer_plugged_kinds()

    def _offer_plugged_kinds(self) -> None:
        """Microsoft Graph, and a plugged-in kind (the demo) only while it is enabled."""
        offered = {ConnectionKind.GRAPH, *source_registry.kinds()}
        kind: forms.ChoiceField = self.fields["kind"]  # type: ignore[assignment]
        kind.choices = [(v, label) for v, label in ConnectionKind.choices if v in offered]
        if ConnectionKind.DEMO not in offered:
            del self.fields["demo_size"], self.fields["demo_fail_every"]

    def clean_auth_method(self) -> str:
        value: str = self.cleaned_data.get("auth_method") or ""
        return value or self.instance.auth_method or AuthMethod.SECRET

    def clean_cloud(self) -> str:
        value: str = self.cleaned_data.get("cloud") or ""
        return value or self.instance.cloud or "global"

    def clean_certificate_file(self) -> str:
        """The uploaded file's text ("" without one); binary files are refused here."""
        upload = self.cleaned_data.get("certificate_file")
        if not upload:
            return ""
        if upload.size is not None and upload.size > MAX_BUNDLE_CHARS:
            raise forms.ValidationError(MSG_TOO_LARGE)
        try:
            return bytes(upload.read()).decode("utf-8-sig")  # -sig: Windows editors add a BOM
        except UnicodeDecodeError:
            raise forms.ValidationError(MSG_NOT_PEM) from None

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
        has_certificate = self._store_certificate(data)
        if data.get("kind") == ConnectionKind.GRAPH:
            self._require_graph_fields(
                data, has_secret=bool(secret), has_certificate=has_certificate
            )
        return data

    def _store_certificate(self, data: dict[str, Any]) -> bool:
        """Validate a given PEM and store it encrypted; True if one was given."""
        field, text = self._certificate_text(data)
        if not text:
            return False
        if data.get("clear_certificate"):
            self.add_error(
                "clear_certificate", "Give a new certificate or remove the stored one, not both."
            )
            return True
        try:
            # Encrypted now, like the secret: a missing key is a form error, not a 500.
            set_certificate(self.instance, load_certificate_bundle(text))
        except (CertificateBundleError, CredentialsUnavailable) as exc:
            self.add_error(field, str(exc))  # fixed texts: never a piece of the PEM
        return True

    def _certificate_text(self, data: dict[str, Any]) -> tuple[str, str]:
        """(the field it came from, the PEM text): uploaded or pasted, not both."""
        uploaded: str = data.get("certificate_file") or ""
        pasted: str = data.get("certificate_pem") or ""
        if uploaded and pasted:
            self.add_error("certificate_pem", "Upload a file or paste the PEM, not both.")
            return "certificate_pem", ""
        return ("certificate_file", uploaded) if uploaded else ("certificate_pem", pasted)

    def _require_graph_fields(
        self, data: dict[str, Any], *, has_secret: bool, has_certificate: bool
    ) -> None:
        if not data.get("entra_tenant_id") and "entra_tenant_id" not in self.errors:
            self.add_error("entra_tenant_id", "Microsoft Graph needs the Entra tenant id.")
        if not data.get("client_id") and "client_id" not in self.errors:
            self.add_error("client_id", "Microsoft Graph needs the application (client) id.")
        if data.get("auth_method") == AuthMethod.CERTIFICATE:
            self._require_certificate(data, given=has_certificate)
            return
        keeps_secret = self.instance.has_secret and not data.get("clear_secret")
        if not (has_secret or keeps_secret) and "client_secret" not in self.errors:
            self.add_error("client_secret", "Microsoft Graph needs a client secret.")

    def _require_certificate(self, data: dict[str, Any], *, given: bool) -> None:
        keeps = self.instance.has_certificate and not data.get("clear_certificate")
        reported = {"certificate_file", "certificate_pem"} & set(self.errors)
        if not (given or keeps or reported):
            self.add_error(
                "certificate_pem",
                "Microsoft Graph needs a certificate: upload or paste its PEM with the key.",
            )

    def save(self, commit: bool = True) -> TenantConnection:
        connection = super().save(commit=False)
        if self.cleaned_data.get("clear_secret"):
            connection.client_secret_encrypted = ""
            connection.secret_updated_at = None
        if self.cleaned_data.get("clear_certificate"):
            clear_certificate(connection)
        tenant = connection.tenant
        tenant.entra_tenant_id = self.cleaned_data.get("entra_tenant_id") or ""
        if commit:
            tenant.save(update_fields=["entra_tenant_id"])
            connection.save()
        return connection
