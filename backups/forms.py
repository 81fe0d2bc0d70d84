"""Forms: a backup set's name and description; the Add policies selection."""

from __future__ import annotations

from django import forms
from django.http import QueryDict

from backups.filters import SnapshotPolicyFilter
from backups.models import BackupSet
from backups.selectors import current_items
from backups.services import SelectionError, max_policies_per_run
from tenantatlas.generics import ModelForm
from tenantatlas.models import Tenant


class BackupSetForm(ModelForm[BackupSet]):
    class Meta:
        model = BackupSet
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: object, tenant: Tenant, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.tenant = tenant

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the set a name.")
        others = BackupSet.objects.for_tenant(self.tenant).filter(name__iexact=name)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(f"A backup set named “{name}” already exists.")
        return name


def selection_from_post(tenant: Tenant, data: QueryDict) -> list[int]:
    """The ids a picker POST names: ticked boxes (``policies``) or "all filtered" (``select``)."""
    if data.get("select") == "filtered":
        return filtered_policy_ids(tenant, data)
    values = data.getlist("policies")
    if len(values) > max_policies_per_run():  # before parsing thousands of strings
        raise SelectionError(f"One run can add at most {max_policies_per_run():,} policies.")
    if not all(_is_id(value) for value in values):
        raise SelectionError("The selection is not valid: policy ids must be numbers.")
    return [int(value) for value in values]


def _is_id(value: str) -> bool:
    # ASCII digits only, and small enough for a bigint: never a database error.
    return value.isascii() and value.isdigit() and len(value) <= 18


def filtered_policy_ids(tenant: Tenant, data: QueryDict) -> list[int]:
    """Every current policy the posted filter matches (the server resolves "select all")."""
    policy_filter = SnapshotPolicyFilter(data, queryset=current_items(tenant))
    if not policy_filter.is_valid():
        raise SelectionError(f"The filter is not valid: {policy_filter.error_text}")
    return list(policy_filter.qs.values_list("policy_id", flat=True))
