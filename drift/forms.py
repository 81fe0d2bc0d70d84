"""Input of the drift pages: the generate form and the findings filters."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms

from drift.models import ChangeType, DriftFinding
from drift.selectors import drift_runs
from inventory.sources.base import POLICY_TYPES
from tenantatlas.models import Tenant

MAX_ID = 2**63 - 1  # bigint: a larger id is malformed, not merely unknown


class GenerateForm(forms.Form):
    """``scope_key``; optionally a hand-picked pair (InventorySync ids), both or neither."""

    scope_key = forms.CharField(label="Scope", max_length=300)
    baseline_sync_id = forms.IntegerField(
        label="Baseline sync", required=False, min_value=1, max_value=MAX_ID
    )
    current_sync_id = forms.IntegerField(
        label="Current sync", required=False, min_value=1, max_value=MAX_ID
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [data.get("baseline_sync_id"), data.get("current_sync_id")]
        if any(chosen) and not all(chosen):
            raise forms.ValidationError("Choose both a baseline and a current sync, or neither.")
        return data


class FindingFilter(django_filters.FilterSet):
    run = django_filters.ModelChoiceFilter(
        queryset=None,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "There is no such drift run in this tenant."},
    )
    change_type = django_filters.ChoiceFilter(
        choices=ChangeType.choices,
        empty_label="Any change",
        error_messages={"invalid_choice": "Unknown change type."},
    )
    policy_type = django_filters.ChoiceFilter(
        choices=[(t, t) for t in POLICY_TYPES],
        empty_label="Any policy type",
        error_messages={"invalid_choice": "Unknown policy type."},
    )

    class Meta:
        model = DriftFinding
        fields = ["run", "change_type", "policy_type"]

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only this tenant's drift runs are valid choices: another tenant's id reads as unknown.
        self.filters["run"].queryset = drift_runs(tenant)
